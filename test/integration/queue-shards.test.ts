import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CLI, exitOf, freePort, runCli, SAMPLES, tempDir, testEnv, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const redisUrl = inject('redisUrl');
const workers: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
});

function startWorker(env: NodeJS.ProcessEnv, queues: number) {
  const w = spawn(process.execPath, [CLI, 'worker', '--concurrency', '2', '--queues', String(queues)], { env: { ...process.env, ...env }, stdio: 'ignore' });
  workers.push(w);
  return w;
}

async function finished(env: NodeJS.ProcessEnv, batch: string, completed: number): Promise<any> {
  return waitFor(async () => {
    const r = await runCli(['status', batch, '--json'], env);
    const b = r.code === 0 ? JSON.parse(r.stdout).batch : null;
    return b?.finishedAt && b.completed === completed ? b : null;
  }, 90_000, 200);
}

/** `n` copies of a sample, and `empty` empty files among them (which fail as `empty`). */
function folder(name: string, n: number, empty: string[]): string {
  const input = join(tempDir(name), 'in');
  mkdirSync(input);
  const sample = readdirSync(SAMPLES).sort()[2]!;
  for (let i = 0; i < n; i++) cpSync(join(SAMPLES, sample), join(input, `${String(i).padStart(3, '0')}.txt`));
  for (const e of empty) writeFileSync(join(input, e), '');
  return input;
}

