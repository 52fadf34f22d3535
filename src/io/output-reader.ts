import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { outputFormatOf, outputShardLines } from './output-shard.js';
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
 * then `<shard file>#<line or row>`).
 */
export const readOutputFolder: OutputReader = async function* (from, options) {
  const files = walkFiles(from, { exclude: options.exclude ?? [], ...(options.onSkip ? { onSkip: options.onSkip } : {}) });
  for await (const file of files) {
    if (outputFormatOf(file.rel) !== null && existsSync(`${file.path}${SHARD_MANIFEST}`)) {
      yield* readOutputShard(file.rel, file.path, options);
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

/** One output shard's documents; a shard that does not decode, or a line that is no document, is skipped with its reason. */
async function* readOutputShard(rel: string, path: string, options: ReadOptions): AsyncGenerator<{ rel: string; doc: StoredDocument }> {
  let lines: string[];
  try {
    lines = await outputShardLines(rel, await readFile(path));
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
