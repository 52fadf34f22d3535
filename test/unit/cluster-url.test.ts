import { afterEach, describe, expect, it } from 'vitest';
import { clusterTarget, keyPrefix, redisUrl } from '../../src/queue/connection.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'VNPIPE_PREFIX']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('clusterTarget', () => {
  it('reads a redis+cluster:// URL with its nodes, user and a password holding @ and :', () => {
    expect(clusterTarget('redis+cluster://vnpipe:p%40ss:w@rd@10.0.0.1:7000,10.0.0.2:7001/')).toEqual({
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }],
      username: 'vnpipe',
      password: 'p@ss:w@rd',
      tls: false,
    });
    expect(clusterTarget('rediss+cluster://cache.example.vn:6380')).toEqual({ nodes: [{ host: 'cache.example.vn', port: 6380 }], tls: true });
    expect(clusterTarget('redis+cluster://[::1]:7000')?.nodes).toEqual([{ host: '::1', port: 7000 }]);
  });

  it('is null for one Redis, and a clear error for a node without a port or an unknown scheme', () => {
    expect(clusterTarget('redis://127.0.0.1:6379')).toBeNull();
    expect(() => clusterTarget('redis+cluster://10.0.0.1')).toThrow('cannot read the Redis Cluster node "10.0.0.1"');
    expect(() => clusterTarget('redis+cluster://a:1,b:99999')).toThrow('"b:99999"');
    expect(() => clusterTarget('http+cluster://a:1')).toThrow('write redis+cluster://');
  });

  it('takes REDIS_CLUSTER_NODES when REDIS_URL is unset', () => {
    delete process.env.REDIS_URL;
    process.env.REDIS_CLUSTER_NODES = '127.0.0.1:7000,127.0.0.1:7001';
    expect(redisUrl()).toBe('redis+cluster://127.0.0.1:7000,127.0.0.1:7001');
    expect(clusterTarget()?.nodes).toHaveLength(2);
  });
});

describe('keyPrefix on a cluster', () => {
  it('defaults to {vnpipe}, keeps a prefix with a hash tag, and refuses one without', () => {
    process.env.REDIS_URL = 'redis+cluster://127.0.0.1:7000';
    delete process.env.VNPIPE_PREFIX;
    expect(keyPrefix()).toBe('{vnpipe}');
    process.env.VNPIPE_PREFIX = 'news{2024}';
    expect(keyPrefix()).toBe('news{2024}');
    for (const bad of ['vnpipe', '{}vnpipe', 'a}{b']) {
      process.env.VNPIPE_PREFIX = bad;
      expect(() => keyPrefix()).toThrow('has no {hash tag}');
    }
  });

  it('is unchanged on one Redis', () => {
    process.env.REDIS_URL = 'redis://127.0.0.1:6379';
    delete process.env.VNPIPE_PREFIX;
    expect(keyPrefix()).toBe('vnpipe');
  });
});
