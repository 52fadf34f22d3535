import { Queue, type ConnectionOptions, type Job, type JobType } from 'bullmq';
import { QUEUE_NAME } from './jobs.js';

/**
 * Queue shards. One Redis runs each script on one core, and a Redis Cluster runs a
 * multi-key script only when its keys share a slot: with every key under one
 * `{hash tag}`, a cluster adds failover but not throughput. With `queue.shards` N, a
 * batch's documents go to N queues by a stable hash of their key, and each queue and
 * its part of the batch's records (counters, bitmaps, claims, failures) live under
 * their own prefix: `{vnpipe}` for shard 0, `{vnpipe:1}` … `{vnpipe:N-1}` for the others,
 * so a cluster spreads them over its nodes. Shard 0 is the unsharded prefix itself: a
 * deployment of one shard keeps the keys it always had.
 */

/** Shards a deployment may have: more than a cluster has nodes buys nothing, and each one is a queue every worker polls. */
export const MAX_SHARDS = 64;

/** The key prefix of shard `shard`: the tag gains `:shard` inside its braces (`{vnpipe}` → `{vnpipe:2}`), or the prefix gains it at the end. */
export function shardPrefix(prefix: string, shard: number): string {
  if (shard === 0) return prefix;
  const close = prefix.indexOf('}', prefix.indexOf('{') + 1);
  return prefix.includes('{') && close > 0 ? `${prefix.slice(0, close)}:${shard}${prefix.slice(close)}` : `${prefix}:${shard}`;
}

/**
 * The shard of a document (or of a unit of records, which one job carries whole):
 * 32-bit FNV-1a of its key, so every producer, `retry` and `status` place it alike.
 */
export function shardOf(key: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/**
 * The documents queue of every shard, seen as one: counts summed, active jobs listed
 * together. `shards` is the deployment's number (what workers consume and counts
 * cover); `at` also opens a shard beyond it, for a batch queued with more.
 */
export class Queues {
  private readonly opened: Queue[] = [];

  constructor(
    private readonly connection: ConnectionOptions,
    readonly prefix: string,
    readonly shards = 1,
    first?: Queue,
  ) {
    if (first) this.opened[0] = first;
  }

  /** A caller's single BullMQ queue as a set of one shard. */
  static of(queue: Queue | Queues): Queues {
    return queue instanceof Queues ? queue : new Queues(queue.opts.connection, queue.opts.prefix ?? 'bull', 1, queue);
  }

  at(shard: number): Queue {
    let queue = this.opened[shard];
    if (!queue) {
      queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix: shardPrefix(this.prefix, shard) });
      queue.on('error', () => {}); // errors surface on the awaited calls
      this.opened[shard] = queue;
    }
    return queue;
  }

  /** The deployment's shards' queues, shard 0 first. */
  all(): Queue[] {
    return Array.from({ length: this.shards }, (_, i) => this.at(i));
  }

  async getJobCounts(...states: JobType[]): Promise<Record<string, number>> {
    const sum: Record<string, number> = {};
    for (const counts of await Promise.all(this.all().map((q) => q.getJobCounts(...states)))) {
      for (const [state, n] of Object.entries(counts)) sum[state] = (sum[state] ?? 0) + n;
    }
    return sum;
  }

  /** Active jobs of every shard, up to `end + 1` of each. */
  async getActive(start: number, end: number): Promise<Job[]> {
    return (await Promise.all(this.all().map((q) => q.getActive(start, end)))).flat();
  }

  /** Workers connected: each consumes every shard, so shard 0 lists them all. */
  getWorkers(): ReturnType<Queue['getWorkers']> {
    return this.at(0).getWorkers();
  }

  /** BullMQ's series for every shard, labelled `shard` when there are several, each family once. */
  async exportPrometheusMetrics(): Promise<string> {
    if (this.shards === 1) return this.at(0).exportPrometheusMetrics();
    const texts = await Promise.all(this.all().map((q, i) => q.exportPrometheusMetrics({ shard: String(i) })));
    const families = new Map<string, string[]>();
    for (const text of texts) {
      for (const line of text.split('\n')) {
        const name = /^(?:# (?:HELP|TYPE) )?(\w+)/.exec(line)?.[1] ?? '';
        if (!families.has(name)) families.set(name, []);
        const lines = families.get(name)!;
        if (!line.startsWith('#') || !lines.includes(line)) lines.push(line);
      }
    }
    return [...families.values()].flat().join('\n');
  }

  async close(): Promise<void> {
    await Promise.all(this.opened.filter(Boolean).map((q) => q.close()));
  }
}
