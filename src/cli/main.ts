#!/usr/bin/env node
// The `vnpipe` command. Each command imports what it needs when it runs, so that
// `--help`, `config` or `status` do not load the language model or the web server.
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import type { Queues } from '../queue/queues.js';
import { compileStoredConfig, loadConfig, loadConfigWithSource, VERSION, type JsonObject } from '../config.js';
import { DocumentError, UsageError } from '../errors.js';
import type { BatchRecord, BatchStore } from '../queue/batches.js';
import type { ExportFormat } from '../io/export.js';
import type { RedisClient } from '../queue/connection.js';
import type { EnqueueResult } from '../queue/producer.js';
import type { BatchStatus } from '../queue/status.js';
import type { WorkerHandle } from '../queue/worker.js';
import type { Profile } from '../text/learned.js';
import type { LocalRedis } from './local-redis.js';
import { plural, printable } from './report.js';

/** Every option, once: each command lists the ones that apply to it. */
const OPTIONS = {
  out: ['--out <dir>', 'output folder: <folder>/<rel> is written to <dir>/<rel>.json (a.txt -> a.txt.json); for shards, output shards in a folder or s3://'],
  config: ['--config <file>', 'settings merged over config/default.json (stored with the batch)'],
  force: ['--force', 'process files whose output is already newer than the input'],
  'follow-links': ['--follow-links', 'follow symbolic links in the input folder, even out of it (by default links are skipped and never read)'],
  resume: ['--resume <batch>', 'finish a batch whose enqueue was stopped mid-walk (status shows it as interrupted)'],
  encoding: [
    '--encoding <name>',
    'decode every file as <name> instead of detecting it: utf-8, utf-8-bom, utf-16le, utf-16be, utf-8-mojibake, utf-8-mojibake-2, windows-1258, viscii, tcvn3, vni',
  ],
  concurrency: ['--concurrency <n>', `document threads: documents cleaned at once (default: the number of cores, ${availableParallelism()} here)`],
  json: ['--json', 'print JSON for scripts'],
  failures: ['--failures <n>', 'failures listed (default 100)'],
  watch: ['--watch', 'redraw every 2 s until the batch ends'],
  doc: ['--doc <file>', 'where one input file stands: its batch, job state, attempts, output or error'],
  'lock-duration': ['--lock-duration <ms>', "how long a job's lock lasts without renewal (default 30000): a killed worker's jobs run again about this long after it died"],
  'metrics-port': ['--metrics-port <port>', 'serve Prometheus metrics on this port (/metrics)'],
  'metrics-host': ['--metrics-host <host>', 'where the metrics listen (default 127.0.0.1)'],
  to: ['--to <dir>', 'where export writes its shards'],
  format: ['--format <format>', 'export format: jsonl.gz (default), parquet (for Hugging Face) or txt (one sentence a line)'],
  'shard-size': ['--shard-size <size>', 'uncompressed bytes per export shard (default 256MB)'],
  'keep-duplicates': ['--keep-duplicates', 'export exact and near duplicates too, marked metadata.duplicateOf (by default they are left out)'],
  overwrite: ['--overwrite', 'replace an earlier export in --to (a folder holding anything else is never touched)'],
  fields: ['--fields <list>', 'columns to export, comma-separated: id, text, sentences, source, metadata, or metadata fields (title, url, quality ...)'],
  filter: ['--filter <preset>', 'leave out documents a quality preset of config quality.presets drops (fineweb2-vie, strict); counted by reason in manifest.json'],
  against: ['--against <exports>', 'earlier export folders, comma-separated: documents near-duplicating theirs are duplicates'],
  top: ['--top <n>', 'removed lines shown per source (default 10)'],
  learn: ['--learn', "learn the batch's boilerplate from its own input first, a counting pass through the queue (the default: config learn.enabled; with --profile, merged with it)"],
  'no-learn': ['--no-learn', 'clean without learning boilerplate from the input (configured rules, and --profile if given)'],
  profile: ['--profile <file>', 'a boilerplate profile: written by learn, read by enqueue and run'],
  host: ['--host <host>', 'where the dashboard listens (default 127.0.0.1)'],
  port: ['--port <port>', 'dashboard port (default 3000)'],
  writable: ['--writable', 'let the dashboard retry, clean and remove jobs (it only shows them by default)'],
  'output-format': ['--output-format <format>', 'output shards of a batch of shards: jsonl.gz (default) or parquet (config shards.outputFormat)'],
  queues: ['--queues <n>', 'queue shards (config queue.shards, 1 to 64): on a Redis Cluster, one per node spreads the work; enqueue and workers must agree'],
  root: ['--root <dir>', "the folder the files are enqueued from: ids and `source` are paths relative to it, as the queue gives them (default: each file's folder)"],
} as const;

