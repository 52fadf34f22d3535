import { MetricsTime, Worker, type Job } from 'bullmq';
import { compileStoredConfig, type Config, type JsonObject } from '../config.js';
import { DocumentError } from '../errors.js';
import { LogSummary, type Logger } from '../log.js';
import type { DocumentLines } from '../text/learned.js';
import { BatchStore, type CompletedDocument, type FailedDocument } from './batches.js';
import { createRedis, keyPrefix } from './connection.js';
import { DocumentThreads, type BatchSetup, type ThreadAnswer, type ThreadLimits, type ThreadTask } from './document-threads.js';
import { COUNT_JOB, QUEUE_NAME, type DocumentJob, type DocumentRef, type JobSummary } from './jobs.js';
import { unitOf } from '../io/shards.js';
import { isStoreLocation } from '../io/storage.js';
import { WorkerMetrics } from './metrics.js';
import { Queues, shardPrefix } from './queues.js';

/**
 * Jobs the worker holds per thread: the one its documents come from and the next, so
 * a thread always has work while the main thread records a job and fetches another.
 */
const JOBS_PER_THREAD = 2;
/** How often a worker looks for queue shards a new batch was queued over. */
const SHARD_CHECK_MS = 5_000;

/** Documents sent to a thread in one message: a job's documents spread over the threads in such tasks. */
const DOCUMENTS_PER_TASK = 8;

/** Batches whose setup a worker keeps; a long-lived worker sees many. */
const SETUPS_KEPT = 64;

export interface WorkerOptions {
  /** Document threads: the documents cleaned at once. */
  concurrency: number;
  /** Time and heap per document (limits.documentTimeoutMs, limits.threadHeapMb). */
  limits: ThreadLimits;
  lockDurationMs?: number;
  log: Logger;
  /** Serve Prometheus metrics on this port. */
  metrics?: { port: number; host: string };
  /** An `info` line with the documents finished, this often (each document has its own line at `debug`); default 30 s. */
  summaryEveryMs?: number;
  /** Queue shards to consume (config queue.shards): all of them, shard 0 first. */
  shards?: number;
}

export interface WorkerHandle {
  /** One BullMQ worker per queue shard. */
  workers: Worker<DocumentJob, JobSummary>[];
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
    const config = compileStoredConfig(raw as JsonObject, `batch ${batch}`);
    return { setup: { config: raw as JsonObject, profile, root: record.root, followLinks: record.followLinks, out: record.out }, config };
  }
}

const NO_LINES: DocumentLines = { source: '', lines: [] };
// Documents of no lines count under any settings: a job whose setup failed has none to give.
const NO_SETTINGS = { maxLinesPerSource: 0, minDocuments: 2, tailMinDocuments: 2 };

/**
 * A BullMQ worker whose documents are cleaned in `concurrency` threads: the text stages
 * are CPU-bound, and on the main thread they would hold the event loop and let job
 * locks expire. The main thread only talks to Redis: it takes jobs, hands them to the
 * threads, and records each outcome in the batch, while the threads go on to the next
 * document. Logs each document (batch, path, duration) and keeps metrics.
 */
