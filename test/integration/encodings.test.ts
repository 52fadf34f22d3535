import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { exitOf, ROOT, runCli, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const FIXTURES = join(ROOT, 'test', 'fixtures', 'encodings');
const redisUrl = inject('redisUrl');
const workers: ReturnType<typeof spawnWorker>[] = [];
afterAll(() => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
});

describe('encodings through the queue and the CLI', () => {
  it('detects each file\'s encoding in one batch, and the text is the same in all of them', async () => {
    const env = testEnv(redisUrl);
    const input = join(tempDir('enc'), 'in');
    cpSync(FIXTURES, input, { recursive: true, filter: (p) => !p.endsWith('.md') });
    const out = tempDir('enc-out');
    const batch = (await runCli(['enqueue', '--no-learn', input, '--out', out], env)).stdout.trim();
    const worker = spawnWorker(env, 2);
    workers.push(worker);
    await waitFor(async () => {
      const s = await runCli(['status', batch, '--json'], env);
      return s.code === 0 && JSON.parse(s.stdout).batch.finishedAt;
    });
    worker.kill('SIGTERM');
    await exitOf(worker);
    const docs = Object.fromEntries(readdirSync(out).map((f) => [f, JSON.parse(readFileSync(join(out, f), 'utf8'))]));
    expect(Object.fromEntries(Object.entries(docs).map(([f, d]) => [f, d.metadata.encoding]))).toEqual({
      'paragraph.tcvn3.txt.json': 'tcvn3',
      'paragraph.utf8.txt.json': 'utf-8',
      'paragraph.viscii.txt.json': 'viscii',
      'paragraph.vni.txt.json': 'vni',
      'paragraph.windows-1258.txt.json': 'windows-1258',
    });
    const texts = new Set(Object.values(docs).map((d) => d.text));
    expect(texts.size).toBe(1);
  });

  it('--encoding forces an encoding, and a wrong one fails the file with its reason', async () => {
    const vni = join(FIXTURES, 'paragraph.vni.txt');
    const forced = await runCli(['process', vni, '--encoding', 'vni'], {});
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).metadata).toMatchObject({ encoding: 'vni', encodingConfidence: 1 });
    const wrong = await runCli(['process', vni, '--encoding', 'utf-8'], {});
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/paragraph\.vni\.txt: undecodable: not valid UTF-8/);
    const unknown = await runCli(['process', vni, '--encoding', 'latin9'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^vnpipe: config error in .*: decode\.encoding: "latin9" is none of utf-8/);
  });
});
