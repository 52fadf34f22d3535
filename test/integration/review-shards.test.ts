import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { BatchStore } from '../../src/queue/batches.js';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CLI, exitOf, freePort, runCli, SAMPLES, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const redisUrl = inject('redisUrl');
const workers: ReturnType<typeof spawnWorker>[] = [];
afterAll(() => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
});

const ARTICLE = readFileSync(join(SAMPLES, readdirSync(SAMPLES).sort()[0]!), 'utf8');

async function finished(env: NodeJS.ProcessEnv, batch: string): Promise<any> {
  return waitFor(async () => {
    const r = await runCli(['status', batch, '--json'], env);
    const b = r.code === 0 ? JSON.parse(r.stdout).batch : null;
    return b?.finishedAt ? b : null;
  }, 60_000, 200);
}

describe('a batch of shards writing to a file:// output', () => {
  it("moves its failure records out of Redis into the output's .vnpipe folder, as a batch writing to a folder path does", async () => {
    const env = testEnv(redisUrl);
    const input = join(tempDir('shards-file-out'), 'in');
    mkdirSync(input);
    const rows = [JSON.stringify({ id: 'r0', text: ARTICLE }), 'not json', JSON.stringify({ id: 'r2', text: `${ARTICLE}\n\nBài số 2.` })];
    writeFileSync(join(input, 'a.jsonl'), `${rows.join('\n')}\n`);
    const out = join(tempDir('shards-file-out'), 'out');
    const batch = (await runCli(['enqueue', '--no-learn', pathToFileURL(input).href, '--out', pathToFileURL(out).href], env)).stdout.trim();
    const worker = spawnWorker(env, 1);
    workers.push(worker);
    const done = await finished(env, batch);
    expect(done).toMatchObject({ queued: 3, completed: 2, failed: 1 });
    expect(done.failures.map((f: any) => [f.rel, f.reason])).toEqual([['a.jsonl#1', 'bad-record']]);
    const redis = new Redis(redisUrl);
    const prefix = env.VNPIPE_PREFIX!;
    const moved = await waitFor(async () => (await redis.exists(`${prefix}:batch:${batch}:failures`)) === 0, 10_000).catch(() => false);
    redis.disconnect();
    expect(moved).toBe(true);
    expect(existsSync(join(out, '.vnpipe', `failures-${batch}.jsonl`))).toBe(true);

    // status --doc finds a record by its key (`<shard>#<n>`, as status lists it) below the batch's input.
    const failedDoc = JSON.parse((await runCli(['status', '--doc', `${join(input, 'a.jsonl')}#1`, '--json'], env)).stdout);
    expect(failedDoc).toMatchObject({ batch, state: 'failed', error: expect.stringContaining('bad-record') });
    const doneDoc = JSON.parse((await runCli(['status', '--doc', `${join(input, 'a.jsonl')}#2`, '--json'], env)).stdout);
    expect(doneDoc).toMatchObject({ batch, state: 'completed', output: join(out, 'a.jsonl.000000000.jsonl.gz') });

    // The dashboard's page of the batch: its plots and its document view answer (no 500/503 for an output URL).
    const port = await freePort();
    const dash = spawn(process.execPath, [CLI, 'dashboard', '--port', String(port)], { env: { ...process.env, ...env }, stdio: 'ignore' });
    workers.push(dash);
    const api = `http://127.0.0.1:${port}/vnpipe/api/batches/${batch}`;
    await waitFor(async () => fetch(api).then((r) => r.status === 200, () => false));
    const outputs = await fetch(`${api}/outputs`);
    expect(outputs.status).toBe(200);
    const view = await fetch(`${api}/document?key=${encodeURIComponent('a.jsonl#1')}`);
    expect(view.status).toBe(200);
    expect((await view.json()).errors).toEqual([expect.stringMatching(/shards/)]);
    expect((await fetch(`${api}/document?key=${encodeURIComponent('../a.jsonl#1')}`)).status).toBe(400);
    dash.kill('SIGTERM');
    await exitOf(dash);
    worker.kill('SIGTERM');
    await exitOf(worker);
  }, 120_000);
});

