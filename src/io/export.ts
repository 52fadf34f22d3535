import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip, gzipSync, type Gzip } from 'node:zlib';
import { VERSION } from '../config.js';
import { readSignatureIndex, SIGNATURE_INDEX, signatureIndexLines, type PriorEntry } from '../dedup/clusters.js';
import type { DedupSettings } from '../dedup/minhash.js';
import type { QualityPreset } from '../text/quality.js';
import { ALL_FIELDS, huggingFaceFeatures, jsonRecord, parquetColumns, type ExportDocument, type FieldSelection } from './export-schema.js';
import { scanCorpus } from './corpus-scan.js';
import { readOutputFolder, type OutputReader } from './output-reader.js';

export type ExportFormat = 'jsonl.gz' | 'txt' | 'parquet';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['jsonl.gz', 'txt', 'parquet'];

export interface ExportOptions {
  format: ExportFormat;
  /** Uncompressed bytes per shard before the next one starts. */
  shardBytes: number;
  /** Export duplicates too, marked `metadata.duplicateOf` (by default they are left out). */
  keepDuplicates?: boolean;
  /** Replace an earlier export in the target (never a folder that holds anything else). */
  overwrite?: boolean;
  fields?: FieldSelection;
  /** A named quality preset: documents it drops are left out and counted by reason. */
  filter?: { name: string; preset: QualityPreset };
  dedup: DedupSettings;
  /** Earlier exports whose documents stay: later copies of them are duplicates. */
  against?: string[];
  /** The config hash of the settings export ran with (filter presets, dedup). */
  configHash: string;
  reader?: OutputReader;
  onSkip?: (rel: string, reason: string) => void;
}

export interface ExportResult {
  documents: number;
  shards: string[];
  skipped: number;
  /** Exact copies (the same clean text) of a document kept. */
  duplicates: number;
  /** Near duplicates (MinHash-LSH) of a document kept. */
  nearDuplicates: number;
  /** Documents the filter left out, by the first rule each broke. */
  filtered: Record<string, number>;
  manifest: Manifest;
}

/** manifest.json: what an export holds and how it was made, so that two exports are never mixed up. */
export interface Manifest {
  vnpipe: string;
  created: string;
  format: ExportFormat;
  /** Documents written, and the bytes of the shards on disk. */
  documents: number;
  bytes: number;
  /** Each shard's file, documents, size on disk and SHA-256 of its bytes. */
  shards: { file: string; documents: number; bytes: number; sha256: string }[];
  fields: FieldSelection;
  /** The input folder and the runs (vnpipe version and config hash) that made its documents. */
  source: { folder: string; documents: number; skipped: number; runs: { version: string; config: string; documents: number }[] };
  /** The export's own settings' hash (filter presets, dedup). */
  config: string;
  filter: { preset: string; description: string; dropped: Record<string, number> } | null;
  dedup: DedupSettings & {
    exact: number;
    near: number;
    /** Of those, copies of a document of an earlier export (--against). */
    againstEarlier: number;
    against: string[];
    keptDuplicates: boolean;
    clusters: number;
    largestClusters: number[];
    signatureIndex: string;
  };
}

/**
 * Packs an output folder into shards: gzip JSON lines (`id`, `text`, `sentences`,
 * `source`, `metadata`, as Dolma and datatrove read them), Parquet (flat typed columns,
 * for Hugging Face), or plain text (one sentence a line, a blank line between
 * documents), with manifest.json, a dataset card (README.md with the Hugging Face
 * features) and the MinHash signature index of the documents written.
 *
 * Passes over the folder, in the reader's fixed order: scanCorpus (the filter, then
 * exact and near-duplicate clusters of what it passed), then one that writes the
 * documents each cluster keeps. Shards appear under their final names only once complete.
 * A target that holds anything is refused unless it holds an earlier export and
 * `overwrite` is set; then that export's files are replaced.
 */
