import { sourceOf } from '../text/learned.js';
import type { Removal } from '../text/lines.js';
import { readOutputFolder } from './output-reader.js';

export interface SourceReport {
  source: string;
  documents: number;
  /** Characters removed over characters read (removed + kept). */
  removedShare: number;
  /** The most removed lines, with how many documents they left. */
  top: { reason: string; text: string; count: number }[];
  /** Documents that lost more than half their text: likely mistakes to look at. */
  heavy: { source: string; removedShare: number }[];
}

// Distinct removed lines kept per source before the rare ones are dropped: a report of
// a million documents stays in memory.
const MAX_DISTINCT = 100_000;

/** What cleaning removed from the documents in an output folder (files or output shards), per source. */
export async function removalReport(outDir: string, top: number): Promise<SourceReport[]> {
  const sources = new Map<string, { documents: number; kept: number; removed: number; lines: Map<string, number>; heavy: SourceReport['heavy'] }>();
  for await (const { doc: stored } of readOutputFolder(outDir, {})) {
    const doc = stored as unknown as { source: string; text: string; metadata: { site: string | null; removed: Removal[] } };
    if (!Array.isArray(doc.metadata.removed)) continue;
    const name = sourceOf({ site: doc.metadata.site }, doc.source);
    let s = sources.get(name);
    if (!s) {
      s = { documents: 0, kept: 0, removed: 0, lines: new Map(), heavy: [] };
      sources.set(name, s);
    }
    const removed = doc.metadata.removed.reduce((n, r) => n + r.text.length, 0);
    s.documents++;
    s.kept += doc.text.length;
    s.removed += removed;
    if (removed > doc.text.length) s.heavy.push({ source: doc.source, removedShare: share(removed, doc.text.length) });
    for (const r of doc.metadata.removed) {
      const key = `${r.reason}\t${r.text}`;
      s.lines.set(key, (s.lines.get(key) ?? 0) + 1);
    }
    if (s.lines.size > MAX_DISTINCT) {
      for (const [key, count] of s.lines) if (count === 1) s.lines.delete(key);
    }
  }
  return [...sources]
    .sort((a, b) => b[1].documents - a[1].documents || a[0].localeCompare(b[0]))
    .map(([source, s]) => ({
      source,
      documents: s.documents,
      removedShare: share(s.removed, s.kept),
      top: [...s.lines]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, top)
        .map(([key, count]) => {
          const [reason, ...text] = key.split('\t');
          return { reason: reason!, text: text.join('\t'), count };
        }),
      heavy: s.heavy.sort((a, b) => b.removedShare - a.removedShare),
    }));
}

function share(removed: number, kept: number): number {
  return removed + kept === 0 ? 0 : Math.round((removed / (removed + kept)) * 1000) / 1000;
}