describe('records of one unit that each run past the time limit', () => {
  it('fail alone as timeout, however many there are: the rest of the unit is written', async () => {
    const env = testEnv(redisUrl);
    const base = tempDir('shards-slow');
    const input = join(base, 'in');
    mkdirSync(input);
    // A record of about 30 MB takes several seconds to clean even on an idle machine (8 MB no
    // longer did); the others a few milliseconds, but a fresh thread's first record (loading,
    // JIT) most of a second on a busy machine.
    const slow = Array.from({ length: 6400 }, (_, i) => `${ARTICLE}\n\nĐoạn ${i}.`).join('\n\n');
    const rows = Array.from({ length: 8 }, (_, i) => JSON.stringify({ id: `r${i}`, text: [1, 3, 5].includes(i) ? slow : `${ARTICLE}\n\nBài số ${i}.` }));
    writeFileSync(join(input, 'a.jsonl'), `${rows.join('\n')}\n`);
    const config = join(base, 'config.json');
    writeFileSync(config, JSON.stringify({ limits: { documentTimeoutMs: 1500, maxFileBytes: 50_000_000 }, shards: { recordsPerJob: 8 }, queue: { attempts: 3, backoffMs: 100 } }));
    const out = join(base, 'out');
    const batch = (await runCli(['enqueue', '--no-learn', pathToFileURL(input).href, '--out', out, '--config', config], env)).stdout.trim();
    const worker = spawn(process.execPath, [CLI, 'worker', '--concurrency', '1', '--config', config], { env: { ...process.env, ...env }, stdio: 'ignore' });
    workers.push(worker);
    const done = await finished(env, batch);
    worker.kill('SIGTERM');
    await exitOf(worker);
    expect(done.failures.map((f: any) => [f.rel, f.reason])).toEqual([['a.jsonl#1', 'timeout'], ['a.jsonl#3', 'timeout'], ['a.jsonl#5', 'timeout']]);
    expect(done).toMatchObject({ queued: 8, completed: 5, failed: 3 });
    const docs = gunzipSync(readFileSync(join(out, 'a.jsonl.000000000.jsonl.gz'))).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(docs.map((d) => d.metadata.record.id)).toEqual(['r0', 'r2', 'r4', 'r6', 'r7']);
  }, 180_000);
});

describe('retry of a shard batch', () => {
  it("queues the failed records of one unit in one job, as enqueue does, never split over jobs that would each rewrite the unit", async () => {
    const env = testEnv(redisUrl);
    const base = tempDir('shards-retry');
    const input = join(base, 'in');
    mkdirSync(input);
    const rows = Array.from({ length: 8 }, (_, i) => (i % 2 === 1 ? `not json ${i}` : JSON.stringify({ id: `r${i}`, text: `${ARTICLE}\n\nBài số ${i}.` })));
    writeFileSync(join(input, 'a.jsonl'), `${rows.join('\n')}\n`);
    const config = join(base, 'config.json');
    writeFileSync(config, JSON.stringify({ shards: { recordsPerJob: 8 }, queue: { documentsPerJob: 2 } }));
    const batch = (await runCli(['enqueue', '--no-learn', pathToFileURL(input).href, '--out', join(base, 'out'), '--config', config], env)).stdout.trim();
    const worker = spawnWorker(env, 1);
    workers.push(worker);
    expect(await finished(env, batch)).toMatchObject({ completed: 4, failed: 4 });
    worker.kill('SIGTERM');
    await exitOf(worker);
    expect((await runCli(['retry', batch], env)).stdout).toContain('4 failed documents queued again');
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('documents', { connection: redis, prefix: env.VNPIPE_PREFIX! });
    const jobs = (await queue.getJobs(['waiting', 'prioritized', 'delayed'])).filter((j) => j.data.batch === batch);
    await queue.close();
    redis.disconnect();
    expect(jobs.map((j) => j.data.docs.map((d: any) => d.rel))).toEqual([['a.jsonl#1', 'a.jsonl#3', 'a.jsonl#5', 'a.jsonl#7']]);
  }, 120_000);
});

