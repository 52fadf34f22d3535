import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonRecord, JSONL, lines } from '../../src/io/jsonl.js';
import { withRecordFields, ShardSink } from '../../src/io/shard-sink.js';
import { parseRecordKey, ShardSource, unitOf, type ShardFormat } from '../../src/io/shards.js';
import { LocalStore } from '../../src/io/storage.js';
import { WARC } from '../../src/io/warc.js';
import { loadConfig } from '../../src/config.js';
import { processDocumentTimed } from '../../src/text/pipeline.js';

const config = loadConfig();

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

async function* chunked(bytes: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    yield bytes.subarray(start, cut);
    start = cut;
  }
  yield bytes.subarray(start);
}

describe('JSON lines', () => {
  it('gives the same lines however the stream is cut into chunks, blank lines left out', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme' }).map((s) => s.replace(/\n/g, ' ')), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), async (texts, cuts) => {
        const bytes = Buffer.from(texts.join('\n'));
        const got = (await collect(lines(chunked(bytes, cuts), 1 << 20))).map((l) => l.bytes!.toString());
        expect(got).toEqual(texts.filter((t) => t.trim() !== '' && !/^[ \t\r]*$/.test(t)));
      }),
    );
  });

  it('numbers a line over the limit without keeping it, and goes on with the next', async () => {
    const got = await collect(lines(chunked(Buffer.from('{"text":"a"}\n' + 'x'.repeat(50) + '\n{"text":"b"}'), [5, 20, 40]), 20));
    expect(got.map((l) => [l.index, l.bytes?.toString() ?? null, l.length])).toEqual([
      [0, '{"text":"a"}', 12],
      [1, null, 50],
      [2, '{"text":"b"}', 12],
    ]);
  });

  it('reads a record of the named field, keeps scalar fields and says what is wrong with a bad one', () => {
    expect(jsonRecord(0, Buffer.from('{"text":"Xin chào","url":"https://a.vn/1","n":3,"tags":["x"],"extra":{"a":1}}'), ['text'])).toMatchObject({
      index: 0, fields: { url: 'https://a.vn/1', n: 3 },
    });
    const reasons = ['[1,2]', '{"text": 5}', '{"title":"x"}', '{"text"'].map((l) => {
      const r = jsonRecord(7, Buffer.from(l), ['text']);
      return 'error' in r ? `${r.error.reason}: ${r.error.message}` : 'ok';
    });
    expect(reasons).toEqual([
      'bad-record: record 7 is JSON but not an object',
      'bad-record: record 7 whose text field "text" holds a number, not text',
      'bad-record: record 7 with none of the text fields text (records.textFields); its fields: title',
      expect.stringMatching(/^bad-record: record 7 is not JSON/),
    ]);
  });

  it('reads a range of a gzip shard, and counts its records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnpipe-jsonl-'));
    writeFileSync(join(dir, 's.jsonl.gz'), gzipSync(Array.from({ length: 10 }, (_, i) => JSON.stringify({ text: `t${i}` })).join('\n')));
    const store = new LocalStore(dir);
    const shard = (await store.info('s.jsonl.gz'))!;
    expect(await JSONL.count!(store, shard, { textFields: ['text'], maxBytes: 100 })).toBe(10);
    const got = await collect(JSONL.records(store, shard, { textFields: ['text'], maxBytes: 100, from: 4, to: 7 }));
    expect(got.map((r) => ('bytes' in r ? [r.index, Buffer.from(r.bytes).toString()] : r.error.message))).toEqual([[4, 't4'], [5, 't5'], [6, 't6']]);
  });
});

describe('WARC files written by real crawlers (test/fixtures/warc, from warcio.js)', () => {
  it('gives each HTTP 200 HTML response as a document, its transfer and content encodings undone; revisits, requests and warcinfo are none', async () => {
    const store = new LocalStore(join(import.meta.dirname, '..', 'fixtures', 'warc'));
    const got: [string, number, string, string][] = [];
    for await (const shard of store.list()) {
      if (!WARC.matches(shard.key)) continue;
      for (const r of await collect(WARC.records(store, shard, { textFields: ['text'], maxBytes: 1e7 }))) {
        if ('error' in r) throw r.error;
        const html = Buffer.from(r.bytes).toString('utf8');
        got.push([shard.key, r.index, String(r.fields.url), `${html.slice(0, 15)}…${html.trimEnd().slice(-7)}`]);
      }
    }
    expect(got).toEqual([
      ['example-iana.org-chunked.warc', 0, 'http://www.iana.org/', '<!doctype html>…</html>'],
      ['example.warc.gz', 0, 'http://example.com/', '<!doctype html>…</html>'],
    ]);
  });
});

