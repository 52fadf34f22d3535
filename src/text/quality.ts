/**
 * Quality signals: the measurements behind the Gopher (Rae et al. 2021, table A1) and
 * FineWeb quality heuristics, as datatrove computes them
 * (huggingface/datatrove src/datatrove/pipeline/filters/gopher_quality_filter.py,
 * gopher_repetition_filter.py, fineweb_quality_filter.py), plus replacement characters
 * and leftover markup. They are written to `metadata.quality` and never applied here:
 * `vnpipe export --filter PRESET` compares them with the thresholds of a preset
 * (config `quality.presets`; `fineweb2-vie` holds FineWeb-2's configs/vie_Latn.yml).
 *
 * Differences from datatrove, on purpose:
 * - Tokens are syllables (runs of letters, marks and digits, with inner `.,'-` as in
 *   `1,28` or `COVID-19`) and single punctuation marks, like spaCy's tokens that
 *   datatrove counts; no word segmentation, so a "word" is a Vietnamese syllable and
 *   `meanWordLength` is the mean syllable length.
 * - Lines are the paragraphs of `text` (vnpipe joins them with a blank line, trafilatura
 *   with one line break): the blank lines between them are not counted as lines, and a
 *   paragraph break counts once in `newlineWordRatio`.
 * - Stop words are matched lower-cased.
 */
export interface QualitySignals {
  /** Syllables and numbers (tokens with a letter or digit): Gopher's document length. */
  words: number;
  /** Mean length of those, in characters: the mean syllable length. */
  meanWordLength: number;
  /** Share of tokens (punctuation marks included) with a letter: Gopher's alphabetic-word ratio. */
  alphaWordShare: number;
  /** Stop words (config `quality.stopWords`) among the tokens. */
  stopWords: number;
  /** `#` per token. */
  hashRatio: number;
  /** `...` and `…` per token. */
  ellipsisRatio: number;
  /** Share of lines that start with a bullet (`•`, `-`). */
  bulletLineShare: number;
  /** Share of lines that end with an ellipsis. */
  ellipsisLineShare: number;
  /** FineWeb: share of lines that end with `.`, `'`, `"`, `!` or `?`. */
  linePunctShare: number;
  /** FineWeb: characters in repeated lines per character of text (line breaks left out). */
  duplicateLineCharShare: number;
  /** FineWeb: line breaks per token (lists and menus are high). */
  newlineWordRatio: number;
  /** Gopher repetition: share of lines that repeat an earlier line. */
  duplicateLineShare: number;
  /** Share of paragraphs that repeat an earlier one (equal to the line share for vnpipe output, whose lines are paragraphs). */
  duplicateParagraphShare: number;
  /** Characters of the most frequent 2-, 3-, 4-gram times its count, per character of text. */
  top2GramShare: number;
  top3GramShare: number;
  top4GramShare: number;
  /** Characters in n-grams that repeat an earlier one (n = 5..10), per character of text. */
  duplicate5GramShare: number;
  duplicate6GramShare: number;
  duplicate7GramShare: number;
  duplicate8GramShare: number;
  duplicate9GramShare: number;
  duplicate10GramShare: number;
  /** U+FFFD per character (mojibake is `metadata.languageQuality`, the language detector's). */
  replacementShare: number;
  /** Characters of leftover markup (tags, entities, script or style code) per character. */
  markupShare: number;
}

/** Character classes of the tokenizer, by UTF-16 unit, worked out once per unit (surrogates each time). */
const WORD = 1; // \p{L}, \p{M} or \p{N}
const SPACE = 2; // \s
const OTHER = 3;
const CLASSES = new Uint8Array(0x10000);
const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;

/** The class of the character at `i` (one unit, or two for an astral character: see `width`). */
function classOf(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  const c = CLASSES[unit]!;
  if (c !== 0) return c;
  if (unit >= 0xd800 && unit <= 0xdbff) return WORD_CHAR.test(text.slice(i, i + width(text, i))) ? WORD : OTHER;
  const ch = String.fromCharCode(unit);
  return (CLASSES[unit] = WORD_CHAR.test(ch) ? WORD : /\s/.test(ch) ? SPACE : OTHER);
}