export async function exportCorpus(from: string, to: string, options: ExportOptions): Promise<ExportResult> {
  await prepareTarget(to, options.overwrite ?? false);
  const read = options.reader ?? readOutputFolder;
  const fields = options.fields ?? ALL_FIELDS;
  const prior: PriorEntry[] = [];
  for (const dir of options.against ?? []) {
    try {
      prior.push(...(await readSignatureIndex(join(dir, SIGNATURE_INDEX), options.dedup)));
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new ExportError(`--against ${dir}: ${missing ? `no ${SIGNATURE_INDEX} (not a vnpipe export, or one made before signature indexes)` : (err as Error).message}`);
    }
  }

  const scan = await scanCorpus(from, {
    dedup: options.dedup,
    prior,
    ...(options.filter ? { filter: options.filter.preset } : {}),
    exclude: [to],
    reader: read,
    ...(options.onSkip ? { onSkip: options.onSkip } : {}),
  });
  const { clusters, signatures, filtered } = scan;

  // Pass 2: write what stays.
  const writer = new ShardWriter(to, options.format, options.shardBytes, fields);
  const kept: { source: string; id: string; signature: Int32Array | null }[] = [];
  for await (const { rel, doc } of read(from, { exclude: [to] })) {
    const i = scan.passed.get(rel);
    if (i === undefined) continue;
    const duplicateOf = clusters.duplicateOf[i]!;
    if (duplicateOf !== null && !options.keepDuplicates) continue;
    if (duplicateOf === null) kept.push({ source: doc.source, id: doc.id, signature: signatures[i]! });
    await writer.write({ ...doc, duplicateOf, clusterSize: clusters.clusterSize[i]! });
  }
  const shards = await writer.close();
  await writeFile(join(to, SIGNATURE_INDEX), gzipSync(`${signatureIndexLines(options.dedup, kept).join('\n')}\n`));

  const manifest: Manifest = {
    vnpipe: VERSION,
    created: new Date().toISOString(),
    format: options.format,
    documents: shards.reduce((n, s) => n + s.documents, 0),
    bytes: shards.reduce((n, s) => n + s.bytes, 0),
    shards,
    fields,
    source: { folder: from, documents: scan.documents, skipped: scan.skipped, runs: scan.runs },
    config: options.configHash,
    filter: options.filter ? { preset: options.filter.name, description: options.filter.preset.description, dropped: filtered } : null,
    dedup: {
      ...options.dedup,
      exact: clusters.exact,
      near: clusters.near,
      againstEarlier: clusters.prior,
      against: options.against ?? [],
      keptDuplicates: options.keepDuplicates ?? false,
      clusters: clusters.clusterSizes.length,
      largestClusters: clusters.clusterSizes.slice(0, 10),
      signatureIndex: SIGNATURE_INDEX,
    },
  };
  await writeFile(join(to, 'README.md'), datasetCard(manifest));
  // The manifest last: a folder without one is an export that did not finish.
  await writeFile(join(to, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    documents: manifest.documents,
    shards: shards.map((s) => join(to, s.file)),
    skipped: scan.skipped,
    duplicates: clusters.exact,
    nearDuplicates: clusters.near,
    filtered,
    manifest,
  };
}

export const MANIFEST = 'manifest.json';

/** Thrown when the target cannot take the export or an --against export cannot be read; the message says why. */
export class ExportError extends Error {}

async function prepareTarget(to: string, overwrite: boolean): Promise<void> {
  const entries = await readdir(to).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (entries === null || entries.length === 0) {
    await mkdir(to, { recursive: true });
    return;
  }
  const manifest = await readFile(join(to, MANIFEST), 'utf8').then(
    (t) => JSON.parse(t) as Manifest,
    () => null,
  );
  if (!overwrite || !manifest) {
    throw new ExportError(
      manifest
        ? `${to} holds an export of ${manifest.documents} documents (${manifest.created}); --overwrite replaces it`
        : `${to} is not empty and holds no vnpipe export (no ${MANIFEST}); export into a new or empty folder`,
    );
  }
  const ours = new Set([MANIFEST, 'README.md', SIGNATURE_INDEX, ...manifest.shards.map((s) => s.file)]);
  const others = entries.filter((e) => !ours.has(e) && !/^shard-\d{5}\.(?:jsonl\.gz|txt|parquet)(?:\.tmp)?$/.test(e));
  if (others.length > 0) throw new ExportError(`${to} holds files no export wrote (${others.slice(0, 3).join(', ')}); --overwrite replaces only an export`);
  // The manifest first: an interrupted overwrite leaves a folder that is plainly no finished export.
  await rm(join(to, MANIFEST));
  for (const e of entries) if (e !== MANIFEST) await rm(join(to, e), { force: true });
}

function datasetCard(m: Manifest): string {
  const ext = m.format === 'jsonl.gz' ? 'jsonl.gz' : m.format;
  const features = m.format === 'jsonl.gz' ? `dataset_info:\n  features:\n${huggingFaceFeatures(m.fields)}\n` : '';
  return `---
configs:
- config_name: default
  data_files: "shard-*.${ext}"
${features}---
# vnpipe export

${m.documents} documents in ${m.shards.length} shards (${m.format}), written by vnpipe ${m.vnpipe} on ${m.created}.
Filter: ${m.filter ? `${m.filter.preset} (${Object.entries(m.filter.dropped).map(([r, n]) => `${r} ${n}`).join(', ') || 'nothing dropped'})` : 'none'}.
Duplicates ${m.dedup.keptDuplicates ? 'kept, marked metadata.duplicateOf' : 'left out'}: ${m.dedup.exact} exact, ${m.dedup.near} near (MinHash ${m.dedup.bands} x ${m.dedup.rows} over ${m.dedup.ngram}-grams, threshold ${m.dedup.threshold}).
See manifest.json.
`;
}

/** Shards of one format, cut at `shardBytes` uncompressed bytes; each appears under its final name once complete. */
class ShardWriter {
  private readonly done: Manifest['shards'] = [];
  private current: Shard | null = null;

  constructor(
    private readonly dir: string,
    private readonly format: ExportFormat,
    private readonly shardBytes: number,
    private readonly fields: FieldSelection,
  ) {}

  async write(doc: ExportDocument): Promise<void> {
    if (this.current && this.current.bytes >= this.shardBytes) {
      this.done.push(await this.current.close());
      this.current = null;
    }
    this.current ??= this.format === 'parquet' ? new ParquetShard(this.dir, this.done.length, this.fields) : new TextShard(this.dir, this.done.length, this.format);
    await this.current.write(doc, this.fields);
  }

  async close(): Promise<Manifest['shards']> {
    if (this.current) this.done.push(await this.current.close());
    this.current = null;
    return this.done;
  }
}

interface Shard {
  bytes: number;
  write(doc: ExportDocument, fields: FieldSelection): Promise<void>;
  close(): Promise<Manifest['shards'][number]>;
}

function shardName(index: number, ext: string): string {
  return `shard-${String(index).padStart(5, '0')}.${ext}`;
}

/** gzip JSON lines or plain text, streamed. */
class TextShard implements Shard {
  bytes = 0;
  private documents = 0;
  private readonly file: string;
  private readonly path: string;
  private readonly out: WriteStream;
  private readonly sink: WriteStream | Gzip;
  private readonly hash = createHash('sha256');

  constructor(
    dir: string,
    index: number,
    private readonly format: 'jsonl.gz' | 'txt',
  ) {
    this.file = shardName(index, format);
    this.path = join(dir, this.file);
    this.out = createWriteStream(`${this.path}.tmp`);
    if (format === 'jsonl.gz') {
      const gzip = createGzip();
      gzip.on('data', (chunk: Buffer) => this.hash.update(chunk));
      gzip.pipe(this.out);
      this.sink = gzip;
    } else {
      this.sink = this.out;
    }
  }

  async write(doc: ExportDocument, fields: FieldSelection): Promise<void> {
    const record = this.format === 'txt' ? `${doc.sentences.join('\n')}\n\n` : `${JSON.stringify(jsonRecord(doc, fields))}\n`;
    if (this.format === 'txt') this.hash.update(record);
    this.bytes += Buffer.byteLength(record);
    this.documents++;
    if (!this.sink.write(record)) await new Promise<void>((resolve) => this.sink.once('drain', () => resolve()));
  }

  async close(): Promise<Manifest['shards'][number]> {
    const closed = new Promise<void>((resolve, reject) => {
      this.out.once('close', resolve);
      this.out.once('error', reject);
    });
    this.sink.end();
    await closed;
    await rename(`${this.path}.tmp`, this.path);
    return { file: this.file, documents: this.documents, bytes: (await stat(this.path)).size, sha256: this.hash.digest('hex') };
  }
}

/** A Parquet file: rows held until the shard is full (Parquet is written by columns), then one explicit schema for every shard. */
class ParquetShard implements Shard {
  bytes = 0;
  private readonly rows: ExportDocument[] = [];
  private readonly file: string;

  constructor(
    private readonly dir: string,
    index: number,
    private readonly fields: FieldSelection,
  ) {
    this.file = shardName(index, 'parquet');
  }

  async write(doc: ExportDocument): Promise<void> {
    this.rows.push(doc);
    this.bytes += Buffer.byteLength(doc.text) + 200;
  }

  async close(): Promise<Manifest['shards'][number]> {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const columns = parquetColumns(this.fields);
    const buffer = parquetWriteBuffer({
      columnData: columns.map((c) => ({ name: c.name, data: this.rows.map((r) => c.value(r)) as never })),
      schema: [{ name: 'root', num_children: columns.length }, ...columns.flatMap((c) => c.schema)] as never,
      codec: 'SNAPPY',
      kvMetadata: [{ key: 'vnpipe', value: VERSION }],
    });
    const bytes = Buffer.from(buffer);
    const path = join(this.dir, this.file);
    await writeFile(`${path}.tmp`, bytes);
    await rename(`${path}.tmp`, path);
    return { file: this.file, documents: this.rows.length, bytes: (await stat(path)).size, sha256: createHash('sha256').update(bytes).digest('hex') };
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
