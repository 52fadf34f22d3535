import { Redis, type RedisOptions } from 'ioredis';
import { UsageError } from '../errors.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function redisUrl(): string {
  return process.env.REDIS_URL || DEFAULT_REDIS_URL;
}

/** Key prefix of everything vnpipe keeps in Redis (BullMQ's queue and the batch records). */
export function keyPrefix(): string {
  return process.env.VNPIPE_PREFIX || 'vnpipe';
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

/**
 * Opens a connection and proves it with a PING. When Redis does not answer, a
 * UsageError that names the URL: callers print it as one line.
 */
export async function connectRedis(role: ConnectionRole, url = redisUrl()): Promise<Redis> {
  const redis = new Redis(url, { ...redisOptions(role), retryStrategy: () => null });
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
  redis.options.retryStrategy = redisOptions(role).retryStrategy;
  return redis;
}

/** Settings BullMQ needs that a shared Redis may lack; returned as warnings, not errors. */
export async function redisWarnings(redis: Redis): Promise<string[]> {
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
