import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { DocumentError, UsageError } from '../errors.js';
import { outputPathFor, UpToDateCheck } from '../io/files.js';
import { walkFiles, type FoundFile } from '../io/walk.js';
import { buildProfile, type Profile } from '../text/learned.js';
import type { BatchStore } from './batches.js';
import { jobOptions } from './control.js';
import { COUNT_JOB, DOCUMENT_JOB, documentJobId, QUEUE_NAME, type DocumentJob } from './jobs.js';

// addBulk is one MULTI per call; about a thousand jobs a call is where it is fastest.
const CHUNK = 1000;

export interface EnqueueOptions {
  root: string;
  out: string;
  /** The merged config JSON, stored with the batch for its workers. */
  rawConfig: object;
  config: Config;
  /** Queue files whose output is up to date too. */
  force?: boolean;
  prefix: string;
  onProgress?: (counts: EnqueueCounts) => void;
  /** A file or folder the walk could not read. */
  onSkip?: (rel: string, reason: string) => void;
  /** The walk waits for workers: the queue holds `enqueueWindow` jobs. */
  onQueueFull?: () => void;
  /** Learn the batch's boilerplate profile from the folder first (a counting pass through the queue). */
  learn?: boolean;
  /** A profile to clean with (from `vnpipe learn` or an earlier batch). */
  profile?: Profile;
  onLearning?: (counted: number, total: number) => void;
  onLearned?: (profile: Profile) => void;
}

export interface EnqueueCounts {
  found: number;
  queued: number;
  skipped: number;
}

export interface EnqueueResult extends EnqueueCounts {
  batchId: string;
}

/**
 * Walks `root` and queues one job per file, in chunks, while the walk goes on.
 * A file is skipped when its output is newer than it (unless `force`) or when a job
 * for the same file and output is already waiting or running. Running it again on
 * the same folder therefore adds only what is missing. The walk waits while the
 * queue is full (config `queue.enqueueWindow`) and stops when the batch is cancelled.
 *
 * With `learn`, a first pass queues a count job per file; once workers have counted
 * them all, the batch's boilerplate profile is built from the counts and stored, and
 * the second pass queues the documents, which workers clean with that profile.
 */
export async function enqueueFolder(queue: Queue, redis: Redis, batches: BatchStore, options: EnqueueOptions): Promise<EnqueueResult> {
  const root = resolve(options.root);
  const out = resolve(options.out);
  await assertFolder(root, 'input');
  await assertOutput(out);
  const walk = () => walkFiles(root, { exclude: [out], ...(options.onSkip ? { onSkip: options.onSkip } : {}) });

  const files = walk();
  const first = await files.next();
  if (first.done) throw new UsageError(`no files to process in ${root}`);
  const batchId = await batches.create(root, out, options.rawConfig);
  if (options.profile) await batches.setProfile(batchId, options.profile);

  if (options.learn) {
    const counting = await queueCountJobs(files, first.value, { queue, batches, batchId, options });
    if (counting.cancelled) {
      await batches.markWalked(batchId);
      return { batchId, found: counting.found, queued: 0, skipped: 0 };
    }
    await waitForCounting(batches, batchId, counting.found, options.onLearning);
    const profile = buildProfile(await batches.sourceCounts(batchId, options.config.learn.minDocuments), options.config.learn);
    await batches.setProfile(batchId, profile);
    options.onLearned?.(profile);
  }

  const documents = options.learn ? walk() : files;
  const counts: EnqueueCounts = { found: 0, queued: 0, skipped: 0 };
  const stems = new StemTracker();
  const upToDate = new UpToDateCheck();
  let chunk: FoundFile[] = options.learn ? [] : [first.value];
  const flush = async () => {
    const added = await enqueueChunk(chunk, { queue, redis, batches, batchId, out, stems, upToDate, counts, options });
    await batches.addCounts(batchId, added);
    counts.found += added.found;
    counts.queued += added.queued;
    counts.skipped += added.skipped;
    options.onProgress?.({ ...counts });
    chunk = [];
  };
  for await (const file of documents) {
    chunk.push(file);
    if (chunk.length >= CHUNK) {
      await flush();
      if (await waitForRoom(queue, batches, batchId, options.config.queue.enqueueWindow, options.onQueueFull)) break;
    }
  }
  await flush();
  await batches.markWalked(batchId);
  return { batchId, ...counts };
}

/** The learning pass: one count job per file, numbered in walk order. */
async function queueCountJobs(
  files: AsyncGenerator<FoundFile>,
  first: FoundFile,
  ctx: { queue: Queue; batches: BatchStore; batchId: string; options: EnqueueOptions },
): Promise<{ found: number; cancelled: boolean }> {
  const { queue, batches, batchId, options } = ctx;
  let found = 0;
  let chunk: FoundFile[] = [first];
  const flush = async () => {
    const jobs = chunk.map((file, i) => ({
      name: COUNT_JOB,
      data: { batch: batchId, seq: found + i, path: file.path, rel: file.rel, out: '', size: file.size, mtimeMs: file.mtimeMs },
      opts: jobOptions(options.config, `count-${batchId}-${found + i}`),
    }));
    if (jobs.length > 0) await queue.addBulk(jobs);
    await batches.addCountQueued(batchId, jobs.length);
    found += jobs.length;
    chunk = [];
  };
  for await (const file of files) {
    chunk.push(file);
    if (chunk.length >= CHUNK) {
      await flush();
      if (await waitForRoom(queue, batches, batchId, options.config.queue.enqueueWindow, options.onQueueFull)) return { found, cancelled: true };
    }
  }
  await flush();
  return { found, cancelled: false };
}

