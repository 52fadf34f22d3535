import { lstatSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { JSONL } from '../../src/io/jsonl.js';
import { PARQUET } from '../../src/io/parquet.js';
import { WARC } from '../../src/io/warc.js';
import { decompressed, ShardSource } from '../../src/io/shards.js';
import { writeFileSync } from 'node:fs';
import { LocalStore, S3Store, type ObjectStore, type StoredObject } from '../../src/io/storage.js';
import { ShardSink } from '../../src/io/shard-sink.js';
import { pathToFileURL } from 'node:url';

/** A store whose one object's stream breaks off (a connection reset) after its first bytes. */
function brokenStore(bytes: Buffer): ObjectStore {
  return {
    stream: async () => {
      const r = new Readable({ read() {} });
      r.push(bytes.subarray(0, 20));
      setTimeout(() => r.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), 20);
      return r;
    },
  } as unknown as ObjectStore;
}

describe('a shard stream that breaks off', () => {
  it('fails the read of a .gz shard with the stream error instead of hanging', async () => {
    const body = gzipSync(Buffer.from(Array.from({ length: 2000 }, (_, i) => JSON.stringify({ text: `dòng ${i} ${'x'.repeat(50)}` })).join('\n')));
    const shard: StoredObject = { key: 'a.jsonl.gz', size: body.length, mtimeMs: 0 };
    const read = (async () => {
      for await (const _ of decompressed(brokenStore(body), shard));
    })();
    const outcome = await Promise.race([read.then(() => 'ended', (err: Error) => err.message), new Promise((r) => setTimeout(() => r('hung'), 2000))]);
    expect(outcome).toMatch(/ECONNRESET/);
    const records = (async () => {
      for await (const _ of JSONL.records(brokenStore(body), shard, { textFields: ['text'], maxBytes: 1 << 20 }));
    })();
    const again = await Promise.race([records.then(() => 'ended', (err: Error) => err.message), new Promise((r) => setTimeout(() => r('hung'), 2000))]);
    expect(again).toMatch(/ECONNRESET/);
  });
});

describe('output shards in a local folder', () => {
  it('are never written through a folder link in the output to somewhere else, as output files are not', async () => {
    const base = mkdtempSync(join(tmpdir(), 'vnpipe-review-'));
    const out = join(base, 'out');
    const outside = join(base, 'outside');
    mkdirSync(out);
    mkdirSync(outside);
    symlinkSync(outside, join(out, 'escape'));
    const sink = new ShardSink(pathToFileURL(out).href, 2);
    const about = { input: 'x', inputMtimeMs: 0, failures: [], vnpipe: { version: '0', config: '0' } };
    await expect(sink.write('escape/a.jsonl#0', ['{}\n'], about)).rejects.toMatchObject({ reason: 'unsafe-output' });
    await expect(sink.write('escape/deeper/a.jsonl#0', ['{}\n'], about)).rejects.toMatchObject({ reason: 'unsafe-output' });
    expect(readdirSync(outside)).toEqual([]);
    // An ordinary subfolder is made and written.
    await sink.write('sub/a.jsonl#0', ['{}\n'], about);
    expect(readdirSync(join(out, 'sub')).sort()).toEqual(['a.jsonl.000000000.jsonl.gz', 'a.jsonl.000000000.jsonl.gz.manifest.json']);
    expect(lstatSync(join(out, 'sub')).isDirectory()).toBe(true);
    expect(new LocalStore(out).location).toBe(pathToFileURL(out).href);
  });
});

describe('listing shards at enqueue', () => {
  it('reports a shard whose compression is broken and leaves it out, instead of ending the whole walk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnpipe-review-'));
    const good = Array.from({ length: 3 }, (_, i) => JSON.stringify({ text: `Bài ${i}` })).join('\n');
    writeFileSync(join(dir, 'a.jsonl.gz'), gzipSync(good).subarray(0, 15)); // cut short
    writeFileSync(join(dir, 'b.jsonl'), `${good}\n`);
    const source = new ShardSource(pathToFileURL(dir).href, { formats: [JSONL], textFields: ['text'] });
    const skipped: [string, string][] = [];
    const keys: string[] = [];
    for await (const entry of source.list((key, reason) => skipped.push([key, reason]))) keys.push(entry.key);
    expect(keys).toEqual(['b.jsonl#0', 'b.jsonl#1', 'b.jsonl#2']);
    expect(skipped).toEqual([['a.jsonl.gz', expect.stringMatching(/compression is broken/)]]);
  });
});

describe('an S3 location', () => {
  it('whose first look-up failed for a passing reason (a reset, a timeout) is looked up again, not failed for good', async () => {
    const store = new S3Store('corpus', 'cc/2024');
    let calls = 0;
    (store as unknown as { head: () => Promise<null> }).head = async () => {
      if (calls++ === 0) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return null;
    };
    await expect(store.single()).rejects.toThrow('socket hang up');
    await expect(store.single()).resolves.toBeNull();
  });
});

