import type { Queue } from 'bullmq';
import type { BatchFailure, BatchRecord, BatchStore } from './batches.js';

export interface BatchStatus extends BatchRecord {
  active: number;
  waiting: number;
  elapsedMs: number;
  /** Documents finished (completed or failed) per second since the batch started. */
  rate: number;
  /** Milliseconds to the end at that rate; null when unknown or finished. */
  etaMs: number | null;
  failures: BatchFailure[];
}

export type QueueCounts = Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'prioritized', number>;

export async function queueCounts(queue: Queue): Promise<QueueCounts> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
  return counts as QueueCounts;
}

export async function batchStatus(store: BatchStore, queue: Queue, id: string, maxFailures = 100, now = Date.now()): Promise<BatchStatus | null> {
  const record = await store.get(id);
  if (!record) return null;
  // Active jobs are few (workers x concurrency): look at them rather than keep another counter.
  const active = record.finishedAt ? 0 : (await queue.getActive(0, 999)).filter((j) => j?.data?.batch === id).length;
  const finished = record.completed + record.failed;
  const waiting = Math.max(0, record.queued - finished - active);
  const elapsedMs = (record.finishedAt ?? now) - record.createdAt;
  const rate = elapsedMs > 0 ? (finished * 1000) / elapsedMs : 0;
  const remaining = record.queued - finished;
  const etaMs = record.finishedAt || rate === 0 || !record.walked ? null : Math.round((remaining / rate) * 1000);
  const failures = record.failed > 0 ? await store.failures(id, maxFailures) : [];
  return { ...record, active, waiting, elapsedMs, rate, etaMs, failures };
}
