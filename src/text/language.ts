import { francAll } from 'franc';

export interface LanguageRules {
  /** ISO 639-3 codes franc may answer; empty means all of franc's languages. */
  candidates: string[];
  /** Fewer letters than this and the answer is `und`. */
  minLetters: number;
  /** Share of words with a letter only Vietnamese uses at or above which a text is Vietnamese. */
  vietnameseWordShare: number;
}

export interface LanguageLabel {
  language: string;
  /** 0..1: how sure the answer is. */
  score: number;
}

export interface LanguageResult extends LanguageLabel {
  /** One label per paragraph of the text (`und` for those too short to judge). */
  paragraphs: LanguageLabel[];
}

// Letter classes for one fast scan (a regular expression per word was the stage's
// main cost). Letters no other Latin-script language uses: ă đ ơ ư, ĩ ũ, and the Latin
// Extended Additional block U+1EA0-U+1EF9 (ạ ả ấ ầ ... ỹ). A Han, kana or Hangul
// character carries about as much as a short word: it counts as three letters.
const NOT_LETTER = 0;
const LETTER = 1;
const VIETNAMESE_ONLY = 2;
const IDEOGRAPH = 3;
const CLASS = new Uint8Array(0x2000);
for (let c = 0x41; c < 0x2000; c++) {
  if (/\p{L}/u.test(String.fromCharCode(c))) CLASS[c] = LETTER;
}
for (const ch of 'ăĂđĐơƠưƯĩĨũŨ') CLASS[ch.charCodeAt(0)] = VIETNAMESE_ONLY;
for (let c = 0x1ea0; c <= 0x1ef9; c++) CLASS[c] = VIETNAMESE_ONLY;

function classOf(code: number): number {
  if (code < 0x2000) return CLASS[code]!;
  if ((code >= 0x3040 && code <= 0x30ff) || (code >= 0x3400 && code <= 0x9fff) || (code >= 0xac00 && code <= 0xd7af)) return IDEOGRAPH;
  return code >= 0xf900 && code <= 0xfaff ? IDEOGRAPH : NOT_LETTER;
}

const COMBINING = /[\u0300-\u036f]/;
// franc reads 2,048 characters; a long text is judged on up to three such windows
// spread over it, so an English preface does not label a Vietnamese article.
const FRANC_WINDOW = 2048;
const FRANC_WINDOWS = 3;
const UND: LanguageLabel = { language: 'und', score: 0 };

/**
 * The language of a cleaned body, paragraph by paragraph, and of the whole by the
 * majority of characters. Words with letters only Vietnamese uses are a signal no
 * trigram model needs; franc, restricted to the configured candidates, judges text
 * without that signal: other languages, and Vietnamese typed without diacritics.
 * Decomposed (NFD) text is composed first: the signal is written in NFC.
 */
export function detectLanguage(text: string, rules: LanguageRules): LanguageResult {
  const paragraphs = text.split('\n\n').map((p) => labelOf(COMBINING.test(p) ? p.normalize('NFC') : p, rules));
  const lengths = text.split('\n\n').map((p) => p.length);
  const byLanguage = new Map<string, { chars: number; weighted: number }>();
  paragraphs.forEach((label, i) => {
    if (label.language === 'und') return;
    const entry = byLanguage.get(label.language) ?? { chars: 0, weighted: 0 };
    entry.chars += lengths[i]!;
    entry.weighted += lengths[i]! * label.score;
    byLanguage.set(label.language, entry);
  });
  if (byLanguage.size === 0) {
    // No paragraph is long enough alone: judge the text as one.
    const whole = labelOf(COMBINING.test(text) ? text.normalize('NFC') : text, rules);
    return { ...whole, paragraphs };
  }
  const [language, best] = [...byLanguage].sort((a, b) => b[1].chars - a[1].chars || a[0].localeCompare(b[0]))[0]!;
  const labelled = [...byLanguage.values()].reduce((n, e) => n + e.chars, 0);
  // The majority's own confidence, lowered by the share of text in other languages.
  const score = round((best.weighted / best.chars) * (best.chars / labelled));
  return { language, score, paragraphs };
}

function labelOf(text: string, rules: LanguageRules): LanguageLabel {
  let words = 0;
  let vietnamese = 0;
  let letters = 0;
  let inWord = false;
  let wordIsVietnamese = false;
  for (let i = 0; i <= text.length; i++) {
    const cls = i < text.length ? classOf(text.charCodeAt(i)) : NOT_LETTER;
    if (cls === NOT_LETTER) {
      if (inWord && wordIsVietnamese) vietnamese++;
      inWord = false;
      wordIsVietnamese = false;
      continue;
    }
    if (!inWord) words++;
    inWord = true;
    letters += cls === IDEOGRAPH ? 3 : 1;
    if (cls === VIETNAMESE_ONLY) wordIsVietnamese = true;
  }
  if (letters < rules.minLetters) return UND;
  const share = vietnamese / words;
  if (share >= rules.vietnameseWordShare) {
    // Vietnamese prose has 40-60 % such words; a share near the threshold is a mixed text.
    return { language: 'vie', score: round(Math.min(1, 0.5 + share)) };
  }
  // Each window votes for its best language; the margin over its runner-up is what
  // franc's relative scores (the best is always 1) say about how sure it is.
  const votes = new Map<string, { wins: number; margin: number }>();
  const parts = windows(text);
  for (const window of parts) {
    const [best, second] = francAll(window, { minLength: 1, ...(rules.candidates.length > 0 ? { only: rules.candidates } : {}) });
    if (!best || best[0] === 'und') continue;
    const vote = votes.get(best[0]) ?? { wins: 0, margin: 0 };
    vote.wins++;
    vote.margin += second ? best[1] - second[1] : 1;
    votes.set(best[0], vote);
  }
  const ranked = [...votes].sort((a, b) => b[1].wins - a[1].wins || b[1].margin - a[1].margin);
  if (ranked.length === 0) return UND;
  const [language, { wins, margin }] = ranked[0]!;
  return { language, score: round(Math.min(1, 0.5 + (margin / wins) * 5) * (wins / parts.length)) };
}

function windows(text: string): string[] {
  if (text.length <= FRANC_WINDOW) return [text];
  const count = Math.min(FRANC_WINDOWS, Math.ceil(text.length / FRANC_WINDOW));
  const step = (text.length - FRANC_WINDOW) / (count - 1);
  return Array.from({ length: count }, (_, i) => text.slice(Math.round(i * step), Math.round(i * step) + FRANC_WINDOW));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