type OptionName = keyof typeof OPTIONS;
type Flags = { [K in OptionName]?: (typeof OPTIONS)[K][0] extends `${string}<${string}` ? string : boolean };

interface CommandSpec {
  name: string;
  /** Its arguments as commander writes them: `<folder>`, `[batch]`, `<files...>`. */
  args: string[];
  summary: string;
  options: OptionName[];
  run(args: string[], flags: Flags): Promise<number>;
}

const COMMANDS: CommandSpec[] = [
  {
    name: 'enqueue', args: ['<folder>'], options: ['out', 'config', 'force', 'follow-links', 'encoding', 'learn', 'no-learn', 'profile', 'resume', 'queues', 'output-format'],
    summary: 'queue every file below <folder>, or every record of shards (file:// or s3://, see README); prints the batch id',
    run: ([folder], flags) => enqueueCommand(folder!, flags),
  },
  {
    name: 'worker', args: [], options: ['concurrency', 'config', 'lock-duration', 'metrics-port', 'metrics-host', 'queues'],
    summary: 'process queued documents until SIGINT or SIGTERM (then finish the jobs in hand)',
    run: (args, flags) => workerCommand(args, flags),
  },
  {
    name: 'status', args: ['[batch]'], options: ['json', 'watch', 'failures', 'doc', 'config', 'queues'],
    summary: 'one batch in detail, the recent batches and the queue, or (--doc) one input file',
    run: (args, flags) => statusCommand(args, flags),
  },
  { name: 'retry', args: ['<batch>'], options: [], summary: "queue the batch's failed documents again", run: (args) => controlCommand(args, 'retry') },
  {
    name: 'cancel', args: ['<batch>'], options: [], summary: "remove the batch's waiting jobs and stop its enqueue; running jobs finish",
    run: (args) => controlCommand(args, 'cancel'),
  },
  {
    name: 'run', args: ['<folder>'], options: ['out', 'config', 'force', 'follow-links', 'encoding', 'concurrency', 'learn', 'no-learn', 'profile', 'queues', 'output-format'],
    summary: 'enqueue and process on this machine, then print the summary (with REDIS_URL unset and no Redis on 127.0.0.1:6379, on a private redis-server)',
    run: ([folder], flags) => runCommand(folder!, flags),
  },
  {
    name: 'process', args: ['<files...>'], options: ['config', 'encoding', 'root'],
    summary: 'run the text pipeline on files in this process (no Redis); one JSON document per line',
    run: (files, flags) => processCommand(files, flags),
  },
  {
    name: 'learn', args: ['<folder>'], options: ['profile', 'config', 'encoding', 'follow-links'],
    summary: "learn the boilerplate of a folder or of shards (lines repeated across a source) into a profile file; in this process, no Redis",
    run: ([folder], flags) => learnCommand(folder!, flags),
  },
  {
    name: 'report', args: ['<batch>'], options: ['top', 'json'],
    summary: 'per source: the most removed lines with counts and reasons, and documents that lost more than half their text',
    run: (args, flags) => reportCommand(args, flags),
  },
  {
    name: 'stats', args: ['<batch-or-folder>'], options: ['json', 'filter', 'config'],
    summary: 'an output folder (or a batch\'s) in numbers: languages, duplicates and cluster sizes, what each filter preset drops and why, length and quality distributions',
    run: (args, flags) => statsCommand(args, flags),
  },
  {
    name: 'dashboard', args: [], options: ['host', 'port', 'writable', 'config', 'queues'],
    summary: 'batches with plots and a document view at /vnpipe/, Bull Board at /; beyond this machine it needs VNPIPE_DASHBOARD_PASSWORD',
    run: (args, flags) => dashboardCommand(args, flags),
  },
  {
    name: 'export', args: ['<out-dir>'], options: ['to', 'format', 'shard-size', 'keep-duplicates', 'overwrite', 'fields', 'filter', 'against', 'config'],
    summary: 'pack an output folder into gzip JSON-lines, Parquet or plain-text shards with a manifest, leaving out exact and near duplicates',
    run: ([from], flags) => exportCommand(from!, flags),
  },
  {
    name: 'config', args: [], options: ['config', 'encoding'],
    summary: 'print the effective settings: defaults, the file and the flags merged and checked',
    run: async (_, flags) => {
      // The settings a batch would store.
      process.stdout.write(`${JSON.stringify(loadConfigWithSource(flags.config, overridesOf(flags)).raw, null, 2)}\n`);
      return 0;
    },
  },
];

