/**
 * Fault injection (`npm run test:faults [-- --case TEXT]`): each case runs a real batch on a private
 * redis-server, breaks something in the middle, recovers the way the README says, and
 * counts documents in, out (one output file each), duplicated (an output that is no
 * input's) and lost (no output and no failure record), and checks that every batch
 * ended with its counts adding up to what it queued. At-least-once delivery may run
 * a document twice; its output is replaced, never doubled. Prints the table; exits 1
 * if any case lost or duplicated a document, or its counts do not add up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startLocalRedis, type LocalRedis } from '../src/cli/local-redis.js';
import { PACKAGE_ROOT } from '../src/config.js';
import { BatchStore, type BatchRecord } from '../src/queue/batches.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
const PREFIX = 'faults';

interface Row {
  fault: string;
  in: number;
  out: number;
  duplicated: number;
  failed: number;
  /** Every batch's counts add up to what it queued. */
  exact: boolean;
  lost: number;
  note: string;
}

interface Case {
  redis: LocalRedis;
  env: NodeJS.ProcessEnv;
  input: string;
  out: string;
  store: BatchStore;
  /** A worker; `extra` are more of its options (`--queues 3`). */
  worker(lockMs?: number, ...extra: string[]): ChildProcess;
  cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  spawnCli(...args: string[]): ChildProcess;
}

function folder(n: number): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'vnpipe-faults-')), 'in');
  mkdirSync(dir);
  for (let i = 0; i < n; i++) cpSync(join(PACKAGE_ROOT, 'samples', '001_cfab3d3de795dabf.txt'), join(dir, `${String(i).padStart(5, '0')}.txt`));
  return dir;
}

async function withCase(files: number, appendOnly: boolean, run: (c: Case) => Promise<string>): Promise<Row & { fault: '' }> {
  const redis = await startLocalRedis({ appendOnly });
  const env = { ...process.env, REDIS_URL: redis.url, VNPIPE_PREFIX: PREFIX, LOG_LEVEL: 'warn' };
  const input = folder(files);
  const out = join(input, '..', 'out');
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => {});
  const children: ChildProcess[] = [];
  const c: Case = {
    redis, env, input, out,
    store: new BatchStore(client, PREFIX),
    worker(lockMs = 3000, ...extra) {
      const w = spawn(process.execPath, [CLI, 'worker', '--concurrency', '2', '--lock-duration', String(lockMs), ...extra], { env, stdio: 'ignore' });
      children.push(w);
      return w;
    },
    cli(...args) {
      return new Promise((resolve) => {
        const p = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        p.stdout!.on('data', (d: Buffer) => (stdout += d));
        p.stderr!.on('data', (d: Buffer) => (stderr += d));
        p.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      });
    },
    spawnCli(...args) {
      const p = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(p);
      return p;
    },
  };
  try {
    const note = await run(c);
    const running = children.filter((w) => w.exitCode === null && w.signalCode === null);
    for (const w of running) w.kill('SIGTERM');
    await Promise.all(running.map((w) => new Promise((r) => w.once('exit', r))));
    return { fault: '', ...(await tally(c, files)), note };
  } finally {
    for (const w of children) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    client.disconnect();
    await redis.stop();
    rmSync(join(input, '..'), { recursive: true, force: true });
  }
}

/** Outputs on disk and the failure records of every batch. */
async function tally(c: Case, files: number): Promise<Omit<Row, 'fault' | 'note'>> {
  const outputs = new Set(readdirSync(c.out).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)));
  const failed = new Set<string>();
  const batches = await c.store.list(100);
  for (const b of batches) for (const f of await c.store.failures(b.id, Infinity)) failed.add(f.rel);
  const names = readdirSync(c.input);
  return {
    // Every batch ended with each document it queued counted once: done, failed or cancelled.
    exact: batches.every((b) => b.finishedAt !== null && b.completed + b.failed + b.cancelled === b.queued),
    in: files,
    out: outputs.size,
    // One output per input by construction (its name is the input's key): a duplicate would be an output of no input.
    duplicated: [...outputs].filter((o) => !names.includes(o)).length,
    failed: failed.size,
    lost: names.filter((n) => !outputs.has(n) && !failed.has(n)).length,
  };
}

