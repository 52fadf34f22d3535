import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { FailureReason } from '../errors.js';
import type { DocumentLines, Profile, SourceCounts } from '../text/learned.js';

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
  /** Files that became jobs (found minus skipped). */
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
  /** The learning pass (`--learn`): documents queued to count, and counted. */
  countQueued: number;
  counted: number;
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
}

export interface CompletedDocument {
  seq: number;
  rel: string;
  /** The document's id in the queued-documents hash; empty when it has none. */
  id: string;
  bytes: number;
}

export type FailedDocument = Omit<BatchFailure, 'at'> & { id: string };

/** Seconds per bucket and buckets kept for the recent rate: a one-minute window. */
const RATE_BUCKET_MS = 5000;
const RATE_BUCKETS = 12;

// Counters move only when a document's bit flips, so a document that runs twice
// (BullMQ delivers at least once) is counted once. A finished document also leaves
// the queued-documents hash, so enqueue may queue it again.
// KEYS: batch, completed bitmap, failed bitmap, failures hash, rate hash, queued-documents hash,
// cancelled bitmap, failure order (a sorted set of keys by document number).
const FINISH = `
local v = redis.call('HMGET', KEYS[1], 'walked', 'queued', 'completed', 'failed', 'cancelled')
if v[1] == '1' and tonumber(v[3] or '0') + tonumber(v[4] or '0') + tonumber(v[5] or '0') >= tonumber(v[2] or '0') then
  redis.call('HSETNX', KEYS[1], 'finishedAt', ARGV[1])
end`;

// A ring of RATE_BUCKETS slots, each "bucket:count", so the rate hash stays tiny.
// Adds \`finished\` documents at time ARGV[1].
const COUNT_RATE = `
if finished > 0 then
  local bucket = math.floor(tonumber(ARGV[1]) / ${RATE_BUCKET_MS})
  local slot = bucket % ${RATE_BUCKETS + 1}
  local cur = redis.call('HGET', KEYS[5], slot)
  local n = finished
  if cur then
    local b, c = string.match(cur, '(%d+):(%d+)')
    if tonumber(b) == bucket then n = tonumber(c) + finished end
  end
  redis.call('HSET', KEYS[5], slot, bucket .. ':' .. n)
end`;

// A document with an outcome leaves the queued-documents hash, if its entry is still
// this job's (a retry may have given it a newer job), and is no longer cancelled (a
// copy of its job may have been cancelled while this one ran).
const OUTCOME_HELPERS = `
local function forget(id, job)
  if id ~= '' and string.match(redis.call('HGET', KEYS[6], id) or '', '^[^\t]*') == job then redis.call('HDEL', KEYS[6], id) end
end
local function uncancel(seq)
  if redis.call('SETBIT', KEYS[7], seq, 0) == 0 then return 0 end
  redis.call('HINCRBY', KEYS[1], 'cancelled', -1)
  return 1
end`;

// ARGV: now, job id, then seq, bytes, rel, id for each document.
const RECORD_COMPLETED = `
${OUTCOME_HELPERS}
local finished = 0
for i = 3, #ARGV, 4 do
  local seq = ARGV[i]
  if redis.call('SETBIT', KEYS[2], seq, 1) == 0 then
    redis.call('HINCRBY', KEYS[1], 'completed', 1)
    redis.call('HINCRBY', KEYS[1], 'bytes', ARGV[i + 1])
    finished = finished + 1
  end
  if redis.call('SETBIT', KEYS[3], seq, 0) == 1 then
    redis.call('HINCRBY', KEYS[1], 'failed', -1)
  end
  uncancel(seq)
  redis.call('HDEL', KEYS[4], ARGV[i + 2])
  redis.call('ZREM', KEYS[8], ARGV[i + 2])
  forget(ARGV[i + 3], ARGV[2])
end
${COUNT_RATE}
${FINISH}
return finished`;

// ARGV: now, only-if-unrecorded flag, then seq, rel, id, job id, failure JSON for each document.
const RECORD_FAILED = `
${OUTCOME_HELPERS}
local finished = 0
for i = 3, #ARGV, 5 do
  local seq = ARGV[i]
  forget(ARGV[i + 2], ARGV[i + 3])
  if redis.call('GETBIT', KEYS[2], seq) == 0 and (ARGV[2] == '0' or redis.call('GETBIT', KEYS[3], seq) == 0) then
    if redis.call('SETBIT', KEYS[3], seq, 1) == 0 then
      redis.call('HINCRBY', KEYS[1], 'failed', 1)
      finished = finished + 1
    end
    uncancel(seq)
    redis.call('HSET', KEYS[4], ARGV[i + 1], ARGV[i + 4])
    redis.call('ZADD', KEYS[8], seq, ARGV[i + 1])
  end
end
${COUNT_RATE}
${FINISH}
return finished`;

