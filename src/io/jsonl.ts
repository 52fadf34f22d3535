import { DocumentError } from '../errors.js';
import { textOf } from '../text/record.js';
import { decompressed, type RecordFields, type ShardFormat, type ShardRecord } from './shards.js';
import type { ObjectStore, StoredObject } from './storage.js';

const NEWLINE = 0x0a;

/**
 * The lines of a byte stream that hold more than white space, numbered from 0, each as
 * its bytes or, past `maxBytes`, as its length alone (it is not kept: one huge line
 * must not take the worker's memory).
 */
export async function* lines(chunks: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<{ index: number; bytes: Buffer | null; length: number }> {
  let parts: Buffer[] = [];
  let length = 0;
  let index = 0;
  const end = function* (): Generator<{ index: number; bytes: Buffer | null; length: number }> {
    if (length > maxBytes) {
      yield { index: index++, bytes: null, length };
    } else if (length > 0) {
      const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
      if (!isBlank(line)) yield { index: index++, bytes: line, length };
    }
    parts = [];
    length = 0;
  };
  for await (const chunk of chunks) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE, start); ; nl = buf.indexOf(NEWLINE, start)) {
      const piece = buf.subarray(start, nl < 0 ? buf.length : nl);
      length += piece.length;
      if (length <= maxBytes) parts.push(piece);
      else parts = [];
      if (nl < 0) break;
      yield* end();
      start = nl + 1;
    }
  }
  yield* end();
}

function isBlank(line: Buffer): boolean {
  for (const b of line) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

/** One JSON object per line: the document in its text field (records.textFields), the other scalar fields kept as its metadata. */
export function jsonRecord(index: number, line: Buffer, textFields: readonly string[]): ShardRecord {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch (err) {
    return { index, error: new DocumentError('bad-record', `record ${index} is not JSON: ${(err as Error).message}`) };
  }
  return objectRecord(index, value, textFields);
}

/** A parsed record (a JSON object, a CSV row): the document in its text field, its other scalar fields as metadata. */
export function objectRecord(index: number, value: unknown, textFields: readonly string[]): ShardRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { index, error: new DocumentError('bad-record', `record ${index} is JSON but not an object`) };
  }
  const chosen = textOf(value as Record<string, unknown>, textFields);
  if ('error' in chosen) return { index, error: new DocumentError('bad-record', `record ${index} ${chosen.error}`) };
  const fields: RecordFields = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === chosen.key) continue;
    if (v === null || typeof v !== 'object') fields[k] = v as string | number | boolean | null;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) fields[k] = v as string[];
  }
  return { index, bytes: Buffer.from(chosen.text, 'utf8'), fields };
}

/** JSON lines, plain or compressed (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`; `.ndjson` alike). */
export const JSONL: ShardFormat = {
  kind: 'jsonl',
  matches: (name) => /\.(?:jsonl|ndjson)(?:\.gz|\.zst)?$/i.test(name),
  async *records(store: ObjectStore, shard: StoredObject, options) {
    const from = options.from ?? 0;
    const to = options.to ?? Infinity;
    for await (const line of lines(decompressed(store, shard), options.maxBytes)) {
      if (line.index >= to) return;
      if (line.index < from) continue;
      if (line.bytes === null) {
        yield { index: line.index, error: new DocumentError('too-large', `record ${line.index} is ${line.length} bytes, over the limit of ${options.maxBytes} (limits.maxFileBytes)`) };
      } else {
        yield jsonRecord(line.index, line.bytes, options.textFields);
      }
    }
  },
  async count(store, shard, options) {
    let n = 0;
    for await (const _ of lines(decompressed(store, shard), options.maxBytes)) n++;
    return n;
  },
};
