import { stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileConfig, type JsonObject } from '../config.js';
import { parseRecordKey } from '../io/shards.js';
import { isStoreLocation } from '../io/storage.js';
import type { Queue } from 'bullmq';
import type { BatchFailure, BatchRecord, BatchStore } from './batches.js';
import { documentId, PENDING_STATES, type DocumentJob } from './jobs.js';
import { openSink } from '../io/sink.js';
import { Queues } from './queues.js';

export interface BatchStatus extends BatchRecord {
  active: number;
  waiting: number;
  elapsedMs: number;
  /** Documents finished (completed or failed) per second over the last minute. */
  rate: number;
  /** Milliseconds to the end at that rate; null when unknown or finished. */
  etaMs: number | null;
  failures: BatchFailure[];
}

export type QueueCounts = Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'prioritized', number>;

export async function queueCounts(queue: Queue | Queues): Promise<QueueCounts> {
  const counts = await Queues.of(queue).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
  return counts as QueueCounts;
}

export async function batchStatus(store: BatchStore, queue: Queue | Queues, id: string, maxFailures = 100, now = Date.now()): Promise<BatchStatus | null> {
  const record = await store.get(id);
  if (!record) return null;
  const finished = record.completed + record.failed + record.cancelled;
  // Active jobs are few (workers x concurrency): look at them rather than keep another
  // counter. Their documents are running, less those already recorded.
  const running = record.finishedAt
    ? 0
    : (await Queues.of(queue).getActive(0, 999)).filter((j) => j?.data?.batch === id).reduce((n, j) => n + (j.data as DocumentJob).docs.length, 0);
  const active = Math.max(0, Math.min(running, record.queued - finished));
  const waiting = Math.max(0, record.queued - finished - active);
  const elapsedMs = (record.finishedAt ?? now) - record.createdAt;
  const recent = await store.recentRate(id, now);
  // A batch younger than the rate window: its mean rate is the better estimate.
  const mean = elapsedMs > 0 ? ((record.completed + record.failed) * 1000) / elapsedMs : 0;
  const rate = record.finishedAt || elapsedMs < 60_000 ? mean : recent;
  const remaining = record.queued - finished;
  const etaMs = record.finishedAt || rate === 0 || !record.walked ? null : Math.round((remaining / rate) * 1000);
  const failures = record.failed > 0 && maxFailures > 0 ? await store.failures(id, maxFailures) : [];
  return { ...record, active, waiting, elapsedMs, rate, etaMs, failures };
}

/**
 * Workers connected to the queue (BullMQ names their Redis connections); null when
 * the server will not list its clients (CLIENT LIST is disabled on some managed Redis).
 */
export async function connectedWorkers(queue: Queue | Queues): Promise<number | null> {
  try {
    const clients = await Queues.of(queue).getWorkers();
    if (clients.some((c) => !('addr' in c))) return null; // "GCP does not support client list"
    return clients.length;
  } catch {
    return null;
  }
}

/** What `vnpipe status --json` prints, and what the dashboard's page shows: one source for both. */
export interface StatusReport {
  /** Without a batch id: the newest batches, each with its progress, rate and ETA (no failures listed). */
  batches?: BatchStatus[];
  /** With a batch id: that batch, with its first failures. */
  batch?: BatchStatus;
  queue: QueueCounts;
  workers: number | null;
}

export const LISTED_BATCHES = 20;

/** The report for one batch (null when there is no such batch), or for the newest batches. */
export async function statusReport(store: BatchStore, queue: Queue | Queues, batchId?: string, maxFailures = 100, now = Date.now()): Promise<StatusReport | null> {
  const [counts, workers] = await Promise.all([queueCounts(queue), connectedWorkers(queue)]);
  if (batchId !== undefined) {
    const batch = await batchStatus(store, queue, batchId, maxFailures, now);
    return batch ? { batch, queue: counts, workers } : null;
  }
  const records = await store.list(LISTED_BATCHES);
  const batches = (await Promise.all(records.map((r) => batchStatus(store, queue, r.id, 0, now)))).filter((b): b is BatchStatus => b !== null);
  return { batches, queue: counts, workers };
}

/** Where one input file stands: in which batch, the state of the job carrying it, its output or its error. */
export interface DocumentStatus {
  path: string;
  batch: string | null;
  state: 'completed' | 'failed' | 'waiting' | 'active' | 'delayed' | 'not queued' | 'unknown';
  attempts: number;
  output: string | null;
  error: string | null;
}

/**
 * Looks the file up in the newest batches whose input folder holds it: its job (while
 * BullMQ keeps it), its failure record, and its output on disk (which outlives both).
 */
export async function documentStatus(store: BatchStore, queue: Queue | Queues, file: string, searchBatches = 50): Promise<DocumentStatus> {
  const queues = Queues.of(queue);
  const path = resolve(file);
  const info = await stat(path).catch(() => null);
  for (const batch of await store.list(searchBatches)) {
    let relPosix: string;
    let out: string;
    let id: string | null = null;
    if (isStoreLocation(batch.root)) {
      // A batch of shards: a record is `<shard file>#<n>` below the input folder (or `<shard file>#<n>` of the one shard it reads).
      if (!/^file:/i.test(batch.root)) continue;
      const root = fileURLToPath(batch.root);
      if (path.startsWith(`${root}#`)) relPosix = `${basename(root)}${path.slice(root.length)}`;
      else if (path.startsWith(`${root}${sep}`)) relPosix = path.slice(root.length + 1).split(sep).join('/');
      else continue;
      let shard: string;
      try {
        shard = parseRecordKey(relPosix).shard;
      } catch {
        continue;
      }
      const config = compileConfig(((await store.config(batch.id)) ?? {}) as JsonObject, `batch ${batch.id}`);
      const sink = openSink(batch.out, config.shards);
      out = sink.locate(relPosix);
      const shardInfo = await stat(path.startsWith(`${root}#`) ? root : join(root, shard)).catch(() => null);
      if (shardInfo) id = documentId(batch.root, sink.root, relPosix, 0, shardInfo.mtimeMs);
    } else {
      const rel = relative(batch.root, path);
      if (rel === '' || rel.startsWith('..') || rel.includes(`..${sep}`)) continue;
      relPosix = rel.split(sep).join('/');
      out = openSink(batch.out).locate(relPosix);
      if (info) id = documentId(batch.root, batch.out, relPosix, info.size, info.mtimeMs);
    }
    const failure = await store.failure(batch.id, relPosix);
    if (failure) {
      return { path, batch: batch.id, state: 'failed', attempts: 0, output: null, error: `${failure.reason}: ${failure.message}` };
    }
    for (let shard = 0; id && shard < batch.shards; shard++) {
      const [entry] = await store.queuedJobs([id], shard);
      if (!entry) continue;
      const job = await queues.at(shard).getJob(entry.jobId);
      const state = job ? await job.getState() : 'unknown';
      // Listed as queued, and its job has not finished: it is on its way.
      if (job && PENDING_STATES.has(state)) {
        return {
          path, batch: batch.id, state: state === 'active' || state === 'delayed' ? state : 'waiting', attempts: job.attemptsMade, output: null, error: job.failedReason || null,
        };
      }
    }
    const written = await stat(out).catch(() => null);
    if (written) return { path, batch: batch.id, state: 'completed', attempts: 0, output: out, error: null };
  }
  return { path, batch: null, state: 'not queued', attempts: 0, output: null, error: info ? null : 'no such file' };
}
