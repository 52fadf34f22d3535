import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { JsonObject } from '../config.js';
import { PACKAGE_ROOT } from '../config.js';
import type { FailureReason } from '../errors.js';
import type { DocumentLines, Profile } from '../text/learned.js';
import type { DocumentResult } from './jobs.js';

/** The compiled thread entry (npm run build writes it). */
export const DOCUMENT_THREAD_FILE = join(PACKAGE_ROOT, 'dist', 'workers', 'document-thread.js');

/** What a thread needs to handle a batch's documents; sent once per thread and batch. */
export interface BatchSetup {
  /** The batch's merged config JSON. */
  config: JsonObject;
  /** The learned profile to clean with; null for the counting pass. */
  profile: Profile | null;
  /** The batch's input (a folder, or a shard location), from its record: a task's keys are read below it. */
  root: string;
  /** Symbolic links in the input are followed. */
  followLinks: boolean;
  /** The batch's output folder, from its record. */
  out: string;
}

/**
 * Clean documents (read, pipeline, write), or count their lines for the learning pass.
 * A task carries several documents: a message to a thread and back costs about 25 µs,
 * a tenth of cleaning a news article.
 */
export interface ThreadTask {
  kind: 'clean' | 'count';
  batch: string;
  /** The documents' keys in the batch's source: never paths. */
  docs: { rel: string }[];
  /** The documents ran before, perhaps in a worker killed mid-write: remove what that left. */
  rerun: boolean;
  /**
   * A unit of a shard (`<shard>#<first record>`): the thread reads and cleans all its
   * records and writes them as one output shard; `docs` are the records it answers for.
   */
  unit?: string;
  /** Records of the unit that failed for good before: left out of the shard, not run again. */
  leaveOut?: string[];
}

/** A thread answers a task with one of these per document, in order. */
export type ThreadAnswer =
  | { ok: true; kind: 'clean'; result: DocumentResult }
  | { ok: true; kind: 'count'; lines: DocumentLines }
  /** `reason` is null for an error that is not the document's fault (it may pass on a retry). */
  | { ok: false; reason: FailureReason | null; message: string };

export interface ThreadMessage {
  task: ThreadTask;
  /** Key of the setup the task uses; `setup` comes with the first task of each key. */
  setupKey: string;
  setup?: BatchSetup;
}

interface Pending {
  task: ThreadTask;
  setupKey: string;
  setup: BatchSetup;
  resolve: (answers: ThreadAnswer[]) => void;
  reject: (err: Error) => void;
}

interface Slot {
  thread: Worker;
  /** Sent and not answered, oldest first: a thread answers in order. */
  inFlight: Pending[];
  seen: Set<string>;
  /**
   * Written by the thread (shared memory: reading it costs no message): the index of
   * the document it is on within its task, or -1 between documents; and when that
   * document started (ms since the epoch).
   */
  progress: DocumentProgress;
  /** Gives the thread's tasks back or fails them, and puts a new thread in its place. */
  die: (err: Error, cause: DeathCause) => void;
}

/** Bytes of a thread's progress record: the start time (Float64) and the document's index (Int32). */
export const PROGRESS_BYTES = 16;

/** Views of a thread's progress record, the same layout on both sides. */
export interface DocumentProgress {
  /** The index of the document the thread is on within its task, -1 between documents. */
  index: Int32Array;
  /** When that document started, ms since the epoch. */
  startedAt: Float64Array;
}

export function documentProgress(buffer: SharedArrayBuffer): DocumentProgress {
  const progress = { index: new Int32Array(buffer, 8, 1), startedAt: new Float64Array(buffer, 0, 1) };
  progress.index[0] = -1;
  return progress;
}

/** Why a thread was lost, when it is known: it is the fault of the document it was on. */
type DeathCause = 'timeout' | 'out-of-memory' | null;

export interface ThreadLimits {
  /** A document that runs longer fails as `timeout`, and its thread is replaced. */
  documentTimeoutMs: number;
  /** Heap of one thread: a document that needs more fails as `out-of-memory` without taking the worker down. */
  heapMb: number;
}

/**
 * Tasks a thread holds at once: the one it runs and the next, so it never waits for
 * the main thread between documents. More would only lose attempts when it dies.
 */
const IN_FLIGHT_PER_THREAD = 2;

/** Batch setups a thread keeps compiled; the oldest goes first. */
export const SETUPS_PER_THREAD = 16;

/**
 * A fixed set of threads that run the CPU-bound part of document jobs, so the worker's
 * event loop stays free for Redis (locks, fetching the next jobs, counters) while the
 * threads work. A thread that dies, or that the watchdog stops, answers for the task it
 * was running: the document it was on fails when the cause is its own (time limit,
 * heap), the others run again with the job's retry; the tasks queued behind it go back
 * to the queue, and a new thread takes its place.
 */