const ENVIRONMENT = `
Environment:
  REDIS_URL                  default redis://127.0.0.1:6379 (redis://user:pass@host:port/db, rediss:// for TLS;
                             redis+cluster://[user:pass@]host:port,host:port for Redis Cluster)
  REDIS_CLUSTER_NODES        Redis Cluster nodes, host:port,host:port (instead of REDIS_URL)
  VNPIPE_PREFIX              Redis key prefix, default "vnpipe"; on a cluster it needs a {hash tag}, default "{vnpipe}"
  LOG_LEVEL                  worker log level: debug, info (default), warn, error, silent
  VNPIPE_DASHBOARD_PASSWORD  dashboard password (basic auth, user "vnpipe", at least 12 characters)
  VNPIPE_DASHBOARD_HOSTS     host names the dashboard also answers to, comma-separated (a name behind a proxy)
  AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
                             S3-compatible storage for s3:// shards; VNPIPE_S3_PATH_STYLE=1 for MinIO and s3rver

Exit codes: 0 done, 1 unexpected error, 2 usage or environment error, 3 some documents failed (run, process).`;

/** The command line: a command per spec, each with its own options and `--help`; errors become UsageErrors. */
function program(onRun: (code: Promise<number>) => void): Command {
  const root = new Command('vnpipe')
    .description('raw Vietnamese news in, a clean sentence-segmented corpus out')
    .version(`vnpipe ${VERSION}`, '--version', 'print the version')
    .helpOption('-h, --help', 'this help; vnpipe <command> --help for one command')
    .addHelpText('after', ENVIRONMENT)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  for (const spec of COMMANDS) {
    const command = root.command(spec.name).description(spec.summary).exitOverride().configureOutput({ outputError: () => {} });
    for (const arg of spec.args) command.argument(arg);
    for (const name of spec.options) command.addOption(new Option(OPTIONS[name][0], OPTIONS[name][1]));
    command.action((...params: unknown[]) => {
      const cmd = params[params.length - 1] as Command;
      const args = cmd.args;
      // Commander names options in camelCase; the commands read them as they are typed.
      const flags = Object.fromEntries(Object.entries(cmd.opts()).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), v])) as Flags;
      onRun(spec.run(args, flags));
    });
  }
  return root;
}

async function main(argv: string[]): Promise<number> {
  let running: Promise<number> | null = null;
  const cli = program((code) => (running = code));
  if (argv.length === 0) {
    process.stdout.write(cli.helpInformation());
    return 2;
  }
  try {
    await cli.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.exitCode === 0) return 0; // --help, --version
    // One line, as every vnpipe error: "unknown option '--wtach' (did you mean --watch?)".
    let message = err.message.replace(/^error: /, '').replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)');
    const unknown = /^unknown option '(--[\w-]+)'/.exec(message)?.[1];
    const owners = unknown ? COMMANDS.filter((c) => c.options.some((o) => OPTIONS[o][0].split(' ')[0] === unknown)).map((c) => c.name) : [];
    if (owners.length > 0) message = `${unknown} does not apply to ${argv[0]} (it is an option of ${owners.join(', ')})`;
    throw new UsageError(err.code === 'commander.unknownCommand' ? `${message} (try: vnpipe --help)` : `${message} (try: vnpipe ${argv[0]} --help)`);
  }
  return running ?? 0;
}

/** Settings the flags set, merged over the config file. */
function overridesOf(flags: Flags): JsonObject | undefined {
  const queues = wholeNumber(flags.queues, '--queues', 1, 64);
  const format = flags['output-format'];
  if (format !== undefined && format !== 'jsonl.gz' && format !== 'parquet') throw new UsageError(`--output-format must be jsonl.gz or parquet, not ${JSON.stringify(format)}`);
  if (!flags.encoding && queues === undefined && format === undefined) return undefined;
  return {
    ...(flags.encoding ? { decode: { encoding: flags.encoding } } : {}),
    ...(queues !== undefined ? { queue: { shards: queues } } : {}),
    ...(format !== undefined ? { shards: { outputFormat: format } } : {}),
  };
}

