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

const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’.,\-][\p{L}\p{M}\p{N}]+)*|[^\s\p{L}\p{M}\p{N}]/gu;
const HAS_LETTER = /\p{L}/u;
const HAS_WORD = /[\p{L}\p{N}]/u;
// Tags, character references and lines of script or style code that survived extraction.
const MARKUP = /<\/?[a-zA-Z][\w:-]*(?:\s[^<>]{0,300})?\/?>|&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[\da-fA-F]{1,6});|\b(?:function\s*\(|var\s+\w+\s*=|document\.\w+|window\.\w+)|[{};]\s*$|\{\s*[\w-]+\s*:\s*[^{}]{1,80};/gm;

export function qualitySignals(text: string, stopWords: ReadonlySet<string>): QualitySignals {
  const tokens = text.match(TOKEN) ?? [];
  let words = 0;
  let wordChars = 0;
  let alpha = 0;
  let stops = 0;
  for (const t of tokens) {
    if (HAS_WORD.test(t)) {
      words++;
      wordChars += t.length;
    }
    if (HAS_LETTER.test(t)) alpha++;
    if (stopWords.has(t.toLowerCase())) stops++;
  }
  const lines = text.split(/\n+/).filter((l) => l.trim() !== '');
  const paragraphs = text.trim().split(/\n{2,}/);
  const chars = text.length;
  const noBreaks = text.replace(/\n/g, '').length;
  const dupLines = duplicates(lines);
  let markup = 0;
  for (const m of text.matchAll(MARKUP)) markup += m[0].length;
  const n = tokens.length;
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
    top2GramShare: share(topNgramChars(tokens, 2), chars),
    top3GramShare: share(topNgramChars(tokens, 3), chars),
    top4GramShare: share(topNgramChars(tokens, 4), chars),
    duplicate5GramShare: share(duplicateNgramChars(tokens, 5), chars),
    duplicate6GramShare: share(duplicateNgramChars(tokens, 6), chars),
    duplicate7GramShare: share(duplicateNgramChars(tokens, 7), chars),
    duplicate8GramShare: share(duplicateNgramChars(tokens, 8), chars),
    duplicate9GramShare: share(duplicateNgramChars(tokens, 9), chars),
    duplicate10GramShare: share(duplicateNgramChars(tokens, 10), chars),
    replacementShare: share(count(text, '\uFFFD'), chars),
    markupShare: share(markup, chars),
  };
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

/** Gopher's top n-gram: the most frequent n-gram's length (tokens joined by spaces) times its count. */
function topNgramChars(tokens: string[], n: number): number {
  const counts = new Map<string, number>();
  let best = 0;
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = tokens.slice(i, i + n).join(' ');
    const c = (counts.get(gram) ?? 0) + 1;
    counts.set(gram, c);
    if (c * gram.length > best) best = c * gram.length;
  }
  return best;
}

/** Gopher's duplicate n-grams: characters of n-grams (tokens joined without spaces) seen before, skipping past each repeat. */
function duplicateNgramChars(tokens: string[], n: number): number {
  const seen = new Set<string>();
  let repeated = 0;
  let i = 0;
  while (i + n <= tokens.length) {
    const gram = tokens.slice(i, i + n).join('');
    if (seen.has(gram)) {
      repeated += gram.length;
      i += n;
    } else {
      seen.add(gram);
      i++;
    }
  }
  return repeated;
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

export const SIGNAL_NAMES: readonly (keyof QualitySignals)[] = Object.keys(qualitySignals('', new Set())) as (keyof QualitySignals)[];

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
