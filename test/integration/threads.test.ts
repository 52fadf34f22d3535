import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const task = (path: string) => ({ kind: 'clean' as const, batch: 'b', docs: [{ path, rel: path, out: path }], rerun: false });

/** The echo thread's answer to a one-document task: which document it ran, and whether the setup came with it. */
function echoed(answers: ThreadAnswer[]): { out: string; setupSent: boolean } {
  const [answer] = answers;
  if (answers.length !== 1 || !answer?.ok || answer.kind !== 'clean') throw new Error(`unexpected answer ${JSON.stringify(answers)}`);
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
    const after = settled.filter((s) => s.status === 'fulfilled').map((s) => echoed((s as PromiseFulfilledResult<ThreadAnswer[]>).value));
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
    const [clean] = await threads.run({ kind: 'clean', batch: 'b', docs: [{ path, rel: name, out: target }], rerun: false }, 'b/clean', { ...setup, out });
    const expected = processDocument(readFileSync(path), name, config);
    expect(readFileSync(target, 'utf8')).toBe(`${JSON.stringify(expected)}\n`);
    expect(clean).toMatchObject({ ok: true, kind: 'clean', result: { out: target, characters: expected.text.length, sentences: expected.sentences.length } });

    const count = await threads.run({ kind: 'count', batch: 'b', docs: [{ path, rel: name, out: '' }], rerun: false }, 'b/count', setup);
    expect(count).toEqual([{ ok: true, kind: 'count', lines: documentLines(readFileSync(path), name, config) }]);
  });

  it('writing a document again removes the temporary files a killed writer left beside its output, and only those', async () => {
    const out = tempDir('thread-rerun');
    const threads = pool(1);
    const name = '000_e15030ee0d383edd.txt';
    const target = join(out, '000.json');
    const leftovers = ['000.json.4242.1.0badf00d.7.tmp', '000.json.4242.2.deadbeef.12.tmp'];
    const others = ['000.json.json.4242.1.0badf00d.8.tmp', '0000.json.4242.1.0badf00d.9.tmp', '000.json.notes.tmp'];
    for (const f of [...leftovers, ...others]) writeFileSync(join(out, f), '{"partial');
    const docs = [{ path: join(SAMPLES, name), rel: name, out: target }];
    await threads.run({ kind: 'clean', batch: 'b', docs, rerun: false }, 'b/clean', { ...setup, out });
    expect(readdirSync(out).sort()).toEqual(['000.json', ...leftovers, ...others].sort());
    await threads.run({ kind: 'clean', batch: 'b', docs, rerun: true }, 'b/clean', { ...setup, out });
    expect(readdirSync(out).sort()).toEqual(['000.json', ...others].sort());
  });

  it("answers each document of a task: its own failure with its reason, and any other error without one", async () => {
    const threads = pool(1);
    const out = tempDir('thread-mixed');
    const good = join(SAMPLES, '001_cfab3d3de795dabf.txt');
    const mixed = await threads.run(
      { kind: 'clean', batch: 'b', docs: [{ path: join(tempDir('gone'), 'gone.txt'), rel: 'gone.txt', out: join(out, 'gone.json') }, { path: good, rel: '001.txt', out: join(out, '001.json') }], rerun: false },
      'b/clean',
      { ...setup, out },
    );
    expect(mixed).toMatchObject([{ ok: false, reason: 'missing' }, { ok: true, kind: 'clean', result: { out: join(out, '001.json') } }]);
    const broken = await threads.run({ ...task(good), docs: [{ path: good, rel: 'a', out: 'a' }, { path: good, rel: 'b', out: 'b' }] }, 'bad', {
      ...setup,
      config: { ...raw, limits: { maxFileBytes: -1 } },
    });
    expect(broken).toMatchObject([
      { ok: false, reason: null, message: expect.stringMatching(/^config error in batch b: limits.maxFileBytes/) },
      { ok: false, reason: null, message: expect.stringMatching(/^config error in batch b: limits.maxFileBytes/) },
    ]);
  });
});
