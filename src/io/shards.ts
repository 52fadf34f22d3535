import { createGunzip } from 'node:zlib';
import { pipeline, Readable } from 'node:stream';
import { Decompress } from 'fzstd';
import { DocumentError, UsageError } from '../errors.js';
import type { SourceEntry } from './source.js';
import { openStore, type ObjectStore, type StoredObject } from './storage.js';

/** A record's fields besides its text (url, id, title, date, authors ...): scalars and lists of strings. */
export type RecordFields = Record<string, string | number | boolean | null | string[]>;

/** One record of a shard: its number from 0 and its document, or why it is no document. */
export type ShardRecord = { index: number; bytes: Uint8Array; fields: RecordFields } | { index: number; error: DocumentError };

export interface RecordOptions {
  /** The fields of a record (columns of a Parquet row) that may hold the document, in order (records.textFields). */
  textFields: readonly string[];
  /** A record over this many bytes fails as `too-large`, alone. */
  maxBytes: number;
  /** Records before this number are passed over without being decoded. */
  from?: number;
  /** Reading stops at this number (exclusive). */
  to?: number;
}

/**
 * A format of shard (JSONL, WARC, Parquet ...), chosen by the shard's name. A new
 * format is one module exporting one of these and one line in SHARD_FORMATS (source.ts).
 */
export interface ShardFormat {
  readonly kind: string;
  matches(name: string): boolean;
  /**
   * The records of one shard in order, from `from` to `to`. A record that is not what
   * the format says comes back as an error, alone: the shard goes on.
   */
  records(store: ObjectStore, shard: StoredObject, options: RecordOptions): AsyncGenerator<ShardRecord>;
  /** How many records the shard holds (enqueue numbers them): by default, by reading them. */
  count?(store: ObjectStore, shard: StoredObject, options: RecordOptions): Promise<number>;
}

/** A record's key: its shard's key, `#`, its number. The only name a job carries for it. */
export function recordKey(shard: string, index: number): string {
  return `${shard}#${index}`;
}

export function parseRecordKey(key: string): { shard: string; index: number } {
  const m = /^(.+)#(\d{1,12})$/.exec(key);
  if (!m) throw new DocumentError('unsafe-path', `${JSON.stringify(key)} is not a shard record (<shard>#<number>)`);
  return { shard: m[1]!, index: Number(m[2]) };
}

/**
 * The job unit a record belongs to: records [first, first + perJob) of its shard. Fixed
 * by the record's number and the batch's `shards.recordsPerJob` alone, so the output
 * shard of a unit has one name whichever job writes it, and a job that runs again
 * rewrites it whole.
 */
export function unitOf(key: string, perJob: number): { shard: string; first: number; unit: string } {
  const { shard, index } = parseRecordKey(key);
  const first = index - (index % perJob);
  return { shard, first, unit: `${shard}#${first}` };
}

/** The bytes of a shard, decompressed by its name's last extension (`.gz`, `.zst`). */
export async function* decompressed(store: ObjectStore, shard: StoredObject): AsyncGenerator<Uint8Array> {
  const raw = await store.stream(shard.key);
  try {
    // pipeline, not pipe: an error of the stored stream (a connection reset) reaches the
    // reader instead of being thrown uncaught and leaving the gunzip waiting for ever.
    if (/\.gz$/i.test(shard.key)) yield* pipeline(raw, createGunzip(), () => {}) as AsyncIterable<Uint8Array>;
    else if (/\.zst$/i.test(shard.key)) yield* zstd(raw);
    else yield* raw as AsyncIterable<Uint8Array>;
  } finally {
    // A reader that stops early (the end of its unit) closes the file or the connection.
    raw.destroy();
  }
}

/** fzstd's streaming decoder over a stream: chunks as they come, never the whole shard in memory. */
async function* zstd(raw: Readable): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  const decoder = new Decompress((chunk) => void out.push(chunk));
  for await (const chunk of raw as AsyncIterable<Uint8Array>) {
    decoder.push(chunk);
    yield* out.splice(0);
  }
  decoder.push(new Uint8Array(0), true);
  yield* out.splice(0);
}

/**
 * An error of the store, not of the file's bytes (a DocumentError it raised, a reset, a
 * timeout, an S3 error): passed on as it is, so that a passing one runs the job again
 * instead of failing the shard's records for good as undecodable.
 */
export function storeFailure(err: unknown): boolean {
  const e = err as { code?: unknown; $metadata?: unknown; name?: unknown };
  return err instanceof DocumentError || e.$metadata !== undefined || (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) || e.name === 'TimeoutError';
}

/** A shard whose compression or framing is broken fails its records as undecodable; a store error stays what it is. */
export function shardError(err: unknown, shard: string): unknown {
  if (err instanceof DocumentError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code?.startsWith('Z_') || /zstd|invalid (?:block|distance|stored)|incorrect header|unexpected end/i.test(e.message ?? '')) {
    return new DocumentError('undecodable', `${shard}: the shard's compression is broken: ${e.message}`);
  }
  return err;
}

/** A shard's reader, and the first record it has read and not handed out. */
interface Cursor {
  shard: string;
  maxBytes: number;
  reader: AsyncGenerator<ShardRecord>;
  pending: ShardRecord | null;
  /** The number of the record after the last one read. */
  next: number;
}

export interface ShardSourceOptions {
  formats: readonly ShardFormat[];
  textFields: readonly string[];
}

/**
 * Records of shards: one shard file or object, or every shard below a folder or prefix
 * (local or S3). Each record is a document with its own key (`<shard>#<n>`), number and
 * outcome; a job carries the records of one unit (unitOf) of one shard.
 */
