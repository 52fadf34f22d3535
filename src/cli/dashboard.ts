import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import { isIP } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Queues } from '../queue/queues.js';
import express, { type NextFunction, type Request, type Response } from 'express';
import { UsageError } from '../errors.js';
import type { BatchStore } from '../queue/batches.js';
import { PAGE_PATH, vnpipeRouter } from './dashboard-routes.js';

export interface DashboardOptions {
  host: string;
  port: number;
  /** No retry, clean or remove buttons, even with `writable`. */
  readOnly: boolean;
  /** Retry, clean and remove: off unless asked for, so that the dashboard only ever shows by default. */
  writable?: boolean;
  /** Basic-auth password (user `vnpipe`), at least MIN_PASSWORD_LENGTH characters; required to bind beyond this machine. */
  password: string | undefined;
  /** Host names the dashboard answers to besides the bound address and the loopback names (a name behind a proxy). */
  allowedHosts?: string[];
}

export const MIN_PASSWORD_LENGTH = 12;
/** Failed logins from one address within FAILURE_WINDOW_MS before it is refused for the rest of the window. */
export const MAX_FAILED_LOGINS = 5;
const FAILURE_WINDOW_MS = 60_000;
export const CSRF_HEADER = 'x-vnpipe-csrf';

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|localhost)$/;
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The vnpipe page (batches, plots, documents) at /vnpipe/, and Bull Board for the
 * documents queue at /. Bull Board has no security of its own, and a web
 * page the user visits can reach a loopback port (DNS rebinding, or a plain cross-site
 * form POST), so every request passes these checks: the Host header names this server
 * (421 otherwise), an Origin header is this server's (403), a write carries the CSRF
 * token the page was served with (403) and is JSON (415), the password when one is set
 * (401, and 429 after MAX_FAILED_LOGINS failures). Writes exist only with `writable`.
 * Without a password it listens on loopback only.
 */
