import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { FailureReason } from '../errors.js';

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
  /** Input bytes of the completed documents. */
  bytes: number;
  /** The walk has ended: `queued` is final. */
  walked: boolean;
  finishedAt: number | null;
}

export interface BatchFailure {
  seq: number;
  rel: string;
  reason: FailureReason | 'failed';
  message: string;
  at: number;
}

// Counters move only when a document's bit flips, so a job that runs twice (BullMQ
// delivers at least once) is counted once. KEYS: batch, completed, failed, failures.
const FINISH = `
local v = redis.call('HMGET', KEYS[1], 'walked', 'queued', 'completed', 'failed')
if v[1] == '1' and tonumber(v[3] or '0') + tonumber(v[4] or '0') >= tonumber(v[2] or '0') then
  redis.call('HSETNX', KEYS[1], 'finishedAt', ARGV[2])
end`;

const RECORD_COMPLETED = `
if redis.call('SETBIT', KEYS[2], ARGV[1], 1) == 0 then
  redis.call('HINCRBY', KEYS[1], 'completed', 1)
  redis.call('HINCRBY', KEYS[1], 'bytes', ARGV[3])
end
if redis.call('SETBIT', KEYS[3], ARGV[1], 0) == 1 then
  redis.call('HINCRBY', KEYS[1], 'failed', -1)
  redis.call('HDEL', KEYS[4], ARGV[1])
end
${FINISH}
return 1`;

const RECORD_FAILED = `
if redis.call('GETBIT', KEYS[2], ARGV[1]) == 1 then return 0 end
if redis.call('SETBIT', KEYS[3], ARGV[1], 1) == 0 then
  redis.call('HINCRBY', KEYS[1], 'failed', 1)
end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
${FINISH}
return 1`;

const MARK_WALKED = `
redis.call('HSET', KEYS[1], 'walked', '1')
${FINISH}
return 1`;

export class BatchStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string, part?: string): string {
    return part ? `${this.prefix}:batch:${id}:${part}` : `${this.prefix}:batch:${id}`;
  }

  private keys(id: string): string[] {
    return [this.key(id), this.key(id, 'completed'), this.key(id, 'failed'), this.key(id, 'failures')];
  }

  /** A new batch; `config` is the merged config JSON every worker will use for it. */
  async create(root: string, out: string, config: object, now = Date.now()): Promise<string> {
    const id = `${new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    await this.redis
      .multi()
      .hset(this.key(id), {
        id, root, out, createdAt: now, found: 0, queued: 0, skipped: 0, completed: 0, failed: 0, bytes: 0, walked: 0,
        config: JSON.stringify(config),
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
    await this.redis.eval(MARK_WALKED, 4, ...this.keys(id), 0, now);
  }

  async recordCompleted(id: string, seq: number, bytes: number, now = Date.now()): Promise<void> {
    await this.redis.eval(RECORD_COMPLETED, 4, ...this.keys(id), seq, now, bytes);
  }

  async recordFailed(id: string, failure: Omit<BatchFailure, 'at'>, now = Date.now()): Promise<void> {
    const entry = JSON.stringify({ rel: failure.rel, reason: failure.reason, message: failure.message, at: now });
    await this.redis.eval(RECORD_FAILED, 4, ...this.keys(id), failure.seq, now, entry);
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
      bytes: n('bytes'),
      walked: h.walked === '1',
      finishedAt: h.finishedAt ? Number(h.finishedAt) : null,
    };
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

  async failures(id: string, limit: number): Promise<BatchFailure[]> {
    const failures: BatchFailure[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.key(id, 'failures'), cursor, 'COUNT', 500);
      cursor = next;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        failures.push({ seq: Number(flat[i]), ...(JSON.parse(flat[i + 1]!) as Omit<BatchFailure, 'seq'>) });
      }
    } while (cursor !== '0' && failures.length < limit);
    return failures.sort((a, b) => a.seq - b.seq).slice(0, limit);
  }
}
