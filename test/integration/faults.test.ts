import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { startLocalRedis, type LocalRedis } from '../../src/cli/local-redis.js';
import { BatchStore } from '../../src/queue/batches.js';
import { CLI, exitOf, runCli, SAMPLES, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const redisUrl = inject('redisUrl');
const children: ReturnType<typeof spawnWorker>[] = [];
const servers: LocalRedis[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const s of servers) await s.stop();
});

/** `copies` copies of each sample in one folder. */
function corpus(copies: number): string {
  const dir = join(tempDir('corpus'), 'in');
  mkdirSync(dir);
  for (const name of readdirSync(SAMPLES)) {
    for (let i = 0; i < copies; i++) cpSync(join(SAMPLES, name), join(dir, `${i}-${name}`));
  }
  return dir;
}

async function status(env: NodeJS.ProcessEnv, batch: string): Promise<any> {
  const r = await runCli(['status', batch, '--json'], env);
  return r.code === 0 ? JSON.parse(r.stdout).batch : null;
}

/** The batch's status once it has finished. */
function finishedStatus(env: NodeJS.ProcessEnv, batch: string, timeoutMs?: number): Promise<any> {
  return waitFor(async () => {
    const s = await status(env, batch);
    return s?.finishedAt ? s : null;
  }, timeoutMs);
}

/** A config file over the defaults, for `--config`. */
function configFile(settings: object): string {
  const file = join(tempDir('config'), 'config.json');
  writeFileSync(file, JSON.stringify(settings));
  return file;
}

/**
 * A folder (not empty) where the output of `0-001_cfab3d3de795dabf.txt` goes: the
 * rename onto it fails with an error vnpipe does not classify, as a full disk or a
 * flaky mount would. Returns that input's name.
 */
function blockOutput(out: string): string {
  mkdirSync(join(out, '0-001_cfab3d3de795dabf.txt.json', 'keep'), { recursive: true });
  return '0-001_cfab3d3de795dabf.txt';
}

/** A batch of `ok.txt` and an empty `later.txt`, run to its end by a worker that keeps running. */
async function batchWithEmptyFile(env: NodeJS.ProcessEnv): Promise<{ input: string; batch: string; w: ReturnType<typeof spawnWorker> }> {
  const input = join(tempDir('retry'), 'in');
  mkdirSync(input);
  writeFileSync(join(input, 'later.txt'), '');
  cpSync(join(SAMPLES, '003_7161b19aceaccb0d.txt'), join(input, 'ok.txt'));
  const batch = (await runCli(['enqueue', '--no-learn', input, '--out', tempDir('out')], env)).stdout.trim();
  const w = worker(env, 1);
  await finishedStatus(env, batch);
  return { input, batch, w };
}

function worker(env: NodeJS.ProcessEnv, concurrency = 2, lockDurationMs?: number): ReturnType<typeof spawnWorker> {
  const child = spawnWorker(env, concurrency, lockDurationMs);
  children.push(child);
  return child;
}

/**
 * Waits until `n` documents of the batch are completed, reading Redis directly: a
 * worker cleans thousands of documents a second, faster than `vnpipe status` starts.
 */
async function completedAtLeast(url: string, env: NodeJS.ProcessEnv, batch: string, n: number): Promise<void> {
  const redis = new Redis(url);
  try {
    const store = new BatchStore(redis, env.VNPIPE_PREFIX!);
    await waitFor(async () => ((await store.get(batch))?.completed ?? 0) >= n, 30_000, 5);
  } finally {
    redis.disconnect();
  }
}

/** Every output is complete JSON, once, with no temporary files left beside it. */
function assertOutputs(out: string, expected: number): void {
  const files = readdirSync(out);
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(expected);
  for (const f of files) expect(JSON.parse(readFileSync(join(out, f), 'utf8')).text.length).toBeGreaterThan(100);
}

describe('a worker killed with SIGKILL in the middle of a batch', () => {
  it('loses nothing: a new worker finishes, every output exists once, counts are exact', async () => {
    const env = testEnv(redisUrl);
    const out = tempDir('out');
    const batch = (await runCli(['enqueue', '--no-learn', corpus(400), '--out', out], env)).stdout.trim();
    // A short lock, so the killed worker's jobs come back within seconds, not half a minute.
    const victim = worker(env, 2, 2000);
    await completedAtLeast(redisUrl, env, batch, 50);
    victim.kill('SIGKILL');
    await exitOf(victim);
    const mid = await status(env, batch);
    expect(mid.completed).toBeLessThan(2000);

    const rescuer = worker(env, 2, 2000);
    const done = await finishedStatus(env, batch, 60_000);
    expect(done).toMatchObject({ queued: 2000, completed: 2000, failed: 0, active: 0, waiting: 0 });
    assertOutputs(out, 2000);
    rescuer.kill('SIGTERM');
    expect(await exitOf(rescuer)).toBe(0);
  });
});

