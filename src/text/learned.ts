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
  /** Distinct lines counted per document, at most (a price list, a log a crawler kept): the lines past it are not counted. */
  maxLinesPerDocument: number;
  /**
   * A line in at least this many documents (CCNet's 2), whatever its shape, is removed
   * where it stands in the run of such lines that closes a document: the teasers of other
   * articles under it. Never in a document most of whose lines repeat (a second crawl of one article).
   */
  tailMinDocuments: number;
  /**
   * A form line (a short line that is no statement: `Ảnh: Thu Trang`, `Cập nhật 08:15
   * 12/3/2024`) is also counted by its shape, its dates, times and names folded
   * (`shapeKey`): a shape in at least this many documents of its source ...
   */
  shapeMinDocuments: number;
  /** ... and in at least this share of them is learned, and every line of that shape goes. */
  shapeMinShare: number;
  /**
   * A run of lines that opens or closes a document goes whole, the lines the profile does
   * not name inside it too (teasers that change from page to page under a repeated label),
   * when at least this share of its lines are learned and none is a paragraph of prose.
   */
  blockShare: number;
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
  sources: Record<string, ProfileSource>;
}

/** `shapes`: form lines learned by their shape; each text is one line of that shape, and every line of its shape goes. */
export interface ProfileSource {
  documents: number;
  lines: ProfileLine[];
  tail?: ProfileLine[];
  shapes?: ProfileLine[];
}

export interface ProfileLine {
  text: string;
  documents: number;
}

/**
 * The keys of a source's learned lines: removed wherever they stand, or only in a
 * document's closing run; and the shape keys of its learned form lines.
 */
export interface LearnedSource {
  lines: ReadonlySet<string>;
  tail: ReadonlySet<string>;
  shapes: ReadonlySet<string>;
}

/** Per source, what a profile removes. */
export type LearnedLines = ReadonlyMap<string, LearnedSource>;

/** Fewest documents a line is counted from: below both thresholds a count is dropped. */
export function countFloor(settings: Pick<LearnSettings, 'minDocuments' | 'tailMinDocuments'>): number {
  return Math.min(settings.minDocuments, settings.tailMinDocuments);
}