/** The deployment's queue shards: --queues, else config queue.shards. */
function shardsOf(flags: Flags): number {
  return loadConfig(flags.config, overridesOf(flags)).queue.shards;
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
  redis: RedisClient;
  /** The documents queue of every shard. */
  queue: Queues;
  batches: BatchStore;
  close(): Promise<void>;
}

async function openQueue(shards = 1): Promise<OpenQueue> {
  const [{ Queues }, { connectRedis, keyPrefix }, { BatchStore }] = await Promise.all([
    import('../queue/queues.js'),
    import('../queue/connection.js'),
    import('../queue/batches.js'),
  ]);
  const redis = await connectRedis('client');
  const queue = new Queues(redis, keyPrefix(), shards);
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

/** A batch's record from Redis, or null when Redis has no batch of that id. */
async function findBatch(id: string): Promise<BatchRecord | null> {
  const q = await openQueue();
  try {
    return await q.batches.get(id);
  } finally {
    await q.close();
  }
}

async function enqueueCommand(folder: string, flags: Flags): Promise<number> {
  const out = requireOut(flags);
  const q = await openQueue(shardsOf(flags));
  try {
    const result = await enqueueBatch(q, folder, out, flags);
    process.stdout.write(`${result.batchId}\n`);
    return 0;
  } finally {
    await q.close();
  }
}

async function enqueueBatch(q: OpenQueue, folder: string, out: string, flags: Flags, warn = true): Promise<EnqueueResult> {
  const [{ redisWarnings }, { enqueueFolder }] = await Promise.all([import('../queue/connection.js'), import('../queue/producer.js')]);
  // The batch's choice of learning is stored with its settings: --learn, --no-learn, or a
  // --profile given alone (the profile replaces learning), else config learn.enabled.
  const learn = flags.learn ?? (flags.profile && !flags.resume ? false : undefined);
  const overrides = learn === undefined || flags.resume ? overridesOf(flags) : { ...overridesOf(flags), learn: { enabled: learn } };
  const { config, raw } = loadConfigWithSource(flags.config, overrides);
  if (warn) for (const w of await newWarnings(q.redis, await redisWarnings(q.redis))) process.stderr.write(`vnpipe: warning: ${w}\n`);
  const tty = process.stderr.isTTY;
  let countingSaid = false;
  const result = await enqueueFolder(q.queue, q.batches, {
    root: folder,
    out,
    rawConfig: raw,
    config,
    force: flags.force ?? false,
    followLinks: flags['follow-links'] ?? false,
    ...(flags.resume ? { resume: flags.resume } : {}),
    onProgress: (c) => tty && process.stderr.write(`\r\x1b[Kwalking: ${c.found} found, ${c.queued} queued, ${c.skipped} skipped`),
    onSkip: (rel, reason) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}vnpipe: skipped ${printable(rel)}: ${reason}\n`),
    onNotice: (message) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}vnpipe: ${message}\n`),
    onQueueFull: () =>
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}vnpipe: the queue holds ${config.queue.enqueueWindow} documents; waiting for workers before walking on\n`),
    ...(flags.learn !== undefined ? { learn: flags.learn } : {}),
    ...(flags.profile ? { profile: await readProfile(flags.profile) } : {}),
    onLearning: (counted, total) => {
      // Said once, so that an enqueue waiting for workers to count says what it waits for.
      if (!countingSaid) process.stderr.write(`${tty ? '\r\x1b[K' : ''}learning boilerplate: workers count the lines of ${plural(total, 'document')} first, then cleaning is queued (--no-learn skips this pass)\n`);
      countingSaid = true;
      if (tty) process.stderr.write(`\r\x1b[Klearning boilerplate: ${counted}/${total} documents counted`);
    },
    onLearned: (profile) =>
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}learned boilerplate: ${profileSummary(profile)}\n`),
  });
  process.stderr.write(
    `${tty ? '\r\x1b[K' : ''}batch ${result.batchId}: ${plural(result.found, 'file')} found, ${result.queued} queued, ${result.skipped} skipped\n`,
  );
  return result;
}

/** How long a warning about the Redis server stays said: every command would repeat it otherwise. */
const WARNING_REPEAT_S = 86_400;

/** The warnings not given in the last day for this Redis server and key prefix (a note in Redis says which were). */
async function newWarnings(redis: RedisClient, warnings: string[]): Promise<string[]> {
  const { keyPrefix } = await import('../queue/connection.js');
  const fresh: string[] = [];
  for (const w of warnings) {
    const key = `${keyPrefix()}:warned:${createHash('sha1').update(w).digest('hex').slice(0, 16)}`;
    // A Redis that will not keep the note (read-only, an ACL) hears the warning every time.
    const said = await redis.set(key, '1', 'EX', WARNING_REPEAT_S, 'NX').catch(() => 'OK');
    if (said === 'OK') fresh.push(w);
  }
  return fresh;
}

