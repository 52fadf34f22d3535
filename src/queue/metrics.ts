import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Queue } from 'bullmq';
import { Queues } from './queues.js';
import type { RedisClient } from './connection.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { VERSION } from '../config.js';
import type { FailureReason } from '../errors.js';
import type { HtmlRemoval } from '../html/extract.js';
import { PIPELINE } from '../stages/index.js';
import type { RemovalReason } from '../text/lines.js';
import type { BatchStore } from './batches.js';
import type { DocumentResult } from './jobs.js';
import { statusReport } from './status.js';

/**
 * Every label value, so each series exists at 0 from the first scrape: `rate()` and
 * `increase()` see a failure reason's first document, and a dashboard shows 0, not "no
 * data". Records, so a reason added to the union without a line here fails to compile.
 */
const FAILURE_REASONS: Record<FailureReason | 'failed', true> = {
  empty: true, 'not-text': true, undecodable: true, 'too-large': true, missing: true, unreadable: true, 'special-file': true,
  'unsafe-path': true, 'unsafe-output': true, unwritable: true, 'no-article': true, timeout: true, 'out-of-memory': true,
  'internal-error': true, 'bad-record': true, failed: true,
};
const REMOVAL_REASONS: Record<RemovalReason | HtmlRemoval['reason'], true> = {
  'front-matter': true, 'markdown-link': true, 'markdown-image': true, title: true, 'meta-line': true, dateline: true,
  'image-artifact': true, caption: true, byline: true, marker: true, 'trailing-block': true, related: true, 'source-credit': true,
  'call-to-action': true, learned: true, teaser: true, duplicate: true, separator: true, navigation: true, comments: true, share: true,
  ad: true, script: true, style: true, form: true, header: true, footer: true, aside: true, hidden: true, 'low-density': true, date: true,
  other: true,
};

/** How long one worker stays the exporter of the queue-wide figures without being scraped. */
const EXPORTER_LEASE_MS = 60_000;
/** Finished batches keep their gauges this long, so a dashboard sees their last values. */
const FINISHED_BATCH_SHOWN_MS = 3_600_000;

/** Gives the lease up if this worker (ARGV[1]) holds it: another takes it at its next scrape. */
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Takes or renews the exporter lease: 1 when this worker (ARGV[1]) holds it. */
const LEASE_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;

export interface MetricsSources {
  /** The queue shards the worker started with; those a later batch adds are followed (deploymentShards). */
  queue: Queue | Queues;
  batches: BatchStore;
  /** For the exporter lease. */
  redis: RedisClient;
  prefix: string;
  /** Document threads in the pool. */
  threads: number;
}

