import type { Config } from '../config.js';
import { presetFailure, type FilterInput, type QualityPreset } from '../text/quality.js';
import { scanCorpus } from './corpus-scan.js';
import type { OutputReader, StoredDocument } from './output-reader.js';

export interface Histogram {
  name: string;
  /** Bin i holds values from edges[i] up to (not including) edges[i + 1]; the last bin is open. */
  edges: number[];
  counts: number[];
  /** 10th, 50th and 90th percentiles. */
  p10: number;
  p50: number;
  p90: number;
  /** Documents without the value (written before quality signals existed). */
  missing: number;
}

export interface CorpusStats {
  folder: string;
  documents: number;
  /** Files that are not vnpipe documents. */
  skipped: number;
  languages: Record<string, number>;
  languageQuality: Record<string, number>;
  /** Per preset of config quality.presets: documents kept, and dropped by the first rule each broke. */
  presets: Record<string, { kept: number; dropped: Record<string, number> }>;
  /** Among the documents `filter` keeps (all when none): exact and near duplicates, and cluster sizes. */
  duplicates: { filter: string | null; exact: number; near: number; clusters: number; sizes: Record<string, number>; largest: number[] };
  distributions: Histogram[];
}

/** What the distributions show, and their bins. */
const DISTRIBUTIONS: { name: string; value(doc: StoredDocument): number | null; edges: number[] }[] = [
  { name: 'syllables', value: (d) => signal(d, 'words'), edges: [0, 50, 100, 200, 400, 800, 1600, 3200] },
  { name: 'languageScore', value: (d) => (typeof d.metadata.languageScore === 'number' ? d.metadata.languageScore : null), edges: [0, 0.2, 0.5, 0.8, 0.9, 0.95, 0.99] },
  { name: 'meanWordLength', value: (d) => signal(d, 'meanWordLength'), edges: [0, 2.5, 3, 3.5, 4, 4.5, 5, 11] },
  { name: 'linePunctShare', value: (d) => signal(d, 'linePunctShare'), edges: [0, 0.2, 0.333, 0.5, 0.8, 0.95] },
  { name: 'duplicate5GramShare', value: (d) => signal(d, 'duplicate5GramShare'), edges: [0, 0.05, 0.1, 0.15, 0.178, 0.3, 0.5] },
  { name: 'top2GramShare', value: (d) => signal(d, 'top2GramShare'), edges: [0, 0.05, 0.1, 0.2, 0.223, 0.4] },
  { name: 'markupShare', value: (d) => signal(d, 'markupShare'), edges: [0, 0.001, 0.01, 0.05, 0.2] },
];

function signal(doc: StoredDocument, name: string): number | null {
  const q = doc.metadata.quality as Record<string, unknown> | null | undefined;
  return q && typeof q[name] === 'number' ? q[name] : null;
}

/**
 * The numbers of an output folder: languages, what each filter preset would drop and
 * why, exact and near duplicates with their cluster sizes (the export's own scan, so
 * that stats and export agree), and distributions of length and quality signals.
 */
export async function corpusStats(
  folder: string,
  config: Config,
  options: { filter?: { name: string; preset: QualityPreset }; reader?: OutputReader; onSkip?: (rel: string, reason: string) => void } = {},
): Promise<CorpusStats> {
  const languages: Record<string, number> = {};
  const languageQuality: Record<string, number> = {};
  const presets: CorpusStats['presets'] = Object.fromEntries(Object.keys(config.quality.presets).map((p) => [p, { kept: 0, dropped: {} }]));
  const values = DISTRIBUTIONS.map(() => [] as number[]);
  const missing = DISTRIBUTIONS.map(() => 0);
  const count = (table: Record<string, number>, key: string) => (table[key] = (table[key] ?? 0) + 1);
  const scan = await scanCorpus(folder, {
    dedup: config.dedup,
    ...(options.filter ? { filter: options.filter.preset } : {}),
    ...(options.reader ? { reader: options.reader } : {}),
    ...(options.onSkip ? { onSkip: options.onSkip } : {}),
    onDocument: (doc) => {
      const m = doc.metadata;
      count(languages, String(m.language ?? 'und'));
      count(languageQuality, String(m.languageQuality ?? 'ok'));
      const input: FilterInput = {
        language: String(m.language ?? 'und'),
        languageScore: typeof m.languageScore === 'number' ? m.languageScore : 0,
        languageQuality: String(m.languageQuality ?? 'ok'),
        quality: (m.quality ?? null) as FilterInput['quality'],
      };
      for (const [name, preset] of Object.entries(config.quality.presets)) {
        const reason = presetFailure(preset, input);
        if (reason) count(presets[name]!.dropped, reason);
        else presets[name]!.kept++;
      }
      DISTRIBUTIONS.forEach((d, i) => {
        const v = d.value(doc);
        if (v === null) missing[i]!++;
        else values[i]!.push(v);
      });
    },
  });
  const sizes: Record<string, number> = {};
  for (const s of scan.clusters.clusterSizes) count(sizes, String(s));
  return {
    folder,
    documents: scan.documents,
    skipped: scan.skipped,
    languages,
    languageQuality,
    presets,
    duplicates: {
      filter: options.filter?.name ?? null,
      exact: scan.clusters.exact,
      near: scan.clusters.near,
      clusters: scan.clusters.clusterSizes.length,
      sizes,
      largest: scan.clusters.clusterSizes.slice(0, 10),
    },
    distributions: DISTRIBUTIONS.map((d, i) => histogram(d.name, d.edges, values[i]!, missing[i]!)),
  };
}

function histogram(name: string, edges: number[], values: number[], missing: number): Histogram {
  const counts = edges.map(() => 0);
  for (const v of values) {
    let bin = 0;
    while (bin + 1 < edges.length && v >= edges[bin + 1]!) bin++;
    counts[bin]!++;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0);
  return { name, edges, counts, p10: q(0.1), p50: q(0.5), p90: q(0.9), missing };
}
