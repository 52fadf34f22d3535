import { gunzipSync, gzipSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Config } from '../config.js';

/** How a batch of shards writes its output shards (config shards.outputFormat). */
export type OutputFormat = Config['shards']['outputFormat'];
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['jsonl.gz', 'parquet'];

/** An output shard's format, from its name: null for any other file. */
export function outputFormatOf(name: string): OutputFormat | null {
  return OUTPUT_FORMATS.find((f) => name.endsWith(`.${f}`)) ?? null;
}

/**
 * The Parquet columns of an output shard: the five fields of a JSON-lines document.
 * `metadata` is one JSON column (Parquet's JSON logical type), not nested columns: its
 * keys differ by input (`metadata.record` holds whatever fields each crawler gave) and
 * by vnpipe version, so nested columns would give each shard its own schema and a
 * folder of shards would no longer read as one table; as JSON every shard has this
 * schema, and a document reads back exactly as its JSON line (hyparquet parses the
 * column, DuckDB reads it as JSON). `export --format parquet` is the place for flat
 * typed columns.
 */
const SCHEMA = [
  { name: 'root', num_children: 5 },
  { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'sentences', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'source', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'metadata', type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: 'REQUIRED' },
];

interface Row {
  id: string;
  text: string;
  sentences: string[];
  source: string;
  metadata: Record<string, unknown>;
}

/** A UTF-16 surrogate without its other half: JSON keeps it (`"\ud83d"`), UTF-8 cannot hold it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');
/** The string columns, which Parquet stores as UTF-8. */
const STRING_COLUMNS = ['id', 'text', 'sentences', 'source'] as const;

/**
 * A document's string columns as valid UTF-8, losing nothing: a value holding a lone
 * surrogate (a crawler cut an emoji in half) is written with U+FFFD in its place, as
 * every UTF-8 reader needs, and exactly in the JSON column, at `metadata.vnpipe.exact`
 * (JSON escapes it), from where `outputShardLines` puts it back. Without it the Parquet
 * shard would hold U+FFFD where the jsonl.gz one keeps the surrogate.
 */
function wellFormed(row: Row): Row {
  const exact: Partial<Record<(typeof STRING_COLUMNS)[number], string | string[]>> = {};
  for (const name of STRING_COLUMNS) {
    const value = row[name];
    if (typeof value === 'string' ? LONE_SURROGATE.test(value) : value.some((s) => LONE_SURROGATE.test(s))) exact[name] = value;
  }
  if (Object.keys(exact).length === 0) return row;
  const fix = (s: string) => s.replace(LONE_SURROGATES, '\uFFFD');
  const vnpipe = (row.metadata.vnpipe ?? {}) as Record<string, unknown>;
  return {
    id: fix(row.id), text: fix(row.text), sentences: row.sentences.map(fix), source: fix(row.source),
    metadata: { ...row.metadata, vnpipe: { ...vnpipe, exact } },
  };
}

/** A row read back as the document it was written from: the exact values of `wellFormed` put back. */
function asWritten(row: Row): Row {
  const vnpipe = row.metadata?.vnpipe as ({ exact?: Partial<Row> } & Record<string, unknown>) | undefined;
  if (!vnpipe?.exact) return row;
  const { exact, ...rest } = vnpipe;
  // A document whose metadata had no `vnpipe` got one only to carry `exact`.
  const { vnpipe: _marked, ...others } = row.metadata;
  return { ...row, ...exact, metadata: Object.keys(rest).length > 0 ? { ...row.metadata, vnpipe: rest } : others };
}

/**
 * The bytes of an output shard holding `lines` (JSON documents, each ending in a
 * newline), and its content type. Parquet is compressed with Snappy, the writer's own
 * codec: Node 20 has no zstd compressor and none is installed, and Snappy is what
 * every Parquet reader decodes.
 */
export function encodeOutputShard(format: OutputFormat, lines: readonly string[]): { body: Uint8Array; contentType: string } {
  if (format === 'jsonl.gz') return { body: gzipSync(lines.join('')), contentType: 'application/gzip' };
  const rows = lines.map((line) => wellFormed(JSON.parse(line) as Row));
  // The JSON column takes the objects: the writer serialises them.
  const column = (name: keyof Row) => rows.map((r) => r[name]);
  const buffer = parquetWriteBuffer({
    // PLAIN: every value is unique, and trying a dictionary first costs 15 % of the write for nothing.
    columnData: (['id', 'text', 'sentences', 'source', 'metadata'] as const).map((name) => ({ name, data: column(name) as never, encoding: 'PLAIN' as const })),
    schema: SCHEMA as never,
    codec: 'SNAPPY',
    // Bounds of long texts say nothing a reader could skip by.
    statistics: false,
  });
  return { body: new Uint8Array(buffer), contentType: 'application/vnd.apache.parquet' };
}

/**
 * The JSON lines of an output shard (each ending in a newline), as `encodeOutputShard`
 * was given them: a Parquet row is written back in the documents' field order. Throws
 * when the bytes are not a shard of the format its name says.
 */
export async function outputShardLines(name: string, body: Uint8Array): Promise<string[]> {
  if (outputFormatOf(name) === 'jsonl.gz') {
    return gunzipSync(body)
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => `${l}\n`);
  }
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  if (Number(metadata.num_rows) === 0) return [];
  const rows = (await parquetReadObjects({ file, metadata, compressors, rowFormat: 'object' })) as unknown as Row[];
  return rows.map(asWritten).map((r) => `${JSON.stringify({ id: r.id, text: r.text, sentences: r.sentences, source: r.source, metadata: r.metadata })}\n`);
}
