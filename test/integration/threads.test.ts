import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigWithSource } from '../../src/config.js';
import { DocumentThreads, SETUPS_PER_THREAD, type BatchSetup, type ThreadAnswer } from '../../src/queue/document-threads.js';
import { documentLines } from '../../src/text/learned.js';
import { processDocument } from '../../src/text/pipeline.js';
import { ROOT, SAMPLES, tempDir } from '../support/cli.js';

const ECHO_THREAD = join(ROOT, 'test', 'fixtures', 'threads', 'echo-thread.mjs');
const { config, raw } = loadConfigWithSource();
const setup: BatchSetup = { config: raw, profile: null, root: SAMPLES, followLinks: false, out: '/nowhere' };
const LIMITS = { documentTimeoutMs: 60_000, heapMb: 512 };
const pools: DocumentThreads[] = [];

afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

function pool(count: number, file?: string, onDeath?: (err: Error) => void, limits = LIMITS): DocumentThreads {
  const p = new DocumentThreads(count, limits, file, onDeath);
  pools.push(p);
  return p;
}

const task = (...rels: string[]) => ({ kind: 'clean' as const, batch: 'b', docs: rels.map((rel) => ({ rel })), rerun: false });

/** The echo thread's answer to a one-document task: which document it ran, and whether the setup came with it. */
function echoed(answers: ThreadAnswer[]): { out: string; setupSent: boolean } {
  const [answer] = answers;
  if (answers.length !== 1 || !answer?.ok || answer.kind !== 'clean') throw new Error(`unexpected answer ${JSON.stringify(answers)}`);
  return answer.result as unknown as { out: string; setupSent: boolean };
}