async function waitForCounting(batches: BatchStore, batchId: string, total: number, onProgress?: (counted: number, total: number) => void): Promise<void> {
  for (;;) {
    const record = await batches.get(batchId);
    const counted = record?.counted ?? 0;
    onProgress?.(counted, total);
    if (counted >= total) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Backpressure: holds the walk while the queue has `window` or more jobs waiting, so
 * Redis memory stays bounded whatever the folder size (a waiting job costs about
 * 0.8 KB). Returns true when the batch was cancelled meanwhile.
 */
async function waitForRoom(queue: Queue, batches: BatchStore, batchId: string, window: number, onFull?: () => void): Promise<boolean> {
  for (let waited = false; ; waited = true) {
    const [counts, record] = await Promise.all([queue.getJobCounts('waiting', 'prioritized', 'delayed'), batches.get(batchId)]);
    if (record?.cancelRequested) return true;
    const pending = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
    if (pending < window) return false;
    if (!waited) onFull?.();
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface ChunkContext {
  queue: Queue;
  redis: Redis;
  batches: BatchStore;
  batchId: string;
  out: string;
  stems: StemTracker;
  upToDate: UpToDateCheck;
  counts: EnqueueCounts;
  options: EnqueueOptions;
}

async function enqueueChunk(files: FoundFile[], ctx: ChunkContext): Promise<EnqueueCounts> {
  const { options, batchId } = ctx;
  const candidates: { file: FoundFile; out: string | DocumentError; jobId: string }[] = files.map((file) => {
    let out: string | DocumentError;
    try {
      out = outputPathFor(ctx.out, file.rel, ctx.stems.taken(file.rel));
    } catch (err) {
      if (!(err instanceof DocumentError)) throw err;
      out = err;
    }
    const outKey = typeof out === 'string' ? out : '';
    return { file, out, jobId: documentJobId(file.path, outKey, file.size, file.mtimeMs) };
  });

  const upToDate = options.force
    ? candidates.map(() => false)
    : await Promise.all(candidates.map((c) => (typeof c.out === 'string' ? ctx.upToDate.check(c.out, c.file.mtimeMs) : false)));

  const jobKey = (id: string) => `${options.prefix}:${QUEUE_NAME}:${id}`;
  const probe = ctx.redis.pipeline();
  for (const c of candidates) probe.exists(jobKey(c.jobId));
  const exists = ((await probe.exec()) ?? []).map(([, n]) => n === 1);

  const jobs: { name: string; data: DocumentJob; opts: object }[] = [];
  const unsafe: { seq: number; file: FoundFile; jobId: string; message: string }[] = [];
  let skipped = 0;
  let seq = ctx.counts.queued;
  for (let i = 0; i < candidates.length; i++) {
    const { file, out, jobId } = candidates[i]!;
    if (upToDate[i]) {
      skipped++;
      continue;
    }
    if (exists[i]) {
      // A failed (or, with --force, finished) job of an earlier batch makes way for
      // this one; a waiting or running job is left alone.
      const replaceable = options.force || (await ctx.redis.zscore(`${options.prefix}:${QUEUE_NAME}:failed`, jobId)) !== null;
      const removed = replaceable ? await ctx.queue.remove(jobId).catch(() => 0) : 0;
      if (removed !== 1) {
        skipped++;
        continue;
      }
    }
    if (typeof out !== 'string') {
      unsafe.push({ seq: seq++, file, jobId, message: out.message });
      continue;
    }
    jobs.push({
      name: DOCUMENT_JOB,
      data: { batch: batchId, seq: seq++, path: file.path, rel: file.rel, out, size: file.size, mtimeMs: file.mtimeMs },
      opts: jobOptions(options.config, jobId),
    });
  }
  if (jobs.length > 0) await ctx.queue.addBulk(jobs);
  for (const u of unsafe) {
    await ctx.batches.recordFailed(batchId, {
      seq: u.seq, rel: u.file.rel, path: u.file.path, out: '', jobId: u.jobId, reason: 'unsafe-output', message: u.message,
    });
  }
  return { found: files.length, queued: jobs.length + unsafe.length, skipped };
}

/**
 * Output names drop the input's extension, so `a.txt` and `a.md` in one folder
 * would both write `a.json`: the second keeps its extension (`a.md.json`). The walk
 * lists a folder's files together, so only the current folder is remembered.
 */
class StemTracker {
  private dir = '';
  private stems = new Set<string>();

  taken(rel: string): boolean {
    const dir = dirname(rel);
    if (dir !== this.dir) {
      this.dir = dir;
      this.stems.clear();
    }
    const stem = rel.replace(/\.[^./]*$/, '');
    if (this.stems.has(stem)) return true;
    this.stems.add(stem);
    return false;
  }
}

async function assertFolder(path: string, what: string): Promise<void> {
  try {
    if (!(await stat(path)).isDirectory()) throw new UsageError(`${what} ${path} is not a folder`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`no such ${what} folder: ${path}`);
  }
}

async function assertOutput(path: string): Promise<void> {
  try {
    if (!(await stat(path)).isDirectory()) throw new UsageError(`output ${path} exists and is not a folder`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // Not there yet: workers create it.
  }
}
