import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { FailureReason } from '../errors.js';
import type { DocumentLines, Profile, SourceCounts } from '../text/learned.js';

/** One enqueue run: where it read, where it writes, its rules, and exact counts. */
export interface BatchRecord {
  id: string;
  root: string;
  out: string;
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
  finishedAt: number | null;
  /** The learning pass (`--learn`): documents queued to count, and counted. */
  countQueued: number;
  counted: number;
}

/** A failed document: enough to show it and to queue it again. */
export interface BatchFailure {
  seq: number;
  rel: string;
  path: string;
  out: string;
  jobId: string;
  reason: FailureReason | 'failed';
  message: string;
  at: number;
}

/** Seconds per bucket and buckets kept for the recent rate: a one-minute window. */
const RATE_BUCKET_MS = 5000;
const RATE_BUCKETS = 12;

// Counters move only when a document's bit flips, so a job that runs twice (BullMQ
// delivers at least once) is counted once.
// KEYS: batch, completed bitmap, failed bitmap, failures hash, rate hash.
// ARGV: seq, now, ...
const FINISH = `
local v = redis.call('HMGET', KEYS[1], 'walked', 'queued', 'completed', 'failed', 'cancelled')
if v[1] == '1' and tonumber(v[3] or '0') + tonumber(v[4] or '0') + tonumber(v[5] or '0') >= tonumber(v[2] or '0') then
  redis.call('HSETNX', KEYS[1], 'finishedAt', ARGV[2])
end`;

// A ring of RATE_BUCKETS slots, each "bucket:count", so the rate hash stays tiny.
const COUNT_RATE = `
local bucket = math.floor(tonumber(ARGV[2]) / ${RATE_BUCKET_MS})
local slot = bucket % ${RATE_BUCKETS + 1}
local cur = redis.call('HGET', KEYS[5], slot)
local n = 1
if cur then
  local b, c = string.match(cur, '(%d+):(%d+)')
  if tonumber(b) == bucket then n = tonumber(c) + 1 end
end
redis.call('HSET', KEYS[5], slot, bucket .. ':' .. n)`;

const RECORD_COMPLETED = `
if redis.call('SETBIT', KEYS[2], ARGV[1], 1) == 0 then
  redis.call('HINCRBY', KEYS[1], 'completed', 1)
  redis.call('HINCRBY', KEYS[1], 'bytes', ARGV[3])
  ${COUNT_RATE}
end
if redis.call('SETBIT', KEYS[3], ARGV[1], 0) == 1 then
  redis.call('HINCRBY', KEYS[1], 'failed', -1)
  redis.call('HDEL', KEYS[4], ARGV[4])
end
${FINISH}
return 1`;

const RECORD_FAILED = `
if redis.call('GETBIT', KEYS[2], ARGV[1]) == 1 then return 0 end
if redis.call('SETBIT', KEYS[3], ARGV[1], 1) == 0 then
  redis.call('HINCRBY', KEYS[1], 'failed', 1)
  ${COUNT_RATE}
end
redis.call('HSET', KEYS[4], ARGV[4], ARGV[3])
${FINISH}
return 1`;

// Before a failed document runs again: it is neither failed nor finished.
const REOPEN = `
if redis.call('SETBIT', KEYS[3], ARGV[1], 0) == 1 then
  redis.call('HINCRBY', KEYS[1], 'failed', -1)
end
redis.call('HDEL', KEYS[4], ARGV[3])
redis.call('HDEL', KEYS[1], 'finishedAt')
return 1`;

const ADD_CANCELLED = `
redis.call('HINCRBY', KEYS[1], 'cancelled', ARGV[3])
${FINISH}
return 1`;

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
    return ['', 'completed', 'failed', 'failures', 'rate'].map((part) => this.key(id, part || undefined));
  }

  private run(script: string, id: string, ...args: (string | number)[]): Promise<unknown> {
    return this.script(script, 5, ...this.keys(id), ...args);
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
  async create(root: string, out: string, config: object, now = Date.now()): Promise<string> {
    const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const id = `${stamp}-${randomBytes(3).toString('hex')}`;
    await this.redis
      .multi()
      .hset(this.key(id), {
        id, root, out, createdAt: now, found: 0, queued: 0, skipped: 0, completed: 0, failed: 0, cancelled: 0, bytes: 0,
        walked: 0, config: JSON.stringify(config),
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
    await this.run(MARK_WALKED, id, 0, now);
  }

  async recordCompleted(id: string, seq: number, rel: string, bytes: number, now = Date.now()): Promise<void> {
    await this.run(RECORD_COMPLETED, id, seq, now, bytes, rel);
  }

  async recordFailed(id: string, failure: Omit<BatchFailure, 'at'>, now = Date.now()): Promise<void> {
    await this.run(RECORD_FAILED, id, failure.seq, now, JSON.stringify({ ...failure, at: now }), failure.rel);
  }

  /** Clears a failure before the document is queued again (`vnpipe retry`). */
  async reopen(id: string, seq: number, rel: string): Promise<void> {
    await this.run(REOPEN, id, seq, 0, rel);
  }

  async addCancelled(id: string, count: number, now = Date.now()): Promise<void> {
    await this.run(ADD_CANCELLED, id, 0, now, count);
  }

  async requestCancel(id: string): Promise<void> {
    await this.redis.hset(this.key(id), 'cancelRequested', '1');
  }

  async get(id: string): Promise<BatchRecord | null> {
    const h = await this.redis.hgetall(this.key(id));
    if (!h.id) return null;
    const n = (k: string) => Number(h[k] ?? 0);
    return {
      id: h.id,
      root: h.root ?? '',
      out: h.out ?? '',
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
  async failures(id: string, limit: number): Promise<BatchFailure[]> {
    const failures: BatchFailure[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.key(id, 'failures'), cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 1; i < flat.length; i += 2) failures.push(JSON.parse(flat[i]!) as BatchFailure);
    } while (cursor !== '0' && failures.length < limit);
    return failures.sort((a, b) => a.seq - b.seq).slice(0, limit);
  }
}
