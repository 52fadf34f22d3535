import { stat } from 'node:fs/promises';
import type { Job, Queue } from 'bullmq';
import type { Config } from '../config.js';
import { unitOf } from '../io/shards.js';
import { openSource } from '../io/source.js';
import type { BatchStore } from './batches.js';
import { claimsOf } from './producer.js';
import { COUNT_JOB, DOCUMENT_JOB, documentId, JobIds, planJobs, type DocumentJob, type DocumentRef } from './jobs.js';

/** Failures queued again per round: each round's claims, reopen and addBulk stay small, however many failed. */
const RETRY_CHUNK = 1000;

/**
 * Queues a batch's failed documents again, under their old numbers, after the user
 * fixed what failed them, RETRY_CHUNK at a time. Returns how many went back to the queue.
 */
export async function retryBatch(queue: Queue, store: BatchStore, batchId: string, config: Config): Promise<number> {
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
    const docs: DocumentRef[] = [];
    for (const failure of failures.slice(i, i + RETRY_CHUNK)) {
      const info = await stat(source.locate(failure.rel)).catch(() => null);
      const size = info?.size ?? 0;
      docs.push({ seq: failure.seq, id: documentId(record.root, record.out, failure.rel, size, info?.mtimeMs ?? 0), rel: failure.rel, size });
    }
    // A document whose job (an earlier retry's) is still pending is on its way already.
    const { pending } = await claimsOf(queue, store, docs.map((d) => d.id));
    const jobs = planJobs(DOCUMENT_JOB, batchId, docs.filter((_, j) => !pending[j]), jobIds, config, unit);
    if (jobs.length === 0) continue;
    // Claimed first, then reopened, then added: a document another enqueue claimed in
    // between is not reopened (it would wait for a job that never comes). Cut off before
    // the add, the failure records are still there for the next retry.
    const seqs = await store.claimQueued(batchId, 'retry', jobs);
    const kept = jobs.filter((job, j) => (job.data.docs = job.data.docs.filter((_, k) => seqs[j]![k]! >= 0)).length > 0);
    await store.reopen(batchId, kept.flatMap((job) => job.data.docs.map((d) => d.seq)));
    if (kept.length > 0) await queue.addBulk(kept);
    queued += kept.reduce((n, job) => n + job.data.docs.length, 0);
  }
  return queued;
}

/**
 * Stops a batch: its enqueue stops walking, and its waiting jobs leave the queue.
 * Jobs already running finish. Returns how many documents were removed.
 */
export async function cancelBatch(queue: Queue, store: BatchStore, batchId: string): Promise<number> {
  await store.requestCancel(batchId);
  let removed = 0;
  const page = 1000;
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
        if (job.name !== COUNT_JOB) removed += await store.addCancelled(batchId, job.id!, job.data.docs);
      }
      start += keptHere;
    }
  }
  // A batch whose producer died mid-walk gets no more documents: it ends with those it has.
  const record = await store.get(batchId);
  if (record && !record.walked && !record.producerAlive) await store.markWalked(batchId);
  return removed;
}
