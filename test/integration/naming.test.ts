import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { exitOf, ROOT, runCli, SAMPLES, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

// Two bugs of the old naming and failure listing, kept fixed: an output's name came
// from its neighbours (walk order), and `--failures N` returned any N failures.

const redisUrl = inject('redisUrl');
const children: ReturnType<typeof spawnWorker>[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function runToEnd(env: NodeJS.ProcessEnv, input: string, out: string): Promise<any> {
  const r = await runCli(['enqueue', '--no-learn', input, '--out', out], env);
  expect(r.code).toBe(0);
  const batch = r.stdout.trim();
  const w = spawnWorker(env, 2);
  children.push(w);
  const done = await waitFor(async () => {
    const s = await runCli(['status', batch, '--json', '--failures', '3'], env);
    const b = s.code === 0 ? JSON.parse(s.stdout).batch : null;
    return b?.finishedAt ? b : null;
  });
  w.kill('SIGTERM');
  await exitOf(w);
  return done;
}

describe('output names and failure order', () => {
  it('names each output after its own input alone: status --doc finds it, and a new sibling is not taken for up to date', async () => {
    const env = testEnv(redisUrl);
    const input = join(tempDir('names'), 'in');
    mkdirSync(input);
    const body = readFileSync(join(SAMPLES, '001_cfab3d3de795dabf.txt'));
    writeFileSync(join(input, 'a.md'), body);
    writeFileSync(join(input, 'a.txt'), body);
    const out = join(tempDir('names'), 'out');
    await runToEnd(env, input, out);
    expect(readdirSync(out).sort()).toEqual(['a.md.json', 'a.txt.json']);
    const doc = JSON.parse((await runCli(['status', '--doc', join(input, 'a.txt'), '--json'], env)).stdout);
    expect(doc.output).toBe(join(out, 'a.txt.json'));
    // A file added later whose stem is taken is processed, not skipped as up to date.
    writeFileSync(join(input, 'a.csv'), body);
    const again = await runToEnd(env, input, out);
    expect(again).toMatchObject({ found: 3, queued: 1, skipped: 2, completed: 1 });
    expect(readdirSync(out).sort()).toEqual(['a.csv.json', 'a.md.json', 'a.txt.json']);
  });

  it('records which vnpipe and settings made each output, and rebuilds outputs made under other settings', async () => {
    const env = testEnv(redisUrl);
    const input = join(tempDir('maker'), 'in');
    mkdirSync(input);
    writeFileSync(join(input, 'a.txt'), readFileSync(join(SAMPLES, '002_96ecd948de8e48bb.txt')));
    const out = join(tempDir('maker'), 'out');
    await runToEnd(env, input, out);
    const first = JSON.parse(readFileSync(join(out, 'a.txt.json'), 'utf8'));
    expect(first.metadata.vnpipe).toEqual({ version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version, config: expect.stringMatching(/^[0-9a-f]{16}$/) });
    // The same settings: up to date. Other settings: rebuilt, and the output says so.
    expect((await runCli(['enqueue', '--no-learn', input, '--out', out], env)).stderr).toMatch(/1 file found, 0 queued, 1 skipped/);
    const config = join(tempDir('maker'), 'new-style.json');
    writeFileSync(config, JSON.stringify({ normalize: { toneStyle: 'new' } }));
    const r = await runCli(['enqueue', '--no-learn', input, '--out', out, '--config', config], env);
    expect(r.stderr).toMatch(/1 file found, 1 queued, 0 skipped/);
    const w = spawnWorker(env, 1);
    children.push(w);
    const rebuilt = await waitFor(async () => {
      const doc = JSON.parse(readFileSync(join(out, 'a.txt.json'), 'utf8'));
      return doc.metadata.vnpipe.config !== first.metadata.vnpipe.config ? doc : null;
    });
    w.kill('SIGTERM');
    await exitOf(w);
    expect(rebuilt.text).toContain('Đảng uỷ');
  });

  it('lists the first failures in document order, however many there are', async () => {
    const env = testEnv(redisUrl);
    const input = join(tempDir('order'), 'in');
    mkdirSync(input);
    // More failures than one scan of Redis's hash returns (about 1,000): the old listing
    // sorted only what its first scan happened to return.
    const body = readFileSync(join(SAMPLES, '001_cfab3d3de795dabf.txt'));
    for (let i = 0; i < 2500; i++) writeFileSync(join(input, `${String(i).padStart(4, '0')}.txt`), i % 50 === 49 ? body : '');
    const done = await runToEnd(env, input, join(tempDir('order'), 'out'));
    expect(done.failed).toBe(2450);
    expect(done.failures.map((f: { rel: string }) => f.rel)).toEqual(['0000.txt', '0001.txt', '0002.txt']);
  }, 120_000);
});
