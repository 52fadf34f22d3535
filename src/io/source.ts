import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DocumentError, UsageError } from '../errors.js';
import { CSV } from './csv.js';
import { readDocument } from './files.js';
import { JSON_LIST } from './json-list.js';
import { JSONL } from './jsonl.js';
import { PARQUET } from './parquet.js';
import { ShardSource, type ShardFormat } from './shards.js';
import { isStoreLocation } from './storage.js';
import { WARC } from './warc.js';
import { walkFiles } from './walk.js';

/** One document a source lists: its key and what tells its versions apart. */
export interface SourceEntry {
  /** The document's name within the source (a relative path with `/`): jobs carry only this. */
  key: string;
  size: number;
  /** Changes when the document changes: outputs older than it are rebuilt. */
  mtimeMs: number;
}

/**
 * Where documents come from. A job names documents by key only; the worker reads
 * them through the source rebuilt from the batch record, so a job cannot name a
 * document outside the batch's input.
 */
export interface Source {
  readonly sharded: false;
  /** The input's location, recorded with the batch. */
  readonly root: string;
  /** Every document, in an order that is the same on every run. */
  list(onSkip?: (key: string, reason: string) => void): AsyncGenerator<SourceEntry>;
  /** One document's bytes. Throws DocumentError (missing, unsafe-path, special-file, too-large ...). */
  read(key: string, maxBytes: number): Promise<Uint8Array>;
  /** Where a key lives, for people (logs, status). */
  locate(key: string): string;
}

export interface SourceOptions {
  /** Locations to leave out of the listing (the output folder when it lies inside the input). */
  exclude?: string[];
  /** Follow symbolic links, even out of the folder (off: links are not listed and not read). */
  followLinks?: boolean;
  /** The fields of a record that may hold its document (records.textFields). */
  textFields?: readonly string[];
}

/** A folder of files (one document each), or shards of records: what a batch reads. */
export type AnySource = Source | ShardSource;

/** A location with a scheme (`s3://`, `https://`) is no folder. */
export const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The kinds of source, by the locations they read; the first that accepts a location
 * opens it: a folder of files, or shards (`file://` or `s3://`, a shard or a folder or
 * prefix of them).
 */
const SOURCE_KINDS: { kind: string; accepts(location: string): boolean; open(location: string, options: SourceOptions): AnySource }[] = [
  { kind: 'folder', accepts: (location) => !URL_SCHEME.test(location), open: (location, options) => new FolderSource(location, options) },
  { kind: 'shards', accepts: isStoreLocation, open: (location, options) => new ShardSource(location, { formats: SHARD_FORMATS, textFields: options.textFields ?? ['text'] }) },
];

/**
 * The formats of shard, by name; a new format is one module and one line here. A shard
 * whose name no format matches is reported and left out.
 */
export const SHARD_FORMATS: readonly ShardFormat[] = [JSONL, JSON_LIST, CSV, WARC, PARQUET];

/** The source that reads `location` (a batch's recorded input). */
export function openSource(location: string, options: SourceOptions = {}): AnySource {
  const kind = SOURCE_KINDS.find((k) => k.accepts(location));
  if (!kind) throw new UsageError(`no source reads ${location} (kinds: ${SOURCE_KINDS.map((k) => k.kind).join(', ')})`);
  return kind.open(location, options);
}

/**
 * The files below a folder. Keys are checked before anything is opened: no absolute
 * path, no `..`, no NUL; and unless links are followed, the file itself must not be a
 * link (O_NOFOLLOW) and the file opened must really lie inside the root (checked on
 * the open descriptor), so a link swapped in after enqueue, even mid-batch, is refused.
 */
export class FolderSource implements Source {
  readonly sharded = false;
  readonly root: string;
  /** The real root, resolved on the first read (the root itself may be reached through a link). */
  private realRoot: string | null = null;

  constructor(
    root: string,
    private readonly options: SourceOptions = {},
  ) {
    this.root = resolve(root);
  }

  async *list(onSkip?: (key: string, reason: string) => void): AsyncGenerator<SourceEntry> {
    const files = walkFiles(this.root, {
      exclude: this.options.exclude ?? [],
      followLinks: this.options.followLinks ?? false,
      ...(onSkip ? { onSkip } : {}),
    });
    for await (const file of files) yield { key: file.rel, size: file.size, mtimeMs: file.mtimeMs };
  }

  // Synchronous inside on purpose (files.ts says why); the promise is for sources that are not.
  async read(key: string, maxBytes: number): Promise<Uint8Array> {
    const path = this.locate(key);
    if (this.options.followLinks) {
      let real: string;
      try {
        real = realpathSync(path);
      } catch {
        return readDocument(path, maxBytes); // gone or unreadable: readDocument says which
      }
      return readDocument(real, maxBytes);
    }
    let realRoot: string;
    try {
      realRoot = this.realRoot ??= realpathSync(this.root);
    } catch {
      throw new DocumentError('missing', `the input folder is gone: ${this.root}`);
    }
    return readDocument(path, maxBytes, realRoot);
  }

  locate(key: string): string {
    assertKey(key);
    return join(this.root, key);
  }
}

/** A key names a file below the root: relative, no `.` or `..` segment, no NUL, no empty segment. */
export function assertKey(key: string): void {
  const bad =
    key === '' || key.includes('\0') || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.' || part === '');
  if (bad) throw new DocumentError('unsafe-path', `${JSON.stringify(key)} is not a path inside the batch's input folder`);
}