// Before failed (or cancelled) documents run again (vnpipe retry): they have no
// outcome, so the batch is not finished. Their failure records stay until a new
// outcome replaces them, so a retry that was cut off before its jobs were added can be
// run again. ARGV: now, then the seqs.
const REOPEN = `
${OUTCOME_HELPERS}
local reopened = 0
for i = 2, #ARGV do
  local failed = redis.call('SETBIT', KEYS[3], ARGV[i], 0)
  if failed == 1 then redis.call('HINCRBY', KEYS[1], 'failed', -1) end
  -- A document is failed or cancelled, never both.
  reopened = reopened + failed + uncancel(ARGV[i])
end
if reopened > 0 then redis.call('HDEL', KEYS[1], 'finishedAt') end
return reopened`;

// Documents of a removed waiting job: those with no outcome yet (an earlier attempt may
// have finished some) count as cancelled, once (the cancelled bitmap).
// ARGV: now, job id, then seq, id for each document.
const ADD_CANCELLED = `
${OUTCOME_HELPERS}
local cancelled = 0
for i = 3, #ARGV, 2 do
  forget(ARGV[i + 1], ARGV[2])
  if redis.call('GETBIT', KEYS[2], ARGV[i]) == 0 and redis.call('GETBIT', KEYS[3], ARGV[i]) == 0
    and redis.call('SETBIT', KEYS[7], ARGV[i], 1) == 0 then
    cancelled = cancelled + 1
  end
end
redis.call('HINCRBY', KEYS[1], 'cancelled', cancelled)
${FINISH}
return cancelled`;

// Queued-documents entries whose job is no longer pending; an entry a newer job took over stays.
// An entry is "<job id>\t<ms when claimed>". KEYS: queued-documents hash. ARGV: id, job id for each entry.
const FORGET_QUEUED = `
for i = 1, #ARGV, 2 do
  if string.match(redis.call('HGET', KEYS[1], ARGV[i]) or '', '^[^\t]*') == ARGV[i + 1] then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 1`;

// Claims documents for jobs, each only if no other job holds it: two producers walking
// one folder at once queue each document once. KEYS: queued-documents hash.
// ARGV: now, then id, job id for each document. Returns 1 per document claimed, else 0.
const CLAIM_QUEUED = `
local claimed = {}
for i = 2, #ARGV, 2 do
  claimed[#claimed + 1] = redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1] .. '\t' .. ARGV[1])
end
return claimed`;

// One document's lines into its source's counts, once per document (the bitmap).
// KEYS: batch, counted bitmap, per-source documents hash, source counts hash, source texts hash.
// ARGV: seq, source, cap, then key, rank, text for each line.
const RECORD_COUNTED = `
if redis.call('SETBIT', KEYS[2], ARGV[1], 1) == 1 then return 0 end
redis.call('HINCRBY', KEYS[1], 'counted', 1)
if ARGV[2] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[2], 1) end
local size = redis.call('HLEN', KEYS[4])
local cap = tonumber(ARGV[3])
for i = 4, #ARGV, 3 do
  local key, rank, text = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  if redis.call('HEXISTS', KEYS[4], key) == 1 then
    redis.call('HINCRBY', KEYS[4], key, 1)
    local old = redis.call('HGET', KEYS[5], key)
    if rank < tonumber(string.match(old, '^(%d+)')) then redis.call('HSET', KEYS[5], key, ARGV[i + 1] .. '\t' .. text) end
  elseif size < cap then
    redis.call('HSET', KEYS[4], key, 1)
    redis.call('HSET', KEYS[5], key, ARGV[i + 1] .. '\t' .. text)
    size = size + 1
  end
end
return 1`;

const MARK_WALKED = `
redis.call('HSET', KEYS[1], 'walked', '1')
${FINISH}
return 1`;

const SCRIPT_SHAS = new Map<string, string>();

