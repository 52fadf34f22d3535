import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { WARCRecord, WARCSerializer } from 'warcio';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeOutputShard } from '../../src/io/output-shard.js';
import { BatchStore } from '../../src/queue/batches.js';
import { exitOf, runCli, SAMPLES, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';
import { startS3, type LocalS3 } from '../support/s3.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const redisUrl = inject('redisUrl');
let s3: LocalS3;
const children: ReturnType<typeof spawnWorker>[] = [];

beforeAll(async () => {
  s3 = await startS3(['corpus']);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await s3?.stop();
});

/** The five sample articles (real Vietnamese news), as texts. */
const ARTICLES = readdirSync(SAMPLES)
  .sort()
  .map((name) => readFileSync(join(SAMPLES, name), 'utf8'));

/** `n` JSON records, each a sample article with a line that tells it apart, numbered from `from`. */
function records(n: number, from = 0): object[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `r${from + i}`,
    url: `https://tin.example.vn/bai-${from + i}.html`,
    text: `${ARTICLES[(from + i) % ARTICLES.length]}\n\nBài số ${from + i} trong bộ dữ liệu thử nghiệm.`,
  }));
}

const jsonl = (rows: (object | string)[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

function worker(env: NodeJS.ProcessEnv, lockDurationMs?: number): ReturnType<typeof spawnWorker> {
  const child = spawnWorker(env, 2, lockDurationMs);
  children.push(child);
  return child;
}

async function status(env: NodeJS.ProcessEnv, batch: string): Promise<any> {
  const r = await runCli(['status', batch, '--json'], env);
  return r.code === 0 ? JSON.parse(r.stdout).batch : null;
}

function finished(env: NodeJS.ProcessEnv, batch: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(async () => {
    const s = await status(env, batch);
    return s?.finishedAt ? s : null;
  }, timeoutMs);
}

/** The documents of output shards (gzip JSON lines), from a folder. */
function localDocuments(out: string): any[] {
  return readdirSync(out, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.jsonl.gz'))
    .sort()
    .flatMap((f) => gunzipSync(readFileSync(join(out, f))).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}

async function s3Documents(prefix: string): Promise<any[]> {
  const docs: any[] = [];
  for (const key of (await s3.list('corpus', prefix)).filter((k) => k.endsWith('.jsonl.gz'))) {
    docs.push(...gunzipSync(await s3.get('corpus', key)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  }
  return docs;
}

/** The rows of a Parquet output shard, read by hyparquet alone (as any reader would). */
async function parquetRows(body: Buffer): Promise<any[]> {
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  return Number(parquetMetadata(file).num_rows) === 0 ? [] : parquetReadObjects({ file });
}

function configFile(settings: object): string {
  const file = join(tempDir('config'), 'config.json');
  writeFileSync(file, JSON.stringify(settings));
  return file;
}

describe('local JSONL shards (.jsonl, .jsonl.gz, .jsonl.zst)', () => {
  it('cleans every record once; a record that is not JSON or has no text fails alone, with its reason', async () => {
    const env = testEnv(redisUrl);
    const input = join(tempDir('shards'), 'in');
    mkdirSync(join(input, 'part'), { recursive: true });
    writeFileSync(join(input, 'a.jsonl'), jsonl([...records(3, 0), '{"id": "broken", "text": ', { id: 'notext', summary: 'x' }]));
    writeFileSync(join(input, 'part', 'b.jsonl.gz'), gzipSync(jsonl(records(4, 100))));
    writeFileSync(join(input, 'part', 'c.jsonl'), jsonl(records(2, 200)));
    execFileSync('zstd', ['-q', '--rm', join(input, 'part', 'c.jsonl')]);
    writeFileSync(join(input, 'notes.txt'), 'not a shard');
    const out = tempDir('out');
    const enqueued = await runCli(['enqueue', '--no-learn', `file://${input}`, '--out', out, '--config', configFile({ shards: { recordsPerJob: 2 } })], env);
    expect(enqueued.stderr).toContain('skipped notes.txt: not a shard of a known format');
    const batch = enqueued.stdout.trim();
    const w = worker(env);
    const done = await finished(env, batch);
    expect(done).toMatchObject({ queued: 11, completed: 9, failed: 2 });
    expect(done.failures.map((f: any) => [f.rel, f.reason])).toEqual([
      ['a.jsonl#3', 'bad-record'],
      ['a.jsonl#4', 'bad-record'],
    ]);
    expect(done.failures[0].message).toMatch(/record 3 is not JSON/);
    expect(done.failures[1].message).toMatch(/^record 4 with none of the text fields maintext, content, text, .* \(records\.textFields\); its fields: id, summary$/);

    const docs = localDocuments(out);
    expect(docs.map((d) => d.metadata.record.id).sort()).toEqual(['r0', 'r1', 'r100', 'r101', 'r102', 'r103', 'r2', 'r200', 'r201']);
    const r101 = docs.find((d) => d.metadata.record.id === 'r101');
    expect(r101.source).toBe('part/b.jsonl.gz#1');
    expect(r101.metadata.url).toBe('https://tin.example.vn/bai-101.html');
    expect(r101.metadata.site).toBe('tin.example.vn');
    expect(r101.sentences.at(-1)).toBe('Bài số 101 trong bộ dữ liệu thử nghiệm.');
    // Two records a job: a.jsonl makes three output shards, each with its manifest.
    // The batch's failure records left Redis for .vnpipe/ when it ended.
    expect(readdirSync(out).sort()).toEqual([
      '.vnpipe',
      'a.jsonl.000000000.jsonl.gz', 'a.jsonl.000000000.jsonl.gz.manifest.json',
      'a.jsonl.000000002.jsonl.gz', 'a.jsonl.000000002.jsonl.gz.manifest.json',
      'a.jsonl.000000004.jsonl.gz', 'a.jsonl.000000004.jsonl.gz.manifest.json',
      'part',
    ]);
    const manifest = JSON.parse(readFileSync(join(out, 'a.jsonl.000000002.jsonl.gz.manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ shard: 'a.jsonl.000000002.jsonl.gz', input: join(input, 'a.jsonl'), first: 2, records: 1, failed: 1, vnpipe: { version: '0.1.0' } });
    expect(manifest.bytes).toBe(readFileSync(join(out, 'a.jsonl.000000002.jsonl.gz')).length);

    // export reads output shards as it reads output files (the records are near copies of five articles: kept and marked).
    const exported = await runCli(['export', out, '--to', join(tempDir('export'), 'corpus'), '--keep-duplicates'], env);
    expect(exported.stdout).toMatch(/^9 documents in 1 shard\b/);

    // The same enqueue again: every unit's shard is up to date, but for the two records
    // that failed in it (its manifest names them), which run again.
    const again = await runCli(['enqueue', '--no-learn', `file://${input}`, '--out', out, '--config', configFile({ shards: { recordsPerJob: 2 } })], env);
    expect(again.stderr).toContain('11 files found, 2 queued, 9 skipped');
    expect(await finished(env, again.stdout.trim())).toMatchObject({ queued: 2, completed: 0, failed: 2 });
    expect(localDocuments(out)).toHaveLength(9);
    w.kill('SIGTERM');
    expect(await exitOf(w)).toBe(0);
  });

  it('a shard gone after enqueue fails its records as missing; once it is back, retry writes them', async () => {
    const env = testEnv(redisUrl);
    const input = join(tempDir('gone'), 'in');
    mkdirSync(input);
    const shard = join(input, 'g.jsonl.gz');
    const body = gzipSync(jsonl(records(3)));
    writeFileSync(shard, body);
    const out = tempDir('out');
    const batch = (await runCli(['enqueue', '--no-learn', `file://${input}`, '--out', out], env)).stdout.trim();
    rmSync(shard);
    const w = worker(env);
    const failed = await finished(env, batch);
    expect(failed).toMatchObject({ queued: 3, completed: 0, failed: 3 });
    expect(failed.failures.map((f: any) => f.reason)).toEqual(['missing', 'missing', 'missing']);
    expect(failed.failures[0].message).toBe(`the shard is gone (deleted or moved after it was enqueued): ${shard}`);
    writeFileSync(shard, body);
    expect((await runCli(['retry', batch], env)).stdout).toContain('3 failed documents queued again');
    await waitFor(async () => ((await status(env, batch))?.completed === 3 ? true : null));
    expect(localDocuments(out).map((d) => d.metadata.record.id)).toEqual(['r0', 'r1', 'r2']);
    w.kill('SIGTERM');
    await exitOf(w);
  });

  it('a crafted job naming a shard outside the input, no record, or numbers the batch never gave, reads and writes nothing of it', async () => {
    const env = testEnv(redisUrl);
    const base = tempDir('crafted');
    const input = join(base, 'in');
    mkdirSync(input);
    writeFileSync(join(input, 'a.jsonl'), jsonl(records(2)));
    writeFileSync(join(base, 'secret.jsonl'), jsonl([{ text: 'Mật khẩu của kho là 1234. Không được để lộ ra ngoài.' }]));
    const out = tempDir('out');
    const batch = (await runCli(['enqueue', '--no-learn', `file://${input}`, '--out', out], env)).stdout.trim();
    const w = worker(env);
    await finished(env, batch);
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('documents', { connection: redis, prefix: env.VNPIPE_PREFIX! });
    const job = await queue.add('document', {
      batch,
      docs: [
        { seq: 0, id: '', rel: '../secret.jsonl#0', size: 1 },
        { seq: 1, id: '', rel: 'a.jsonl', size: 1 },
        { seq: 2 ** 28, id: '', rel: 'a.jsonl#0', size: 1 },
      ],
    });
    await waitFor(async () => ['completed', 'failed'].includes(await job.getState()));
    // The two bad keys fail (unsafe-path), the record of the input is cleaned again; the
    // batch, whose numbers the job names wrongly, keeps its counts.
    expect((await Job.fromId(queue, job.id!))!.returnvalue).toEqual({ completed: 1, failed: 2, skipped: 0 });
    await queue.close();
    redis.disconnect();
    w.kill('SIGTERM');
    await exitOf(w);
    expect(readdirSync(dirname(out)).filter((f) => f.startsWith('secret'))).toEqual([]);
    expect(await status(env, batch)).toMatchObject({ queued: 2, completed: 2, failed: 0, failures: [] });
    expect(readdirSync(out).sort()).toEqual(['a.jsonl.000000000.jsonl.gz', 'a.jsonl.000000000.jsonl.gz.manifest.json']);
    expect(localDocuments(out).map((d) => d.metadata.record.id)).toEqual(['r0', 'r1']);
    expect(readdirSync(base).sort()).toEqual(['in', 'secret.jsonl']);
  });

  it('takes a path to one shard file, and the text from the field records.textFields names', async () => {
    const env = testEnv(redisUrl);
    const dir = tempDir('one');
    const shard = join(dir, 'one.jsonl.gz');
    writeFileSync(shard, gzipSync(jsonl([{ bai_viet: ARTICLES[2], title: 'Tiêu đề từ bản ghi', date: '2024-05-01' }])));
    const out = tempDir('out');
    const batch = (await runCli(['enqueue', '--no-learn', shard, '--out', out, '--config', configFile({ records: { textFields: ['bai_viet'] } })], env)).stdout.trim();
    const w = worker(env);
    expect(await finished(env, batch)).toMatchObject({ root: `file://${shard}`, queued: 1, completed: 1, failed: 0 });
    const [doc] = localDocuments(out);
    expect(doc.metadata).toMatchObject({ title: 'Tiêu đề từ bản ghi', date: '2024-05-01', record: {} });
    w.kill('SIGTERM');
    await exitOf(w);
  });
});

describe('the README recipe (Shards and object storage)', () => {
  it('runs as written, with the endpoint and keys of the local S3 server', async () => {
    const readme = readFileSync(join(SAMPLES, '..', 'README.md'), 'utf8');
    const block = /## Shards and object storage[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const exported = Object.fromEntries([...block.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(exported).sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY', 'VNPIPE_S3_PATH_STYLE']);
    // The recipe's values, except where this server differs: its address and its keys.
    const env = { ...testEnv(redisUrl), ...exported, ...s3.env };
    const command = block.split('\n').find((l) => l.startsWith('vnpipe '))!.split(/\s+/).slice(1);
    const [input, output] = [command[1]!, command[3]!];
    const bucket = /^s3:\/\/([^/]+)\//.exec(input)![1]!;
    const prefix = input.slice(`s3://${bucket}/`.length);
    await s3.put(bucket, `${prefix}/part-0.jsonl.gz`, gzipSync(jsonl(records(3))));
    const r = await runCli([...command, '--concurrency', '1'], env);
    expect(r.stdout).toMatch(/3 completed, 0 failed/);
    expect(r.code).toBe(0);
    const out = output.slice(`s3://${bucket}/`.length);
    expect(await s3.list(bucket, `${out}/`)).toEqual([`${out}/part-0.jsonl.gz.000000000.jsonl.gz`, `${out}/part-0.jsonl.gz.000000000.jsonl.gz.manifest.json`]);
  });
});

describe('shards on S3-compatible storage (s3rver)', () => {
  it('reads shards under a prefix and writes output shards and manifests under another', async () => {
    const env = { ...testEnv(redisUrl), ...s3.env };
    await s3.put('corpus', 'in1/x/0001.jsonl.gz', gzipSync(jsonl(records(5, 0))));
    await s3.put('corpus', 'in1/x/0002.jsonl.gz', gzipSync(jsonl(records(4, 5))));
    const batch = (await runCli(['enqueue', '--no-learn', 's3://corpus/in1', '--out', 's3://corpus/out1', '--config', configFile({ shards: { recordsPerJob: 3 } })], env)).stdout.trim();
    const w = worker(env);
    expect(await finished(env, batch)).toMatchObject({ root: 's3://corpus/in1', out: 's3://corpus/out1', queued: 9, completed: 9, failed: 0 });
    expect(await s3.list('corpus', 'out1/')).toEqual([
      'out1/x/0001.jsonl.gz.000000000.jsonl.gz', 'out1/x/0001.jsonl.gz.000000000.jsonl.gz.manifest.json',
      'out1/x/0001.jsonl.gz.000000003.jsonl.gz', 'out1/x/0001.jsonl.gz.000000003.jsonl.gz.manifest.json',
      'out1/x/0002.jsonl.gz.000000000.jsonl.gz', 'out1/x/0002.jsonl.gz.000000000.jsonl.gz.manifest.json',
      'out1/x/0002.jsonl.gz.000000003.jsonl.gz', 'out1/x/0002.jsonl.gz.000000003.jsonl.gz.manifest.json',
    ]);
    const ids = (await s3Documents('out1/')).map((d) => d.metadata.record.id);
    expect(ids).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']);
    const manifest = JSON.parse((await s3.get('corpus', 'out1/x/0002.jsonl.gz.000000003.jsonl.gz.manifest.json')).toString());
    expect(manifest).toMatchObject({ input: 's3://corpus/in1/x/0002.jsonl.gz', first: 3, recordsPerJob: 3, records: 1, failed: 0, failures: [] });
    // Enqueued again with another unit size: the output's units stand, nothing is redone.
    const again = await runCli(['enqueue', '--no-learn', 's3://corpus/in1', '--out', 's3://corpus/out1', '--config', configFile({ shards: { recordsPerJob: 2 } })], env);
    expect(again.stderr).toContain('s3://corpus/out1 was written in units of 3 records: this batch keeps shards.recordsPerJob = 3, not 2');
    expect(again.stderr).toContain('9 files found, 0 queued, 9 skipped');
    expect((await s3.list('corpus', 'out1/')).length).toBe(8);
    w.kill('SIGTERM');
    await exitOf(w);
  });

  it('reads WARC responses (HTML through extract) and WET conversions, and Parquet rows', async () => {
    const env = { ...testEnv(redisUrl), ...s3.env };
    const html = (text: string) => `<html><head><title>Bài báo thử</title></head><body><nav>Trang chủ | Thời sự</nav><article><h1>Bài báo thử</h1>${text.split('\n').filter(Boolean).map((p) => `<p>${p}</p>`).join('')}</article></body></html>`;
    const warc: Uint8Array[] = [];
    const member = async (type: 'response' | 'request' | 'conversion', url: string, body: string, http?: { status: string; type: string }) => {
      const record = WARCRecord.create(
        { url, date: '2024-06-01T08:00:00Z', type, warcVersion: 'WARC/1.1', ...(http ? { statusline: http.status, httpHeaders: { 'Content-Type': http.type } } : {}) },
        (async function* () { yield new TextEncoder().encode(body); })(),
      );
      warc.push(await WARCSerializer.serialize(record, { gzip: true }));
    };
    await member('request', 'https://a.example.vn/1', '');
    await member('response', 'https://a.example.vn/1', html(ARTICLES[0]!), { status: 'HTTP/1.1 200 OK', type: 'text/html; charset=utf-8' });
    await member('response', 'https://a.example.vn/logo.png', 'PNG', { status: 'HTTP/1.1 200 OK', type: 'image/png' });
    await member('response', 'https://a.example.vn/2', html(ARTICLES[1]!), { status: 'HTTP/1.1 200 OK', type: 'text/html' });
    await s3.put('corpus', 'in2/crawl.warc.gz', Buffer.concat(warc));
    const wet: Uint8Array[] = [];
    for (const [i, text] of ARTICLES.slice(2, 4).entries()) {
      const record = WARCRecord.create({ url: `https://b.example.vn/${i}`, date: '2024-06-02T08:00:00Z', type: 'conversion', warcVersion: 'WARC/1.0' }, (async function* () { yield new TextEncoder().encode(text); })());
      wet.push(await WARCSerializer.serialize(record, { gzip: true }));
    }
    await s3.put('corpus', 'in2/crawl.warc.wet.gz', Buffer.concat(wet));
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'text', data: [ARTICLES[4]!, ARTICLES[3]!, null], type: 'STRING', nullable: true },
        { name: 'url', data: ['https://c.example.vn/a', 'https://c.example.vn/b', 'https://c.example.vn/c'], type: 'STRING' },
        { name: 'year', data: [2023, 2024, 2025], type: 'INT32' },
      ],
    });
    await s3.put('corpus', 'in2/table.parquet', new Uint8Array(parquet));

    const batch = (await runCli(['enqueue', '--no-learn', 's3://corpus/in2', '--out', 's3://corpus/out2'], env)).stdout.trim();
    const w = worker(env);
    const done = await finished(env, batch);
    // Two HTML responses (no request, no image), two WET conversions, three rows (one without text).
    expect(done).toMatchObject({ queued: 7, completed: 6, failed: 1 });
    expect(done.failures.map((f: any) => [f.rel, f.reason, f.message])).toEqual([['table.parquet#2', 'bad-record', 'row 2 whose text column "text" holds null, not text']]);
    const docs = await s3Documents('out2/');
    const byUrl = new Map(docs.map((d) => [d.metadata.url, d]));
    expect([...byUrl.keys()].sort()).toEqual([
      'https://a.example.vn/1', 'https://a.example.vn/2', 'https://b.example.vn/0', 'https://b.example.vn/1', 'https://c.example.vn/a', 'https://c.example.vn/b',
    ]);
    const page = byUrl.get('https://a.example.vn/1');
    expect(page.text).not.toContain('Trang chủ');
    expect(page.text.length).toBeGreaterThan(1000);
    expect(page.metadata.date).toBe('2024-06-01T08:00:00Z');
    expect(byUrl.get('https://c.example.vn/b').metadata.record).toEqual({ year: 2024 });
    w.kill('SIGTERM');
    await exitOf(w);
  });

  it('a worker killed with SIGKILL mid-batch changes nothing: every record is in the output shards exactly once', async () => {
    const env = { ...testEnv(redisUrl), ...s3.env };
    const n = 600;
    for (let s = 0; s < 4; s++) await s3.put('corpus', `in3/${s}.jsonl.gz`, gzipSync(jsonl(records(n / 4, (s * n) / 4))));
    const batch = (await runCli(['enqueue', '--no-learn', 's3://corpus/in3', '--out', 's3://corpus/out3', '--config', configFile({ shards: { recordsPerJob: 25 } })], env)).stdout.trim();
    const victim = worker(env, 2000);
    const redis = new Redis(redisUrl);
    try {
      const store = new BatchStore(redis, env.VNPIPE_PREFIX!);
      await waitFor(async () => ((await store.get(batch))?.completed ?? 0) >= 50, 60_000, 5);
    } finally {
      redis.disconnect();
    }
    victim.kill('SIGKILL');
    await exitOf(victim);
    expect((await status(env, batch)).completed).toBeLessThan(n);
    const rescuer = worker(env, 2000);
    expect(await finished(env, batch, 120_000)).toMatchObject({ queued: n, completed: n, failed: 0 });
    const ids = (await s3Documents('out3/')).map((d) => d.metadata.record.id);
    expect(ids).toHaveLength(n);
    expect(new Set(ids).size).toBe(n);
    rescuer.kill('SIGTERM');
    await exitOf(rescuer);
  });
});

describe('Parquet output shards (--output-format parquet)', () => {
  it('a local batch writes Parquet shards with their manifests; report and stats by batch id, and export, read them; a failed record runs again alone, the rest kept', async () => {
    const env = testEnv(redisUrl);
    const input = join(tempDir('pq-local'), 'in');
    mkdirSync(input, { recursive: true });
    const file = join(input, 'a.jsonl');
    writeFileSync(file, jsonl([...records(4, 0), '{"id": "broken", "text": ', ...records(2, 4)]));
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000); // whole seconds: set again exactly below
    utimesSync(file, mtime, mtime);
    const out = join(tempDir('pq-local-out'), 'out');
    // --no-learn: every record ends with the same templated line ('Bài số N ...'), which
    // learning (the default) rightly removes; this test reads that line back from Parquet.
    const run = await runCli(['run', '--no-learn', `file://${input}`, '--out', out, '--output-format', 'parquet', '--config', configFile({ shards: { recordsPerJob: 4 } })], env);
    expect(run.code, run.stderr).toBe(3); // a record failed
    expect(run.stdout).toContain('6 completed, 1 failed');
    expect(readdirSync(out).filter((f) => !f.startsWith('.')).sort()).toEqual([
      'a.jsonl.000000000.parquet', 'a.jsonl.000000000.parquet.manifest.json', 'a.jsonl.000000004.parquet', 'a.jsonl.000000004.parquet.manifest.json',
    ]);
    const rows = [...(await parquetRows(readFileSync(join(out, 'a.jsonl.000000000.parquet')))), ...(await parquetRows(readFileSync(join(out, 'a.jsonl.000000004.parquet'))))];
    expect(rows.map((r) => r.metadata.record.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(rows[5]).toMatchObject({ source: 'a.jsonl#6', metadata: { url: 'https://tin.example.vn/bai-5.html', site: 'tin.example.vn' } });
    expect(rows[5].sentences.at(-1)).toBe('Bài số 5 trong bộ dữ liệu thử nghiệm.');
    const manifest = JSON.parse(readFileSync(join(out, 'a.jsonl.000000004.parquet.manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ shard: 'a.jsonl.000000004.parquet', first: 4, records: 2, failed: 1, failures: [4] });
    expect(manifest.bytes).toBe(readFileSync(join(out, 'a.jsonl.000000004.parquet')).length);

    const batch = /batch (\S+):/.exec(run.stderr)![1]!;
    const stats = JSON.parse((await runCli(['stats', batch, '--json'], env)).stdout);
    expect(stats.documents).toBe(6);
    const report = await runCli(['report', batch, '--json'], env);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toEqual([expect.objectContaining({ source: 'tin.example.vn', documents: 6 })]);
    const exported = await runCli(['export', out, '--to', join(tempDir('pq-export'), 'corpus'), '--keep-duplicates'], env);
    expect(exported.stdout).toMatch(/^6 documents in 1 shard\b/);

    // The broken record mended in place (its shard's time kept): only it runs again, and the
    // documents already out in its unit's Parquet shard stay as they are (one is marked to see it).
    writeFileSync(file, jsonl([...records(4, 0), ...records(1, 99), ...records(2, 4)]));
    utimesSync(file, mtime, mtime);
    const shardFile = join(out, 'a.jsonl.000000004.parquet');
    const marked = (await parquetRows(readFileSync(shardFile))).map((r, i) => `${JSON.stringify(i === 0 ? { ...r, metadata: { ...r.metadata, kept: true } } : r)}\n`);
    writeFileSync(shardFile, encodeOutputShard('parquet', marked).body);
    writeFileSync(`${shardFile}.manifest.json`, JSON.stringify({ ...manifest, bytes: readFileSync(shardFile).length }));
    const again = await runCli(['run', '--no-learn', `file://${input}`, '--out', out, '--output-format', 'parquet', '--config', configFile({ shards: { recordsPerJob: 4 } })], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('1 queued, 6 skipped');
    const unit = await parquetRows(readFileSync(shardFile));
    expect(unit.map((r) => [r.source, r.metadata.record.id, r.metadata.kept ?? false])).toEqual([
      ['a.jsonl#4', 'r99', false], ['a.jsonl#5', 'r4', true], ['a.jsonl#6', 'r5', false],
    ]);
    expect(JSON.parse(readFileSync(`${shardFile}.manifest.json`, 'utf8'))).toMatchObject({ records: 3, failed: 0, failures: [] });

    // The same output in the other format would hold every record twice: refused, by name.
    const mixed = await runCli(['enqueue', '--no-learn', `file://${input}`, '--out', out, '--config', configFile({ shards: { recordsPerJob: 4 } })], env);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('holds output shards in parquet, not jsonl.gz (shards.outputFormat)');
    expect((await runCli(['enqueue', '--no-learn', `file://${input}`, '--out', out, '--output-format', 'csv'], env)).stderr).toContain('--output-format must be jsonl.gz or parquet, not "csv"');
  });

  it('on S3, a worker killed with SIGKILL mid-batch leaves no partial Parquet object, every record is out exactly once, and export, stats and report read them there', async () => {
    const env = { ...testEnv(redisUrl), ...s3.env };
    const n = 400;
    for (let s = 0; s < 4; s++) await s3.put('corpus', `in4/${s}.jsonl.gz`, gzipSync(jsonl(records(n / 4, (s * n) / 4))));
    const enq = await runCli(['enqueue', '--no-learn', 's3://corpus/in4', '--out', 's3://corpus/out4', '--output-format', 'parquet', '--config', configFile({ shards: { recordsPerJob: 25 } })], env);
    expect(enq.code, enq.stderr).toBe(0);
    const batch = enq.stdout.trim();
    /** Every Parquet object visible now is whole: its footer reads, and it holds all 25 records of its unit (none fails). */
    const allWhole = async (): Promise<number> => {
      const shards = (await s3.list('corpus', 'out4/')).filter((k) => k.endsWith('.parquet'));
      for (const key of shards) expect((await parquetRows(await s3.get('corpus', key))).length, key).toBe(25);
      return shards.length;
    };
    const victim = worker(env, 2000);
    const redis = new Redis(redisUrl);
    try {
      const store = new BatchStore(redis, env.VNPIPE_PREFIX!);
      // Checked again and again while the threads write, then the worker dies in the middle of its units.
      await waitFor(async () => {
        await allWhole();
        return ((await store.get(batch))?.completed ?? 0) >= 100;
      }, 90_000, 5);
    } finally {
      redis.disconnect();
    }
    victim.kill('SIGKILL');
    await exitOf(victim);
    expect((await status(env, batch)).completed).toBeLessThan(n);
    expect(await allWhole()).toBeGreaterThan(0);
    const rescuer = worker(env, 2000);
    expect(await finished(env, batch, 120_000)).toMatchObject({ queued: n, completed: n, failed: 0 });
    expect(await allWhole()).toBe(16);
    const ids: string[] = [];
    for (const key of (await s3.list('corpus', 'out4/')).filter((k) => k.endsWith('.parquet'))) {
      ids.push(...(await parquetRows(await s3.get('corpus', key))).map((r) => r.metadata.record.id));
    }
    expect(ids).toHaveLength(n);
    expect(new Set(ids).size).toBe(n);
    rescuer.kill('SIGTERM');
    await exitOf(rescuer);

    // export, stats and report read the output shards where they are, on S3.
    const exported = await runCli(['export', 's3://corpus/out4', '--to', join(tempDir('pq-s3-export'), 'corpus'), '--keep-duplicates'], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(new RegExp(`^${n} documents in 1 shard\\b`));
    expect(JSON.parse((await runCli(['stats', batch, '--json'], env)).stdout).documents).toBe(n);
    expect(JSON.parse((await runCli(['stats', 's3://corpus/out4', '--json'], env)).stdout).documents).toBe(n);
    const report = await runCli(['report', batch, '--json'], env);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toEqual([expect.objectContaining({ source: 'tin.example.vn', documents: n })]);
  }, 300_000);
});
