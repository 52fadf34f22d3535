import { readFile } from 'node:fs/promises';
import { compileStoredConfig, type JsonObject } from '../config.js';
import { DocumentError } from '../errors.js';
import { openSink } from '../io/sink.js';
import { openSource } from '../io/source.js';
import { isStoreLocation } from '../io/storage.js';
import { walkFiles } from '../io/walk.js';
import type { BatchRecord } from '../queue/batches.js';
import { decode } from '../text/decode.js';
import { sourceOf } from '../text/learned.js';

/**
 * What the outputs of a batch say, for the dashboard's plots: read from the output
 * folder, the only place that holds them. An output belongs to the batch when it was
 * written while the batch ran (its modification time): outputs an earlier batch left
 * in the folder, up to date and skipped, are not counted.
 */
export interface OutputStats {
  /** Output documents of the batch read; `capped` when the folder held more than were read. */
  documents: number;
  capped: boolean;
  /** Outputs written per time bucket (their files' modification times): [bucket start in ms, count]. */
  throughput: { bucketMs: number; points: [number, number][] };
  /** Pieces removed and their characters, by reason, most characters first. */
  removedByReason: { reason: string; pieces: number; characters: number }[];
  /** Characters kept and removed per source, most removed first. */
  removedBySource: { source: string; documents: number; kept: number; removed: number }[];
  /** Clean text length in characters: histogram over powers of two (bucket i holds [2^i, 2^(i+1))). */
  lengths: { from: number; count: number }[];
  /** metadata.languageScore in twentieths: bucket i holds [i/20, (i+1)/20). */
  languageScores: { from: number; count: number }[];
  /** The documents, for the document view: key, characters kept and removed, language score. */
  keys: { key: string; characters: number; removed: number; languageScore: number }[];
}

/** Clocks of the hosts that enqueue and write may differ by this much. */
const CLOCK_SLACK_MS = 5000;
/** Outputs read per request: a million-document batch is summarised by its first outputs in walk order. */
const MAX_OUTPUTS = 20_000;
/** Keys listed for the document view. */
const MAX_KEYS = 2000;
const SCORE_BUCKETS = 20;
const THROUGHPUT_POINTS = 120;

interface OutputDoc {
  source: string;
  text: string;
  metadata: { site: string | null; languageScore: number; removed: { reason: string; text: string }[] };
}

function isOutput(value: unknown): value is OutputDoc {
  const doc = value as OutputDoc;
  return typeof doc?.text === 'string' && typeof doc.source === 'string' && Array.isArray(doc.metadata?.removed);
}

