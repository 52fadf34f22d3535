/**
 * `npm run soak:shards [-- --records N] [--per-shard M] [--no-faults] [--stop-after S] [--output-format parquet] [--no-learn]`: the issue-18 soak.
 * N records of real-shaped Vietnamese news (1-3 KB each: a DANeS headline and lead from
 * test/fixtures/dedup, then consecutive body paragraphs of the sample articles, chosen
 * per record, and a numbered last line, so that no two records are the same) in JSONL.gz
 * shards of M records on a local S3 server (s3rver on 127.0.0.1), enqueued while two
 * `vnpipe worker` processes clean them into output shards (jsonl.gz, or Parquet) on the same server.
 *
 * Faults (unless --no-faults): at a third of the batch a worker is killed with SIGKILL and
 * started again; at two thirds Redis is restarted (SIGTERM, down 500 ms) with the
 * persistence the README recommends for workers (AOF on, appendfsync everysec,
 * maxmemory-policy noeviction); an enqueue that dies at the restart is resumed as the README
 * says (`enqueue --resume`), and the event says so. At the end every output manifest and shard is read back:
 * each record must be in exactly one output shard, once, as its own document, and each
 * manifest must agree with its shard. With --stop-after, the faults come at a third and
 * two thirds of S seconds if that is sooner, the batch is cancelled (`vnpipe cancel`)
 * after S seconds, and the check is that every record it finished is out exactly once
 * and no other record is out. Prints docs/s and MB/s with the core count and the
 * load average (the machine may be shared), Redis's peak memory (INFO memory, sampled
 * through the run; target < 64 MB) and the fault events, as JSON on stdout. Exits 1 if a
 * record is missing or doubled, a manifest disagrees, or Redis peaked at 64 MB or more.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { startLocalRedis } from '../src/cli/local-redis.js';
import { PACKAGE_ROOT } from '../src/config.js';
import { outputFormatOf, outputShardLines, OUTPUT_FORMATS, type OutputFormat } from '../src/io/output-shard.js';
import { BatchStore } from '../src/queue/batches.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
const PREFIX = 'soak-shards';
const BUCKET = 'soak';
const REDIS_TARGET_MB = 64;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a whole number, not ${process.argv[i + 1]}`);
  return n;
}

const records = option('records', 20_000);
const perShard = option('per-shard', 10_000);
const faults = !process.argv.includes('--no-faults');
/** The default learns boilerplate (a counting pass first); `--no-learn` is passed on to the enqueue. */
const learn = !process.argv.includes('--no-learn');
/** Cancel the batch after this many seconds (`vnpipe cancel`) and check what it finished: a run cut to fit a deadline. */
const stopAfterMs = process.argv.includes('--stop-after') ? option('stop-after', 1) * 1000 : Infinity;
const outputFormat = (process.argv.includes('--output-format') ? process.argv[process.argv.indexOf('--output-format') + 1] : 'jsonl.gz') as OutputFormat;
if (!OUTPUT_FORMATS.includes(outputFormat)) throw new Error(`--output-format takes ${OUTPUT_FORMATS.join(' or ')}, not ${outputFormat}`);

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: object) => S3rverInstance;

/** mulberry32: the same records on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Real Vietnamese news to build records from: DANeS headlines and leads, and the body paragraphs of the sample articles. */
function textPools(): { heads: { outlet: string; text: string }[]; paragraphs: string[] } {
  const danes = gunzipSync(readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'dedup', 'danes-annotated-1.jsonl.gz'))).toString('utf8');
  const heads = danes.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { outlet: string; text: string });
  const paragraphs = readdirSync(join(PACKAGE_ROOT, 'samples'))
    .sort()
    .flatMap((f) => readFileSync(join(PACKAGE_ROOT, 'samples', f), 'utf8').split('\n'))
    .map((p) => p.trim())
    // Body paragraphs only: the samples' picture captions and layout words are not prose.
    .filter((p) => Buffer.byteLength(p) >= 80);
  return { heads, paragraphs };
}

