import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BatchStore } from '../../src/queue/batches.js';
import { CSRF_HEADER, MAX_FAILED_LOGINS, startDashboard, type DashboardOptions } from '../../src/cli/dashboard.js';
import { CLI, copySamples, exitOf, freePort, ROOT, runCli, SAMPLES, spawnWorker, tempDir, testEnv, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const CHROMIUM = '/usr/bin/chromium';
const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
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
    await runCli(['enqueue', '--no-learn', SAMPLES, '--out', tempDir('dash'), '--config', config], env);
    const { child, url } = await dashboard(env, []);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
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
    // The vnpipe page and its JSON under the same rule.
    for (const path of ['vnpipe/', 'vnpipe/api/status', 'vnpipe/uplot.js']) {
      expect((await fetch(`${url}${path}`)).status).toBe(401);
      expect((await fetch(`${url}${path}`, { headers: auth })).status).toBe(200);
    }
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

describe('the vnpipe page of the dashboard', () => {
  it.skipIf(!existsSync(CHROMIUM))('shows batches, failures, plots and a document with its removals, as status --json says (headless Chromium)', async () => {
    const env = testEnv(redisUrl);
    const input = copySamples();
    writeFileSync(join(input, 'zero.txt'), '');
    // A link the walk leaves out: the document view must not read it either.
    symlinkSync('/etc/hostname', join(input, 'link.txt'));
    const batch = (await runCli(['enqueue', '--no-learn', input, '--out', tempDir('page')], env)).stdout.trim();
    const worker = spawnWorker(env, 1);
    children.push(worker);
    await waitFor(async () => {
      const s = await runCli(['status', batch, '--json'], env);
      return s.code === 0 && JSON.parse(s.stdout).batch.finishedAt;
    });
    worker.kill('SIGTERM');
    await exitOf(worker);
    const status = JSON.parse((await runCli(['status', batch, '--json'], env)).stdout);
    const list = JSON.parse((await runCli(['status', '--json'], env)).stdout);
    expect(status.batch).toMatchObject({ queued: 6, completed: 5, failed: 1 });

    const { child, url } = await dashboard(env, []);
    const api = `${url}vnpipe/api/`;
    // One source of truth: the page's JSON is what `status --json` prints.
    expect(await (await fetch(`${api}batches/${batch}`)).json()).toEqual({ ...status, batch: { ...status.batch, failures: status.batch.failures } });
    expect(await (await fetch(`${api}status`)).json()).toEqual(list);
    expect((await fetch(`${url}vnpipe/uplot.js`)).headers.get('content-type')).toMatch(/javascript/);
    const bare = await fetch(`${url}vnpipe`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([301, '/vnpipe/']);
    // Keys only, checked as a worker checks them.
    for (const key of ['../../../etc/passwd', '/etc/passwd', 'a/./b', '']) {
      const r = await fetch(`${api}batches/${batch}/document?key=${encodeURIComponent(key)}`);
      expect(r.status).toBe(400);
      expect((await r.json()).error).toMatch(/unsafe-path/);
    }
    // A file of the input folder that is no document of the batch (the walk left the link out): not read.
    expect((await fetch(`${api}batches/${batch}/document?key=link.txt`)).status).toBe(404);
    // A document whose input became a link after it ran: refused as a worker refuses it.
    const swapped = '004_2d82f93cebf0d4a1.txt';
    renameSync(join(input, swapped), join(input, `${swapped}.moved`));
    symlinkSync('/etc/hostname', join(input, swapped));
    const view = await (await fetch(`${api}batches/${batch}/document?key=${swapped}`)).json();
    expect(view.raw).toEqual([]);
    expect(view.errors).toEqual([expect.stringMatching(/^input: special-file: /)]);
    expect(view.output.source).toBe(swapped);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${url}vnpipe/`);
      await page.locator(`tr[data-batch="${batch}"]`).click();
      await page.locator('#plot-scores canvas').waitFor({ timeout: 15_000 });
      const field = (name: string) => page.locator(`#batch [data-field="${name}"]`).innerText();
      expect(await field('id')).toBe(batch);
      for (const name of ['queued', 'completed', 'failed', 'active', 'waiting'] as const) expect(Number(await field(name))).toBe(status.batch[name]);
      expect(await field('rate')).toBe(status.batch.rate.toFixed(1));
      expect(await field('state')).toBe('finished');
      expect(await page.locator('#workers').getAttribute('data-workers')).toBe(String(status.workers));
      // Failures by reason, with their files.
      await page.locator('#failures summary', { hasText: 'empty: 1' }).click();
      expect(await page.locator('#failures details[data-reason="empty"] li').innerText()).toContain('zero.txt');

      // Every plot drew bars or lines: its canvas holds coloured pixels beyond the axes' greys.
      const drawn = await page.$$eval('.plot canvas', (canvases) =>
        canvases.map((c) => {
          const { data } = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height);
          let coloured = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 40) coloured++;
          return coloured;
        }),
      );
      expect(drawn).toHaveLength(5);
      for (const n of drawn) expect(n).toBeGreaterThan(200);

      // The document view: front matter highlighted as removed in the raw input, absent from the clean text.
      await page.selectOption('#doc-select', '000_e15030ee0d383edd.txt');
      const frontMatter = page.locator('#doc-raw mark[data-reason="front-matter"]');
      await frontMatter.waitFor();
      expect(await frontMatter.innerText()).toContain('layout: post');
      expect(await frontMatter.getAttribute('title')).toBe('removed: front-matter');
      const clean = await page.locator('#doc-clean').innerText();
      expect(clean).toContain('Phát biểu tại đây');
      expect(clean).not.toContain('layout: post');
      const reasons = await page.$$eval('#doc-raw mark', (marks) => marks.map((m) => (m as HTMLElement).dataset.reason));
      expect(new Set(reasons)).toEqual(new Set(['front-matter', 'markdown-link', 'markdown-image', 'teaser', 'caption']));
      expect(await page.locator('#doc-removals li').count()).toBeGreaterThanOrEqual(reasons.length);

      const shot = await page.screenshot({ fullPage: true });
      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      writeFileSync(join(ROOT, 'test-results', 'dashboard-vnpipe.png'), shot);
      // The screenshot, decoded by the browser: not blank, and many colours (plots, highlights, text).
      const check = await browser.newPage();
      await check.setContent(`<img id="s" src="data:image/png;base64,${shot.toString('base64')}">`);
      const pixels = await check.$eval('#s', async (img) => {
        const image = img as HTMLImageElement;
        await image.decode();
        const canvas = Object.assign(document.createElement('canvas'), { width: image.naturalWidth, height: image.naturalHeight });
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(image, 0, 0);
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        const colours = new Set<number>();
        let nonWhite = 0;
        for (let i = 0; i < data.length; i += 4) {
          colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
          if (data[i]! + data[i + 1]! + data[i + 2]! < 600) nonWhite++;
        }
        return { width: canvas.width, height: canvas.height, colours: colours.size, nonWhite: nonWhite / (data.length / 4) };
      });
      expect(pixels.width).toBe(1280);
      expect(pixels.height).toBeGreaterThan(1000);
      expect(pixels.colours).toBeGreaterThan(500);
      expect(pixels.nonWhite).toBeGreaterThan(0.04);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
  });
});

describe('dashboard against a web page that tries to drive it', () => {
  const servers: Server[] = [];
  const queues: Queue[] = [];
  afterAll(async () => {
    servers.forEach((s) => s.close());
    for (const q of queues) await q.close();
  });

  async function start(options: Partial<DashboardOptions>): Promise<{ port: number; queue: Queue }> {
    const { VNPIPE_PREFIX } = testEnv(redisUrl);
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('documents', { connection: redis, prefix: VNPIPE_PREFIX });
    queues.push(queue);
    const port = await freePort();
    servers.push(await startDashboard(queue, new BatchStore(redis, VNPIPE_PREFIX!), { host: '127.0.0.1', port, readOnly: false, password: undefined, ...options }));
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
