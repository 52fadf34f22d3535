import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * Structured logs on stderr: JSON lines for a collector, or readable lines when stderr
 * is a terminal. `LOG_LEVEL` (trace, debug, info, warn, error, silent) sets the level.
 */
export function createLogger(component: string): Logger {
  const options = { level: process.env.LOG_LEVEL || 'info', base: { component } };
  if (process.stderr.isTTY) {
    return pino(options, pretty({ destination: 2, colorize: true, ignore: 'pid,hostname,component', translateTime: 'SYS:HH:MM:ss' }));
  }
  return pino(options, pino.destination({ fd: 2, sync: true }));
}
