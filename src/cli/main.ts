#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { compileConfig, loadConfig, loadConfigWithSource, PACKAGE_ROOT, type JsonObject } from '../config.js';
import { DocumentError, UsageError } from '../errors.js';
import { exportCorpus, parseSize } from '../io/export.js';
import { readDocument } from '../io/files.js';
import { removalReport } from '../io/removal-report.js';
import { FolderSource } from '../io/source.js';
import { createLogger } from '../log.js';
import { BatchStore } from '../queue/batches.js';
import { connectRedis, keyPrefix, redactUrl, redisUrl, redisWarnings } from '../queue/connection.js';
import { cancelBatch, retryBatch } from '../queue/control.js';
import { QUEUE_NAME } from '../queue/jobs.js';
import { enqueueFolder, type EnqueueResult } from '../queue/producer.js';
import { batchStatus, documentStatus, queueCounts, type BatchStatus } from '../queue/status.js';
import { startWorker, type WorkerHandle } from '../queue/worker.js';
import { buildProfile, documentLines, LineCounter, parseProfile, type Profile } from '../text/learned.js';
import { processDocument } from '../text/pipeline.js';
import { startDashboard } from './dashboard.js';
import { startLocalRedis, type LocalRedis } from './local-redis.js';
import { Progress } from './progress.js';
import { formatBatch, formatBatchList, formatDocument, formatQueue, formatReport } from './report.js';

const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const USAGE = `vnpipe: raw Vietnamese news in, a clean sentence-segmented corpus out

Usage:
  vnpipe enqueue <folder> --out <dir> [--config FILE] [--force] [--follow-links] [--encoding NAME] [--learn | --profile FILE] [--resume BATCH]
      Queue every file below <folder>; prints the batch id. --learn first counts the
      folder's lines through the queue and cleans with the boilerplate it learned.
      --resume BATCH finishes a batch whose enqueue was stopped mid-walk (interrupted).
  vnpipe worker [--concurrency N] [--config FILE] [--lock-duration MS] [--metrics-port P [--metrics-host H]]
      Process queued documents until SIGINT or SIGTERM (then finish the jobs in hand).
  vnpipe status [batch] [--json] [--watch] [--failures N]
      One batch in detail, or the recent batches and the queue.
  vnpipe status --doc <file>
      Where one input file stands: its batch, job state, attempts, output or error.
  vnpipe retry <batch>
      Queue the batch's failed documents again.
  vnpipe cancel <batch>
      Remove the batch's waiting jobs and stop its enqueue; running jobs finish.
  vnpipe run <folder> --out <dir> [--config FILE] [--force] [--follow-links] [--encoding NAME] [--concurrency N] [--learn | --profile FILE]
      Enqueue and process on this machine, then print the summary. Starts a private
      redis-server when none answers at REDIS_URL.
  vnpipe process <file>... [--config FILE] [--encoding NAME]
      Run the text pipeline on files in this process (no Redis); one JSON document per line.
  vnpipe learn <folder> --profile FILE [--config FILE] [--encoding NAME]
      Learn the folder's boilerplate (lines repeated across a source) into a profile
      file that enqueue/run --profile reuse; in this process, no Redis.
  vnpipe report <batch> [--top N] [--json]
      Per source: the most removed lines with counts and reasons, the share of text
      removed, and documents that lost more than half their text.
  vnpipe dashboard [--host 127.0.0.1] [--port 3000] [--read-only]
      Bull Board for the queue. Listening beyond this machine needs a password in
      VNPIPE_DASHBOARD_PASSWORD (basic auth, user "vnpipe").
  vnpipe config [--config FILE] [--encoding NAME]
      Print the effective settings (defaults, the file and the flags merged, checked).
  vnpipe --version
  vnpipe export <out-dir> --to <dir> [--format jsonl.gz|txt] [--shard-size 256MB]
      Pack an output folder into shards: gzip JSON lines for datasets/Dolma/datatrove,
      or plain text with one sentence a line and a blank line between documents.

Options:
  --out DIR          output folder: <folder>/<rel> is written to DIR/<rel>.json (a.txt -> a.txt.json)
  --follow-links     enqueue, run, learn: follow symbolic links in the input folder, even out
                     of it (by default links are skipped and never read)
  --config FILE      settings merged over config/default.json (stored with the batch)
  --force            process files whose output is already newer than the input
  --encoding NAME    decode every file as NAME instead of detecting it: utf-8, utf-8-bom,
                     utf-16le, utf-16be, utf-8-mojibake, utf-8-mojibake-2, windows-1258,
                     viscii, tcvn3, vni
  --concurrency N    document threads: documents cleaned at once (default: the number of cores, ${availableParallelism()} here)
  --to DIR           where export writes its shards
  --format F         export format: jsonl.gz (default) or txt
  --shard-size SIZE  uncompressed bytes per export shard (default 256MB)
  --learn            learn the batch's boilerplate from its own folder first
  --profile FILE     a boilerplate profile: written by learn, read by enqueue and run
  --top N            report: removed lines shown per source (default 10)
  --metrics-port P   worker: serve Prometheus metrics on P (/metrics), on 127.0.0.1
                     unless --metrics-host says otherwise
  --lock-duration MS how long a job's lock lasts without renewal (default 30000): a killed
                     worker's jobs run again about this long after it died

Environment:
  VNPIPE_DASHBOARD_PASSWORD  dashboard password (basic auth, user "vnpipe")
  LOG_LEVEL          worker log level: debug, info (default), warn, error, silent
  REDIS_URL          default redis://127.0.0.1:6379 (redis://user:pass@host:port/db, rediss:// for TLS)
  VNPIPE_PREFIX      Redis key prefix, default "vnpipe"

Exit codes: 0 done, 1 unexpected error, 2 usage or environment error, 3 some documents failed (run).`;

