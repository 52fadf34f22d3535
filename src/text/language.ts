import { francAll } from 'franc';

export interface LanguageRules {
  /** ISO 639-3 codes franc may answer; empty means all of franc's languages. */
  candidates: string[];
  /** Fewer letters than this and the answer is `und`. */
  minLetters: number;
  /** Share of words with a letter only Vietnamese uses at or above which a text is Vietnamese. */
  vietnameseWordShare: number;
}

export interface LanguageResult {
  language: string;
  /** 0..1: how sure the answer is. */
  score: number;
}

// Letters no other Latin-script language uses: ă đ ơ ư (either case), ĩ ũ, and the
// Latin Extended Additional block U+1EA0-U+1EF9 (ạ ả ấ ầ ... ỹ).
const VIETNAMESE_ONLY = /[ăĂđĐơƠưƯĩĨũŨ\u1ea0-\u1ef9]/u;
const WORD = /\p{L}+/gu;
const FRANC_WINDOW = 2048;

/**
 * The language of a cleaned body. Words with letters only Vietnamese uses are a
 * signal no trigram model needs; franc (restricted to the configured candidates)
 * answers when that signal is absent, for text without diacritics or in another
 * language. Expects NFC text, as the normalise stage leaves it.
 */
export function detectLanguage(text: string, rules: LanguageRules): LanguageResult {
  let words = 0;
  let vietnamese = 0;
  let letters = 0;
  for (const [word] of text.matchAll(WORD)) {
    words++;
    letters += word.length;
    if (VIETNAMESE_ONLY.test(word)) vietnamese++;
  }
  if (letters < rules.minLetters) return { language: 'und', score: 0 };

  const share = vietnamese / words;
  if (share >= rules.vietnameseWordShare) {
    // Vietnamese news has 40-60 % such words; a share at the threshold is a mixed text.
    return { language: 'vie', score: round(Math.min(1, 0.5 + share)) };
  }
  const ranked = francAll(text.slice(0, FRANC_WINDOW), {
    minLength: 1,
    ...(rules.candidates.length > 0 ? { only: rules.candidates } : {}),
  });
  const [best, second] = ranked;
  if (!best || best[0] === 'und') return { language: 'und', score: 0 };
  // franc's scores are relative (the best is always 1): the margin over the runner-up
  // is what carries information.
  const margin = second ? best[1] - second[1] : 1;
  return { language: best[0], score: round(Math.min(1, 0.5 + margin * 5)) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
