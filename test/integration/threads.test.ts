import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigWithSource } from '../../src/config.js';
import { DocumentThreads, SETUPS_PER_THREAD, type BatchSetup, type ThreadAnswer } from '../../src/queue/document-threads.js';
import { documentLines } from '../../src/text/learned.js';
import { processDocument } from '../../src/text/pipeline.js';
import { ROOT, SAMPLES, tempDir } from '../support/cli.js';

const ECHO_THREAD = join(ROOT, 'test', 'fixtures', 'threads', 'echo-thread.mjs');
const { config, raw } = loadConfigWithSource();
const setup: BatchSetup = { config: raw, profile: null, out: '/nowhere' };
const pools: DocumentThreads[] = [];

afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

function pool(count: number, file?: string, onDeath?: (err: Error) => void): DocumentThreads {
  const p = new DocumentThreads(count, file, onDeath);
  pools.push(p);
  return p;
}

const task = (path: string) => ({ kind: 'clean' as const, batch: 'b', path, rel: path, out: path });

/** The echo thread's answer: which task it ran, and whether the setup came with it. */
function echoed(answer: ThreadAnswer): { out: string; setupSent: boolean } {
  if (!answer.ok || answer.kind !== 'clean') throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
  return answer.result as unknown as { out: string; setupSent: boolean };
}

describe('document threads', () => {
  it('a thread that dies fails the task it ran; the tasks behind it run on a new thread', async () => {
    const deaths: string[] = [];
    const threads = pool(1, ECHO_THREAD, (err) => deaths.push(err.message));
    const runs = ['a', 'die', 'b', 'c'].map((path) => threads.run(task(path), 'b/clean', setup));
    const settled = await Promise.allSettled(runs);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe('the document thread died: exit code 7');
    expect(deaths).toEqual(['exit code 7']);
    // The new thread has not seen the batch: its first task brings the setup again.
    const after = settled.filter((s) => s.status === 'fulfilled').map((s) => echoed((s as PromiseFulfilledResult<ThreadAnswer>).value));
    expect(after).toEqual([
      { out: 'a', setupSent: true },
      { out: 'b', setupSent: true },
      { out: 'c', setupSent: false },
    ]);
    expect(echoed(await threads.run(task('d'), 'b/clean', setup))).toEqual({ out: 'd', setupSent: false });
  });

  it('sends a setup once per thread, and again once the thread has dropped it', async () => {
    const threads = pool(1, ECHO_THREAD);
    const sent = async (key: string) => echoed(await threads.run(task(key), key, setup)).setupSent;
    expect(await sent('k0')).toBe(true);
    expect(await sent('k0')).toBe(false);
    for (let i = 1; i <= SETUPS_PER_THREAD; i++) expect(await sent(`k${i}`)).toBe(true);
    expect(await sent('k0')).toBe(true);
    expect(await sent(`k${SETUPS_PER_THREAD}`)).toBe(false);
  });

  it('spreads tasks over the threads before giving any a second', async () => {
    const threads = pool(2, ECHO_THREAD);
    // Each thread gets the setup with its first task: two tasks, two setups.
    const answers = await Promise.all(['a', 'b'].map((p) => threads.run(task(p), 'k', setup)));
    expect(answers.map((a) => echoed(a).setupSent)).toEqual([true, true]);
  });

  it('rejects work once closed', async () => {
    const threads = pool(1, ECHO_THREAD);
    await threads.close();
    await expect(threads.run(task('a'), 'k', setup)).rejects.toThrow('document threads are closing');
  });
});

describe('the real document thread', () => {
  it('writes the same document as the in-process pipeline, and counts the same lines', async () => {
    const out = tempDir('thread-out');
    const threads = pool(1);
    const name = '000_e15030ee0d383edd.txt';
    const path = join(SAMPLES, name);
    const target = join(out, '000.json');
    const clean = await threads.run({ kind: 'clean', batch: 'b', path, rel: name, out: target }, 'b/clean', { ...setup, out });
    const expected = processDocument(readFileSync(path), name, config);
    expect(readFileSync(target, 'utf8')).toBe(`${JSON.stringify(expected)}\n`);
    expect(clean).toMatchObject({ ok: true, kind: 'clean', result: { out: target, characters: expected.text.length, sentences: expected.sentences.length } });

    const count = await threads.run({ kind: 'count', batch: 'b', path, rel: name, out: '' }, 'b/count', setup);
    expect(count).toEqual({ ok: true, kind: 'count', lines: documentLines(readFileSync(path), name, config) });
  });

  it("answers a document's own failure with its reason, and any other error without one", async () => {
    const threads = pool(1);
    const missing = await threads.run(task(join(tempDir('gone'), 'gone.txt')), 'b/clean', setup);
    expect(missing).toMatchObject({ ok: false, reason: 'missing' });
    const broken = await threads.run(task(join(SAMPLES, '001_cfab3d3de795dabf.txt')), 'bad', { ...setup, config: { ...raw, limits: { maxFileBytes: -1 } } });
    expect(broken).toMatchObject({ ok: false, reason: null, message: expect.stringMatching(/^config error in batch b: limits.maxFileBytes/) });
  });
});
