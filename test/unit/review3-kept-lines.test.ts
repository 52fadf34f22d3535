import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ShardSink } from '../../src/io/shard-sink.js';

// A unit run again for some of its records keeps the documents already out in its shard
// (keptLines). A shard of the manifest's size that no longer decodes (damaged on disk, or
// overwritten by another tool), or a manifest that is no JSON, threw: every record of the
// task failed, on every retry, and the unit was never written again. Nothing to keep is
// the answer: the unit is cleaned whole and its shard rewritten.
const maker = { version: '1', config: 'c' };
const doc = (i: number) =>
  `${JSON.stringify({ id: `d${i}`, text: `Giá xăng RON 95 giảm 500 đồng mỗi lít, lần ${i}.`, sentences: [`Giá xăng RON 95 giảm 500 đồng mỗi lít, lần ${i}.`], source: `a.jsonl#${i}`, metadata: { title: null } })}\n`;

describe('documents kept from a damaged output shard', () => {
  for (const format of ['jsonl.gz', 'parquet'] as const) {
    it(`keeps the good ones, and none from a ${format} shard that does not decode or a manifest that is no JSON`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vnpipe-review3-kept-'));
      const sink = new ShardSink(pathToFileURL(dir).href, 4, format);
      await sink.write('a.jsonl#0', [doc(0), doc(2), doc(3)], { input: 'a.jsonl', inputMtimeMs: 1, failures: [1], vnpipe: maker });
      const name = join(dir, `a.jsonl.000000000.${format}`);
      expect([...(await sink.keptLines('a.jsonl#0', 1, maker))!.keys()]).toEqual([0, 2, 3]);

      // The same number of bytes, none of them a shard's.
      const body = readFileSync(name);
      writeFileSync(name, Buffer.alloc(body.length, 0x41));
      expect(await sink.keptLines('a.jsonl#0', 1, maker)).toBeNull();

      writeFileSync(name, body);
      writeFileSync(`${name}.manifest.json`, '{"shard": "a.jsonl.000000000');
      expect(await sink.keptLines('a.jsonl#0', 1, maker)).toBeNull();
    });
  }

  it('reads the output\'s unit size past a damaged manifest, not failing the enqueue on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnpipe-review3-unit-'));
    const sink = new ShardSink(pathToFileURL(dir).href, 4, 'jsonl.gz');
    await sink.write('b.jsonl#0', [doc(0)], { input: 'b.jsonl', inputMtimeMs: 1, failures: [], vnpipe: maker });
    // Listed first: `a` before `b`.
    writeFileSync(join(dir, 'a.jsonl.000000000.jsonl.gz.manifest.json'), '{"shard": "a.jsonl');
    expect(await sink.writtenUnitSize()).toBe(4);
  });
});

