import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { PACKAGE_ROOT } from '../config.js';
import type { Logger } from '../log.js';
import { BatchStore } from './batches.js';
import { keyPrefix, redisOptions, redisUrl } from './connection.js';
import { COUNT_JOB, QUEUE_NAME, type DocumentJob, type DocumentResult } from './jobs.js';
import { WorkerMetrics } from './metrics.js';

/** The compiled sandboxed processor (npm run build writes it). */
export const PROCESSOR_FILE = join(PACKAGE_ROOT, 'dist', 'workers', 'processor.js');

export interface WorkerOptions {
  concurrency: number;
  lockDurationMs?: number;
  log: Logger;
  /** Serve Prometheus metrics on this port. */
  metrics?: { port: number; host: string };
}

export interface WorkerHandle {
  worker: Worker<DocumentJob, DocumentResult>;
  /** Finishes the jobs in hand, then closes: what SIGINT and SIGTERM call. */
  close(): Promise<void>;
}

/**
 * A BullMQ worker whose jobs run in `concurrency` worker threads: the text stages
 * are CPU-bound, and on the main thread they would hold the event loop and let job
 * locks expire. Logs each document (batch, path, duration) and keeps metrics.
 */
export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const { log } = options;
  const connection = new Redis(redisUrl(), { ...redisOptions('worker'), lazyConnect: false });
  const events = new Redis(redisUrl(), { ...redisOptions('worker'), lazyConnect: false });
  // Say when Redis goes away and when it is back, not once per reconnect attempt.
  let down = false;
  for (const redis of [connection, events]) {
    redis.on('error', (err: Error) => {
      if (!down) log.warn({ err: err.message }, 'Redis connection lost; reconnecting');
      down = true;
    });
    redis.on('ready', () => {
      if (down) log.info('Redis connection back');
      down = false;
    });
  }
  const prefix = keyPrefix();
  const batches = new BatchStore(events, prefix);
  const queue = new Queue(QUEUE_NAME, { connection: events, prefix });
  queue.on('error', () => {}); // reported by the connection handlers above
  const metrics = new WorkerMetrics(queue);
  const server = options.metrics ? await metrics.serve(options.metrics.port, options.metrics.host) : null;
  if (options.metrics) log.info(`metrics on http://${options.metrics.host}:${options.metrics.port}/metrics`);

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

  worker.on('completed', (job, result) => {
    metrics.completed(result);
    if (job.name === COUNT_JOB) return;
    const ms = job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : undefined;
    log.info({ batch: job.data.batch, doc: job.data.rel, ms, chars: result.characters, sentences: result.sentences }, 'done');
  });

  worker.on('failed', (job, err) => {
    if (!job) return;
    const { batch, seq, rel, path, out } = job.data;
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    // The processor throws `reason: message` for the failures it classifies.
    const reason = err.name === 'UnrecoverableError' ? (/^([a-z-]+): /.exec(err.message)?.[1] ?? 'failed') : 'failed';
    if (final) metrics.failed(reason);
    log.warn({ batch, doc: rel, attempt: job.attemptsMade, final, reason }, err.message);
    // The processor counts the failures it sees; a thread that died or a job that
    // stalled too often never reached it, so count those here.
    if (err.name === 'UnrecoverableError' || !final) return;
    const record =
      job.name === COUNT_JOB
        ? // Counted with no lines, so the learning pass ends; the cleaning pass reports the file.
          batches.recordCounted(batch, seq, { source: '', lines: [] }, 0)
        : batches.recordFailed(batch, { seq, rel, path, out, jobId: job.id ?? '', reason: 'failed', message: err.message });
    record.catch((e: Error) => log.error({ batch, doc: rel }, `cannot record the failure: ${e.message}`));
  });
  worker.on('error', (err) => {
    if (!down) log.error({ err: err.message }, 'worker error');
  });

  return {
    worker,
    async close() {
      await worker.close();
      await queue.close();
      server?.close();
      connection.disconnect();
      events.disconnect();
    },
  };
}