describe('a Parquet shard on a store that fails for a passing reason', () => {
  it('fails with the store error (the job runs again), not as undecodable (its records failed for good)', async () => {
    const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const store = { slice: async () => { throw reset(); } } as unknown as ObjectStore;
    const shard: StoredObject = { key: 'p.parquet', size: 5000, mtimeMs: 0 };
    const read = async () => {
      for await (const _ of PARQUET.records(store, shard, { textFields: ['text'], maxBytes: 1 << 20 }));
    };
    const err = await read().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ECONNRESET' });
    expect(await PARQUET.count!(store, shard, { textFields: ['text'], maxBytes: 1 << 20 }).catch((e: unknown) => e)).toMatchObject({ code: 'ECONNRESET' });
    // A WARC whose stream breaks off alike.
    const warc = async () => {
      for await (const _ of WARC.records(brokenStore(Buffer.from('WARC/1.0\r\nWARC-Type: conversion\r\n')), { key: 'w.warc', size: 0, mtimeMs: 0 }, { textFields: ['text'], maxBytes: 1 << 20 }));
    };
    expect(await warc().catch((e: unknown) => e)).toMatchObject({ code: 'ECONNRESET' });
  });
});

describe("an output shard's manifest", () => {
  const maker = { version: '1', config: 'c' };
  const about = (failures: number[]) => ({ input: 'in/a.jsonl', inputMtimeMs: 5, failures, vnpipe: maker });

  it('names the unit size and the failed records: those are not up to date, the others are', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vnpipe-manifest-'));
    const sink = new ShardSink(pathToFileURL(out).href, 4);
    expect(await sink.writtenUnitSize()).toBeNull();
    await sink.write('a.jsonl#4', ['{}\n', '{}\n'], about([6, 5]));
    expect(await sink.manifest('a.jsonl#4')).toMatchObject({ first: 4, recordsPerJob: 4, records: 2, failed: 2, failures: [5, 6] });
    const fresh = new ShardSink(pathToFileURL(out).href, 4);
    expect(await Promise.all([4, 5, 6, 7].map((i) => fresh.isUpToDate(`a.jsonl#${i}`, 5, maker)))).toEqual([true, false, false, true]);
    // Another input time or config: the whole unit is stale.
    expect(await fresh.isUpToDate('a.jsonl#4', 6, maker)).toBe(false);
    expect(await fresh.isUpToDate('a.jsonl#4', 5, { ...maker, config: 'd' })).toBe(false);
    expect(await new ShardSink(pathToFileURL(out).href, 3).writtenUnitSize()).toBe(4);
    expect(await new ShardSink(pathToFileURL(join(out, 'not-made-yet')).href, 3).writtenUnitSize()).toBeNull();
  });

  it('gives the documents already out to keep, by record number, only while the shard and its manifest agree', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vnpipe-manifest-'));
    const sink = new ShardSink(pathToFileURL(out).href, 4);
    const doc = (i: number) => `${JSON.stringify({ id: 'x', text: 'a "source":"b.jsonl#9" in the text', source: `a.jsonl#${i}`, metadata: {} })}\n`;
    await sink.write('a.jsonl#4', [doc(4), doc(6), doc(7)], about([5]));
    expect([...(await sink.keptLines('a.jsonl#4', 5, maker))!.keys()]).toEqual([4, 6, 7]);
    expect(await sink.keptLines('a.jsonl#4', 6, maker)).toBeNull(); // another version of the input
    // A worker killed between the shard and its manifest: they disagree, nothing is kept.
    writeFileSync(join(out, 'a.jsonl.000000004.jsonl.gz'), gzipSync(doc(4)));
    expect(await sink.keptLines('a.jsonl#4', 5, maker)).toBeNull();
    expect(await sink.keptLines('a.jsonl#8', 5, maker)).toBeNull(); // no shard yet
  });

  it("of an older vnpipe (no failure list) runs a unit with failures again; one of another unit size is refused by name", async () => {
    const out = mkdtempSync(join(tmpdir(), 'vnpipe-manifest-'));
    const old = { shard: 'a.jsonl.000000000.jsonl.gz', input: 'in/a.jsonl', inputMtimeMs: 5, first: 0, records: 3, bytes: 1, uncompressedBytes: 1, vnpipe: maker };
    writeFileSync(join(out, 'a.jsonl.000000000.jsonl.gz.manifest.json'), JSON.stringify({ ...old, failed: 1 }));
    writeFileSync(join(out, 'b.jsonl.000000000.jsonl.gz.manifest.json'), JSON.stringify({ ...old, shard: 'b.jsonl.000000000.jsonl.gz', failed: 0 }));
    const sink = new ShardSink(pathToFileURL(out).href, 4);
    expect(await sink.isUpToDate('a.jsonl#0', 5, maker)).toBe(false);
    expect(await sink.isUpToDate('b.jsonl#0', 5, maker)).toBe(true);
    expect(await sink.writtenUnitSize()).toBeNull();
    writeFileSync(join(out, 'c.jsonl.000000000.jsonl.gz.manifest.json'), JSON.stringify({ ...old, shard: 'c.jsonl.000000000.jsonl.gz', failed: 0, failures: [], recordsPerJob: 8 }));
    await expect(sink.isUpToDate('c.jsonl#1', 5, maker)).rejects.toThrow(/written with shards\.recordsPerJob = 8, not 4/);
  });
});
