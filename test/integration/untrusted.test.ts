import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startLocalRedis, type LocalRedis } from '../../src/cli/local-redis.js';
import { CLI, exitOf, runCli, SAMPLES, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

// Hostile jobs and lost producers: a job names documents by key only and the worker
// trusts none of it; a batch always ends, and says so when it cannot.

const redisUrl = inject('redisUrl');
const children: ReturnType<typeof spawnWorker>[] = [];
const servers: LocalRedis[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const s of servers) await s.stop();
});

const BODY = readFileSync(join(SAMPLES, '001_cfab3d3de795dabf.txt'));

/** `n` small real documents in a new folder. */
function folder(n: number): string {
  const dir = join(tempDir('untrusted'), 'in');
  mkdirSync(dir);
  for (let i = 0; i < n; i++) writeFileSync(join(dir, `${String(i).padStart(5, '0')}.txt`), BODY);
  return dir;
}

function configFile(settings: object): string {
  const file = join(tempDir('config'), 'config.json');
  writeFileSync(file, JSON.stringify(settings));
  return file;
}

async function status(env: NodeJS.ProcessEnv, batch: string): Promise<any> {
  const r = await runCli(['status', batch, '--json'], env);
  return r.code === 0 ? JSON.parse(r.stdout).batch : null;
}

function worker(env: NodeJS.ProcessEnv, concurrency = 2): ReturnType<typeof spawnWorker> {
  const w = spawnWorker(env, concurrency);
  children.push(w);
  return w;
}

describe('a worker trusts nothing in a job', () => {
  it('a crafted job naming files outside the batch, or numbers the batch never gave, changes nothing', async () => {
    const env = testEnv(redisUrl);
    const input = folder(2);
    const out = join(tempDir('out'), 'out');
    const r = await runCli(['enqueue', '--no-learn', input, '--out', out], env);
    expect(r.code).toBe(0);
    const batch = r.stdout.trim();
    const w = worker(env);
    await waitFor(async () => (await status(env, batch))?.finishedAt);
    // Someone who can write to Redis adds a job of the old shape (with paths), keys that
    // climb out, and document numbers far beyond the batch's (each would grow its bitmaps).
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('documents', { connection: redis, prefix: env.VNPIPE_PREFIX! });
    const stolen = join(tempDir('stolen'), 'copy.json');
    const memory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    const before = await memory();
    const job = await queue.add('document', {
      batch,
      docs: [
        { seq: 2, id: '', rel: '../../../../../etc/hostname', size: 1 },
        { seq: 2 ** 28, id: '', rel: '/etc/hostname', path: '/etc/hostname', out: stolen, size: 1 },
        { seq: -1, id: '', rel: '00000.txt', size: 1 },
      ],
    } as never);
    await waitFor(async () => ['completed', 'failed'].includes(await job.getState()));
    w.kill('SIGTERM');
    await exitOf(w);
    const after = await memory();
    await queue.close();
    redis.disconnect();
    expect(await status(env, batch)).toMatchObject({ queued: 2, completed: 2, failed: 0, failures: [] });
    expect(after - before).toBeLessThan(4 * 1024 * 1024);
    expect(existsSync(stolen)).toBe(false);
    expect(readdirSync(out).sort()).toEqual(['00000.txt.json', '00001.txt.json']);
  });

  it('prints hostile file names as escapes, and says why a name that is not UTF-8 is skipped', async () => {
    const env = testEnv(redisUrl);
    const input = folder(1);
    writeFileSync(join(input, '\x1b[31mred\x1b[0m.txt'), '');
    writeFileSync(Buffer.concat([Buffer.from(join(input, 'a')), Buffer.from([0xff]), Buffer.from('.txt')]), BODY);
    const r = await runCli(['enqueue', '--no-learn', input, '--out', join(tempDir('out'), 'out')], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/skipped a\uFFFD\.txt: its name is not valid UTF-8 \(rename it to process it\)/);
    const w = worker(env);
    const batch = r.stdout.trim();
    await waitFor(async () => (await status(env, batch))?.finishedAt);
    w.kill('SIGTERM');
    await exitOf(w);
    const human = await runCli(['status', batch], env);
    expect(human.stdout).toContain('\\x1b[31mred\\x1b[0m.txt  empty');
    expect(human.stdout).not.toContain('\x1b[31m');
  });

  it('refuses an output folder that holds the input folder', async () => {
    const env = testEnv(redisUrl);
    const input = folder(1);
    const r = await runCli(['enqueue', '--no-learn', input, '--out', join(input, '..')], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vnpipe: the output folder .* holds the input folder .*: choose an output folder outside it\n$/);
  });
});