export class BatchStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string, part?: string): string {
    return part ? `${this.prefix}:batch:${id}:${part}` : `${this.prefix}:batch:${id}`;
  }

  private keys(id: string): string[] {
    const parts = ['', 'completed', 'failed', 'failures', 'rate'].map((part) => this.key(id, part || undefined));
    return [...parts, this.queuedKey(), this.key(id, 'cancelled'), this.key(id, 'failure-order')];
  }

  /** Documents waiting or running, by id, with their job: what enqueue and `status --doc` look up. */
  private queuedKey(): string {
    return `${this.prefix}:queued-documents`;
  }

  /**
   * Documents about to be queued, with the jobs that will carry them, each claimed only
   * if no job holds it yet. Returns, per job and document, whether it was claimed.
   */
  async claimQueued(jobs: readonly { data: { docs: readonly { id: string }[] }; opts: { jobId: string } }[], now = Date.now()): Promise<boolean[][]> {
    const args = jobs.flatMap((job) => job.data.docs.flatMap((d) => [d.id, job.opts.jobId]));
    const flags = args.length === 0 ? [] : ((await this.script(CLAIM_QUEUED, 1, this.queuedKey(), now, ...args)) as number[]);
    let i = 0;
    return jobs.map((job) => job.data.docs.map(() => flags[i++] === 1));
  }

  /** Drops entries whose job is no longer pending, unless a newer job has taken them over. */
  async forgetQueued(entries: readonly { id: string; jobId: string }[]): Promise<void> {
    if (entries.length > 0) await this.script(FORGET_QUEUED, 1, this.queuedKey(), ...entries.flatMap((e) => [e.id, e.jobId]));
  }

  /** The job each document id is queued in and when it was claimed, or null. */
  async queuedJobs(ids: readonly string[]): Promise<({ jobId: string; claimedAt: number } | null)[]> {
    if (ids.length === 0) return [];
    return (await this.redis.hmget(this.queuedKey(), ...ids)).map((v) => {
      if (v === null) return null;
      const tab = v.indexOf('\t');
      return tab === -1 ? { jobId: v, claimedAt: 0 } : { jobId: v.slice(0, tab), claimedAt: Number(v.slice(tab + 1)) };
    });
  }

  private run(script: string, id: string, ...args: (string | number)[]): Promise<unknown> {
    return this.script(script, 8, ...this.keys(id), ...args);
  }

  /** EVALSHA, loading the script on a NOSCRIPT answer: Redis then skips hashing the body every call. */
  private async script(body: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    let sha = SCRIPT_SHAS.get(body);
    if (!sha) {
      sha = createHash('sha1').update(body).digest('hex');
      SCRIPT_SHAS.set(body, sha);
    }
    try {
      return await this.redis.evalsha(sha, numKeys, ...args);
    } catch (err) {
      if (!(err as Error).message.startsWith('NOSCRIPT')) throw err;
      return this.redis.eval(body, numKeys, ...args);
    }
  }

  /** A new batch; `config` is the merged config JSON every worker will use for it. */
  async create(root: string, out: string, config: object, options: { followLinks: boolean }, now = Date.now()): Promise<string> {
    const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    let id: string;
    // 48 random bits, and a batch never takes over another's record however many start at once.
    do id = `${stamp}-${randomBytes(6).toString('hex')}`;
    while ((await this.redis.hsetnx(this.key(id), 'id', id)) === 0);
    await this.redis
      .multi()
      .hset(this.key(id), {
        id, root, out, followLinks: options.followLinks ? 1 : 0, createdAt: now, found: 0, queued: 0, skipped: 0, completed: 0,
        failed: 0, cancelled: 0, bytes: 0, walked: 0, config: JSON.stringify(config),
      })
      .zadd(`${this.prefix}:batches`, now, id)
      .exec();
    return id;
  }

  async addCounts(id: string, counts: { found: number; queued: number; skipped: number }): Promise<void> {
    await this.redis
      .multi()
      .hincrby(this.key(id), 'found', counts.found)
      .hincrby(this.key(id), 'queued', counts.queued)
      .hincrby(this.key(id), 'skipped', counts.skipped)
      .exec();
  }

  async markWalked(id: string, now = Date.now()): Promise<void> {
    await this.run(MARK_WALKED, id, now);
  }

  /** Documents of batch `id` cleaned and written by job `jobId`; returns how many were new. */
  async recordCompleted(id: string, jobId: string, docs: readonly CompletedDocument[], now = Date.now()): Promise<number> {
    if (docs.length === 0) return 0;
    return (await this.run(RECORD_COMPLETED, id, now, jobId, ...docs.flatMap((d) => [d.seq, d.bytes, d.rel, d.id]))) as number;
  }

  /**
   * Documents of batch `id` that failed; returns how many were new. With `onlyUnrecorded`,
   * documents that already have an outcome keep it: a job lost with its worker fails
   * only the documents it had not finished.
   */
  async recordFailed(id: string, failures: readonly FailedDocument[], now = Date.now(), onlyUnrecorded = false): Promise<number> {
    if (failures.length === 0) return 0;
    const args = failures.flatMap(({ id: docId, ...failure }) => [failure.seq, failure.rel, docId, failure.jobId, JSON.stringify({ ...failure, at: now })]);
    return (await this.run(RECORD_FAILED, id, now, onlyUnrecorded ? 1 : 0, ...args)) as number;
  }

  /** Failed documents about to run again (`vnpipe retry`): no outcome, so the batch is not finished. */
  async reopen(id: string, seqs: readonly number[]): Promise<void> {
    if (seqs.length > 0) await this.run(REOPEN, id, 0, ...seqs);
  }

  /** Documents of a waiting job that `vnpipe cancel` removed; returns how many had no outcome yet. */
  async addCancelled(id: string, jobId: string, docs: readonly { seq: number; id: string }[], now = Date.now()): Promise<number> {
    return (await this.run(ADD_CANCELLED, id, now, jobId, ...docs.flatMap((d) => [d.seq, d.id]))) as number;
  }

  /** Which of `seqs` already have an outcome (completed or failed). */
  async finished(id: string, seqs: readonly number[]): Promise<boolean[]> {
    const pipeline = this.redis.pipeline();
    for (const seq of seqs) pipeline.getbit(this.key(id, 'completed'), seq).getbit(this.key(id, 'failed'), seq);
    const bits = ((await pipeline.exec()) ?? []).map(([err, bit]) => {
      if (err) throw err;
      return bit === 1;
    });
    return seqs.map((_, i) => bits[2 * i]! || bits[2 * i + 1]!);
  }

  /** Says for `ms` that a producer is walking this batch; renewed while it walks. */
  async holdProducerLease(id: string, ms = 15_000): Promise<void> {
    await this.redis.set(this.key(id, 'producer'), String(process.pid), 'PX', ms);
  }

  /** Before a resumed walk counts the folder again. */
  async resetWalkCounts(id: string): Promise<void> {
    await this.redis.hset(this.key(id), 'found', 0, 'skipped', 0);
  }

  async requestCancel(id: string): Promise<void> {
    await this.redis.hset(this.key(id), 'cancelRequested', '1');
  }

  async get(id: string): Promise<BatchRecord | null> {
    const [h, lease] = await Promise.all([this.redis.hgetall(this.key(id)), this.redis.exists(this.key(id, 'producer'))]);
    if (!h.id) return null;
    const n = (k: string) => Number(h[k] ?? 0);
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
      walked: h.walked === '1',
      cancelRequested: h.cancelRequested === '1',
      producerAlive: lease === 1,
      finishedAt: h.finishedAt ? Number(h.finishedAt) : null,
      countQueued: n('countQueued'),
      counted: n('counted'),
    };
  }

  async addCountQueued(id: string, count: number): Promise<void> {
    await this.redis.hincrby(this.key(id), 'countQueued', count);
  }

  /** One document's lines into the batch's counts, exactly once per document. */
  async recordCounted(id: string, seq: number, doc: DocumentLines, cap: number): Promise<void> {
    const args = doc.lines.flatMap((l) => [l.key, l.rank, l.text]);
    const learn = (part: string) => this.key(id, `learn:${part}`);
    await this.script(
      RECORD_COUNTED, 5, this.key(id), this.key(id, 'counted'), learn('documents'), learn(`n:${doc.source}`), learn(`t:${doc.source}`),
      seq, doc.source, cap, ...args,
    );
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

  /** Stores the batch's profile and frees the counts it was built from. */
  async setProfile(id: string, profile: Profile): Promise<void> {
    const learn = (part: string) => this.key(id, `learn:${part}`);
    const sources = await this.redis.hkeys(learn('documents'));
    await this.redis
      .multi()
      .hset(this.key(id), 'profile', JSON.stringify(profile))
      .del(learn('documents'), this.key(id, 'counted'), ...sources.flatMap((s) => [learn(`n:${s}`), learn(`t:${s}`)]))
      .exec();
  }

  async profile(id: string): Promise<Profile | null> {
    const raw = await this.redis.hget(this.key(id), 'profile');
    return raw ? (JSON.parse(raw) as Profile) : null;
  }

  /** Documents finished (completed or failed) per second over the last minute. */
  async recentRate(id: string, now = Date.now()): Promise<number> {
    const slots = await this.redis.hvals(this.key(id, 'rate'));
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
    const raw = await this.redis.hget(this.key(id, 'failures'), rel);
    return raw ? (JSON.parse(raw) as BatchFailure) : null;
  }

  /** Failures in input order, `limit` at most (all with Infinity). */
  /** The first `limit` failures in document order (the failure-order set keeps them sorted). */
  async failures(id: string, limit: number): Promise<BatchFailure[]> {
    const keys = await this.redis.zrange(this.key(id, 'failure-order'), 0, Number.isFinite(limit) ? limit - 1 : -1);
    const failures: BatchFailure[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      const raws = await this.redis.hmget(this.key(id, 'failures'), ...keys.slice(i, i + 1000));
      for (const raw of raws) if (raw) failures.push(JSON.parse(raw) as BatchFailure);
    }
    return failures;
  }
}
