import { SIGNAL_NAMES } from '../text/quality.js';
import type { StoredDocument } from './output-reader.js';

/**
 * The export's fixed schema: every record of every shard has the same fields, in the
 * same order, each of one type, whatever the document (a missing list is `[]`, a missing
 * string is null, `paragraphLanguages` is `[]` when every paragraph is in the document's
 * language). The types are also written as Hugging Face `features` in the export's
 * README.md, so that `load_dataset(<export folder>)` casts every shard to them instead
 * of inferring a shard whose `url` values are all null as type null; Parquet carries
 * them in each file.
 */
type Kind = 'string' | 'string?' | 'number' | 'strings' | 'captions' | 'labels' | 'removed' | 'quality' | 'vnpipe';

const TOP: Record<string, Kind> = { id: 'string', text: 'string', sentences: 'strings', source: 'string' };

/** Metadata fields in output order (as src/text/pipeline.ts writes them, then what export adds). */
const METADATA: Record<string, Kind> = {
  title: 'string?',
  date: 'string?',
  category: 'string?',
  authors: 'strings',
  sources: 'strings',
  captions: 'captions',
  url: 'string?',
  site: 'string?',
  language: 'string',
  languageScore: 'number',
  languageQuality: 'string',
  paragraphLanguages: 'labels',
  quality: 'quality',
  encoding: 'string',
  encodingConfidence: 'number',
  replacements: 'number',
  sha256: 'string',
  bytes: 'number',
  removed: 'removed',
  /** The source of the document its duplicate cluster keeps; null for a kept document. */
  duplicateOf: 'string?',
  /** Documents in its cluster (1 alone), as FineWeb-2's minhash_cluster_size, for re-weighting. */
  clusterSize: 'number',
  vnpipe: 'vnpipe',
};

/** A document on its way out: as stored, with what the dedup pass found. */
export interface ExportDocument extends StoredDocument {
  duplicateOf: string | null;
  clusterSize: number;
}

/** The fields chosen: top-level names and metadata names, in schema order. */
export interface FieldSelection {
  top: string[];
  metadata: string[];
}

export const ALL_FIELDS: FieldSelection = { top: Object.keys(TOP), metadata: Object.keys(METADATA) };

/**
 * `--fields id,text,metadata.title,url`: top-level names (`id`, `text`, `sentences`,
 * `source`, `metadata` for all of it) and metadata names, bare or as `metadata.name`.
 * Throws a one-line error naming the unknown field and the known ones.
 */
export function parseFields(list: string): FieldSelection {
  const top = new Set<string>();
  const metadata = new Set<string>();
  for (const raw of list.split(',').map((f) => f.trim()).filter(Boolean)) {
    const name = raw.replace(/^metadata\./, '');
    if (raw === 'metadata') Object.keys(METADATA).forEach((m) => metadata.add(m));
    else if (raw in TOP) top.add(raw);
    else if (name in METADATA) metadata.add(name);
    else throw new Error(`--fields: no field "${raw}"; the fields are ${[...Object.keys(TOP), 'metadata', ...Object.keys(METADATA)].join(', ')}`);
  }
  if (top.size + metadata.size === 0) throw new Error('--fields: name at least one field');
  return { top: Object.keys(TOP).filter((f) => top.has(f)), metadata: Object.keys(METADATA).filter((f) => metadata.has(f)) };
}

/** The JSON-lines record of a document: the chosen fields, each of its fixed type. */
export function jsonRecord(doc: ExportDocument, fields: FieldSelection): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const f of fields.top) record[f] = coerce(TOP[f]!, (doc as unknown as Record<string, unknown>)[f]);
  if (fields.metadata.length > 0) {
    const meta: Record<string, unknown> = {};
    for (const f of fields.metadata) meta[f] = coerce(METADATA[f]!, metadataValue(doc, f));
    record.metadata = meta;
  }
  return record;
}

function metadataValue(doc: ExportDocument, field: string): unknown {
  if (field === 'duplicateOf') return doc.duplicateOf;
  if (field === 'clusterSize') return doc.clusterSize;
  return doc.metadata[field];
}

function coerce(kind: Kind, value: unknown): unknown {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
    case 'string?':
      return typeof value === 'string' ? value : null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : 0;
    case 'strings':
      return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    case 'captions':
      return Array.isArray(value) ? value.map((c: { text?: unknown; credit?: unknown }) => ({ text: String(c?.text ?? ''), credit: typeof c?.credit === 'string' ? c.credit : null })) : [];
    case 'labels':
      return Array.isArray(value) ? value.map((l: { language?: unknown; score?: unknown }) => ({ language: String(l?.language ?? 'und'), score: Number(l?.score ?? 0) })) : [];
    case 'removed':
      return Array.isArray(value) ? value.map((r: { reason?: unknown; text?: unknown }) => ({ reason: String(r?.reason ?? ''), text: String(r?.text ?? '') })) : [];
    case 'quality': {
      // Documents written before quality signals existed have none: null, typed by the features.
      if (typeof value !== 'object' || value === null) return null;
      const q = value as Record<string, unknown>;
      return Object.fromEntries(SIGNAL_NAMES.map((s) => [s, typeof q[s] === 'number' ? q[s] : 0]));
    }
    case 'vnpipe': {
      const v = (value ?? {}) as { version?: unknown; config?: unknown };
      return { version: String(v.version ?? ''), config: String(v.config ?? '') };
    }
  }
}

