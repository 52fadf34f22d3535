import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENCODINGS } from '../../src/text/decode.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('docker-compose.yml (checked without a Docker engine)', () => {
  const compose = parse(read('docker-compose.yml'));

  it('runs Redis with AOF and noeviction, reachable only from this host', () => {
    const redis = compose.services.redis;
    expect(redis.command).toEqual(['redis-server', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction']);
    expect(redis.ports).toEqual(['127.0.0.1:6379:6379']);
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(compose.volumes).toHaveProperty('redis-data');
  });

  it('runs workers and a one-shot enqueue against that Redis, with input and output at the same paths', () => {
    const { worker, enqueue } = compose.services;
    expect(worker.command).toEqual(['worker', '--metrics-port', '9464', '--metrics-host', '0.0.0.0']);
    expect(enqueue.command).toEqual(['enqueue', '/data/input', '--out', '/data/output']);
    expect(enqueue.restart).toBe('no');
    for (const service of [worker, enqueue]) {
      expect(service.build).toBe('.');
      expect(service.environment.REDIS_URL).toBe('redis://redis:6379');
      expect(service.volumes).toEqual(['${INPUT_DIR:-./samples}:/data/input:ro', '${OUTPUT_DIR:-./out}:/data/output']);
      expect(service.depends_on.redis.condition).toBe('service_healthy');
    }
    expect(worker.stop_signal).toBe('SIGTERM');
  });

  it('offers the dashboard behind a profile, published on loopback only, with its password from the environment', () => {
    const { dashboard } = compose.services;
    expect(dashboard.profiles).toEqual(['dashboard']);
    expect(dashboard.build).toBe('.');
    expect(dashboard.command).toEqual(['dashboard', '--host', '0.0.0.0', '--port', '3000']);
    expect(dashboard.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(dashboard.environment.VNPIPE_DASHBOARD_PASSWORD).toBe('${VNPIPE_DASHBOARD_PASSWORD:-}');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds in one stage and runs the compiled CLI as a non-root user in another', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/RUN npm ci/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "dist\/src\/cli\/main\.js"\]$/m);
  });
});

describe('config/schema.json', () => {
  const schema = JSON.parse(read('config/schema.json'));
  const defaults = JSON.parse(read('config/default.json'));

  // Settings with no default value: the schema names them, config/default.json leaves them out.
  const OPTIONAL = ['decode.encoding'];

  it('describes exactly the settings config/default.json has, and the optional ones', () => {
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(defaults).sort());
    for (const [section, value] of Object.entries(defaults)) {
      if (section === '$schema') continue;
      const described = Object.keys(schema.properties[section].properties).filter((k) => !OPTIONAL.includes(`${section}.${k}`));
      expect(described.sort(), section).toEqual(Object.keys(value as object).sort());
    }
  });

  it('offers exactly the encodings the decoder knows', () => {
    expect([...schema.properties.decode.properties.encoding.enum].sort()).toEqual([...ENCODINGS].sort());
  });
});
