import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { generateCorpus, retention } from '../support/corpus-generator.js';
import { exitOf, runCli, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';

const redisUrl = inject('redisUrl');
const workers: ReturnType<typeof spawnWorker>[] = [];
afterAll(() => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
});

const docs = generateCorpus(40);
const input = join(tempDir('learn'), 'in');
for (const doc of docs) {
  mkdirSync(join(input, doc.rel, '..'), { recursive: true });
  writeFileSync(join(input, doc.rel), doc.text);
}

/** Every output file of a folder, by relative path. */
function outputs(out: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const site of readdirSync(out)) {
    for (const f of readdirSync(join(out, site))) files.set(`${site}/${f}`, readFileSync(join(out, site, f), 'utf8'));
  }
  return files;
}

/** enqueue (learning by default, or with --profile) with `n` worker processes of one thread; the finished batch. */
async function learnThroughQueue(n: number, extra: string[]): Promise<{ out: string; batch: string; env: NodeJS.ProcessEnv }> {
  const env = testEnv(redisUrl);
  const out = tempDir(`learn-out-${n}`);
  const started = Array.from({ length: n }, () => spawnWorker(env, 1));
  workers.push(...started);
  const r = await runCli(['enqueue', input, '--out', out, ...extra], env);
  expect(r.code, r.stderr).toBe(0);
  const batch = r.stdout.trim();
  await waitFor(async () => {
    const s = await runCli(['status', batch, '--json'], env);
    return s.code === 0 && JSON.parse(s.stdout).batch.finishedAt;
  }, 60_000);
  for (const w of started) w.kill('SIGTERM');
  await Promise.all(started.map(exitOf));
  return { out, batch, env };
}

describe('learning boilerplate through the queue', () => {
  let one: Awaited<ReturnType<typeof learnThroughQueue>>;

  it('learns and cleans with one worker, meeting the retention targets', async () => {
    one = await learnThroughQueue(1, []); // learning is the default
    const written = outputs(one.out);
    expect(written.size).toBe(docs.length);
    const paragraphs = new Map([...written].map(([rel, json]) => [rel.replace(/\.json$/, ''), JSON.parse(json).text.split('\n\n') as string[]]));
    const { bodyKept, boilerplateRemoved } = retention(docs, paragraphs);
    expect(bodyKept).toBeGreaterThanOrEqual(0.99);
    expect(boilerplateRemoved).toBeGreaterThanOrEqual(0.98);
  });

  it('writes the very same outputs with three workers', async () => {
    const three = await learnThroughQueue(3, []);
    expect(outputs(three.out)).toEqual(outputs(one.out));
  });

  it('learns the same profile in process (vnpipe learn) as through Redis, so --profile gives the same outputs', async () => {
    const profile = join(tempDir('profile'), 'profile.json');
    const r = await runCli(['learn', input, '--profile', profile], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^160 documents: \d+ lines in 4 sources, written to /);
    const written = JSON.parse(readFileSync(profile, 'utf8'));
    expect(Object.keys(written.sources)).toEqual(['site1', 'site2', 'site3', 'site4']);
    const reused = await learnThroughQueue(2, ['--profile', profile]);
    expect(outputs(reused.out)).toEqual(outputs(one.out));
  });

  it('reports, per source, the most removed lines and the share of text removed', async () => {
    const r = await runCli(['report', one.batch, '--top', '3'], one.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^site1: 40 documents, \d+\.\d % of characters removed\n/);
    expect(r.stdout).toContain('     40  learned        Báo Ánh Dương điện tử');
    const json = JSON.parse((await runCli(['report', one.batch, '--json'], one.env)).stdout);
    expect(json.map((s: { source: string }) => s.source)).toEqual(['site1', 'site2', 'site3', 'site4']);
    expect(json[0].top).toHaveLength(10);
  });
});
