/**
 * A document thread: the CPU-bound part of a job, off the worker's event loop. A clean
 * task reads each of its files, runs the pure pipeline and writes the output atomically;
 * a count task counts each document's lines for the learning pass. The thread never
 * talks to Redis: the worker's main thread records the outcomes while this one starts
 * the next task.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileConfig, type Config } from '../src/config.js';
import { DocumentError } from '../src/errors.js';
import { openSink, type Sink } from '../src/io/sink.js';
import { openSource, type Source } from '../src/io/source.js';
import { documentProgress, SETUPS_PER_THREAD, type BatchSetup, type ThreadAnswer, type ThreadMessage, type ThreadTask } from '../src/queue/document-threads.js';
import { compileProfile, documentLines, type LearnedLines } from '../src/text/learned.js';
import { processDocumentTimed } from '../src/text/pipeline.js';

interface Setup {
  config: Config;
  source: Source;
  sink: Sink;
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
    return {
      config: compileConfig(message.setup.config, `batch ${message.task.batch}`),
      source: openSource(message.setup.root, { followLinks: message.setup.followLinks }),
      sink: openSink(message.setup.out),
      learned: message.setup.profile ? compileProfile(message.setup.profile) : undefined,
    };
  } catch (err) {
    return err as Error;
  }
}

function setupOf(message: ThreadMessage): Setup {
  if (message.setup) {
    setups.set(message.setupKey, compile(message as ThreadMessage & { setup: BatchSetup }));
    if (setups.size > SETUPS_PER_THREAD) setups.delete(setups.keys().next().value!);
  }
  const found = setups.get(message.setupKey);
  if (!found) throw new Error(`no setup ${message.setupKey} in this thread`);
  if (found instanceof Error) throw found;
  return found;
}

function clean(doc: ThreadTask['docs'][number], rerun: boolean, { config, source, sink, learned }: Setup): ThreadAnswer {
  const bytes = source.read(doc.rel, config.limits.maxFileBytes);
  const { doc: cleaned, timings } = processDocumentTimed(bytes, doc.rel, config, learned);
  if (rerun) sink.removeLeftovers(doc.rel);
  sink.write(doc.rel, `${JSON.stringify(cleaned)}\n`);
  const removed: Record<string, number> = {};
  for (const r of cleaned.metadata.removed) removed[r.reason] = (removed[r.reason] ?? 0) + 1;
  return {
    ok: true,
    kind: 'clean',
    result: {
      out: sink.locate(doc.rel),
      bytes: bytes.length,
      characters: cleaned.text.length,
      sentences: cleaned.sentences.length,
      language: cleaned.metadata.language,
      removed,
      stageMs: timings,
    },
  };
}

function failure(err: unknown): ThreadAnswer {
  if (err instanceof DocumentError) return { ok: false, reason: err.reason, message: err.message };
  return { ok: false, reason: null, message: (err as Error).message };
}

function answer(message: ThreadMessage): ThreadAnswer[] {
  const { task } = message;
  let setup: Setup;
  try {
    setup = setupOf(message);
  } catch (err) {
    return task.docs.map(() => failure(err));
  }
  const answers = task.docs.map((doc, i): ThreadAnswer => {
    progress.startedAt[0] = Date.now();
    progress.index[0] = i;
    try {
      if (task.kind === 'count') {
        return { ok: true, kind: 'count', lines: documentLines(setup.source.read(doc.rel, setup.config.limits.maxFileBytes), doc.rel, setup.config) };
      }
      return clean(doc, task.rerun, setup);
    } catch (err) {
      return failure(err);
    }
  });
  progress.index[0] = -1;
  return answers;
}

parentPort!.on('message', (message: ThreadMessage) => parentPort!.postMessage(answer(message)));