function width(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  if (unit < 0xd800 || unit > 0xdbff) return 1;
  const next = text.charCodeAt(i + 1); // NaN past the end
  return next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}

/** `'’.,-`: inside a word between two runs of letters or digits (`1,28`, `COVID-19`). */
function isJoiner(unit: number): boolean {
  return unit === 0x27 || unit === 0x2019 || unit === 0x2e || unit === 0x2c || unit === 0x2d;
}

/** Where the tokens of a text are: token `k` is `text.slice(starts[k], ends[k])`. */
interface TokenSpans {
  starts: Int32Array;
  ends: Int32Array;
  count: number;
}

/**
 * The tokens: runs of letters, marks and digits (with inner `'’.,-` between two such
 * runs), and single other characters, spaces left out. The same tokens as the regular
 * expression `[\p{L}\p{M}\p{N}]+(?:['’.,\-][\p{L}\p{M}\p{N}]+)*|[^\s\p{L}\p{M}\p{N}]`
 * (checked in quality.test.ts), several times faster: its Unicode property classes made
 * that expression the costliest step of the quality stage. Spans, not strings: the
 * signals read each distinct token once (`internTokens`), so no string is cut per token.
 */
function tokenSpans(text: string): TokenSpans {
  const n = text.length;
  // A text of n units has at most n tokens; a few bytes per unit, freed with the call.
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  let count = 0;
  let i = 0;
  while (i < n) {
    const c = classOf(text, i);
    if (c === SPACE) {
      i++;
    } else if (c === OTHER) {
      starts[count] = i;
      i += width(text, i);
      ends[count++] = i;
    } else {
      starts[count] = i;
      for (;;) {
        while (i < n && classOf(text, i) === WORD) i += width(text, i);
        if (i + 1 < n && isJoiner(text.charCodeAt(i)) && classOf(text, i + 1) === WORD) i++;
        else break;
      }
      ends[count++] = i;
    }
  }
  return { starts, ends, count };
}

/** The tokens as strings (see `tokenSpans`). */
export function tokenize(text: string): string[] {
  const { starts, ends, count } = tokenSpans(text);
  const tokens: string[] = new Array(count);
  for (let k = 0; k < count; k++) tokens[k] = text.slice(starts[k], ends[k]);
  return tokens;
}

