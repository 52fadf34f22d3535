import { createHash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { Config } from '../config.js';
import type { StageTimings } from '../text/pipeline.js';

export const QUEUE_NAME = 'documents';

/** Job names: clean documents, or count their lines for a batch's learning pass. */
export const DOCUMENT_JOB = 'document';
export const COUNT_JOB = 'count';

/** One document of a job. A job names its documents; it never carries their text, so Redis stays small. */
export interface DocumentRef {
  /** The document's number within its batch: its bit in the batch's completed/failed bitmaps. */
  seq: number;
  /** Same file, same output, same id: see documentId. Empty for a count. */
  id: string;
  /**
   * The document's key in the batch's source (its path relative to the input folder),
   * and the output's `source`. The only name a job carries: workers resolve it against
   * the roots in the batch record, never a path from the job.
   */
  rel: string;
  size: number;
}

/**
 * A job carries up to `queue.documentsPerJob` documents of one batch: BullMQ and
 * Redis cost a few hundred microseconds of CPU per job, as much as cleaning a
 * document, so one job per document would spend half the machine on the queue.
 * The batch's bitmaps still record every document on its own.
 */
export interface DocumentJob {
  batch: string;
  docs: DocumentRef[];
}

/** States of a job that has not finished: its documents are on their way. */
export const PENDING_STATES: ReadonlySet<string> = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** What a cleaned document gives back: its figures for logs and metrics. */
export interface DocumentResult {
  out: string;
  bytes: number;
  characters: number;
  sentences: number;
  language: string;
  /** Removed pieces by reason. */
  removed: Record<string, number>;
  /** Milliseconds per text stage. */
  stageMs: StageTimings;
}

/** What a finished job returns: its documents by outcome. */
export interface JobSummary {
  completed: number;
  failed: number;
  /** Finished by an earlier attempt of the same job. */
  skipped: number;
}

/**
 * Same document (input root and key, size, modification time) to the same output
 * folder: same id, however the folders were typed. Enqueue skips a document whose id
 * is still queued (the queued-documents hash).
 */
export function documentId(root: string, out: string, rel: string, size: number, mtimeMs: number): string {
  return createHash('sha256').update(`${root}\0${rel}\0${out}\0${size}\0${mtimeMs}`).digest('hex').slice(0, 40);
}

export function jobOptions(config: Config, jobId: string, docsPerJob = config.queue.documentsPerJob): JobsOptions & { jobId: string } {
  return {
    jobId,
    attempts: config.queue.attempts,
    backoff: { type: 'exponential', delay: config.queue.backoffMs },
    // Finished jobs kept hold as many documents as `keepCompleted` jobs of files would:
    // a job of records carries up to shards.recordsPerJob of them.
    removeOnComplete: { count: Math.max(1, Math.round((config.queue.keepCompleted * config.queue.documentsPerJob) / docsPerJob)) },
    removeOnFail: { age: config.queue.keepFailedSeconds },
  };
}

/** Job ids of one batch and pass, numbered: `<batch>-d17` (clean), `-c` (count), `-r` (retry). */
export class JobIds {
  private n = 0;

  constructor(
    private readonly batchId: string,
    private readonly pass: string,
  ) {}

  next(): string {
    return `${this.batchId}-${this.pass}${this.n++}`;
  }
}

/**
 * `docs` in jobs, with their ids, ready for addBulk: `queue.documentsPerJob` to a job,
 * or, with `unitOf` (records of shards), one job per unit, cut where the unit changes.
 */
export function planJobs(name: string, batch: string, docs: DocumentRef[], ids: JobIds, config: Config, unitOf?: (rel: string) => string) {
  const jobs = [];
  const perJob = unitOf ? config.shards.recordsPerJob : config.queue.documentsPerJob;
  for (let i = 0; i < docs.length; ) {
    let end = Math.min(docs.length, i + perJob);
    if (unitOf) {
      const unit = unitOf(docs[i]!.rel);
      end = i + 1;
      while (end < docs.length && end - i < perJob && unitOf(docs[end]!.rel) === unit) end++;
    }
    const data: DocumentJob = { batch, docs: docs.slice(i, end) };
    jobs.push({ name, data, opts: jobOptions(config, ids.next(), perJob) });
    i = end;
  }
  return jobs;
}
