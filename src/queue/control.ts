import { stat } from 'node:fs/promises';
import type { Queue } from 'bullmq';
import type { Config } from '../config.js';
import type { BatchStore } from './batches.js';
import { DOCUMENT_JOB, documentJobId, type DocumentJob } from './jobs.js';

export function jobOptions(config: Config, jobId: string): object {
  return {
    jobId,
    attempts: config.queue.attempts,
    backoff: { type: 'exponential', delay: config.queue.backoffMs },
    removeOnComplete: { count: config.queue.keepCompleted },
    removeOnFail: { age: config.queue.keepFailedSeconds },
  };
}

/**
 * Queues a batch's failed documents again, under their old numbers, after the user
 * fixed what failed them. Returns how many went back to the queue.
 */
export async function retryBatch(queue: Queue, store: BatchStore, batchId: string, config: Config): Promise<number> {
  let retried = 0;
  for (const failure of await store.failures(batchId, Infinity)) {
    if (!failure.out) continue; // refused at enqueue (unsafe output): the same walk would refuse it again
    if (failure.jobId) await queue.remove(failure.jobId).catch(() => 0);
    const info = await stat(failure.path).catch(() => null);
    const size = info?.size ?? 0;
    const mtimeMs = info?.mtimeMs ?? 0;
    const jobId = documentJobId(failure.path, failure.out, size, mtimeMs);
    const data: DocumentJob = { batch: batchId, seq: failure.seq, path: failure.path, rel: failure.rel, out: failure.out, size, mtimeMs };
    await store.reopen(batchId, failure.seq, failure.rel);
    await queue.add(DOCUMENT_JOB, data, jobOptions(config, jobId));
    retried++;
  }
  return retried;
}

/**
 * Stops a batch: its enqueue stops walking, and its waiting jobs leave the queue.
 * Jobs already running finish. Returns how many jobs were removed.
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
      for (const job of jobs) {
        if (job?.data?.batch === batchId && (await queue.remove(job.id!).catch(() => 0)) === 1) removed++;
        else keptHere++;
      }
      start += keptHere;
    }
  }
  if (removed > 0) await store.addCancelled(batchId, removed);
  return removed;
}
