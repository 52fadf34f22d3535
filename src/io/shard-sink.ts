import { gzipSync } from 'node:zlib';
import type { VnDocument } from '../text/pipeline.js';
import { recordHeader, type RecordRules } from '../text/record.js';
import type { Maker } from './files.js';
import { unitOf, type RecordFields } from './shards.js';
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
  /** Documents written, and records of the unit that failed (status lists them). */
  records: number;
  failed: number;
  /** Bytes of the output shard (gzip) and of its JSON lines. */
  bytes: number;
  uncompressedBytes: number;
  vnpipe: Maker;
}

const MANIFEST_SUFFIX = '.manifest.json';

/**
 * Output shards: `<out>/<input shard>.<first record, 9 digits>.jsonl.gz`, one per unit
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
  ) {
    this.store = openStore(location);
    this.root = this.store.location;
  }

  /** The output shard of the unit a record key belongs to. */
  nameOf(key: string): string {
    const { shard, first } = unitOf(key, this.recordsPerJob);
    return `${shard}.${String(first).padStart(9, '0')}.jsonl.gz`;
  }

  locate(key: string): string {
    return this.store.locate(this.nameOf(key));
  }

  async manifest(key: string): Promise<ShardManifest | null> {
    const { unit } = unitOf(key, this.recordsPerJob);
    if (this.last?.unit !== unit) {
      const manifest = this.store.get(`${this.nameOf(key)}${MANIFEST_SUFFIX}`).then((raw) => (raw ? (JSON.parse(raw.toString('utf8')) as ShardManifest) : null), () => null);
      this.last = { unit, manifest };
    }
    return this.last.manifest;
  }

  /** The unit's shard was made from this version of its input, by this vnpipe under these settings. */
  async isUpToDate(key: string, inputMtimeMs: number, maker: Maker): Promise<boolean> {
    const m = await this.manifest(key);
    return m !== null && m.inputMtimeMs === inputMtimeMs && m.vnpipe.version === maker.version && m.vnpipe.config === maker.config;
  }

  /** Replaces the unit's shard with `lines` (JSON documents, in record order), then its manifest. */
  async write(key: string, lines: string[], about: Omit<ShardManifest, 'shard' | 'records' | 'bytes' | 'uncompressedBytes' | 'first'>): Promise<ShardManifest> {
    const name = this.nameOf(key);
    const text = Buffer.from(lines.join(''), 'utf8');
    const body = gzipSync(text);
    await this.store.put(name, body, 'application/gzip');
    const manifest: ShardManifest = {
      shard: name,
      input: about.input,
      inputMtimeMs: about.inputMtimeMs,
      first: unitOf(key, this.recordsPerJob).first,
      records: lines.length,
      failed: about.failed,
      bytes: body.length,
      uncompressedBytes: text.length,
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
