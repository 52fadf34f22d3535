import { DocumentError } from '../errors.js';
import { jsonRecord } from './jsonl.js';
import { decompressed, type ShardFormat } from './shards.js';

const [OPEN_LIST, CLOSE_LIST, OPEN_OBJECT, CLOSE_OBJECT, QUOTE, BACKSLASH, COMMA] = [0x5b, 0x5d, 0x7b, 0x7d, 0x22, 0x5c, 0x2c];

/**
 * The elements of a JSON list (`[{...}, {...}]`, as many crawlers dump a whole site in
 * one file), or the one object of a file that is a single record, numbered from 0, each
 * as its bytes or, past `maxBytes`, as its length alone. A scanner that follows only
 * strings and nesting, written here rather than taken from a streaming JSON parser so
 * that a file of any size, or one element of a gigabyte, costs at most `maxBytes` of
 * memory, and a broken element fails alone when its bytes are parsed.
 */
export async function* jsonElements(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
  shard: string,
): AsyncGenerator<{ index: number; bytes: Buffer | null; length: number }> {
  let top: 'list' | 'object' | null = null;
  // Open brackets, the top-level one included; 0 again once the top level has closed.
  let depth = 0;
  let inString = false;
  let escaped = false;
  let inElement = false;
  let parts: Buffer[] = [];
  let length = 0;
  let index = 0;
  const take = (piece: Buffer) => {
    length += piece.length;
    if (length <= maxBytes) parts.push(piece);
    else parts = [];
  };
  const element = () => {
    const out = { index: index++, bytes: length > maxBytes ? null : Buffer.concat(parts, length), length };
    parts = [];
    length = 0;
    inElement = false;
    return out;
  };
  let closed = false;
  for await (const chunk of chunks) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let i = 0; i < buf.length && !closed; i++) {
      const b = buf[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
        continue;
      }
      if (top === null) {
        if (b === OPEN_LIST || b === OPEN_OBJECT) {
          top = b === OPEN_LIST ? 'list' : 'object';
          depth = 1;
          if (top === 'object') [inElement, start] = [true, i];
        } else if (!isSpace(b) && !BOM.includes(b)) {
          throw new DocumentError('bad-record', `${shard}: neither a JSON list of records nor one record (it starts with ${JSON.stringify(String.fromCharCode(b))})`);
        }
        continue;
      }
      // Between two elements of the list: commas and white space, or its end.
      if (top === 'list' && depth === 1 && !inElement) {
        if (b === CLOSE_LIST) [depth, closed] = [0, true];
        else if (b !== COMMA && !isSpace(b)) [inElement, start] = [true, i];
        if (!inElement) continue;
      }
      if (top === 'list' && depth === 1 && (b === COMMA || b === CLOSE_LIST)) {
        take(buf.subarray(start, i));
        yield element();
        if (b === CLOSE_LIST) [depth, closed] = [0, true];
        continue;
      }
      if (b === QUOTE) inString = true;
      else if (b === OPEN_OBJECT || b === OPEN_LIST) depth++;
      else if (b === CLOSE_OBJECT || b === CLOSE_LIST) {
        depth--;
        if (depth === 0) {
          take(buf.subarray(start, i + 1));
          yield element();
          closed = true;
        }
      }
    }
    if (inElement) take(buf.subarray(start));
    if (closed) return; // what follows the top level is not read
  }
  if (top === null) throw new DocumentError('bad-record', `${shard}: an empty JSON file`);
  if (inElement) yield element(); // cut mid-record: it fails alone when parsed
  throw new DocumentError('bad-record', `${shard}: the JSON ends before its ${top} closes (a cut file?)`);
}

const BOM = [0xef, 0xbb, 0xbf];

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** JSON files: a list of records, or one record (`.json`, plain or compressed). */
export const JSON_LIST: ShardFormat = {
  kind: 'json',
  matches: (name) => /\.json(?:\.gz|\.zst)?$/i.test(name),
  async *records(store, shard, options) {
    const from = options.from ?? 0;
    const to = options.to ?? Infinity;
    for await (const el of jsonElements(decompressed(store, shard), options.maxBytes, shard.key)) {
      if (el.index >= to) return;
      if (el.index < from) continue;
      if (el.bytes === null) {
        yield { index: el.index, error: new DocumentError('too-large', `record ${el.index} is ${el.length} bytes, over the limit of ${options.maxBytes} (limits.maxFileBytes)`) };
      } else {
        yield jsonRecord(el.index, el.bytes, options.textFields);
      }
    }
  },
};
