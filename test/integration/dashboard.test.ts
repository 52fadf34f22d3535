import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CSRF_HEADER, MAX_FAILED_LOGINS, startDashboard, type DashboardOptions } from '../../src/cli/dashboard.js';
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
    const env = { ...testEnv(redisUrl), VNPIPE_DASHBOARD_PASSWORD: 'long enough s3cret' };
    const { url } = await dashboard(env, []);
    expect((await fetch(url)).status).toBe(401);
    const auth = { authorization: `Basic ${Buffer.from('vnpipe:long enough s3cret').toString('base64')}` };
    expect((await fetch(url, { headers: auth })).status).toBe(200);
    const queues = await (await fetch(`${url}api/queues`, { headers: auth })).json();
    // Read-only unless started with --writable.
    expect(queues.queues[0]).toMatchObject({ name: 'documents', readOnlyMode: true });
    const writable = await dashboard(env, ['--writable']);
    const writableQueues = await (await fetch(`${writable.url}api/queues`, { headers: auth })).json();
    expect(writableQueues.queues[0]).toMatchObject({ name: 'documents', readOnlyMode: false });

    const open = await runCli(['dashboard', '--host', '0.0.0.0', '--port', String(await freePort())], testEnv(redisUrl));
    expect(open.code).toBe(2);
    expect(open.stderr).toBe('vnpipe: the dashboard has no login of its own: set VNPIPE_DASHBOARD_PASSWORD to listen on 0.0.0.0\n');

    const short = await runCli(['dashboard', '--port', String(await freePort())], { ...testEnv(redisUrl), VNPIPE_DASHBOARD_PASSWORD: 's3cret' });
    expect(short.code).toBe(2);
    expect(short.stderr).toBe('vnpipe: VNPIPE_DASHBOARD_PASSWORD must have at least 12 characters\n');
  });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: fetch() will not send a Host header of our choosing, and a DNS-rebinding page does. */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('dashboard against a web page that tries to drive it', () => {
  const servers: Server[] = [];
  const queues: Queue[] = [];
  afterAll(async () => {
    servers.forEach((s) => s.close());
    for (const q of queues) await q.close();
  });

  async function start(options: Partial<DashboardOptions>): Promise<{ port: number; queue: Queue }> {
    const { VNPIPE_PREFIX } = testEnv(redisUrl);
    const queue = new Queue('documents', { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix: VNPIPE_PREFIX });
    queues.push(queue);
    const port = await freePort();
    servers.push(await startDashboard(queue, { host: '127.0.0.1', port, readOnly: false, password: undefined, ...options }));
    return { port, queue };
  }

  const addJob = JSON.stringify({ name: 'crafted', data: { docs: [{ path: '/etc/hostname', out: '/tmp/x.json' }] } });
  const json = { 'content-type': 'application/json' };

  it('answers only to its own host names: a rebound name gets 421, the page still loads', async () => {
    const { port } = await start({});
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      expect((await send(port, 'GET', '/', { host })).status).toBe(200);
    }
    for (const host of [`attacker.example:${port}`, `127.0.0.1.attacker.example:${port}`, 'localhost.attacker.example', 'a b', '127.0.0.1@attacker.example']) {
      expect((await send(port, 'GET', '/api/queues', { host })).status).toBe(421);
    }
    const page = await send(port, 'GET', '/');
    expect(page.body).toContain('<title>vnpipe</title>');
    expect(page.body).toMatch(new RegExp(`<meta name="vnpipe-csrf" content="[A-Za-z0-9_-]{43}">`));
  });

  it('is read-only unless started writable: every write is 405, whatever it carries', async () => {
    const { port, queue } = await start({});
    const token = /name="vnpipe-csrf" content="([^"]+)"/.exec((await send(port, 'GET', '/')).body)![1]!;
    expect(JSON.parse((await send(port, 'GET', '/api/queues')).body).queues[0]).toMatchObject({ name: 'documents', readOnlyMode: true });
    expect((await send(port, 'POST', '/api/queues/documents/add', { ...json, [CSRF_HEADER]: token }, addJob)).status).toBe(405);
    expect((await send(port, 'PUT', '/api/queues/pause', { [CSRF_HEADER]: token })).status).toBe(405);
    expect(await queue.count()).toBe(0);
  });

  it('when writable, refuses a cross-site write: text/plain without token, foreign Origin, wrong token, non-JSON body', async () => {
    const { port, queue } = await start({ writable: true });
    const token = /name="vnpipe-csrf" content="([^"]+)"/.exec((await send(port, 'GET', '/')).body)![1]!;
    // What a page elsewhere can send without a preflight: a text/plain POST, with its own Origin.
    const plain = { 'content-type': 'text/plain' };
    expect((await send(port, 'POST', '/api/queues/documents/add', plain, addJob)).status).toBe(403);
    expect((await send(port, 'POST', '/api/queues/documents/add', { ...plain, origin: 'https://attacker.example' }, addJob)).status).toBe(403);
    expect((await send(port, 'POST', '/api/queues/documents/add', { ...json, origin: 'null', [CSRF_HEADER]: token }, addJob)).status).toBe(403);
    expect((await send(port, 'POST', '/api/queues/documents/add', { ...json, [CSRF_HEADER]: 'x'.repeat(token.length) }, addJob)).status).toBe(403);
    expect((await send(port, 'POST', '/api/queues/documents/add', { ...plain, [CSRF_HEADER]: token }, addJob)).status).toBe(415);
    expect((await send(port, 'PUT', '/api/queues/documents/retry/failed')).status).toBe(403);
    expect(await queue.count()).toBe(0);
    // The page itself, with its token and same origin, may write.
    const ok = await send(port, 'POST', '/api/queues/documents/add', { ...json, origin: `http://127.0.0.1:${port}`, [CSRF_HEADER]: token }, addJob);
    expect(ok.status).toBe(200);
    expect(await queue.count()).toBe(1);
    // The token of one dashboard is no use on another.
    const other = await start({ writable: true });
    expect((await send(other.port, 'POST', '/api/queues/documents/add', { ...json, [CSRF_HEADER]: token }, addJob)).status).toBe(403);
  });

  it('wants a password of 12 or more characters, and locks an address out after repeated failures', async () => {
    await expect(start({ password: 'short pass' })).rejects.toThrow('at least 12 characters');
    const password = 'correct horse battery';
    const { port } = await start({ password });
    const basic = (p: string) => ({ authorization: `Basic ${Buffer.from(`vnpipe:${p}`).toString('base64')}` });
    expect((await send(port, 'GET', '/')).status).toBe(401);
    expect((await send(port, 'GET', '/', basic(password))).status).toBe(200);
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) expect((await send(port, 'GET', '/', basic(`guess ${i} wrong!!`))).status).toBe(401);
    const locked = await send(port, 'GET', '/', basic(password));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });
});
