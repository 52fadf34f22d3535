import { afterAll, describe, expect, inject, it } from 'vitest';
import { BatchStore } from '../../src/queue/batches.js';
import { createRedis } from '../../src/queue/connection.js';
import { WorkerMetrics } from '../../src/queue/metrics.js';
import { Queues } from '../../src/queue/queues.js';

// A scrape that holds the exporter lease and then loses Redis for the queue-wide figures
// (a connection dropped between the two) answered 500: the worker's own series, which need
// no Redis, went missing with them, and Prometheus saw the target down.
const url = inject('redisUrl');
const prefix = `review3-metrics-${process.pid}`;
const lease = createRedis('client', {}, url);
const broken = createRedis('client', { maxRetriesPerRequest: 0, retryStrategy: () => null }, url);
const queues = new Queues(lease, prefix, 1);
afterAll(async () => {
  await queues.close();
  lease.disconnect();
  broken.disconnect();
});

describe('worker metrics when Redis fails mid-scrape', () => {
  it('still serves the worker’s own series, without the queue-wide ones', async () => {
    await lease.connect();
    await broken.connect();
    const metrics = new WorkerMetrics({ queue: queues, batches: new BatchStore(broken, prefix), redis: lease, prefix, threads: 1 });
    // Whole first: the queue-wide series are there.
    expect(await metrics.text()).toContain('vnpipe_queue_exporter 1');
    broken.disconnect();
    const text = await metrics.text();
    expect(text).toMatch(/vnpipe_build_info\{version="[^"]+"\} 1/);
    expect(text).toContain('vnpipe_documents_total{status="completed",reason="none"} 0');
    expect(text).not.toContain('vnpipe_queue_exporter');
    await metrics.close();
  });
});
