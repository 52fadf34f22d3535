/**
 * `npm run bench:shards [-- --documents N] [--per-shard M] [--kill]`: N documents (the
 * sample articles, each with a line of its own) in JSONL.gz shards of M records on a
 * local S3 server (s3rver on 127.0.0.1), enqueued while two `vnpipe worker` processes
 * clean them into output shards on the same server. Prints docs/s and MB/s with the
 * core count, Redis's peak memory (INFO memory, read through the run), and checks that
 * every record is in the output shards exactly once. With --kill, a worker is killed
 * with SIGKILL (and started again) at a third of the batch and Redis (AOF on) is
 * restarted at two thirds. Exits 1 if a record is missing or doubled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { startLocalRedis } from '../src/cli/local-redis.js';
import { PACKAGE_ROOT } from '../src/config.js';
import { BatchStore } from '../src/queue/batches.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
const PREFIX = 'bench-shards';
const BUCKET = 'bench';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a whole number, not ${process.argv[i + 1]}`);
  return n;
}

const documents = option('documents', 20_000);
const perShard = option('per-shard', 5_000);
const kill = process.argv.includes('--kill');

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: object) => S3rverInstance;

async function main(): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'vnpipe-bench-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const redis = await startLocalRedis({ appendOnly: true });
  const env = {
    ...process.env, REDIS_URL: redis.url, VNPIPE_PREFIX: PREFIX, LOG_LEVEL: 'warn',
    AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', VNPIPE_S3_PATH_STYLE: '1',
  };
  const children: ChildProcess[] = [];
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => {});
  try {
    // The input: the sample articles in turn, each record told apart by its last line.
    const samples = readdirSync(join(PACKAGE_ROOT, 'samples')).sort().map((f) => readFileSync(join(PACKAGE_ROOT, 'samples', f), 'utf8'));
    let inputBytes = 0;
    const shards = Math.ceil(documents / perShard);
    for (let s = 0; s < shards; s++) {
      const lines: string[] = [];
      for (let i = s * perShard; i < Math.min(documents, (s + 1) * perShard); i++) {
        const text = `${samples[i % samples.length]}\n\nBản ghi số ${i}.`;
        inputBytes += Buffer.byteLength(text);
        lines.push(`${JSON.stringify({ id: `d${i}`, url: `https://bench.example.vn/${i}`, text })}\n`);
      }
      const body = gzipSync(lines.join(''), { level: 1 });
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `in/${String(s).padStart(5, '0')}.jsonl.gz`, Body: body }));
    }
    process.stderr.write(`${documents} documents (${(inputBytes / 1e6).toFixed(1)} MB of text) in ${shards} JSONL.gz shards on s3rver\n`);

    const worker = () => {
      const w = spawn(process.execPath, [CLI, 'worker', '--concurrency', '1', '--lock-duration', '5000'], { env, stdio: 'ignore' });
      children.push(w);
      return w;
    };
    const workers = [worker(), worker()];
    let peak = 0;
    const sampleMemory = async () => {
      const info = await client.info('memory').catch(() => '');
      peak = Math.max(peak, Number(/used_memory_peak:(\d+)/.exec(info)?.[1] ?? 0));
    };
    const sampler = setInterval(() => void sampleMemory(), 500);

    const started = Date.now();
    const enqueue = spawn(process.execPath, [CLI, 'enqueue', `s3://${BUCKET}/in`, '--out', `s3://${BUCKET}/out`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(enqueue);
    let batch = '';
    let enqueueErr = '';
    enqueue.stdout!.on('data', (d: Buffer) => (batch += d));
    enqueue.stderr!.on('data', (d: Buffer) => (enqueueErr += d));
    const enqueued = new Promise<number>((resolve) => enqueue.once('exit', (code) => resolve(code ?? 1)));
    const store = new BatchStore(client, PREFIX);
    // The batch id: the newest batch once the enqueue has made it.
    let id = '';
    while (!id) {
      id = (await client.zrevrange(`${PREFIX}:batches`, 0, 0).catch(() => []))[0] ?? '';
      if (!id) await new Promise((r) => setTimeout(r, 100));
    }
    let killed = false;
    let restarted = false;
    let enqueueMs = 0;
    void enqueued.then(() => (enqueueMs = Date.now() - started));
    for (;;) {
      const record = await store.get(id).catch(() => null);
      if (record?.finishedAt) break;
      const done = (record?.completed ?? 0) + (record?.failed ?? 0);
      if (kill && !killed && done >= documents / 3) {
        killed = true;
        workers[0]!.kill('SIGKILL');
        process.stderr.write(`killed a worker (SIGKILL) at ${done} documents; starting another\n`);
        workers[0] = worker();
      }
      if (kill && killed && !restarted && done >= (2 * documents) / 3) {
        restarted = true;
        await sampleMemory(); // the restart resets Redis's own peak
        process.stderr.write(`restarting Redis at ${done} documents\n`);
        await redis.restart(500);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const elapsedMs = Date.now() - started;
    clearInterval(sampler);
    await sampleMemory();
    if ((await enqueued) !== 0) throw new Error(`enqueue failed: ${enqueueErr}`);
    const record = (await store.get(id))!;

    // Every record out exactly once: the output shards' sources against the input's keys.
    const seen = new Map<string, number>();
    let outputShards = 0;
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'out/', ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) {
        if (!o.Key!.endsWith('.jsonl.gz')) continue;
        outputShards++;
        const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key! }));
        for (const line of gunzipSync(await got.Body!.transformToByteArray()).toString('utf8').split('\n')) {
          if (!line) continue;
          const source = (JSON.parse(line) as { source: string }).source;
          seen.set(source, (seen.get(source) ?? 0) + 1);
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    let missing = 0;
    let doubled = 0;
    for (let s = 0; s < shards; s++) {
      for (let i = 0; i < Math.min(perShard, documents - s * perShard); i++) {
        const n = seen.get(`${String(s).padStart(5, '0')}.jsonl.gz#${i}`) ?? 0;
        if (n === 0) missing++;
        if (n > 1) doubled++;
      }
    }
    const seconds = elapsedMs / 1000;
    const result = {
      documents, shards, outputShards, cores: availableParallelism(), workers: 2, kill,
      queued: record.queued, completed: record.completed, failed: record.failed,
      seconds: Math.round(seconds * 10) / 10, enqueueSeconds: Math.round(enqueueMs / 100) / 10,
      docsPerSecond: Math.round(record.completed / seconds), mbPerSecond: Math.round((inputBytes / 1e6 / seconds) * 100) / 100,
      redisPeakMb: Math.round((peak / 2 ** 20) * 10) / 10, missing, doubled, exactlyOnce: missing === 0 && doubled === 0 && record.completed === documents,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.exactlyOnce ? 0 : 1;
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
    process.stderr.write(`bench:shards: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
