import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DocumentError } from '../errors.js';
import { textOf } from '../text/record.js';
import { storeFailure, type RecordFields, type ShardFormat, type ShardRecord } from './shards.js';
import type { ObjectStore, StoredObject } from './storage.js';

/** Rows decoded at once: a unit is read in such slices, so memory stays bounded whatever its size. */
const ROWS_PER_READ = 1024;

/** A Parquet file read by byte ranges (local reads or S3 range GETs), never fetched whole. */
function asyncBuffer(store: ObjectStore, shard: StoredObject): AsyncBuffer {
  return {
    byteLength: shard.size,
    slice: async (start, end) => {
      const bytes = await store.slice(shard.key, start, end ?? shard.size);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

async function metadata(file: AsyncBuffer, key: string): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(file);
  } catch (err) {
    if (storeFailure(err)) throw err;
    throw new DocumentError('undecodable', `${key} is not a readable Parquet file: ${(err as Error).message}`);
  }
}

function scalar(value: unknown): string | number | boolean | null | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  return undefined; // lists, maps and structs are no metadata field
}

function rowRecord(index: number, row: Record<string, unknown>, textFields: readonly string[], maxBytes: number): ShardRecord {
  // A binary text column keeps its bytes: the decode stage finds their encoding.
  const binary = textFields.map((f) => Object.keys(row).find((k) => k.toLowerCase() === f.toLowerCase())).find((k) => k !== undefined && row[k] instanceof Uint8Array);
  const chosen = binary === undefined ? textOf(row, textFields) : { key: binary, bytes: row[binary] as Uint8Array };
  if ('error' in chosen) return { index, error: new DocumentError('bad-record', `row ${index} ${chosen.error.replace('field', 'column')}`) };
  const { [chosen.key]: _text, ...rest } = row;
  const bytes = 'bytes' in chosen ? chosen.bytes : Buffer.from(chosen.text, 'utf8');
  if (bytes.length > maxBytes) {
    return { index, error: new DocumentError('too-large', `row ${index} is ${bytes.length} bytes, over the limit of ${maxBytes} (limits.maxFileBytes)`) };
  }
  const fields: RecordFields = {};
  for (const [k, v] of Object.entries(rest)) {
    const s = scalar(v);
    if (s !== undefined) fields[k] = s;
  }
  return { index, bytes, fields };
}

/** Parquet files (hyparquet, with hyparquet-compressors for zstd, gzip, brotli, lz4): one row a record. */
export const PARQUET: ShardFormat = {
  kind: 'parquet',
  matches: (name) => /\.parquet$/i.test(name),
  async *records(store: ObjectStore, shard: StoredObject, options) {
    const file = asyncBuffer(store, shard);
    const meta = await metadata(file, shard.key);
    const rows = Number(meta.num_rows);
    const end = Math.min(rows, options.to ?? rows);
    for (let start = options.from ?? 0; start < end; start += ROWS_PER_READ) {
      const rowEnd = Math.min(end, start + ROWS_PER_READ);
      let objects: Record<string, unknown>[];
      try {
        objects = await parquetReadObjects({ file, metadata: meta, rowStart: start, rowEnd, compressors, rowFormat: 'object' });
      } catch (err) {
        if (storeFailure(err)) throw err;
        throw new DocumentError('undecodable', `${shard.key}: rows ${start}-${rowEnd - 1} cannot be decoded: ${(err as Error).message}`);
      }
      for (let i = 0; i < objects.length; i++) yield rowRecord(start + i, objects[i]!, options.textFields, options.maxBytes);
    }
  },
  /** The footer says how many rows: enqueue reads a few kilobytes, not the file. */
  async count(store, shard) {
    return Number((await metadata(asyncBuffer(store, shard), shard.key)).num_rows);
  },
};
