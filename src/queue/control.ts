import { stat } from 'node:fs/promises';
import type { Job, Queue } from 'bullmq';
import type { Config } from '../config.js';
import type { BatchStore } from './batches.js';
import { DOCUMENT_JOB, documentId, JobIds, planJobs, type DocumentJob, type DocumentRef } from './jobs.js';

/**
 * Queues a batch's failed documents again, under their old numbers, after the user
 * fixed what failed them. Returns how many went back to the queue.
 */
export async function retryBatch(queue: Queue, store: BatchStore, batchId: string, config: Config): Promise<number> {
  const docs: DocumentRef[] = [];
  for (const failure of await store.failures(batchId, Infinity)) {
    if (!failure.out) continue; // refused at enqueue (unsafe output): the same walk would refuse it again
    const info = await stat(failure.path).catch(() => null);
    const size = info?.size ?? 0;
    const id = documentId(failure.path, failure.out, size, info?.mtimeMs ?? 0);
    docs.push({ seq: failure.seq, id, path: failure.path, rel: failure.rel, out: failure.out, size });
  }
  const jobs = planJobs(DOCUMENT_JOB, batchId, docs, new JobIds(batchId, `r${Date.now().toString(36)}-`), config);
  if (jobs.length === 0) return 0;
  await store.markQueued(jobs);
  for (const d of docs) await store.reopen(batchId, d.seq, d.rel);
  await queue.addBulk(jobs);
  return docs.length;
}

/**
 * Stops a batch: its enqueue stops walking, and its waiting jobs leave the queue.
 * Jobs already running finish. Returns how many documents were removed.
 */
export async function cancelBatch(queue: Queue, store: BatchStore, batchId: string): Promise<number> {
  await store.requestCancel(batchId);
  let removed = 0;
  const ids: string[] = [];
  const page = 1000;
  for (const state of ['waiting', 'prioritized', 'delayed'] as const) {
    for (let start = 0; ; ) {
      const jobs = await queue.getJobs(state, start, start + page - 1, true);
      if (jobs.length === 0) break;
      let keptHere = 0;
      for (const job of jobs as (Job<DocumentJob> | undefined)[]) {
        if (job?.data?.batch === batchId && (await queue.remove(job.id!).catch(() => 0)) === 1) {
          removed += job.data.docs.length;
          ids.push(...job.data.docs.map((d) => d.id).filter((id) => id !== ''));
        } else keptHere++;
      }
      start += keptHere;
    }
  }
  if (removed > 0) await store.addCancelled(batchId, removed, ids);
  return removed;
}
