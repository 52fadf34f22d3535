import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { cleanWithLearning } from '../../bench/clean-learned.js';
import { loadConfig } from '../../src/config.js';
import { processDocument } from '../../src/text/pipeline.js';
import { ROOT, runCli, tempDir, testEnv } from '../support/cli.js';

/**
 * eval:boilerplate scores what `vnpipe run <folder>` writes: the profile it learns in process
 * (bench/clean-learned.ts) is the one the producer learns through Redis, copyShare included.
 * binhbinh22-nhandan (a dev source of test/fixtures/crawl; Nhân Dân articles from
 * binhbinh22's crawler, see its SOURCE.json) is where learning removes the most.
 */
const SOURCE = join(ROOT, 'test/fixtures/crawl/docs/binhbinh22-nhandan');
const names = readdirSync(SOURCE).filter((f) => f.endsWith('.txt')).sort();
const folder = join(tempDir('learn-eval'), 'nhandan');
mkdirSync(folder, { recursive: true });
for (const f of names) copyFileSync(join(SOURCE, f), join(folder, f));
const env = testEnv(inject('redisUrl'));

async function run(concurrency: number): Promise<Map<string, string>> {
  const out = tempDir(`learn-eval-out-${concurrency}`);
  const r = await runCli(['run', folder, '--out', out, '--concurrency', String(concurrency)], env);
  expect(r.code, r.stderr).toBe(0);
  return new Map(readdirSync(out).map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(out, f), 'utf8')).text as string]));
}

describe('eval:boilerplate mirrors vnpipe run', () => {
  it('cleans every document of a dev source as vnpipe run does, with one worker thread or two', async () => {
    const inProcess = cleanWithLearning(names.map((f) => ({ rel: f, bytes: readFileSync(join(folder, f)) })), loadConfig());
    const expected = new Map([...inProcess].map(([rel, doc]) => [rel, doc.text]));
    const one = await run(1);
    expect(one.size).toBe(names.length);
    expect(one).toEqual(expected);
    expect(await run(2)).toEqual(expected);
    // Learning did something here: without it the texts differ.
    const plain = new Map(names.map((f) => [f, processDocument(readFileSync(join(folder, f)), f, loadConfig()).text]));
    expect(plain).not.toEqual(expected);
  }, 120_000);
});
