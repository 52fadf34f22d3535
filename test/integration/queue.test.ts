import { readdirSync, readFileSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { processDocument } from '../../src/text/pipeline.js';
import { copySamples, exitOf, runCli, spawnWorker, tempDir, testEnv, waitFor, type CliResult } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const redisUrl = inject('redisUrl');
const workers: ReturnType<typeof spawnWorker>[] = [];

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
});

function json(r: CliResult): any {
  expect(r.stderr).not.toMatch(/unexpected error/);
  return JSON.parse(r.stdout);
}

async function finishedBatch(env: NodeJS.ProcessEnv, batch: string): Promise<any> {
  return waitFor(async () => {
    const status = json(await runCli(['status', batch, '--json'], env)).batch;
    return status.finishedAt ? status : null;
  });
}

describe('enqueue → worker → status on a real Redis', () => {
  const env = testEnv(redisUrl);
  const input = copySamples();
  const out = join(tempDir('out'), 'out');
  // Bad inputs beside the samples: each must fail alone, with its reason.
  writeFileSync(join(input, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
  writeFileSync(join(input, 'empty.txt'), '');
  mkdirSync(join(input, 'sub dir'));
  writeFileSync(join(input, 'sub dir', 'tiếng việt.txt'), 'Đây là một bài viết ngắn bằng tiếng Việt, có dấu đầy đủ. Nó nằm trong thư mục con.');
  let batch = '';

  it('enqueues the folder and prints the batch id', async () => {
    const r = await runCli(['enqueue', '--no-learn', input, '--out', out], env);
    expect(r.code).toBe(0);
    batch = r.stdout.trim();
    expect(batch).toMatch(/^\d{8}-\d{6}-[0-9a-f]{32}$/);
    expect(r.stderr).toContain(`batch ${batch}: 8 files found, 8 queued, 0 skipped`);
    const status = json(await runCli(['status', batch, '--json'], env)).batch;
    expect(status).toMatchObject({ found: 8, queued: 8, completed: 0, failed: 0, waiting: 8, walked: true });
  });

  it('processes every document with two worker threads and reports exact counts', async () => {
    const worker = spawnWorker(env, 2);
    workers.push(worker);
    const status = await finishedBatch(env, batch);
    expect(status).toMatchObject({ found: 8, queued: 8, completed: 6, failed: 2, active: 0, waiting: 0 });
    expect(status.failures.map((f: any) => [f.rel, f.reason])).toEqual([
      ['empty.txt', 'empty'],
      ['image.png', 'not-text'],
    ]);
    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(0);
  });

  it('writes the same document the in-process pipeline makes, for every sample', () => {
    const config = loadConfig();
    for (const name of readdirSync(input).filter((n) => n.endsWith('.txt') && n !== 'empty.txt')) {
      const written = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8'));
      expect(written).toEqual(processDocument(readFileSync(join(input, name)), name, config));
    }
    const nested = JSON.parse(readFileSync(join(out, 'sub dir', 'tiếng việt.txt.json'), 'utf8'));
    expect(nested.source).toBe('sub dir/tiếng việt.txt');
    expect(nested.sentences).toEqual(['Đây là một bài viết ngắn bằng tiếng Việt, có dấu đầy đủ.', 'Nó nằm trong thư mục con.']);
    // .vnpipe holds the failure records, moved out of Redis when the batch ended.
    expect(readdirSync(out).sort()).toEqual([
      '.vnpipe', '000_e15030ee0d383edd.txt.json', '001_cfab3d3de795dabf.txt.json', '002_96ecd948de8e48bb.txt.json',
      '003_7161b19aceaccb0d.txt.json', '004_2d82f93cebf0d4a1.txt.json', 'sub dir',
    ]);
  });

  it('shows each failure with its file and reason in the human status', async () => {
    const r = await runCli(['status', batch], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('documents 6 completed, 2 failed, 0 active, 0 waiting');
    expect(r.stdout).toContain('empty.txt  empty  the file is empty (0 bytes)');
    expect(r.stdout).toContain('image.png  not-text  binary data: 3 NUL bytes in 12 bytes, the first at offset 4');
  });

  it('does no work twice: enqueueing the same folder again queues only what failed', async () => {
    const r = await runCli(['enqueue', '--no-learn', input, '--out', out], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('8 files found, 2 queued, 6 skipped');
    const again = json(await runCli(['status', r.stdout.trim(), '--json'], env)).batch;
    expect(again).toMatchObject({ queued: 2, skipped: 6 });
  });

  it('lists the batches with no batch id', async () => {
    const r = await runCli(['status'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(batch);
    expect(r.stdout).toMatch(/queue: \d+ waiting/);
  });
});

describe('a file that vanished after it was enqueued', () => {
  it('fails with reason missing while the others complete', async () => {
    const env = testEnv(redisUrl);
    const input = copySamples();
    const out = tempDir('out');
    const r = await runCli(['enqueue', '--no-learn', input, '--out', out], env);
    const batch = r.stdout.trim();
    unlinkSync(join(input, '002_96ecd948de8e48bb.txt'));
    const worker = spawnWorker(env, 1);
    workers.push(worker);
    const status = await finishedBatch(env, batch);
    worker.kill('SIGTERM');
    expect(status).toMatchObject({ completed: 4, failed: 1 });
    expect(status.failures[0]).toMatchObject({ rel: '002_96ecd948de8e48bb.txt', reason: 'missing' });
    expect(status.failures[0].message).toMatch(/^the file is gone \(deleted or moved after it was enqueued\)/);
    expect(await exitOf(worker)).toBe(0);
  });
});

describe('vnpipe run', () => {
  it('with REDIS_URL unset and no Redis on the default port, starts a private redis-server, processes everything and exits 0', async () => {
    const out = tempDir('run');
    const r = await runCli(['run', copySamples(), '--out', out, '--concurrency', '2'], { REDIS_URL: '' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/started a private redis-server at redis:\/\/127\.0\.0\.1:\d+ for this run/);
    expect(r.stdout).toContain('documents 5 completed, 0 failed, 0 active, 0 waiting');
    expect(readdirSync(out)).toHaveLength(5);
  });

  it('with a REDIS_URL that does not answer, says so instead of running on a private Redis', async () => {
    const r = await runCli(['run', copySamples(), '--out', tempDir('run')], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vnpipe: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .+ \(set REDIS_URL\)\n$/);
  });

  it('exits 3 when a document failed, and lists it', async () => {
    const input = copySamples();
    writeFileSync(join(input, 'zero.txt'), '');
    const r = await runCli(['run', input, '--out', tempDir('run')], testEnv(redisUrl));
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('documents 5 completed, 1 failed');
    expect(r.stdout).toContain('zero.txt  empty');
  });
});

describe('clear one-line errors', () => {
  const down = { REDIS_URL: 'redis://127.0.0.1:1' };

  it.each([
    [['enqueue', '--no-learn', 'samples', '--out', '/tmp/x'], down, /^vnpipe: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .+ \(set REDIS_URL\)\n$/],
    [['status'], down, /^vnpipe: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/],
    [['worker'], down, /^vnpipe: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/],
    [['enqueue', '--no-learn', '/no/such/folder', '--out', '/tmp/x'], null, /^vnpipe: no such input folder: \/no\/such\/folder\n$/],
    [['enqueue', '--no-learn', 'samples'], null, /^vnpipe: --out <dir> is required\n$/],
    [['run', 'samples', '--out', '/tmp/x', '--config', '/no/such.json'], null, /^vnpipe: cannot read config file \/no\/such\.json: ENOENT\n$/],
    [['worker', '--concurrency', 'many'], null, /^vnpipe: --concurrency must be a whole number from 1 to 256, not "many"\n$/],
    [['frobnicate'], null, /^vnpipe: unknown command 'frobnicate' \(try: vnpipe --help\)\n$/],
  ])('vnpipe %j', async (args, env, message) => {
    const r = await runCli(args as string[], (env as NodeJS.ProcessEnv | null) ?? testEnv(redisUrl));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an empty folder is a usage error', async () => {
    const r = await runCli(['enqueue', '--no-learn', tempDir('empty'), '--out', tempDir('out')], testEnv(redisUrl));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vnpipe: no files to process in /);
  });
});
