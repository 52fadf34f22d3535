import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { exitOf, ROOT, runCli, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';

/**
 * Learning is the default, on a folder and on shards, measured on real crawler output:
 * nploi/news_crawler's vnexpress.json (MIT, commit 5cfa152, a dev source of
 * test/fixtures/crawl), whose texts end with the teasers of other articles. The teaser
 * below stands in 24 of its 32 documents; the rules take it out of some where it closes
 * the page, and it stays in the others; repetition finds it everywhere.
 */
const SOURCE = join(ROOT, 'test/fixtures/crawl/docs/nploi-vnexpress');
const TEASER = 'Serie A, Ligue I đã có nhà vô địch, nhưng các cuộc đua ở Ngoại hạng Anh và Bundesliga';
const texts = readdirSync(SOURCE).filter((f) => f.endsWith('.txt')).sort();
const crawled = JSON.parse(readFileSync(join(SOURCE, 'SOURCE.json'), 'utf8')).crawler_fields as { doc: string; link: string; title: string; date: string; author: string }[];

const redisUrl = inject('redisUrl');
const env = testEnv(redisUrl);
const workers: ReturnType<typeof spawnWorker>[] = [];
afterAll(() => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
});

const folder = join(tempDir('learn-default'), 'vnexpress');
mkdirSync(folder, { recursive: true });
for (const f of texts) copyFileSync(join(SOURCE, f), join(folder, f));

/** The `text` of every output document of a folder. */
function folderTexts(out: string): string[] {
  return readdirSync(out).sort().map((f) => JSON.parse(readFileSync(join(out, f), 'utf8')).text as string);
}

