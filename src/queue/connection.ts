import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { UsageError } from '../errors.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** One Redis, or a Redis Cluster (ioredis' cluster client follows MOVED, ASK and TRYAGAIN through slot moves). */
export type RedisClient = Redis | Cluster;

/** Where vnpipe's Redis is, as users write it: REDIS_URL, or the cluster's nodes as a `redis+cluster://` URL. */
export function redisUrl(): string {
  const nodes = process.env.REDIS_CLUSTER_NODES;
  if (nodes && !process.env.REDIS_URL) return `redis+cluster://${nodes}`;
  return process.env.REDIS_URL || DEFAULT_REDIS_URL;
}

export interface ClusterTarget {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * The Redis Cluster to use, from REDIS_CLUSTER_NODES (`host:port,host:port`) or a
 * REDIS_URL of scheme `redis+cluster://` (`rediss+cluster://` for TLS, with
 * `user:password@` as usual) naming one or more of its nodes; null for one Redis.
 */
export function clusterTarget(url = redisUrl()): ClusterTarget | null {
  // Everything up to the last @ is the user and password (a password may hold @, / or :).
  const m = /^(rediss?)\+cluster:\/\/(?:(.*)@)?([^@/?#]*)\/?$/s.exec(url);
  if (!m) {
    if (/^\w+\+cluster:/.test(url)) throw new UsageError(`cannot read the Redis Cluster URL ${redactUrl(url)}: write redis+cluster://[user:password@]host:port[,host:port...]`);
    return null;
  }
  const [, scheme, auth, list] = m;
  const nodes = list!.split(',').map((node) => {
    const n = /^\s*(\[[^\]]+\]|[^:\s]+):(\d{1,5})\s*$/.exec(node);
    if (!n || Number(n[2]) > 65535) throw new UsageError(`cannot read the Redis Cluster node "${node}" in ${redactUrl(url)}: write host:port`);
    return { host: n[1]!.replace(/^\[|\]$/g, ''), port: Number(n[2]) };
  });
  const target: ClusterTarget = { nodes, tls: scheme === 'rediss' };
  if (auth !== undefined) {
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? '' : auth.slice(0, colon));
    if (user) target.username = user;
    target.password = decodeURIComponent(colon < 0 ? auth : auth.slice(colon + 1));
  }
  return target;
}

/**
 * Key prefix of everything vnpipe keeps in Redis (BullMQ's queue and the batch records).
 * In a cluster it must carry a {hash tag}: every script and MULTI touches several keys,
 * which Redis Cluster runs only when they share a slot. Unset, it is `{vnpipe}` there.
 */
export function keyPrefix(): string {
  const prefix = process.env.VNPIPE_PREFIX;
  if (!clusterTarget()) return prefix || 'vnpipe';
  if (!prefix) return '{vnpipe}';
  if (!/^[^{]*\{[^}]+\}/.test(prefix)) {
    throw new UsageError(
      `VNPIPE_PREFIX "${prefix}" has no {hash tag}: on Redis Cluster vnpipe's keys must share one slot, so write it as "{${prefix}}" (or leave it unset for {vnpipe})`,
    );
  }
  return prefix;
}

export type ConnectionRole =
  /** Workers: commands wait through a Redis restart instead of failing (BullMQ requires this). */
  | 'worker'
  /** The CLI and the producer: a command fails after a few tries rather than hang. */
  | 'client';

export function redisOptions(role: ConnectionRole): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: 5000,
    // About half a minute of reconnecting before a CLI command gives up.
    maxRetriesPerRequest: role === 'worker' ? null : 10,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 5), 5000),
  };
}

/** A client for the configured Redis or Redis Cluster; connecting is the caller's (`lazyConnect` unless told). */
export function createRedis(role: ConnectionRole, overrides: RedisOptions = {}, url = redisUrl()): RedisClient {
  const options = { ...redisOptions(role), ...overrides };
  const cluster = clusterTarget(url);
  if (!cluster) return new Redis(url, options);
  const { lazyConnect, retryStrategy, ...nodeOptions } = options;
  return new Cluster(cluster.nodes, {
    lazyConnect,
    clusterRetryStrategy: retryStrategy,
    enableOfflineQueue: true,
    // A slot on the move answers TRYAGAIN to a multi-key script until its keys are all
    // on one side: wait a little and send it again, for as long as a migration takes.
    retryDelayOnTryAgain: 100,
    maxRedirections: 64,
    redisOptions: {
      ...nodeOptions,
      ...(cluster.username ? { username: cluster.username } : {}),
      ...(cluster.password !== undefined ? { password: cluster.password } : {}),
      ...(cluster.tls ? { tls: {} } : {}),
    },
  });
}

/**
 * Opens a connection and proves it with a PING. When Redis does not answer, a
 * UsageError that names the URL: callers print it as one line.
 */
export async function connectRedis(role: ConnectionRole, url = redisUrl()): Promise<RedisClient> {
  const redis = createRedis(role, { retryStrategy: () => null }, url);
  let cause = '';
  const onError = (err: Error) => (cause = err.message); // connect() itself only says "Connection is closed"
  redis.on('error', onError);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new UsageError(`cannot reach Redis at ${redactUrl(url)}: ${cause || (err as Error).message} (set REDIS_URL)`);
  }
  redis.off('error', onError);
  redis.on('error', () => {}); // reconnects are reported by whoever uses the connection
  // Connected: from now on, ride out restarts.
  if (redis instanceof Cluster) redis.options.clusterRetryStrategy = redisOptions(role).retryStrategy;
  else redis.options.retryStrategy = redisOptions(role).retryStrategy;
  return redis;
}

/** Settings BullMQ needs that a shared Redis may lack; returned as warnings, not errors. */
export async function redisWarnings(redis: RedisClient): Promise<string[]> {
  const warnings: string[] = [];
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    if (policy !== 'noeviction') {
      warnings.push(`Redis maxmemory-policy is "${policy}": BullMQ needs "noeviction" or jobs can vanish`);
    }
    const [, aof] = (await redis.config('GET', 'appendonly')) as [string, string];
    if (aof !== 'yes') warnings.push('Redis runs without AOF (appendonly no): a Redis crash loses queued jobs');
  } catch {
    // CONFIG is often disabled on managed Redis; nothing to check then.
  }
  return warnings;
}

/**
 * The URL with its user and password hidden. A password may hold `@`, `/` or `:`
 * unescaped (ioredis accepts it), so everything from `//` to the last `@` goes.
 */
export function redactUrl(url: string): string {
  return url.replace(/\/\/.*@/s, '//***@');
}