/** Record `i`: a headline and lead, then paragraphs from a place of its own until it is 1-3 KB, then its number. */
function record(i: number, pools: ReturnType<typeof textPools>): { id: string; url: string; text: string } {
  const next = random(i + 1);
  const head = pools.heads[i % pools.heads.length]!;
  const target = 1000 + Math.floor(next() * 2000);
  const parts = [head.text];
  let bytes = Buffer.byteLength(head.text);
  for (let p = Math.floor(next() * pools.paragraphs.length); bytes < target; p = (p + 1) % pools.paragraphs.length) {
    const paragraph = pools.paragraphs[p]!;
    if (bytes + paragraph.length > 3000 && parts.length > 1) break;
    parts.push(paragraph);
    bytes += Buffer.byteLength(paragraph) + 2;
  }
  parts.push(`Bản tin số ${i} của bộ dữ liệu kiểm thử.`);
  return { id: `r${i}`, url: `https://${head.outlet}/ban-tin-${i}.html`, text: parts.join('\n\n') };
}

const shardName = (s: number) => `${String(s).padStart(5, '0')}.jsonl.gz`;

async function main(): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'vnpipe-soak-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  // What the README recommends for workers: AOF on (appendfsync everysec, Redis's default), noeviction.
  const redis = await startLocalRedis({ appendOnly: true });
  const env = {
    ...process.env, REDIS_URL: redis.url, VNPIPE_PREFIX: PREFIX, LOG_LEVEL: 'warn',
    AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', VNPIPE_S3_PATH_STYLE: '1',
  };
  const children: ChildProcess[] = [];
  // Stopped by a signal, the soak takes its workers and its S3 folder with it (its
  // redis-server goes with this process by itself): none is left running on a shared machine.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      rmSync(directory, { recursive: true, force: true });
      process.exit(1);
    });
  }
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => {});
  const log = (line: string) => process.stderr.write(`soak:shards ${new Date().toISOString().slice(11, 19)} ${line}\n`);
  try {
    const pools = textPools();
    let inputBytes = 0;
    /** Each record's text bytes: MB/s counts the text of the records out. */
    const textBytes = new Uint16Array(records);
    let minBytes = Infinity;
    let maxBytes = 0;
    const shards = Math.ceil(records / perShard);
    const writing = Date.now();
    for (let s = 0; s < shards; s++) {
      const lines: string[] = [];
      for (let i = s * perShard; i < Math.min(records, (s + 1) * perShard); i++) {
        const r = record(i, pools);
        const n = Buffer.byteLength(r.text);
        textBytes[i] = n;
        inputBytes += n;
        minBytes = Math.min(minBytes, n);
        maxBytes = Math.max(maxBytes, n);
        lines.push(`${JSON.stringify(r)}\n`);
      }
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `in/${shardName(s)}`, Body: gzipSync(lines.join(''), { level: 1 }) }));
    }
    log(`${records} records (${(inputBytes / 1e6).toFixed(1)} MB of text, ${minBytes}-${maxBytes} B each) in ${shards} JSONL.gz shards on s3rver, written in ${((Date.now() - writing) / 1000).toFixed(0)} s`);

    /** Every key's MEMORY USAGE, summed by kind (the batch id and numbers folded), the six largest kinds in MB. */
    const keysByKind = async (): Promise<Record<string, number>> => {
      const kinds = new Map<string, number>();
      let cursor = '0';
      do {
        const [nextCursor, found] = await client.scan(cursor, 'COUNT', 1000);
        cursor = nextCursor;
        const sizes = await Promise.all(found.map((key) => client.memory('USAGE', key, 'SAMPLES', '5').catch(() => 0)));
        found.forEach((key, i) => {
          const kind = (id ? key.replaceAll(id, '<batch>') : key).replace(/\d+/g, 'N');
          kinds.set(kind, (kinds.get(kind) ?? 0) + (Number(sizes[i]) || 0));
        });
      } while (cursor !== '0');
      return Object.fromEntries([...kinds].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([kind, bytes]) => [kind, Math.round((bytes / 2 ** 20) * 10) / 10]));
    };
    const worker = () => {
      const w = spawn(process.execPath, [CLI, 'worker', '--concurrency', '1', '--lock-duration', '10000'], { env, stdio: 'ignore' });
      children.push(w);
      return w;
    };
    const workers = [worker(), worker()];
    let peak = 0;
    let sampleFailures = 0;
    /** The batch's id, once the enqueue has made it. */
    let id = '';
    /** The parts of the largest sample (used_memory), in MB: what the peak was made of. */
    let largest: Record<string, number> = {};
    /** At the largest sample, the keys by kind (batch id and numbers folded), in MB: what the dataset was. */
    let largestKeys: Record<string, number> = {};
    let keysTakenAt = 0;
    let keysTakenBytes = 0;
    const sampleMemory = async () => {
      const info = await client.info('memory').catch(() => '');
      if (!info) sampleFailures++;
      peak = Math.max(peak, Number(/used_memory_peak:(\d+)/.exec(info)?.[1] ?? 0));
      const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
      if (field('used_memory') > (largest.used_memory ?? 0) * 2 ** 20) {
        largest = Object.fromEntries(
          ['used_memory', 'used_memory_dataset', 'used_memory_startup', 'used_memory_scripts', 'mem_clients_normal', 'mem_aof_buffer', 'mem_replication_backlog']
            .map((name) => [name, Math.round((field(name) / 2 ** 20) * 10) / 10]),
        );
        // A key scan costs Redis time: taken again only when the dataset grew a tenth, at most every 10 s.
        if (field('used_memory_dataset') > keysTakenBytes * 1.1 && Date.now() - keysTakenAt > 10_000) {
          keysTakenAt = Date.now();
          keysTakenBytes = field('used_memory_dataset');
          largestKeys = await keysByKind().catch(() => largestKeys);
        }
      }
    };
    const sampler = setInterval(() => void sampleMemory(), 500);

    const load = loadavg();
    const started = Date.now();
    const events: { atSeconds: number; done: number; event: string }[] = [];
    const event = (done: number, what: string) => {
      events.push({ atSeconds: Math.round((Date.now() - started) / 100) / 10, done, event: what });
      log(`${what} at ${done} records`);
    };
    // The producer; one that dies at the Redis restart is resumed as the README says (enqueue --resume).
    const startEnqueue = (...extra: string[]) => {
      const p = spawn(process.execPath, [CLI, 'enqueue', `s3://${BUCKET}/in`, '--out', `s3://${BUCKET}/out`, '--output-format', outputFormat, ...(learn ? [] : ['--no-learn']), ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(p);
      const state = { process: p, stderr: '', code: null as number | null };
      p.stderr!.on('data', (d: Buffer) => (state.stderr += d));
      p.once('exit', (code) => {
        state.code = code ?? 1;
        if (state.code === 0) enqueueMs = Date.now() - started;
      });
      return state;
    };
    let enqueueMs = 0;
    let enqueue = startEnqueue();
    let restartedAt = 0;
    let resumes = 0;
    const store = new BatchStore(client, PREFIX);
    // The batch id: the newest batch once the enqueue has made it.
    while (!id) {
      id = (await client.zrevrange(`${PREFIX}:batches`, 0, 0).catch(() => []))[0] ?? '';
      if (!id) await new Promise((r) => setTimeout(r, 100));
      if (enqueue.code !== null && !id) throw new Error(`enqueue failed: ${enqueue.stderr}`);
    }
    let killed = false;
    let restarted = false;
    let stopped = false;
    let lastReport = Date.now();
    for (;;) {
      const record = await store.get(id).catch(() => null);
      if (record?.finishedAt) break;
      const done = (record?.completed ?? 0) + (record?.failed ?? 0);
      const past = (share: number) => done >= records * share || Date.now() - started >= stopAfterMs * share;
      if (!stopped && Date.now() - started >= stopAfterMs) {
        stopped = true;
        event(done, `batch cancelled (--stop-after ${stopAfterMs / 1000})`);
        const cancel = spawn(process.execPath, [CLI, 'cancel', id], { env, stdio: 'ignore' });
        await new Promise((resolve) => cancel.once('exit', resolve));
      }
      if (faults && !killed && past(1 / 3)) {
        killed = true;
        workers[0]!.kill('SIGKILL');
        event(done, 'worker killed (SIGKILL) and started again');
        workers[0] = worker();
      }
      if (faults && killed && !restarted && past(2 / 3)) {
        restarted = true;
        await sampleMemory(); // the restart resets Redis's own peak
        event(done, 'Redis restarted (SIGTERM, AOF, down 500 ms)');
        await redis.restart(500);
        restartedAt = Date.now();
      }
      if (Date.now() - lastReport >= 30_000) {
        lastReport = Date.now();
        const s = (Date.now() - started) / 1000;
        log(`${done}/${records} records in ${s.toFixed(0)} s (${(done / s).toFixed(0)}/s), Redis peak ${(peak / 2 ** 20).toFixed(1)} MB`);
      }
      if (enqueue.code !== null && enqueue.code !== 0) {
        if (restartedAt === 0 || Date.now() - restartedAt > 120_000 || resumes >= 3) throw new Error(`enqueue failed: ${enqueue.stderr}`);
        resumes++;
        event(done, `enqueue died at the Redis restart (${enqueue.stderr.trim().split('\n')[0]}): enqueue --resume ${id}`);
        enqueue = startEnqueue('--resume', id);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const elapsedMs = Date.now() - started;
    clearInterval(sampler);
    await sampleMemory();
    while (enqueue.code === null) await new Promise((r) => setTimeout(r, 100));
    if (enqueue.code !== 0) throw new Error(`the batch ended but its enqueue did not: ${enqueue.stderr}`);
    const batch = (await store.get(id))!;
    // What Redis holds at the end, by key: where its memory went.
    const held: { key: string; bytes: number }[] = [];
    let cursor = '0';
    do {
      const [nextCursor, found] = await client.scan(cursor, 'COUNT', 1000);
      cursor = nextCursor;
      for (const key of found) held.push({ key, bytes: Number(await client.memory('USAGE', key)) || 0 });
    } while (cursor !== '0');
    held.sort((a, b) => b.bytes - a.bytes);
    const redisUsedMbAtEnd = Math.round((Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? 0) / 2 ** 20) * 10) / 10;
    const redisLargestKeys = held.slice(0, 5).map((k) => `${k.key.replace(id, '<batch>')}: ${Math.round(k.bytes / 1024)} KB`);
    // The workers stop (a job still running, one that ran twice after a stall, finishes its
    // write) before the output is read: the check reads a store nobody writes to.
    await Promise.all(workers.map((w) => new Promise((resolve) => (w.exitCode !== null ? resolve(null) : (w.once('exit', resolve), w.kill('SIGTERM'))))));

    // Read back: every manifest, and the shard beside it.
    const checking = Date.now();
    const counts = Array.from({ length: shards }, (_, s) => new Uint8Array(Math.min(perShard, records - s * perShard)));
    const problems: string[] = [];
    const problem = (p: string) => void (problems.length < 20 && problems.push(p));
    let outputShards = 0;
    let outputBytes = 0;
    let stray = 0;
    let unitSize = 0;
    // Listed with ListObjects (v1) and a marker: s3rver makes V2 continuation tokens with DES,
    // which the OpenSSL 3 of Node 17+ refuses, so a V2 listing of over 1,000 keys fails there.
    const keys: string[] = [];
    for (let more = true; more; ) {
      const page = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, Prefix: 'out/', ...(keys.length > 0 ? { Marker: keys.at(-1)! } : {}) }));
      for (const o of page.Contents ?? []) keys.push(o.Key!);
      more = page.IsTruncated === true && (page.Contents?.length ?? 0) > 0;
    }
    // A read that fails is tried again (s3rver answers InternalError now and then under load), then reported by its key.
    const get = async (key: string): Promise<Buffer> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());
        } catch (err) {
          if (attempt >= 5) throw new Error(`GET ${key}: ${(err as Error).name}: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
    };
    const keySet = new Set(keys);
    for (const key of keys) if (outputFormatOf(key) !== null && !keySet.has(`${key}.manifest.json`)) problem(`${key} has no manifest`);
    const manifests = keys.filter((key) => key.endsWith('.manifest.json'));
    const check = async (key: string) => {
      const manifest = JSON.parse((await get(key)).toString('utf8')) as { shard: string; first: number; recordsPerJob: number; records: number; failed: number; bytes: number };
      const shardKey = key.slice(0, -'.manifest.json'.length);
      const body = await get(shardKey);
      outputShards++;
      unitSize = manifest.recordsPerJob;
      outputBytes += body.length;
      const lines = await outputShardLines(shardKey, body);
      if (manifest.bytes !== body.length || manifest.records !== lines.length || manifest.failed !== 0) {
        problem(`${key}: says ${manifest.records} records, ${manifest.failed} failed, ${manifest.bytes} B; the shard holds ${lines.length} lines, ${body.length} B`);
      }
      for (const line of lines) {
        // The document's source and its record's id, without parsing its text: inside a JSON
        // string a quote is escaped, so `"source":"` can only be the field itself.
        const doc = { source: /"source":"([^"]*)"/.exec(line)?.[1] ?? '', metadata: { record: { id: /"record":\{"id":"([^"]*)"/.exec(line)?.[1] } } };
        const m = /^(\d{5})\.jsonl\.gz#(\d+)$/.exec(doc.source);
        const s = m ? Number(m[1]) : -1;
        const index = m ? Number(m[2]) : -1;
        const ownUnit = m !== null && shardKey.startsWith(`out/${m[1]}.jsonl.gz.`) && index >= manifest.first && index < manifest.first + manifest.recordsPerJob;
        if (!m || !ownUnit || s >= shards || index >= counts[s]!.length) {
          stray++;
          problem(`${shardKey} holds ${doc.source}, no record of its unit`);
          continue;
        }
        if (doc.metadata.record?.id !== `r${s * perShard + index}`) problem(`${doc.source} holds record ${doc.metadata.record?.id}`);
        counts[s]![index] = Math.min(255, counts[s]![index]! + 1);
      }
    };
    // Eight reads at a time: a million records are about 8,000 objects.
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < manifests.length) {
        const key = manifests[next++]!;
        await check(key).catch((err: Error) => problem(err.message));
      }
    }));
    let out = 0;
    let outBytes = 0;
    let doubled = 0;
    counts.forEach((c, s) => c.forEach((n, i) => {
      if (n > 0) (out++, (outBytes += textBytes[s * perShard + i]!));
      if (n > 1) doubled++;
    }));
    // A cancelled batch leaves out what it did not finish: what it finished must be out, once.
    const expected = stopped ? batch.completed : records;
    const missing = expected - out;
    const seconds = elapsedMs / 1000;
    const exactlyOnce = missing === 0 && doubled === 0 && stray === 0 && problems.length === 0 && batch.completed === expected && batch.failed === 0;
    const redisPeakMb = Math.round((peak / 2 ** 20) * 10) / 10;
    const result = {
      records, perShard, outputFormat, learn, inputShards: shards, outputShards, inputTextMb: Math.round(inputBytes / 1e5) / 10, outputMb: Math.round(outputBytes / 1e5) / 10,
      cores: availableParallelism(), loadAverageAtStart: Math.round(load[0]! * 10) / 10, loadAverageAtEnd: Math.round(loadavg()[0]! * 10) / 10,
      workers: 2, threadsPerWorker: 1, recordsPerJob: unitSize,
      stopped, queued: batch.queued, completed: batch.completed, failed: batch.failed, cancelled: batch.cancelled, recordsOut: out,
      seconds: Math.round(seconds * 10) / 10, enqueueSeconds: Math.round(enqueueMs / 100) / 10, checkSeconds: Math.round((Date.now() - checking) / 100) / 10,
      docsPerSecond: Math.round(batch.completed / seconds), mbPerSecond: Math.round((outBytes / 1e6 / seconds) * 100) / 100,
      redisPeakMb, redisTargetMb: REDIS_TARGET_MB, redisLargestSample: largest, redisKeysAtLargestSample: largestKeys, redisUsedMbAtEnd, redisKeysAtEnd: held.length, redisLargestKeys, redisSamplesMissed: sampleFailures,
      events, enqueueResumes: resumes, missing, doubled, stray, problems, exactlyOnce,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return exactlyOnce && redisPeakMb < REDIS_TARGET_MB ? 0 : 1;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    client.disconnect();
    s3.destroy();
    await redis.stop();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`soak:shards: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
