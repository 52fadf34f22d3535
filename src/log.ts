import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * Structured logs on stderr: JSON lines for a collector, or one readable line per
 * entry when stderr is a terminal. `LOG_LEVEL` (trace, debug, info, warn, error,
 * silent) sets the level. `destination` sends the JSON lines elsewhere (`run` keeps
 * them for the summary after its progress bar).
 */
export function createLogger(component: string, destination?: DestinationStream): Logger {
  const options = { level: process.env.LOG_LEVEL || 'info', base: { component } };
  if (destination) return pino(options, destination);
  if (process.stderr.isTTY) {
    return pino(
      options,
      // The summary's figures are in its message already.
      pretty({
        destination: 2, colorize: true, singleLine: true, ignore: 'pid,hostname,component,completed,failed,docsPerSecond', translateTime: 'SYS:HH:MM:ss',
      }),
    );
  }
  return pino(options, pino.destination({ fd: 2, sync: true }));
}

/**
 * Documents finished since the last summary, for one `info` line every `everyMs`
 * (each document has its own line at `debug`): a worker's log stays a few lines a
 * minute however fast it goes. Nothing is logged for a period without documents.
 */
export class LogSummary {
  private completed = 0;
  private failed = 0;
  private totalCompleted = 0;
  private totalFailed = 0;
  private since = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    everyMs: number,
  ) {
    this.timer = setInterval(() => this.flush(), everyMs);
    this.timer.unref();
  }

  add(outcome: 'completed' | 'failed'): void {
    if (outcome === 'completed') this.completed++;
    else this.failed++;
  }

  private flush(): void {
    if (this.completed + this.failed === 0) return;
    const seconds = (Date.now() - this.since) / 1000;
    const rate = Math.round(((this.completed + this.failed) / seconds) * 10) / 10;
    this.log.info(
      { completed: this.completed, failed: this.failed, docsPerSecond: rate },
      `${this.completed} completed, ${this.failed} failed in the last ${Math.round(seconds)} s (${rate} docs/s)`,
    );
    this.totalCompleted += this.completed;
    this.totalFailed += this.failed;
    this.completed = 0;
    this.failed = 0;
    this.since = Date.now();
  }

  /** Logs what is left and the totals. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
    this.log.info(
      { completed: this.totalCompleted, failed: this.totalFailed },
      `${this.totalCompleted} documents completed and ${this.totalFailed} failed since the worker started`,
    );
  }
}