const SENTENCE_END = /[.!?…]["”’)]*$/;
// A statement's full stop; a question or an ellipsis closes headlines and cut teasers as often.
const STATEMENT_END = /(?<!\.)\.["”’)]*$/;

/**
 * The site when the document names it, else the top-level folder of its path, else for a
 * record of a shard file at the input's root that file's name without its extensions
 * (per-site dumps `vnexpress.jsonl`, `tuoitre.jsonl.gz`), else `(root)`.
 */
export function sourceOf(header: Pick<Header, 'site'>, rel: string): string {
  if (header.site) return header.site.toLowerCase();
  const slash = rel.indexOf('/');
  if (slash > 0) return rel.slice(0, slash);
  const shard = /^(.+)#\d+$/.exec(rel)?.[1]?.replace(SHARD_EXTENSIONS, '');
  return shard || '(root)';
}

// The extensions of a shard file's name: its format, then its compression.
const SHARD_EXTENSIONS = /(?:\.(?:jsonl|json|ndjson|csv|tsv|parquet|warc|wet|arc|txt|gz|zst|zstd|bz2|xz))+$/i;

/**
 * The source a document's lines are counted and looked up under: the site its header or
 * its record's fields name (a record's url: a WET shard mixes thousands of sites), as
 * in the output's `metadata.site`.
 */
export function draftSource(draft: Pick<Draft, 'header' | 'record' | 'source'>): string {
  return sourceOf(withRecordHeader(draft.header, draft.record), draft.source);
}

/**
 * Lines that differ only in case, spacing or a counter in brackets (`Bình luận (12)`)
 * count as one. Other numbers are not folded here: on the crawl dev set, folding them in
 * every line removed no boilerplate that the exact line did not, and took body (a site's
 * daily case counts, its score predictions). Dates and times are folded in form lines
 * only (`shapeKey`).
 */
export function lineKey(text: string): string {
  return hash(text.toLowerCase().replace(COUNTER, '(0)').replace(/\s+/g, ' ').trim());
}

function hash(canonical: string): string {
  return createHash('sha1').update(canonical).digest('hex').slice(0, 16);
}

/** Most words of a form line: longer lines are text, counted by their words alone. */
const FORM_WORDS = 12;
/** Longer than any line of FORM_WORDS words. */
const FORM_LENGTH = 400;
// A counter in brackets: `Bình luận (12)`.
const COUNTER = /\(\d+\)/g;
// Dates and times as pages stamp them: `12/3/2024`, `12-03-2024`, `2024-03-12`, `12/3`, `08:15`, `8h15`, `(GMT+7)`.
const DATE_TIME = /\b(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}\/\d{1,2}|\d{1,2}[:h]\d{2}(?::\d{2})?|GMT[+-]\d{1,2})\b/giu;
// A run of capitalised words (`Nguyễn Huế`, `T.PHƯƠNG`, `VnExpress`): a name, after a line's first word.
const NAME_RUN = /(?<=^|\s)[("“]?\p{Lu}[\p{L}.'’-]*(?:\s\p{Lu}[\p{L}.'’-]*)*/gu;

/**
 * The shape of a form line: a short line that does not end as a statement, its dates,
 * times, counters and names folded, so that `Ảnh: Nguyễn Huế` and `Ảnh: Thu Trang`, or
 * `Cập nhật 08:15 12/03/2024` on every page, count as one. Null for any other line, or
 * when nothing was folded (the line is its own shape). Its hash never meets a `lineKey`.
 * A body line with a changed number is never folded: numbers alone are content.
 */
export function shapeKey(text: string): string | null {
  // Most lines of a text are paragraphs: spared the regexes below.
  if (text.length > FORM_LENGTH) return null;
  const line = text.replace(/\s+/g, ' ').trim();
  const words = line.split(' ');
  if (STATEMENT_END.test(line) || words.length > FORM_WORDS) return null;
  // Capitalised words only and no label (`Hoàng Phương`, `Quảng Nam`): a name or a heading, not a form with a name in it.
  if (!/[:|(]/.test(line) && words.every((w) => !/^\P{L}*\p{Ll}/u.test(w))) return null;
  // The first word is capitalised as any line's is (`Ảnh`, `Theo`): names are folded after it.
  const letter = line.search(/\p{L}/u);
  const cut = letter === -1 ? line.length : (line.indexOf(' ', letter) + 1 || line.length);
  const folded = line.slice(0, cut) + line.slice(cut).replace(NAME_RUN, '\u0002');
  const shape = folded.replace(DATE_TIME, '\u0001').replace(COUNTER, '(0)').toLowerCase();
  // A line that is a name and nothing else (a byline, a subheading) has no form of its own to learn.
  if (shape === line.toLowerCase().replace(COUNTER, '(0)') || !/\p{Ll}{2}/u.test(shape)) return null;
  return hash(`\u0000${shape}`);
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
    const rank = textRank(text);
    for (const key of [lineKey(text), shapeKey(text)]) {
      if (key === null) continue;
      const known = seen.get(key);
      if (known ? rank < known.rank : seen.size < config.learn.maxLinesPerDocument) seen.set(key, { key, rank, text });
    }
  }
  return { source: draftSource(draft), lines: [...seen.values()] };
}

/**
 * What the profile removes from a document, as keys of its own lines: its source's learned
 * lines, its form lines of a learned shape, and the runs that open or close it when most of
 * their lines are learned (see `LearnSettings.blockShare`). Unless they would take
 * `copyShare` or more of its text: then it is a copy of a repeated document, and only the
 * tail rule, which guards against copies itself, applies.
 */
export function learnedFor(body: Line[], learned: LearnedSource | undefined, settings: Pick<LearnConfig, 'copyShare' | 'blockShare'>): LearnedSource | undefined {
  if (!learned || (learned.lines.size === 0 && learned.shapes.size === 0)) return learned;
  const split = splitGluedLines(body);
  const lines = split.map((l) => l.text);
  // Counted as the lines were: a one-line dump's sentences stand for it.
  const dump = dumpSentences(body, split);
  const keys = lines.map(lineKey);
  const hit = lines.map((text, i) => learned.lines.has(keys[i]!) || isShaped(text, learned.shapes));
  const removed = new Set(keys.filter((_, i) => hit[i]));
  for (const [from, to] of learnedBlocks(lines, hit, settings.blockShare)) for (let i = from; i < to; i++) removed.add(keys[i]!);
  for (const text of dump) {
    const key = lineKey(text);
    if (learned.lines.has(key) || isShaped(text, learned.shapes)) removed.add(key);
  }
  let total = 0;
  let gone = 0;
  for (const text of dump.length > 0 ? dump : lines) {
    total += text.length;
    if (removed.has(lineKey(text))) gone += text.length;
  }
  const none = new Set<string>();
  if (total > 0 && gone >= total * settings.copyShare) return { lines: none, tail: learned.tail, shapes: none };
  return { lines: removed, tail: learned.tail, shapes: learned.shapes };
}

function isShaped(text: string, shapes: ReadonlySet<string>): boolean {
  if (shapes.size === 0) return false;
  const key = shapeKey(text);
  return key !== null && shapes.has(key);
}

/** A line of prose: a block never reaches past one. */
const PROSE_LENGTH = 100;
const PROSE_WORDS = 8;
const BLOCK_MIN_LEARNED = 2;

/**
 * The run that opens a document and the run that closes it, as [from, to) line ranges,
 * when each ends on a learned line, holds no prose paragraph, and `share` or more of its
 * lines are learned: a site's header or footer block whose items change from page to page.
 */
function learnedBlocks(lines: string[], hit: boolean[], share: number): [number, number][] {
  // A statement of some words, a long line that ends as a sentence, or any longer line
  // (a paragraph a crawler glued to a widget): not a teaser's headline.
  const prose = (i: number) => {
    const text = lines[i]!;
    if (hit[i]) return false;
    return text.length >= 2 * PROSE_LENGTH || (text.length >= PROSE_LENGTH && SENTENCE_END.test(text)) || (STATEMENT_END.test(text) && text.split(' ').length >= PROSE_WORDS);
  };
  const blocks: [number, number][] = [];
  const edge = (order: number[]) => {
    let best = -1;
    let learnedLines = 0;
    for (let k = 0; k < order.length && !prose(order[k]!); k++) {
      if (!hit[order[k]!]) continue;
      learnedLines++;
      // One learned line is no block: the line above it may be the text's own lead-in.
      if (learnedLines >= BLOCK_MIN_LEARNED && learnedLines >= (k + 1) * share) best = k;
    }
    return best;
  };
  const n = lines.length;
  const head = edge([...lines.keys()]);
  if (head > 0) blocks.push([0, head + 1]);
  const tail = edge([...lines.keys()].reverse());
  if (tail > 0 && n - 1 - tail > head) blocks.push([n - 1 - tail, n]);
  return blocks;
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
  const order = (a: ProfileLine, b: ProfileLine) => b.documents - a.documents || a.text.localeCompare(b.text);
  const listed = (list: SourceCounts['lines']) => list.sort(order).map(({ text, documents }) => ({ text, documents }));
  for (const c of [...counts].sort((a, b) => a.source.localeCompare(b.source))) {
    // A count is a shape's when its key is the shape key of the text that stands for it.
    const shaped = c.lines.filter((l) => l.key !== lineKey(l.text));
    const exact = c.lines.filter((l) => l.key === lineKey(l.text));
    const lines = listed(exact.filter((l) => isBoilerplate(l.text, l.documents, c.documents, settings)));
    const learned = new Set(lines.map((l) => l.text));
    const tail = listed(exact.filter((l) => l.documents >= settings.tailMinDocuments && !learned.has(l.text)));
    const shapes = listed(shaped.filter((l) => l.documents >= Math.max(settings.shapeMinDocuments, c.documents * settings.shapeMinShare)));
    if (lines.length > 0 || tail.length > 0 || shapes.length > 0) {
      sources[c.source] = { documents: c.documents, lines, ...(tail.length > 0 ? { tail } : {}), ...(shapes.length > 0 ? { shapes } : {}) };
    }
  }
  return { version: 1, settings, sources };
}

function isBoilerplate(text: string, documents: number, total: number, s: LearnSettings): boolean {
  if (documents < s.minDocuments) return false;
  if (text.length > s.protectLength && SENTENCE_END.test(text)) return documents >= total * s.protectShare;
  if (!STATEMENT_END.test(text) || text.split(' ').length < s.sentenceWords) return true;
  return documents >= total * s.minShare || documents >= s.minDocumentsAnyShare;
}

/**
 * A document's distinct lines as one key: copies of one article (a refetch, http and
 * https, a tracking parameter) are counted once per source, or their every line would
 * stand in as many documents as there are copies and be learned. Null for a document of
 * no lines (nothing to count twice).
 */
export function documentFingerprint(doc: DocumentLines): string | null {
  return doc.lines.length === 0 ? null : hash(doc.lines.map((l) => l.key).sort().join(' '));
}

/** Counts lines in memory: `vnpipe learn` and the tests. */
export class LineCounter {
  private readonly bySource = new Map<string, { documents: number; copies: Set<string>; lines: Map<string, { text: string; rank: number; documents: number }> }>();

  constructor(private readonly settings: LearnSettings) {}

  add(doc: DocumentLines): void {
    let source = this.bySource.get(doc.source);
    if (!source) {
      source = { documents: 0, copies: new Set(), lines: new Map() };
      this.bySource.set(doc.source, source);
    }
    const fingerprint = documentFingerprint(doc);
    if (fingerprint !== null) {
      if (source.copies.has(fingerprint)) return;
      source.copies.add(fingerprint);
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
  const union = (a: ProfileLine[], b: ProfileLine[], key: (text: string) => string | null) => {
    const keys = new Set(a.map((l) => key(l.text)));
    return [...a, ...b.filter((l) => !keys.has(key(l.text)))];
  };
  for (const [source, entry] of Object.entries(given.sources)) {
    const mine = sources[source];
    if (!mine) sources[source] = structuredClone(entry);
    else {
      mine.lines = union(mine.lines, entry.lines, lineKey);
      const tail = union(mine.tail ?? [], entry.tail ?? [], lineKey);
      if (tail.length > 0) mine.tail = tail;
      const shapes = union(mine.shapes ?? [], entry.shapes ?? [], shapeKey);
      if (shapes.length > 0) mine.shapes = shapes;
    }
  }
  return { ...learned, sources: Object.fromEntries(Object.entries(sources).sort(([a], [b]) => a.localeCompare(b))) };
}

/** The keys a profile removes, per source. Its line texts are what users edit, so keys are made from them. */
export function compileProfile(profile: Profile): LearnedLines {
  const learned = new Map<string, LearnedSource>();
  for (const [source, { lines, tail, shapes }] of Object.entries(profile.sources)) {
    learned.set(source, {
      lines: new Set(lines.map((l) => lineKey(l.text))),
      tail: new Set((tail ?? []).map((l) => lineKey(l.text))),
      // A text edited into a line of no shape (a statement, a long line) learns nothing.
      shapes: new Set((shapes ?? []).flatMap((l) => shapeKey(l.text) ?? [])),
    });
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
    for (const list of ['tail', 'shapes'] as const) {
      if (entry[list] !== undefined && !Array.isArray(entry[list])) fail(`sources["${source}"].${list} must be a list`);
      entry[list]?.forEach((l, i) => typeof l?.text === 'string' || fail(`sources["${source}"].${list}[${i}].text must be a string`));
    }
  }
  return p;
}
