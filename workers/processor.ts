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
import { COUNT_JOB, type DocumentJob, type DocumentResult } from '../src/queue/jobs.js';
import { compileProfile, documentLines, type DocumentLines, type LearnedLines } from '../src/text/learned.js';
import { processDocumentTimed } from '../src/text/pipeline.js';

let store: Promise<BatchStore> | null = null;
interface BatchSettings {
  config: Config;
  output: OutputFolder;
  learned: LearnedLines | undefined;
}

const batchSettings = new Map<string, BatchSettings>();
const batchConfigs = new Map<string, Config>();

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

async function configOf(batches: BatchStore, batch: string): Promise<Config> {
  let config = batchConfigs.get(batch);
  if (!config) {
    const raw = await batches.config(batch);
    if (!raw) throw new DocumentError('internal-error', `batch ${batch} has no record in Redis`);
    config = compileConfig(raw as JsonObject, `batch ${batch}`);
    batchConfigs.set(batch, config);
  }
  return config;
}

/**
 * The batch's own rules and learned profile (stored with the batch, so every worker
 * cleans alike) and its output folder. The profile exists once the learning pass
 * ended, before any document job of the batch is queued.
 */
async function settingsOf(batches: BatchStore, batch: string): Promise<BatchSettings> {
  let settings = batchSettings.get(batch);
  if (!settings) {
    const [config, record, profile] = await Promise.all([configOf(batches, batch), batches.get(batch), batches.profile(batch)]);
    if (!record) throw new DocumentError('internal-error', `batch ${batch} has no record in Redis`);
    settings = {
      config,
      output: new OutputFolder(record.out),
      learned: profile ? compileProfile(profile) : undefined,
    };
    batchSettings.set(batch, settings);
  }
  return settings;
}

/** The learning pass: count the document's lines. A file that cannot be read counts as seen, with no lines: the cleaning pass reports it. */
async function countDocumentJob(job: SandboxedJob<DocumentJob, DocumentResult>, batches: BatchStore): Promise<DocumentResult> {
  const { batch, seq, path, rel, out } = job.data;
  // Not settingsOf: its cache would keep the batch without the profile this pass builds.
  const config = await configOf(batches, batch);
  let lines: DocumentLines = { source: '', lines: [] };
  try {
    lines = documentLines(readDocument(path, config.limits.maxFileBytes), rel, config);
  } catch (err) {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (!(err instanceof DocumentError) && !lastAttempt) throw err;
  }
  await batches.recordCounted(batch, seq, lines, config.learn.maxLinesPerSource);
  return { out, bytes: job.data.size, characters: 0, sentences: 0, language: 'und', removed: {}, stageMs: null };
}

export default async function processDocumentJob(job: SandboxedJob<DocumentJob, DocumentResult>): Promise<DocumentResult> {
  const { batch, seq, path, rel, out, size } = job.data;
  const batches = await batchStore();
  if (job.name === COUNT_JOB) return countDocumentJob(job, batches);
  try {
    const { config, output, learned } = await settingsOf(batches, batch);
    const bytes = readDocument(path, config.limits.maxFileBytes);
    const { doc, timings } = processDocumentTimed(bytes, rel, config, learned);
    output.write(out, `${JSON.stringify(doc)}\n`);
    await batches.recordCompleted(batch, seq, rel, size);
    const removed: Record<string, number> = {};
    for (const r of doc.metadata.removed) removed[r.reason] = (removed[r.reason] ?? 0) + 1;
    return {
      out,
      bytes: bytes.length,
      characters: doc.text.length,
      sentences: doc.sentences.length,
      language: doc.metadata.language,
      removed,
      stageMs: timings,
    };
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
