import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../config.js';
import type { FailureReason } from '../errors.js';
import type { RedisClient } from './connection.js';
import { shardPrefix } from './queues.js';
import { countFloor, documentFingerprint, lineKey, type DocumentLines, type LearnSettings, type Profile, type SourceCounts } from '../text/learned.js';

/** One enqueue run: where it read, where it writes, its rules, and exact counts. */
export interface BatchRecord {
  id: string;
  /** The input folder: workers read a job's documents by key below it, never by a path from the job. */
  root: string;
  /** The output folder. */
  out: string;
  /** Symbolic links in the input are followed (`--follow-links`). */
  followLinks: boolean;
  createdAt: number;
  /** Files the walk found. */
  found: number;
  /** Documents claimed and numbered for jobs (in a resumed batch, across its walks). */
  queued: number;
  /** Files left out: their output was up to date, or a job for them was already queued. */
  skipped: number;
  completed: number;
  failed: number;
  /** Waiting jobs that `vnpipe cancel` removed. */
  cancelled: number;
  /** Input bytes of the completed documents. */
  bytes: number;
  /** The walk has ended: `queued` is final. */
  walked: boolean;
  cancelRequested: boolean;
  /** A producer holds the batch's lease: it is walking and queueing now. */
  producerAlive: boolean;
  finishedAt: number | null;
  /** The learning pass: documents queued to count, and counted. */
  countQueued: number;
  counted: number;
  /** The batch learns its boilerplate from its own input first (learn.enabled, --learn, --no-learn). */
  learn: boolean;
  /** The profile it cleans with: its size, and whether the batch learned it (else --profile gave it). */
  profile: { learned: boolean; lines: number; sources: number } | null;
  /** Queue shards its documents were spread over (queues.ts); its counts are their sums. */
  shards: number;
}

/** A failed document: enough to show it and to queue it again. */
export interface BatchFailure {
  seq: number;
  /** The document's key: its path relative to the batch's input folder. */
  rel: string;
  jobId: string;
  reason: FailureReason | 'failed';
  message: string;
  at: number;
  /** The queue shard whose number `seq` is, for a batch of several (queues.ts). */
  shard?: number;
}

export interface CompletedDocument {
  seq: number;
  rel: string;
  /** The document's id in the queued-documents hash; empty when it has none. */
  id: string;
  bytes: number;
}

export type FailedDocument = Omit<BatchFailure, 'at'> & { id: string };

/** A document's claim in the queued-documents hash. */
export interface QueuedEntry {
  jobId: string;
  /** Milliseconds, Redis clock. */
  claimedAt: number;
  /** The document's number in its batch. */
  seq: number;
  /** The entry as stored: what a take-over must find unchanged. */
  entry: string;
}

/** The batch hash's fields a BatchRecord is made of (get). */
const RECORD_FIELDS = [
  'id', 'root', 'out', 'followLinks', 'createdAt', 'found', 'queued', 'skipped', 'completed', 'failed', 'cancelled', 'bytes', 'walked',
  'cancelRequested', 'finishedAt', 'countQueued', 'counted', 'learn', 'profileLines', 'profileLearned', 'profileSources', 'shards',
] as const;

/** Milliseconds per bucket and buckets kept for the recent rate, a one-minute window (outcome.lua writes them). */
const RATE_BUCKET_MS = 5000;
const RATE_BUCKETS = 12;

const LUA_DIR = join(PACKAGE_ROOT, 'src', 'queue', 'lua');

/**
 * Documents per script call where a call's size is the caller's to choose (a retry of
 * 20,000 failures, a chunk of claims): each call stays a few milliseconds, so Redis
 * never stalls its other clients behind one long script.
 */
const DOCUMENTS_PER_CALL = 1000;

/** Lines per call of the counting script (one document at learn.maxLinesPerDocument): tens of milliseconds of Redis. */
const LINES_PER_COUNT_CALL = 2000;

type ScriptArg = string | number | Buffer;

/** What the counting script needs of the `learn` settings. */
type CountSettings = Pick<LearnSettings, 'maxLinesPerSource' | 'minDocuments' | 'tailMinDocuments'>;

/** Keys per UNLINK where their number has no bound. */
const KEYS_PER_CALL = 1000;

/** `items` in slices of `size`. */
function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A script of src/queue/lua, its `-- include: FILE` lines replaced by those files (and theirs). */
function luaScript(file: string): string {
  return readFileSync(join(LUA_DIR, file), 'utf8').replace(/^-- include: (\S+)$/gm, (_, included: string) => luaScript(included));
}

