import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { dumpSentences, splitGluedLines } from './boilerplate.js';
import type { Draft } from '../stages/stage.js';
import type { Line } from './lines.js';
import type { Header } from './metadata.js';
import { runStages } from './pipeline.js';
import { withRecordHeader } from './record.js';

/**
 * Boilerplate learned from the corpus (the cc_net method): a line that stands in many
 * documents of one source is not article text. Counting is a sum over documents, so
 * one worker or many, in any order, learn the same profile.
 */
export interface LearnSettings {
  /**
   * A line must stand in at least this many documents of its source: CCNet's
   * repetition with one document more, so that two crawls of one article are no pattern.
   */
  minDocuments: number;
  /** A line that reads as a sentence (see `sentenceWords`) must also stand in at least this share of them ... */
  minShare: number;
  /** ... or in at least this many, whatever their share: a donation appeal in 3 % of a large site's pages. */
  minDocumentsAnyShare: number;
  /**
   * A line that ends like a sentence and has at least this many words reads as article
   * text (a quote, a legal formula): the share rule applies. Shorter lines, and lines that
   * do not end like a sentence (teasers of other articles, labels, names), need only `minDocuments`.
   */
  sentenceWords: number;
  /** Lines longer than this that end like a sentence are protected: a quote or formula ... */
  protectLength: number;
  /** ... unless they stand in at least this share of the source's documents. */
  protectShare: number;
  /** Distinct lines counted per source, at most: memory stays bounded. */
  maxLinesPerSource: number;
  /**
   * A line in at least this many documents (CCNet's 2), whatever its shape, is removed
   * where it stands in the run of such lines that closes a document: the teasers of other
   * articles under it. Never in a document most of whose lines repeat (a second crawl of one article).
   */
  tailMinDocuments: number;
}

/** The `learn` settings: how lines are counted, and whether a batch learns by default. */
export interface LearnConfig extends LearnSettings {
  /** enqueue and run learn each batch's profile from its own input first, unless told otherwise. */
  enabled: boolean;
  /**
   * A document whose text the learned lines would remove at least this share of (in
   * characters) is a copy of a document its source repeats (one article crawled three
   * times): it keeps those lines, or every copy would be emptied.
   */
  copyShare: number;
}

/**
 * One document's distinct lines under its source. `key` joins the variants of a line
 * (they differ in case, digits or spacing); of the variants, the profile shows the one
 * of lowest `rank`, a hash of its text, so that every way of counting, in any order,
 * in memory or in Redis, shows the same one.
 */
export interface DocumentLines {
  source: string;
  lines: { key: string; rank: number; text: string }[];
}

/**
 * A human-readable, editable profile: per source, the lines to remove and in how many
 * documents each stood, and the lines removed only in the run that closes a document (`tail`).
 */
export interface Profile {
  version: 1;
  settings: LearnSettings;
  sources: Record<string, { documents: number; lines: { text: string; documents: number }[]; tail?: { text: string; documents: number }[] }>;
}

/** The keys of a source's learned lines: removed wherever they stand, or only in a document's closing run. */
export interface LearnedSource {
  lines: ReadonlySet<string>;
  tail: ReadonlySet<string>;
}

/** Per source, what a profile removes. */
export type LearnedLines = ReadonlyMap<string, LearnedSource>;

/** Fewest documents a line is counted from: below both thresholds a count is dropped. */
export function countFloor(settings: LearnSettings): number {
  return Math.min(settings.minDocuments, settings.tailMinDocuments);
}

