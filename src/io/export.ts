import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import { walkFiles } from './walk.js';

export type ExportFormat = 'jsonl.gz' | 'txt';

export interface ExportOptions {
  format: ExportFormat;
  /** Uncompressed bytes per shard before the next one starts. */
  shardBytes: number;
  /** Export later exact copies too, marked `metadata.duplicateOf` (by default they are left out). */
  keepDuplicates?: boolean;
  onSkip?: (rel: string, reason: string) => void;
}

export interface ExportResult {
  documents: number;
  shards: string[];
  skipped: number;
  /** Documents whose clean text an earlier document (in name order) has too. */
  duplicates: number;
}

/**
 * Packs a folder of vnpipe documents into shards: gzip JSON lines (one document a
 * line, the fields as written: `id`, `text`, `source`, `sentences`, `metadata`), which
 * `datasets.load_dataset("json", data_files=...)`, Dolma and datatrove read; or plain
 * text, one sentence a line and a blank line between documents. Streams; each shard
 * appears under its final name only once complete.
 *
 * Exact duplicates (syndicated copies: the same clean text under another source) are
 * found by a hash of the text; the first in name order stays, the later ones are left
 * out, or exported with `metadata.duplicateOf` naming the first's source. The hashes
 * are held in memory: 8 bytes and a source name per distinct document.
 */
export async function exportCorpus(from: string, to: string, options: ExportOptions): Promise<ExportResult> {
  await mkdir(to, { recursive: true });
  const shards: string[] = [];
  let shard: Shard | null = null;
  let documents = 0;
  let skipped = 0;
  let duplicates = 0;
  const firsts = new Map<bigint, string>();
  for await (const file of walkFiles(from, { exclude: [to], ...(options.onSkip ? { onSkip: options.onSkip } : {}) })) {
    if (!file.rel.endsWith('.json')) continue;
    let doc: { text?: unknown; sentences?: unknown; source?: unknown; metadata?: Record<string, unknown> };
    try {
      doc = JSON.parse(await readFile(file.path, 'utf8')) as typeof doc;
      if (typeof doc.text !== 'string' || !Array.isArray(doc.sentences) || typeof doc.metadata !== 'object') throw new Error('not a vnpipe document');
    } catch (err) {
      options.onSkip?.(file.rel, (err as Error).message);
      skipped++;
      continue;
    }
    if (doc.text !== '') {
      const hash = createHash('sha256').update(doc.text).digest().readBigUInt64BE(0);
      const first = firsts.get(hash);
      if (first === undefined) {
        firsts.set(hash, String(doc.source));
      } else {
        duplicates++;
        if (!options.keepDuplicates) continue;
        doc.metadata = { ...doc.metadata, duplicateOf: first };
      }
    }
    const record = options.format === 'txt' ? `${(doc.sentences as string[]).join('\n')}\n\n` : `${JSON.stringify(doc)}\n`;
    if (shard && shard.bytes >= options.shardBytes) {
      shards.push(await shard.close());
      shard = null;
    }
    shard ??= new Shard(to, shards.length, options.format);
    await shard.write(record);
    documents++;
  }
  if (shard) shards.push(await shard.close());
  return { documents, shards, skipped, duplicates };
}

class Shard {
  bytes = 0;
  private readonly path: string;
  private readonly temp: string;
  private readonly file: WriteStream;
  private readonly sink: WriteStream | Gzip;

  constructor(dir: string, index: number, format: ExportFormat) {
    this.path = join(dir, `shard-${String(index).padStart(5, '0')}.${format}`);
    this.temp = `${this.path}.tmp`;
    this.file = createWriteStream(this.temp);
    if (format === 'jsonl.gz') {
      const gzip = createGzip();
      gzip.pipe(this.file);
      this.sink = gzip;
    } else {
      this.sink = this.file;
    }
  }

  async write(record: string): Promise<void> {
    this.bytes += Buffer.byteLength(record);
    if (!this.sink.write(record)) await new Promise<void>((resolve) => this.sink.once('drain', () => resolve()));
  }

  async close(): Promise<string> {
    const closed = new Promise<void>((resolve, reject) => {
      this.file.once('close', resolve);
      this.file.once('error', reject);
    });
    this.sink.end();
    await closed;
    await rename(this.temp, this.path);
    return this.path;
  }
}

/** `256MB`, `1.5GB`, `4096` (bytes) to a number of bytes. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/i.exec(text.trim());
  if (!m) return null;
  const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
  const bytes = Math.round(Number(m[1]) * units[(m[2] ?? 'b').toLowerCase()]!);
  return bytes > 0 ? bytes : null;
}