const OPTIONS = {
  out: { type: 'string' },
  config: { type: 'string' },
  force: { type: 'boolean' },
  'follow-links': { type: 'boolean' },
  resume: { type: 'string' },
  concurrency: { type: 'string' },
  json: { type: 'boolean' },
  failures: { type: 'string' },
  watch: { type: 'boolean' },
  doc: { type: 'string' },
  'lock-duration': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  'shard-size': { type: 'string' },
  top: { type: 'string' },
  learn: { type: 'boolean' },
  encoding: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'read-only': { type: 'boolean' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Flags = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const flags = parsed.values as Flags;
  const [command, ...args] = parsed.positionals;
  if (flags.version) {
    process.stdout.write(`vnpipe ${VERSION}\n`);
    return 0;
  }
  if (flags.help || !command || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command || flags.help ? 0 : 2;
  }
  switch (command) {
    case 'enqueue':
      return enqueueCommand(oneFolder(args, command), flags);
    case 'worker':
      return workerCommand(args, flags);
    case 'status':
      return statusCommand(args, flags);
    case 'run':
      return runCommand(oneFolder(args, command), flags);
    case 'process':
      return processCommand(args, flags);
    case 'learn':
      return learnCommand(oneFolder(args, command), flags);
    case 'dashboard':
      return dashboardCommand(args, flags);
    case 'report':
      return reportCommand(args, flags);
    case 'export':
      return exportCommand(oneFolder(args, command), flags);
    case 'retry':
      return controlCommand(args, 'retry');
    case 'cancel':
      return controlCommand(args, 'cancel');
    case 'config':
      if (args.length > 0) throw new UsageError('config takes no arguments');
      // The settings a batch would store: config/default.json, --config FILE and the flags, merged and checked.
      process.stdout.write(`${JSON.stringify(loadConfigWithSource(flags.config, overridesOf(flags)).raw, null, 2)}\n`);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}" (try: vnpipe --help)`);
  }
}

function oneFolder(args: string[], command: string): string {
  if (args.length !== 1) throw new UsageError(`${command} takes one input folder (got ${args.length})`);
  return args[0]!;
}

/** Settings the flags set, merged over the config file. */
function overridesOf(flags: Flags): JsonObject | undefined {
  return flags.encoding ? { decode: { encoding: flags.encoding } } : undefined;
}

function requireOut(flags: Flags): string {
  if (!flags.out) throw new UsageError('--out <dir> is required');
  return flags.out;
}