async function until(probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A config that lets a walk queue at most 1,000 documents ahead of the workers, so a fault lands mid-walk. */
function windowConfig(c: Case): string {
  const config = join(c.out, '..', 'window.json');
  writeFileSync(config, '{"queue": {"enqueueWindow": 1000}}');
  return config;
}

async function batches(c: Case): Promise<BatchRecord[]> {
  return c.store.list(100);
}
const allFinished = (c: Case) => async () => {
  const list = await batches(c).catch(() => []);
  return list.length > 0 && list.every((b) => b.finishedAt !== null);
};
const completedAtLeast = (c: Case, n: number) => async () => ((await batches(c).catch(() => []))[0]?.completed ?? 0) >= n;

const N = 3000;
const cases: [string, () => Promise<Row & { fault: '' }>][] = [
  [
    'worker kill -9 mid-batch',
    () =>
      withCase(N, true, async (c) => {
        const first = c.worker();
        expectOk(await c.cli('enqueue', c.input, '--out', c.out));
        await until(completedAtLeast(c, N / 3));
        first.kill('SIGKILL');
        c.worker();
        await until(allFinished(c));
        return 'a second worker takes the killed one\'s jobs after one lock period';
      }),
  ],
  [
    'producer kill -9 mid-walk',
    () =>
      withCase(N, true, async (c) => {
        const config = windowConfig(c);
        // --no-learn: the walk that queues documents for cleaning is killed while no
        // worker runs (a learning enqueue waits for workers to count first; that walk
        // is killed in the case below).
        const producer = c.spawnCli('enqueue', c.input, '--out', c.out, '--config', config, '--no-learn');
        await until(async () => ((await batches(c))[0]?.queued ?? 0) >= 1000);
        producer.kill('SIGKILL');
        const [batch] = await batches(c);
        await until(async () => !(await c.store.get(batch!.id))!.producerAlive, 30_000);
        c.worker();
        expectOk(await c.cli('enqueue', c.input, '--out', c.out, '--config', config, '--resume', batch!.id));
        await until(allFinished(c));
        return 'status shows `interrupted`; enqueue --resume finishes the same batch';
      }),
  ],
  [
    'producer kill -9 mid-count (learning)',
    () =>
      withCase(N, true, async (c) => {
        const config = windowConfig(c);
        c.worker();
        const producer = c.spawnCli('enqueue', c.input, '--out', c.out, '--config', config);
        // Killed while its counting pass is queued and counted in part.
        await until(async () => {
          const b = (await batches(c))[0];
          return b !== undefined && b.countQueued >= 1000 && b.counted > 0;
        });
        producer.kill('SIGKILL');
        const [batch] = await batches(c);
        if (batch!.profile !== null) throw new Error('the batch had its profile before the kill: nothing was cut in the counting pass');
        await until(async () => !(await c.store.get(batch!.id))!.producerAlive, 30_000);
        expectOk(await c.cli('enqueue', c.input, '--out', c.out, '--config', config, '--resume', batch!.id));
        await until(allFinished(c));
        const done = (await c.store.get(batch!.id))!;
        // Every file counted once: the resumed pass numbers them as the first did, and Redis refuses a second count.
        if (done.counted !== N || !done.profile?.learned) throw new Error(`counted ${done.counted} of ${N} documents, profile ${JSON.stringify(done.profile)}`);
        return `killed at ${batch!.counted} of ${N} counted; enqueue --resume counts the rest once (${done.counted} counted), learns, cleans`;
      }),
  ],
  [
    'Redis restart (AOF) mid-batch',
    () =>
      withCase(N, true, async (c) => {
        c.worker();
        expectOk(await c.cli('enqueue', c.input, '--out', c.out));
        await until(completedAtLeast(c, N / 3));
        await c.redis.restart(500);
        await until(allFinished(c));
        return 'workers reconnect by themselves';
      }),
  ],
  [
    'Redis restart without persistence',
    () =>
      withCase(N, false, async (c) => {
        c.worker();
        expectOk(await c.cli('enqueue', c.input, '--out', c.out));
        await until(completedAtLeast(c, N / 3));
        await c.redis.restart(500);
        // The batch and its jobs are gone; the same enqueue queues what has no output yet.
        if ((await batches(c)).length > 0) throw new Error('the batch outlived a restart without persistence');
        expectOk(await c.cli('enqueue', c.input, '--out', c.out));
        await until(allFinished(c));
        return 'the batch is gone from Redis; the same enqueue again queues only what has no output';
      }),
  ],
  [
    'Redis restart (AOF) mid-walk',
    () =>
      withCase(N, true, async (c) => {
        const config = windowConfig(c);
        c.worker();
        const producer = c.cli('enqueue', c.input, '--out', c.out, '--config', config);
        await until(async () => ((await batches(c))[0]?.queued ?? 0) >= 1000);
        await c.redis.restart(500);
        expectOk(await producer);
        await until(allFinished(c));
        return 'the walk waits for Redis and goes on; a chunk cut off is walked again';
      }),
  ],
  [
    'Redis restart without persistence mid-walk',
    () =>
      withCase(N, false, async (c) => {
        const config = windowConfig(c);
        c.worker();
        const producer = c.cli('enqueue', c.input, '--out', c.out, '--config', config);
        await until(async () => ((await batches(c))[0]?.queued ?? 0) >= 1000);
        await c.redis.restart(500);
        const first = await producer;
        if (first.code === 0 || !/gone from Redis/.test(first.stderr)) throw new Error(`enqueue did not say its batch was lost (exit ${first.code}): ${first.stderr.trim()}`);
        expectOk(await c.cli('enqueue', c.input, '--out', c.out, '--config', config));
        await until(allFinished(c));
        return 'enqueue stops: its batch is gone from Redis; the same enqueue again queues what has no output';
      }),
  ],
  [
    'two producers on one folder',
    () =>
      withCase(N, true, async (c) => {
        c.worker();
        const [a, b] = await Promise.all([c.cli('enqueue', c.input, '--out', c.out), c.cli('enqueue', c.input, '--out', c.out)]);
        expectOk(a);
        expectOk(b);
        await until(allFinished(c));
        const queued = (await batches(c)).reduce((n, x) => n + x.queued, 0);
        return `each document claimed once: ${queued} queued across both batches`;
      }),
  ],
  [
    'worker kill -9 mid-batch, 3 queue shards',
    () =>
      withCase(N, true, async (c) => {
        const first = c.worker(3000, '--queues', '3');
        expectOk(await c.cli('enqueue', c.input, '--out', c.out, '--queues', '3'));
        await until(completedAtLeast(c, N / 3));
        first.kill('SIGKILL');
        c.worker(3000, '--queues', '3');
        await until(allFinished(c));
        return 'as with one queue: every shard\'s jobs go to the second worker';
      }),
  ],
  [
    'two producers on one folder, 3 queue shards',
    () =>
      withCase(N, true, async (c) => {
        c.worker(3000, '--queues', '3');
        const [a, b] = await Promise.all([c.cli('enqueue', c.input, '--out', c.out, '--queues', '3'), c.cli('enqueue', c.input, '--out', c.out, '--queues', '3')]);
        expectOk(a);
        expectOk(b);
        await until(allFinished(c));
        const queued = (await batches(c)).reduce((n, x) => n + x.queued, 0);
        return `each document claimed once, on its shard: ${queued} queued across both batches`;
      }),
  ],
  [
    'Redis out of memory mid-enqueue',
    () =>
      withCase(N, true, async (c) => {
        const admin = new Redis(c.redis.url);
        await admin.config('SET', 'maxmemory', String(2 * 1024 * 1024));
        // --no-learn: this walk runs with no worker (a learning enqueue would wait for counts).
        const first = await c.cli('enqueue', c.input, '--out', c.out, '--no-learn');
        const oomSeen = first.code !== 0 && /OOM|memory/i.test(first.stderr);
        await admin.config('SET', 'maxmemory', '0');
        admin.disconnect();
        if (!oomSeen) throw new Error(`enqueue did not stop on Redis's OOM error under a 2 MB limit (exit ${first.code}): ${first.stderr.trim()}`);
        c.worker();
        const [batch] = await batches(c);
        expectOk(await c.cli('enqueue', c.input, '--out', c.out, '--resume', batch!.id));
        await until(allFinished(c));
        return `enqueue stops with Redis's OOM error (exit ${first.code}); enqueue --resume after freeing memory queues the rest`;
      }),
  ],
  [
    'Redis out of memory mid-enqueue (learning)',
    () =>
      withCase(N, true, async (c) => {
        const config = windowConfig(c);
        const admin = new Redis(c.redis.url);
        try {
          // Learning needs workers to count: one runs from the start. Once the counting pass
          // is under way, Redis gets a limit of half the memory it then uses, so every write
          // after it is refused, whatever the machine's speed. Whoever writes first meets the
          // refusal: the producer stops on it (queueing count jobs), or waits for room while
          // the worker's counts are refused. Memory is freed once the producer has stopped,
          // or 10 s after the first refusal, as an operator would.
          c.worker();
          const enqueue = c.cli('enqueue', c.input, '--out', c.out, '--config', config);
          await until(async () => {
            const b = (await batches(c))[0];
            return b !== undefined && b.countQueued >= 1000 && b.counted > 0;
          });
          const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
          await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)));
          const [cut] = await batches(c);
          if (cut!.profile !== null) throw new Error('the batch had its profile before the limit: the counting pass was over');
          // Commands Redis refused for memory (INFO errorstats): the proof that the fault was hit.
          const refused = async () => Number(/errorstat_OOM:count=(\d+)/.exec(await admin.info('errorstats'))?.[1] ?? 0);
          let stopped = false;
          void enqueue.then(() => (stopped = true));
          await until(async () => stopped || (await refused()) > 0, 60_000).catch(() => {
            throw new Error(`nothing was refused for 60 s under a limit of ${Math.floor(used / 2)} B`);
          });
          const firstRefusal = Date.now();
          await until(async () => stopped || Date.now() - firstRefusal > 10_000);
          const oom = await refused();
          await admin.config('SET', 'maxmemory', '0');
          if (oom === 0) throw new Error('the enqueue ended with no command refused for memory');
          // The producer ends either way: it stopped on the refusal, or goes on now that memory is free.
          const first = await enqueue;
          let how: string;
          if (first.code === 0) how = 'the producer waited for room while the worker\'s counts were refused, and went on once memory was freed';
          else {
            if (!/OOM|memory/i.test(first.stderr)) throw new Error(`enqueue failed on something else than memory (exit ${first.code}): ${first.stderr.trim()}`);
            expectOk(await c.cli('enqueue', c.input, '--out', c.out, '--config', config, '--resume', cut!.id));
            how = `enqueue stopped on the OOM error (exit ${first.code}); enqueue --resume counted the rest`;
          }
          await until(allFinished(c));
          const done = (await c.store.get(cut!.id))!;
          if (done.counted !== N || !done.profile?.learned) throw new Error(`counted ${done.counted} of ${N} documents, profile ${JSON.stringify(done.profile)}`);
          return `limit of half Redis's ${(used / 2 ** 20).toFixed(1)} MB at ${cut!.counted} of ${N} counted, ${oom} commands refused for memory: ${how}, each document counted once; learns, cleans`;
        } finally {
          admin.disconnect();
        }
      }),
  ],
];

