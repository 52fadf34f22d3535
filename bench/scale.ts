/**
 * npm run bench:scale: what Redis spends per document, and how many worker cores one
 * Redis node can therefore feed. On a private redis-server, for each mode (`learn`, the
 * default of enqueue and run: a counting pass, then cleaning; `no-learn`: `--no-learn`)
 * and each documents-per-job setting:
 *
 *  - Redis CPU per document: the server's own used_cpu_sys + used_cpu_user (what a
 *    node runs out of), and INFO commandstats' top commands (a script's figure
 *    includes the commands it calls);
 *  - commands and network bytes per document;
 *  - memory per waiting document (cleaning jobs, everything queued, no worker);
 *  - the ceiling they imply: documents/s one Redis core coordinates, and the worker
 *    cores that feeds at the rate measured here per worker core (worker CPU time);
 *  - on a local 3-node Redis Cluster, with 1 and with 3 queue shards (`--shards`, no-learn): Redis
 *    CPU per document summed over the nodes and on the busiest node, which is what
 *    limits, and the ceiling that gives against one node's.
 *
 * Per-document costs barely move with the machine's load, unlike wall times.
 *
 *   npm run bench:scale [-- --docs 5000 --per-job 32,128 --modes learn,no-learn --shards 1,3]
 *   npm run bench:scale -- --corpus test/fixtures/crawl/docs   (real articles)
 *   npm run bench:scale -- --against ../old-checkout [--repeat 6] [--by-script]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MetricsTime, Queue, Worker } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { startLocalCluster, startLocalRedis } from '../src/cli/local-redis.js';
import { loadConfigWithSource, PACKAGE_ROOT } from '../src/config.js';
import { BatchStore } from '../src/queue/batches.js';
import { COUNT_JOB, QUEUE_NAME, type DocumentJob, type JobSummary } from '../src/queue/jobs.js';
import { enqueueFolder } from '../src/queue/producer.js';
import { Queues, shardPrefix } from '../src/queue/queues.js';
import { documentLines, type DocumentLines } from '../src/text/learned.js';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '5000' },
    // Real documents instead of the generated ones: every .txt file under this folder
    // (test/fixtures/crawl/docs: 1,175 articles of 37 crawled sites). The generated corpus
    // rotates five samples' paragraphs, so a count job meets few distinct lines; real
    // articles send the learning pass about 20 distinct lines each.
    corpus: { type: 'string' },
    'per-job': { type: 'string', default: '32,128' },
    modes: { type: 'string', default: 'learn,no-learn' },
    threads: { type: 'string', default: '2' },
    shards: { type: 'string', default: '1,3' },
    // Each mode's run once more with Redis's slow log catching every call: µs per
    // document of each script (by name) and command. The log costs Redis CPU itself, so
    // these runs are apart from the ones whose totals the table gives.
    'by-script': { type: 'boolean', default: false },
    // Another built checkout of vnpipe (its dist/): no-learn measured with its
    // producer and batch store and with this one's, alternated `repeat` times, so both
    // see the same machine load (a shared machine's load moves these figures by a third).
    against: { type: 'string' },
    repeat: { type: 'string', default: '6' },
  },
});
const count = Number(values.docs);
const perJobs = values['per-job'].split(',').map(Number);
/** `learn`: enqueue's default (a counting pass, then cleaning); `no-learn`: cleaning only. */
type Mode = 'learn' | 'no-learn';
const modes = values.modes.split(',') as Mode[];
for (const m of modes) if (m !== 'learn' && m !== 'no-learn') throw new Error(`--modes: learn or no-learn, not ${m}`);
const modeLabel = (m: Mode) => (m === 'learn' ? 'learn (default)' : 'no-learn');
const threads = Number(values.threads);
const shardRuns = values.shards ? values.shards.split(',').map(Number) : [];
const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
const PREFIX = '{bench}';