/**
 * The batch store's scripts, by command name: registered with ioredis' defineCommand,
 * which sends EVALSHA and loads a script on NOSCRIPT. Each file's header names its KEYS
 * and ARGV.
 */
const SCRIPTS = {
  vnpipeRecordOutcomes: { file: 'record-outcomes.lua', keys: 9 },
  vnpipeReopen: { file: 'reopen.lua', keys: 9 },
  vnpipeAddCancelled: { file: 'add-cancelled.lua', keys: 9 },
  vnpipeMarkWalked: { file: 'mark-walked.lua', keys: 9 },
  vnpipeForgetQueued: { file: 'forget-queued.lua', keys: 2 },
  vnpipeClaimQueued: { file: 'claim-queued.lua', keys: 3 },
  // Its keys vary with the job's sources: the caller passes their number first.
  vnpipeRecordCounts: { file: 'record-counts.lua', keys: undefined },
  vnpipeProducerLease: { file: 'producer-lease.lua', keys: 1 },
} as const;

type ScriptName = keyof typeof SCRIPTS;
const LOADED = new Map<ScriptName, string>();
const REGISTERED = new WeakSet<RedisClient>();

export class BatchStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** A key of batch `id` in queue shard `shard`; shard 0 also holds what is the batch's alone (its settings, lease, walk counts, learning). */
  private key(id: string, part?: string, shard = 0): string {
    const prefix = shardPrefix(this.prefix, shard);
    return part ? `${prefix}:batch:${id}:${part}` : `${prefix}:batch:${id}`;
  }

  private keys(id: string, shard: number): string[] {
    const parts = ['', 'completed', 'failed', 'failures', 'rate'].map((part) => this.key(id, part || undefined, shard));
    return [...parts, this.queuedKey(shard), this.key(id, 'cancelled', shard), this.key(id, 'failure-order', shard), this.supersededKey(shard)];
  }

  /** Jobs whose queued-documents entries may have passed to another job (forget-queued.lua says when). */
  private supersededKey(shard: number): string {
    return `${shardPrefix(this.prefix, shard)}:superseded-jobs`;
  }

  /** Documents waiting or running, by id, with their job: what enqueue and `status --doc` look up. */
  private queuedKey(shard = 0): string {
    return `${shardPrefix(this.prefix, shard)}:queued-documents`;
  }

  /** The queue shards of batch `id` (fixed at its creation). */
  private async shardsOf(id: string): Promise<number> {
    let shards = this.shardCounts.get(id);
    if (shards === undefined) {
      const stored = await this.redis.hget(this.key(id), 'shards');
      shards = Number(stored ?? 1);
      // Fixed once written (create writes it first): a batch not yet there is not cached.
      if (stored !== null) this.shardCounts.set(id, shards);
    }
    return shards;
  }

  private readonly shardCounts = new Map<string, number>();

  /** 0 … shards-1 of batch `id`. */
  private async shardList(id: string): Promise<number[]> {
    return Array.from({ length: await this.shardsOf(id) }, (_, i) => i);
  }

  /**
   * Claims documents for the jobs that will carry them (claim-queued.lua says how):
   * `new` numbers and counts each free document, or takes over this batch's own stale
   * claim (`expected`: its entry) under its number; `retry` claims free documents under
   * the numbers they have. Returns, per job and document, its number or -1.
   */
  async claimQueued(
    batchId: string,
    mode: 'new' | 'retry',
    jobs: readonly { data: { docs: readonly { id: string; seq: number }[] }; opts: { jobId: string } }[],
    expected: ReadonlyMap<string, string> = new Map(),
    shard = 0,
  ): Promise<number[][]> {
    // Each call takes whole jobs, about DOCUMENTS_PER_CALL documents (a job holds 1000 at most).
    const seqs: number[] = [];
    let args: (string | number)[] = [];
    let docs = 0;
    const send = async () => {
      if (docs > 0) seqs.push(...((await this.script('vnpipeClaimQueued', this.queuedKey(shard), this.key(batchId, undefined, shard), this.supersededKey(shard), mode, ...args)) as number[]));
      args = [];
      docs = 0;
    };
    for (const job of jobs) {
      if (docs + job.data.docs.length > DOCUMENTS_PER_CALL) await send();
      const expects = job.data.docs.map((d) => (mode === 'retry' ? String(d.seq) : (expected.get(d.id) ?? '')));
      args.push(job.opts.jobId, job.data.docs.length, job.data.docs.map((d) => `${d.id}\n`).join(''), expects.some((e) => e !== '') ? expects.map((e) => `${e}\n`).join('') : '');
      docs += job.data.docs.length;
    }
    await send();
    let i = 0;
    return jobs.map((job) => job.data.docs.map(() => seqs[i++]!));
  }

  /** Drops entries whose job is no longer pending, unless a newer job has taken them over. */
  async forgetQueued(entries: readonly { id: string; jobId: string }[], shard = 0): Promise<void> {
    for (const slice of slices(entries, DOCUMENTS_PER_CALL)) await this.script('vnpipeForgetQueued', this.queuedKey(shard), this.supersededKey(shard), ...slice.flatMap((e) => [e.id, e.jobId]));
  }

  /** The claim of each document id: its job, when (Redis clock), its number, and the entry as stored; or null. */
  async queuedJobs(ids: readonly string[], shard = 0): Promise<(QueuedEntry | null)[]> {
    if (ids.length === 0) return [];
    return (await this.redis.hmget(this.queuedKey(shard), ...ids)).map((entry) => {
      if (entry === null) return null;
      const [jobId = '', claimedAt = '0', seq = '-1'] = entry.split('\t');
      return { jobId, claimedAt: Number(claimedAt), seq: Number(seq), entry };
    });
  }

  /** Milliseconds on Redis's clock: claims are stamped with it, so hosts' clocks never compare. */
  async now(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /** Which of `rels` already have a failure record in the batch (in any of its shards). */
  async failedAlready(id: string, rels: readonly string[]): Promise<boolean[]> {
    if (rels.length === 0) return [];
    const found = rels.map(() => false);
    for (const shard of await this.shardList(id)) {
      // A finished shard's records are in its file (moveFailuresOut), not in Redis.
      const file = await this.redis.hget(this.key(id, undefined, shard), 'failuresFile');
      if (file) {
        const failed = new Set((await this.failuresFromFile(id, file, shard)).map((f) => f.rel));
        rels.forEach((rel, i) => (found[i] ||= failed.has(rel)));
      } else {
        (await this.redis.hmget(this.key(id, 'failures', shard), ...rels)).forEach((v, i) => (found[i] ||= v !== null));
      }
    }
    return found;
  }

  /** A batch script over the keys of one shard of the batch (outcome.lua lists them). */
  private run(script: ScriptName, id: string, shard: number, ...args: (string | number | Buffer)[]): Promise<unknown> {
    return this.script(script, ...this.keys(id, shard), ...args);
  }

  /** Arrays among the arguments are sent flat (ioredis flattens them): no spread of a long list into a call. */
  private script(name: ScriptName, ...keysAndArgs: (ScriptArg | readonly ScriptArg[])[]): Promise<unknown> {
    if (!REGISTERED.has(this.redis)) {
      for (const [command, { file, keys }] of Object.entries(SCRIPTS) as [ScriptName, (typeof SCRIPTS)[ScriptName]][]) {
        let lua = LOADED.get(command);
        if (lua === undefined) LOADED.set(command, (lua = luaScript(file)));
        this.redis.defineCommand(command, { numberOfKeys: keys, lua });
      }
      REGISTERED.add(this.redis);
    }
    return (this.redis as unknown as Record<ScriptName, (...a: (ScriptArg | readonly ScriptArg[])[]) => Promise<unknown>>)[name](...keysAndArgs);
  }

  /** A new batch; `config` is the merged config JSON every worker will use for it. */
  async create(root: string, out: string, config: object, options: { followLinks: boolean; shards?: number; learn?: boolean }, now = Date.now()): Promise<string> {
    const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const shards = options.shards ?? 1;
    if (shards > 1) await this.announceShards(shards);
    let id: string;
    // The creation time to read and sort by, then 128 random bits: ids never collide
    // however many producers start at once (and a collision could not take over a record).
    do id = `${stamp}-${randomBytes(16).toString('hex')}`;
    while ((await this.redis.hsetnx(this.key(id), 'shards', shards)) === 0);
    // The other shards' records before the batch shows (its `id` field): each holds the counts of its own documents.
    for (let shard = 1; shard < shards; shard++) {
      await this.redis.hset(this.key(id, undefined, shard), { id, queued: 0, completed: 0, failed: 0, cancelled: 0, bytes: 0, walked: 0 });
    }
    await this.redis
      .multi()
      .hset(this.key(id), {
        id, root, out, followLinks: options.followLinks ? 1 : 0, createdAt: now, found: 0, queued: 0, skipped: 0, completed: 0,
        failed: 0, cancelled: 0, bytes: 0, walked: 0, config: JSON.stringify(config), learn: options.learn ? 1 : 0,
      })
      .zadd(`${this.prefix}:batches`, now, id)
      .exec();
    return id;
  }

  /**
   * The most queue shards any batch of this deployment was queued over: a worker started
   * with fewer takes up the others as soon as it reads this, so no batch waits for ever
   * on a shard nobody consumes.
   */
  async deploymentShards(): Promise<number> {
    return Number(await this.redis.get(`${this.prefix}:queue-shards`)) || 1;
  }

  private async announceShards(shards: number): Promise<void> {
    // Only ever raised: a batch of fewer shards leaves the others to the batches that need them.
    await this.redis.eval("if tonumber(redis.call('GET', KEYS[1]) or '1') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end", 1, `${this.prefix}:queue-shards`, shards);
  }

  /** Files the walk found and skipped; `queued` moves with each claim (claim-queued.lua). */
  async addCounts(id: string, counts: { found: number; skipped: number }): Promise<void> {
    await this.redis.multi().hincrby(this.key(id), 'found', counts.found).hincrby(this.key(id), 'skipped', counts.skipped).exec();
  }

  async markWalked(id: string, now = Date.now()): Promise<void> {
    for (const shard of await this.shardList(id)) await this.ended(id, shard, (await this.run('vnpipeMarkWalked', id, shard, now)) as number);
  }

  /**
   * Documents of batch `id` cleaned and written by job `jobId`, in one script call;
   * returns how many were new. Their queued-documents entries go first, by a plain
   * HDEL: through the script each id would cost Redis about a microsecond more (made a
   * Lua string, then a Redis one again), and an entry can pass to another job only
   * while its own is not pending (forget-queued.lua, claim-queued.lua), never while
   * this one runs. A job named in the superseded set (it lost entries before it ran)
   * drops only the entries still its own. After its output is written, before its
   * bits: a producer that finds no claim finds the output, and a worker that dies in
   * between leaves documents that run again, not entries that stay for good.
   */
  async recordCompleted(id: string, jobId: string, docs: readonly CompletedDocument[], now = Date.now(), shard = 0): Promise<number> {
    if (docs.length === 0) return 0;
    const claimed = docs.filter((d) => d.id !== '');
    if (claimed.length > 0) {
      if ((await this.redis.sismember(this.supersededKey(shard), jobId)) === 1) await this.forgetQueued(claimed.map((d) => ({ id: d.id, jobId })), shard);
      else for (const slice of slices(claimed, DOCUMENTS_PER_CALL)) await this.redis.hdel(this.queuedKey(shard), ...slice.map((d) => d.id));
    }
    // Packed, as record-outcomes.lua reads them: 4-byte seqs, bytes in all, lines of sizes, length-prefixed keys.
    const seqs = Buffer.alloc(4 * docs.length);
    // A number no batch gives out (a crafted job's -1 or 2^40) stays one the script refuses.
    docs.forEach((d, i) => seqs.writeUInt32BE(Number.isInteger(d.seq) && d.seq >= 0 && d.seq < 0xffffffff ? d.seq : 0xffffffff, 4 * i));
    const total = docs.reduce((sum, d) => sum + d.bytes, 0);
    const sizes = docs.map((d) => `${d.bytes}\n`).join('');
    const keys = docs.map((d) => `${Buffer.byteLength(d.rel)}:${d.rel}`).join('');
    const [completed, , ended] = (await this.run('vnpipeRecordOutcomes', id, shard, now, 0, jobId, docs.length, seqs, total, sizes, keys)) as number[];
    await this.ended(id, shard, ended!);
    return completed!;
  }

  /**
   * Documents of batch `id` that failed, in one script call; returns how many were new.
   * With `onlyUnrecorded`, documents that already have an outcome keep it: a job lost
   * with its worker fails only the documents it had not finished.
   */
  async recordFailed(id: string, failures: readonly FailedDocument[], now = Date.now(), onlyUnrecorded = false, shard = 0): Promise<number> {
    if (failures.length === 0) return 0;
    const args = failures.flatMap(({ id: docId, ...failure }) => [failure.seq, failure.rel, docId, failure.jobId, JSON.stringify({ ...failure, at: now })]);
    const [, failed, ended] = (await this.run('vnpipeRecordOutcomes', id, shard, now, onlyUnrecorded ? 1 : 0, '', 0, '', 0, '', '', ...args)) as number[];
    await this.ended(id, shard, ended!);
    return failed!;
  }

  /** Failed documents about to run again (`vnpipe retry`): no outcome, so the batch is not finished. */
  async reopen(id: string, seqs: readonly number[], shard = 0): Promise<void> {
    for (const slice of slices(seqs, DOCUMENTS_PER_CALL)) await this.run('vnpipeReopen', id, shard, 0, ...slice);
  }

  /** Documents of a waiting job that `vnpipe cancel` removed; returns how many had no outcome yet. */
  async addCancelled(id: string, jobId: string, docs: readonly { seq: number; id: string }[], now = Date.now(), shard = 0): Promise<number> {
    const [cancelled, ended] = (await this.run('vnpipeAddCancelled', id, shard, now, jobId, ...docs.flatMap((d) => [d.seq, d.id]))) as number[];
    await this.ended(id, shard, ended!);
    return cancelled!;
  }

  /** After the call that ended a shard of batch `id` (the batch ends with its last shard): that shard's failure records leave Redis. */
  private async ended(id: string, shard: number, ended: number): Promise<void> {
    // Left in Redis when the file cannot be written: status and retry read them there as before.
    if (ended === 1) await this.moveFailuresOut(id, shard).catch(() => {});
  }

  /**
   * A finished shard's failure records (about 0.5 KB each in Redis, for good) go to a
   * JSON Lines file in the batch's output folder, `.vnpipe/failures-<batch>.jsonl`
   * (`failures-<batch>.<shard>.jsonl` for shards past 0), which `status` and `retry`
   * read instead; `retry` puts them back first. A batch writing to object storage keeps
   * them in Redis.
   */
  private async moveFailuresOut(id: string, shard: number): Promise<void> {
    const record = await this.get(id);
    if (!record) return;
    if ((await this.redis.hlen(this.key(id, 'failures', shard))) === 0) {
      await this.redis.del(this.key(id, 'failures', shard), this.key(id, 'failure-order', shard));
      return;
    }
    // A folder: a path, or a `file://` URL (output shards); object storage keeps them in Redis.
    const out = /^file:\/\//i.test(record.out) ? fileURLToPath(record.out) : record.out;
    // Only into an output folder this host has: one made here alone (a `cancel` run where
    // the output is not mounted) would hide the records from every other host.
    if (!isAbsolute(out) || !(await stat(out).catch(() => null))?.isDirectory()) return;
    const failures = await this.shardFailures(id, shard, Infinity);
    const file = join(out, '.vnpipe', `failures-${id}${shard === 0 ? '' : `.${shard}`}.jsonl`);
    await mkdir(join(out, '.vnpipe'), { recursive: true });
    await writeFile(`${file}.tmp`, failures.map((f) => `${JSON.stringify(f)}\n`).join(''));
    await rename(`${file}.tmp`, file);
    await this.redis
      .multi()
      .hset(this.key(id, undefined, shard), 'failuresFile', file)
      .del(this.key(id, 'failures', shard), this.key(id, 'failure-order', shard))
      .exec();
  }

  /**
   * The failure records of a shard's file (moveFailuresOut), less those of documents
   * completed since: as in Redis, where completing a document deletes its record and
   * nothing else does (a retried document that was cancelled keeps it, for the next retry).
   */
  private async failuresFromFile(id: string, file: string, shard: number): Promise<BatchFailure[]> {
    const text = await readFile(file, 'utf8').catch(() => '');
    const records = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as BatchFailure);
    const completed = await this.bits(id, 'completed', records.map((f) => f.seq), shard);
    return records.filter((_, i) => !completed[i]);
  }

  /** Before `retry`: the failure records of finished shards back into Redis, as they were. */
  async restoreFailures(id: string): Promise<void> {
    for (const shard of await this.shardList(id)) {
      const file = await this.redis.hget(this.key(id, undefined, shard), 'failuresFile');
      if (!file) continue;
      const failures = await this.failuresFromFile(id, file, shard);
      for (const slice of slices(failures, DOCUMENTS_PER_CALL)) {
        await this.redis
          .multi()
          .hset(this.key(id, 'failures', shard), ...slice.flatMap((f) => [f.rel, JSON.stringify(f)]))
          .zadd(this.key(id, 'failure-order', shard), ...slice.flatMap((f) => [f.seq, f.rel]))
          .exec();
      }
      await this.redis.hdel(this.key(id, undefined, shard), 'failuresFile');
      await rm(file, { force: true });
    }
  }

  /** The bits of `seqs` in one of a shard's bitmaps, read DOCUMENTS_PER_CALL at a time. */
  private async bits(id: string, bitmap: 'completed' | 'failed', seqs: readonly number[], shard: number): Promise<boolean[]> {
    const out: boolean[] = [];
    for (const slice of slices(seqs, DOCUMENTS_PER_CALL)) {
      if (slice.length === 0) continue;
      const bits = (await this.redis.call('BITFIELD_RO', this.key(id, bitmap, shard), ...slice.flatMap((seq) => ['GET', 'u1', seq]))) as number[];
      out.push(...bits.map((b) => b === 1));
    }
    return out;
  }

  /** Which of `seqs` (numbers in queue shard `shard`) already have an outcome (completed or failed). */
  async finished(id: string, seqs: readonly number[], shard = 0): Promise<boolean[]> {
    const [completed, failed] = await Promise.all([this.bits(id, 'completed', seqs, shard), this.bits(id, 'failed', seqs, shard)]);
    return seqs.map((_, i) => completed[i]! || failed[i]!);
  }

  /**
   * The lease that says a producer is walking this batch, under the producer's random
   * token: `take` succeeds only when nobody holds it, `renew` only for its holder.
   * Returns whether the caller holds it.
   */
  async producerLease(id: string, token: string, mode: 'take' | 'renew' | 'release', ms = 0): Promise<boolean> {
    return (await this.script('vnpipeProducerLease', this.key(id, 'producer'), token, ms, mode)) === 1;
  }

  /** Before a resumed walk counts the folder again. */
  async resetWalkCounts(id: string): Promise<void> {
    await this.redis.hset(this.key(id), 'found', 0, 'skipped', 0);
  }

  async requestCancel(id: string): Promise<void> {
    await this.redis.hset(this.key(id), 'cancelRequested', '1');
  }

  async get(id: string): Promise<BatchRecord | null> {
    // The fields a record shows, not the whole hash: it also holds the batch's config and
    // learned profile (kilobytes to megabytes), and producers, workers and `status` poll this.
    const [values, lease] = await Promise.all([this.redis.hmget(this.key(id), ...RECORD_FIELDS), this.redis.exists(this.key(id, 'producer'))]);
    const h: Partial<Record<(typeof RECORD_FIELDS)[number], string>> = {};
    RECORD_FIELDS.forEach((f, i) => {
      if (values[i] !== null) h[f] = values[i]!;
    });
    if (!h.id) return null;
    const shards = Number(h.shards ?? 1);
    // The documents' counts are the sums of the shards'; the batch has finished when every shard has.
    const SUMMED = ['queued', 'completed', 'failed', 'cancelled', 'bytes'] as const;
    const sums = new Map<string, number>(SUMMED.map((k) => [k, Number(h[k] ?? 0)]));
    let finishedAt: number | null = h.finishedAt ? Number(h.finishedAt) : null;
    let walked = h.walked === '1';
    for (let shard = 1; shard < shards; shard++) {
      const v = await this.redis.hmget(this.key(id, undefined, shard), ...SUMMED, 'finishedAt', 'walked');
      SUMMED.forEach((k, i) => sums.set(k, sums.get(k)! + Number(v[i] ?? 0)));
      const at = v[SUMMED.length];
      finishedAt = at && finishedAt !== null ? Math.max(finishedAt, Number(at)) : null;
      walked &&= v[SUMMED.length + 1] === '1';
    }
    const n = (k: (typeof RECORD_FIELDS)[number]) => sums.get(k) ?? Number(h[k] ?? 0);
    return {
      id: h.id,
      root: h.root ?? '',
      out: h.out ?? '',
      followLinks: h.followLinks === '1',
      createdAt: n('createdAt'),
      found: n('found'),
      queued: n('queued'),
      skipped: n('skipped'),
      completed: n('completed'),
      failed: n('failed'),
      cancelled: n('cancelled'),
      bytes: n('bytes'),
      walked,
      cancelRequested: h.cancelRequested === '1',
      producerAlive: lease === 1,
      finishedAt,
      countQueued: n('countQueued'),
      counted: n('counted'),
      // A batch queued before learning was a setting: it learned when it counted.
      learn: h.learn !== undefined ? h.learn === '1' : n('countQueued') > 0,
      profile: h.profileLines !== undefined ? { learned: h.profileLearned === '1', lines: Number(h.profileLines), sources: Number(h.profileSources ?? 0) } : null,
      shards,
    };
  }

  /**
   * The counting pass has given out numbers up to `total` (never lowered: a resumed pass
   * numbers the same files the same way, and a count job of the first pass may still run).
   * Only the batch's producer, holding its lease, calls it.
   */
  async raiseCountQueued(id: string, total: number): Promise<void> {
    const current = Number((await this.redis.hget(this.key(id), 'countQueued')) ?? 0);
    if (total > current) await this.redis.hset(this.key(id), 'countQueued', total);
  }

  /**
   * A count job's documents into the batch's counts, each document exactly once: in
   * calls of whole documents and at most LINES_PER_COUNT_CALL lines, each marking its own
   * documents counted, so that a retry after a later call failed counts only the rest,
   * and no call holds Redis for long. Within a call the lines are summed here first, so
   * Redis gets one total per line and source, not one per document. A document counted
   * already (an earlier attempt, a resumed pass) is left out and the rest sent again.
   */
  async recordCounted(id: string, docs: readonly { seq: number; lines: DocumentLines }[], settings: CountSettings): Promise<void> {
    let call: { seq: number; lines: DocumentLines }[] = [];
    let lines = 0;
    for (const doc of docs) {
      if (call.length > 0 && lines + doc.lines.lines.length > LINES_PER_COUNT_CALL) {
        await this.recordCountCall(id, call, settings);
        call = [];
        lines = 0;
      }
      call.push(doc);
      lines += doc.lines.lines.length;
    }
    if (call.length > 0) await this.recordCountCall(id, call, settings);
  }

  private async recordCountCall(id: string, docs: readonly { seq: number; lines: DocumentLines }[], settings: CountSettings): Promise<void> {
    const learn = (part: string) => this.key(id, `learn:${part}`);
    // A copy (in this call, or counted already) is sent as a document of no lines: counted, adding nothing.
    const asCopy = (d: { seq: number }) => ({ seq: d.seq, lines: { source: '', lines: [] }, fingerprint: '' });
    const seen = new Set<string>();
    let todo = docs.map((d) => {
      const fp = documentFingerprint(d.lines);
      const fingerprint = fp === null ? '' : `${d.lines.source}\t${fp}`;
      if (fingerprint !== '' && seen.has(fingerprint)) return asCopy(d);
      seen.add(fingerprint);
      return { ...d, fingerprint };
    });
    while (todo.length > 0) {
      const sources = new Map<string, { documents: number; lines: Map<string, { documents: number; rank: number; text: string }> }>();
      for (const { lines: doc } of todo) {
        let source = sources.get(doc.source);
        if (!source) sources.set(doc.source, (source = { documents: 0, lines: new Map() }));
        source.documents++;
        for (const { key, rank, text } of doc.lines) {
          const line = source.lines.get(key);
          if (!line) source.lines.set(key, { documents: 1, rank, text });
          else {
            line.documents++;
            if (rank < line.rank) Object.assign(line, { rank, text });
          }
        }
      }
      const keys = [this.key(id), this.key(id, 'counted'), learn('documents'), learn('copies')];
      for (const s of sources.keys()) keys.push(learn(`n:${s}`), learn(`t:${s}`));
      const args: (string | number)[] = [settings.maxLinesPerSource, countFloor(settings), todo.length];
      for (const d of todo) args.push(d.seq);
      for (const d of todo) args.push(d.fingerprint);
      for (const [source, { documents, lines }] of sources) {
        args.push(source, documents, lines.size);
        // A shape key's text is kept from its first sight (its lines differ); a line's once it repeats.
        for (const [key, line] of lines) args.push(key, line.documents, line.rank, line.text, key === lineKey(line.text) ? 0 : 1);
      }
      const answer = (await this.script('vnpipeRecordCounts', keys.length, keys, args)) as string[];
      if (answer.length === 0) break;
      const copies = new Set(answer.filter((a) => a.startsWith('copy:')).map((a) => Number(a.slice(5))));
      const refused = new Set(answer.filter((a) => !a.startsWith('copy:')).map(Number));
      const next = todo.filter((d) => !refused.has(d.seq)).map((d) => (copies.has(d.seq) ? asCopy(d) : d));
      todo = next.length < todo.length || copies.size > 0 ? next : [];
    }
  }

  /** The counts of every source, with the lines seen in at least `minDocuments` documents. */
  async sourceCounts(id: string, minDocuments: number): Promise<SourceCounts[]> {
    const learn = (part: string) => this.key(id, `learn:${part}`);
    const documents = await this.redis.hgetall(learn('documents'));
    const result: SourceCounts[] = [];
    for (const [source, docs] of Object.entries(documents)) {
      const lines: SourceCounts['lines'] = [];
      let cursor = '0';
      do {
        const [next, flat] = await this.redis.hscan(learn(`n:${source}`), cursor, 'COUNT', 5000);
        cursor = next;
        const frequent: string[] = [];
        const counts: number[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) {
          if (Number(flat[i + 1]) >= minDocuments) {
            frequent.push(flat[i]!);
            counts.push(Number(flat[i + 1]));
          }
        }
        if (frequent.length > 0) {
          const texts = await this.redis.hmget(learn(`t:${source}`), ...frequent);
          frequent.forEach((key, j) => lines.push({ key, text: (texts[j] ?? '').replace(/^\d+\t/, ''), documents: counts[j]! }));
        }
      } while (cursor !== '0');
      result.push({ source, documents: Number(docs), lines });
    }
    return result;
  }

  /** Stores the batch's profile (`learned` by its counting pass, or given) and frees the counts it was built from. */
  async setProfile(id: string, profile: Profile, learned: boolean): Promise<void> {
    const learn = (part: string) => this.key(id, `learn:${part}`);
    const sources = await this.redis.hkeys(learn('documents'));
    const entries = Object.values(profile.sources);
    await this.redis
      .multi()
      .hset(this.key(id), {
        profile: JSON.stringify(profile),
        profileLearned: learned ? 1 : 0,
        profileLines: entries.reduce((n, s) => n + s.lines.length, 0),
        profileSources: entries.length,
      })
      .unlink(this.key(id, 'counted'), learn('copies'))
      .exec();
    // Two keys per source, and a batch of WET files counts tens of thousands of hosts: in
    // slices, the sources' list last so that an interrupted call leaves it to free them.
    for (const slice of slices(sources, KEYS_PER_CALL / 2)) await this.redis.unlink(slice.flatMap((s) => [learn(`n:${s}`), learn(`t:${s}`)]));
    await this.redis.unlink(learn('documents'));
  }

  async profile(id: string): Promise<Profile | null> {
    const raw = await this.redis.hget(this.key(id), 'profile');
    return raw ? (JSON.parse(raw) as Profile) : null;
  }

  /** Documents finished (completed or failed) per second over the last minute. */
  async recentRate(id: string, now = Date.now()): Promise<number> {
    const slots: string[] = [];
    for (const shard of await this.shardList(id)) slots.push(...(await this.redis.hvals(this.key(id, 'rate', shard))));
    const current = Math.floor(now / RATE_BUCKET_MS);
    let count = 0;
    for (const slot of slots) {
      const [bucket, n] = slot.split(':').map(Number);
      if (bucket! > current - RATE_BUCKETS) count += n!;
    }
    return count / ((RATE_BUCKETS * RATE_BUCKET_MS) / 1000);
  }

  async config(id: string): Promise<object | null> {
    const raw = await this.redis.hget(this.key(id), 'config');
    return raw ? (JSON.parse(raw) as object) : null;
  }

  /** The newest batches first. */
  async list(limit: number): Promise<BatchRecord[]> {
    const ids = await this.redis.zrevrange(`${this.prefix}:batches`, 0, limit - 1);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((r): r is BatchRecord => r !== null);
  }

  async failure(id: string, rel: string): Promise<BatchFailure | null> {
    for (const shard of await this.shardList(id)) {
      const file = await this.redis.hget(this.key(id, undefined, shard), 'failuresFile');
      const found = file
        ? (await this.failuresFromFile(id, file, shard)).find((f) => f.rel === rel)
        : await this.redis.hget(this.key(id, 'failures', shard), rel).then((raw) => (raw ? (JSON.parse(raw) as BatchFailure) : undefined));
      if (found) return (await this.shardsOf(id)) > 1 ? { ...found, shard } : found;
    }
    return null;
  }

  /**
   * The first `limit` failures (all with Infinity), shard by shard, each in document
   * order (the failure-order set keeps them sorted). With several shards each carries
   * its `shard`, whose number `seq` is.
   */
  async failures(id: string, limit: number): Promise<BatchFailure[]> {
    const failures: BatchFailure[] = [];
    const shards = await this.shardList(id);
    for (const shard of shards) {
      if (failures.length >= limit) break;
      const found = await this.shardFailures(id, shard, limit - failures.length);
      failures.push(...(shards.length > 1 ? found.map((f) => ({ ...f, shard })) : found));
    }
    return failures;
  }

  private async shardFailures(id: string, shard: number, limit: number): Promise<BatchFailure[]> {
    const file = await this.redis.hget(this.key(id, undefined, shard), 'failuresFile');
    if (file) return (await this.failuresFromFile(id, file, shard)).slice(0, Number.isFinite(limit) ? limit : undefined);
    const keys = await this.redis.zrange(this.key(id, 'failure-order', shard), 0, Number.isFinite(limit) ? limit - 1 : -1);
    const failures: BatchFailure[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      const raws = await this.redis.hmget(this.key(id, 'failures', shard), ...keys.slice(i, i + 1000));
      for (const raw of raws) if (raw) failures.push(JSON.parse(raw) as BatchFailure);
    }
    return failures;
  }
}
