import { createHash } from 'node:crypto';
import type { StageTimings } from '../text/pipeline.js';

export const QUEUE_NAME = 'documents';

/** Job names: clean a document, or count its lines for a batch's learning pass. */
export const DOCUMENT_JOB = 'document';
export const COUNT_JOB = 'count';

/** A job names its document; it never carries the text, so Redis stays small. */
export interface DocumentJob {
  batch: string;
  /** The document's number within its batch: its bit in the batch's completed/failed bitmaps. */
  seq: number;
  /** Absolute input path. */
  path: string;
  /** Input path relative to the batch root: the output's `source`. */
  rel: string;
  /** Absolute output path. */
  out: string;
  size: number;
  mtimeMs: number;
}

/** What a finished job returns: its figures for logs and metrics. */
export interface DocumentResult {
  out: string;
  bytes: number;
  characters: number;
  sentences: number;
  language: string;
  /** Removed pieces by reason. */
  removed: Record<string, number>;
  /** Milliseconds per text stage; null for a count job. */
  stageMs: StageTimings | null;
}

/**
 * Same file (path, size, modification time) to the same output: same job id, so
 * BullMQ ignores a second add while the first job is still in Redis.
 */
export function documentJobId(path: string, out: string, size: number, mtimeMs: number): string {
  return `doc-${createHash('sha256').update(`${path}\0${out}\0${size}\0${mtimeMs}`).digest('hex').slice(0, 40)}`;
}
