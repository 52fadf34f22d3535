/**
 * The BullMQ sandboxed processor: runs in a worker thread, one document per call.
 * Read the file, run the pure pipeline, write the output atomically, then count the
 * document in its batch. Errors that cannot succeed on a retry fail the job at once
 * (UnrecoverableError) with a reason `vnpipe status` shows.
 */
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { compileConfig, type Config, type JsonObject } from '../src/config.js';
import { DocumentError } from '../src/errors.js';
import { readDocument, writeFileAtomic } from '../src/io/files.js';
import { BatchStore } from '../src/queue/batches.js';
import { connectRedis, keyPrefix } from '../src/queue/connection.js';
import type { DocumentJob, DocumentResult } from '../src/queue/jobs.js';
import { processDocument } from '../src/text/pipeline.js';

let store: Promise<BatchStore> | null = null;
const configs = new Map<string, Config>();

function batchStore(): Promise<BatchStore> {
  store ??= connectRedis('worker').then((redis: Redis) => new BatchStore(redis, keyPrefix()));
  return store;
}

/** The batch's own rules, stored at enqueue, so every worker cleans alike. */
async function batchConfig(batches: BatchStore, batch: string): Promise<Config> {
  let config = configs.get(batch);
  if (!config) {
    const raw = await batches.config(batch);
    if (!raw) throw new DocumentError('internal-error', `batch ${batch} has no record in Redis`);
    config = compileConfig(raw as JsonObject, `batch ${batch}`);
    configs.set(batch, config);
  }
  return config;
}

export default async function processDocumentJob(job: SandboxedJob<DocumentJob, DocumentResult>): Promise<DocumentResult> {
  const { batch, seq, path, rel, out, size } = job.data;
  const batches = await batchStore();
  try {
    const config = await batchConfig(batches, batch);
    const bytes = await readDocument(path, config.limits.maxFileBytes);
    const doc = runPipeline(bytes, rel, config);
    await writeFileAtomic(out, `${JSON.stringify(doc)}\n`);
    await batches.recordCompleted(batch, seq, rel, size);
    return { out, characters: doc.text.length, sentences: doc.sentences.length, language: doc.metadata.language };
  } catch (err) {
    const permanent = err instanceof DocumentError;
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (permanent || lastAttempt) {
      await batches.recordFailed(batch, {
        seq,
        rel,
        path,
        out,
        jobId: job.id ?? '',
        reason: permanent ? err.reason : 'failed',
        message: (err as Error).message,
      });
    }
    if (permanent) throw new UnrecoverableError(`${err.reason}: ${err.message}`);
    throw err;
  }
}

function runPipeline(bytes: Uint8Array, rel: string, config: Config) {
  try {
    return processDocument(bytes, rel, config);
  } catch (err) {
    if (err instanceof DocumentError) throw err;
    // A pure stage that throws will throw again: a bug to report, not to retry.
    throw new DocumentError('internal-error', `${(err as Error).name}: ${(err as Error).message}`);
  }
}