function concurrencyOf(flags: Flags): number {
  if (flags.concurrency === undefined) return availableParallelism();
  const n = Number(flags.concurrency);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--concurrency must be a whole number from 1 to 256, not "${flags.concurrency}"`);
  return n;
}

/** Redis, the queue and the batch records, opened together and closed together. */
interface OpenQueue {
  redis: Redis;
  queue: Queue;
  batches: BatchStore;
  close(): Promise<void>;
}

async function openQueue(): Promise<OpenQueue> {
  const redis = await connectRedis('client');
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix: keyPrefix() });
  queue.on('error', () => {}); // connection errors surface on the awaited calls
  return {
    redis,
    queue,
    batches: new BatchStore(redis, keyPrefix()),
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}

async function enqueueCommand(folder: string, flags: Flags): Promise<number> {
  const out = requireOut(flags);
  const q = await openQueue();
  try {
    const result = await enqueueBatch(q, folder, out, flags);
    process.stdout.write(`${result.batchId}\n`);
    return 0;
  } finally {
    await q.close();
  }
}

async function enqueueBatch(q: OpenQueue, folder: string, out: string, flags: Flags, warn = true): Promise<EnqueueResult> {
  const { config, raw } = loadConfigWithSource(flags.config, overridesOf(flags));
  if (warn) for (const w of await redisWarnings(q.redis)) process.stderr.write(`vnpipe: warning: ${w}\n`);
  const tty = process.stderr.isTTY;
  const result = await enqueueFolder(q.queue, q.batches, {
    root: folder,
    out,
    rawConfig: raw,
    config,
    force: flags.force ?? false,
    followLinks: flags['follow-links'] ?? false,
    ...(flags.resume ? { resume: flags.resume } : {}),
    onProgress: (c) => tty && process.stderr.write(`\r\x1b[Kwalking: ${c.found} found, ${c.queued} queued, ${c.skipped} skipped`),
    onSkip: (rel, reason) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}vnpipe: skipped ${rel}: ${reason}\n`),
    onQueueFull: () =>
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}vnpipe: the queue holds ${config.queue.enqueueWindow} documents; waiting for workers before walking on\n`),
    learn: flags.learn ?? false,
    ...(flags.profile ? { profile: await readProfile(flags.profile) } : {}),
    onLearning: (counted, total) => tty && process.stderr.write(`\r\x1b[Klearning boilerplate: ${counted}/${total} documents counted`),
    onLearned: (profile) =>
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}learned boilerplate: ${profileSummary(profile)}\n`),
  });
  process.stderr.write(
    `${tty ? '\r\x1b[K' : ''}batch ${result.batchId}: ${result.found} files found, ${result.queued} queued, ${result.skipped} skipped\n`,
  );
  return result;
}

async function readProfile(file: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(resolve(file), 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read profile ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseProfile(JSON.parse(text), file);
  } catch (err) {
    throw new UsageError((err as Error).message.startsWith('profile ') ? (err as Error).message : `profile ${file}: not valid JSON: ${(err as Error).message}`);
  }
}

function profileSummary(profile: Profile): string {
  const sources = Object.entries(profile.sources);
  const lines = sources.reduce((n, [, s]) => n + s.lines.length, 0);
  return `${lines} lines in ${sources.length} sources`;
}

/** Counts lines in this process (no Redis) and writes the profile file. */
async function learnCommand(folder: string, flags: Flags): Promise<number> {
  if (!flags.profile) throw new UsageError('--profile <file> is required: where to write the profile');
  const config = loadConfig(flags.config, overridesOf(flags));
  const root = resolve(folder);
  if (!(await stat(root).catch(() => null))?.isDirectory()) throw new UsageError(`no such input folder: ${root}`);
  const counter = new LineCounter(config.learn);
  let documents = 0;
  const source = new FolderSource(root, { followLinks: flags['follow-links'] ?? false });
  for await (const file of source.list((key, reason) => process.stderr.write(`vnpipe: skipped ${key}: ${reason}\n`))) {
    try {
      counter.add(documentLines(source.read(file.key, config.limits.maxFileBytes), file.key, config));
      documents++;
    } catch (err) {
      if (!(err instanceof DocumentError)) throw err;
      process.stderr.write(`vnpipe: skipped ${file.key}: ${err.reason}: ${err.message}\n`);
    }
  }
  if (documents === 0) throw new UsageError(`no readable documents in ${root}`);
  const profile = buildProfile(counter.counts(), config.learn);
  await writeFile(resolve(flags.profile), `${JSON.stringify(profile, null, 2)}\n`);
  process.stdout.write(`${documents} documents: ${profileSummary(profile)}, written to ${flags.profile}\n`);
  return 0;
}

