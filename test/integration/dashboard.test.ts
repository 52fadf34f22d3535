import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CLI, exitOf, freePort, runCli, SAMPLES, tempDir, testEnv, waitFor } from '../support/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const redisUrl = inject('redisUrl');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function dashboard(env: NodeJS.ProcessEnv, args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'dashboard', '--port', String(port), ...args], { env: { ...process.env, ...env }, stdio: 'ignore' });
  children.push(child);
  const url = `http://127.0.0.1:${port}/`;
  await waitFor(async () => fetch(url).then((r) => r.status !== 0, () => false));
  return { child, url };
}

describe('vnpipe dashboard', () => {
  it.skipIf(!existsSync(CHROMIUM))('shows the queue and its counts in a real browser (headless Chromium)', async () => {
    const env = testEnv(redisUrl);
    // One document a job, so the board shows one job per sample.
    const config = join(tempDir('dash-config'), 'one-per-job.json');
    writeFileSync(config, JSON.stringify({ queue: { documentsPerJob: 1 } }));
    await runCli(['enqueue', SAMPLES, '--out', tempDir('dash'), '--config', config], env);
    const { child, url } = await dashboard(env, []);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.getByText('5 Jobs').waitFor({ timeout: 15_000 });
      const body = await page.innerText('body');
      expect(body).toContain('documents');
      expect(body).toMatch(/WAITING\s+5/);
      expect(await page.title()).toBe('vnpipe');
    } finally {
      await browser.close();
    }
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
  });

  it('asks for the password when one is set, and refuses to listen beyond loopback without one', async () => {
    const env = { ...testEnv(redisUrl), VNPIPE_DASHBOARD_PASSWORD: 's3cret' };
    const { url } = await dashboard(env, ['--read-only']);
    expect((await fetch(url)).status).toBe(401);
    const auth = { authorization: `Basic ${Buffer.from('vnpipe:s3cret').toString('base64')}` };
    expect((await fetch(url, { headers: auth })).status).toBe(200);
    const queues = await (await fetch(`${url}api/queues`, { headers: auth })).json();
    expect(queues.queues[0]).toMatchObject({ name: 'documents', readOnlyMode: true });

    const open = await runCli(['dashboard', '--host', '0.0.0.0', '--port', String(await freePort())], testEnv(redisUrl));
    expect(open.code).toBe(2);
    expect(open.stderr).toBe('vnpipe: the dashboard has no login of its own: set VNPIPE_DASHBOARD_PASSWORD to listen on 0.0.0.0\n');
  });
});
