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
import { OutputFolder, readDocument } from '../src/io/files.js';
import { BatchStore } from '../src/queue/batches.js';
import { connectRedis, keyPrefix } from '../src/queue/connection.js';
import type { DocumentJob, DocumentResult } from '../src/queue/jobs.js';
import { processDocument } from '../src/text/pipeline.js';

let store: Promise<BatchStore> | null = null;
const batchSettings = new Map<string, { config: Config; output: OutputFolder }>();

function batchStore(): Promise<BatchStore> {
  store ??= connectRedis('worker').then(
    (redis: Redis) => new BatchStore(redis, keyPrefix()),
    (err: unknown) => {
      store = null; // Redis was down: the next job tries again
      throw err;
    },
  );
  return store;
}

/** The batch's own rules (stored at enqueue, so every worker cleans alike) and output folder. */
async function settingsOf(batches: BatchStore, batch: string): Promise<{ config: Config; output: OutputFolder }> {
  let settings = batchSettings.get(batch);
  if (!settings) {
    const [raw, record] = await Promise.all([batches.config(batch), batches.get(batch)]);
    if (!raw || !record) throw new DocumentError('internal-error', `batch ${batch} has no record in Redis`);
    settings = { config: compileConfig(raw as JsonObject, `batch ${batch}`), output: new OutputFolder(record.out) };
    batchSettings.set(batch, settings);
  }
  return settings;
}

export default async function processDocumentJob(job: SandboxedJob<DocumentJob, DocumentResult>): Promise<DocumentResult> {
  const { batch, seq, path, rel, out, size } = job.data;
  const batches = await batchStore();
  try {
    const { config, output } = await settingsOf(batches, batch);
    const bytes = readDocument(path, config.limits.maxFileBytes);
    const doc = processDocument(bytes, rel, config);
    output.write(out, `${JSON.stringify(doc)}\n`);
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
