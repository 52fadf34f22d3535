import { stat } from 'node:fs/promises';
import type { Job, Queue } from 'bullmq';
import type { Config } from '../config.js';
import { openSource } from '../io/source.js';
import type { BatchStore } from './batches.js';
import { claimsOf } from './producer.js';
import { COUNT_JOB, DOCUMENT_JOB, documentId, JobIds, planJobs, type DocumentJob, type DocumentRef } from './jobs.js';

/**
 * Queues a batch's failed documents again, under their old numbers, after the user
 * fixed what failed them. Returns how many went back to the queue.
 */
export async function retryBatch(queue: Queue, store: BatchStore, batchId: string, config: Config): Promise<number> {
  const record = await store.get(batchId);
  if (!record) return 0;
  const source = openSource(record.root);
  const docs: DocumentRef[] = [];
  for (const failure of await store.failures(batchId, Infinity)) {
    if (failure.reason === 'unsafe-output' || failure.reason === 'unsafe-path') continue; // the same key would be refused again
    const info = await stat(source.locate(failure.rel)).catch(() => null);
    const size = info?.size ?? 0;
    const id = documentId(record.root, record.out, failure.rel, size, info?.mtimeMs ?? 0);
    docs.push({ seq: failure.seq, id, rel: failure.rel, size });
  }
  // A document whose job (an earlier retry's) is still pending is on its way already.
  const { pending } = await claimsOf(queue, store, docs.map((d) => d.id));
  const again = docs.filter((_, i) => !pending[i]);
  const jobs = planJobs(DOCUMENT_JOB, batchId, again, new JobIds(batchId, `r${Date.now().toString(36)}-`), config);
  if (jobs.length === 0) return 0;
  // Claimed first, then reopened, then added: a document another enqueue claimed in
  // between is not reopened (it would wait for a job that never comes). Cut off before
  // the add, the failure records are still there for the next retry.
  const seqs = await store.claimQueued(batchId, 'retry', jobs);
  const kept = jobs.filter((job, j) => (job.data.docs = job.data.docs.filter((_, i) => seqs[j]![i]! >= 0)).length > 0);
  await store.reopen(batchId, kept.flatMap((job) => job.data.docs.map((d) => d.seq)));
  if (kept.length > 0) await queue.addBulk(kept);
  return kept.reduce((n, job) => n + job.data.docs.length, 0);
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