describe('a local folder of shards', () => {
  it('lists no symbolic link and reads none, even one a job names, nor a folder link out of it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vnpipe-store-'));
    const outside = mkdtempSync(join(tmpdir(), 'vnpipe-outside-'));
    writeFileSync(join(outside, 'secret.jsonl'), '{"text":"bí mật"}\n');
    writeFileSync(join(root, 'a.jsonl'), '{"text":"a"}\n');
    symlinkSync(join(outside, 'secret.jsonl'), join(root, 'b.jsonl'));
    mkdirSync(join(root, 'sub'));
    const store = new LocalStore(root);
    expect((await collect(store.list())).map((o) => o.key)).toEqual(['a.jsonl']);
    await expect(store.get('b.jsonl')).rejects.toMatchObject({ reason: 'special-file' });
    await expect(store.stream('../' + outside.split('/').pop() + '/secret.jsonl')).rejects.toMatchObject({ reason: 'unsafe-path' });
    // A folder swapped for a link out of the root after the listing.
    symlinkSync(outside, join(root, 'sub2'));
    await expect(store.stream('sub2/secret.jsonl')).rejects.toMatchObject({ reason: 'unsafe-path' });
  });
});

describe('reading units of one shard', () => {
  it('goes on from where the last unit ended instead of reading the shard from its start again; a unit before it opens it anew', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnpipe-units-'));
    writeFileSync(join(dir, 'a.fake'), '');
    let opened = 0;
    const fake: ShardFormat = {
      kind: 'fake',
      matches: (name) => name.endsWith('.fake'),
      async *records(_store, _shard, options) {
        opened++;
        for (let i = options.from ?? 0; i < 10; i++) yield { index: i, bytes: Buffer.from(`t${i}`), fields: {} };
      },
    };
    const source = new ShardSource(`file://${dir}`, { formats: [fake], textFields: ['text'] });
    const read = async (from: number, to: number) => (await collect(source.records('a.fake', from, to, 100))).map((r) => r.index);
    expect(await read(0, 3)).toEqual([0, 1, 2]);
    expect(await read(6, 9)).toEqual([6, 7, 8]);
    expect(await read(9, 12)).toEqual([9]);
    expect(opened).toBe(1);
    expect(await read(2, 4)).toEqual([2, 3]);
    expect(opened).toBe(2);
  });
});

describe('record keys and units', () => {
  it('a record key names its shard and number; its unit and output shard follow from the key alone', () => {
    expect(parseRecordKey('cc/part-1.jsonl.gz#1234')).toEqual({ shard: 'cc/part-1.jsonl.gz', index: 1234 });
    expect(() => parseRecordKey('cc/part-1.jsonl.gz')).toThrow(expect.objectContaining({ reason: 'unsafe-path' }));
    expect(unitOf('a#255', 256)).toEqual({ shard: 'a', first: 0, unit: 'a#0' });
    expect(unitOf('a#256', 256)).toEqual({ shard: 'a', first: 256, unit: 'a#256' });
    const sink = new ShardSink('file:///out', 256);
    expect(sink.nameOf('cc/x.jsonl.gz#300')).toBe('cc/x.jsonl.gz.000000256.jsonl.gz');
    expect(sink.locate('cc/x.jsonl.gz#300')).toBe('/out/cc/x.jsonl.gz.000000256.jsonl.gz');
    expect(() => sink.locate('../x.jsonl.gz#3')).toThrow(expect.objectContaining({ reason: 'unsafe-path' }));
  });

  it("a record's title, date, authors, url and category are the output's, as for a one-record JSON file; its other fields go to metadata.record, and vnpipe stays last", () => {
    // A real record of a crawler's dump (Anhduchb01/Crawl_VnNews cafefduoc.json, a dev source of test/fixtures/crawl), text cut.
    const line = readFileSync(new URL('../fixtures/records/cafef-record.json', import.meta.url));
    const record = jsonRecord(0, line, config.records.textFields);
    if ('error' in record) throw record.error;
    const out = withRecordFields(processDocumentTimed(record.bytes, 'cafefduoc.json#0', config, undefined, record.fields).doc, record.fields, config.records);
    expect(out.metadata).toMatchObject({
      title: 'Cậu bé chăn trâu nỗ lực sau 13 năm trở thành tiến sĩ danh giá vẫn sôi sục máu kinh doanh Một tay gây dựng tập đoàn dược phẩm đình đám, tự hào trong danh sách tỉ phú thế giới',
      authors: ['Lưu Ly'],
      site: 'cafef.vn',
      record: { timeCreatePostOrigin: '2022/11/16', urlPageCrawl: 'cafef' },
    });
    expect(Object.keys(out.metadata.record)).toEqual(['timeCreatePostOrigin', 'summary', 'urlPageCrawl']);
    expect(Object.keys(out.metadata).at(-1)).toBe('vnpipe');
    const file = processDocumentTimed(Buffer.from(JSON.stringify(JSON.parse(line.toString('utf8')))), 'one.json', config).doc;
    expect(file.metadata).toMatchObject({ title: out.metadata.title, authors: ['Lưu Ly'], url: out.metadata.url, date: out.metadata.date });
    expect(file.text).toBe(out.text);
  });
});

describe('an output folder with URL syntax in its name', () => {
  it('writes output shards inside it, not into the folder before the `#`', async () => {
    const { openSink } = await import('../../src/io/sink.js');
    const out = join(mkdtempSync(join(tmpdir(), 'vnpipe-out-')), 'run #2 100%');
    const sink = openSink(out, { recordsPerJob: 4 });
    expect(sink.locate('a.jsonl#0')).toBe(join(out, 'a.jsonl.000000000.jsonl.gz'));
  });
});