async function readProfile(file: string): Promise<Profile> {
  const { parseProfile } = await import('../text/learned.js');
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
  return `${plural(lines, 'line')} in ${plural(sources.length, 'source')}`;
}

/** Counts lines in this process (no Redis), of a folder's files or of shards' records, and writes the profile file. */
async function learnCommand(folder: string, flags: Flags): Promise<number> {
  if (!flags.profile) throw new UsageError('--profile <file> is required: where to write the profile');
  const [{ openSource }, { buildProfile, documentLines, LineCounter }, { inputRoot }, { recordKey }] = await Promise.all([
    import('../io/source.js'),
    import('../text/learned.js'),
    import('../queue/producer.js'),
    import('../io/shards.js'),
  ]);
  const config = loadConfig(flags.config, overridesOf(flags));
  const root = await inputRoot(folder);
  const source = openSource(root, { followLinks: flags['follow-links'] ?? false, textFields: config.records.textFields });
  if (!source.sharded && !(await stat(root).catch(() => null))?.isDirectory()) throw new UsageError(`no such input folder: ${root}`);
  const counter = new LineCounter(config.learn);
  let documents = 0;
  const skipped = (key: string, reason: string) => process.stderr.write(`vnpipe: skipped ${printable(key)}: ${printable(reason)}\n`);
  // Each document counted as a worker counts it: a record with its fields (its url names its source).
  const count = (key: string, read: () => Uint8Array, fields?: Readonly<Record<string, unknown>>) => {
    try {
      counter.add(documentLines(read(), key, config, fields));
      documents++;
    } catch (err) {
      if (!(err instanceof DocumentError)) throw err;
      skipped(key, `${err.reason}: ${err.message}`);
    }
  };
  if (source.sharded) {
    for await (const shard of source.listShards(skipped)) {
      for await (const record of source.records(shard.key, 0, Infinity, config.limits.maxFileBytes)) {
        const key = recordKey(shard.key, record.index);
        if ('error' in record) skipped(key, `${record.error.reason}: ${record.error.message}`);
        else count(key, () => record.bytes, record.fields);
      }
    }
  } else {
    for await (const file of source.list(skipped)) {
      let bytes: Uint8Array;
      try {
        bytes = await source.read(file.key, config.limits.maxFileBytes);
      } catch (err) {
        if (!(err instanceof DocumentError)) throw err;
        skipped(file.key, `${err.reason}: ${err.message}`);
        continue;
      }
      count(file.key, () => bytes);
    }
  }
  if (documents === 0) throw new UsageError(`no readable documents in ${root}`);
  const profile = buildProfile(counter.counts(), config.learn);
  await writeFile(resolve(flags.profile), `${JSON.stringify(profile, null, 2)}\n`);
  process.stdout.write(`${plural(documents, 'document')}: ${profileSummary(profile)}, written to ${flags.profile}\n`);
  return 0;
}