export async function startDashboard(queue: Queue | Queues, batches: BatchStore, options: DashboardOptions): Promise<Server> {
  if (!LOOPBACK.test(options.host) && !options.password) {
    throw new UsageError(`the dashboard has no login of its own: set VNPIPE_DASHBOARD_PASSWORD to listen on ${options.host}`);
  }
  if (options.password !== undefined && options.password.length < MIN_PASSWORD_LENGTH) {
    throw new UsageError(`VNPIPE_DASHBOARD_PASSWORD must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const readOnly = options.readOnly || !options.writable;
  const board = new ExpressAdapter();
  board.setBasePath('/');
  createBullBoard({
    queues: Queues.of(queue)
      .all()
      // Bull Board keys its queues by name: each shard past 0 gets a name prefix.
      .map((q, i) => new BullMQAdapter(q, { readOnlyMode: readOnly, displayName: i > 0 ? `documents, shard ${i}` : 'documents', ...(i > 0 ? { prefix: `shard${i}-` } : {}) })),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'vnpipe', miscLinks: [{ text: 'Batches', url: `${PAGE_PATH}/` }] } },
  });
  const csrfToken = randomBytes(32).toString('base64url');
  const app = express();
  app.disable('x-powered-by');
  app.use(hostCheck(allowedHosts(options)));
  if (options.password) app.use(basicAuth(options.password));
  app.use(writeCheck(readOnly, csrfToken));
  app.use(withCsrfToken(csrfToken));
  app.use(PAGE_PATH, vnpipeRouter(queue, batches));
  app.use('/', board.getRouter());
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, options.host, () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UsageError(`port ${options.port} on ${options.host} is in use`) : err),
    );
  });
}

/**
 * The host names a request may give: the loopback names when bound to loopback, the bound
 * address, and the configured names. Bound to every address (0.0.0.0), the machine's
 * names are unknown: any is accepted unless names are configured, and the password
 * (required there) is what keeps a rebound page out, since a browser sends a site's
 * credentials to that site only.
 */
function allowedHosts(options: DashboardOptions): Set<string> | null {
  const extra = (options.allowedHosts ?? []).map((h) => h.toLowerCase());
  if (ANY_ADDRESS.has(options.host) && extra.length === 0) return null;
  const names = new Set(extra);
  if (!ANY_ADDRESS.has(options.host)) names.add(options.host.toLowerCase());
  if (LOOPBACK.test(options.host) || ANY_ADDRESS.has(options.host)) LOOPBACK_NAMES.forEach((n) => names.add(n));
  return names;
}

/** The host name of a Host header or an Origin's authority, without port or IPv6 brackets; null if malformed. */
function hostName(authority: string): string | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/@]+))(?::\d{1,5})?$/.exec(authority);
  if (!m) return null;
  const name = (m[1] ?? m[2]!).toLowerCase();
  return m[1] !== undefined && isIP(name) !== 6 ? null : name;
}

function hostCheck(allowed: Set<string> | null) {
  const accepts = (name: string | null) => name !== null && (allowed === null || allowed.has(name));
  return (req: Request, res: Response, next: NextFunction) => {
    if (!accepts(hostName(req.headers.host ?? ''))) {
      // 421: this server is not the one the name points at (DNS rebinding).
      res.status(421).type('text/plain').send('unknown host name\n');
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let name: string | null = null;
      try {
        const url = new URL(origin);
        name = url.protocol === 'http:' || url.protocol === 'https:' ? hostName(url.host) : null;
      } catch {
        // "null" (a sandboxed or file page) or garbage: refused
      }
      if (!accepts(name)) {
        res.status(403).type('text/plain').send('cross-origin request refused\n');
        return;
      }
    }
    next();
  };
}

/**
 * Writes (any method but GET, HEAD and OPTIONS): refused when read-only; otherwise only
 * with the page's token in a header, which a cross-site form or a `no-cors` fetch cannot
 * set, and with a JSON body or none (a text/plain POST needs no preflight).
 */
function writeCheck(readOnly: boolean, token: string) {
  const expected = Buffer.from(token);
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    if (readOnly) {
      res.status(405).type('text/plain').send('the dashboard is read-only (start it with --writable to retry, clean or remove jobs)\n');
      return;
    }
    const given = Buffer.from(String(req.headers[CSRF_HEADER] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.status(403).type('text/plain').send(`missing or wrong ${CSRF_HEADER} header\n`);
      return;
    }
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/json')) {
      res.status(415).type('text/plain').send('a write takes a JSON body\n');
      return;
    }
    next();
  };
}

/**
 * Puts the CSRF token into the board's page, with a script that adds it to the page's own
 * writes (Bull Board's UI knows nothing of it). Another site cannot read the page.
 */
function withCsrfToken(token: string) {
  const script =
    `<meta name="vnpipe-csrf" content="${token}"><script>(function(){var t=${JSON.stringify(token)},h=${JSON.stringify(CSRF_HEADER)};` +
    'var w=function(m){return!/^(GET|HEAD|OPTIONS)$/i.test(m||"GET")};var f=window.fetch;' +
    'window.fetch=function(i,o){o=o||{};var m=o.method||(i&&i.method);if(w(m)){var x=new Headers(o.headers||(i&&i.headers)||{});' +
    'x.set(h,t);o=Object.assign({},o,{headers:x})}return f.call(this,i,o)};var op=XMLHttpRequest.prototype.open,sd=XMLHttpRequest.prototype.send;' +
    'XMLHttpRequest.prototype.open=function(m){this.__w=w(m);return op.apply(this,arguments)};' +
    'XMLHttpRequest.prototype.send=function(){if(this.__w)this.setRequestHeader(h,t);return sd.apply(this,arguments)}})();</script>';
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET') {
      next();
      return;
    }
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      if (typeof body === 'string' && String(res.get('Content-Type') ?? 'text/html').startsWith('text/html') && body.includes('</head>')) {
        return send(body.replace('</head>', `${script}</head>`));
      }
      return send(body);
    };
    next();
  };
}

/**
 * Basic auth with a lockout: MAX_FAILED_LOGINS failures from one address within a
 * minute refuse that address (429) until the minute since its first failure is over,
 * the right password included, so guessing runs at a few tries a minute.
 */
function basicAuth(password: string) {
  const expected = Buffer.from(`vnpipe:${password}`);
  const failures = new Map<string, { count: number; since: number }>();
  return (req: Request, res: Response, next: NextFunction) => {
    const now = Date.now();
    const client = req.socket.remoteAddress ?? '';
    let record = failures.get(client);
    if (record && now - record.since >= FAILURE_WINDOW_MS) {
      failures.delete(client);
      record = undefined;
    }
    if (record && record.count >= MAX_FAILED_LOGINS) {
      const wait = Math.ceil((record.since + FAILURE_WINDOW_MS - now) / 1000);
      res.set('Retry-After', String(wait)).status(429).type('text/plain').send(`too many failed logins: wait ${wait} s\n`);
      return;
    }
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64') : Buffer.alloc(0);
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      next();
      return;
    }
    // A browser's first request carries no credentials: only a wrong password counts.
    if (header !== '') {
      if (failures.size > 10_000) failures.clear(); // many addresses: keep the memory bounded
      failures.set(client, { count: (record?.count ?? 0) + 1, since: record?.since ?? now });
    }
    res.set('WWW-Authenticate', 'Basic realm="vnpipe", charset="UTF-8"').status(401).send('password required\n');
  };
}