export class ShardSource {
  readonly sharded = true;
  readonly root: string;
  private readonly store: ObjectStore;
  /** Shards by key, looked up once per source (a worker reads many units of one shard). */
  private readonly shards = new Map<string, Promise<StoredObject>>();

  constructor(
    location: string,
    private readonly options: ShardSourceOptions,
  ) {
    this.store = openStore(location);
    this.root = this.store.location;
  }

  formatOf(name: string): ShardFormat | undefined {
    return this.options.formats.find((f) => f.matches(name));
  }

  /** The shards, in key order; objects of no known format are reported and left out. */
  async *listShards(onSkip?: (key: string, reason: string) => void): AsyncGenerator<StoredObject> {
    const single = await this.store.single();
    const objects = single ? [single] : this.store.list();
    for await (const object of objects) {
      if (this.formatOf(object.key)) yield object;
      else onSkip?.(object.key, `not a shard of a known format (${this.options.formats.map((f) => f.kind).join(', ')})`);
    }
  }

  /**
   * Every record of every shard, in order. Enqueue numbers records here, reading each
   * shard once (Parquet: its footer only), so that a batch's `queued` is final when the
   * listing ends. An entry's time is its shard's: a changed shard rebuilds its outputs.
   */
  async *list(onSkip?: (key: string, reason: string) => void, maxBytes = Infinity): AsyncGenerator<SourceEntry> {
    for await (const shard of this.listShards(onSkip)) {
      let n: number;
      try {
        n = await this.count(shard, maxBytes);
      } catch (err) {
        // A shard that is not what its name says (broken compression, not a Parquet file)
        // is reported and left out, as an unreadable file of a folder is: one bad shard
        // does not end the walk (and every --resume of it) half-way.
        if (!(err instanceof UsageError) || !onSkip) throw err;
        onSkip(shard.key, err.message);
        continue;
      }
      for (let i = 0; i < n; i++) yield { key: recordKey(shard.key, i), size: 0, mtimeMs: shard.mtimeMs };
    }
  }

  /** How many records a shard holds. */
  async count(shard: StoredObject, maxBytes: number): Promise<number> {
    const format = this.formatOf(shard.key)!;
    const options = { textFields: this.options.textFields, maxBytes };
    try {
      if (format.count) return await format.count(this.store, shard, options);
      let n = 0;
      for await (const _ of format.records(this.store, shard, options)) n++;
      return n;
    } catch (err) {
      const e = shardError(err, this.store.locate(shard.key));
      if (e instanceof DocumentError) throw new UsageError(`cannot read shard ${this.store.locate(shard.key)}: ${e.message}`);
      throw e;
    }
  }

  /** A shard's size and time, looked up once per source (a worker reads many units of one shard). */
  shardInfo(shardKey: string): Promise<StoredObject> {
    let shard = this.shards.get(shardKey);
    if (!shard) {
      shard = this.store.info(shardKey).then((found) => {
        if (!found) throw new DocumentError('missing', `the shard is gone (deleted or moved after it was enqueued): ${this.store.locate(shardKey)}`);
        return found;
      });
      this.shards.set(shardKey, shard);
      shard.catch(() => this.shards.delete(shardKey));
    }
    return shard;
  }

  /**
   * Records [from, to) of a shard (the `to` may lie past its end). A compressed shard
   * cannot be entered in the middle: its reader is kept where a unit ended, and the next
   * unit of the same shard further on goes on from there instead of from the start (a
   * thread takes a shard's units in order, so each shard is read about once per thread,
   * not once per unit).
   */
  async *records(shardKey: string, from: number, to: number, maxBytes: number): AsyncGenerator<ShardRecord> {
    const format = this.formatOf(shardKey);
    if (!format) throw new DocumentError('unsafe-path', `${shardKey} is no shard of ${this.root}`);
    const open = async (): Promise<Cursor> => ({
      shard: shardKey,
      maxBytes,
      reader: format.records(this.store, await this.shardInfo(shardKey), { textFields: this.options.textFields, maxBytes, from }),
      pending: null,
      next: from,
    });
    let cursor = this.cursor;
    this.cursor = null;
    let reused = cursor !== null && cursor.shard === shardKey && cursor.maxBytes === maxBytes && (cursor.pending?.index ?? cursor.next) <= from;
    if (!reused) {
      await cursor?.reader.return(undefined);
      cursor = null;
    }
    let kept = false;
    try {
      cursor ??= await open();
      for (;;) {
        let record = cursor.pending;
        cursor.pending = null;
        if (!record) {
          let step: IteratorResult<ShardRecord>;
          try {
            step = await cursor.reader.next();
          } catch (err) {
            // A reader kept idle may have lost its connection: open the shard again, once.
            if (!reused) throw err;
            reused = false;
            await cursor.reader.return(undefined).catch(() => {});
            cursor = await open();
            continue;
          }
          if (step.done) return;
          record = step.value;
        }
        cursor.next = record.index + 1;
        reused = false;
        if (record.index < from) continue;
        if (record.index >= to) {
          cursor.pending = record;
          this.cursor = cursor;
          kept = true;
          return;
        }
        yield record;
      }
    } catch (err) {
      throw shardError(err, this.store.locate(shardKey));
    } finally {
      if (!kept) await cursor?.reader.return(undefined).catch(() => {});
    }
  }

  /** The reader left where the last unit ended (one per source: a thread works on one unit at a time). */
  private cursor: Cursor | null = null;

  /** Lets go of the reader kept for the next unit: its file or connection stays open until then. */
  async close(): Promise<void> {
    const cursor = this.cursor;
    this.cursor = null;
    await cursor?.reader.return(undefined).catch(() => {});
  }

  locate(key: string): string {
    const { shard, index } = parseRecordKey(key);
    return `${this.store.locate(shard)}#${index}`;
  }
}