describe('queue shards (--queues) on one Redis', () => {
  it('spread a batch over three queues, each with its own records, and status, retry and a second enqueue see it as one', async () => {
    const env = testEnv(redisUrl);
    const prefix = env.VNPIPE_PREFIX!;
    const empty = ['e1.txt', 'e2.txt', 'e3.txt', 'e4.txt', 'e5.txt', 'e6.txt'];
    const input = folder('qshards', 60, empty);
    const out = join(input, '..', 'out');
    const enq = await runCli(['enqueue', '--no-learn', input, '--out', out, '--queues', '3'], env);
    expect(enq.code, enq.stderr).toBe(0);
    const batch = enq.stdout.trim();
    // Each shard holds the counts of the documents it was given, under its own prefix.
    const redis = new Redis(redisUrl);
    const queued = await Promise.all([`${prefix}`, `${prefix}:1`, `${prefix}:2`].map((p) => redis.hget(`${p}:batch:${batch}`, 'queued')));
    expect(queued.map(Number).every((n) => n > 5)).toBe(true);
    expect(queued.map(Number).reduce((a, b) => a + b)).toBe(66);
    expect(await redis.llen(`${prefix}:1:documents:wait`)).toBeGreaterThan(0);
    const waiting = JSON.parse((await runCli(['status', '--json', '--queues', '3'], env)).stdout);
    expect(waiting.batches[0]).toMatchObject({ id: batch, queued: 66, waiting: 66, shards: 3 });

    startWorker(env, 3);
    const done = await finished(env, batch, 60);
    expect(done).toMatchObject({ found: 66, queued: 66, completed: 60, failed: 6, cancelled: 0 });
    expect(done.failures.map((f: any) => f.rel).sort()).toEqual(empty);
    expect(done.failures.every((f: any) => f.reason === 'empty' && f.shard >= 0 && f.shard < 3)).toBe(true);
    // Every shard's records moved out to a file of its own when the shard ended.
    const files = readdirSync(join(out, '.vnpipe')).filter((f) => f.startsWith(`failures-${batch}`));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const doc = JSON.parse((await runCli(['status', '--doc', join(input, 'e3.txt'), '--json'], env)).stdout);
    expect(doc).toMatchObject({ state: 'failed', error: expect.stringContaining('empty') });

    // Four fixed: retry puts each back on its own shard under its number.
    for (const e of empty.slice(0, 4)) cpSync(join(SAMPLES, readdirSync(SAMPLES).sort()[2]!), join(input, e));
    const retry = await runCli(['retry', batch], env);
    expect(retry.stdout).toContain('6 failed documents queued again');
    const again = await finished(env, batch, 64);
    expect(again).toMatchObject({ queued: 66, completed: 64, failed: 2 });
    expect(again.failures.map((f: any) => f.rel).sort()).toEqual(['e5.txt', 'e6.txt']);
    expect(existsSync(join(out, 'e1.txt.json'))).toBe(true);

    // Enqueued again: only what has no output goes back to the queue.
    const second = await runCli(['enqueue', '--no-learn', input, '--out', out, '--queues', '3'], env);
    expect(second.stderr).toContain('66 files found, 2 queued, 64 skipped');
    await finished(env, second.stdout.trim(), 0);
    redis.disconnect();
  }, 240_000);

  it('a worker started with fewer queues takes up the shards a later batch was queued over, so the batch ends', async () => {
    const env = testEnv(redisUrl);
    const w = startWorker(env, 1);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // running, on shard 0 alone
    const input = folder('qfollow', 30, []);
    const enq = await runCli(['enqueue', '--no-learn', input, '--out', join(input, '..', 'out'), '--queues', '3'], env);
    expect(enq.code, enq.stderr).toBe(0);
    expect(await finished(env, enq.stdout.trim(), 30)).toMatchObject({ queued: 30, completed: 30, failed: 0, shards: 3 });
    w.kill('SIGTERM');
    await exitOf(w);
  });

  it("a worker's metrics count the jobs of the shards it took up after it started, not only of its first queue", async () => {
    const env = testEnv(redisUrl);
    const prefix = env.VNPIPE_PREFIX!;
    const port = await freePort();
    const w = spawn(process.execPath, [CLI, 'worker', '--concurrency', '2', '--queues', '1', '--metrics-port', String(port)], { env: { ...process.env, ...env }, stdio: 'ignore' });
    workers.push(w);
    const scrape = () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    await waitFor(() => scrape().catch(() => null), 30_000, 200); // serving, on shard 0 alone
    const input = folder('qmetrics', 40, []);
    const enq = await runCli(['enqueue', '--no-learn', input, '--out', join(input, '..', 'out'), '--queues', '3'], env);
    expect(enq.code, enq.stderr).toBe(0);
    const batch = enq.stdout.trim();
    await finished(env, batch, 40);
    const text = await scrape();
    // BullMQ's completed jobs, per shard, as Redis holds them.
    const redis = new Redis(redisUrl);
    const inRedis = await Promise.all([prefix, `${prefix}:1`, `${prefix}:2`].map((p) => redis.zcard(`${p}:documents:completed`)));
    redis.disconnect();
    expect(inRedis.every((n) => n > 0)).toBe(true);
    const completed = [0, 1, 2].map((shard) => Number(new RegExp(`^bullmq_job_count\\{[^}]*state="completed"[^}]*shard="${shard}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1]));
    expect(completed).toEqual(inRedis);
    expect(text).toMatch(new RegExp(`^vnpipe_batch_documents\\{batch="${batch}",state="completed"\\} 40$`, 'm'));
    w.kill('SIGTERM');
    expect(await exitOf(w)).toBe(0);
  }, 120_000);

  it('cancel removes the waiting jobs of every shard, and the batch ends', async () => {
    const env = testEnv(redisUrl);
    const input = folder('qshards-cancel', 50, []);
    const out = join(input, '..', 'out');
    const batch = (await runCli(['enqueue', '--no-learn', input, '--out', out, '--queues', '3'], env)).stdout.trim();
    const cancel = await runCli(['cancel', batch], env);
    expect(cancel.stdout).toContain('50 waiting documents removed');
    const status = JSON.parse((await runCli(['status', batch, '--json'], env)).stdout).batch;
    expect(status).toMatchObject({ queued: 50, cancelled: 50, completed: 0, finishedAt: expect.any(Number) });
    const queue = JSON.parse((await runCli(['status', '--json', '--queues', '3'], env)).stdout).queue;
    expect(queue.waiting).toBe(0);
  }, 60_000);

  it('refuses a shard count out of range, naming the option', async () => {
    const env = testEnv(redisUrl);
    const r = await runCli(['enqueue', '--no-learn', SAMPLES, '--out', join(tempDir('qshards-bad'), 'out'), '--queues', '0'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--queues must be a whole number from 1 to 64');
    const w = spawn(process.execPath, [CLI, 'worker', '--queues', 'x'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    expect(await exitOf(w)).toBe(2);
  }, 60_000);
});
