import type { VnDocument } from '../text/pipeline.js';
import { recordHeader, type RecordRules } from '../text/record.js';
import type { Maker } from './files.js';
import { UsageError } from '../errors.js';
import { encodeOutputShard, outputFormatOf, outputShardLines, type OutputFormat } from './output-shard.js';
import { parseRecordKey, unitOf, type RecordFields } from './shards.js';
import { openStore, type ObjectStore } from './storage.js';

/** What the manifest beside an output shard says about it. */
export interface ShardManifest {
  /** The output shard's name below the output location. */
  shard: string;
  /** The input shard it was made from, and that shard's time when it was read. */
  input: string;
  inputMtimeMs: number;
  /** The unit: records [first, first + recordsPerJob) of the input shard. */
  first: number;
  /** The unit size the whole output was written with: every later enqueue into it keeps it (absent: an older vnpipe). */
  recordsPerJob?: number;
  /** Documents written, and records of the unit that failed (status lists them). */
  records: number;
  failed: number;
  /** The numbers of the records that failed: the next enqueue runs them again (absent: an older vnpipe). */
  failures?: number[];
  /** Bytes of the output shard (gzip or Parquet) and of its JSON lines. */
  bytes: number;
  uncompressedBytes: number;
  vnpipe: Maker;
}

const MANIFEST_SUFFIX = '.manifest.json';

/** A manifest's bytes as a manifest; null when they are no JSON object (a damaged file). */
function parseManifest(raw: Buffer): ShardManifest | null {
  try {
    const m = JSON.parse(raw.toString('utf8')) as unknown;
    return typeof m === 'object' && m !== null ? (m as ShardManifest) : null;
  } catch {
    return null;
  }
}

/**
 * Output shards: `<out>/<input shard>.<first record, 9 digits>.jsonl.gz` (or `.parquet`,
 * shards.outputFormat), one per unit
 * of `shards.recordsPerJob` records of an input shard, named from the unit alone, so
 * that a job that runs again (its worker killed, Redis restarted) replaces the same
 * shard whole and every record is out exactly once. Each shard is written in one piece
 * (a temporary file and a rename, or an S3 upload completed only when whole), then its
 * manifest beside it: a shard without a manifest is rewritten by the next enqueue.
 */
export class ShardSink {
  readonly sharded = true;
  readonly root: string;
  private readonly store: ObjectStore;
  /** The last unit's manifest: enqueue asks about the records of a unit one after another. */
  private last: { unit: string; manifest: Promise<ShardManifest | null> } | null = null;

  constructor(
    location: string,
    private readonly recordsPerJob: number,
    private readonly format: OutputFormat = 'jsonl.gz',
  ) {
    this.store = openStore(location);
    this.root = this.store.location;
  }

  /** The output shard of the unit a record key belongs to. */
  nameOf(key: string): string {
    const { shard, first } = unitOf(key, this.recordsPerJob);
    return `${shard}.${String(first).padStart(9, '0')}.${this.format}`;
  }

  locate(key: string): string {
    return this.store.locate(this.nameOf(key));
  }

  async manifest(key: string): Promise<ShardManifest | null> {
    const { unit } = unitOf(key, this.recordsPerJob);
    if (this.last?.unit !== unit) {
      const manifest = this.store.get(`${this.nameOf(key)}${MANIFEST_SUFFIX}`).then((raw) => (raw ? parseManifest(raw) : null), () => null);
      this.last = { unit, manifest };
    }
    return this.last.manifest;
  }

  /**
   * The record is in its unit's shard, made from this version of its input, by this
   * vnpipe under these settings. A record that failed there is not: enqueue runs it
   * again (its unit's shard is rewritten whole, the records already out in it once).
   */
  async isUpToDate(key: string, inputMtimeMs: number, maker: Maker): Promise<boolean> {
    const m = await this.manifest(key);
    if (m?.recordsPerJob !== undefined && m.recordsPerJob !== this.recordsPerJob) {
      throw new UsageError(
        `${this.store.locate(m.shard)} was written with shards.recordsPerJob = ${m.recordsPerJob}, not ${this.recordsPerJob} as the rest of ${this.root}: ` +
          `the output mixes unit sizes (written by an older vnpipe); write to a new output`,
      );
    }
    if (m === null || m.inputMtimeMs !== inputMtimeMs || m.vnpipe.version !== maker.version || m.vnpipe.config !== maker.config) return false;
    // A manifest without the list (an older vnpipe) says only how many failed: the unit runs again.
    return m.failures ? !m.failures.includes(parseRecordKey(key).index) : m.failed === 0;
  }

