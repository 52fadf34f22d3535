/**
 * A document thread: the CPU-bound part of a job, off the worker's event loop. A clean
 * task reads each of its files, runs the pure pipeline and writes the output atomically;
 * a unit task does the same for the records of one unit of a shard and writes them as
 * one output shard; a count task counts each document's lines for the learning pass (a
 * unit's records read once, each counted with its fields).
 * The thread never talks to Redis: the worker's main thread records the outcomes while
 * this one starts the next task.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileStoredConfig, configHash, VERSION, type Config } from '../src/config.js';
import { DocumentError } from '../src/errors.js';
import { withRecordFields, type ShardSink } from '../src/io/shard-sink.js';
import { parseRecordKey, recordKey, unitOf, type ShardSource } from '../src/io/shards.js';
import { openSink, type AnySink } from '../src/io/sink.js';
import { openSource, type AnySource } from '../src/io/source.js';
import { documentProgress, SETUPS_PER_THREAD, type BatchSetup, type ThreadAnswer, type ThreadMessage, type ThreadTask } from '../src/queue/document-threads.js';
import { compileProfile, documentLines, type LearnedLines } from '../src/text/learned.js';
import { processDocumentTimed } from '../src/text/pipeline.js';

interface Setup {
  config: Config;
  source: AnySource;
  sink: AnySink;
  learned: LearnedLines | undefined;
}

/** Which document this thread is on and since when: the main thread's watchdog reads it. */
const progress = documentProgress((workerData as { progress: SharedArrayBuffer }).progress);

/**
 * Compiled setups by key, oldest first; the main thread tracks the same keys in the
 * same order. A setup that failed to compile is kept as its error, for every task of it.
 */
const setups = new Map<string, Setup | Error>();

function compile(message: ThreadMessage & { setup: BatchSetup }): Setup | Error {
  try {
    const config = compileStoredConfig(message.setup.config, `batch ${message.task.batch}`);
    const source = openSource(message.setup.root, { followLinks: message.setup.followLinks, textFields: config.records.textFields });
    return {
      config,
      source,
      sink: openSink(message.setup.out, source.sharded ? config.shards : null),
      learned: message.setup.profile ? compileProfile(message.setup.profile) : undefined,
    };
  } catch (err) {
    return err as Error;
  }
}

function setupOf(message: ThreadMessage): Setup {
  if (message.setup) {
    setups.set(message.setupKey, compile(message as ThreadMessage & { setup: BatchSetup }));
    if (setups.size > SETUPS_PER_THREAD) {
      const [key, oldest] = setups.entries().next().value!;
      setups.delete(key);
      if (!(oldest instanceof Error) && oldest.source.sharded) void oldest.source.close();
    }
  }
  const found = setups.get(message.setupKey);
  if (!found) throw new Error(`no setup ${message.setupKey} in this thread`);
  if (found instanceof Error) throw found;
  return found;
}

function resultOf(cleaned: ReturnType<typeof processDocumentTimed>, bytes: number, out: string): ThreadAnswer {
  const { doc, timings } = cleaned;
  const removed: Record<string, number> = {};
  for (const r of doc.metadata.removed) removed[r.reason] = (removed[r.reason] ?? 0) + 1;
  return {
    ok: true,
    kind: 'clean',
    result: { out, bytes, characters: doc.text.length, sentences: doc.sentences.length, language: doc.metadata.language, removed, stageMs: timings },
  };
}

async function clean(doc: ThreadTask['docs'][number], rerun: boolean, { config, source, sink, learned }: Setup): Promise<ThreadAnswer> {
  if (source.sharded || sink.sharded) throw new Error('a file task for a batch of shards');
  const bytes = await source.read(doc.rel, config.limits.maxFileBytes);
  const cleaned = processDocumentTimed(bytes, doc.rel, config, learned);
  if (rerun) sink.removeLeftovers(doc.rel);
  sink.write(doc.rel, `${JSON.stringify(cleaned.doc)}\n`);
  return resultOf(cleaned, bytes.length, sink.locate(doc.rel));
}

function failure(err: unknown): ThreadAnswer {
  if (err instanceof DocumentError) return { ok: false, reason: err.reason, message: err.message };
  return { ok: false, reason: null, message: (err as Error).message };
}

/**
 * One unit of a shard: every record of it is read and cleaned (those of `leaveOut`,
 * failed for good before, are passed over; a task for some records only keeps the
 * documents of the others already out) and the documents are written as the unit's
 * output shard in one piece; the task's records are answered once it is written.
 */
