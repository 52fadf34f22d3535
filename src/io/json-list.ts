import { DocumentError } from '../errors.js';
import { jsonRecord } from './jsonl.js';
import { decompressed, type ShardFormat } from './shards.js';

const [OPEN_LIST, CLOSE_LIST, OPEN_OBJECT, CLOSE_OBJECT, QUOTE, BACKSLASH, COMMA] = [0x5b, 0x5d, 0x7b, 0x7d, 0x22, 0x5c, 0x2c];

/**
 * The elements of a JSON list (`[{...}, {...}]`, as many crawlers dump a whole site in
 * one file), or the one object of a file that is a single record, numbered from 0, each
 * as its bytes or, past `maxBytes`, as its length alone. A file may hold several such
 * values one after the other: JSON lines saved as `.json`, or a list a crawler appended
 * to run after run (`[...][...]`, as Scrapy's `-o` does); their records number on. A
 * scanner that follows only strings and nesting, written here rather than taken from a
 * streaming JSON parser so that a file of any size, or one element of a gigabyte, costs
 * at most `maxBytes` of memory, and a broken element fails alone when its bytes are
 * parsed. What cannot be an element (the file cut inside one, text after the last value
 * that is no JSON) comes as an element with a `problem`, not as an error, so that the
 * records before it are still counted (enqueue) and read.
 */
export async function* jsonElements(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
  shard: string,
): AsyncGenerator<{ index: number; bytes: Buffer | null; length: number; problem?: string }> {
  // The top-level value being read; null between two of them.
  let top: 'list' | 'object' | null = null;
  let seen = false;
  // Open brackets, the top-level one included.
  let depth = 0;
  let inString = false;
  let escaped = false;
  let inElement = false;
  let parts: Buffer[] = [];
  let length = 0;
  let index = 0;
  let offset = 0;
  const take = (piece: Buffer) => {
    length += piece.length;
    if (length <= maxBytes) parts.push(piece);
    else parts = [];
  };
  const element = (problem?: string) => {
    const out = { index: index++, bytes: length > maxBytes ? null : Buffer.concat(parts, length), length, ...(problem ? { problem } : {}) };
    parts = [];
    length = 0;
    inElement = false;
    return out;
  };
  for await (const chunk of chunks) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
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
          [depth, seen] = [1, true];
          if (top === 'object') [inElement, start] = [true, i];
        } else if (!isSpace(b) && !BOM.includes(b)) {
          if (!seen) throw new DocumentError('bad-record', `${shard}: ${notJson(buf, i)}`);
          const text = JSON.stringify(buf.subarray(i, i + 40).toString('utf8'));
          yield { index: index++, bytes: null, length: 0, problem: `the file goes on at byte ${offset + i} with text that is no JSON record: ${text}` };
          return;
        }
        continue;
      }
      // Between two elements of the list: commas and white space, or its end.
      if (top === 'list' && depth === 1 && !inElement) {
        if (b === CLOSE_LIST) top = null;
        else if (b !== COMMA && !isSpace(b)) [inElement, start] = [true, i];
        if (!inElement) continue;
      }
      if (top === 'list' && depth === 1 && (b === COMMA || b === CLOSE_LIST)) {
        take(buf.subarray(start, i));
        yield element();
        if (b === CLOSE_LIST) top = null;
        continue;
      }
      if (b === QUOTE) inString = true;
      else if (b === OPEN_OBJECT || b === OPEN_LIST) depth++;
      else if (b === CLOSE_OBJECT || b === CLOSE_LIST) {
        // A `}` too many in an element of a list does not end the list: that element fails alone, the next ones come.
        if (top === 'list' && depth === 1) continue;
        depth--;
        if (depth === 0) {
          take(buf.subarray(start, i + 1));
          yield element();
          top = null;
        }
      }
    }
    if (inElement) take(buf.subarray(start));
    offset += buf.length;
  }
  if (!seen) throw new DocumentError('bad-record', `${shard}: an empty JSON file`);
  // Cut between two elements of a list, nothing is lost; cut inside one, that one fails.
  if (inElement) yield element('the file ends inside this record (a cut file?)');
}

/** Why a file that starts with byte `buf[i]` is no JSON that jsonElements reads. */
function notJson(buf: Buffer, i: number): string {
  if (i === 0 && (buf[0] === 0xff || buf[0] === 0xfe) && (buf[1] === 0xfe || buf[1] === 0xff)) return 'the file is UTF-16: save it as UTF-8';
  return `neither a JSON list of records nor one record (it starts with ${JSON.stringify(String.fromCharCode(buf[i]!))})`;
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
      if (el.problem) {
        yield { index: el.index, error: new DocumentError('bad-record', `record ${el.index}: ${el.problem}`) };
      } else if (el.bytes === null) {
        yield { index: el.index, error: new DocumentError('too-large', `record ${el.index} is ${el.length} bytes, over the limit of ${options.maxBytes} (limits.maxFileBytes)`) };
      } else {
        yield jsonRecord(el.index, el.bytes, options.textFields);
      }
    }
  },
  /** Enqueue counts the elements without parsing them (about 3 times faster on a list of news-please records). */
  async count(store, shard, options) {
    let n = 0;
    for await (const _ of jsonElements(decompressed(store, shard), options.maxBytes, shard.key)) n++;
    return n;
  },
};
