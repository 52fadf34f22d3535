import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Queues } from '../queue/queues.js';
import express, { type Request, type Response, type Router } from 'express';
import { PACKAGE_ROOT } from '../config.js';
import { DocumentError } from '../errors.js';
import { openSink } from '../io/sink.js';
import { assertKey } from '../io/source.js';
import { isStoreLocation } from '../io/storage.js';
import type { BatchStore } from '../queue/batches.js';
import { statusReport } from '../queue/status.js';
import { documentView, outputStats, type OutputStats } from './dashboard-data.js';

/** Where the vnpipe page lives, beside Bull Board at `/`. */
export const PAGE_PATH = '/vnpipe';

const PAGE_DIR = join(PACKAGE_ROOT, 'src', 'cli', 'dashboard-page');
/** uPlot's browser build, served from the installed package: the page loads nothing from elsewhere. */
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot'));
/**
 * Output statistics are read from disk at most this often per batch, however many pages
 * poll, and never more than a tenth of the time: a large folder is read less often.
 */
const STATS_TTL_MS = 5000;
/** Failures a batch's page lists (grouped by reason). */
const PAGE_FAILURES = 1000;
const BATCH_ID = /^[\w-]{1,80}$/;

/**
 * The vnpipe page and its JSON: `api/status` and `api/batches/:id` are what `vnpipe
 * status --json` prints (statusReport), `outputs` the plots' figures from the output
 * folder, `document?key=` one document's raw input beside its output. Mounted behind
 * the dashboard's checks (host, origin, password); it only reads.
 */
export function vnpipeRouter(queue: Queue | Queues, batches: BatchStore): Router {
  const router = express.Router();
  const stats = new Map<string, { at: number; ttl: number; value: Promise<OutputStats> }>();
  const statics: Record<string, string> = {
    '/': join(PAGE_DIR, 'index.html'),
    '/page.js': join(PAGE_DIR, 'page.js'),
    '/page.css': join(PAGE_DIR, 'page.css'),
    '/uplot.js': join(UPLOT_DIR, 'uPlot.iife.min.js'),
    '/uplot.css': join(UPLOT_DIR, 'uPlot.min.css'),
  };
  // The page asks for its parts by relative URLs: /vnpipe must be /vnpipe/.
  router.get('/', (req, res, next) => {
    if (req.originalUrl.split('?')[0]!.endsWith('/')) next();
    else res.redirect(301, `${req.baseUrl}/`);
  });
  for (const [path, file] of Object.entries(statics)) {
    router.get(path, (_req, res) => res.set('Cache-Control', 'no-cache').sendFile(file));
  }

  router.get('/api/status', (_req, res) => answer(res, statusReport(batches, queue)));

  router.get('/api/batches/:id', async (req, res) => {
    const id = batchId(req, res);
    if (id) await answer(res, statusReport(batches, queue, id, PAGE_FAILURES), `no batch "${id}"`);
  });

  router.get('/api/batches/:id/outputs', async (req, res) => {
    const id = batchId(req, res);
    if (!id) return;
    const record = await batches.get(id);
    if (!record) {
      res.status(404).json({ error: `no batch "${id}"` });
      return;
    }
    let cached = stats.get(id);
    if (!cached || Date.now() - cached.at > cached.ttl) {
      const entry = { at: Date.now(), ttl: STATS_TTL_MS, value: outputStats(record) };
      entry.value.then(
        () => (entry.ttl = Math.max(STATS_TTL_MS, 10 * (Date.now() - entry.at))),
        () => stats.delete(id),
      );
      cached = entry;
      stats.set(id, cached);
      if (stats.size > 50) stats.delete(stats.keys().next().value!);
    }
    await answer(res, cached.value);
  });

  router.get('/api/batches/:id/document', async (req, res) => {
    const id = batchId(req, res);
    if (!id) return;
    const key = req.query.key;
    if (typeof key !== 'string') {
      res.status(400).json({ error: 'give the document key: ?key=<path relative to the input folder>' });
      return;
    }
    const [record, config] = await Promise.all([batches.get(id), batches.config(id)]);
    if (!record) {
      res.status(404).json({ error: `no batch "${id}"` });
      return;
    }
    try {
      // A document of this batch: it has an output or a failure record (the view reads nothing else below the input folder).
      assertKey(key);
      // A record of shards: the view checks its key and says what it shows of it.
      if (isStoreLocation(record.root)) {
        res.json(await documentView(record, config, key));
        return;
      }
      const output = openSink(record.out).locate(key);
      const known = (await batches.failure(id, key)) !== null || (await stat(output).catch(() => null))?.isFile();
      if (!known) {
        res.status(404).json({ error: `"${key}" is no document of batch ${id} with an output or a failure` });
        return;
      }
      res.json(await documentView(record, config, key));
    } catch (err) {
      // The key names no file inside the batch's input: nothing was opened.
      if (err instanceof DocumentError) res.status(400).json({ error: `${err.reason}: ${err.message}` });
      else res.status(500).json({ error: (err as Error).message });
    }
  });
  return router;
}

function batchId(req: Request, res: Response): string | null {
  const id = String(req.params.id);
  if (BATCH_ID.test(id)) return id;
  res.status(400).json({ error: 'not a batch id' });
  return null;
}

async function answer(res: Response, value: Promise<unknown>, missing = 'not found'): Promise<void> {
  try {
    const body = await value;
    if (body === null) res.status(404).json({ error: missing });
    else res.set('Cache-Control', 'no-store').json(body);
  } catch (err) {
    res.status(503).json({ error: (err as Error).message });
  }
}
