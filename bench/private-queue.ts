import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startLocalRedis } from '../src/cli/local-redis.js';
import { PACKAGE_ROOT } from '../src/config.js';
import { BatchStore } from '../src/queue/batches.js';
import { QUEUE_NAME } from '../src/queue/jobs.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface PrivateQueue {
  redis: Redis;
  queue: Queue;
  batches: BatchStore;
  /** The output folder: the caller's, or a fresh one removed afterwards. */
  out: string;
  workers: ChildProcess[];
}

/**
 * A private redis-server with `workers` `vnpipe worker` processes of `threads` threads
 * on it, for the length of `fn`; everything is stopped and removed afterwards, except
 * an output folder the caller passed in.
 */
export async function withPrivateQueue<T>(
  workers: number,
  threads: number,
  fn: (q: PrivateQueue) => Promise<T>,
  callerOut?: string,
): Promise<T> {
  const server = await startLocalRedis();
  const prefix = 'bench';
  const redis = new Redis(server.url);
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix });
  const out = callerOut ?? mkdtempSync(join(tmpdir(), 'vnpipe-bench-out-'));
  const env = { ...process.env, REDIS_URL: server.url, VNPIPE_PREFIX: prefix, LOG_LEVEL: 'warn' };
  const children = Array.from({ length: workers }, () =>
    spawn(process.execPath, [CLI, 'worker', '--concurrency', String(threads)], { env, stdio: 'ignore' }),
  );
  try {
    return await fn({ redis, queue, batches: new BatchStore(redis, prefix), out, workers: children });
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await queue.close();
    redis.disconnect();
    await server.stop();
    if (!callerOut) rmSync(out, { recursive: true, force: true });
  }
}

/** Waits for a batch to finish, calling `tick` every 50 ms meanwhile. */
export async function untilFinished(batches: BatchStore, batchId: string, tick: () => void = () => {}): Promise<void> {
  for (;;) {
    tick();
    if ((await batches.get(batchId))?.finishedAt) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
