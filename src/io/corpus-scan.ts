import { Deduplicator, type DedupResult, type PriorEntry } from '../dedup/clusters.js';
import { MinHasher, shingleSet, type DedupSettings } from '../dedup/minhash.js';
import { presetFailure, type FilterInput, type QualityPreset } from '../text/quality.js';
import { readOutputFolder, type OutputReader, type StoredDocument } from './output-reader.js';

export interface ScanOptions {
  dedup: DedupSettings;
  prior?: PriorEntry[];
  filter?: QualityPreset;
  /** Folders not to read (an export target inside the folder). */
  exclude?: string[];
  reader?: OutputReader;
  onSkip?: (rel: string, reason: string) => void;
  /** Told about every document read, with the filter rule it broke (null when it passed). */
  onDocument?: (doc: StoredDocument, dropped: string | null) => void;
}

export interface Scan {
  /** The documents the filter passed, by their file, numbered as `clusters` numbers them. */
  passed: Map<string, number>;
  clusters: DedupResult;
  /** Per passed document, its MinHash signature (null for an empty text). */
  signatures: (Int32Array | null)[];
  /** Documents the filter dropped, by the first rule each broke. */
  filtered: Record<string, number>;
  /** The runs (vnpipe version, config hash) that made the documents. */
  runs: { version: string; config: string; documents: number }[];
  documents: number;
  skipped: number;
}

/**
 * What export and stats learn of an output folder before anything is written: the
 * filter's verdicts, and exact and near-duplicate clusters of the documents it passed
 * (so that a duplicate never points at a document the filter dropped). One pass over the
 * folder, and a second over the near-duplicate candidates' texts to check their exact
 * shingle sets.
 */
export async function scanCorpus(from: string, options: ScanOptions): Promise<Scan> {
  const read = options.reader ?? readOutputFolder;
  const exclude = options.exclude ?? [];
  const dedup = new Deduplicator(options.dedup, options.prior ?? []);
  const passed = new Map<string, number>();
  const filtered: Record<string, number> = {};
  const runs = new Map<string, { version: string; config: string; documents: number }>();
  let documents = 0;
  let skipped = 0;
  const onSkip = (rel: string, reason: string) => {
    skipped++;
    options.onSkip?.(rel, reason);
  };
  for await (const { rel, doc } of read(from, { exclude, onSkip })) {
    documents++;
    const run = doc.metadata.vnpipe as { version?: string; config?: string } | undefined;
    const key = `${run?.version ?? '?'} ${run?.config ?? '?'}`;
    const r = runs.get(key) ?? { version: run?.version ?? 'unknown', config: run?.config ?? 'unknown', documents: 0 };
    r.documents++;
    runs.set(key, r);
    const reason = options.filter ? presetFailure(options.filter, filterInput(doc)) : null;
    options.onDocument?.(doc, reason);
    if (reason) {
      filtered[reason] = (filtered[reason] ?? 0) + 1;
      continue;
    }
    passed.set(rel, passed.size);
    dedup.add({ source: doc.source, id: doc.id, date: typeof doc.metadata.date === 'string' ? doc.metadata.date : null, text: doc.text });
  }
  const wanted = dedup.candidateDocuments();
  if (wanted.size > 0) {
    const hasher = new MinHasher(options.dedup);
    const sets = new Map<number, Int32Array | null>();
    for await (const { rel, doc } of read(from, { exclude })) {
      const i = passed.get(rel);
      if (i === undefined || !wanted.has(i)) continue;
      const all = hasher.shingles(doc.text);
      sets.set(i, all && shingleSet(all));
    }
    dedup.verify((i) => sets.get(i) ?? null);
  }
  return { passed, clusters: dedup.finish(), signatures: dedup.addedSignatures(), filtered, runs: [...runs.values()], documents, skipped };
}

function filterInput(doc: StoredDocument): FilterInput {
  const m = doc.metadata;
  return {
    language: typeof m.language === 'string' ? m.language : 'und',
    languageScore: typeof m.languageScore === 'number' ? m.languageScore : 0,
    languageQuality: typeof m.languageQuality === 'string' ? m.languageQuality : 'ok',
    quality: (m.quality ?? null) as FilterInput['quality'],
  };
}