async function cleanUnit(task: ThreadTask & { unit: string }, setup: Setup): Promise<ThreadAnswer[]> {
  const { config, learned } = setup;
  const source = setup.source as ShardSource;
  const sink = setup.sink as ShardSink;
  const perJob = config.shards.recordsPerJob;
  const { shard, first } = unitOf(task.unit, perJob);
  const position = new Map(task.docs.map((d, i) => [parseRecordKey(d.rel).index, i]));
  const leaveOut = new Set((task.leaveOut ?? []).map((rel) => parseRecordKey(rel).index));
  const answers: (ThreadAnswer | null)[] = task.docs.map(() => null);
  const lines: string[] = [];
  // Left out or failed: the manifest names them, and the next enqueue runs them again.
  const failures = [...leaveOut];
  const info = await source.shardInfo(shard);
  const maker = { version: VERSION, config: configHash(config) };
  // A unit run for some of its records keeps the documents already out in its shard.
  const kept = task.docs.length < perJob ? await sink.keptLines(task.unit, info.mtimeMs, maker) : null;
  for await (const record of source.records(shard, first, first + perJob, config.limits.maxFileBytes)) {
    if (leaveOut.has(record.index)) continue;
    const at = position.get(record.index);
    const line = at === undefined ? kept?.get(record.index) : undefined;
    if (line !== undefined) {
      lines.push(line);
      continue;
    }
    progress.startedAt[0] = Date.now();
    // A record the task does not answer for (a retry's neighbours) is still the thread's to time.
    progress.index[0] = at ?? task.docs.length;
    let answer: ThreadAnswer;
    if ('error' in record) {
      answer = failure(record.error);
    } else {
      try {
        const key = `${shard}#${record.index}`;
        const cleaned = processDocumentTimed(record.bytes, key, config, learned, record.fields);
        lines.push(`${JSON.stringify(withRecordFields(cleaned.doc, record.fields, config.records))}\n`);
        answer = resultOf(cleaned, record.bytes.length, sink.locate(key));
      } catch (err) {
        answer = failure(err);
      }
    }
    // Waiting for the next record (a slow read from S3) is no record's time.
    progress.index[0] = -1;
    if (!answer.ok) failures.push(record.index);
    if (at !== undefined) answers[at] = answer;
  }
  await sink.write(task.unit, lines, { input: source.locate(task.unit).replace(/#\d+$/, ''), inputMtimeMs: info.mtimeMs, failures, vnpipe: maker });
  return answers.map((a, i) => a ?? { ok: false, reason: 'missing', message: `${task.docs[i]!.rel}: the shard has no such record (it changed after it was enqueued)` });
}

/**
 * The learning pass over records of one unit of a shard: each record the task names is
 * counted with its fields (its url names its source), in the task's order.
 */
async function countUnit(task: ThreadTask, setup: Setup): Promise<ThreadAnswer[]> {
  const { config } = setup;
  const source = setup.source as ShardSource;
  const keys = task.docs.map((d) => parseRecordKey(d.rel));
  const { shard } = keys[0]!;
  if (keys.some((k) => k.shard !== shard)) throw new Error(`a count task over more than one shard (${task.unit})`);
  const position = new Map(keys.map((k, i) => [k.index, i]));
  const indexes = keys.map((k) => k.index);
  const answers: (ThreadAnswer | null)[] = task.docs.map(() => null);
  for await (const record of source.records(shard, Math.min(...indexes), Math.max(...indexes) + 1, config.limits.maxFileBytes)) {
    const at = position.get(record.index);
    if (at === undefined) continue;
    progress.startedAt[0] = Date.now();
    progress.index[0] = at;
    try {
      if ('error' in record) throw record.error;
      answers[at] = { ok: true, kind: 'count', lines: documentLines(record.bytes, recordKey(shard, record.index), config, record.fields) };
    } catch (err) {
      answers[at] = failure(err);
    }
    progress.index[0] = -1;
  }
  return answers.map((a, i) => a ?? { ok: false, reason: 'missing', message: `${task.docs[i]!.rel}: the shard has no such record (it changed after it was enqueued)` });
}

async function answer(message: ThreadMessage): Promise<ThreadAnswer[]> {
  const { task } = message;
  let setup: Setup;
  try {
    setup = setupOf(message);
  } catch (err) {
    return task.docs.map(() => failure(err));
  }
  if (task.unit !== undefined) {
    try {
      return task.kind === 'count' ? await countUnit(task, setup) : await cleanUnit(task as ThreadTask & { unit: string }, setup);
    } catch (err) {
      progress.index[0] = -1;
      // The shard could not be read or written: every record of the task shares the answer.
      return task.docs.map(() => failure(err));
    }
  }
  const answers: ThreadAnswer[] = [];
  for (const [i, doc] of task.docs.entries()) {
    progress.startedAt[0] = Date.now();
    progress.index[0] = i;
    try {
      if (task.kind === 'count') {
        if (setup.source.sharded) throw new Error('a file task for a batch of shards');
        const bytes = await setup.source.read(doc.rel, setup.config.limits.maxFileBytes);
        answers.push({ ok: true, kind: 'count', lines: documentLines(bytes, doc.rel, setup.config) });
      } else {
        answers.push(await clean(doc, task.rerun, setup));
      }
    } catch (err) {
      answers.push(failure(err));
    }
  }
  progress.index[0] = -1;
  return answers;
}

// Tasks are answered one after another, in the order they came: the main thread pairs answers with tasks by order.
let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (message: ThreadMessage) => {
  queue = queue.then(async () => parentPort!.postMessage(await answer(message)));
});