describe('Redis restarted (AOF on) in the middle of a batch', () => {
  it('workers reconnect by themselves and the batch completes with exact counts', async () => {
    const redis = await startLocalRedis({ appendOnly: true });
    servers.push(redis);
    const env = testEnv(redis.url);
    const out = tempDir('out');
    const batch = (await runCli(['enqueue', '--no-learn', corpus(1000), '--out', out], env)).stdout.trim();
    // A short lock: a job whose lock the restart lost comes back within seconds.
    const w = worker(env, 2, 2000);
    await completedAtLeast(redis.url, env, batch, 100);
    await redis.restart(500);
    expect((await status(env, batch)).completed).toBeLessThan(5000);
    const done = await finishedStatus(env, batch, 60_000);
    expect(done).toMatchObject({ queued: 5000, completed: 5000, failed: 0 });
    assertOutputs(out, 5000);
    w.kill('SIGTERM');
    expect(await exitOf(w)).toBe(0);
  });
});

describe('awkward inputs', () => {
  it('handles odd names, a link loop, a folder where a file was, a large file and an escaping output link', async () => {
    const env = testEnv(redisUrl);
    const input = join(tempDir('odd'), 'in');
    const out = join(tempDir('odd-out'), 'out');
    const outside = tempDir('outside');
    mkdirSync(input);
    const body = readFileSync(join(SAMPLES, '002_96ecd948de8e48bb.txt'));
    writeFileSync(join(input, '-rf.txt'), body);
    writeFileSync(join(input, 'line\nbreak.txt'), body);
    writeFileSync(join(input, 'Báo Nhân Dân số 1.txt'), body);
    writeFileSync(join(input, 'will-be-folder.txt'), body);
    writeFileSync(join(input, 'big.txt'), Buffer.concat(Array.from({ length: 40 }, () => body)));
    mkdirSync(join(input, 'escape'));
    writeFileSync(join(input, 'escape', 'a.txt'), body);
    symlinkSync(input, join(input, 'loop'));
    // An output subfolder that is a link to somewhere else.
    mkdirSync(out);
    symlinkSync(outside, join(out, 'escape'));
    const config = configFile({ limits: { maxFileBytes: 100_000 } });

    const r = await runCli(['enqueue', '--no-learn', input, '--out', out, '--config', config], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/skipped loop: symbolic link, not followed \(--follow-links follows links\)/);
    const batch = r.stdout.trim();
    rmSync(join(input, 'will-be-folder.txt'));
    mkdirSync(join(input, 'will-be-folder.txt'));

    const w = worker(env, 2);
    const done = await finishedStatus(env, batch);
    w.kill('SIGTERM');
    expect(done).toMatchObject({ found: 6, queued: 6, completed: 3, failed: 3 });
    expect(done.failures.map((f: any) => [f.rel, f.reason])).toEqual([
      ['big.txt', 'too-large'],
      ['will-be-folder.txt', 'unreadable'],
      ['escape/a.txt', 'unsafe-output'],
    ]);
    expect(existsSync(join(out, '-rf.txt.json'))).toBe(true);
    expect(existsSync(join(out, 'line\nbreak.txt.json'))).toBe(true);
    expect(existsSync(join(out, 'Báo Nhân Dân số 1.txt.json'))).toBe(true);
    expect(readdirSync(outside)).toEqual([]);
    expect(await exitOf(w)).toBe(0);
  });
});

