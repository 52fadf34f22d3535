import { join } from 'node:path';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { PACKAGE_ROOT } from '../config.js';
import { BatchStore } from './batches.js';
import { keyPrefix, redisOptions, redisUrl } from './connection.js';
import { COUNT_JOB, QUEUE_NAME, type DocumentJob, type DocumentResult } from './jobs.js';

/** The compiled sandboxed processor (npm run build writes it). */
export const PROCESSOR_FILE = join(PACKAGE_ROOT, 'dist', 'workers', 'processor.js');

export interface WorkerHandle {
  worker: Worker<DocumentJob, DocumentResult>;
  /** Finishes the jobs in hand, then closes: what SIGINT and SIGTERM call. */
  close(): Promise<void>;
}

/**
 * A BullMQ worker whose jobs run in `concurrency` worker threads: the text stages
 * are CPU-bound, and on the main thread they would hold the event loop and let job
 * locks expire.
 */
export function startWorker(options: { concurrency: number; lockDurationMs?: number; onEvent?: (line: string) => void }): WorkerHandle {
  const connection = new Redis(redisUrl(), { ...redisOptions('worker'), lazyConnect: false });
  const events = new Redis(redisUrl(), { ...redisOptions('worker'), lazyConnect: false });
  // Say when Redis goes away and when it is back, not once per reconnect attempt.
  let down = false;
  for (const redis of [connection, events]) {
    redis.on('error', (err: Error) => {
      if (!down) say(`Redis connection lost (${err.message}); reconnecting`);
      down = true;
    });
    redis.on('ready', () => {
      if (down) say('Redis connection back');
      down = false;
    });
  }
  const prefix = keyPrefix();
  const batches = new BatchStore(events, prefix);
  const say = options.onEvent ?? (() => {});
  const worker = new Worker<DocumentJob, DocumentResult>(QUEUE_NAME, PROCESSOR_FILE, {
    connection,
    prefix,
    concurrency: options.concurrency,
    useWorkerThreads: true,
    // The stalled check runs as often as a lock lasts: a killed worker's jobs go back
    // to the queue about one lock period after it died.
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.lockDurationMs ?? 30_000,
  });

  worker.on('failed', (job, err) => {
    if (!job) return;
    say(`failed ${job.data.rel}: ${err.message}`);
    // The processor counts the failures it sees; a thread that died or a job that
    // stalled too often never reached it, so count those here.
    if (err.name !== 'UnrecoverableError' && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      const { batch, seq, rel, path, out } = job.data;
      if (job.name === COUNT_JOB) {
        // Counted with no lines, so the learning pass ends; the cleaning pass reports the file.
        batches.recordCounted(batch, seq, { source: '', lines: [] }, 0).catch((e: Error) => say(`cannot record ${rel}: ${e.message}`));
        return;
      }
      batches
        .recordFailed(batch, { seq, rel, path, out, jobId: job.id ?? '', reason: 'failed', message: err.message })
        .catch((e: Error) => say(`cannot record the failure of ${job.data.rel}: ${e.message}`));
    }
  });
  worker.on('error', (err) => {
    if (!down) say(`worker error: ${err.message}`);
  });

  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
      events.disconnect();
    },
  };
}