const SENTENCE_END = /[.!?…]["”’)]*$/;
// A statement's full stop; a question or an ellipsis closes headlines and cut teasers as often.
const STATEMENT_END = /(?<!\.)\.["”’)]*$/;

/** The site when the document names it, else the top-level folder of its path, else `(root)`. */
export function sourceOf(header: Pick<Header, 'site'>, rel: string): string {
  if (header.site) return header.site.toLowerCase();
  const slash = rel.indexOf('/');
  return slash > 0 ? rel.slice(0, slash) : '(root)';
}

/**
 * The source a document's lines are counted and looked up under: the site its header or
 * its record's fields name (a record's url: a WET shard mixes thousands of sites), as
 * in the output's `metadata.site`.
 */
export function draftSource(draft: Pick<Draft, 'header' | 'record' | 'source'>): string {
  return sourceOf(withRecordHeader(draft.header, draft.record), draft.source);
}

/**
 * Lines that differ only in case, numbers (dates, times, counts: `06/04/2025 | 23:58`
 * and `07/04/2025 | 08:10` are one), or spacing count as one.
 */
export function lineKey(text: string): string {
  const canonical = text.toLowerCase().replace(/\d+(?:[.,:/-]\d+)*/g, '0').replace(/\s+/g, ' ').trim();
  return createHash('sha1').update(canonical).digest('hex').slice(0, 16);
}

/** 48 bits of the text's hash: a number Lua compares exactly. */
function textRank(text: string): number {
  return parseInt(createHash('sha1').update(text).digest('hex').slice(0, 12), 16);
}

/**
 * The distinct lines of a document below its header, for counting; a shard record comes
 * with its fields (`recordFields`), as it is cleaned. Throws DocumentError as decode does.
 */
export function documentLines(bytes: Uint8Array, rel: string, config: Config, recordFields?: Readonly<Record<string, unknown>>): DocumentLines {
  // The declared pipeline up to the header: the lines the boilerplate stage will get (an HTML page's article).
  const { draft } = runStages(bytes, rel, { config, ...(recordFields ? { recordFields } : {}) }, 'metadata');
  const body = draft.lines;
  const seen = new Map<string, { key: string; rank: number; text: string }>();
  // Counted as the boilerplate stage will see them: glued lines split, and in a one-line
  // dump its sentences too (a footer run into the text is one of them).
  const lines = splitGluedLines(body);
  for (const text of [...lines.map((l) => l.text), ...dumpSentences(body, lines)]) {
    const key = lineKey(text);
    const rank = textRank(text);
    const known = seen.get(key);
    if (!known || rank < known.rank) seen.set(key, { key, rank, text });
  }
  return { source: draftSource(draft), lines: [...seen.values()] };
}

/**
 * What the profile removes from a document: its source's learned lines, unless they
 * would take `copyShare` or more of its text (then it is a copy of a repeated document,
 * and only the tail rule, which guards against copies itself, applies).
 */
export function learnedFor(body: Line[], learned: LearnedSource | undefined, copyShare: number): LearnedSource | undefined {
  if (!learned || learned.lines.size === 0) return learned;
  const lines = splitGluedLines(body);
  let total = 0;
  let removed = 0;
  // Counted as the lines were: a one-line dump's sentences stand for it.
  const dump = dumpSentences(body, lines);
  for (const text of dump.length > 0 ? dump : lines.map((l) => l.text)) {
    total += text.length;
    if (learned.lines.has(lineKey(text))) removed += text.length;
  }
  return total > 0 && removed >= total * copyShare ? { lines: new Set(), tail: learned.tail } : learned;
}

/** Line counts of one source, however they were gathered (in memory or in Redis). */
export interface SourceCounts {
  source: string;
  documents: number;
  /** Lines seen in at least `countFloor` documents: key, first text seen, documents. */
  lines: { key: string; text: string; documents: number }[];
}

export function buildProfile(counts: SourceCounts[], config: LearnSettings | LearnConfig): Profile {
  // Whether batches learn is no part of what a profile learned.
  const { enabled: _enabled, copyShare: _copyShare, ...settings } = config as LearnConfig;
  const sources: Profile['sources'] = {};
  for (const c of [...counts].sort((a, b) => a.source.localeCompare(b.source))) {
    const order = (a: { text: string; documents: number }, b: { text: string; documents: number }) => b.documents - a.documents || a.text.localeCompare(b.text);
    const lines = c.lines.filter((l) => isBoilerplate(l.text, l.documents, c.documents, settings)).sort(order).map(({ text, documents }) => ({ text, documents }));
    const learned = new Set(lines.map((l) => l.text));
    const tail = c.lines
      .filter((l) => l.documents >= settings.tailMinDocuments && !learned.has(l.text))
      .sort(order)
      .map(({ text, documents }) => ({ text, documents }));
    if (lines.length > 0 || tail.length > 0) sources[c.source] = { documents: c.documents, lines, ...(tail.length > 0 ? { tail } : {}) };
  }
  return { version: 1, settings, sources };
}

function isBoilerplate(text: string, documents: number, total: number, s: LearnSettings): boolean {
  if (documents < s.minDocuments) return false;
  if (text.length > s.protectLength && SENTENCE_END.test(text)) return documents >= total * s.protectShare;
  if (!STATEMENT_END.test(text) || text.split(' ').length < s.sentenceWords) return true;
  return documents >= total * s.minShare || documents >= s.minDocumentsAnyShare;
}

/** Counts lines in memory: `vnpipe learn` and the tests. */
export class LineCounter {
  private readonly bySource = new Map<string, { documents: number; lines: Map<string, { text: string; rank: number; documents: number }> }>();

  constructor(private readonly settings: LearnSettings) {}

  add(doc: DocumentLines): void {
    let source = this.bySource.get(doc.source);
    if (!source) {
      source = { documents: 0, lines: new Map() };
      this.bySource.set(doc.source, source);
    }
    source.documents++;
    for (const { key, text, rank } of doc.lines) {
      const line = source.lines.get(key);
      if (line) {
        line.documents++;
        if (rank < line.rank) Object.assign(line, { text, rank });
      } else if (source.lines.size < this.settings.maxLinesPerSource) {
        source.lines.set(key, { text, rank, documents: 1 });
      }
    }
  }

  counts(): SourceCounts[] {
    return [...this.bySource].map(([source, { documents, lines }]) => ({
      source,
      documents,
      lines: [...lines].filter(([, l]) => l.documents >= countFloor(this.settings)).map(([key, l]) => ({ key, text: l.text, documents: l.documents })),
    }));
  }
}

/**
 * A given profile (edited by hand, or learned from a sample) with the one a batch learned:
 * per source, the lines of both.
 */
export function mergeProfiles(given: Profile, learned: Profile): Profile {
  const sources: Profile['sources'] = structuredClone(learned.sources);
  const union = (a: { text: string; documents: number }[], b: { text: string; documents: number }[]) => {
    const keys = new Set(a.map((l) => lineKey(l.text)));
    return [...a, ...b.filter((l) => !keys.has(lineKey(l.text)))];
  };
  for (const [source, entry] of Object.entries(given.sources)) {
    const mine = sources[source];
    if (!mine) sources[source] = structuredClone(entry);
    else {
      mine.lines = union(mine.lines, entry.lines);
      const tail = union(mine.tail ?? [], entry.tail ?? []);
      if (tail.length > 0) mine.tail = tail;
    }
  }
  return { ...learned, sources: Object.fromEntries(Object.entries(sources).sort(([a], [b]) => a.localeCompare(b))) };
}

/** The keys a profile removes, per source. Its line texts are what users edit, so keys are made from them. */
export function compileProfile(profile: Profile): LearnedLines {
  const learned = new Map<string, LearnedSource>();
  for (const [source, { lines, tail }] of Object.entries(profile.sources)) {
    learned.set(source, { lines: new Set(lines.map((l) => lineKey(l.text))), tail: new Set((tail ?? []).map((l) => lineKey(l.text))) });
  }
  return learned;
}

/** Checks a profile read from a file; the error names what is wrong. */
export function parseProfile(value: unknown, origin: string): Profile {
  const fail = (what: string): never => {
    throw new Error(`profile ${origin}: ${what}`);
  };
  const p = value as Profile;
  if (typeof p !== 'object' || p === null || p.version !== 1) fail('not a vnpipe profile (version 1)');
  if (typeof p.sources !== 'object' || p.sources === null) fail('"sources" must be an object');
  for (const [source, entry] of Object.entries(p.sources)) {
    if (!Array.isArray(entry?.lines)) fail(`sources["${source}"].lines must be a list`);
    entry.lines.forEach((l, i) => typeof l?.text === 'string' || fail(`sources["${source}"].lines[${i}].text must be a string`));
    if (entry.tail !== undefined && !Array.isArray(entry.tail)) fail(`sources["${source}"].tail must be a list`);
    entry.tail?.forEach((l, i) => typeof l?.text === 'string' || fail(`sources["${source}"].tail[${i}].text must be a string`));
  }
  return p;
}
