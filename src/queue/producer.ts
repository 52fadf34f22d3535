import { stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Queue } from 'bullmq';
import { configHash, VERSION, type Config } from '../config.js';
import { UsageError } from '../errors.js';
import { isInside, type Maker } from '../io/files.js';
import { unitOf } from '../io/shards.js';
import { openSink, type AnySink } from '../io/sink.js';
import { openSource, SHARD_FORMATS, type SourceEntry } from '../io/source.js';
import { isStoreLocation } from '../io/storage.js';
import { buildProfile, countFloor, mergeProfiles, type Profile } from '../text/learned.js';
import type { BatchStore, QueuedEntry } from './batches.js';
import { COUNT_JOB, DOCUMENT_JOB, documentId, JobIds, PENDING_STATES, planJobs, type DocumentRef } from './jobs.js';
import { Queues, shardOf } from './queues.js';

// Files walked per round of checks and adds (addBulk is one MULTI per call).
const CHUNK = 1000;

/** A producer's lease on its batch lasts this long unless renewed (every third of it). */
const PRODUCER_LEASE_MS = 15_000;

/** How long a claim may wait for its job: far longer than one chunk's addBulk takes. */
const CLAIM_GRACE_MS = 60_000;

export interface EnqueueOptions {
  root: string;
  out: string;
  /** The merged config JSON, stored with the batch for its workers. */
  rawConfig: object;
  config: Config;
  /** Queue files whose output is up to date too. */
  force?: boolean;
  /** Follow symbolic links in the input folder, even out of it. */
  followLinks?: boolean;
  /** Finish this interrupted batch (its producer died mid-walk) instead of starting one. */
  resume?: string;
  onProgress?: (counts: EnqueueCounts) => void;
  /** A file or folder the walk could not read. */
  onSkip?: (rel: string, reason: string) => void;
  /** Something the user should know about the batch (a setting it could not take). */
  onNotice?: (message: string) => void;
  /** The walk waits for workers: the queue holds `enqueueWindow` documents. */
  onQueueFull?: () => void;
  /**
   * Learn the batch's boilerplate profile from its own input first (a counting pass
   * through the queue). Default: `config.learn.enabled`, unless a `profile` is given.
   */
  learn?: boolean;
  /** A profile to clean with (from `vnpipe learn` or an earlier batch); with `learn`, merged with what the batch learns. */
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
 * Walks `root` and queues its files, `queue.documentsPerJob` to a job, while the walk
 * goes on. A file is skipped when its output is newer than it (unless `force`) or when
 * the same file for the same output is already waiting or running. Running it again on
 * the same folder therefore adds only what is missing. The walk waits while the
 * queue is full (config `queue.enqueueWindow`) and stops when the batch is cancelled.
 *
 * When the batch learns (the default), a first pass queues count jobs for every file, or
 * for every unit of records of shards; once workers have counted them all, the batch's
 * boilerplate profile is built from the counts and stored, and the second pass queues
 * the documents, which workers clean with that profile.
 */
export async function enqueueFolder(queue: Queue | Queues, batches: BatchStore, options: EnqueueOptions): Promise<EnqueueResult> {
  const queues = Queues.of(queue);
  const { root, out, sharded } = await locations(options.root, options.out);
  // A resumed batch walks as it was first walked: the workers read it with the record's setting.
  const followLinks = options.resume ? ((await batches.get(options.resume))?.followLinks ?? false) : (options.followLinks ?? false);
  const source = openSource(root, { exclude: [out], followLinks, textFields: options.config.records.textFields });
  if (sharded) options = await keepUnitSize(out, options);
  const sink = openSink(out, sharded ? options.config.shards : null);
  const walk = () => (source.sharded ? source.list(options.onSkip, options.config.limits.maxFileBytes) : source.list(options.onSkip));
  const files = walk();
  const first = await files.next();
  if (first.done) throw new UsageError(sharded ? `no records to process in ${root}` : `no files to process in ${root}`);
  if (options.resume && options.profile) throw new UsageError(`--resume takes the batch's own profile: leave out --profile`);
  if (options.resume && options.learn !== undefined) throw new UsageError(`--resume keeps the batch's own choice of learning: leave out --learn and --no-learn`);
  const resumed = options.resume ? await resumeBatch(batches, options.resume, root, out) : null;
  // A given profile is what the user chose to clean with: no learning unless asked for too.
  const wanted = options.learn ?? (options.profile ? false : options.config.learn.enabled);
  const batchId: string =
    resumed?.batchId ??
    (await batches.create(root, out, options.rawConfig, { followLinks, shards: queues.shards, learn: wanted }).catch((err: Error) => {
      throw outOfMemory(err, null);
    }));
  // A resumed batch that had not finished learning counts again (documents counted once, by their bits).
  const learn = resumed ? resumed.learning : wanted;
  if (options.profile) await batches.setProfile(batchId, options.profile, false);
  const given = resumed ? resumed.given : (options.profile ?? null);
  // While this producer walks, its lease says so; a batch whose lease ran out before
  // its walk ended shows as interrupted, and `enqueue --resume` finishes it. A producer
  // that finds its lease taken (it stalled, and another resumed the batch) stops.
  const token = randomBytes(16).toString('hex');
  if (!(await batches.producerLease(batchId, token, 'take', PRODUCER_LEASE_MS))) {
    throw new UsageError(`batch ${batchId} is still being queued by a live producer`);
  }
  const lease: Lease = { lost: false, full: null, retake: () => batches.producerLease(batchId, token, 'take', PRODUCER_LEASE_MS) };
  // A renewal Redis refuses for want of memory is kept: while the walk waits for counts it
  // writes nothing else, and no worker can count in a full Redis (waitForCounting).
  const renew = setInterval(() => {
    batches.producerLease(batchId, token, 'renew', PRODUCER_LEASE_MS).then(
      (held) => (lease.lost ||= !held),
      (err: Error) => (lease.full ??= isOutOfMemory(err) ? err : null),
    );
  }, PRODUCER_LEASE_MS / 3);
  renew.unref();
  try {
    const shards = resumed?.shards ?? queues.shards;
    const { profile: _profile, ...rest } = options;
    return await walkAndQueue(queues, batches, batchId, { ...rest, root, out, learn, ...(given ? { profile: given } : {}) }, { sink, walk, files, first: first.value, lease, shards });
  } catch (err) {
    throw outOfMemory(err as Error, batchId);
  } finally {
    clearInterval(renew);
    // Walked or not, this producer is done with the batch: a batch left unwalked shows as interrupted at once.
    await batches.producerLease(batchId, token, 'release').catch(() => {});
  }
}

async function walkAndQueue(
  queue: Queues,
  batches: BatchStore,
  batchId: string,
  options: EnqueueOptions,
  ctx: { sink: AnySink; walk: () => AsyncGenerator<SourceEntry>; files: AsyncGenerator<SourceEntry>; first: SourceEntry; lease: Lease; shards: number },
): Promise<EnqueueResult> {
  const { sink, walk, files, first, lease, shards } = ctx;
  const root = options.root;
  const maker = { version: VERSION, config: configHash(options.config) };

  // Outputs all up to date (a re-run, one after --no-learn: learning is no part of an
  // output's hash): nothing would be cleaned with what a counting pass learns.
  const learn = options.learn && (options.force || !(await ridingOutDrops(batches, batchId, () => allUpToDate(walk(), sink, maker))));
  if (options.learn && !learn) options.onNotice?.('every output is up to date: nothing to clean, so no counting pass (learning skipped)');
  if (learn) {
    const counting = await queueCountJobs(files, first, { queue, batches, batchId, options, sink });
    if (counting.cancelled) {
      await batches.markWalked(batchId);
      return { batchId, found: counting.found, queued: 0, skipped: 0 };
    }
    if (await ridingOutDrops(batches, batchId, () => waitForCounting(batches, batchId, counting.found, lease, options.onLearning))) {
      await batches.markWalked(batchId);
      return { batchId, found: counting.found, queued: 0, skipped: 0 };
    }
    const counts = await ridingOutDrops(batches, batchId, () => batches.sourceCounts(batchId, countFloor(options.config.learn)));
    const learned = buildProfile(counts, options.config.learn);
    const profile = options.profile ? mergeProfiles(options.profile, learned) : learned;
    await ridingOutDrops(batches, batchId, () => batches.setProfile(batchId, profile, true));
    options.onLearned?.(profile);
  }

  const documents = learn ? walk() : files;
  // A resumed walk numbers its jobs apart from those the first walk added.
  const jobIds = new JobIds(batchId, options.resume ? `d${Date.now().toString(36)}-` : 'd');
  const counts: EnqueueCounts = { found: 0, queued: 0, skipped: 0 };
  let chunk: SourceEntry[] = learn ? [] : [first];
  const flush = async () => {
    if (lease.lost) {
      const record = await batches.get(batchId);
      // A Redis that restarted without its data lost the lease with the batch.
      if (!record) throw lostBatch(batchId);
      // The lease ran out while Redis was away longer than it lasts, and nobody resumed
      // the batch meanwhile: this walk takes it again and goes on.
      if (record.producerAlive || record.walked || !(await lease.retake())) {
        throw new UsageError(`batch ${batchId} was taken over by another producer (enqueue --resume) while this one stalled: this one stops`);
      }
      lease.lost = false;
    }
    const added = await ridingOutDrops(batches, batchId, () =>
      enqueueChunk(chunk, { maker, queue, batches, batchId, root, sink, jobIds, options, shards }),
    );
    await ridingOutDrops(batches, batchId, () => batches.addCounts(batchId, { found: added.found, skipped: added.skipped }), false);
    counts.found += added.found;
    counts.queued += added.queued;
    counts.skipped += added.skipped;
    options.onProgress?.({ ...counts });
    chunk = [];
  };
  // Records of one unit go to one job: a chunk ends only where a unit does.
  const unit = sink.sharded ? (key: string) => unitOf(key, options.config.shards.recordsPerJob).unit : null;
  for await (const file of documents) {
    // Room is awaited before a chunk goes in, not after: a walk that has just queued
    // its last file does not wait for workers.
    if (chunk.length >= CHUNK && (!unit || unit(file.key) !== unit(chunk[chunk.length - 1]!.key))) {
      if (await ridingOutDrops(batches, batchId, () => waitForRoom(queue, batches, batchId, options.config, options.onQueueFull, unit !== null))) {
        chunk = [];
        break;
      }
      await flush();
    }
    chunk.push(file);
  }
  const record = await ridingOutDrops(batches, batchId, () => batches.get(batchId));
  if (!record) throw lostBatch(batchId);
  // A cancel while the walk ended: the last chunk stays out, like every chunk after a cancel.
  if (!record.cancelRequested) await flush();
  await ridingOutDrops(batches, batchId, () => batches.markWalked(batchId));
  return { batchId, ...counts };
}

/**
 * An output of shards keeps the unit size it was first written with: its shards are
 * named by their first record, so units of another size would leave two shards holding
 * one record. A user who changed `shards.recordsPerJob` (a scheduling setting: it
 * changes no document) and enqueues into the same output expects what is done to stay
 * done, not an error nor a rebuild; the batch takes the output's size and says so.
 */
async function keepUnitSize(out: string, options: EnqueueOptions): Promise<EnqueueOptions> {
  const sink = openSink(out, options.config.shards);
  const written = sink.sharded ? await sink.writtenUnitSize() : null;
  const wanted = options.config.shards.recordsPerJob;
  if (written === null || written === wanted) return options;
  options.onNotice?.(`${sink.root} was written in units of ${written} records: this batch keeps shards.recordsPerJob = ${written}, not ${wanted} (a new output takes the new size)`);
  const raw = options.rawConfig as { shards?: object };
  return {
    ...options,
    config: { ...options.config, shards: { ...options.config.shards, recordsPerJob: written } },
    rawConfig: { ...raw, shards: { ...raw.shards, recordsPerJob: written } },
  };
}

/**
 * Takes over a batch whose producer died mid-walk: the same folders, walked again.
 * Documents already queued are skipped (their claims), those done are up to date;
 * `found` and `skipped` are counted anew. A batch that died while learning learns
 * again: its counting pass is queued anew (what was counted stays counted, once), then
 * it is cleaned with the profile; one that had its profile goes on cleaning.
 */
async function resumeBatch(
  batches: BatchStore, batchId: string, root: string, out: string,
): Promise<{ batchId: string; learning: boolean; given: Profile | null; shards: number }> {
  const record = await batches.get(batchId);
  if (!record) throw new UsageError(`no batch "${batchId}" to resume`);
  if (record.walked) throw new UsageError(`batch ${batchId} has queued all its documents already: nothing to resume`);
  if (record.producerAlive) throw new UsageError(`batch ${batchId} is still being queued by a live producer`);
  if (record.root !== root || record.out !== out) {
    throw new UsageError(`batch ${batchId} reads ${record.root} and writes ${record.out}: resume it with the same folders`);
  }
  const learning = record.learn && !record.profile?.learned;
  // A profile given with --learn is merged with what the batch learns.
  const given = learning && record.profile ? await batches.profile(batchId) : null;
  await batches.resetWalkCounts(batchId);
  return { batchId, learning, given, shards: record.shards };
}

/**
 * Counting a document costs a worker about a third of cleaning it, and a count job costs
 * Redis what a cleaning job does (BullMQ's three job scripts, one call to record it): count
 * jobs carry this many times `queue.documentsPerJob` files (at most a chunk), so they
 * take a worker about as long as a cleaning job and cost Redis a quarter per document.
 */
const COUNT_JOB_FACTOR = 4;

/** The config the counting pass plans and paces its jobs by: COUNT_JOB_FACTOR times the files a job. */
function countingConfig(config: Config): Config {
  return { ...config, queue: { ...config.queue, documentsPerJob: Math.min(CHUNK, config.queue.documentsPerJob * COUNT_JOB_FACTOR) } };
}

/**
 * The learning pass: count jobs of COUNT_JOB_FACTOR × `queue.documentsPerJob` files, or
 * one per unit of records of shards (a worker reads a unit's records once), numbered in walk order.
 */
async function queueCountJobs(
  files: AsyncGenerator<SourceEntry>,
  first: SourceEntry,
  ctx: { queue: Queues; batches: BatchStore; batchId: string; options: EnqueueOptions; sink: AnySink },
): Promise<{ found: number; cancelled: boolean }> {
  const { queue, batches, batchId, options } = ctx;
  const unit = ctx.sink.sharded ? (key: string) => unitOf(key, options.config.shards.recordsPerJob).unit : undefined;
  let found = 0;
  let chunk: SourceEntry[] = [first];
  // A resumed pass numbers its jobs apart from the first's: a job of it that failed for
  // good is still kept under its id, and adding that id again would add nothing.
  const jobIds = new JobIds(batchId, options.resume ? `c${Date.now().toString(36)}-` : 'c');
  const countConfig = countingConfig(options.config);
  const flush = async () => {
    const docs: DocumentRef[] = chunk.map((file, i) => ({ seq: found + i, id: '', rel: file.key, size: file.size }));
    const jobs = planJobs(COUNT_JOB, batchId, docs, jobIds, countConfig, unit);
    // Both steps are safe to run again after a dropped connection: the number is only
    // raised, and BullMQ adds a job id once.
    await ridingOutDrops(batches, batchId, async () => {
      // Numbers first: a worker counts only a document whose number the batch gave out.
      await batches.raiseCountQueued(batchId, found + docs.length);
      // The counting pass sums into one set of counts: its jobs all go to shard 0.
      if (jobs.length > 0) await queue.at(0).addBulk(jobs);
    });
    found += docs.length;
    chunk = [];
  };
  for await (const file of files) {
    // A chunk ends where a unit does: a unit's records make one job.
    if (chunk.length >= CHUNK && (!unit || unit(file.key) !== unit(chunk[chunk.length - 1]!.key))) {
      if (await ridingOutDrops(batches, batchId, () => waitForRoom(queue, batches, batchId, countConfig, options.onQueueFull, unit !== undefined))) return { found, cancelled: true };
      await flush();
    }
    chunk.push(file);
  }
  await flush();
  return { found, cancelled: false };
}

/** Whether every document's output is up to date; stops at the first chunk that is not (a first run's first). */
async function allUpToDate(files: AsyncGenerator<SourceEntry>, sink: AnySink, maker: Maker): Promise<boolean> {
  let chunk: SourceEntry[] = [];
  const check = async () => (await Promise.all(chunk.map((f) => sink.isUpToDate(f.key, f.mtimeMs, maker)))).every(Boolean);
  for await (const file of files) {
    chunk.push(file);
    if (chunk.length >= CHUNK_CHECKED) {
      if (!(await check())) return false;
      chunk = [];
    }
  }
  return check();
}

/** Outputs looked at together by allUpToDate: few, so that a first run's first files decide at once. */
const CHUNK_CHECKED = 16;

/**
 * Waits until workers have counted every document; returns true when the batch was
 * cancelled meanwhile. Throws Redis's out-of-memory refusal of the lease's renewal.
 */
async function waitForCounting(batches: BatchStore, batchId: string, total: number, lease: Lease, onProgress?: (counted: number, total: number) => void): Promise<boolean> {
  for (;;) {
    if (lease.full) throw lease.full;
    const record = await batches.get(batchId);
    if (!record) throw lostBatch(batchId);
    if (record.cancelRequested) return true;
    const counted = record.counted;
    onProgress?.(counted, total);
    if (counted >= total) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Backpressure: holds the walk while the queue has `queue.enqueueWindow` or more
 * documents waiting, so Redis memory stays bounded whatever the folder size (a
 * waiting document costs about 0.4 KB). Returns true when the batch was cancelled meanwhile.
 */
async function waitForRoom(queue: Queues, batches: BatchStore, batchId: string, config: Config, onFull?: () => void, records = false): Promise<boolean> {
  const perJob = records ? config.shards.recordsPerJob : config.queue.documentsPerJob;
  for (let waited = false; ; waited = true) {
    const [counts, record] = await Promise.all([queue.getJobCounts('waiting', 'prioritized', 'delayed'), batches.get(batchId)]);
    if (!record) throw lostBatch(batchId);
    if (record.cancelRequested) return true;
    const pendingJobs = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
    if (pendingJobs * perJob < config.queue.enqueueWindow) return false;
    if (!waited) onFull?.();
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface ChunkContext {
  /** This vnpipe and the batch's settings: an output they did not make is rebuilt. */
  maker: Maker;
  queue: Queues;
  batches: BatchStore;
  batchId: string;
  root: string;
  sink: AnySink;
  jobIds: JobIds;
  options: EnqueueOptions;
  /** The batch's queue shards. */
  shards: number;
}

/**
 * Queues the documents of one chunk that are neither on their way nor done. Claims are
 * looked at first and outputs second: a worker writes its output before it lets go of
 * the claim, so a document without a claim that a worker has just finished is seen as
 * up to date, never queued again.
 */
async function enqueueChunk(files: SourceEntry[], ctx: ChunkContext): Promise<EnqueueCounts> {
  const { options, batchId, sink } = ctx;
  const ids = files.map((file) => documentId(ctx.root, sink.root, file.key, file.size, file.mtimeMs));
  const placed = files.map((file) => shardOf(shardKey(ctx, file.key), ctx.shards));
  const { pending, ownStale } = await claimsOf(ctx.queue, ctx.batches, ids, placed, batchId);
  // A resumed walk leaves alone what already failed in this batch: it keeps its number and its record.
  const failed = options.resume ? await ctx.batches.failedAlready(batchId, files.map((f) => f.key)) : files.map(() => false);
  const upToDate = await Promise.all(
    files.map((file, i) => (options.force || pending[i] || ownStale.has(ids[i]!) || failed[i] ? false : sink.isUpToDate(file.key, file.mtimeMs, ctx.maker))),
  );
  const docs: DocumentRef[][] = Array.from({ length: ctx.shards }, () => []);
  files.forEach((file, i) => {
    // This batch's own stale claim was counted when made: its document is queued whatever its output says.
    if (ownStale.has(ids[i]!) || !(pending[i] || failed[i] || upToDate[i])) docs[placed[i]!]!.push({ seq: -1, id: ids[i]!, rel: file.key, size: file.size });
  });
  let queued = 0;
  for (let shard = 0; shard < ctx.shards; shard++) queued += await queueClaimed(ctx, docs[shard]!, ownStale, shard);
  return { found: files.length, queued, skipped: files.length - queued };
}

/** What places a document on a shard: its key, or for records of shards the unit its job carries whole. */
function shardKey(ctx: ChunkContext, key: string): string {
  return ctx.sink.sharded ? unitOf(key, ctx.options.config.shards.recordsPerJob).unit : key;
}

/**
 * Claims the documents for their jobs and queues those it claimed under the numbers
 * the claim gave them. A document another producer claimed first (two enqueues of one
 * folder at once) is left to that producer. Returns how many were queued.
 */
async function queueClaimed(ctx: ChunkContext, docs: DocumentRef[], ownStale: ReadonlyMap<string, string>, shard: number): Promise<number> {
  if (docs.length === 0) return 0;
  const records = ctx.sink.sharded ? (rel: string) => unitOf(rel, ctx.options.config.shards.recordsPerJob).unit : undefined;
  const jobs = planJobs(DOCUMENT_JOB, ctx.batchId, docs, ctx.jobIds, ctx.options.config, records);
  const seqs = await ctx.batches.claimQueued(ctx.batchId, 'new', jobs, ownStale, shard);
  let queued = 0;
  const kept = jobs.flatMap((job, j) => {
    job.data.docs = job.data.docs.flatMap((d, i) => (seqs[j]![i]! >= 0 ? [{ ...d, seq: seqs[j]![i]! }] : []));
    queued += job.data.docs.length;
    return job.data.docs.length > 0 ? [job] : [];
  });
  if (kept.length > 0) await ctx.queue.at(shard).addBulk(kept);
  return queued;
}

/** The batch a job id belongs to (`<batch>-d17`, `<batch>-r…`). */
function batchOfJob(jobId: string): string | null {
  return /^(\d{8}-\d{6}-[0-9a-f]+)-/.exec(jobId)?.[1] ?? null;
}

/**
 * Which document ids are on their way: claimed for a job that is still pending, or for
 * a job not yet added by another batch's live producer (between its claim and its
 * addBulk, for a short while). A claim of another batch whose job failed, finished or
 * is gone (a lost worker, a flushed Redis, a dead producer) is stale: it is dropped and
 * does not hold the document back. A stale claim of `ownBatch` itself (its earlier walk
 * died between claim and add) is returned apart, with its entry, to be taken over under
 * the number it was given.
 */
export async function claimsOf(
  queue: Queue | Queues,
  batches: BatchStore,
  ids: string[],
  shards: readonly number[],
  ownBatch?: string,
): Promise<{ pending: boolean[]; ownStale: Map<string, string> }> {
  const queues = Queues.of(queue);
  // Each shard's claims and jobs are its own: job ids are unique across a batch's shards.
  const entries: (QueuedEntry | null)[] = ids.map(() => null);
  const used = [...new Set(shards)];
  const [, now] = await Promise.all([
    Promise.all(
      used.map(async (shard) => {
        const at = ids.flatMap((_, i) => (shards[i] === shard ? [i] : []));
        (await batches.queuedJobs(at.map((i) => ids[i]!), shard)).forEach((e, k) => (entries[at[k]!] = e));
      }),
    ),
    batches.now(),
  ]);
  const states = new Map<string, Promise<string>>();
  entries.forEach((e, i) => {
    if (e && !states.has(e.jobId)) states.set(e.jobId, queues.at(shards[i]!).getJobState(e.jobId));
  });
  const settled = new Map<string, boolean>();
  for (const [jobId, state] of states) settled.set(jobId, PENDING_STATES.has(await state));
  const producers = new Map<string, Promise<boolean>>();
  for (const e of entries) {
    const batch = e && !settled.get(e.jobId) ? batchOfJob(e.jobId) : null;
    if (batch && batch !== ownBatch && !producers.has(batch)) producers.set(batch, batches.get(batch).then((r) => r?.producerAlive ?? false));
  }
  const alive = new Map<string, boolean>();
  for (const [batch, live] of producers) alive.set(batch, await live);
  const ownStale = new Map<string, string>();
  const stale: { id: string; jobId: string; shard: number }[] = [];
  const pending = entries.map((e, i) => {
    if (!e) return false;
    if (settled.get(e.jobId)) return true;
    const batch = batchOfJob(e.jobId);
    if (batch !== null && batch === ownBatch) {
      ownStale.set(ids[i]!, e.entry);
      return false;
    }
    if (batch !== null && alive.get(batch) === true && now - e.claimedAt < CLAIM_GRACE_MS) return true;
    stale.push({ id: ids[i]!, jobId: e.jobId, shard: shards[i]! });
    return false;
  });
  for (const shard of used) await batches.forgetQueued(stale.filter((s) => s.shard === shard), shard);
  return { pending, ownStale };
}

/** Whether this producer still holds its batch's lease, and taking it again when it ran out unheld. */
interface Lease {
  lost: boolean;
  /** Redis refused to renew the lease for want of memory. */
  full: Error | null;
  retake: () => Promise<boolean>;
}

/** How long a walk waits for Redis to come back (a restart, a failover) before it stops. */
const REDIS_DROP_MS = 60_000;

/** Redis went away under a command: the connection closed or reset, or Redis is loading its data after a restart. */
function isConnectionDrop(err: Error): boolean {
  return (
    err.name === 'AbortError' ||
    err.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|^LOADING |socket closed|Stream isn't writeable/i.test(err.message)
  );
}

/**
 * Runs `step` again while Redis is away, until REDIS_DROP_MS. A command cut off by a
 * dropped connection may or may not have run; a chunk's steps are safe to run again:
 * claims seen as this batch's own are taken over or found pending, a claim call sent
 * twice keeps its numbers (claim-queued.lua), and BullMQ adds a job id once.
 * `again: false` for a step that would count twice (the walk's found/skipped): it is
 * only waited for, not repeated. A batch gone from Redis (a restart without
 * persistence) stops the walk at once with what to do.
 */
async function ridingOutDrops<T>(batches: BatchStore, batchId: string, step: () => Promise<T>): Promise<T>;
async function ridingOutDrops(batches: BatchStore, batchId: string, step: () => Promise<void>, again: false): Promise<void>;
async function ridingOutDrops<T>(batches: BatchStore, batchId: string, step: () => Promise<T>, again = true): Promise<T | undefined> {
  const deadline = Date.now() + REDIS_DROP_MS;
  for (let wait = 250; ; wait = Math.min(wait * 2, 4000)) {
    try {
      return await step();
    } catch (err) {
      if (!isConnectionDrop(err as Error)) throw err;
      if (Date.now() > deadline) {
        throw new UsageError(`Redis was unreachable for ${REDIS_DROP_MS / 1000} s while batch ${batchId} was being queued (${(err as Error).message}): once it is back, run the same enqueue with --resume ${batchId}`);
      }
      await new Promise((r) => setTimeout(r, wait));
      const record = await batches.get(batchId).catch((e: Error) => (isConnectionDrop(e) ? undefined : Promise.reject(e)));
      if (record === null) throw lostBatch(batchId);
      if (record && !again) return undefined;
    }
  }
}

function isOutOfMemory(err: Error): boolean {
  return /OOM command not allowed|^OOM /.test(err.message);
}

/** Redis's out-of-memory refusal (alone, or inside a MULTI) as what to do about it; any other error as it is. */
function outOfMemory(err: Error, batchId: string | null): Error {
  if (!isOutOfMemory(err)) return err;
  return new UsageError(
    batchId
      ? `Redis is out of memory (maxmemory): batch ${batchId} was cut off while being queued or counted; free memory, then run the same enqueue with --resume ${batchId}`
      : 'Redis is out of memory (maxmemory): no batch was started; free memory and run the enqueue again',
  );
}

/** The batch record is gone while its enqueue runs: Redis lost its data (a restart without persistence, a flush). */
function lostBatch(batchId: string): UsageError {
  return new UsageError(`batch ${batchId} is gone from Redis while it was being queued: Redis lost its data (restarted without persistence, or flushed); its documents were not all queued`);
}

/**
 * The batch's input and output as recorded: a folder of files and an output folder
 * (absolute paths), or shards (`file://` or `s3://`; a path to one shard file becomes
 * its `file://` URL) and where their output shards go (a folder or `s3://`).
 */
async function locations(input: string, output: string): Promise<{ root: string; out: string; sharded: boolean }> {
  let root = await inputRoot(input);
  if (!isStoreLocation(root)) {
    const out = resolve(output);
    await assertFolder(root, 'input');
    await assertOutput(out);
    // Outputs in the input would be read back as inputs on the next run.
    if (isInside(out, root)) throw new UsageError(`the output folder ${out} holds the input folder ${root}: choose an output folder outside it`);
    return { root, out, sharded: false };
  }
  if (/^file:/i.test(root)) root = pathToFileURL(fileURLToPath(root)).href.replace(/\/+$/, '');
  const out = isStoreLocation(output) ? output.replace(/\/+$/, '') : resolve(output);
  if (!isStoreLocation(output)) await assertOutput(out);
  const outUrl = isStoreLocation(out) ? out : pathToFileURL(out).href;
  // Output shards among the input shards would be read back as input on the next run.
  const overlap = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
  if (overlap(outUrl, root) || overlap(root, outUrl)) throw new UsageError(`the output ${out} and the input ${root} overlap: choose an output outside the input`);
  return { root, out, sharded: true };
}

/** An input as a source reads it: a folder's absolute path, or shards' URL (a path to one shard file becomes its `file://` URL). */
export async function inputRoot(input: string): Promise<string> {
  if (isStoreLocation(input)) return input;
  const root = resolve(input);
  const info = await stat(root).catch(() => null);
  return info?.isFile() && SHARD_FORMATS.some((f) => f.matches(root)) ? pathToFileURL(root).href : root;
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
