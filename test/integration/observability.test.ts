import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CLI, copySamples, exitOf, freePort, runCli, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';

const redisUrl = inject('redisUrl');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('worker logs and metrics', () => {
  it('logs each document as a JSON line and serves Prometheus metrics', async () => {
    const env = testEnv(redisUrl);
    const port = await freePort();
    const input = copySamples();
    writeFileSync(join(input, 'zero.txt'), '');
    const batch = (await runCli(['enqueue', input, '--out', tempDir('out')], env)).stdout.trim();
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

    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(0);
    const lines = stderr.trim().split('\n').map((l) => JSON.parse(l));
    const done = lines.filter((l) => l.msg === 'done');
    expect(done).toHaveLength(5);
    expect(done[0]).toMatchObject({ level: 30, component: 'worker', batch });
    expect(typeof done[0].ms).toBe('number');
    expect(done.map((l) => l.doc).sort()).toEqual([
      '000_e15030ee0d383edd.txt', '001_cfab3d3de795dabf.txt', '002_96ecd948de8e48bb.txt', '003_7161b19aceaccb0d.txt', '004_2d82f93cebf0d4a1.txt',
    ]);
    expect(lines.find((l) => l.doc === 'zero.txt')).toMatchObject({ level: 40, reason: 'empty', final: true, msg: 'empty: the file is empty (0 bytes)' });
    expect(lines.at(-1)).toMatchObject({ msg: 'stopped' });
  });

  it('LOG_LEVEL=warn leaves out the per-document lines', async () => {
    const env = { ...testEnv(redisUrl), LOG_LEVEL: 'warn' };
    const batch = (await runCli(['enqueue', copySamples(), '--out', tempDir('out')], env)).stdout.trim();
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
    expect(stderr).toBe('');
  });
});
