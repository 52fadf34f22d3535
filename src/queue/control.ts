import { stat } from 'node:fs/promises';
import type { Job, Queue } from 'bullmq';
import type { Config } from '../config.js';
import { unitOf } from '../io/shards.js';
import { openSource } from '../io/source.js';
import type { BatchStore } from './batches.js';
import { claimsOf } from './producer.js';
import { COUNT_JOB, DOCUMENT_JOB, documentId, JobIds, planJobs, type DocumentJob, type DocumentRef } from './jobs.js';
import { Queues } from './queues.js';

/** Failures queued again per round: each round's claims, reopen and addBulk stay small, however many failed. */
const RETRY_CHUNK = 1000;

/**
 * Queues a batch's failed documents again, under their old numbers, after the user
 * fixed what failed them, RETRY_CHUNK at a time. Returns how many went back to the queue.
 */
export async function retryBatch(queue: Queue | Queues, store: BatchStore, batchId: string, config: Config): Promise<number> {
  const queues = Queues.of(queue);
  const record = await store.get(batchId);
  if (!record) return 0;
  // A finished batch keeps its failure records in a file: back into Redis, where a retry cut off midway finds them.
  await store.restoreFailures(batchId);
  const source = openSource(record.root);
  // Records of shards go one unit to a job, as enqueue queues them: each job rewrites its unit's output shard.
  const unit = source.sharded
    ? (rel: string) => {
        try {
          return unitOf(rel, config.shards.recordsPerJob).unit;
        } catch {
          return rel;
        }
      }
    : undefined;
  const jobIds = new JobIds(batchId, `r${Date.now().toString(36)}-`);
  const failures = (await store.failures(batchId, Infinity)).filter((f) => f.reason !== 'unsafe-output' && f.reason !== 'unsafe-path'); // the same key would be refused again
  let queued = 0;
  for (let i = 0; i < failures.length; i += RETRY_CHUNK) {
    const chunk = failures.slice(i, i + RETRY_CHUNK);
    const docs: DocumentRef[] = [];
    for (const failure of chunk) {
      const info = await stat(source.locate(failure.rel)).catch(() => null);
      const size = info?.size ?? 0;
      docs.push({ seq: failure.seq, id: documentId(record.root, record.out, failure.rel, size, info?.mtimeMs ?? 0), rel: failure.rel, size });
    }
    // Each document goes back to the shard whose number it has.
    const shards = chunk.map((f) => f.shard ?? 0);
    // A document whose job (an earlier retry's) is still pending is on its way already.
    const { pending } = await claimsOf(queues, store, docs.map((d) => d.id), shards);
    for (const shard of new Set(shards)) {
      const jobs = planJobs(DOCUMENT_JOB, batchId, docs.filter((_, j) => !pending[j] && shards[j] === shard), jobIds, config, unit);
      if (jobs.length === 0) continue;
      // Claimed first, then reopened, then added: a document another enqueue claimed in
      // between is not reopened (it would wait for a job that never comes). Cut off before
      // the add, the failure records are still there for the next retry.
      const seqs = await store.claimQueued(batchId, 'retry', jobs, undefined, shard);
      const kept = jobs.filter((job, j) => (job.data.docs = job.data.docs.filter((_, k) => seqs[j]![k]! >= 0)).length > 0);
      await store.reopen(batchId, kept.flatMap((job) => job.data.docs.map((d) => d.seq)), shard);
      if (kept.length > 0) await queues.at(shard).addBulk(kept);
      queued += kept.reduce((n, job) => n + job.data.docs.length, 0);
    }
  }
  return queued;
}

/**
 * Stops a batch: its enqueue stops walking, and its waiting jobs leave the queue.
 * Jobs already running finish. Returns how many documents were removed.
 */
export async function cancelBatch(queue: Queue | Queues, store: BatchStore, batchId: string): Promise<number> {
  const queues = Queues.of(queue);
  await store.requestCancel(batchId);
  let removed = 0;
  const page = 1000;
  const shards = (await store.get(batchId))?.shards ?? 1;
  for (let shard = 0; shard < shards; shard++) removed += await cancelShard(queues.at(shard), store, batchId, shard, page);
  // A batch whose producer died mid-walk gets no more documents: it ends with those it has.
  const record = await store.get(batchId);
  if (record && !record.walked && !record.producerAlive) await store.markWalked(batchId);
  return removed;
}

/** Removes the batch's waiting jobs from one shard's queue; returns how many documents had no outcome yet. */
async function cancelShard(queue: Queue, store: BatchStore, batchId: string, shard: number, page: number): Promise<number> {
  let removed = 0;
  for (const state of ['waiting', 'prioritized', 'delayed'] as const) {
    for (let start = 0; ; ) {
      const jobs = await queue.getJobs(state, start, start + page - 1, true);
      if (jobs.length === 0) break;
      let keptHere = 0;
      for (const job of jobs as (Job<DocumentJob> | undefined)[]) {
        if (job?.data?.batch !== batchId || (await queue.remove(job.id!).catch(() => 0)) !== 1) {
          keptHere++;
          continue;
        }
        // The counting pass of `--learn` counts no documents: its enqueue sees the cancel and stops.
        if (job.name !== COUNT_JOB) removed += await store.addCancelled(batchId, job.id!, job.data.docs, Date.now(), shard);
      }
      start += keptHere;
    }
  }
  return removed;
}