async function workerCommand(args: string[], flags: Flags): Promise<number> {
  if (args.length > 0) throw new UsageError('worker takes no arguments');
  const concurrency = concurrencyOf(flags);
  const lockDurationMs = wholeNumber(flags['lock-duration'], '--lock-duration', 1000, 3_600_000) ?? 30_000;
  const probe = await connectRedis('worker');
  for (const w of await redisWarnings(probe)) process.stderr.write(`vnpipe: warning: ${w}\n`);
  probe.disconnect();
  const log = createLogger('worker');
  const metricsPort = wholeNumber(flags['metrics-port'], '--metrics-port', 1, 65535);
  const { limits } = loadConfig(flags.config);
  const handle = await startWorker({
    concurrency,
    limits: { documentTimeoutMs: limits.documentTimeoutMs, heapMb: limits.threadHeapMb },
    lockDurationMs,
    log,
    ...(metricsPort ? { metrics: { port: metricsPort, host: flags['metrics-host'] ?? '127.0.0.1' } } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EADDRINUSE' ? new UsageError(`--metrics-port ${metricsPort}: the port is in use`) : err;
  });
  log.info(`${concurrency} threads on ${redactUrl(redisUrl())}; SIGINT or SIGTERM stops it`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log.warn('second signal, exiting now (active jobs return to the queue)');
        process.exit(130);
      }
      stopping = true;
      log.info(`${signal}: finishing active jobs`);
      handle.close().then(resolve, resolve);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  log.info('stopped');
  return 0;
}

function wholeNumber(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

async function statusCommand(args: string[], flags: Flags): Promise<number> {
  if (args.length > 1) throw new UsageError('status takes at most one batch id');
  const maxFailures = wholeNumber(flags.failures, '--failures', 0, 1_000_000) ?? 100;
  const q = await openQueue();
  try {
    if (flags.doc) {
      const doc = await documentStatus(q.batches, q.queue, flags.doc);
      process.stdout.write(flags.json ? `${JSON.stringify(doc, null, 2)}\n` : `${formatDocument(doc)}\n`);
      return 0;
    }
    const render = async (): Promise<{ text: string; finished: boolean }> => {
      const counts = await queueCounts(q.queue);
      if (!args[0]) {
        const batches = await q.batches.list(20);
        const text = flags.json ? JSON.stringify({ batches, queue: counts }, null, 2) : `${formatBatchList(batches)}\n${formatQueue(counts)}`;
        return { text, finished: counts.waiting + counts.active + counts.delayed === 0 };
      }
      const status = await batchStatus(q.batches, q.queue, args[0], maxFailures);
      if (!status) throw new UsageError(`no batch "${args[0]}" in Redis at ${redactUrl(redisUrl())}`);
      const text = flags.json ? JSON.stringify({ batch: status, queue: counts }, null, 2) : `${formatBatch(status)}\n${formatQueue(counts)}`;
      return { text, finished: status.finishedAt !== null };
    };
    if (!flags.watch) {
      process.stdout.write(`${(await render()).text}\n`);
      return 0;
    }
    let interrupted = false;
    process.once('SIGINT', () => (interrupted = true));
    for (;;) {
      const { text, finished } = await render();
      // On a terminal redraw in place; in a log, one report after another.
      process.stdout.write(process.stdout.isTTY && !flags.json ? `\x1b[H\x1b[2J${text}\n` : `${text}\n`);
      if (finished || interrupted) return 0;
      await new Promise((r) => setTimeout(r, 2000));
      if (interrupted) return 0;
    }
  } finally {
    await q.close();
  }
}

async function controlCommand(args: string[], action: 'retry' | 'cancel'): Promise<number> {
  if (args.length !== 1) throw new UsageError(`${action} takes one batch id`);
  const q = await openQueue();
  try {
    const id = args[0]!;
    if (!(await q.batches.get(id))) throw new UsageError(`no batch "${id}" in Redis at ${redactUrl(redisUrl())}`);
    if (action === 'retry') {
      const raw = await q.batches.config(id);
      const config = compileConfig((raw ?? {}) as JsonObject, `batch ${id}`);
      const n = await retryBatch(q.queue, q.batches, id, config);
      process.stdout.write(`batch ${id}: ${n} failed documents queued again\n`);
    } else {
      const n = await cancelBatch(q.queue, q.batches, id);
      process.stdout.write(`batch ${id}: cancelled, ${n} waiting documents removed (running jobs finish)\n`);
    }
    return 0;
  } finally {
    await q.close();
  }
}

async function runCommand(folder: string, flags: Flags): Promise<number> {
  const concurrency = concurrencyOf(flags);
  requireOut(flags);
  loadConfig(flags.config, overridesOf(flags)); // a bad config fails before anything starts
  let local: LocalRedis | null = null;
  let q;
  try {
    q = await openQueue();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    local = await startLocalRedis();
    process.stderr.write(`vnpipe: no Redis at ${redactUrl(redisUrl())}; started a private redis-server at ${local.url} for this run\n`);
    process.env.REDIS_URL = local.url; // the worker threads read it
    q = await openQueue();
  }
  let handle: WorkerHandle | null = null;
  try {
    // `run` shows its own progress: the worker logs only what goes wrong.
    const { limits } = loadConfig(flags.config, overridesOf(flags));
    handle = await startWorker({
      concurrency,
      limits: { documentTimeoutMs: limits.documentTimeoutMs, heapMb: limits.threadHeapMb },
      log: createLogger('worker').child({}, { level: process.env.LOG_LEVEL || 'warn' }),
    });
    // A private Redis lives for this run only: its persistence settings do not matter.
    const { batchId } = await enqueueBatch(q, folder, flags.out!, flags, local === null);
    const progress = new Progress();
    let status: BatchStatus | null = null;
    for (;;) {
      status = await batchStatus(q.batches, q.queue, batchId, 1000);
      if (!status) throw new Error(`batch ${batchId} vanished from Redis`);
      const finished = status.completed + status.failed;
      progress.update(finished, status.queued, `documents, ${status.rate.toFixed(1)} docs/s`, status.finishedAt !== null);
      if (status.finishedAt !== null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    progress.clear();
    process.stdout.write(`${formatBatch(status)}\n`);
    return status.failed > 0 ? 3 : 0;
  } finally {
    await handle?.close();
    await q.close();
    await local?.stop();
  }
}

async function exportCommand(from: string, flags: Flags): Promise<number> {
  if (!flags.to) throw new UsageError('--to <dir> is required');
  const format = flags.format ?? 'jsonl.gz';
  if (format !== 'jsonl.gz' && format !== 'txt') throw new UsageError(`--format must be jsonl.gz or txt, not "${format}"`);
  const shardBytes = parseSize(flags['shard-size'] ?? '256MB');
  if (shardBytes === null) throw new UsageError(`--shard-size must be a size like 256MB or 1GB, not "${flags['shard-size']}"`);
  const folder = resolve(from);
  if (!(await stat(folder).catch(() => null))?.isDirectory()) throw new UsageError(`no such folder: ${folder}`);
  const result = await exportCorpus(folder, resolve(flags.to), {
    format,
    shardBytes,
    onSkip: (rel, reason) => process.stderr.write(`vnpipe: skipped ${rel}: ${reason}\n`),
  });
  if (result.documents === 0) throw new UsageError(`no vnpipe documents (*.json) in ${folder}`);
  process.stdout.write(`${result.documents} documents in ${result.shards.length} shards:\n${result.shards.join('\n')}\n`);
  return 0;
}

async function dashboardCommand(args: string[], flags: Flags): Promise<number> {
  if (args.length > 0) throw new UsageError('dashboard takes no arguments');
  const host = flags.host ?? '127.0.0.1';
  const port = wholeNumber(flags.port, '--port', 1, 65535) ?? 3000;
  const q = await openQueue();
  try {
    await startDashboard(q.queue, { host, port, readOnly: flags['read-only'] ?? false, password: process.env.VNPIPE_DASHBOARD_PASSWORD || undefined });
    process.stderr.write(`vnpipe dashboard: http://${host.includes(':') ? `[${host}]` : host}:${port}/ (Ctrl-C stops it)\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    return 0;
  } finally {
    await q.close();
  }
}

async function reportCommand(args: string[], flags: Flags): Promise<number> {
  if (args.length !== 1) throw new UsageError('report takes one batch id');
  const top = wholeNumber(flags.top, '--top', 1, 10_000) ?? 10;
  const q = await openQueue();
  let record;
  try {
    record = await q.batches.get(args[0]!);
  } finally {
    await q.close();
  }
  if (!record) throw new UsageError(`no batch "${args[0]}" in Redis at ${redactUrl(redisUrl())}`);
  const report = await removalReport(record.out, top);
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  return 0;
}

async function processCommand(files: string[], flags: Flags): Promise<number> {
  if (files.length === 0) throw new UsageError('process takes one or more files');
  const config = loadConfig(flags.config, overridesOf(flags));
  let failed = 0;
  for (const file of files) {
    try {
      // The same limits and reads as a worker (O_NOFOLLOW, no FIFO, maxFileBytes).
      const doc = processDocument(readDocument(resolve(file), config.limits.maxFileBytes), file, config);
      process.stdout.write(`${JSON.stringify(doc)}\n`);
    } catch (err) {
      failed++;
      const reason = err instanceof DocumentError ? err.reason : (err as NodeJS.ErrnoException).code ?? 'error';
      process.stderr.write(`vnpipe: ${file}: ${reason}: ${(err as Error).message}\n`);
    }
  }
  return failed > 0 ? 3 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    if (err instanceof UsageError) {
      process.stderr.write(`vnpipe: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`vnpipe: unexpected error: ${process.env.DEBUG ? err.stack : err.message}\n`);
    process.exit(1);
  },
);