export class DocumentThreads {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private closing = false;
  private readonly watchdog: NodeJS.Timeout;

  constructor(
    count: number,
    private readonly limits: ThreadLimits,
    private readonly file = DOCUMENT_THREAD_FILE,
    private readonly onDeath: (err: Error) => void = () => {},
  ) {
    for (let i = 0; i < count; i++) this.slots.push(this.spawn());
    // A thread stuck in one document holds no lock and answers no message: only a look
    // from outside finds it. A quarter of the limit keeps the overshoot small.
    this.watchdog = setInterval(() => this.stopStuckThreads(), Math.max(10, Math.min(1000, limits.documentTimeoutMs / 4)));
    this.watchdog.unref();
  }

  run(task: ThreadTask, setupKey: string, setup: BatchSetup): Promise<ThreadAnswer[]> {
    if (this.closing) return Promise.reject(new Error('document threads are closing'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ task, setupKey, setup, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the threads; tasks not yet answered fail. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.watchdog);
    for (const p of this.waiting.splice(0)) p.reject(new Error('document threads closed'));
    await Promise.all(this.slots.map((s) => s.thread.terminate()));
  }

  private spawn(): Slot {
    const progress = new SharedArrayBuffer(PROGRESS_BYTES);
    const thread = new Worker(this.file, { workerData: { progress }, resourceLimits: { maxOldGenerationSizeMb: this.limits.heapMb } });
    const slot: Slot = { thread, inFlight: [], seen: new Set(), progress: documentProgress(progress), die: () => {} };
    thread.on('message', (answers: ThreadAnswer[]) => {
      slot.inFlight.shift()?.resolve(answers);
      this.dispatch();
    });
    let dead = false;
    slot.die = (err, cause) => {
      if (dead) return;
      dead = true;
      const [running, ...queued] = slot.inFlight.splice(0);
      if (running) running.resolve(this.answersAfterDeath(running.task, slot.progress.index[0]!, cause, err));
      this.waiting.unshift(...queued);
      if (this.closing) return;
      this.onDeath(err);
      this.slots[this.slots.indexOf(slot)] = this.spawn();
      this.dispatch();
    };
    thread.on('error', (err: Error & { code?: string }) => slot.die(err, err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out-of-memory' : null));
    thread.on('exit', (code) => slot.die(new Error(`exit code ${code}`), null));
    return slot;
  }

  /**
   * The running task's answers when its thread is gone: the document it was on fails
   * for the cause found (a time-out, a heap overflow) or, for a crash of unknown cause,
   * with an error that is not its own; the others did not get their answers back and run
   * again with the job's retry.
   */
  private answersAfterDeath(task: ThreadTask, current: number, cause: DeathCause, err: Error): ThreadAnswer[] {
    return task.docs.map((doc, i) => {
      if (i !== current || cause === null) return { ok: false, reason: null, message: `the document thread died (${err.message}) while on ${task.docs[current]?.rel ?? 'a document'}` };
      return cause === 'timeout'
        ? { ok: false, reason: 'timeout', message: `${doc.rel} ran longer than ${this.limits.documentTimeoutMs} ms (limits.documentTimeoutMs); its thread was replaced` }
        : { ok: false, reason: 'out-of-memory', message: `${doc.rel} needed more than the thread's ${this.limits.heapMb} MB heap (limits.threadHeapMb)` };
    });
  }

  /**
   * Replaces each thread that has been on one document for longer than the limit. Only
   * time spent on a document counts: a thread starting up or compiling a batch's
   * setup is on none.
   */
  private stopStuckThreads(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      if (slot.inFlight.length > 0 && slot.progress.index[0]! >= 0 && now - slot.progress.startedAt[0]! > this.limits.documentTimeoutMs) {
        slot.die(new Error('document time limit'), 'timeout');
        void slot.thread.terminate();
      }
    }
  }

  /** Fills every thread to one task before any gets a second, so work spreads evenly. */
  private dispatch(): void {
    for (let depth = 1; depth <= IN_FLIGHT_PER_THREAD; depth++) {
      for (const slot of this.slots) {
        if (this.waiting.length === 0) return;
        if (slot.inFlight.length < depth) this.send(slot, this.waiting.shift()!);
      }
    }
  }

  private send(slot: Slot, pending: Pending): void {
    const message: ThreadMessage = { task: pending.task, setupKey: pending.setupKey };
    if (!slot.seen.has(pending.setupKey)) {
      message.setup = pending.setup;
      slot.seen.add(pending.setupKey);
      // The thread forgets the oldest setup at the same moment (same order, same bound).
      if (slot.seen.size > SETUPS_PER_THREAD) slot.seen.delete(slot.seen.values().next().value!);
    }
    slot.inFlight.push(pending);
    slot.thread.postMessage(message);
  }
}