/** Hugging Face `features` (dataset card YAML) of the chosen fields. */
export function huggingFaceFeatures(fields: FieldSelection): string {
  const lines: string[] = [];
  const feature = (name: string, kind: Kind, indent: string) => {
    const scalar = (k: Kind) => (k === 'number' ? 'float64' : 'string');
    const struct = (members: [string, string][]) => members.map(([n, t]) => `${indent}    - name: ${n}\n${indent}      dtype: ${t}`).join('\n');
    switch (kind) {
      case 'strings':
        return `${indent}- name: ${name}\n${indent}  sequence: string`;
      case 'captions':
        return `${indent}- name: ${name}\n${indent}  list:\n${struct([['text', 'string'], ['credit', 'string']])}`;
      case 'labels':
        return `${indent}- name: ${name}\n${indent}  list:\n${struct([['language', 'string'], ['score', 'float64']])}`;
      case 'removed':
        return `${indent}- name: ${name}\n${indent}  list:\n${struct([['reason', 'string'], ['text', 'string']])}`;
      case 'quality':
        return `${indent}- name: ${name}\n${indent}  struct:\n${SIGNAL_NAMES.map((s) => `${indent}  - name: ${s}\n${indent}    dtype: float64`).join('\n')}`;
      case 'vnpipe':
        return `${indent}- name: ${name}\n${indent}  struct:\n${indent}  - name: version\n${indent}    dtype: string\n${indent}  - name: config\n${indent}    dtype: string`;
      default:
        return `${indent}- name: ${name}\n${indent}  dtype: ${scalar(kind)}`;
    }
  };
  for (const f of fields.top) lines.push(feature(f, TOP[f]!, '  '));
  if (fields.metadata.length > 0) {
    lines.push('  - name: metadata\n    struct:');
    for (const f of fields.metadata) lines.push(feature(f, METADATA[f]!, '    '));
  }
  return lines.join('\n');
}

/** Parquet columns: flat (metadata fields at the top, quality as quality_<signal>), lists of strings as LIST, the structured lists as JSON text. */
export interface ParquetColumn {
  name: string;
  schema: Record<string, unknown>[];
  value(doc: ExportDocument): unknown;
}

export function parquetColumns(fields: FieldSelection): ParquetColumn[] {
  const columns: ParquetColumn[] = [];
  const add = (name: string, kind: Kind, get: (doc: ExportDocument) => unknown) => {
    const utf8 = (repetition: string, column = name) => ({ name: column, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: repetition });
    switch (kind) {
      case 'string':
        columns.push({ name, schema: [utf8('REQUIRED')], value: (d) => coerce(kind, get(d)) });
        break;
      case 'string?':
        columns.push({ name, schema: [utf8('OPTIONAL')], value: (d) => coerce(kind, get(d)) });
        break;
      case 'number':
        columns.push({ name, schema: [{ name, type: 'DOUBLE', repetition_type: 'REQUIRED' }], value: (d) => coerce(kind, get(d)) });
        break;
      case 'strings':
        columns.push({
          name,
          schema: [
            { name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
            { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
            { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
          ],
          value: (d) => coerce(kind, get(d)),
        });
        break;
      case 'quality':
        for (const s of SIGNAL_NAMES) {
          columns.push({
            name: `quality_${s}`,
            schema: [{ name: `quality_${s}`, type: 'DOUBLE', repetition_type: 'OPTIONAL' }],
            value: (d) => (coerce('quality', get(d)) as Record<string, number> | null)?.[s] ?? null,
          });
        }
        break;
      case 'vnpipe':
        for (const part of ['version', 'config'] as const) {
          columns.push({ name: `vnpipe_${part}`, schema: [utf8('REQUIRED', `vnpipe_${part}`)], value: (d) => (coerce('vnpipe', get(d)) as Record<string, string>)[part] });
        }
        break;
      default:
        columns.push({
          name,
          schema: [{ name, type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: 'REQUIRED' }],
          // The writer serialises a JSON column's values itself: a string given would be written as a JSON string.
          value: (d) => coerce(kind, get(d)),
        });
    }
  };
  for (const f of fields.top) add(f, TOP[f]!, (d) => (d as unknown as Record<string, unknown>)[f]);
  for (const f of fields.metadata) add(f, METADATA[f]!, (d) => metadataValue(d, f));
  return columns;
}
