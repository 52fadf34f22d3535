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
  /** The batch's output folder. */
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
  docs: { path: string; rel: string; out: string }[];
  /** The documents ran before, perhaps in a worker killed mid-write: remove what that left. */
  rerun: boolean;
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
 * threads work. A thread that dies fails the task it was running (the job retries it)
 * and gives the tasks queued behind it back; a new thread takes its place.
 */
export class DocumentThreads {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private closing = false;

  constructor(
    count: number,
    private readonly file = DOCUMENT_THREAD_FILE,
    private readonly onDeath: (err: Error) => void = () => {},
  ) {
    for (let i = 0; i < count; i++) this.slots.push(this.spawn());
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
    for (const p of this.waiting.splice(0)) p.reject(new Error('document threads closed'));
    await Promise.all(this.slots.map((s) => s.thread.terminate()));
  }

  private spawn(): Slot {
    const slot: Slot = { thread: new Worker(this.file), inFlight: [], seen: new Set() };
    slot.thread.on('message', (answers: ThreadAnswer[]) => {
      slot.inFlight.shift()?.resolve(answers);
      this.dispatch();
    });
    let dead = false;
    const die = (err: Error) => {
      if (dead) return;
      dead = true;
      const [running, ...queued] = slot.inFlight.splice(0);
      running?.reject(new Error(`the document thread died: ${err.message}`));
      this.waiting.unshift(...queued);
      if (this.closing) return;
      this.onDeath(err);
      this.slots[this.slots.indexOf(slot)] = this.spawn();
      this.dispatch();
    };
    slot.thread.on('error', die);
    slot.thread.on('exit', (code) => die(new Error(`exit code ${code}`)));
    return slot;
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
