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
    const about = { input: 'x', inputMtimeMs: 0, failed: 0, vnpipe: { version: '0', config: '0' } };
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