describe('failure records moved out of Redis', () => {
  it('still say which records failed for good, as a job that runs again after the batch ended asks', async () => {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const store = new BatchStore(redis, `t-review-${Date.now()}`);
    const out = tempDir('moved-out');
    const id = await store.create('file:///nowhere', out, {}, { followLinks: false });
    const [[seq]] = await store.claimQueued(id, 'new', [{ data: { docs: [{ id: 'doc0', seq: -1 }] }, opts: { jobId: `${id}-d1` } }]);
    await store.recordFailed(id, [{ id: 'doc0', seq: seq!, rel: 'a.jsonl#0', jobId: `${id}-d1`, reason: 'bad-record', message: 'record 0 is not JSON' }]);
    await store.markWalked(id);
    expect(await redis.hget(`${(store as any).prefix}:batch:${id}`, 'failuresFile')).toBe(join(out, '.vnpipe', `failures-${id}.jsonl`));
    expect(await store.failedAlready(id, ['a.jsonl#0', 'a.jsonl#1'])).toEqual([true, false]);
    redis.disconnect();
  });
});

describe('failure records of a batch ended on a host without its output folder', () => {
  it('stay in Redis (status and retry elsewhere still find them), instead of going to a folder made on that host alone', async () => {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const store = new BatchStore(redis, `t-review-${Date.now()}-b`);
    const out = join(tempDir('elsewhere'), 'not-mounted-here');
    const id = await store.create('/data/in', out, {}, { followLinks: false });
    const [[seq]] = await store.claimQueued(id, 'new', [{ data: { docs: [{ id: 'doc0', seq: -1 }] }, opts: { jobId: `${id}-d1` } }]);
    // `vnpipe cancel` (or a worker) on a machine where the output folder is not mounted ends the batch.
    await store.recordFailed(id, [{ id: 'doc0', seq: seq!, rel: 'a.txt', jobId: `${id}-d1`, reason: 'empty', message: 'empty' }]);
    await store.markWalked(id);
    expect(existsSync(out)).toBe(false);
    expect((await store.failures(id, 10)).map((f) => f.rel)).toEqual(['a.txt']);
    redis.disconnect();
  });
});

/** Every record's source in every output shard below `out`, with how many times it is there. */
function sourcesOut(out: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const name of readdirSync(out).filter((n) => n.endsWith('.jsonl.gz'))) {
    for (const line of gunzipSync(readFileSync(join(out, name))).toString('utf8').split('\n')) {
      if (line) seen.set(JSON.parse(line).source, (seen.get(JSON.parse(line).source) ?? 0) + 1);
    }
  }
  return seen;
}

