import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
export const SAMPLES = join(ROOT, 'samples');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `vnpipe` as a user would, in its own process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `vnpipe worker` process. Its log goes nowhere unless `readLog`: an unread pipe would fill and stall it. */
export function spawnWorker(env: NodeJS.ProcessEnv, concurrency = 2, lockDurationMs?: number, readLog = false): ChildProcess {
  const lock = lockDurationMs ? ['--lock-duration', String(lockDurationMs)] : [];
  return spawn(process.execPath, [CLI, 'worker', '--concurrency', String(concurrency), ...lock], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', readLog ? 'pipe' : 'ignore'],
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A Redis key prefix of its own, so test files share one redis-server safely. */
export function testEnv(redisUrl: string): NodeJS.ProcessEnv {
  return { REDIS_URL: redisUrl, VNPIPE_PREFIX: `t${randomBytes(4).toString('hex')}` };
}

export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `vnpipe-${name}-`));
}

/** A copy of samples/ the test may change. */
export function copySamples(): string {
  const dir = join(tempDir('input'), 'in');
  cpSync(SAMPLES, dir, { recursive: true });
  return dir;
}

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A loopback port nothing listens on: "Redis is down". */
export const DEAD_REDIS = 'redis://127.0.0.1:1';

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