describe('an error that is not the document\'s fault', () => {
  it('runs the job again for that document only, then fails it as failed; the others of the job count once', async () => {
    // debug: a line per document
    const env = { ...testEnv(redisUrl), LOG_LEVEL: 'debug' };
    const input = corpus(2);
    const out = tempDir('out');
    const blocked = blockOutput(out);
    const config = configFile({ queue: { attempts: 3, backoffMs: 10 } });
    const batch = (await runCli(['enqueue', '--no-learn', input, '--out', out, '--config', config], env)).stdout.trim();
    const w = spawnWorker(env, 2, undefined, true);
    children.push(w);
    let stderr = '';
    w.stderr!.on('data', (d) => (stderr += String(d)));
    const done = await finishedStatus(env, batch);
    w.kill('SIGTERM');
    await exitOf(w);
    expect(done).toMatchObject({ queued: 10, completed: 9, failed: 1 });
    expect(done.failures).toMatchObject([{ rel: blocked, reason: 'failed', message: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/) }]);
    // Three attempts of the one job, the document on each; the others once.
    const lines = stderr.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.doc === blocked).map((l) => [l.attempt, l.final])).toEqual([[1, false], [2, false], [3, true]]);
    expect(lines.filter((l) => l.msg === 'done')).toHaveLength(9);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('cancel while a job waits to run again', () => {
  it('counts as cancelled only the documents that had no outcome', async () => {
    const env = testEnv(redisUrl);
    const out = tempDir('out');
    blockOutput(out);
    // A long backoff: after its first attempt the job waits (delayed) with 9 of its 10 documents done.
    const config = configFile({ queue: { attempts: 3, backoffMs: 600_000 } });
    const batch = (await runCli(['enqueue', '--no-learn', corpus(2), '--out', out, '--config', config], env)).stdout.trim();
    const w = worker(env, 2);
    await waitFor(async () => (await runCli(['status', batch, '--json'], env)).stdout.includes('"delayed": 1') || null);
    expect(await status(env, batch)).toMatchObject({ completed: 9, failed: 0, finishedAt: null });
    const r = await runCli(['cancel', batch], env);
    expect(r.stdout).toBe(`batch ${batch}: cancelled, 1 waiting document removed (running jobs finish)\n`);
    const s = await status(env, batch);
    expect(s).toMatchObject({ queued: 10, completed: 9, failed: 0, cancelled: 1 });
    expect(s.finishedAt).not.toBeNull();
    w.kill('SIGTERM');
    await exitOf(w);
  });
});

describe('retry and cancel', () => {
  it('retry queues failed documents again once their cause is fixed', async () => {
    const env = testEnv(redisUrl);
    const { input, batch, w } = await batchWithEmptyFile(env);
    expect(await status(env, batch)).toMatchObject({ completed: 1, failed: 1 });

    cpSync(join(SAMPLES, '004_2d82f93cebf0d4a1.txt'), join(input, 'later.txt'));
    const r = await runCli(['retry', batch], env);
    expect(r.stdout).toBe(`batch ${batch}: 1 failed document queued again\n`);
    const done = await waitFor(async () => {
      const s = await status(env, batch);
      return s?.finishedAt && s.completed === 2 ? s : null;
    });
    expect(done).toMatchObject({ queued: 2, completed: 2, failed: 0, failures: [] });
    const doc = await runCli(['status', '--doc', join(input, 'later.txt')], env);
    expect(doc.stdout).toContain(`batch     ${batch}`);
    expect(doc.stdout).toMatch(/state {5}completed/);
    w.kill('SIGTERM');
    await exitOf(w);
  });

  it('retry queues a document once however often it is run, and after a cancel it can run again', async () => {
    const env = testEnv(redisUrl);
    const { input, batch, w: first } = await batchWithEmptyFile(env);
    first.kill('SIGTERM');
    await exitOf(first);
    cpSync(join(SAMPLES, '004_2d82f93cebf0d4a1.txt'), join(input, 'later.txt'));

    // No worker runs: the first retry's job waits, and a second retry adds nothing.
    expect((await runCli(['retry', batch], env)).stdout).toBe(`batch ${batch}: 1 failed document queued again\n`);
    expect(await status(env, batch)).toMatchObject({ completed: 1, failed: 0, finishedAt: null });
    expect((await runCli(['retry', batch], env)).stdout).toBe(`batch ${batch}: 0 failed documents queued again\n`);
    // Cancelled, the batch ends; its failure record stays, so a later retry takes it up.
    await runCli(['cancel', batch], env);
    expect(await status(env, batch)).toMatchObject({ completed: 1, failed: 0, cancelled: 1, finishedAt: expect.any(Number) });
    expect((await runCli(['retry', batch], env)).stdout).toBe(`batch ${batch}: 1 failed document queued again\n`);
    expect(await status(env, batch)).toMatchObject({ cancelled: 0, finishedAt: null });
    const second = worker(env, 1);
    const done = await finishedStatus(env, batch);
    expect(done).toMatchObject({ queued: 2, completed: 2, failed: 0, cancelled: 0, failures: [] });
    second.kill('SIGTERM');
    await exitOf(second);
  });

  it('cancel removes the waiting jobs and finishes the batch', async () => {
    const env = testEnv(redisUrl);
    const batch = (await runCli(['enqueue', '--no-learn', corpus(4), '--out', tempDir('out')], env)).stdout.trim();
    const r = await runCli(['cancel', batch], env);
    expect(r.stdout).toBe(`batch ${batch}: cancelled, 20 waiting documents removed (running jobs finish)\n`);
    const s = await status(env, batch);
    expect(s).toMatchObject({ queued: 20, cancelled: 20, completed: 0, waiting: 0 });
    expect(s.finishedAt).not.toBeNull();
    expect((await runCli(['status', batch], env)).stdout).toContain('cancelled');
  });

  it('queues documents queue.documentsPerJob to a job, and never twice while they wait', async () => {
    const env = testEnv(redisUrl);
    const input = corpus(4);
    const out = tempDir('out');
    const config = configFile({ queue: { documentsPerJob: 8 } });
    const first = await runCli(['enqueue', '--no-learn', input, '--out', out, '--config', config], env);
    expect(first.stderr).toContain('20 files found, 20 queued, 0 skipped');
    // 20 documents, 8 to a job: 8 + 8 + 4.
    expect(JSON.parse((await runCli(['status', first.stdout.trim(), '--json'], env)).stdout).queue).toMatchObject({ waiting: 3 });

    const again = await runCli(['enqueue', '--no-learn', input, '--out', out, '--config', config], env);
    expect(again.stderr).toContain('20 files found, 0 queued, 20 skipped');
    await runCli(['cancel', first.stdout.trim()], env);
    // Cancelled, they are no longer queued: the next enqueue takes them all.
    const third = await runCli(['enqueue', '--no-learn', input, '--out', out], env);
    expect(third.stderr).toContain('20 files found, 20 queued, 0 skipped');
    const w = worker(env, 2);
    const done = await finishedStatus(env, third.stdout.trim());
    expect(done).toMatchObject({ queued: 20, completed: 20, failed: 0 });
    assertOutputs(out, 20);
    w.kill('SIGTERM');
    await exitOf(w);
  });

  it('refuses a documentsPerJob that is not a whole number from 1 to 1000', async () => {
    const config = configFile({ queue: { documentsPerJob: 2.5 } });
    const r = await runCli(['enqueue', '--no-learn', corpus(1), '--out', tempDir('out'), '--config', config], testEnv(redisUrl));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`vnpipe: config error in ${config}: queue.documentsPerJob: must be a whole number, not 2.5\n`);
  });

  it('cancel during the counting pass (learning is the default) stops the enqueue instead of leaving it waiting', async () => {
    const env = testEnv(redisUrl);
    const enqueue = spawn(process.execPath, [CLI, 'enqueue', corpus(2), '--out', tempDir('out')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(enqueue);
    let batch = '';
    enqueue.stdout!.on('data', (d) => (batch += String(d)));
    // No worker: the counting pass waits for counts that never come.
    const listed = await waitFor(async () => {
      const r = await runCli(['status', '--json'], env);
      const found = JSON.parse(r.stdout).batches[0];
      return found?.countQueued === 10 ? found : null;
    });
    await runCli(['cancel', listed.id], env);
    expect(await exitOf(enqueue)).toBe(0);
    expect(batch.trim()).toBe(listed.id);
    expect(await status(env, listed.id)).toMatchObject({ queued: 0, cancelled: 0, walked: true });
  });

  it('status --doc tells a failed document and a file never queued', async () => {
    const env = testEnv(redisUrl);
    const input = join(tempDir('doc'), 'in');
    mkdirSync(input);
    writeFileSync(join(input, 'empty.txt'), '');
    const batch = (await runCli(['enqueue', '--no-learn', input, '--out', tempDir('out')], env)).stdout.trim();
    const w = worker(env, 1);
    await waitFor(async () => (await status(env, batch))?.finishedAt);
    w.kill('SIGTERM');
    const failed = JSON.parse((await runCli(['status', '--doc', join(input, 'empty.txt'), '--json'], env)).stdout);
    expect(failed).toMatchObject({ batch, state: 'failed', error: 'empty: the file is empty (0 bytes)' });
    const never = JSON.parse((await runCli(['status', '--doc', '/tmp/never-queued.txt', '--json'], env)).stdout);
    expect(never).toMatchObject({ batch: null, state: 'not queued' });
    await exitOf(w);
  });
});