/** News-like documents from the samples, five "sites" (folders), paragraphs rotated and one numbered line each. */
function writeCorpus(n: number): { dir: string; bytes: number } {
  const samplesDir = join(PACKAGE_ROOT, 'samples');
  const samples = readdirSync(samplesDir).sort().map((f) => readFileSync(join(samplesDir, f), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'vnpipe-scale-'));
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const site = i % samples.length;
    const paras = samples[site]!.split('\n\n');
    const body = paras.slice(3);
    const k = body.length > 0 ? i % body.length : 0;
    const text = [...paras.slice(0, 3), `Văn bản số ${i} được ban hành ngày ${(i % 28) + 1}/3/2024.`, ...body.slice(k), ...body.slice(0, k)].join('\n\n');
    const sub = join(dir, `site${site}`, `d${Math.floor(i / 1000)}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `${i}.txt`), text);
    bytes += Buffer.byteLength(text);
  }
  return { dir, bytes };
}

/** Every .txt file under `from`, copied to a fresh folder with its relative path; `limit` of them at most. */
function copyCorpus(from: string, limit = Infinity): { dir: string; bytes: number; docs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'vnpipe-scale-'));
  let bytes = 0;
  let docs = 0;
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(from, sub), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (docs >= limit) return;
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.txt')) {
        const text = readFileSync(join(from, rel));
        mkdirSync(join(dir, sub), { recursive: true });
        writeFileSync(join(dir, rel), text);
        bytes += text.length;
        docs++;
      }
    }
  };
  walk('');
  return { dir, bytes, docs };
}

/**
 * Waits for a batch to end, asking Redis every 250 ms. A poll costs Redis about as much
 * as a job's bookkeeping; private-queue's 50 ms ticks alone added half a microsecond per
 * document here, and on a cluster all of it lands on shard 0's node.
 */
async function ended(batches: BatchStore, batchId: string): Promise<void> {
  while (!(await batches.get(batchId))?.finishedAt) await new Promise((r) => setTimeout(r, 250));
}

interface Snapshot {
  cpuUs: number;
  commands: number;
  netBytes: number;
  stats: Map<string, { calls: number; usec: number }>;
}

function field(info: string, name: string): number {
  return Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
}

async function snapshot(redis: Redis): Promise<Snapshot> {
  const info = await redis.info('all');
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const m of info.matchAll(/^cmdstat_(\S+?):calls=(\d+),usec=(\d+)/gm)) stats.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  return {
    cpuUs: (field(info, 'used_cpu_sys') + field(info, 'used_cpu_user')) * 1e6,
    commands: field(info, 'total_commands_processed'),
    netBytes: field(info, 'total_net_input_bytes') + field(info, 'total_net_output_bytes'),
    stats,
  };
}

/** CPU seconds (user + system, all threads) of a process so far. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

interface Result {
  mode: Mode;
  label: string;
  docs: number;
  /** Redis CPU over the run, per document. */
  rawUsPerDoc: number;
  /** The same less what an idle Redis spends in as long. */
  redisUsPerDoc: number;
  idleUsPerSecond: number;
  commandsPerDoc: number;
  bytesPerDoc: number;
  top: string;
  /** Documents the stand-in workers finished per second of wall time. */
  wallDocsPerSecond: number;
  /** With --by-script: each script and command, µs per document (the slow log's durations) and calls per job. */
  byScript?: string;
}

/** Script names by sha: every script an ioredis client defined (BullMQ's and vnpipe's). */
function scriptNames(...clients: Redis[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const client of clients) {
    for (const [name, script] of Object.entries((client as unknown as { scriptsSet: Record<string, { sha: string }> }).scriptsSet)) names.set(script.sha, name);
  }
  return names;
}

/**
 * The slow log (every call logged) summed by script name or command: µs per document,
 * calls per job. Redis logs the commands a script calls as well as the script, whose
 * time includes theirs: a command's figure counts its calls from scripts too.
 */
async function slowlogBreakdown(redis: Redis, names: Map<string, string>, docs: number, perJob: number): Promise<string> {
  const entries = (await redis.call('SLOWLOG', 'GET', '-1')) as [number, number, number, string[]][];
  const sums = new Map<string, { usec: number; calls: number }>();
  for (const [, , usec, args] of entries) {
    const command = String(args[0]).toLowerCase();
    if (/^(info|config|slowlog)$/.test(command)) continue;
    const name = command === 'evalsha' ? (names.get(String(args[1])) ?? `evalsha ${String(args[1]).slice(0, 8)}`) : command;
    const sum = sums.get(name) ?? { usec: 0, calls: 0 };
    sum.usec += usec;
    sum.calls++;
    sums.set(name, sum);
  }
  const jobs = docs / perJob;
  return (
    [...sums]
      .sort((a, b) => b[1].usec - a[1].usec)
      .filter(([, s]) => s.usec / docs >= 0.05)
      .map(([name, s]) => `${name} ${(s.usec / docs).toFixed(2)} (${(s.calls / jobs).toFixed(1)}/job)`)
      .join(', ')
  );
}

/** Each document's lines for the counting pass, computed once: the stand-in worker sends them as the real one would. */
function linesOf(dir: string): Map<string, DocumentLines> {
  const { config } = loadConfigWithSource();
  const lines = new Map<string, DocumentLines>();
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else lines.set(rel, documentLines(readFileSync(join(dir, rel)), rel, config));
    }
  };
  walk('');
  return lines;
}

/**
 * What Redis spends per document: enqueue, then workers that record every job's
 * outcome at once, as `vnpipe worker` does, without cleaning (the real worker's text
 * work would stretch the run and, with it, Redis's time-bound costs). The same
 * BatchStore calls, BullMQ options and job sizes as the real worker.
 */
/** The producer and batch store a measure runs: this checkout's, or another's (--against). */
interface Code {
  BatchStore: typeof BatchStore;
  enqueueFolder: typeof enqueueFolder;
}
const OURS: Code = { BatchStore, enqueueFolder };

async function measure(input: string, warm: string, lines: Map<string, DocumentLines>, mode: Mode, perJob: number, byScript = false, code = OURS): Promise<Result> {
  const { BatchStore, enqueueFolder } = code;
  const server = await startLocalRedis();
  const redis = new Redis(server.url);
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix: PREFIX });
  const out = mkdtempSync(join(tmpdir(), 'vnpipe-scale-out-'));
  const { config, raw } = loadConfigWithSource(undefined, { queue: { documentsPerJob: perJob } });
  const batches = new BatchStore(redis, PREFIX);
  const recordCounted = batches.recordCounted.bind(batches) as unknown as (...a: unknown[]) => Promise<void>;
  // The code before per-job counting took one document a call: (id, seq, lines, cap).
  const perDocumentCounts = batches.recordCounted.length === 4;
  const cap = config.learn.maxLinesPerSource;
  const workerConnection = new Redis(server.url, { maxRetriesPerRequest: null });
  const worker = new Worker<DocumentJob, JobSummary>(
    QUEUE_NAME,
    async (job) => {
      const { batch, docs } = job.data;
      if (job.name === COUNT_JOB) {
        const counted = docs.map((d) => ({ seq: d.seq, lines: lines.get(d.rel)! }));
        if (perDocumentCounts) await Promise.all(counted.map((d) => recordCounted(batch, d.seq, d.lines, cap)));
        else await recordCounted(batch, counted, config.learn);
      } else {
        await batches.recordCompleted(batch, job.id!, docs.map((d) => ({ seq: d.seq, rel: d.rel, id: d.id, bytes: d.size })));
      }
      return { completed: docs.length, failed: 0, skipped: 0 };
    },
    { connection: workerConnection, prefix: PREFIX, concurrency: 8, metrics: { maxDataPoints: MetricsTime.ONE_WEEK * 2 } },
  );
  try {
    // A small batch first: scripts compiled and connections made are not per-document costs.
    const warmed = await enqueueFolder(queue, batches, { root: warm, out, rawConfig: raw, config, learn: mode === 'learn' });
    await ended(batches, warmed.batchId);
    // Redis's CPU while nothing is queued (its timers, the idle worker's blocking
    // reads, this bench's polling) runs by the second, not by the document: measured
    // here and taken off.
    const idleStart = await snapshot(redis);
    const idleFrom = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, 2000));
    const idleUsPerSecond = ((await snapshot(redis)).cpuUs - idleStart.cpuUs) / (Number(process.hrtime.bigint() - idleFrom) / 1e9);
    await redis.config('RESETSTAT');
    if (byScript) {
      await redis.config('SET', 'slowlog-log-slower-than', '0');
      await redis.config('SET', 'slowlog-max-len', '10000000');
      await redis.call('SLOWLOG', 'RESET');
    }
    const before = await snapshot(redis);
    const start = process.hrtime.bigint();
    const { batchId, queued } = await enqueueFolder(queue, batches, { root: input, out, rawConfig: raw, config, learn: mode === 'learn' });
    await ended(batches, batchId);
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const after = await snapshot(redis);
    const top = [...after.stats]
      .map(([name, s]) => ({ name, usec: s.usec - (before.stats.get(name)?.usec ?? 0) }))
      .filter((s) => !/^(info|config)/.test(s.name))
      .sort((a, b) => b.usec - a.usec)
      .slice(0, 4)
      .map((s) => `${s.name} ${(s.usec / queued).toFixed(1)}`)
      .join(', ');
    return {
      mode,
      label: `${modeLabel(mode)}, ${perJob}/job`,
      docs: queued,
      rawUsPerDoc: (after.cpuUs - before.cpuUs) / queued,
      redisUsPerDoc: (after.cpuUs - before.cpuUs - idleUsPerSecond * secs) / queued,
      idleUsPerSecond,
      commandsPerDoc: (after.commands - before.commands) / queued,
      bytesPerDoc: (after.netBytes - before.netBytes) / queued,
      top,
      wallDocsPerSecond: queued / secs,
      byScript: byScript ? await slowlogBreakdown(redis, scriptNames(redis, workerConnection), queued, perJob) : undefined,
    };
  } finally {
    await worker.close();
    workerConnection.disconnect();
    await queue.close();
    redis.disconnect();
    await server.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

interface ClusterResult {
  shards: number;
  docs: number;
  /** Redis CPU per document, less idle, summed over the nodes. */
  totalUsPerDoc: number;
  /** The same on the node that spent most: the one that runs out first. */
  busiestUsPerDoc: number;
  /** Per node, µs per document. */
  perNode: number[];
  /** Commands per document, summed over the nodes. */
  commandsPerDoc: number;
  /** Idle CPU taken off, µs per document summed over the nodes: what the figures lean on. */
  idleUsPerDoc: number;
  seconds: number;
}

/**
 * Cleaning only (no-learn) on a local 3-node Redis Cluster with `shards` queue shards, each
 * shard's tag on its own node: enqueue, and stand-in workers (one BullMQ worker per
 * shard, as `vnpipe worker` runs) recording every job as in measure().
 */
async function measureCluster(input: string, warm: string, shards: number, perJob: number): Promise<ClusterResult> {
  const cluster = await startLocalCluster(3);
  const nodes = cluster.ports.map((port) => new Redis(port, '127.0.0.1'));
  const client = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0]! }]);
  const workerClient = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0]! }], { redisOptions: { maxRetriesPerRequest: null } });
  const prefix = await cluster.spreadPrefix('bench', shards);
  const queues = new Queues(client, prefix, shards);
  const batches = new BatchStore(client, prefix);
  const out = mkdtempSync(join(tmpdir(), 'vnpipe-scale-out-'));
  const { config, raw } = loadConfigWithSource(undefined, { queue: { documentsPerJob: perJob, shards } });
  const workers = Array.from({ length: shards }, (_, shard) =>
    new Worker<DocumentJob, JobSummary>(
      QUEUE_NAME,
      async (job) => {
        const { batch, docs } = job.data;
        await batches.recordCompleted(batch, job.id!, docs.map((d) => ({ seq: d.seq, rel: d.rel, id: d.id, bytes: d.size })), Date.now(), shard);
        return { completed: docs.length, failed: 0, skipped: 0 };
      },
      { connection: workerClient, prefix: shardPrefix(prefix, shard), concurrency: Math.ceil(8 / shards), metrics: { maxDataPoints: MetricsTime.ONE_WEEK * 2 } },
    ),
  );
  const cpu = async () => Promise.all(nodes.map(async (n) => (await snapshot(n)).cpuUs));
  const commands = async () => (await Promise.all(nodes.map(async (n) => (await snapshot(n)).commands))).reduce((a, b) => a + b, 0);
  try {
    const warmed = await enqueueFolder(queues, batches, { root: warm, out, rawConfig: raw, config, learn: false });
    await ended(batches, warmed.batchId);
    const idleStart = await cpu();
    const idleFrom = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, 2000));
    const idleEnd = await cpu();
    const idleSecs = Number(process.hrtime.bigint() - idleFrom) / 1e9;
    const idle = idleEnd.map((c, i) => (c - idleStart[i]!) / idleSecs);
    const [before, commandsBefore] = await Promise.all([cpu(), commands()]);
    const start = process.hrtime.bigint();
    const { batchId, queued } = await enqueueFolder(queues, batches, { root: input, out, rawConfig: raw, config, learn: false });
    await ended(batches, batchId);
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const [after, commandsAfter] = await Promise.all([cpu(), commands()]);
    const perNode = after.map((c, i) => (c - before[i]! - idle[i]! * secs) / queued);
    return {
      shards, docs: queued, totalUsPerDoc: perNode.reduce((a, b) => a + b, 0), busiestUsPerDoc: Math.max(...perNode), perNode,
      commandsPerDoc: (commandsAfter - commandsBefore) / queued, idleUsPerDoc: (idle.reduce((a, b) => a + b, 0) * secs) / queued, seconds: secs,
    };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queues.close();
    client.disconnect();
    workerClient.disconnect();
    for (const n of nodes) n.disconnect();
    await cluster.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

/** Documents one core of `vnpipe worker` cleans (or counts) per second: its CPU time over a batch. */
async function workerRate(input: string, mode: Mode): Promise<number> {
  const server = await startLocalRedis();
  const redis = new Redis(server.url);
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix: PREFIX });
  const out = mkdtempSync(join(tmpdir(), 'vnpipe-scale-out-'));
  const env = { ...process.env, REDIS_URL: server.url, VNPIPE_PREFIX: PREFIX, LOG_LEVEL: 'warn' };
  const worker: ChildProcess = spawn(process.execPath, [CLI, 'worker', '--concurrency', String(threads)], { env, stdio: 'ignore' });
  try {
    const { config, raw } = loadConfigWithSource();
    const batches = new BatchStore(redis, PREFIX);
    await new Promise((r) => setTimeout(r, 1500)); // start-up is not per document
    const cpuBefore = cpuSeconds(worker.pid!);
    const { batchId, queued } = await enqueueFolder(queue, batches, { root: input, out, rawConfig: raw, config, learn: mode === 'learn' });
    await ended(batches, batchId);
    // Learning, each document is read twice: counted, then cleaned.
    return queued / (cpuSeconds(worker.pid!) - cpuBefore);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => (worker.exitCode !== null ? r(null) : worker.once('exit', r)));
    await queue.close();
    redis.disconnect();
    await server.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

/** Bytes of Redis memory per document waiting in the queue (everything queued, no worker). */
async function memoryPerWaiting(input: string, perJob: number): Promise<number> {
  const server = await startLocalRedis();
  const redis = new Redis(server.url);
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix: PREFIX });
  const out = mkdtempSync(join(tmpdir(), 'vnpipe-scale-out-'));
  try {
    const { config, raw } = loadConfigWithSource(undefined, { queue: { documentsPerJob: perJob, enqueueWindow: 10_000_000 } });
    const used = async () => field(await redis.info('memory'), 'used_memory');
    const before = await used();
    const { queued } = await enqueueFolder(queue, new BatchStore(redis, PREFIX), { root: input, out, rawConfig: raw, config, learn: false });
    return ((await used()) - before) / queued;
  } finally {
    await queue.close();
    redis.disconnect();
    await server.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

const corpus = values.corpus ? copyCorpus(values.corpus) : { ...writeCorpus(count), docs: count };
const warm = values.corpus ? copyCorpus(values.corpus, 300) : writeCorpus(300);
console.log(
  `vnpipe bench:scale: ${corpus.docs} ${values.corpus ? `documents of ${values.corpus}` : 'generated documents'} of ${(corpus.bytes / corpus.docs / 1024).toFixed(1)} KB; ${availableParallelism()} cores, ` +
    `Node ${process.version}, redis-server ${execFileSync('redis-server', ['--version']).toString().split(' ')[2]!.slice(2)}`,
);
try {
  // The warm-up corpus is the main one's first 300 documents: the same names, the same lines.
  const lines = modes.includes('learn') || values['by-script'] ? linesOf(corpus.dir) : new Map<string, DocumentLines>();
  const results: Result[] = [];
  for (const mode of modes) for (const perJob of perJobs) results.push(await measure(corpus.dir, warm.dir, lines, mode, perJob));
  const breakdowns: Result[] = [];
  if (values['by-script']) for (const mode of modes) for (const perJob of perJobs) breakdowns.push(await measure(corpus.dir, warm.dir, lines, mode, perJob, true));
  const comparisons: string[] = [];
  if (values.against) {
    const dist = join(values.against, 'dist', 'src', 'queue');
    const theirs: Code = {
      BatchStore: ((await import(join(dist, 'batches.js'))) as { BatchStore: typeof BatchStore }).BatchStore,
      enqueueFolder: ((await import(join(dist, 'producer.js'))) as { enqueueFolder: typeof enqueueFolder }).enqueueFolder,
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const spread = (xs: number[]) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;
    for (const mode of modes) {
      for (const perJob of perJobs) {
        const runs = { theirs: [] as number[], ours: [] as number[] };
        for (let r = 0; r < Number(values.repeat); r++) {
          // Each pair in turn first: a trend in the machine's load favours neither.
          for (const side of r % 2 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const)) {
            runs[side].push((await measure(corpus.dir, warm.dir, lines, mode, perJob, false, side === 'ours' ? OURS : theirs)).redisUsPerDoc);
          }
        }
        const ratios = runs.ours.map((o, i) => o / runs.theirs[i]!);
        comparisons.push(`| ${modeLabel(mode)} | ${perJob} | ${spread(runs.theirs)} | ${spread(runs.ours)} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) |`);
      }
    }
  }
  const rates = new Map<Mode, number>();
  for (const mode of modes) rates.set(mode, await workerRate(corpus.dir, mode));
  // A PING's cost on this machine: what one command round trip costs Redis here, to read the figures by.
  const ping = await (async () => {
    const server = await startLocalRedis();
    const redis = new Redis(server.url);
    try {
      const before = await snapshot(redis);
      for (let i = 0; i < 5000; i++) await redis.ping();
      return ((await snapshot(redis)).cpuUs - before.cpuUs) / 5000;
    } finally {
      redis.disconnect();
      await server.stop();
    }
  })();
  console.log('\n| run | Redis CPU µs/doc | (not less idle) | commands/doc | bytes/doc | docs/s one Redis core | worker cores fed | top commands, µs/doc (a script includes its commands) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const ceiling = 1e6 / r.redisUsPerDoc;
    const rate = rates.get(r.mode)!;
    console.log(
      `| ${r.label} | ${r.redisUsPerDoc.toFixed(1)} | ${r.rawUsPerDoc.toFixed(1)} | ${r.commandsPerDoc.toFixed(2)} | ${r.bytesPerDoc.toFixed(0)} | ` +
        `${ceiling.toFixed(0)} | ${(ceiling / rate).toFixed(0)} | ${r.top} |`,
    );
  }
  if (comparisons.length > 0) {
    console.log(`\n${values.against} against this checkout, alternated ${values.repeat} times: Redis CPU µs/doc less idle, median (range)`);
    console.log('| mode | documents a job | --against | this checkout | this / against, pair by pair |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const line of comparisons) console.log(line);
  }
  for (const r of breakdowns) console.log(`\n${r.label}, Redis's time inside each script and command (the slow log; a script includes the commands it calls, which are listed too), µs/doc: ${r.byScript}`);
  console.log(`\nRedis idle: ${results.map((r) => (r.idleUsPerSecond / 1000).toFixed(1)).join(', ')} ms CPU per second; a PING costs it ${ping.toFixed(1)} µs here`);
  console.log(`stand-in workers: ${results.map((r) => `${r.label} ${r.wallDocsPerSecond.toFixed(0)}`).join('; ')} docs/s (this machine's clients, not Redis, set these)`);
  console.log(`vnpipe worker (${threads} threads): ${[...rates].map(([m, r]) => `${modeLabel(m)} ${r.toFixed(0)}`).join(', ')} documents per core-second`);
  // Both modes' Redis cost side by side, per job size: what the default (learning) costs over cleaning alone.
  for (const perJob of perJobs) {
    const on = results.find((r) => r.mode === 'learn' && r.label.endsWith(` ${perJob}/job`));
    const off = results.find((r) => r.mode === 'no-learn' && r.label.endsWith(` ${perJob}/job`));
    if (on && off) console.log(`${perJob}/job: Redis CPU ${on.redisUsPerDoc.toFixed(1)} µs/doc learning (the default), ${off.redisUsPerDoc.toFixed(1)} with --no-learn (${(on.redisUsPerDoc / off.redisUsPerDoc).toFixed(2)}×)`);
  }
  for (const perJob of perJobs) {
    console.log(`memory per waiting document (${perJob}/job): ${(await memoryPerWaiting(corpus.dir, perJob)).toFixed(0)} bytes`);
  }
  if (shardRuns.length > 0) {
    // The job size the default config uses, or the largest asked for.
    const perJob = perJobs.includes(128) ? 128 : Math.max(...perJobs);
    const runs: ClusterResult[] = [];
    for (const shards of shardRuns) runs.push(await measureCluster(corpus.dir, warm.dir, shards, perJob));
    const base = runs.find((r) => r.shards === 1) ?? runs[0]!;
    console.log(`\nlocal 3-node Redis Cluster, no-learn, ${perJob}/job: Redis CPU µs per document (less idle)`);
    console.log('| queue shards | all nodes | busiest node | per node | docs/s the busiest node allows | × one shard | commands/doc, all nodes | idle taken off, µs/doc | seconds |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of runs) {
      console.log(
        `| ${r.shards} | ${r.totalUsPerDoc.toFixed(1)} | ${r.busiestUsPerDoc.toFixed(1)} | ${r.perNode.map((u) => u.toFixed(1)).join(' / ')} | ` +
          `${(1e6 / r.busiestUsPerDoc).toFixed(0)} | ${(base.busiestUsPerDoc / r.busiestUsPerDoc).toFixed(2)} | ${r.commandsPerDoc.toFixed(2)} | ${r.idleUsPerDoc.toFixed(1)} | ${r.seconds.toFixed(1)} |`,
      );
    }
  }
} finally {
  for (const dir of [corpus.dir, warm.dir]) rmSync(dir, { recursive: true, force: true });
}
