import { readFile } from 'node:fs/promises';
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

/** The per-file layout workers write: `<rel>.json`, one document each. */
export const readOutputFolder: OutputReader = async function* (from, options) {
  for await (const file of walkFiles(from, { exclude: options.exclude ?? [], ...(options.onSkip ? { onSkip: options.onSkip } : {}) })) {
    if (!file.rel.endsWith('.json')) continue;
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
