import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { readOutputFolder } from '../../src/io/output-reader.js';
import { encodeOutputShard, outputShardLines } from '../../src/io/output-shard.js';
import { ShardSink, withRecordFields } from '../../src/io/shard-sink.js';
import { processDocumentTimed } from '../../src/text/pipeline.js';
import { SAMPLES } from '../support/cli.js';

const config = loadConfig();
const maker = { version: '1', config: 'c' };

/** The five sample articles (real Vietnamese news) as records of `a.jsonl`, cleaned as a worker does: JSON lines. */
function cleanedLines(): string[] {
  return readdirSync(SAMPLES)
    .sort()
    .map((name, i) => {
      const fields = { id: `r${i}`, url: `https://tin.example.vn/bai-${i}.html`, lang: 'vi', year: 2024 };
      const doc = processDocumentTimed(readFileSync(join(SAMPLES, name)), `a.jsonl#${i}`, config, undefined, fields).doc;
      return `${JSON.stringify(withRecordFields(doc, fields, config.records))}\n`;
    });
}

const arrayBuffer = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

describe('Parquet output shards', () => {
  it('hold the five fields of a JSON-lines document, metadata as JSON, and read back as the same documents', async () => {
    const lines = cleanedLines();
    const { body, contentType } = encodeOutputShard('parquet', lines);
    expect(contentType).toBe('application/vnd.apache.parquet');
    const metadata = parquetMetadata(arrayBuffer(body));
    expect(Number(metadata.num_rows)).toBe(5);
    expect(metadata.row_groups[0]!.columns.every((c) => c.meta_data?.codec === 'SNAPPY')).toBe(true);
    const columns = parquetSchema(metadata).children.map((c) => `${c.element.name}:${c.element.converted_type}:${c.element.repetition_type}`);
    expect(columns).toEqual(['id:UTF8:REQUIRED', 'text:UTF8:REQUIRED', 'sentences:LIST:REQUIRED', 'source:UTF8:REQUIRED', 'metadata:JSON:REQUIRED']);
    // Read by hyparquet alone, as any reader would: the metadata column is the object, not a string of it.
    const rows = await parquetReadObjects({ file: arrayBuffer(body) });
    const first = JSON.parse(lines[0]!);
    expect(rows[0]).toEqual(first);
    expect(rows[0]!.metadata.record).toEqual({ id: 'r0', lang: 'vi', year: 2024 });
    expect(rows[0]!.sentences.length).toBeGreaterThan(5);
    // And back to the very lines it was written from, field order included.
    expect(await outputShardLines('a.jsonl.000000000.parquet', body)).toEqual(lines);
    // Snappy on Vietnamese news text: smaller than the JSON it holds.
    expect(body.length).toBeLessThan(lines.join('').length);
  });

  it('keep a lone surrogate exactly as jsonl.gz does, with valid UTF-8 in the string columns', async () => {
    // A real article whose text, first sentence and record id end in half an emoji (a
    // crawler that cut the text at a UTF-16 unit), and whose title holds the other half.
    const [line] = cleanedLines();
    const doc = JSON.parse(line!);
    const cut = '\ud83d';
    doc.text = `${doc.text} ${cut}`;
    doc.sentences[0] = `${doc.sentences[0]} ${cut}`;
    doc.id = `${doc.id}${cut}`;
    doc.metadata.title = `\ude00 ${doc.metadata.title}`;
    const lines = [`${JSON.stringify(doc)}\n`, cleanedLines()[1]!];
    expect(lines[0]).toContain('\\ud83d');
    const parquet = encodeOutputShard('parquet', lines).body;
    // Read back exactly, as the jsonl.gz shard is.
    expect(await outputShardLines('a.jsonl.000000000.parquet', parquet)).toEqual(lines);
    expect(await outputShardLines('a.jsonl.000000000.parquet', parquet)).toEqual(await outputShardLines('a.jsonl.000000000.jsonl.gz', encodeOutputShard('jsonl.gz', lines).body));
    // A plain reader gets valid UTF-8 (U+FFFD in the string columns) and the exact values in the JSON column.
    const rows = await parquetReadObjects({ file: arrayBuffer(parquet) });
    expect(rows[0]!.text.endsWith(' \uFFFD')).toBe(true);
    expect(rows[0]!.sentences[0].endsWith(' \uFFFD')).toBe(true);
    expect(rows[0]!.metadata.vnpipe).toEqual({ ...doc.metadata.vnpipe, exact: { id: doc.id, text: doc.text, sentences: doc.sentences } });
    expect(rows[0]!.metadata.title).toBe(doc.metadata.title);
    // A document without one is written as it is.
    expect(rows[1]).toEqual(JSON.parse(lines[1]!));
  });

  it('of a unit whose records all failed is an empty Parquet file, not a missing one', async () => {
    const { body } = encodeOutputShard('parquet', []);
    expect(Number(parquetMetadata(arrayBuffer(body)).num_rows)).toBe(0);
    expect(await outputShardLines('x.000000000.parquet', body)).toEqual([]);
  });

  it('are named and written by the sink with their manifest, kept for a re-run unit, and read by export, stats and report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vnpipe-parquet-out-'));
    const sink = new ShardSink(pathToFileURL(out).href, 8, 'parquet');
    const lines = cleanedLines();
    const manifest = await sink.write('a.jsonl#0', lines.slice(0, 4), { input: 'in/a.jsonl', inputMtimeMs: 5, failures: [4], vnpipe: maker });
    expect(readdirSync(out).sort()).toEqual(['a.jsonl.000000000.parquet', 'a.jsonl.000000000.parquet.manifest.json']);
    expect(manifest).toMatchObject({ shard: 'a.jsonl.000000000.parquet', records: 4, failures: [4], bytes: readFileSync(join(out, 'a.jsonl.000000000.parquet')).length });
    expect(manifest.uncompressedBytes).toBe(Buffer.byteLength(lines.slice(0, 4).join('')));
    // The failed record runs again: the four documents out stay as they were written.
    const kept = await sink.keptLines('a.jsonl#0', 5, maker);
    expect([...kept!.entries()]).toEqual(lines.slice(0, 4).map((l, i) => [i, l]));
    expect(await new ShardSink(pathToFileURL(out).href, 8, 'parquet').isUpToDate('a.jsonl#4', 5, maker)).toBe(false);
    expect(await new ShardSink(pathToFileURL(out).href, 8, 'parquet').isUpToDate('a.jsonl#3', 5, maker)).toBe(true);

    const read: { rel: string; doc: unknown }[] = [];
    for await (const d of readOutputFolder(out, {})) read.push(d);
    expect(read.map((d) => d.rel)).toEqual([0, 1, 2, 3].map((i) => `a.jsonl.000000000.parquet#${i}`));
    expect(read.map((d) => d.doc)).toEqual(lines.slice(0, 4).map((l) => JSON.parse(l)));
    // Read as a store location (as an s3:// output is), the same documents; a shard without its manifest is not whole yet.
    writeFileSync(join(out, 'b.jsonl.000000000.parquet'), encodeOutputShard('parquet', lines).body);
    const fromStore: { rel: string; doc: unknown }[] = [];
    for await (const d of readOutputFolder(pathToFileURL(out).href, {})) fromStore.push(d);
    expect(fromStore).toEqual(read);
  });

  it('an output keeps its format: a sink of the other one is refused, by name, before anything is written twice', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vnpipe-parquet-mixed-'));
    await new ShardSink(pathToFileURL(out).href, 8, 'parquet').write('a.jsonl#0', cleanedLines(), { input: 'in/a.jsonl', inputMtimeMs: 5, failures: [], vnpipe: maker });
    expect(await new ShardSink(pathToFileURL(out).href, 8, 'parquet').writtenUnitSize()).toBe(8);
    await expect(new ShardSink(pathToFileURL(out).href, 8, 'jsonl.gz').writtenUnitSize()).rejects.toThrow(
      /holds output shards in parquet, not jsonl\.gz \(shards\.outputFormat\): its records would be out twice/,
    );
  });

  it('a shard that is not Parquet is skipped by the reader with its reason; the other shards are read', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vnpipe-parquet-bad-'));
    const sink = new ShardSink(pathToFileURL(out).href, 8, 'parquet');
    await sink.write('b.jsonl#0', cleanedLines().slice(0, 2), { input: 'in/b.jsonl', inputMtimeMs: 5, failures: [], vnpipe: maker });
    writeFileSync(join(out, 'a.jsonl.000000000.parquet'), 'PAR1 cut short');
    writeFileSync(join(out, 'a.jsonl.000000000.parquet.manifest.json'), '{}');
    const skipped: string[] = [];
    const read: string[] = [];
    for await (const d of readOutputFolder(out, { onSkip: (rel, reason) => skipped.push(`${rel}: ${reason}`) })) read.push(d.rel);
    expect(read).toEqual(['b.jsonl.000000000.parquet#0', 'b.jsonl.000000000.parquet#1']);
    expect(skipped).toEqual([expect.stringMatching(/^a\.jsonl\.000000000\.parquet: not a parquet shard: /)]);
  });
});