  /**
   * The documents already out in a unit's shard, by record number, when the shard was made
   * from this version of its input by this vnpipe under these settings: a unit that runs
   * for some of its records (those that failed, enqueued again) keeps the others as they
   * are instead of cleaning them again. Null when there is nothing to keep, or when the
   * shard and its manifest disagree (a worker killed between the two writes) or either
   * does not decode (damaged, or overwritten by another tool): the unit is cleaned whole
   * and its shard written again, rather than every record failing on every try.
   */
  async keptLines(unit: string, inputMtimeMs: number, maker: Maker): Promise<Map<number, string> | null> {
    const name = this.nameOf(unit);
    // Read afresh, not from the enqueue cache: this thread may have rewritten the unit since.
    const raw = await this.store.get(`${name}${MANIFEST_SUFFIX}`);
    const m = raw ? parseManifest(raw) : null;
    if (!m?.failures || m.recordsPerJob !== this.recordsPerJob || m.inputMtimeMs !== inputMtimeMs || m.vnpipe.version !== maker.version || m.vnpipe.config !== maker.config) {
      return null;
    }
    const body = await this.store.get(name);
    if (!body || body.length !== m.bytes) return null;
    const { shard, first } = unitOf(unit, this.recordsPerJob);
    const failures = new Set(m.failures);
    const kept = new Map<number, string>();
    let lines: string[];
    try {
      lines = await outputShardLines(name, body);
    } catch {
      return null;
    }
    for (const line of lines) {
      // Inside a JSON string a quote is escaped: `"source":"` is the field itself.
      const source = /"source":"([^"\\]*)"/.exec(line)?.[1];
      const index = source?.startsWith(`${shard}#`) ? Number(source.slice(shard.length + 1)) : NaN;
      if (!Number.isInteger(index) || index < first || index >= first + this.recordsPerJob || failures.has(index) || kept.has(index)) return null;
      kept.set(index, line);
    }
    return kept.size === m.records ? kept : null;
  }

  /**
   * The unit size this output was written with, from the first manifest found in it:
   * null for an output with no shard yet (or only shards of a vnpipe that did not say).
   * Enqueue keeps it, so that a changed `shards.recordsPerJob` never leaves two output
   * shards holding one record. An output written in another format is refused for the
   * same reason: its records would be out twice, once in each format.
   */
  async writtenUnitSize(): Promise<number | null> {
    try {
      for await (const object of this.store.list()) {
        if (!object.key.endsWith(MANIFEST_SUFFIX)) continue;
        const written = outputFormatOf(object.key.slice(0, -MANIFEST_SUFFIX.length));
        if (written !== null && written !== this.format) {
          throw new UsageError(
            `${this.root} holds output shards in ${written}, not ${this.format} (shards.outputFormat): ` +
              `its records would be out twice; write ${this.format} to a new output, or keep ${written}`,
          );
        }
        const raw = await this.store.get(object.key);
        // A damaged manifest says nothing: its unit is written again, and another one tells.
        const size = raw ? parseManifest(raw)?.recordsPerJob : undefined;
        if (Number.isInteger(size) && size! >= 1) return size!;
      }
    } catch (err) {
      // An output folder not made yet has no shards; any other error is the store's to report.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return null;
  }

  /** Replaces the unit's shard with `lines` (JSON documents, in record order), then its manifest. */
  async write(
    key: string, lines: string[], about: Pick<ShardManifest, 'input' | 'inputMtimeMs' | 'vnpipe'> & { failures: number[] },
  ): Promise<ShardManifest> {
    const name = this.nameOf(key);
    const { body, contentType } = encodeOutputShard(this.format, lines);
    await this.store.put(name, body, contentType);
    const manifest: ShardManifest = {
      shard: name,
      input: about.input,
      inputMtimeMs: about.inputMtimeMs,
      first: unitOf(key, this.recordsPerJob).first,
      recordsPerJob: this.recordsPerJob,
      records: lines.length,
      failed: about.failures.length,
      failures: [...about.failures].sort((a, b) => a - b),
      bytes: body.length,
      uncompressedBytes: lines.reduce((n, l) => n + Buffer.byteLength(l), 0),
      vnpipe: about.vnpipe,
    };
    await this.store.put(`${name}${MANIFEST_SUFFIX}`, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), 'application/json');
    return manifest;
  }
}

/**
 * A cleaned record with the fields of its record that its metadata did not take (the
 * record stage read title, date, authors, url and category from them: records.*) as
 * `metadata.record` (`id`, language tags ...); `metadata.vnpipe` stays last.
 */
export function withRecordFields(doc: VnDocument, fields: RecordFields, rules: RecordRules): VnDocument & { metadata: { record: RecordFields } } {
  const { vnpipe, ...metadata } = doc.metadata;
  const used = new Set(recordHeader(fields, rules, '').used);
  const record: RecordFields = {};
  for (const [k, v] of Object.entries(fields)) if (!used.has(k)) record[k] = v;
  return { ...doc, metadata: { ...metadata, record, vnpipe } };
}
