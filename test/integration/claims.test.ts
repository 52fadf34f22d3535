import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startLocalRedis } from '../../src/cli/local-redis.js';
import { loadConfigWithSource } from '../../src/config.js';
import { BatchStore } from '../../src/queue/batches.js';
import { redisOptions } from '../../src/queue/connection.js';
import { QUEUE_NAME, type DocumentJob } from '../../src/queue/jobs.js';
import { claimsOf, enqueueFolder } from '../../src/queue/producer.js';
import { tempDir, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
afterAll(() => redis.disconnect());

const job = (jobId: string, ids: string[]) => ({ data: { docs: ids.map((id) => ({ id, seq: -1 })) }, opts: { jobId } });

describe('claim-queued.lua', () => {
  it('sent twice for the same job (its reply lost to a dropped connection) keeps the numbers it gave and counts each document once', async () => {
    const store = new BatchStore(redis, `t-claims-${Date.now()}`);
    const id = await store.create('/in', '/out', {}, { followLinks: false });
    const jobs = [job(`${id}-d0`, ['a', 'b', 'c']), job(`${id}-d1`, ['d', 'e'])];
    const first = await store.claimQueued(id, 'new', jobs);
    expect(first).toEqual([[0, 1, 2], [3, 4]]);
    expect(await store.claimQueued(id, 'new', jobs)).toEqual(first);
    expect((await store.get(id))!.queued).toBe(5);
    // Another job of the batch, or of another batch, still finds them claimed.
    expect(await store.claimQueued(id, 'new', [job(`${id}-d2`, ['a', 'f'])])).toEqual([[-1, 5]]);
    const other = await store.create('/in', '/out', {}, { followLinks: false });
    expect(await store.claimQueued(other, 'new', [job(`${other}-d0`, ['b', 'g'])])).toEqual([[-1, 0]]);
    // The same document twice in one call: claimed once, however often the call is sent.
    const twice = [job(`${id}-d3`, ['h', 'h'])];
    expect(await store.claimQueued(id, 'new', twice)).toEqual([[6, -1]]);
    expect(await store.claimQueued(id, 'new', twice)).toEqual([[6, -1]]);
    expect((await store.get(id))!.queued).toBe(7);
  });

  it('refuses a call whose jobs announce more documents than they send, claiming nothing', async () => {
    const store = new BatchStore(redis, `t-claims-${Date.now()}-bad`);
    const id = await store.create('/in', '/out', {}, { followLinks: false });
    const keys = [`t-claims-bad:${id}:queued`, `t-claims-bad:${id}`, `t-claims-bad:${id}:superseded`];
    await expect((store as any).script('vnpipeClaimQueued', ...keys, 'new', `${id}-d0`, 3, 'a\nb\n', '')).rejects.toThrow(/announced 3 documents, sent 2/);
    expect(await redis.exists(keys[0]!)).toBe(0);
  });
});

describe('a job whose claims passed to another job before it ran', () => {
  it('drops only the entries still its own when it ends; the job that took them drops them', async () => {
    const prefix = `t-superseded-${Date.now()}`;
    const store = new BatchStore(redis, prefix);
    const queue = new Queue(QUEUE_NAME, { connection: redis, prefix });
    try {
      // Batch A claims two documents for a job its producer never added, and dies (no lease).
      const a = await store.create('/in', '/out', {}, { followLinks: false });
      const [seqsA] = await store.claimQueued(a, 'new', [job(`${a}-d0`, ['x', 'y'])]);
      // Batch B's walk finds those claims stale and takes one of them.
      const b = await store.create('/in', '/out', {}, { followLinks: false });
      const { pending } = await claimsOf(queue, store, ['x'], [0], b);
      expect(pending).toEqual([false]);
      const [seqsB] = await store.claimQueued(b, 'new', [job(`${b}-d0`, ['x'])]);
      expect(seqsB).toEqual([0]);
      // A's job runs after all: it leaves B's entry for x, and drops its own for y.
      await store.recordCompleted(a, `${a}-d0`, ['x', 'y'].map((id, i) => ({ seq: seqsA![i]!, rel: `${id}.txt`, id, bytes: 1 })));
      expect((await store.queuedJobs(['x', 'y'])).map((e) => e?.jobId ?? null)).toEqual([`${b}-d0`, null]);
      await store.recordCompleted(b, `${b}-d0`, [{ seq: 0, rel: 'x.txt', id: 'x', bytes: 1 }]);
      expect(await redis.hlen(`${prefix}:queued-documents`)).toBe(0);
    } finally {
      await queue.close();
    }
  });
});

describe('record-outcomes.lua, documents packed', () => {
  it('counts each document and its bytes once, refuses numbers the batch never gave, and drops the claims of the job', async () => {
    const prefix = `t-outcomes-${Date.now()}`;
    const store = new BatchStore(redis, prefix);
    const id = await store.create('/in', '/out', {}, { followLinks: false });
    const [seqs] = await store.claimQueued(id, 'new', [job(`${id}-d0`, ['a', 'b', 'c', 'd'])]);
    expect(seqs).toEqual([0, 1, 2, 3]);
    const doc = (i: number, bytes: number) => ({ seq: seqs![i]!, rel: `f${i}.txt`, id: 'abcd'[i]!, bytes });
    expect(await store.recordCompleted(id, `${id}-d0`, [doc(0, 10), doc(1, 20)])).toBe(2);
    // Done again (a job that ran twice) with one new document, a number never given out, and a negative one.
    const again = [doc(1, 20), doc(2, 300), { seq: 99, rel: 'x.txt', id: 'x', bytes: 5000 }, { seq: -1, rel: 'y.txt', id: 'y', bytes: 7000 }];
    expect(await store.recordCompleted(id, `${id}-d0`, again)).toBe(1);
    let record = (await store.get(id))!;
    expect([record.completed, record.bytes]).toEqual([3, 330]);
    // The same documents, all known, one done before: its bytes are not counted again.
    expect(await store.recordCompleted(id, `${id}-d0`, [doc(2, 300), doc(3, 4000)])).toBe(1);
    record = (await store.get(id))!;
    expect([record.completed, record.bytes]).toEqual([4, 4330]);
    expect(await redis.hlen(`${prefix}:queued-documents`)).toBe(0);
  });
});

/** A folder of `n` short files in four subfolders. */
function folder(name: string, n: number): string {
  const input = join(tempDir(name), 'in');
  for (let d = 0; d < 4; d++) {
    mkdirSync(join(input, `d${d}`), { recursive: true });
    for (let i = 0; i < n / 4; i++) writeFileSync(join(input, `d${d}`, `${i}.txt`), `Văn bản số ${d}-${i}.`);
  }
  return input;
}

/**
 * Enqueues `n` files on `url` under `prefix` with stand-in workers (no cleaning: what is
 * tested is the bookkeeping), `patch` changing the producer's queue or store first, and
 * returns the ended batch and how often each number ran.
 */
async function walk(
  url: string,
  prefix: string,
  n: number,
  patch: (queue: Queue, batches: BatchStore) => ((queued: number) => void) | void,
  jobMs = 0,
  holdUntilWalked = false,
): Promise<{ queued: number; completed: number; ran: Map<number, number> }> {
  let walked = () => {};
  const walkEnded = new Promise<void>((r) => (walked = r));
  const client = new Redis(url, redisOptions('client'));
  client.on('error', () => {});
  const workerConnection = new Redis(url, { maxRetriesPerRequest: null });
  workerConnection.on('error', () => {});
  const queue = new Queue(QUEUE_NAME, { connection: client, prefix });
  queue.on('error', () => {});
  const batches = new BatchStore(client, prefix);
  const input = folder(prefix, n);
  const ran = new Map<number, number>();
  const worker = new Worker<DocumentJob>(
    QUEUE_NAME,
    async (j) => {
      if (holdUntilWalked) await walkEnded;
      for (const d of j.data.docs) ran.set(d.seq, (ran.get(d.seq) ?? 0) + 1);
      await batches.recordCompleted(j.data.batch, j.id!, j.data.docs.map((d) => ({ seq: d.seq, rel: d.rel, id: d.id, bytes: d.size })));
      await new Promise((r) => setTimeout(r, jobMs));
    },
    { connection: workerConnection, prefix, concurrency: 2 },
  );
  worker.on('error', () => {});
  const progress = patch(queue, batches) ?? (() => {});
  try {
    // Workers held until the walk ends need a window that holds the whole folder.
    const { config, raw } = loadConfigWithSource(undefined, { queue: { documentsPerJob: 50, enqueueWindow: holdUntilWalked ? 10 * n : 1000 } });
    const result = await enqueueFolder(queue, batches, {
      root: input, out: join(input, '..', 'out'), rawConfig: raw, config, learn: false, onProgress: (c) => progress(c.queued),
    }).finally(walked);
    const record = await waitFor(async () => {
      const r = await batches.get(result.batchId);
      return r?.finishedAt ? r : null;
    }, 60_000, 100);
    return { queued: record.queued, completed: record.completed, ran };
  } finally {
    await worker.close();
    await queue.close();
    client.disconnect();
    workerConnection.disconnect();
  }
}

const dropped = () => Object.assign(new Error('Command aborted due to connection close'), { name: 'AbortError' });
const everyNumber = (n: number) => Array.from({ length: n }, (_, i) => i);
const numbersRun = (ran: Map<number, number>) => [...ran.keys()].sort((a, b) => a - b);

describe('enqueue when Redis drops the connection mid-walk', () => {
  it('walks on when a chunk\'s jobs were added but the reply was lost: nothing queued twice', async () => {
    const N = 3000;
    const { queued, completed, ran } = await walk(inject('redisUrl'), `t-drop-after-${Date.now()}`, N, (queue) => {
      const addBulk = queue.addBulk.bind(queue);
      let calls = 0;
      queue.addBulk = async (jobs) => {
        const added = await addBulk(jobs);
        if (++calls === 2) throw dropped();
        return added;
      };
      // Its jobs still pending when the chunk is walked again: a stand-in worker writes no
      // output, so a document done meanwhile would be queued again (a real one's output
      // is up to date, and skipped).
    }, 0, true);
    expect([queued, completed]).toEqual([N, N]);
    expect(numbersRun(ran)).toEqual(everyNumber(N));
    expect([...ran.values()].every((times) => times === 1)).toBe(true);
  });

  it('walks on when a chunk\'s jobs were never added: its claims are taken over under their numbers, counted once', async () => {
    const N = 3000;
    const { queued, completed, ran } = await walk(inject('redisUrl'), `t-drop-before-${Date.now()}`, N, (queue) => {
      const addBulk = queue.addBulk.bind(queue);
      let calls = 0;
      queue.addBulk = async (jobs) => {
        if (++calls === 2) throw dropped();
        return addBulk(jobs);
      };
    });
    expect([queued, completed]).toEqual([N, N]);
    expect(numbersRun(ran)).toEqual(everyNumber(N));
  });

  it('keeps the numbers of a claim call that ran twice (ioredis sends a call again after a reconnect)', async () => {
    const N = 3000;
    const { queued, completed, ran } = await walk(inject('redisUrl'), `t-claim-twice-${Date.now()}`, N, (_queue, batches) => {
      const claim = batches.claimQueued.bind(batches);
      batches.claimQueued = async (...args) => {
        await claim(...args);
        return claim(...args);
      };
    });
    expect([queued, completed]).toEqual([N, N]);
    expect(numbersRun(ran)).toEqual(everyNumber(N));
  });

  it('takes its lease again when it ran out while Redis was away and nobody resumed the batch, and walks on', async () => {
    const N = 3000;
    const prefix = `t-lease-${Date.now()}`;
    let dropped = 0;
    const { queued, completed } = await walk(inject('redisUrl'), prefix, N, (queue) => {
      const addBulk = queue.addBulk.bind(queue);
      let calls = 0;
      queue.addBulk = async (jobs) => {
        if (++calls === 2) {
          // The lease runs out (Redis away longer than it lasts), and the producer's renewal (every 5 s) finds it gone.
          const keys = await redis.keys(`${prefix}:batch:*:producer`);
          dropped = await redis.del(...keys);
          await new Promise((r) => setTimeout(r, 5_500));
        }
        return addBulk(jobs);
      };
    });
    expect(dropped).toBe(1);
    expect([queued, completed]).toEqual([N, N]);
  }, 120_000);

  it('stops when another producer took its lease meanwhile (enqueue --resume while it stalled)', async () => {
    const prefix = `t-lease-taken-${Date.now()}`;
    const walking = walk(inject('redisUrl'), prefix, 3000, (queue) => {
      const addBulk = queue.addBulk.bind(queue);
      let calls = 0;
      queue.addBulk = async (jobs) => {
        if (++calls === 2) {
          const [key] = await redis.keys(`${prefix}:batch:*:producer`);
          await redis.set(key!, 'another-producer', 'PX', 15_000);
          await new Promise((r) => setTimeout(r, 5_500));
        }
        return addBulk(jobs);
      };
    });
    await expect(walking).rejects.toThrow(/was taken over by another producer/);
  }, 120_000);

  it('waits for a Redis that restarts (AOF) mid-walk, and walks on: every document queued once, the batch ends with its counts exact', async () => {
    const server = await startLocalRedis({ appendOnly: true });
    const N = 4000;
    let restarted: Promise<void> | null = null;
    try {
      // Workers slow enough that the walk waits for room, and Redis restarts while it is mid-walk.
      const { queued, completed, ran } = await walk(server.url, 'restart', N, () => (queued) => {
        if (queued >= 1000 && !restarted) restarted = server.restart(300);
      }, 100);
      expect(restarted).not.toBeNull();
      expect([queued, completed]).toEqual([N, N]);
      // Every number given out ran, at least once (a job cut off by the restart runs again).
      expect(numbersRun(ran)).toEqual(everyNumber(N));
    } finally {
      await restarted;
      await server.stop();
    }
  }, 120_000);
});
