import { createServer, type Server } from 'node:http';
import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { VERSION } from '../config.js';
import type { DocumentResult } from './jobs.js';

/**
 * A worker's Prometheus metrics: documents by outcome and failure reason, stage
 * durations, bytes in and characters out, removals by reason, and the queue's own
 * job counts from BullMQ's exportPrometheusMetrics (not counted a second time here).
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly documents = new Counter({
    name: 'vnpipe_documents_total',
    help: 'Documents processed, by status (completed, failed) and failure reason',
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

  constructor(private readonly queue: Queue) {
    // The standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes ...), which stock dashboards read.
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'vnpipe_build_info', help: 'The vnpipe version this worker runs', labelNames: ['version'] as const, registers: [this.registry] }).set(
      { version: VERSION },
      1,
    );
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

  async text(): Promise<string> {
    const [own, queue] = await Promise.all([this.registry.metrics(), this.queue.exportPrometheusMetrics().catch(() => '')]);
    return `${own}\n${queue}`;
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
