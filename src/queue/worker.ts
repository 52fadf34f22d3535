import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { compileConfig, type Config, type JsonObject } from '../config.js';
import { DocumentError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DocumentLines } from '../text/learned.js';
import { BatchStore } from './batches.js';
import { keyPrefix, redisOptions, redisUrl } from './connection.js';
import { DocumentThreads, type BatchSetup, type ThreadAnswer, type ThreadTask } from './document-threads.js';
import { COUNT_JOB, QUEUE_NAME, type DocumentJob, type DocumentResult } from './jobs.js';
import { WorkerMetrics } from './metrics.js';

/**
 * Jobs the worker holds per thread: enough that a thread always has its next document
 * while the main thread finishes the last one in Redis and fetches more.
 */
const JOBS_PER_THREAD = 4;

/** Batches whose setup a worker keeps; a long-lived worker sees many. */
const SETUPS_KEPT = 64;

export interface WorkerOptions {
  /** Document threads: the documents cleaned at once. */
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

interface LoadedSetup {
  setup: BatchSetup;
  config: Config;
}

/**
 * Each batch's rules, learned profile and output folder, read from Redis once per
 * worker (stored with the batch, so every worker cleans alike). The counting pass has
 * its own entry without a profile: the profile is built after it, before any document
 * of the batch is queued for cleaning.
 */
class BatchSetups {
  private readonly loaded = new Map<string, Promise<LoadedSetup>>();

  constructor(private readonly batches: BatchStore) {}

  get(batch: string, kind: ThreadTask['kind']): { key: string; loading: Promise<LoadedSetup> } {
    const key = `${batch}/${kind}`;
    let loading = this.loaded.get(key);
    if (!loading) {
      loading = this.load(batch, kind);
      this.loaded.set(key, loading);
      // Redis was down: the next job of the batch tries again.
      loading.catch(() => this.loaded.delete(key));
      if (this.loaded.size > SETUPS_KEPT) this.loaded.delete(this.loaded.keys().next().value!);
    }
    return { key, loading };
  }

  private async load(batch: string, kind: ThreadTask['kind']): Promise<LoadedSetup> {
    const [raw, record, profile] = await Promise.all([
      this.batches.config(batch),
      this.batches.get(batch),
      kind === 'clean' ? this.batches.profile(batch) : null,
    ]);
    if (!raw || !record) throw new DocumentError('internal-error', `batch ${batch} has no record in Redis`);
    const config = compileConfig(raw as JsonObject, `batch ${batch}`);
    return { setup: { config: raw as JsonObject, profile, out: record.out }, config };
  }
}

const NO_LINES: DocumentLines = { source: '', lines: [] };

/**
 * A BullMQ worker whose documents are cleaned in `concurrency` threads: the text stages
 * are CPU-bound, and on the main thread they would hold the event loop and let job
 * locks expire. The main thread only talks to Redis: it takes jobs, hands them to the
 * threads, and records each outcome in the batch, while the threads go on to the next
 * document. Logs each document (batch, path, duration) and keeps metrics.
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

  const threads = new DocumentThreads(options.concurrency, undefined, (err) => log.error({ err: err.message }, 'a document thread died; starting another'));
  const setups = new BatchSetups(batches);

  /** Runs the job's task in a thread; a document's own failure comes back as a DocumentError. */
  async function runTask<K extends ThreadTask['kind']>(
    job: Job<DocumentJob, DocumentResult>,
    kind: K,
  ): Promise<{ answer: Extract<ThreadAnswer, { kind: K }>; config: Config }> {
    const { batch, path, rel, out } = job.data;
    const { key, loading } = setups.get(batch, kind);
    const { setup, config } = await loading;
    const answer = await threads.run({ kind, batch, path, rel, out }, key, setup);
    if (!answer.ok) throw answer.reason ? new DocumentError(answer.reason, answer.message) : new Error(answer.message);
    // A thread answers a task with its own kind.
    return { answer: answer as Extract<ThreadAnswer, { kind: K }>, config };
  }

  /** The learning pass. A file that cannot be read counts as seen, with no lines: the cleaning pass reports it. */
  async function countJob(job: Job<DocumentJob, DocumentResult>, lastAttempt: boolean): Promise<DocumentResult> {
    const { batch, seq, out, size } = job.data;
    let lines = NO_LINES;
    let cap = 0;
    try {
      const { answer, config } = await runTask(job, 'count');
      lines = answer.lines;
      cap = config.learn.maxLinesPerSource;
    } catch (err) {
      if (!(err instanceof DocumentError) && !lastAttempt) throw err;
    }
    await batches.recordCounted(batch, seq, lines, cap);
    return { out, bytes: size, characters: 0, sentences: 0, language: 'und', removed: {}, stageMs: null };
  }

  /** Errors that cannot pass on a retry fail the job at once (UnrecoverableError), with the reason `status` shows. */
  async function processJob(job: Job<DocumentJob, DocumentResult>): Promise<DocumentResult> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (job.name === COUNT_JOB) return countJob(job, lastAttempt);
    const { batch, seq, path, rel, out, size } = job.data;
    try {
      const { answer } = await runTask(job, 'clean');
      await batches.recordCompleted(batch, seq, rel, size);
      return answer.result;
    } catch (err) {
      const permanent = err instanceof DocumentError;
      if (permanent || lastAttempt) {
        await batches.recordFailed(batch, {
          seq, rel, path, out, jobId: job.id ?? '', reason: permanent ? err.reason : 'failed', message: (err as Error).message,
        });
      }
      if (permanent) throw new UnrecoverableError(`${err.reason}: ${err.message}`);
      throw err;
    }
  }

  const worker = new Worker<DocumentJob, DocumentResult>(QUEUE_NAME, processJob, {
    connection,
    prefix,
    concurrency: options.concurrency * JOBS_PER_THREAD,
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
    // The processor counts the failures it sees; a job that stalled too often (its
    // worker died) never reached it, so count those here.
    if (err.name === 'UnrecoverableError' || !final) return;
    const record =
      job.name === COUNT_JOB
        ? // Counted with no lines, so the learning pass ends; the cleaning pass reports the file.
          batches.recordCounted(batch, seq, NO_LINES, 0)
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
      await threads.close();
      await queue.close();
      server?.close();
      connection.disconnect();
      events.disconnect();
    },
  };
}
