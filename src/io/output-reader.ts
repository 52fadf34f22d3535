import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { outputFormatOf, outputShardLines } from './output-shard.js';
import { isStoreLocation, openStore } from './storage.js';
import { walkFiles } from './walk.js';

/** A vnpipe output document as stored: the fields of VnDocument, metadata as written by whichever version made it. */
export interface StoredDocument {
  id: string;
  text: string;
  sentences: string[];
  source: string;
  metadata: Record<string, unknown>;
}

export interface ReadOptions {
  /** Absolute folders to leave out (the export's own target when it lies inside). */
  exclude?: string[];
  /** Told about each file that is not a vnpipe document (and why); reading goes on. */
  onSkip?: (rel: string, reason: string) => void;
}

/**
 * Reads an output folder's documents in a fixed order (the walk's: name order, files
 * before subfolders), so that two reads of the same folder meet the same documents in
 * the same order. The one place export, stats and dedup read outputs: another output
 * layout (sharded JSON lines) is another function of this shape.
 */
export type OutputReader = (from: string, options: ReadOptions) => AsyncIterable<{ rel: string; doc: StoredDocument }>;

/** Beside each output shard a batch of shards wrote: written last, so the shard is whole. */
const SHARD_MANIFEST = '.manifest.json';

/**
 * What workers write: `<rel>.json`, one document each, from a folder of files; or output
 * shards `<shard>.<first record>.jsonl.gz` (one document a line) or `.parquet` (one a
 * row), each with its manifest beside it, from a batch of shards (a document's rel is
 * then `<shard file>#<line or row>`). Output shards on S3 (or a `file://` location) are
 * read from their store, in key order.
 */
export const readOutputFolder: OutputReader = async function* (from, options) {
  if (isStoreLocation(from)) {
    yield* readOutputStore(from, options);
    return;
  }
  const files = walkFiles(from, { exclude: options.exclude ?? [], ...(options.onSkip ? { onSkip: options.onSkip } : {}) });
  for await (const file of files) {
    if (outputFormatOf(file.rel) !== null && existsSync(`${file.path}${SHARD_MANIFEST}`)) {
      let body: Buffer;
      try {
        body = await readFile(file.path);
      } catch (err) {
        options.onSkip?.(file.rel, (err as Error).message);
        continue;
      }
      yield* readOutputShard(file.rel, body, options);
      continue;
    }
    if (!file.rel.endsWith('.json') || file.rel.endsWith(SHARD_MANIFEST)) continue;
    let doc: StoredDocument;
    try {
      doc = parseStoredDocument(await readFile(file.path, 'utf8'));
    } catch (err) {
      options.onSkip?.(file.rel, (err as Error).message);
      continue;
    }
    yield { rel: file.rel, doc };
  }
};

export function parseStoredDocument(json: string): StoredDocument {
  const doc = JSON.parse(json) as Partial<StoredDocument> | null;
  if (
    !doc ||
    typeof doc.text !== 'string' ||
    !Array.isArray(doc.sentences) ||
    typeof doc.source !== 'string' ||
    typeof doc.metadata !== 'object' ||
    doc.metadata === null
  ) {
    throw new Error('not a vnpipe document');
  }
  return { id: typeof doc.id === 'string' ? doc.id : '', text: doc.text, sentences: doc.sentences, source: doc.source, metadata: doc.metadata };
}

/** The output shards below a store location (each with its manifest: a shard without one is not whole yet, or is no shard of vnpipe). */
async function* readOutputStore(location: string, options: ReadOptions): AsyncGenerator<{ rel: string; doc: StoredDocument }> {
  const store = openStore(location);
  const keys: string[] = [];
  for await (const object of store.list()) keys.push(object.key);
  const listed = new Set(keys);
  for (const key of keys) {
    if (outputFormatOf(key) === null || !listed.has(`${key}${SHARD_MANIFEST}`)) continue;
    // A store that fails (access, network) ends the read with its error: an export must not quietly leave shards out.
    const body = await store.get(key);
    if (body) yield* readOutputShard(key, body, options);
    else options.onSkip?.(key, 'deleted since it was listed');
  }
}

/** One output shard's documents; a shard that does not decode, or a line that is no document, is skipped with its reason. */
async function* readOutputShard(rel: string, body: Uint8Array, options: ReadOptions): AsyncGenerator<{ rel: string; doc: StoredDocument }> {
  let lines: string[];
  try {
    lines = await outputShardLines(rel, body);
  } catch (err) {
    options.onSkip?.(rel, `not a ${outputFormatOf(rel)} shard: ${(err as Error).message}`);
    return;
  }
  for (let i = 0; i < lines.length; i++) {
    try {
      yield { rel: `${rel}#${i}`, doc: parseStoredDocument(lines[i]!) };
    } catch (err) {
      options.onSkip?.(`${rel}#${i}`, (err as Error).message);
    }
  }
}