describe('exactly once, whoever queues', () => {
  it('two producers on one folder at once queue each document once, and each is written once', async () => {
    const env = testEnv(redisUrl);
    const input = folder(3000);
    const out = join(tempDir('out'), 'out');
    const [a, b] = await Promise.all([runCli(['enqueue', '--no-learn', input, '--out', out], env), runCli(['enqueue', '--no-learn', input, '--out', out], env)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const batches = [a.stdout.trim(), b.stdout.trim()];
    const records = await Promise.all(batches.map((id) => status(env, id)));
    // Every file is found by both; each is queued by exactly one of them.
    expect(records.map((s) => s.found)).toEqual([3000, 3000]);
    expect(records[0].queued + records[1].queued).toBe(3000);
    const w = worker(env);
    await waitFor(async () => {
      const now = await Promise.all(batches.map((id) => status(env, id)));
      return now.every((s) => s.finishedAt);
    }, 120_000);
    const done = await Promise.all(batches.map((id) => status(env, id)));
    w.kill('SIGTERM');
    await exitOf(w);
    expect(done[0].completed + done[1].completed).toBe(3000);
    expect(readdirSync(out)).toHaveLength(3000);
  }, 180_000);

  it('a folder of exactly enqueueWindow files is queued without waiting for a worker', async () => {
    const env = testEnv(redisUrl);
    const input = folder(1000);
    const r = await runCli(['enqueue', '--no-learn', input, '--out', join(tempDir('out'), 'out'), '--config', configFile({ queue: { enqueueWindow: 1000 } })], env);
    expect(r.code).toBe(0);
    expect((await status(env, r.stdout.trim())).queued).toBe(1000);
  });
});

describe('a batch always ends and tells the truth', () => {
  it('a producer killed mid-walk leaves an interrupted batch that enqueue --resume finishes, each document once', async () => {
    const env = testEnv(redisUrl);
    const input = folder(2500);
    const out = join(tempDir('out'), 'out');
    const config = configFile({ queue: { enqueueWindow: 1000 } });
    // No worker yet: the producer queues 1000 documents, then waits for room.
    const producer = spawn(process.execPath, [CLI, 'enqueue', '--no-learn', input, '--out', out, '--config', config], { env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    producer.stdout!.on('data', (d: Buffer) => (stdout += d));
    let stderr = '';
    producer.stderr!.on('data', (d: Buffer) => (stderr += d));
    await waitFor(async () => /waiting for workers/.test(stderr));
    const listed = await runCli(['status', '--json'], env);
    const batch = JSON.parse(listed.stdout).batches[0].id as string;
    producer.kill('SIGKILL');
    await exitOf(producer);
    expect(stdout).toBe('');
    // The lease runs out: the batch says it was interrupted and how to finish it.
    const human = await waitFor(async () => {
      const s = await runCli(['status', batch], env);
      return /interrupted/.test(s.stdout) ? s.stdout : null;
    }, 30_000);
    expect(human).toContain(`--resume ${batch}`);
    const w = worker(env);
    const resumed = await runCli(['enqueue', input, '--out', out, '--config', config, '--resume', batch], env);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout.trim()).toBe(batch);
    const done = await waitFor(async () => {
      const s = await status(env, batch);
      return s?.finishedAt ? s : null;
    }, 120_000);
    w.kill('SIGTERM');
    await exitOf(w);
    expect(done).toMatchObject({ queued: 2500, completed: 2500, failed: 0, walked: true });
    expect(readdirSync(out)).toHaveLength(2500);
  }, 180_000);

  it('a learning batch (the default) whose producer died while it counted learns again on --resume, then cleans', async () => {
    const env = testEnv(redisUrl);
    const input = folder(300);
    // Copies of one article are counted once per source: a line of its own makes each file a
    // page of the site, so the article's lines are learned from 300 documents.
    for (const f of readdirSync(input)) appendFileSync(join(input, f), `\nPage ${f}.\n`);
    const out = join(tempDir('out'), 'out');
    // No worker: the producer queues the counting pass, then waits for it.
    const producer = spawn(process.execPath, [CLI, 'enqueue', input, '--out', out], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const batch = await waitFor(async () => {
      const listed = JSON.parse((await runCli(['status', '--json'], env)).stdout).batches[0];
      return listed?.countQueued === 300 ? (listed.id as string) : null;
    });
    producer.kill('SIGKILL');
    await exitOf(producer);
    await waitFor(async () => /interrupted/.test((await runCli(['status', batch], env)).stdout), 30_000);
    const w = worker(env);
    const resumed = await runCli(['enqueue', input, '--out', out, '--resume', batch], env);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/learned boilerplate: \d+ lines in 1 source\b/);
    const done = await waitFor(async () => {
      const s = await status(env, batch);
      return s?.finishedAt ? s : null;
    }, 120_000);
    w.kill('SIGTERM');
    await exitOf(w);
    expect(done).toMatchObject({ counted: 300, queued: 300, completed: 300, failed: 0 });
    expect(readdirSync(out)).toHaveLength(300);
  }, 120_000);

  it('a Redis that loses its data mid-enqueue makes enqueue fail loudly, not exit 0', async () => {
    const redis = await startLocalRedis();
    servers.push(redis);
    const env = testEnv(redis.url);
    const input = folder(2500);
    const producer = spawn(process.execPath, [CLI, 'enqueue', '--no-learn', input, '--out', join(tempDir('out'), 'out'), '--config', configFile({ queue: { enqueueWindow: 1000 } })], {
      env: { ...process.env, ...env },
      stdio: 'pipe',
    });
    let stderr = '';
    producer.stderr!.on('data', (d: Buffer) => (stderr += d));
    await waitFor(async () => /waiting for workers/.test(stderr));
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    expect(await exitOf(producer)).toBe(2);
    expect(stderr).toMatch(/is gone from Redis while it was being queued: Redis lost its data/);
  });
});