async function workerCommand(args: string[], flags: Flags): Promise<number> {
  if (args.length > 0) throw new UsageError('worker takes no arguments');
  const concurrency = concurrencyOf(flags);
  const lockDurationMs = wholeNumber(flags['lock-duration'], '--lock-duration', 1000, 3_600_000) ?? 30_000;
  const [{ connectRedis, redactUrl, redisUrl, redisWarnings }, { createLogger }, { startWorker }] = await Promise.all([
    import('../queue/connection.js'),
    import('../log.js'),
    import('../queue/worker.js'),
  ]);
  const probe = await connectRedis('worker');
  for (const w of await newWarnings(probe, await redisWarnings(probe))) process.stderr.write(`vnpipe: warning: ${w}\n`);
  probe.disconnect();
  const log = createLogger('worker');
  const metricsPort = wholeNumber(flags['metrics-port'], '--metrics-port', 1, 65535);
  const { limits, queue } = loadConfig(flags.config, overridesOf(flags));
  const handle = await startWorker({
    concurrency,
    shards: queue.shards,
    limits: { documentTimeoutMs: limits.documentTimeoutMs, heapMb: limits.threadHeapMb },
    lockDurationMs,
    log,
    ...(metricsPort ? { metrics: { port: metricsPort, host: flags['metrics-host'] ?? '127.0.0.1' } } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EADDRINUSE' ? new UsageError(`--metrics-port ${metricsPort}: the port is in use`) : err;
  });
  log.info(`${plural(concurrency, 'thread')} on ${redactUrl(redisUrl())}; SIGINT or SIGTERM stops it`);
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
  const [{ redactUrl, redisUrl }, { documentStatus, statusReport }, { formatStatus, formatDocument }] = await Promise.all([
    import('../queue/connection.js'),
    import('../queue/status.js'),
    import('./report.js'),
  ]);
  const q = await openQueue(shardsOf(flags));
  try {
    if (flags.doc) {
      const doc = await documentStatus(q.batches, q.queue, flags.doc);
      process.stdout.write(flags.json ? `${JSON.stringify(doc, null, 2)}\n` : `${formatDocument(doc)}\n`);
      return 0;
    }
    const render = async (): Promise<{ text: string; finished: boolean }> => {
      // The dashboard's page serves the same report (dashboard-routes.ts).
      const report = await statusReport(q.batches, q.queue, args[0], maxFailures);
      if (!report) throw new UsageError(`no batch "${args[0]}" in Redis at ${redactUrl(redisUrl())}`);
      const { queue } = report;
      const finished = report.batch ? report.batch.finishedAt !== null : queue.waiting + queue.active + queue.delayed === 0;
      return { text: flags.json ? JSON.stringify(report, null, 2) : formatStatus(report), finished };
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
  const [{ redactUrl, redisUrl }, { cancelBatch, retryBatch }] = await Promise.all([import('../queue/connection.js'), import('../queue/control.js')]);
  const q = await openQueue();
  try {
    const id = args[0]!;
    if (!(await q.batches.get(id))) throw new UsageError(`no batch "${id}" in Redis at ${redactUrl(redisUrl())}`);
    if (action === 'retry') {
      const raw = await q.batches.config(id);
      const config = compileStoredConfig(raw as JsonObject | null, `batch ${id}`);
      const n = await retryBatch(q.queue, q.batches, id, config);
      process.stdout.write(`batch ${id}: ${plural(n, 'failed document')} queued again\n`);
    } else {
      const n = await cancelBatch(q.queue, q.batches, id);
      process.stdout.write(`batch ${id}: cancelled, ${plural(n, 'waiting document')} removed (running jobs finish)\n`);
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
  const [{ redactUrl, redisUrl }, { startLocalRedis }, { createLogger }, { startWorker }, { batchStatus }, { Progress, WarningLog }, { formatBatch }] = await Promise.all([
    import('../queue/connection.js'),
    import('./local-redis.js'),
    import('../log.js'),
    import('../queue/worker.js'),
    import('../queue/status.js'),
    import('./progress.js'),
    import('./report.js'),
  ]);
  let local: LocalRedis | null = null;
  let q;
  try {
    q = await openQueue(shardsOf(flags));
  } catch (err) {
    // A REDIS_URL the user set and that does not answer is their mistake to hear about,
    // not a reason to run on a private Redis whose batch `status` will never find.
    if (!(err instanceof UsageError) || process.env.REDIS_URL || process.env.REDIS_CLUSTER_NODES) throw err;
    local = await startLocalRedis();
    process.stderr.write(`vnpipe: no Redis at ${redactUrl(redisUrl())}; started a private redis-server at ${local.url} for this run\n`);
    process.env.REDIS_URL = local.url; // the worker threads read it
    q = await openQueue(shardsOf(flags));
  }
  let handle: WorkerHandle | null = null;
  const warnings = new WarningLog();
  try {
    // `run` shows its own progress: the worker's log (what goes wrong) waits for the end of
    // the bar, unless LOG_LEVEL asks for more than warnings, as it goes.
    const { limits, queue } = loadConfig(flags.config, overridesOf(flags));
    const level = process.env.LOG_LEVEL || 'warn';
    const live = ['trace', 'debug', 'info'].includes(level);
    handle = await startWorker({
      concurrency,
      shards: queue.shards,
      limits: { documentTimeoutMs: limits.documentTimeoutMs, heapMb: limits.threadHeapMb },
      log: createLogger('worker', live ? undefined : warnings).child({}, { level }),
    });
    // A private Redis lives for this run only: its persistence settings do not matter.
    const { batchId } = await enqueueBatch(q, folder, flags.out!, flags, local === null);
    const progress = new Progress();
    let status: BatchStatus | null = null;
    for (;;) {
      status = await batchStatus(q.batches, q.queue, batchId, 1000);
      if (!status) throw new Error(`batch ${batchId} vanished from Redis`);
      const { completed, failed, queued, walked, rate, etaMs, elapsedMs } = status;
      progress.update({ finished: completed + failed, failed, queued, walked, rate, etaMs, elapsedMs }, status.finishedAt !== null);
      if (status.finishedAt !== null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    progress.clear();
    for (const line of warnings.summary()) process.stderr.write(`${line}\n`);
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
  const [{ exportCorpus, parseSize, EXPORT_FORMATS, ExportError }, { parseFields }] = await Promise.all([
    import('../io/export.js'),
    import('../io/export-schema.js'),
  ]);
  const format = (flags.format ?? 'jsonl.gz') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`--format must be ${EXPORT_FORMATS.join(', ')}, not "${format}"`);
  const shardBytes = parseSize(flags['shard-size'] ?? '256MB');
  if (shardBytes === null) throw new UsageError(`--shard-size must be a size like 256MB or 1GB, not "${flags['shard-size']}"`);
  if (flags.fields && format === 'txt') throw new UsageError('--fields does not apply to --format txt (it writes sentences only)');
  let fields;
  try {
    fields = flags.fields ? parseFields(flags.fields) : undefined;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const config = loadConfig(flags.config);
  const { configHash } = await import('../config.js');
  let filter;
  if (flags.filter) {
    const preset = config.quality.presets[flags.filter];
    if (!preset) throw new UsageError(`--filter: no preset "${flags.filter}" in config quality.presets (${Object.keys(config.quality.presets).join(', ')})`);
    filter = { name: flags.filter, preset };
  }
  // Output shards on S3 are read where they are.
  const folder = /^s3:/i.test(from) ? from : resolve(from);
  if (!/^s3:/i.test(folder) && !(await stat(folder).catch(() => null))?.isDirectory()) throw new UsageError(`no such folder: ${folder}`);
  const against = (flags.against ?? '').split(',').filter(Boolean).map((d) => resolve(d));
  let result;
  try {
    result = await exportCorpus(folder, resolve(flags.to), {
      format,
      shardBytes,
      keepDuplicates: flags['keep-duplicates'] ?? false,
      overwrite: flags.overwrite ?? false,
      ...(fields ? { fields } : {}),
      ...(filter ? { filter } : {}),
      dedup: config.dedup,
      against,
      // The export's own settings: its presets and dedup, besides what made the documents.
      configHash: createHash('sha256').update(configHash(config)).update(JSON.stringify({ quality: config.quality, dedup: config.dedup })).digest('hex').slice(0, 16),
      onSkip: (rel, reason) => process.stderr.write(`vnpipe: skipped ${printable(rel)}: ${reason}\n`),
    });
  } catch (err) {
    if (err instanceof ExportError) throw new UsageError(err.message);
    throw err;
  }
  if (result.documents === 0 && result.manifest.source.documents === 0) throw new UsageError(`no vnpipe documents (*.json) in ${folder}`);
  const how = flags['keep-duplicates'] ? 'marked metadata.duplicateOf' : 'left out';
  const notes = [
    ...(result.duplicates > 0 ? [`${plural(result.duplicates, 'exact duplicate')} ${how}`] : []),
    ...(result.nearDuplicates > 0 ? [`${plural(result.nearDuplicates, 'near duplicate')} ${how}`] : []),
    ...(filter ? [`${Object.values(result.filtered).reduce((a, b) => a + b, 0)} dropped by ${filter.name}`] : []),
  ];
  process.stdout.write(`${plural(result.documents, 'document')} in ${plural(result.shards.length, 'shard')}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}:\n${result.shards.join('\n')}\n`);
  return 0;
}

async function dashboardCommand(args: string[], flags: Flags): Promise<number> {
  if (args.length > 0) throw new UsageError('dashboard takes no arguments');
  const host = flags.host ?? '127.0.0.1';
  const port = wholeNumber(flags.port, '--port', 1, 65535) ?? 3000;
  const { startDashboard } = await import('./dashboard.js');
  const q = await openQueue(shardsOf(flags));
  try {
    const allowedHosts = (process.env.VNPIPE_DASHBOARD_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean);
    await startDashboard(q.queue, q.batches, {
      host,
      port,
      readOnly: !flags.writable,
      writable: flags.writable ?? false,
      password: process.env.VNPIPE_DASHBOARD_PASSWORD || undefined,
      allowedHosts,
    });
    const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    process.stderr.write(`vnpipe dashboard: ${base}/vnpipe/ (batches), ${base}/ (Bull Board); Ctrl-C stops it\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    return 0;
  } finally {
    await q.close();
  }
}

/** A batch's output: a folder, the `file://` location its output shards went to, or their `s3://` prefix. */
async function outputFolder(batch: string, out: string): Promise<string> {
  if (/^s3:/i.test(out)) return out;
  const folder = /^file:/i.test(out) ? fileURLToPath(out) : out;
  if (!(await stat(folder).catch(() => null))?.isDirectory()) throw new UsageError(`batch ${batch} wrote to ${folder}, which is no longer a folder`);
  return folder;
}

async function reportCommand(args: string[], flags: Flags): Promise<number> {
  if (args.length !== 1) throw new UsageError('report takes one batch id');
  const top = wholeNumber(flags.top, '--top', 1, 10_000) ?? 10;
  const [{ redactUrl, redisUrl }, { removalReport }, { formatReport }] = await Promise.all([
    import('../queue/connection.js'),
    import('../io/removal-report.js'),
    import('./report.js'),
  ]);
  const record = await findBatch(args[0]!);
  if (!record) throw new UsageError(`no batch "${args[0]}" in Redis at ${redactUrl(redisUrl())}`);
  const report = await removalReport(await outputFolder(args[0]!, record.out), top);
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  return 0;
}

async function statsCommand(args: string[], flags: Flags): Promise<number> {
  if (args.length !== 1) throw new UsageError('stats takes one batch id or output folder');
  const [{ corpusStats }, { formatStats }] = await Promise.all([import('../io/corpus-stats.js'), import('./report.js')]);
  const config = loadConfig(flags.config);
  let folder = /^s3:/i.test(args[0]!) ? args[0]! : resolve(args[0]!);
  if (!/^s3:/i.test(folder) && !(await stat(folder).catch(() => null))?.isDirectory()) {
    // Not a folder here: a batch id, whose output folder Redis knows.
    const { redactUrl, redisUrl } = await import('../queue/connection.js');
    const record = await findBatch(args[0]!);
    if (!record) throw new UsageError(`${args[0]} is neither a folder nor a batch in Redis at ${redactUrl(redisUrl())}`);
    folder = await outputFolder(args[0]!, record.out);
  }
  let filter;
  if (flags.filter) {
    const preset = config.quality.presets[flags.filter];
    if (!preset) throw new UsageError(`--filter: no preset "${flags.filter}" in config quality.presets (${Object.keys(config.quality.presets).join(', ')})`);
    filter = { name: flags.filter, preset };
  }
  const stats = await corpusStats(folder, config, { ...(filter ? { filter } : {}), onSkip: () => {} });
  if (stats.documents === 0) throw new UsageError(`no vnpipe documents (*.json) in ${folder}`);
  process.stdout.write(flags.json ? `${JSON.stringify(stats, null, 2)}\n` : `${formatStats(stats)}\n`);
  return 0;
}

async function processCommand(files: string[], flags: Flags): Promise<number> {
  if (files.length === 0) throw new UsageError('process takes one or more files');
  const [{ FolderSource }, { processDocument }] = await Promise.all([import('../io/source.js'), import('../text/pipeline.js')]);
  const config = loadConfig(flags.config, overridesOf(flags));
  // Each file by its key below the root, as a worker reads it: the same id and `source`
  // as the queue gives it, however the path was typed.
  const keyed = files.map((file) => {
    const path = resolve(file);
    const root = flags.root ? resolve(flags.root) : dirname(path);
    const key = relative(root, path).split(sep).join('/');
    if (key === '' || key === '..' || key.startsWith('../') || isAbsolute(key)) throw new UsageError(`${file} is not below --root ${flags.root}`);
    return { file, root, key };
  });
  let failed = 0;
  for (const { file, root, key } of keyed) {
    try {
      // The same limits and reads as a worker (O_NOFOLLOW, inside the root, no FIFO, maxFileBytes).
      const doc = processDocument(await new FolderSource(root).read(key, config.limits.maxFileBytes), key, config);
      process.stdout.write(`${JSON.stringify(doc)}\n`);
    } catch (err) {
      failed++;
      const reason = err instanceof DocumentError ? err.reason : (err as NodeJS.ErrnoException).code ?? 'error';
      process.stderr.write(`vnpipe: ${printable(file)}: ${reason}: ${printable((err as Error).message)}\n`);
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
