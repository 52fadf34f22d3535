import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../src/cli/local-redis.js';
import { shardPrefix } from '../../src/queue/queues.js';
import { CLI, copySamples, exitOf, ROOT, runCli, SAMPLES, spawnWorker, tempDir, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

let cluster: LocalCluster;
const children: ReturnType<typeof spawnWorker>[] = [];

beforeAll(async () => {
  cluster = await startLocalCluster(3);
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await cluster?.stop();
});

function clusterEnv(prefix: string): NodeJS.ProcessEnv {
  return { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodes, VNPIPE_PREFIX: prefix, LOG_LEVEL: 'warn' };
}

/** A node of the local cluster: its port, id and client. */
async function nodes(): Promise<{ port: number; id: string; redis: Redis }[]> {
  return Promise.all(
    cluster.ports.map(async (port) => {
      const redis = new Redis(port, '127.0.0.1');
      return { port, id: (await redis.cluster('MYID')) as string, redis };
    }),
  );
}

/**
 * Moves `slot` to another node the way `redis-cli --cluster reshard` does, a few keys
 * at a time with pauses, so that the batch's traffic meets the slot half moved (ASK,
 * TRYAGAIN) for a while. Returns the ports it moved from and to.
 */
async function moveSlot(slot: number): Promise<{ from: number; to: number; keys: number }> {
  const all = await nodes();
  try {
    const owners = (await all[0]!.redis.cluster('SLOTS')) as [number, number, [string, number, string]][];
    const ownerId = owners.find(([lo, hi]) => slot >= lo && slot <= hi)![2][2];
    const source = all.find((n) => n.id === ownerId)!;
    const target = all.find((n) => n.id !== ownerId)!;
    await target.redis.cluster('SETSLOT', slot, 'IMPORTING', source.id);
    await source.redis.cluster('SETSLOT', slot, 'MIGRATING', target.id);
    let moved = 0;
    for (;;) {
      const keys = (await source.redis.cluster('GETKEYSINSLOT', slot, 20)) as string[];
      if (keys.length === 0) break;
      await source.redis.migrate('127.0.0.1', target.port, '', 0, 5000, 'KEYS', ...keys);
      moved += keys.length;
      await new Promise((r) => setTimeout(r, 30));
    }
    for (const n of [target, source, ...all.filter((x) => x !== source && x !== target)]) await n.redis.cluster('SETSLOT', slot, 'NODE', target.id);
    return { from: source.port, to: target.port, keys: moved };
  } finally {
    for (const n of all) n.redis.disconnect();
  }
}

describe('Redis Cluster', () => {
  it('refuses a key prefix without a {hash tag}, saying how to write it', async () => {
    const r = await runCli(['status'], clusterEnv('plain'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('VNPIPE_PREFIX "plain" has no {hash tag}');
    expect(r.stderr).toContain('"{plain}"');
  });

  it('runs a batch to the end while its slot moves to another node: every document once, no error storm', async () => {
    const prefix = '{cluster-test}';
    const env = clusterEnv(prefix);
    const n = 2000;
    const input = join(tempDir('cluster'), 'in');
    mkdirSync(input);
    const sample = readdirSync(SAMPLES).sort()[1]!;
    for (let i = 0; i < n; i++) cpSync(join(SAMPLES, sample), join(input, `${String(i).padStart(5, '0')}.txt`));
    const out = join(input, '..', 'out');
    // Small jobs and a window the walk fills: the producer, the workers and the
    // recording scripts all run while the slot moves.
    const config = join(input, '..', 'config.json');
    writeFileSync(config, JSON.stringify({ queue: { documentsPerJob: 8, enqueueWindow: 1000 } }));
    const worker = spawnWorker(env, 2, undefined, true);
    children.push(worker);
    let log = '';
    worker.stderr!.on('data', (d: Buffer) => (log += d));
    const enqueue = spawn(process.execPath, [CLI, 'enqueue', '--no-learn', input, '--out', out, '--config', config], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(enqueue);
    let stdout = '';
    let stderr = '';
    enqueue.stdout!.on('data', (d: Buffer) => (stdout += d));
    enqueue.stderr!.on('data', (d: Buffer) => (stderr += d));

    const batches = async () => JSON.parse((await runCli(['status', '--json'], env)).stdout).batches as { id: string; completed: number }[];
    await waitFor(async () => ((await batches())[0]?.completed ?? 0) >= 300, 120_000, 250);
    const probe = new Redis(cluster.ports[0]!, '127.0.0.1');
    const slot = await probe.cluster('KEYSLOT', prefix);
    probe.disconnect();
    // The move starts mid-batch; it chases the keys the worker keeps writing, so it may end with the batch.
    const completedAtMove = (await batches())[0]!.completed;
    const move = await moveSlot(slot);
    expect(move.keys).toBeGreaterThan(10);

    expect(await exitOf(enqueue), stderr).toBe(0);
    const batch = stdout.trim();
    const status = await waitFor(async () => {
      const s = await runCli(['status', batch, '--json'], env);
      const b = s.code === 0 ? JSON.parse(s.stdout).batch : null;
      return b?.finishedAt ? b : null;
    }, 300_000, 500);
    expect(completedAtMove).toBeLessThan(n);
    expect(status).toMatchObject({ found: n, queued: n, completed: n, failed: 0, cancelled: 0 });
    expect(readdirSync(out).filter((f) => f.endsWith('.json'))).toHaveLength(n);
    // The keys now live on the node the slot moved to.
    const target = new Redis(move.to, '127.0.0.1');
    expect(await target.exists(`${prefix}:batch:${batch}`)).toBe(1);
    target.disconnect();
    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(0);
    const complaints = log.split('\n').filter((l) => /"level":(40|50)/.test(l));
    expect(complaints.length, complaints.slice(0, 5).join('\n')).toBeLessThan(20);
  }, 400_000);

  it('spreads a batch over 3 queue shards on 3 nodes, one shard\'s slot moving mid-batch: every document once', async () => {
    // A prefix whose three shard tags live on three different nodes.
    const prefix = await cluster.spreadPrefix('qs', 3);
    const probe = new Redis(cluster.ports[0]!, '127.0.0.1');
    const env = clusterEnv(prefix);
    // Enough documents, on one thread, that the batch is still running when the move starts.
    const n = 3000;
    const input = join(tempDir('cluster-shards'), 'in');
    mkdirSync(input);
    const sample = readdirSync(SAMPLES).sort()[1]!;
    for (let i = 0; i < n; i++) cpSync(join(SAMPLES, sample), join(input, `${String(i).padStart(5, '0')}.txt`));
    const out = join(input, '..', 'out');
    // The shards from the config file, as a deployment sets them for every enqueue and worker.
    const config = join(input, '..', 'config.json');
    writeFileSync(config, JSON.stringify({ queue: { documentsPerJob: 8, enqueueWindow: 1000, shards: 3 } }));
    const worker = spawn(process.execPath, [CLI, 'worker', '--concurrency', '1', '--config', config], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(worker);
    let log = '';
    worker.stderr!.on('data', (d: Buffer) => (log += d));
    const enqueue = spawn(process.execPath, [CLI, 'enqueue', '--no-learn', input, '--out', out, '--config', config], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(enqueue);
    let stdout = '';
    let stderr = '';
    enqueue.stdout!.on('data', (d: Buffer) => (stdout += d));
    enqueue.stderr!.on('data', (d: Buffer) => (stderr += d));

    const newest = async () => JSON.parse((await runCli(['status', '--json'], env)).stdout).batches[0] as { id: string; completed: number } | undefined;
    await waitFor(async () => ((await newest())?.completed ?? 0) >= 100, 120_000, 100);
    const slot = (await probe.cluster('KEYSLOT', shardPrefix(prefix, 1))) as number;
    probe.disconnect();
    // The move starts mid-batch; it chases the keys the worker keeps writing, so it may end with the batch.
    const completedAtMove = (await newest())!.completed;
    const move = await moveSlot(slot);
    expect(move.keys).toBeGreaterThan(5);

    expect(await exitOf(enqueue), stderr).toBe(0);
    const batch = stdout.trim();
    const status = await waitFor(async () => {
      const s = await runCli(['status', batch, '--json'], env);
      const b = s.code === 0 ? JSON.parse(s.stdout).batch : null;
      return b?.finishedAt ? b : null;
    }, 300_000, 500);
    expect(completedAtMove).toBeLessThan(n);
    expect(status).toMatchObject({ found: n, queued: n, completed: n, failed: 0, cancelled: 0, shards: 3 });
    expect(readdirSync(out).filter((f) => f.endsWith('.json'))).toHaveLength(n);
    // Each shard counted its own documents, once, on its own node; the moved one now on the target.
    const client = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0]! }]);
    const counts = await Promise.all([0, 1, 2].map((i) => client.hmget(`${shardPrefix(prefix, i)}:batch:${batch}`, 'queued', 'completed')));
    client.disconnect();
    for (const [queued, completed] of counts) {
      expect(Number(queued)).toBeGreaterThan(n / 6);
      expect(completed).toBe(queued);
    }
    const target = new Redis(move.to, '127.0.0.1');
    expect(await target.exists(`${shardPrefix(prefix, 1)}:batch:${batch}`)).toBe(1);
    target.disconnect();
    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(0);
    const complaints = log.split('\n').filter((l) => /"level":(40|50)/.test(l));
    expect(complaints.length, complaints.slice(0, 5).join('\n')).toBeLessThan(20);
  }, 400_000);

  it("runs the README's recipe as written, with this cluster's nodes and temporary folders", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const recipe = /## Scale and Redis Cluster[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const env: NodeJS.ProcessEnv = { REDIS_URL: '', LOG_LEVEL: 'warn' };
    const input = copySamples();
    const out = join(tempDir('recipe'), 'out');
    const paths: Record<string, string> = { '/data/news': input, '/data/corpus': out };
    let batch = '';
    for (const raw of recipe.split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (!line) continue;
      const set = /^export (\w+)=(.*)$/.exec(line);
      if (set) {
        env[set[1]!] = set[1] === 'REDIS_CLUSTER_NODES' ? cluster.nodes : set[2]!.replace(/^'(.*)'$/, '$1');
        continue;
      }
      expect(line).toMatch(/^vnpipe /);
      const args = line.replace(/\s*&$/, '').split(/\s+/).slice(1).map((a) => paths[a] ?? a);
      if (line.endsWith('&')) {
        children.push(spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: 'ignore' }));
        continue;
      }
      const r = await runCli(args, env);
      expect(r.code, r.stderr).toBe(0);
      if (args[0] === 'enqueue') batch = r.stdout.trim();
    }
    expect(env.VNPIPE_PREFIX).toMatch(/^\{.+\}$/);
    const done = await waitFor(async () => {
      const r = await runCli(['status', batch, '--json'], env);
      const b = r.code === 0 ? JSON.parse(r.stdout).batch : null;
      return b?.finishedAt ? b : null;
    }, 120_000, 250);
    const samples = readdirSync(SAMPLES).length;
    expect(done).toMatchObject({ queued: samples, completed: samples, failed: 0 });
    expect(readdirSync(out).filter((f) => f.endsWith('.json'))).toHaveLength(samples);
  }, 180_000);
});