function expectOk(r: { code: number; stderr: string }): void {
  if (r.code !== 0) throw new Error(`vnpipe exited ${r.code}: ${r.stderr.trim()}`);
}

// `--case TEXT`: only the cases whose name holds TEXT (one fault while working on it; CI runs them all).
const only = process.argv.includes('--case') ? process.argv[process.argv.indexOf('--case') + 1] ?? '' : '';
const chosen = cases.filter(([fault]) => fault.includes(only));
if (chosen.length === 0) throw new Error(`no fault case's name holds ${JSON.stringify(only)}`);
const rows: Row[] = [];
for (const [fault, run] of chosen) {
  const start = Date.now();
  try {
    const row = await run();
    rows.push({ ...row, fault, note: `${row.note} (${((Date.now() - start) / 1000).toFixed(0)} s)` });
  } catch (err) {
    rows.push({ fault, in: N, out: 0, duplicated: 0, failed: 0, exact: false, lost: N, note: `ERROR: ${(err as Error).message}` });
  }
  console.log(`${fault}: done`);
}

console.log(`\nfault injection, ${availableParallelism()} cores, ${N} documents per case\n`);
console.log('| fault | in | out | failed | duplicated | lost | counts exact | how it recovered |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.fault} | ${r.in} | ${r.out} | ${r.failed} | ${r.duplicated} | ${r.lost} | ${r.exact ? 'yes' : 'NO'} | ${r.note} |`);
const bad = rows.filter((r) => r.lost > 0 || r.duplicated > 0 || !r.exact);
if (bad.length > 0) {
  console.log(`\n${bad.length} case(s) lost or duplicated documents, or ended with counts that do not add up`);
  process.exit(1);
}
process.exit(0);