const HAS_LETTER = /\p{L}/u;
const HAS_WORD = /[\p{L}\p{N}]/u;
// Tags, character references and lines of script or style code that survived extraction.
const MARKUP = /<\/?[a-zA-Z][\w:-]*(?:\s[^<>]{0,300})?\/?>|&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[\da-fA-F]{1,6});|\b(?:function\s*\(|var\s+\w+\s*=|document\.\w+|window\.\w+)|[{};]\s*$|\{\s*[\w-]+\s*:\s*[^{}]{1,80};/gm;

export function qualitySignals(text: string, stopWords: readonly string[]): QualitySignals {
  const tokens = internTokens(text, tokenSpans(text), caseForms(stopWords));
  const { words, wordChars, alpha, stops } = tokens;
  const lines = text.split(/\n+/).filter((l) => l.trim() !== '');
  const paragraphs = text.trim().split(/\n{2,}/);
  const chars = text.length;
  const noBreaks = chars - count(text, '\n');
  const dupLines = duplicates(lines);
  let markup = 0;
  for (const m of text.matchAll(MARKUP)) markup += m[0].length;
  const n = tokens.ids.length;
  const grams = ngramSignals(tokens);
  return {
    words,
    meanWordLength: round(words > 0 ? wordChars / words : 0),
    alphaWordShare: share(alpha, n),
    stopWords: stops,
    hashRatio: share(count(text, '#'), n),
    ellipsisRatio: share(count(text, '...') + count(text, '…'), n),
    bulletLineShare: share(lines.filter((l) => /^\s*[•-]/.test(l)).length, lines.length),
    ellipsisLineShare: share(lines.filter((l) => /(?:\.\.\.|…)\s*$/.test(l)).length, lines.length),
    linePunctShare: share(lines.filter((l) => /[.'"!?]$/.test(l)).length, lines.length),
    duplicateLineCharShare: share(dupLines.chars, noBreaks),
    newlineWordRatio: share(Math.max(0, lines.length - 1), n),
    duplicateLineShare: share(dupLines.elements, lines.length),
    duplicateParagraphShare: share(duplicates(paragraphs).elements, paragraphs.length),
    top2GramShare: share(grams.top[2] ?? 0, chars),
    top3GramShare: share(grams.top[3] ?? 0, chars),
    top4GramShare: share(grams.top[4] ?? 0, chars),
    duplicate5GramShare: share(grams.duplicate[5] ?? 0, chars),
    duplicate6GramShare: share(grams.duplicate[6] ?? 0, chars),
    duplicate7GramShare: share(grams.duplicate[7] ?? 0, chars),
    duplicate8GramShare: share(grams.duplicate[8] ?? 0, chars),
    duplicate9GramShare: share(grams.duplicate[9] ?? 0, chars),
    duplicate10GramShare: share(grams.duplicate[10] ?? 0, chars),
    replacementShare: share(count(text, '\uFFFD'), chars),
    markupShare: share(markup, chars),
  };
}

interface StopForms {
  forms: ReadonlySet<string>;
  longest: number;
}

const CASE_FORMS = new WeakMap<readonly string[], StopForms>();

/**
 * Each stop word lower-case, capitalised and upper-case, once per list (the config's):
 * a token is looked up as it is, since lower-casing every token cost a third of the
 * signals' time.
 */
function caseForms(stopWords: readonly string[]): StopForms {
  let cached = CASE_FORMS.get(stopWords);
  if (!cached) {
    const forms = new Set<string>();
    for (const w of stopWords) {
      forms.add(w).add(w.toUpperCase()).add(w.charAt(0).toUpperCase() + w.slice(1));
    }
    cached = { forms, longest: Math.max(0, ...stopWords.map((w) => w.length)) };
    CASE_FORMS.set(stopWords, cached);
  }
  return cached;
}

function duplicates(items: string[]): { elements: number; chars: number } {
  const seen = new Set<string>();
  let elements = 0;
  let chars = 0;
  for (const item of items) {
    if (seen.has(item)) {
      elements++;
      chars += item.length;
    } else {
      seen.add(item);
    }
  }
  return { elements, chars };
}

/**
 * Tokens as numbers: an id per distinct token (numbered in order of first appearance)
 * and prefix sums of the tokens' lengths, so that an n-gram is a numeric key and its
 * characters a subtraction (joining strings for every n-gram cost four times the rest of
 * the pipeline); and the word counts, taken in the same pass.
 */
interface TokenIds {
  ids: Int32Array;
  /** lengths[i] = characters of tokens 0..i-1. */
  lengths: Float64Array;
  /** Words (syllables and numbers), their characters, those with a letter, stop words. */
  words: number;
  wordChars: number;
  alpha: number;
  stops: number;
}

/** A syllable or number (a token with a letter or digit): Gopher's word. */
const IS_WORD = 1;
/** A word with a letter. */
const IS_ALPHA = 2;
/** One of the stop words' case forms. */
const IS_STOP = 4;

/**
 * Ids of the tokens, found by hashing their characters in an open-addressing table, and
 * the counts of words, letters and stop words in the same pass: a token's string is cut
 * (and tested with regular expressions) only the first time it appears. A Map and a Set
 * keyed by every token's string cost a third of the signals.
 */
function internTokens(text: string, { starts, ends, count }: TokenSpans, stopForms: StopForms): TokenIds {
  const ids = new Int32Array(count);
  const lengths = new Float64Array(count + 1);
  let size = 16;
  while (size < count * 2) size *= 2;
  const mask = size - 1;
  // slots hold id + 1 (0: empty); per id, where it first appears and its hash.
  const slots = new Int32Array(size);
  const firstStart = new Int32Array(count);
  const firstLength = new Int32Array(count);
  const hashes = new Int32Array(count);
  // Per distinct token: IS_WORD, IS_ALPHA, IS_STOP bits.
  const kinds = new Uint8Array(count);
  let distinct = 0;
  let words = 0;
  let wordChars = 0;
  let alpha = 0;
  let stops = 0;
  for (let k = 0; k < count; k++) {
    const start = starts[k]!;
    const end = ends[k]!;
    const len = end - start;
    lengths[k + 1] = lengths[k]! + len;
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    let slot = (h ^ (h >>> 16)) & mask;
    for (;;) {
      const entry = slots[slot]!;
      if (entry === 0) {
        const id = distinct++;
        slots[slot] = id + 1;
        firstStart[id] = start;
        firstLength[id] = len;
        hashes[id] = h;
        kinds[id] = tokenKind(text.slice(start, end), stopForms);
        ids[k] = id;
        break;
      }
      const id = entry - 1;
      if (hashes[id] === h && firstLength[id] === len && sameChars(text, firstStart[id]!, start, len)) {
        ids[k] = id;
        break;
      }
      slot = (slot + 1) & mask;
    }
    const kind = kinds[ids[k]!]!;
    if (kind & IS_WORD) {
      words++;
      wordChars += len;
      if (kind & IS_ALPHA) alpha++;
    }
    if (kind & IS_STOP) stops++;
  }
  return { ids, lengths, words, wordChars, alpha, stops };
}

function sameChars(text: string, a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
  return true;
}

/**
 * What a token is. A token longer than one character is a word (the tokens' first
 * alternative); a word that does not start with an ASCII digit has a letter. Regular
 * expressions only for the rest.
 */
function tokenKind(t: string, stopForms: StopForms): number {
  const c0 = t.charCodeAt(0);
  const digitStart = c0 >= 48 && c0 <= 57;
  let kind = 0;
  if (t.length > 1 || HAS_WORD.test(t)) {
    kind |= IS_WORD;
    if (!digitStart || HAS_LETTER.test(t)) kind |= IS_ALPHA;
  }
  if (t.length <= stopForms.longest && stopForms.forms.has(t)) kind |= IS_STOP;
  return kind;
}

/**
 * The signals over n-grams, n = 2..10, in one sweep: the keys of the n-grams are made
 * from those of the (n-1)-grams and one more token, 30-bit integers counted in an
 * open-addressing table (a Map or Set of numbers cost five times as much). Two of a
 * document's 1,500 n-grams share a key with a chance of about 0.1 %, and then one count
 * is off by one (the top 2- to 4-gram shares). From n = 5 on only live positions are
 * counted, those whose (n-1)-gram occurs more than once (an n-gram can repeat only if
 * its first n-1 tokens do), and n-grams whose keys agree are compared token by token:
 * the duplicate shares are exact, as a count by strings finds (quality.test.ts), at the
 * same cost as before.
 */
function ngramSignals({ ids, lengths }: TokenIds): { top: Record<number, number>; duplicate: Record<number, number> } {
  const keys = Int32Array.from(ids);
  const table = new CountTable(ids.length);
  // Sized when the live positions are known: clearing a table the size of the text for each n cost more than counting.
  let gramCounts = new GramTable(ids, 0);
  const top: Record<number, number> = {};
  const duplicate: Record<number, number> = {};
  // live: positions whose n-gram may occur more than once, in order.
  let live = new Int32Array(0);
  let liveCount = 0;
  for (let n = 2; n <= 10; n++) {
    const grams = Math.max(0, ids.length - n + 1);
    if (n <= 4) {
      table.clear();
      // Gopher's top n-gram: the most frequent n-gram's length (tokens joined by spaces) times its count.
      let best = 0;
      for (let i = 0; i < grams; i++) {
        keys[i] = extend(keys[i]!, ids[i + n - 1]!);
        const c = table.increment(keys[i]!);
        const chars = lengths[i + n]! - lengths[i]! + n - 1;
        if (c * chars > best) best = c * chars;
      }
      top[n] = best;
      if (n === 4) {
        live = new Int32Array(grams);
        for (let i = 0; i < grams; i++) if (table.count(keys[i]!) > 1) live[liveCount++] = i;
        gramCounts = new GramTable(ids, liveCount);
      }
      continue;
    }
    // An n-gram can repeat only if its first n-1 tokens do: only live positions are counted,
    // compared token by token when their keys agree, so no two n-grams are confused.
    gramCounts.reset(n);
    let kept = 0;
    for (let j = 0; j < liveCount; j++) {
      const i = live[j]!;
      if (i >= grams) break;
      keys[i] = extend(keys[i]!, ids[i + n - 1]!);
      gramCounts.increment(keys[i]!, i);
      live[kept++] = i;
    }
    liveCount = kept;
    kept = 0;
    for (let j = 0; j < liveCount; j++) if (gramCounts.countAndGroup(keys[live[j]!]!, live[j]!) > 1) live[kept++] = live[j]!;
    liveCount = kept;
    gramCounts.reset(n);
    // Gopher's duplicate n-grams: characters of n-grams (tokens joined without spaces) seen before, skipping past each repeat.
    let repeated = 0;
    let next = 0; // the first position not inside a counted repeat
    for (let j = 0; j < liveCount; j++) {
      const i = live[j]!;
      if (i < next) continue;
      if (gramCounts.increment(keys[i]!, i) > 1) {
        repeated += lengths[i + n]! - lengths[i]!;
        next = i + n;
      }
    }
    duplicate[n] = repeated;
    gramCounts.grouped();
  }
  return { top, duplicate };
}

/** The key of an n-gram from that of its first n-1 tokens and its last token's id. */
function extend(key: number, id: number): number {
  let h = Math.imul(key ^ Math.imul(id, 0x9e3779b1), 0x01000193);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 13)) & 0x3fffffff;
}

/**
 * Counts of n-grams by position: a key finds its slot, and the n tokens at the first
 * position seen with that key are compared with the ones asked about (after the first n,
 * by the groups of their first n-1 tokens and their last token), so two n-grams whose
 * keys collide are counted apart.
 */
class GramTable {
  private readonly keys: Int32Array;
  private readonly firsts: Int32Array;
  private readonly counts: Int32Array;
  private readonly mask: number;
  private n = 0;
  /** Per position, the first position with the same n-1 tokens (groups) and the same n tokens (nextGroups, noted while counting). */
  private groups: Int32Array;
  private nextGroups: Int32Array;
  private hasGroups = false;

  /** `items`: the most n-grams it will count between resets. */
  constructor(private readonly ids: Int32Array, items: number) {
    let size = 16;
    while (size < items * 2) size *= 2;
    this.keys = new Int32Array(size);
    this.firsts = new Int32Array(size);
    this.counts = new Int32Array(size);
    this.mask = size - 1;
    this.groups = new Int32Array(items === 0 ? 0 : ids.length);
    this.nextGroups = new Int32Array(this.groups.length);
  }

  reset(n: number): void {
    this.n = n;
    this.keys.fill(-1);
  }

  private slotOf(key: number, at: number): number {
    let slot = Math.imul(key, 0x9e3779b1) >>> 0 & this.mask;
    for (;;) {
      const k = this.keys[slot]!;
      if (k === -1 || (k === key && this.same(this.firsts[slot]!, at))) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private same(a: number, b: number): boolean {
    if (a === b) return true;
    if (this.hasGroups) return this.groups[a] === this.groups[b] && this.ids[a + this.n - 1] === this.ids[b + this.n - 1];
    for (let t = 0; t < this.n; t++) if (this.ids[a + t] !== this.ids[b + t]) return false;
    return true;
  }

  /**
   * How often the n-gram at `at` (whose key is `key`) was counted; notes its group (the
   * first position with the same n-gram) for the next n.
   */
  countAndGroup(key: number, at: number): number {
    const slot = this.slotOf(key, at);
    this.nextGroups[at] = this.firsts[slot]!;
    return this.keys[slot] === -1 ? 0 : this.counts[slot]!;
  }

  /**
   * The groups noted for this n become those of the n-1 tokens before the next n's last
   * one: two (n+1)-grams are the same when their first n tokens are in the same group and
   * their last tokens agree, two comparisons instead of n+1.
   */
  grouped(): void {
    [this.groups, this.nextGroups] = [this.nextGroups, this.groups];
    this.hasGroups = true;
  }

  /** Its count after adding one. */
  increment(key: number, at: number): number {
    const slot = this.slotOf(key, at);
    if (this.keys[slot] === -1) {
      this.keys[slot] = key;
      this.firsts[slot] = at;
      return (this.counts[slot] = 1);
    }
    return ++this.counts[slot]!;
  }
}

/** Counts of non-negative 30-bit keys, linear probing, at most half full. */
class CountTable {
  private readonly keys: Int32Array;
  private readonly counts: Int32Array;
  private readonly mask: number;

  constructor(items: number) {
    let size = 16;
    while (size < items * 2) size *= 2;
    this.keys = new Int32Array(size);
    this.counts = new Int32Array(size);
    this.mask = size - 1;
  }

  clear(): void {
    this.keys.fill(-1);
  }

  /** The key's count (0 when absent). */
  count(key: number): number {
    let slot = Math.imul(key, 0x9e3779b1) >>> 0 & this.mask;
    for (;;) {
      const k = this.keys[slot]!;
      if (k === key) return this.counts[slot]!;
      if (k === -1) return 0;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The key's count after adding one. */
  increment(key: number): number {
    let slot = Math.imul(key, 0x9e3779b1) >>> 0 & this.mask;
    for (;;) {
      const k = this.keys[slot]!;
      if (k === key) return ++this.counts[slot]!;
      if (k === -1) {
        this.keys[slot] = key;
        this.counts[slot] = 1;
        return 1;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}

function count(text: string, needle: string): number {
  let c = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) c++;
  return c;
}

function share(part: number, whole: number): number {
  return whole > 0 ? round(part / whole) : 0;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** The `quality` config section: what the signals count and the named filters over them. */
export interface QualityRules {
  /** Lower-case; a list, not a Set, so that configHash (JSON) sees a change. */
  stopWords: readonly string[];
  presets: Record<string, QualityPreset>;
}

/**
 * A named filter: `min<Signal>` / `max<Signal>` bounds on the signals above (and on
 * `metadata.languageScore` as `minLanguageScore`), the languages kept and whether
 * `metadata.languageQuality` must be `ok`. A document outside a bound is dropped for
 * that bound's name; the bounds are checked in the order the preset lists them.
 */
export interface QualityPreset {
  description: string;
  languages?: string[];
  languageQualityOk?: boolean;
  bounds: { name: string; signal: keyof QualitySignals | 'languageScore'; kind: 'min' | 'max'; value: number }[];
}

export const SIGNAL_NAMES: readonly (keyof QualitySignals)[] = Object.keys(qualitySignals('', [])) as (keyof QualitySignals)[];

/** What a preset's filter reads of a document. */
export interface FilterInput {
  language: string;
  languageScore: number;
  languageQuality: string;
  quality: QualitySignals | null | undefined;
}

/**
 * The first rule of `preset` the document breaks (`language`, `languageQuality`,
 * `minStopWords` ...), or null when it passes. A document written before quality
 * signals existed fails as `no-quality-signals`: re-run it rather than guess.
 */
export function presetFailure(preset: QualityPreset, doc: FilterInput): string | null {
  if (preset.languages && !preset.languages.includes(doc.language)) return 'language';
  if (preset.languageQualityOk && doc.languageQuality !== 'ok') return 'languageQuality';
  for (const b of preset.bounds) {
    let value: number;
    if (b.signal === 'languageScore') value = doc.languageScore;
    else if (!doc.quality) return 'no-quality-signals';
    else value = doc.quality[b.signal];
    if (b.kind === 'min' ? value < b.value : value > b.value) return b.name;
  }
  return null;
}