describe('document threads', () => {
  it('a thread that dies fails the task it ran with an error that is not the documents\' own; the tasks behind it run on a new thread', async () => {
    const deaths: string[] = [];
    const threads = pool(1, ECHO_THREAD, (err) => deaths.push(err.message));
    const runs = ['a', 'die', 'b', 'c'].map((rel) => threads.run(task(rel), 'b/clean', setup));
    const settled = await Promise.all(runs);
    expect(settled[1]).toEqual([{ ok: false, reason: null, message: 'the document thread died (exit code 7) while on die' }]);
    expect(deaths).toEqual(['exit code 7']);
    // The new thread has not seen the batch: its first task brings the setup again.
    const after = [settled[0]!, settled[2]!, settled[3]!].map(echoed);
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

  it('replaces a thread stuck in one document: that document fails as timeout, the others of its task run again', async () => {
    const deaths: string[] = [];
    const threads = pool(1, ECHO_THREAD, (err) => deaths.push(err.message), { documentTimeoutMs: 300, heapMb: 512 });
    const [stuck, next] = await Promise.all([threads.run(task('a', 'hang', 'b'), 'k', setup), threads.run(task('c'), 'k', setup)]);
    expect(stuck).toEqual([
      { ok: false, reason: null, message: expect.stringContaining('while on hang') },
      { ok: false, reason: 'timeout', message: 'hang ran longer than 300 ms (limits.documentTimeoutMs); its thread was replaced' },
      { ok: false, reason: null, message: expect.stringContaining('while on hang') },
    ]);
    expect(echoed(next)).toEqual({ out: 'c', setupSent: true });
    expect(deaths).toEqual(['document time limit']);
  });

  it('a document that fills its thread\'s heap fails as out-of-memory; the worker process lives on', async () => {
    const threads = pool(1, ECHO_THREAD, undefined, { documentTimeoutMs: 60_000, heapMb: 64 });
    const [answer] = await threads.run(task('oom'), 'k', setup);
    expect(answer).toMatchObject({ ok: false, reason: 'out-of-memory' });
    expect(echoed(await threads.run(task('d'), 'k', setup))).toEqual({ out: 'd', setupSent: true });
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
    const target = join(out, `${name}.json`);
    const [clean] = await threads.run({ kind: 'clean', batch: 'b', docs: [{ rel: name }], rerun: false }, 'b/clean', { ...setup, out });
    const expected = processDocument(readFileSync(path), name, config);
    expect(readFileSync(target, 'utf8')).toBe(`${JSON.stringify(expected)}\n`);
    expect(clean).toMatchObject({ ok: true, kind: 'clean', result: { out: target, characters: expected.text.length, sentences: expected.sentences.length } });

    const count = await threads.run({ kind: 'count', batch: 'b', docs: [{ rel: name }], rerun: false }, 'b/count', setup);
    expect(count).toEqual([{ ok: true, kind: 'count', lines: documentLines(readFileSync(path), name, config) }]);
  });

  it('writing a document again removes the temporary files a killed writer left beside its output, and only those', async () => {
    const out = tempDir('thread-rerun');
    const threads = pool(1);
    const name = '000_e15030ee0d383edd.txt';
    const target = `${name}.json`;
    const leftovers = [`${target}.4242.1.0badf00d.7.tmp`, `${target}.4242.2.deadbeef.12.tmp`];
    const others = [`${target}.json.4242.1.0badf00d.8.tmp`, `0${target}.4242.1.0badf00d.9.tmp`, `${target}.notes.tmp`];
    for (const f of [...leftovers, ...others]) writeFileSync(join(out, f), '{"partial');
    const docs = [{ rel: name }];
    await threads.run({ kind: 'clean', batch: 'b', docs, rerun: false }, 'b/clean', { ...setup, out });
    expect(readdirSync(out).sort()).toEqual([target, ...leftovers, ...others].sort());
    await threads.run({ kind: 'clean', batch: 'b', docs, rerun: true }, 'b/clean', { ...setup, out });
    expect(readdirSync(out).sort()).toEqual([target, ...others].sort());
  });

  it("answers each document of a task: its own failure with its reason, and any other error without one", async () => {
    const threads = pool(1);
    const out = tempDir('thread-mixed');
    const good = '001_cfab3d3de795dabf.txt';
    const mixed = await threads.run(task('gone.txt', good), 'b/clean', { ...setup, out });
    expect(mixed).toMatchObject([{ ok: false, reason: 'missing' }, { ok: true, kind: 'clean', result: { out: join(out, `${good}.json`) } }]);
    const broken = await threads.run(task('a', 'b'), 'bad', {
      ...setup,
      config: { ...raw, limits: { ...raw.limits as object, maxFileBytes: -1 } },
    });
    expect(broken).toMatchObject([
      { ok: false, reason: null, message: expect.stringMatching(/^config error in batch b: limits.maxFileBytes/) },
      { ok: false, reason: null, message: expect.stringMatching(/^config error in batch b: limits.maxFileBytes/) },
    ]);
  });

  it('trusts no key in a task: paths out of the input folder and links out of it are refused, nothing is written for them', async () => {
    const threads = pool(1);
    const root = tempDir('thread-root');
    const out = tempDir('thread-refuse');
    const outside = tempDir('thread-outside');
    writeFileSync(join(outside, 'secret.txt'), 'Mật khẩu của máy chủ là một chuỗi dài.');
    mkdirSync(join(root, 'sub'));
    symlinkSync(outside, join(root, 'sub', 'escape'));
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    writeFileSync(join(root, 'ok.txt'), readFileSync(join(SAMPLES, '001_cfab3d3de795dabf.txt')));
    const keys = ['../thread-outside/secret.txt', '/etc/hostname', 'sub/escape/secret.txt', 'link.txt', 'sub/../ok.txt', 'ok.txt'];
    const answers = await threads.run(task(...keys), 'trust', { ...setup, root, out });
    expect(answers.map((a) => (a.ok ? 'ok' : a.reason))).toEqual(['unsafe-path', 'unsafe-path', 'unsafe-path', 'special-file', 'unsafe-path', 'ok']);
    expect(readdirSync(out)).toEqual(['ok.txt.json']);
  });
});