describe('learning by default on a folder of real crawler texts', () => {
  it('run learns the repeated teaser and removes it; --no-learn keeps it', async () => {
    expect(texts).toHaveLength(32);
    const learned = tempDir('learn-default-out');
    const r = await runCli(['run', folder, '--out', learned, '--concurrency', '2'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/learned boilerplate: [1-9]\d* lines? in 1 source\n/);
    expect(r.stdout).toMatch(/\n {2}learned {3}boilerplate: [1-9]\d* lines? in 1 source\n/);
    const kept = tempDir('learn-default-plain');
    const plain = await runCli(['run', folder, '--out', kept, '--concurrency', '2', '--no-learn'], env);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('learned boilerplate');
    expect(plain.stdout).toContain('  learned   nothing: learning off');
    expect(folderTexts(kept).filter((t) => t.includes(TEASER)).length).toBeGreaterThan(0);
    expect(folderTexts(learned).filter((t) => t.includes(TEASER))).toHaveLength(0);
    // Learning took repeats only: every document keeps most of its text.
    const lengths = folderTexts(learned).map((t, i) => t.length / folderTexts(kept)[i]!.length);
    expect(Math.min(...lengths)).toBeGreaterThan(0.4);
  });

  it('a --profile given alone replaces learning; --resume refuses --learn and --no-learn', async () => {
    const profile = join(tempDir('learn-default-profile'), 'empty.json');
    writeFileSync(profile, JSON.stringify({ version: 1, settings: {}, sources: {} }));
    const out = tempDir('learn-default-given');
    const r = await runCli(['run', folder, '--out', out, '--concurrency', '2', '--profile', profile], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('learned boilerplate');
    expect(r.stdout).toContain('  profile   boilerplate: 0 lines in 0 sources, given with --profile');
    expect(folderTexts(out).filter((t) => t.includes(TEASER)).length).toBeGreaterThan(0);
    const resumed = await runCli(['enqueue', folder, '--out', out, '--resume', '20990101-000000-00', '--no-learn'], env);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain("--resume keeps the batch's own choice of learning");
  });
});

/** The same documents as records of JSON-lines shards, each with its crawler's url, title, date and author. */
const shards = join(tempDir('learn-shards'), 'in');
mkdirSync(shards, { recursive: true });
const rows = texts.map((f, i) => {
  const fields = crawled.find((c) => `${c.doc}.txt` === f)!;
  return JSON.stringify({ url: fields.link, title: fields.title, date: fields.date, author: fields.author, content: readFileSync(join(SOURCE, f), 'utf8'), n: i });
});
writeFileSync(join(shards, 'a.jsonl'), `${rows.slice(0, 13).join('\n')}\n`);
writeFileSync(join(shards, 'b.jsonl.gz'), gzipSync(`${rows.slice(13).join('\n')}\n`));
// Units of 4 records: a dozen count jobs and a dozen cleaning jobs for two workers to share.
const config = join(tempDir('learn-shards-config'), 'config.json');
writeFileSync(config, JSON.stringify({ shards: { recordsPerJob: 4 } }));

/** The documents of output shards, in key order. */
function shardDocuments(out: string): { source: string; text: string; metadata: { site: string } }[] {
  return readdirSync(out, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.jsonl.gz'))
    .sort()
    .flatMap((f) => gunzipSync(readFileSync(join(out, f))).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}

/** enqueue of the shards with `n` worker processes of one thread, by default (learning); the finished batch's outputs and enqueue's stderr. */
async function throughQueue(n: number, extra: string[] = []): Promise<{ docs: ReturnType<typeof shardDocuments>; stderr: string; status: string }> {
  const out = tempDir(`learn-shards-out-${n}`);
  const started = Array.from({ length: n }, () => spawnWorker(env, 1));
  workers.push(...started);
  const r = await runCli(['enqueue', `file://${shards}`, '--out', out, '--config', config, ...extra], env);
  expect(r.code, r.stderr).toBe(0);
  const batch = r.stdout.trim();
  await waitFor(async () => {
    const s = await runCli(['status', batch, '--json'], env);
    return s.code === 0 && JSON.parse(s.stdout).batch.finishedAt;
  }, 90_000);
  const status = (await runCli(['status', batch], env)).stdout;
  for (const w of started) w.kill('SIGTERM');
  await Promise.all(started.map(exitOf));
  return { docs: shardDocuments(out), stderr: r.stderr, status };
}

describe('learning on shards of records', () => {
  let one: Awaited<ReturnType<typeof throughQueue>>;

  it('counts each record under its url host and removes the repeated teaser, with one worker', async () => {
    one = await throughQueue(1);
    expect(one.stderr).toMatch(/learned boilerplate: [1-9]\d* lines? in 1 source\n/);
    expect(one.status).toMatch(/learned {3}boilerplate: [1-9]\d* lines? in 1 source/);
    expect(one.docs).toHaveLength(32);
    expect(new Set(one.docs.map((d) => d.metadata.site))).toEqual(new Set(['vnexpress.net']));
    expect(one.docs.filter((d) => d.text.includes(TEASER))).toHaveLength(0);
  });

  it('learns the same profile and writes the same outputs with two workers', async () => {
    const two = await throughQueue(2);
    expect(two.stderr.match(/learned boilerplate: .*/)![0]).toBe(one.stderr.match(/learned boilerplate: .*/)![0]);
    expect(two.docs).toEqual(one.docs);
  });

  it('vnpipe learn reads the shards as the workers do: its profile, given with --profile, gives the same outputs', async () => {
    const profile = join(tempDir('learn-shards-profile'), 'profile.json');
    const r = await runCli(['learn', `file://${shards}`, '--profile', profile, '--config', config], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^32 documents: [1-9]\d* lines? in 1 source, written to /);
    const written = JSON.parse(readFileSync(profile, 'utf8'));
    expect(Object.keys(written.sources)).toEqual(['vnexpress.net']);
    expect(written.sources['vnexpress.net'].lines.map((l: { text: string }) => l.text)).toContainEqual(expect.stringContaining(TEASER));
    const given = await throughQueue(1, ['--profile', profile]);
    expect(given.stderr).not.toContain('learned boilerplate');
    expect(given.docs).toEqual(one.docs);
    // Without learning and without a profile, the teaser stays in some documents.
    const plain = await throughQueue(1, ['--no-learn']);
    expect(plain.docs.filter((d) => d.text.includes(TEASER)).length).toBeGreaterThan(0);
  });
});