export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const { log } = options;
  const connection = createRedis('worker', { lazyConnect: false });
  const events = createRedis('worker', { lazyConnect: false });
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
  const shards = options.shards ?? 1;
  const queue = new Queues(events, prefix, shards);
  const metrics = new WorkerMetrics({ queue, batches, redis: events, prefix, threads: options.concurrency });
  const server = options.metrics ? await metrics.serve(options.metrics.port, options.metrics.host) : null;
  if (options.metrics) log.info(`metrics on http://${options.metrics.host}:${options.metrics.port}/metrics`);

  const threads = new DocumentThreads(options.concurrency, options.limits, undefined, (err) => log.error({ err: err.message }, 'a document thread died; starting another'));
  const setups = new BatchSetups(batches);
  const summary = new LogSummary(log, options.summaryEveryMs ?? 30_000);

  /**
   * Runs `docs` in the threads, DOCUMENTS_PER_TASK to a task, and answers for each. A
   * thread that died fails its task's documents with an error that is not theirs.
   */
  async function runDocs(kind: ThreadTask['kind'], job: Job<DocumentJob, JobSummary>, docs: DocumentRef[], key: string, setup: BatchSetup): Promise<ThreadAnswer[]> {
    const rerun = job.attemptsMade > 0 || job.stalledCounter > 0;
    // A job that runs again may hold a document that kills its thread: alone in its
    // task, it fails no other document with it.
    const perTask = rerun ? 1 : DOCUMENTS_PER_TASK;
    const tasks: Promise<ThreadAnswer[]>[] = [];
    for (let i = 0; i < docs.length; i += perTask) {
      const slice = docs.slice(i, i + perTask);
      const task: ThreadTask = { kind, batch: job.data.batch, rerun, docs: slice.map(({ rel }) => ({ rel })) };
      metrics.threadTask(1);
      tasks.push(
        threads
          .run(task, key, setup)
          .catch((err: Error) => slice.map(() => ({ ok: false as const, reason: null, message: err.message })))
          .finally(() => metrics.threadTask(-1)),
      );
    }
    return (await Promise.all(tasks)).flat();
  }

  /**
   * Runs a job's records in one task per unit of a shard (a job holds one unit; a retry
   * may hold records of several), and answers for each record in the job's order.
   */
  async function runUnits(
    kind: ThreadTask['kind'], job: Job<DocumentJob, JobSummary>, docs: DocumentRef[], leaveOut: DocumentRef[], perJob: number, key: string, setup: BatchSetup,
  ): Promise<ThreadAnswer[]> {
    const rerun = job.attemptsMade > 0 || job.stalledCounter > 0;
    const units = new Map<string, { docs: DocumentRef[]; leaveOut: string[] }>();
    const unitOfDoc = (d: DocumentRef) => {
      try {
        return unitOf(d.rel, perJob).unit;
      } catch {
        return d.rel; // not a record key: the thread refuses it with its reason
      }
    };
    for (const d of docs) {
      const unit = unitOfDoc(d);
      if (!units.has(unit)) units.set(unit, { docs: [], leaveOut: [] });
      units.get(unit)!.docs.push(d);
    }
    for (const d of leaveOut) units.get(unitOfDoc(d))?.leaveOut.push(d.rel);
    const byRel = new Map<string, ThreadAnswer>();
    await Promise.all(
      [...units].map(async ([unit, group]) => {
        let { docs: left } = group;
        const leaveOut = [...group.leaveOut];
        for (;;) {
          const task: ThreadTask = { kind, batch: job.data.batch, rerun, unit, docs: left.map(({ rel }) => ({ rel })), leaveOut };
          const answers = await threads.run(task, key, setup).catch((err: Error) => left.map(() => ({ ok: false as const, reason: null, message: err.message })));
          left.forEach((d, i) => byRel.set(d.rel, answers[i]!));
          // A record that took its thread down (time limit, heap) failed for good and the
          // unit was not written: it runs again at once without it, not on the job's next
          // attempt (a unit with as many such records as attempts would never be written).
          const culprits = new Set(left.filter((_, i) => { const a = answers[i]!; return !a.ok && (a.reason === 'timeout' || a.reason === 'out-of-memory'); }));
          if (culprits.size === 0 || !answers.some((a) => !a.ok && a.reason === null)) break;
          leaveOut.push(...[...culprits].map((d) => d.rel));
          left = left.filter((d) => !culprits.has(d));
        }
      }),
    );
    return docs.map((d) => byRel.get(d.rel)!);
  }

  /**
   * Cleans a job's documents, all at once across the threads, and records each outcome
   * in the batch in one call. A document's own failure (DocumentError: empty, missing,
   * binary, ...) is final. Any other error runs the job again after a backoff, for the
   * documents it did not finish; on the last attempt those fail with reason `failed`.
   */
  async function cleanJob(job: Job<DocumentJob, JobSummary>, lastAttempt: boolean, shard: number): Promise<JobSummary> {
    const { batch, docs } = job.data;
    const { key, loading } = setups.get(batch, 'clean');
    const { setup, config } = await loading;
    const rerun = job.attemptsMade > 0 || job.stalledCounter > 0;
    // A job that runs again skips what an earlier attempt (or a dead worker) finished.
    const finished = rerun ? await batches.finished(batch, docs.map((d) => d.seq), shard) : [];
    let todo: DocumentRef[];
    let answers: ThreadAnswer[];
    if (isStoreLocation(setup.root)) {
      // Records: each unit's output shard is written whole, so a job that runs again
      // runs its finished records too; only those that failed for good stay out.
      const failedBefore = rerun ? await batches.failedAlready(batch, docs.map((d) => d.rel)) : [];
      const leaveOut = docs.filter((_, i) => finished[i] && failedBefore[i]);
      todo = docs.filter((_, i) => !(finished[i] && failedBefore[i]));
      answers = await runUnits('clean', job, todo, leaveOut, config.shards.recordsPerJob, key, setup);
    } else {
      todo = docs.filter((_, i) => !finished[i]);
      answers = await runDocs('clean', job, todo, key, setup);
    }
    const completed: CompletedDocument[] = [];
    const failed: FailedDocument[] = [];
    const transient: { doc: DocumentRef; message: string }[] = [];
    todo.forEach((doc, i) => {
      const answer = answers[i]!;
      const failure = { id: doc.id, seq: doc.seq, rel: doc.rel, jobId: job.id ?? '' };
      if (answer.ok && answer.kind === 'clean') {
        const { result } = answer;
        completed.push({ seq: doc.seq, rel: doc.rel, id: doc.id, bytes: result.bytes });
        metrics.completed(result);
        summary.add('completed');
        const ms = Object.values(result.stageMs).reduce((a, b) => a + b, 0);
        log.debug({ batch, doc: doc.rel, ms: Math.round(ms * 10) / 10, chars: result.characters, sentences: result.sentences }, 'done');
      } else if (!answer.ok && answer.reason) {
        failed.push({ ...failure, reason: answer.reason, message: answer.message });
        metrics.failed(answer.reason);
        summary.add('failed');
        log.warn({ batch, doc: doc.rel, attempt: job.attemptsMade + 1, final: true, reason: answer.reason }, `${answer.reason}: ${answer.message}`);
      } else {
        const message = answer.ok ? 'a thread answered a clean task with a count' : answer.message;
        transient.push({ doc, message });
        if (lastAttempt) {
          failed.push({ ...failure, reason: 'failed', message });
          metrics.failed('failed');
          summary.add('failed');
        }
        log.warn({ batch, doc: doc.rel, attempt: job.attemptsMade + 1, final: lastAttempt, reason: 'failed' }, message);
      }
    });
    await batches.recordCompleted(batch, job.id ?? '', completed, Date.now(), shard);
    await batches.recordFailed(batch, failed, Date.now(), false, shard);
    if (transient.length > 0 && !lastAttempt) {
      throw new Error(`${transient.length} of ${todo.length} documents failed for a reason of the machine, not the document (first: ${transient[0]!.doc.rel}: ${transient[0]!.message}); the job runs again`);
    }
    return { completed: completed.length, failed: failed.length, skipped: docs.length - todo.length };
  }

  /**
   * The learning pass. A document that cannot be read counts as seen, with no lines: the
   * cleaning pass reports it. Records of shards are counted a unit to a task, each unit read once.
   */
  async function countJob(job: Job<DocumentJob, JobSummary>, lastAttempt: boolean): Promise<JobSummary> {
    const { batch, docs } = job.data;
    const { key, loading } = setups.get(batch, 'count');
    const { setup, config } = await loading;
    const answers = isStoreLocation(setup.root)
      ? await runUnits('count', job, docs, [], config.shards.recordsPerJob, key, setup)
      : await runDocs('count', job, docs, key, setup);
    let transient = 0;
    const counted: { seq: number; lines: DocumentLines }[] = [];
    docs.forEach((doc, i) => {
      const answer = answers[i]!;
      if (!answer.ok && !answer.reason && !lastAttempt) transient++;
      else counted.push({ seq: doc.seq, lines: answer.ok && answer.kind === 'count' ? answer.lines : NO_LINES });
    });
    await batches.recordCounted(batch, counted, config.learn);
    if (transient > 0) throw new Error(`${transient} of ${docs.length} documents could not be counted; the job runs again`);
    return { completed: docs.length, failed: 0, skipped: 0 };
  }

  function processJob(job: Job<DocumentJob, JobSummary>, shard: number): Promise<JobSummary> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return job.name === COUNT_JOB ? countJob(job, lastAttempt) : cleanJob(job, lastAttempt, shard);
  }

  // One BullMQ worker per shard, the jobs in hand shared among them: the threads, not
  // the number of queues, bound the work. A batch queued over more shards than this
  // worker was started with (another machine's --queues) adds theirs when it is seen.
  const perShard = (n: number) => Math.max(1, Math.ceil((options.concurrency * JOBS_PER_THREAD) / n));
  const consumed = Math.max(shards, await batches.deploymentShards().catch(() => 1));
  const workers = Array.from({ length: consumed }, (_, shard) => startShard(shard, perShard(consumed)));
  const followShards = setInterval(() => {
    batches
      .deploymentShards()
      .then((n) => {
        if (n <= workers.length) return;
        log.info({ shards: n }, `a batch was queued over ${n} queue shards: consuming shards ${workers.length} to ${n - 1} too`);
        for (let shard = workers.length; shard < n; shard++) workers.push(startShard(shard, perShard(n)));
      })
      .catch(() => {}); // Redis away: the next tick asks again
  }, SHARD_CHECK_MS);

  function startShard(shard: number, concurrency: number): Worker<DocumentJob, JobSummary> {
    const worker = new Worker<DocumentJob, JobSummary>(QUEUE_NAME, (job) => processJob(job, shard), {
      connection,
      prefix: shardPrefix(prefix, shard),
      concurrency,
      // The stalled check runs as often as a lock lasts: a killed worker's jobs go back
      // to the queue about one lock period after it died.
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.lockDurationMs ?? 30_000,
      // BullMQ's per-minute job counts (about 120 KB in Redis for two weeks), which its
      // Prometheus export reads: without them bullmq_job_completed_total stays 0.
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK * 2 },
    });

    worker.on('failed', (job, err) => {
      if (!job) return;
      const { batch, docs } = job.data;
      // BullMQ fails a job that stalled too often with an UnrecoverableError when a
      // worker next takes it; any other failure is final once the attempts are spent.
      const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      log.warn({ batch, job: job.id, documents: docs.length, attempt: job.attemptsMade, final }, err.message);
      if (!final) return;
      // The processor records what it finished; a job that failed for good without it
      // (its setup could not load, its workers died) fails the documents that have no
      // outcome yet, so the batch still ends.
      const record = async () => {
        if (job.name === COUNT_JOB) {
          await batches.recordCounted(batch, docs.map((doc) => ({ seq: doc.seq, lines: NO_LINES })), NO_SETTINGS);
          return;
        }
        const lost = docs.map((d) => ({ id: d.id, seq: d.seq, rel: d.rel, jobId: job.id ?? '', reason: 'failed' as const, message: err.message }));
        const n = await batches.recordFailed(batch, lost, Date.now(), true, shard);
        for (let i = 0; i < n; i++) {
          metrics.failed('failed');
          summary.add('failed');
        }
      };
      record().catch((e: Error) => log.error({ batch, job: job.id }, `cannot record the failure: ${e.message}`));
    });
    worker.on('error', (err) => {
      if (!down) log.error({ err: err.message }, 'worker error');
    });
    return worker;
  }

  return {
    workers,
    async close() {
      clearInterval(followShards);
      await Promise.all(workers.map((w) => w.close()));
      summary.close();
      await threads.close();
      await queue.close();
      server?.close();
      await metrics.close().catch(() => {}); // Redis away: the lease runs out by itself
      connection.disconnect();
      events.disconnect();
    },
  };
}