/**
 * A worker's Prometheus metrics. Its own: documents by outcome and failure reason,
 * stage and document durations, bytes in and characters out, removals by reason, the
 * thread pool's use, and the standard process metrics. The queue's figures (BullMQ's
 * job counts, the batches' gauges, workers connected) are the same whichever worker
 * is asked, so only one worker exports them at a time (a lease in Redis): summed over
 * replicas, every series counts once.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  /** The queue-wide series, served only by the lease holder. */
  private readonly queueRegistry = new Registry();
  private readonly token = randomBytes(8).toString('hex');
  private readonly documents = new Counter({
    name: 'vnpipe_documents_total',
    help: 'Documents processed, by status (completed, failed) and failure reason (none when completed)',
    labelNames: ['status', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly stages = new Histogram({
    name: 'vnpipe_stage_duration_seconds',
    help: 'Time per text stage and document',
    labelNames: ['stage'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1],
    registers: [this.registry],
  });
  private readonly inputBytes = new Counter({ name: 'vnpipe_input_bytes_total', help: 'Bytes read from input documents', registers: [this.registry] });
  private readonly outputCharacters = new Counter({
    name: 'vnpipe_output_characters_total',
    help: 'Characters of clean text written',
    registers: [this.registry],
  });
  private readonly documentSeconds = new Histogram({
    name: 'vnpipe_document_duration_seconds',
    help: 'Time of the text stages per completed document',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5, 10, 60],
    registers: [this.registry],
  });
  private readonly removed = new Counter({
    name: 'vnpipe_removed_total',
    help: 'Pieces of input removed from the text, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  /** Tasks handed to the threads and not answered yet; the threads busy are the lesser of this and the pool. */
  private tasks = 0;
  private busySeconds = 0;
  private busySince = performance.now();
  /** Sets the queue-wide gauges from the status report. */
  private readonly refreshQueue: (queues: Queues) => Promise<void>;
  /**
   * Queues of more shards than the worker started with, opened here as batches were
   * queued over more, widest last; closed with the worker, not before (a scrape may be
   * reading one).
   */
  private readonly wider: Queues[] = [];

  constructor(private readonly sources: MetricsSources) {
    const { registry, queueRegistry } = this;
    // The standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes ...), which stock dashboards read.
    collectDefaultMetrics({ register: registry });
    new Gauge({ name: 'vnpipe_build_info', help: 'The vnpipe version this worker runs', labelNames: ['version'] as const, registers: [registry] }).set(
      { version: VERSION },
      1,
    );
    this.documents.inc({ status: 'completed', reason: 'none' }, 0);
    for (const reason of Object.keys(FAILURE_REASONS)) this.documents.inc({ status: 'failed', reason }, 0);
    for (const reason of Object.keys(REMOVAL_REASONS)) this.removed.inc({ reason }, 0);
    for (const { name } of PIPELINE) this.stages.zero({ stage: name });
    new Gauge({ name: 'vnpipe_threads', help: 'Document threads in the pool', registers: [registry] }).set(sources.threads);
    const metrics = this;
    new Gauge({
      name: 'vnpipe_threads_busy',
      help: 'Document threads with a task now',
      registers: [registry],
      collect() {
        this.set(Math.min(metrics.tasks, sources.threads));
      },
    });
    new Counter({
      name: 'vnpipe_thread_busy_seconds_total',
      help: 'Seconds of thread time with a task, summed over the threads: rate() over vnpipe_threads is the pool utilisation',
      registers: [registry],
      collect() {
        metrics.settleBusy();
        this.reset();
        this.inc(metrics.busySeconds);
      },
    });

    const batchDocuments = new Gauge({
      name: 'vnpipe_batch_documents',
      help: 'Documents of a running or recently finished batch, by state (queued, completed, failed, cancelled, active, waiting)',
      labelNames: ['batch', 'state'] as const,
      registers: [queueRegistry],
    });
    const batchRate = new Gauge({
      name: 'vnpipe_batch_rate_documents_per_second',
      help: 'Documents a batch finished per second over the last minute (its mean rate once finished)',
      labelNames: ['batch'] as const,
      registers: [queueRegistry],
    });
    const batchRunning = new Gauge({ name: 'vnpipe_batch_running', help: 'Batches not finished', registers: [queueRegistry] });
    const workers = new Gauge({ name: 'vnpipe_workers_connected', help: 'Workers connected to the queue', registers: [queueRegistry] });
    new Gauge({ name: 'vnpipe_queue_exporter', help: '1 on the worker that exports the queue-wide series', registers: [queueRegistry] }).set(1);
    this.refreshQueue = async (queues) => {
      const report = (await statusReport(sources.batches, queues))!;
      const now = Date.now();
      batchDocuments.reset();
      batchRate.reset();
      const shown = report.batches!.filter((b) => b.finishedAt === null || now - b.finishedAt < FINISHED_BATCH_SHOWN_MS);
      for (const b of shown) {
        for (const state of ['queued', 'completed', 'failed', 'cancelled', 'active', 'waiting'] as const) batchDocuments.set({ batch: b.id, state }, b[state]);
        batchRate.set({ batch: b.id }, b.rate);
      }
      batchRunning.set(report.batches!.filter((b) => b.finishedAt === null).length);
      if (report.workers !== null) workers.set(report.workers);
    };
  }

  completed(result: DocumentResult): void {
    this.documents.inc({ status: 'completed', reason: 'none' });
    this.documentSeconds.observe(Object.values(result.stageMs).reduce((a, b) => a + b, 0) / 1000);
    this.inputBytes.inc(result.bytes);
    this.outputCharacters.inc(result.characters);
    for (const [stage, ms] of Object.entries(result.stageMs)) this.stages.observe({ stage }, ms / 1000);
    for (const [reason, n] of Object.entries(result.removed)) this.removed.inc({ reason }, n);
  }

  failed(reason: string): void {
    this.documents.inc({ status: 'failed', reason });
  }

  /** A task went to the threads (+1) or came back (-1). */
  threadTask(delta: 1 | -1): void {
    this.settleBusy();
    this.tasks += delta;
  }

  /** Adds the busy thread time since the last change. */
  private settleBusy(): void {
    const now = performance.now();
    this.busySeconds += (Math.min(this.tasks, this.sources.threads) * (now - this.busySince)) / 1000;
    this.busySince = now;
  }

  private get leaseKey(): string {
    return `${this.sources.prefix}:metrics-exporter`;
  }

  /** Whether this worker holds (or now takes) the lease to export the queue-wide series. */
  private async exporter(): Promise<boolean> {
    return (await this.sources.redis.eval(LEASE_SCRIPT, 1, this.leaseKey, this.token, EXPORTER_LEASE_MS)) === 1;
  }

  /**
   * Every queue shard of the deployment now: a worker takes up the shards a later batch
   * was queued over (worker.ts), and the queue-wide series (BullMQ's job counts, each
   * batch's active and waiting documents) must count their jobs too, not only those of
   * the shards it started with. Asked at each scrape, so they are there from the first.
   */
  private async queues(): Promise<Queues> {
    const shards = await this.sources.batches.deploymentShards();
    const current = this.wider.at(-1) ?? Queues.of(this.sources.queue);
    if (shards <= current.shards) return current;
    const wider = new Queues(this.sources.redis, this.sources.prefix, shards);
    this.wider.push(wider);
    return wider;
  }

  /** When the worker stops: the queue-wide series move to another worker at once, not when the lease runs out. */
  async close(): Promise<void> {
    // A queue that fails to close must not keep the lease from being given up.
    await Promise.allSettled(this.wider.map((q) => q.close()));
    await this.sources.redis.eval(RELEASE_SCRIPT, 1, this.leaseKey, this.token);
  }

  async text(): Promise<string> {
    const own = await this.registry.metrics();
    // Redis away, before the lease or after it: the worker's own series still answer.
    const queueWide = await this.exporter()
      .then(async (held) => {
        if (!held) return '';
        const queues = await this.queues();
        await this.refreshQueue(queues);
        const [ours, bull] = await Promise.all([this.queueRegistry.metrics(), queues.exportPrometheusMetrics()]);
        return `${ours}\n${bull}`;
      })
      .catch(() => '');
    return `${own}\n${queueWide}`;
  }

  /** Serves GET /metrics on `host:port`. */
  serve(port: number, host: string): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('try /metrics\n');
        return;
      }
      this.text().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (err: Error) => res.writeHead(500).end(`${err.message}\n`),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  }
}