describe('shards.recordsPerJob changed between runs into the same output', () => {
  it('keeps the unit size the output was written with (and says so), so no record is in two output shards', async () => {
    const env = testEnv(redisUrl);
    const base = tempDir('shards-unit-size');
    const input = join(base, 'in');
    mkdirSync(input);
    const rows = Array.from({ length: 10 }, (_, i) => JSON.stringify({ id: `r${i}`, text: `${ARTICLE}\n\nBài số ${i}.` }));
    writeFileSync(join(input, 'a.jsonl'), `${rows.join('\n')}\n`);
    const out = join(base, 'out');
    const config = (perJob: number) => {
      const file = join(base, `config-${perJob}.json`);
      writeFileSync(file, JSON.stringify({ shards: { recordsPerJob: perJob } }));
      return file;
    };
    const worker = spawnWorker(env, 1);
    workers.push(worker);
    const first = (await runCli(['enqueue', '--no-learn', pathToFileURL(input).href, '--out', out, '--config', config(4)], env)).stdout.trim();
    expect(await finished(env, first)).toMatchObject({ queued: 10, completed: 10 });
    expect(readdirSync(out).filter((n) => n.endsWith('.jsonl.gz')).sort()).toEqual(['a.jsonl.000000000.jsonl.gz', 'a.jsonl.000000004.jsonl.gz', 'a.jsonl.000000008.jsonl.gz']);
    expect(JSON.parse(readFileSync(join(out, 'a.jsonl.000000004.jsonl.gz.manifest.json'), 'utf8'))).toMatchObject({ first: 4, recordsPerJob: 4, records: 4, failed: 0, failures: [] });

    // The same shards again with another unit size: nothing to do, and the user is told why.
    const again = await runCli(['enqueue', '--no-learn', pathToFileURL(input).href, '--out', out, '--config', config(3)], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/units of 4 records: this batch keeps shards\.recordsPerJob = 4, not 3/);
    expect(again.stderr).toMatch(/0 queued, 10 skipped/);
    // --force rebuilds every unit, in the output's own units.
    const forced = await runCli(['enqueue', '--no-learn', pathToFileURL(input).href, '--out', out, '--config', config(3), '--force'], env);
    const done = await finished(env, forced.stdout.trim());
    expect(done).toMatchObject({ queued: 10, completed: 10 });
    worker.kill('SIGTERM');
    await exitOf(worker);
    const seen = sourcesOut(out);
    expect([...seen.keys()].sort()).toEqual(rows.map((_, i) => `a.jsonl#${i}`).sort());
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);
});

describe('a unit whose records failed, enqueued again', () => {
  it('runs the failed records again, and the records already out stay in its shard once', async () => {
    const env = testEnv(redisUrl);
    const base = tempDir('shards-failed-again');
    const input = join(base, 'in');
    mkdirSync(input);
    // Record 3 is broken the first time (bad-record); then it is mended in place, the file's
    // time kept, so that only what the manifest lists as failed is due again. (A time limit
    // made it fail here before: a faster pipeline or an idle machine cleaned it in time.)
    const file = join(input, 'a.jsonl');
    const rows = Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: `r${i}`, text: `${ARTICLE}\n\nBài số ${i}.` }));
    writeFileSync(file, `${rows.map((r, i) => (i === 3 ? r.slice(0, 40) : r)).join('\n')}\n`);
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000); // whole seconds: set again exactly below
    utimesSync(file, mtime, mtime);
    const out = join(base, 'out');
    const first = (await runCli(['enqueue', '--no-learn', pathToFileURL(input).href, '--out', out], env)).stdout.trim();
    const busy = spawnWorker(env, 1);
    workers.push(busy);
    const firstRun = await finished(env, first);
    busy.kill('SIGTERM');
    await exitOf(busy);
    writeFileSync(file, `${rows.join('\n')}\n`);
    utimesSync(file, mtime, mtime);
    expect(firstRun).toMatchObject({ queued: 6, completed: 5, failed: 1 });
    expect(firstRun.failures.map((f: any) => [f.rel, f.reason])).toEqual([['a.jsonl#3', 'bad-record']]);
    expect(JSON.parse(readFileSync(join(out, 'a.jsonl.000000000.jsonl.gz.manifest.json'), 'utf8'))).toMatchObject({ records: 5, failed: 1, failures: [3] });
    // The documents already out are kept as they are, not cleaned again: mark one to see it stay.
    const shardFile = join(out, 'a.jsonl.000000000.jsonl.gz');
    const marked = gunzipSync(readFileSync(shardFile)).toString('utf8').replace('"metadata":{', '"metadata":{"kept":true,');
    writeFileSync(shardFile, gzipSync(marked));
    const manifestFile = `${shardFile}.manifest.json`;
    writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(readFileSync(manifestFile, 'utf8')), bytes: readFileSync(shardFile).length }));

    const again = await runCli(['enqueue', '--no-learn', pathToFileURL(input).href, '--out', out], env);
    expect(again.stderr).toMatch(/1 queued, 5 skipped/);
    const worker = spawnWorker(env, 1);
    workers.push(worker);
    expect(await finished(env, again.stdout.trim())).toMatchObject({ queued: 1, completed: 1, failed: 0 });
    worker.kill('SIGTERM');
    await exitOf(worker);
    const docs = gunzipSync(readFileSync(join(out, 'a.jsonl.000000000.jsonl.gz'))).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(docs.map((d) => d.metadata.record.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(docs.map((d) => d.metadata.kept ?? false)).toEqual([true, false, false, false, false, false]);
    expect(JSON.parse(readFileSync(join(out, 'a.jsonl.000000000.jsonl.gz.manifest.json'), 'utf8'))).toMatchObject({ records: 6, failed: 0, failures: [] });
    // Nothing left to run: a third enqueue queues nothing.
    expect((await runCli(['enqueue', '--no-learn', pathToFileURL(input).href, '--out', out], env)).stderr).toMatch(/0 queued, 6 skipped/);
  }, 180_000);
});
