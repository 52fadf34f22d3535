import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runCli, SAMPLES, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const redisUrl = inject('redisUrl');
const workers: ReturnType<typeof spawnWorker>[] = [];
afterAll(() => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
});

async function finished(env: NodeJS.ProcessEnv, batch: string, completed: number): Promise<any> {
  return waitFor(async () => {
    const r = await runCli(['status', batch, '--json'], env);
    const b = r.code === 0 ? JSON.parse(r.stdout).batch : null;
    return b?.finishedAt && b.completed === completed ? b : null;
  }, 60_000, 200);
}

describe('failure records of a finished batch', () => {
  it('leave Redis for a file in the output folder, still shown by status, and come back for retry', async () => {
    const env = testEnv(redisUrl);
    const input = join(tempDir('failures'), 'in');
    mkdirSync(input);
    cpSync(join(SAMPLES, '003_7161b19aceaccb0d.txt'), join(input, 'ok.txt'));
    for (const name of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(join(input, name), '');
    const out = join(input, '..', 'out');
    const batch = (await runCli(['enqueue', '--no-learn', input, '--out', out], env)).stdout.trim();
    const worker = spawnWorker(env, 1);
    workers.push(worker);
    const done = await finished(env, batch, 1);
    expect(done).toMatchObject({ completed: 1, failed: 3 });
    expect(done.failures.map((f: any) => [f.rel, f.reason])).toEqual([['a.txt', 'empty'], ['b.txt', 'empty'], ['c.txt', 'empty']]);

    // Out of Redis, into the output folder.
    const redis = new Redis(redisUrl);
    const prefix = env.VNPIPE_PREFIX!;
    expect(await redis.exists(`${prefix}:batch:${batch}:failures`, `${prefix}:batch:${batch}:failure-order`)).toBe(0);
    const file = join(out, '.vnpipe', `failures-${batch}.jsonl`);
    expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).rel)).toEqual(['a.txt', 'b.txt', 'c.txt']);
    const doc = JSON.parse((await runCli(['status', '--doc', join(input, 'b.txt'), '--json'], env)).stdout);
    expect(doc).toMatchObject({ state: 'failed', error: expect.stringContaining('empty') });

    // Two fixed, one still empty: retry brings the records back, runs the three, and the one left moves out again.
    for (const name of ['a.txt', 'b.txt']) cpSync(join(SAMPLES, '003_7161b19aceaccb0d.txt'), join(input, name));
    const retry = await runCli(['retry', batch], env);
    expect(retry.stdout).toContain('3 failed documents queued again');
    const again = await finished(env, batch, 3);
    expect(again).toMatchObject({ completed: 3, failed: 1 });
    expect(again.failures.map((f: any) => f.rel)).toEqual(['c.txt']);
    expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).rel)).toEqual(['c.txt']);
    expect(await redis.exists(`${prefix}:batch:${batch}:failures`)).toBe(0);
    redis.disconnect();
    expect(existsSync(join(out, 'a.txt.json'))).toBe(true);
  }, 180_000);
});