export async function outputStats(record: BatchRecord, maxOutputs = MAX_OUTPUTS): Promise<OutputStats> {
  const times: number[] = [];
  const reasons = new Map<string, { pieces: number; characters: number }>();
  const sources = new Map<string, { documents: number; kept: number; removed: number }>();
  const lengths: number[] = [];
  const scores = new Array<number>(SCORE_BUCKETS).fill(0);
  const keys: OutputStats['keys'] = [];
  let capped = false;
  // A batch whose output folder is gone has no outputs to show; the walk says nothing of it.
  // Output shards (a `file://` folder or `s3://`) hold no output files to count: none are read.
  const walk = isStoreLocation(record.out) ? (async function* () {})() : walkFiles(openSink(record.out).root, { onSkip: () => {} });
  try {
    const from = record.createdAt - CLOCK_SLACK_MS;
    const to = record.finishedAt === null ? Infinity : record.finishedAt + CLOCK_SLACK_MS;
    for await (const file of walk) {
      if (!file.rel.endsWith('.json') || file.mtimeMs < from || file.mtimeMs > to) continue;
      if (times.length >= maxOutputs) {
        capped = true;
        break;
      }
      let doc: unknown;
      try {
        doc = JSON.parse(await readFile(file.path, 'utf8'));
      } catch {
        continue; // not a document: a half-copied file or something of the user's
      }
      if (!isOutput(doc)) continue;
      times.push(file.mtimeMs);
      let removed = 0;
      for (const r of doc.metadata.removed) {
        const entry = reasons.get(r.reason) ?? { pieces: 0, characters: 0 };
        entry.pieces++;
        entry.characters += r.text.length;
        reasons.set(r.reason, entry);
        removed += r.text.length;
      }
      const name = sourceOf({ site: doc.metadata.site }, doc.source);
      const source = sources.get(name) ?? { documents: 0, kept: 0, removed: 0 };
      source.documents++;
      source.kept += doc.text.length;
      source.removed += removed;
      sources.set(name, source);
      const length = doc.text.length;
      const bucket = length < 1 ? 0 : Math.floor(Math.log2(length));
      lengths[bucket] = (lengths[bucket] ?? 0) + 1;
      const score = Number(doc.metadata.languageScore) || 0;
      scores[Math.min(SCORE_BUCKETS - 1, Math.max(0, Math.floor(score * SCORE_BUCKETS)))]!++;
      if (keys.length < MAX_KEYS) keys.push({ key: file.rel.slice(0, -'.json'.length), characters: length, removed, languageScore: score });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return {
    documents: times.length,
    capped,
    throughput: throughput(times),
    removedByReason: [...reasons].map(([reason, r]) => ({ reason, ...r })).sort((a, b) => b.characters - a.characters || a.reason.localeCompare(b.reason)),
    removedBySource: [...sources].map(([source, s]) => ({ source, ...s })).sort((a, b) => b.removed - a.removed || a.source.localeCompare(b.source)),
    lengths: Array.from(lengths, (count, i) => ({ from: 2 ** i, count: count ?? 0 })),
    languageScores: scores.map((count, i) => ({ from: i / SCORE_BUCKETS, count })),
    keys,
  };
}

/** Completion times into at most THROUGHPUT_POINTS buckets of a round number of seconds, empty buckets included. */
function throughput(times: number[]): OutputStats['throughput'] {
  if (times.length === 0) return { bucketMs: 1000, points: [] };
  const first = Math.min(...times);
  const last = Math.max(...times);
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];
  const bucketMs = (steps.find((s) => (last - first) / (s * 1000) < THROUGHPUT_POINTS) ?? 86400) * 1000;
  const start = Math.floor(first / bucketMs) * bucketMs;
  const counts = new Array<number>(Math.floor((last - start) / bucketMs) + 1).fill(0);
  for (const t of times) counts[Math.floor((t - start) / bucketMs)]!++;
  return { bucketMs, points: counts.map((n, i) => [start + i * bucketMs, n]) };
}

/** One document as the document view shows it: the raw input with each removal located, and the clean output. */
export interface DocumentView {
  key: string;
  /** The raw input, decoded as the pipeline decoded it, cut into pieces: kept text, or a removal with its reason. */
  raw: { text: string; removal: number | null }[];
  encoding: string | null;
  /** The output's removals, each with whether it was found in the raw input. */
  removed: { reason: string; text: string; located: boolean }[];
  output: { text: string; metadata: Record<string, unknown> } | null;
  /** Why the raw input or the output could not be shown. */
  errors: string[];
}

/** Raw input shown at most: a larger file is cut (and said so). */
const MAX_RAW_CHARACTERS = 500_000;

/**
 * The raw input of `key` read through the batch's source, as a worker reads it (the
 * key checked: no absolute path, no `..`; links refused unless the batch follows them;
 * the batch's maxFileBytes), beside its output through the batch's sink. A key that is
 * not a path inside the input is refused before anything is opened.
 */
export async function documentView(record: BatchRecord, rawConfig: object | null, key: string): Promise<DocumentView> {
  const config = compileStoredConfig(rawConfig as JsonObject | null, `batch ${record.id}`);
  const source = openSource(record.root, { followLinks: record.followLinks });
  source.locate(key); // throws unsafe-path for a key outside the input
  if (source.sharded) {
    // A record's output sits inside an output shard with its neighbours: not shown yet.
    return { key, raw: [], encoding: null, removed: [], output: null, errors: ['the document view shows batches of files; this batch reads shards'] };
  }
  const errors: string[] = [];
  let output: DocumentView['output'] = null;
  try {
    const doc: unknown = JSON.parse(await readFile(openSink(record.out).locate(key), 'utf8'));
    if (isOutput(doc)) output = doc as unknown as DocumentView['output'];
    else errors.push('the output file is not a vnpipe document');
  } catch (err) {
    errors.push(
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no output: the document failed, or has not run yet' : `output: ${(err as Error).message}`,
    );
  }
  let raw = '';
  let encoding: string | null = null;
  try {
    const decoded = decode(await source.read(key, config.limits.maxFileBytes), {
      maxReplacementRatio: config.decode.maxReplacementRatio,
      ...(config.decode.encoding ? { encoding: config.decode.encoding } : {}),
    });
    raw = decoded.text.normalize('NFC');
    encoding = decoded.encoding;
    if (raw.length > MAX_RAW_CHARACTERS) {
      raw = raw.slice(0, MAX_RAW_CHARACTERS);
      errors.push(`the raw input is cut at ${MAX_RAW_CHARACTERS} characters`);
    }
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    errors.push(`input: ${err.reason}: ${err.message}`);
  }
  const removals = ((output?.metadata.removed ?? []) as { reason: string; text: string }[]).map((r) => ({ reason: r.reason, text: r.text }));
  const { pieces, located } = locateRemovals(raw, removals.map((r) => r.text));
  return { key, raw: pieces, encoding, removed: removals.map((r, i) => ({ ...r, located: located[i]! })), output, errors };
}

/** Between two words of a removed text, the raw input may have white space, and in HTML tags and non-breaking spaces. */
const GAP = '(?:\\s|<[^>]*>|&nbsp;|&#160;)+';

/** A word as the raw input may spell it: in HTML, any character but a letter or digit of ASCII may be an entity (`&quot;`, `&#7843;`). */
function wordPattern(word: string): string {
  return [...word].map((c) => (/[A-Za-z0-9]/.test(c) ? c : `(?:${c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}|&[#\\w]{1,10};)`)).join('');
}

/**
 * Finds each removed text in the raw input, in order where it can (a piece is looked
 * for after the previous one first, then anywhere free). Words are compared in NFC as
 * the pipeline normalises them; between words the input may have other white space,
 * and in HTML tags. An HTML removal joins the blocks of a run with ` / ` and is cut at
 * a length: each block is looked for on its own (a word cut short matches its start:
 * no word boundary is asked for), the last without its last word if need be. Pieces that
 * overlap one already placed are not placed; a removal is `located` when all its
 * blocks were.
 */
export function locateRemovals(raw: string, texts: string[]): { pieces: DocumentView['raw']; located: boolean[] } {
  const spans: { start: number; end: number; removal: number }[] = [];
  let cursor = 0;
  const free = (start: number, end: number) => spans.every((s) => end <= s.start || start >= s.end);
  const place = (words: string[], removal: number): boolean => {
    const pattern = new RegExp(words.map(wordPattern).join(GAP), 'gu');
    for (const from of [cursor, 0]) {
      pattern.lastIndex = from;
      let m: RegExpExecArray | null;
      while ((m = pattern.exec(raw)) !== null) {
        const end = m.index + m[0].length;
        if (free(m.index, end)) {
          spans.push({ start: m.index, end, removal });
          cursor = end;
          return true;
        }
        pattern.lastIndex = m.index + 1;
      }
    }
    return false;
  };
  const located = texts.map((text, i) => {
    const blocks = text.normalize('NFC').split(' / ');
    return blocks
      .map((block, j) => {
        const words = block.trim().split(/\s+/).filter(Boolean).slice(0, 400);
        if (words.length === 0 || place(words, i)) return true;
        // A record cut at its length may end in a piece the input does not have (half a ` / `).
        return j === blocks.length - 1 && words.length > 1 && place(words.slice(0, -1), i);
      })
      .every(Boolean);
  });
  spans.sort((a, b) => a.start - b.start);
  const pieces: DocumentView['raw'] = [];
  let at = 0;
  for (const s of spans) {
    if (s.start > at) pieces.push({ text: raw.slice(at, s.start), removal: null });
    pieces.push({ text: raw.slice(s.start, s.end), removal: s.removal });
    at = s.end;
  }
  if (at < raw.length) pieces.push({ text: raw.slice(at), removal: null });
  return { pieces, located };
}
