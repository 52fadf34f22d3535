import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CLI, copySamples, exitOf, freePort, runCli, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const redisUrl = inject('redisUrl');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** What one worker writes to stderr while it cleans the samples, from start to SIGTERM. */
async function workerLogOfSamples(env: NodeJS.ProcessEnv): Promise<string> {
    const batch = (await runCli(['enqueue', '--no-learn', copySamples(), '--out', tempDir('out')], env)).stdout.trim();
    const worker = spawnWorker(env, 1, undefined, true);
    children.push(worker);
    let stderr = '';
    worker.stderr!.on('data', (d) => (stderr += String(d)));
    await waitFor(async () => {
      const s = await runCli(['status', batch, '--json'], env);
      return s.code === 0 && JSON.parse(s.stdout).batch.finishedAt;
    });
    worker.kill('SIGTERM');
    await exitOf(worker);
    return stderr;
}

describe('worker logs and metrics', () => {
  it('logs each document as a JSON line at debug, a summary at info, and serves Prometheus metrics', async () => {
    const env = { ...testEnv(redisUrl), LOG_LEVEL: 'debug' };
    const port = await freePort();
    const input = copySamples();
    writeFileSync(join(input, 'zero.txt'), '');
    const batch = (await runCli(['enqueue', '--no-learn', input, '--out', tempDir('out')], env)).stdout.trim();
    const worker = spawn(process.execPath, [CLI, 'worker', '--concurrency', '1', '--metrics-port', String(port)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(worker);
    let stderr = '';
    worker.stderr.on('data', (d) => (stderr += String(d)));
    await waitFor(async () => {
      const s = await runCli(['status', batch, '--json'], env);
      return s.code === 0 && JSON.parse(s.stdout).batch.finishedAt;
    });

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('vnpipe_documents_total{status="completed",reason="none"} 5');
    expect(metrics).toMatch(/vnpipe_document_duration_seconds_count 5/);
    expect(metrics).toMatch(/vnpipe_build_info\{version="\d+\.\d+\.\d+"\} 1/);
    expect(metrics).toMatch(/^process_cpu_seconds_total /m);
    expect(metrics).toContain('vnpipe_documents_total{status="failed",reason="empty"} 1');
    expect(metrics).toMatch(/vnpipe_stage_duration_seconds_count\{stage="sentences"\} 5/);
    expect(metrics).toContain('vnpipe_removed_total{reason="caption"} 12');
    expect(metrics).toMatch(/vnpipe_input_bytes_total 32084/);
    // Six documents, one job.
    expect(metrics).toContain('bullmq_job_count{queue="documents", state="completed"} 1');
    expect(metrics).toContain('bullmq_job_completed_total{queue="documents"} 1');
    // Every label set exists from the start, at 0.
    expect(metrics).toContain('vnpipe_documents_total{status="failed",reason="timeout"} 0');
    expect(metrics).toContain('vnpipe_removed_total{reason="navigation"} 0');
    expect(metrics).toMatch(/vnpipe_stage_duration_seconds_count\{stage="unwrap"\} 5/);
    // The batch's gauges and the thread pool.
    for (const [state, n] of [['queued', 6], ['completed', 5], ['failed', 1], ['waiting', 0]] as const) {
      expect(metrics).toContain(`vnpipe_batch_documents{batch="${batch}",state="${state}"} ${n}`);
    }
    expect(metrics).toMatch(new RegExp(`vnpipe_batch_rate_documents_per_second\\{batch="${batch}"\\} \\d`));
    expect(metrics).toContain('vnpipe_workers_connected 1');
    expect(metrics).toMatch(/^vnpipe_threads 1$/m);
    expect(metrics).toMatch(/^vnpipe_threads_busy 0$/m);
    const busy = Number(/^vnpipe_thread_busy_seconds_total (\S+)$/m.exec(metrics)![1]);
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThan(60);

    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(0);
    const lines = stderr.trim().split('\n').map((l) => JSON.parse(l));
    const done = lines.filter((l) => l.msg === 'done');
    expect(done).toHaveLength(5);
    expect(done[0]).toMatchObject({ level: 20, component: 'worker', batch });
    expect(typeof done[0].ms).toBe('number');
    expect(done.map((l) => l.doc).sort()).toEqual([
      '000_e15030ee0d383edd.txt', '001_cfab3d3de795dabf.txt', '002_96ecd948de8e48bb.txt', '003_7161b19aceaccb0d.txt', '004_2d82f93cebf0d4a1.txt',
    ]);
    expect(lines.find((l) => l.doc === 'zero.txt')).toMatchObject({ level: 40, reason: 'empty', final: true, msg: 'empty: the file is empty (0 bytes)' });
    expect(lines.at(-2)).toMatchObject({ level: 30, completed: 5, failed: 1, msg: '5 documents completed and 1 failed since the worker started' });
    expect(lines.at(-1)).toMatchObject({ msg: 'stopped' });
  });

  it('at info, logs no line per document: a summary of what it finished', async () => {
    const env = testEnv(redisUrl);
    const stderr = await workerLogOfSamples(env);
    const messages = stderr.trim().split('\n').map((l) => JSON.parse(l).msg);
    expect(messages).toEqual([
      expect.stringMatching(/^1 thread on redis:/),
      expect.stringMatching(/^SIGTERM/),
      expect.stringMatching(/^5 completed, 0 failed in the last \d+ s \([\d.]+ docs\/s\)$/),
      '5 documents completed and 0 failed since the worker started',
      'stopped',
    ]);
  });

  it('exports the queue-wide series from one worker only, so sum() over replicas counts them once', async () => {
    const env = testEnv(redisUrl);
    const batch = (await runCli(['enqueue', '--no-learn', copySamples(), '--out', tempDir('out')], env)).stdout.trim();
    const ports = [await freePort(), await freePort()];
    for (const port of ports) {
      const worker = spawn(process.execPath, [CLI, 'worker', '--concurrency', '1', '--metrics-port', String(port)], { env: { ...process.env, ...env }, stdio: 'ignore' });
      children.push(worker);
    }
    await waitFor(async () => {
      const s = await runCli(['status', batch, '--json'], env);
      return s.code === 0 && JSON.parse(s.stdout).batch.finishedAt;
    });
    const scrape = async () => Promise.all(ports.map(async (p) => (await fetch(`http://127.0.0.1:${p}/metrics`)).text()));
    for (const round of [await scrape(), await scrape()]) {
      const exporters = round.filter((text) => text.includes('bullmq_job_count{'));
      expect(exporters).toHaveLength(1);
      expect(exporters[0]).toContain(`vnpipe_batch_documents{batch="${batch}",state="completed"} 5`);
      expect(exporters[0]).toContain('vnpipe_workers_connected 2');
      // Each worker's own series: both, with their documents adding up to the batch.
      const completed = round.map((text) => Number(/^vnpipe_documents_total\{status="completed",reason="none"\} (\d+)$/m.exec(text)![1]));
      expect(completed[0]! + completed[1]!).toBe(5);
    }
    // The exporter stops: the other worker exports from its next scrape on.
    const workers = children.slice(-2);
    const exporter = (await scrape()).findIndex((text) => text.includes('bullmq_job_count{'));
    workers[exporter]!.kill('SIGTERM');
    await exitOf(workers[exporter]!);
    const other = await (await fetch(`http://127.0.0.1:${ports[1 - exporter]}/metrics`)).text();
    expect(other).toContain(`vnpipe_batch_documents{batch="${batch}",state="completed"} 5`);
    expect(other).toContain('vnpipe_workers_connected 1');
    workers[1 - exporter]!.kill('SIGTERM');
    await exitOf(workers[1 - exporter]!);
  });

  it('LOG_LEVEL=warn leaves out the per-document lines', async () => {
    const env = { ...testEnv(redisUrl), LOG_LEVEL: 'warn' };
    const stderr = await workerLogOfSamples(env);
    expect(stderr).toBe('');
  });
});
