export interface SentenceRules {
  /** Words that a period does not end, without the period: `TS`, `PGS.TS`, `v.v`, `TP`. */
  abbreviations: ReadonlySet<string>;
}

const TERMINATOR = /(?:\.{2,}|[.!?…])+/g;
const CLOSERS = new Set(['"', '”', '’', "'", '»', ')', ']', '}']);
const OPENERS = new Set(['"', '“', '‘', "'", '«', '(', '[', '{']);
const UPPER = /\p{Lu}/u;
const SPACE = /\s/;
// Abbreviations, initials and list markers are short: looking further back would
// make a long run of periods without spaces cost quadratic time.
const MAX_WORD = 40;

/**
 * Splits one paragraph into sentences. A boundary is a terminator (`.` `!` `?` `…`
 * `...`), with any closing quotes and brackets that follow it, then white space,
 * then a word that starts with a capital (possibly behind opening quotes or
 * brackets). A period does not end an abbreviation, a title (`PGS.TS`), an initial
 * (`Đ.`) or a list number at the start of a sentence. Numbers, dates, times, codes
 * and URLs hold no boundary because a terminator inside them has no space after it.
 * Runs in time linear in the paragraph's length.
 */
export function segmentSentences(paragraph: string, rules: SentenceRules): string[] {
  const text = paragraph.trim();
  const sentences: string[] = [];
  let start = 0;
  TERMINATOR.lastIndex = 0;
  for (let m = TERMINATOR.exec(text); m !== null; m = TERMINATOR.exec(text)) {
    let end = m.index + m[0].length;
    while (end < text.length && CLOSERS.has(text[end]!)) end++;
    if (end >= text.length) break;
    if (!SPACE.test(text[end]!)) continue;
    let next = end;
    while (next < text.length && SPACE.test(text[next]!)) next++;
    let first = next;
    while (first < text.length && OPENERS.has(text[first]!)) first++;
    if (first >= text.length || !UPPER.test(text[first]!)) continue;
    if (m[0] === '.' && periodIsNotAnEnd(text, start, m.index, rules)) continue;
    sentences.push(text.slice(start, end));
    start = next;
    TERMINATOR.lastIndex = next;
  }
  if (start < text.length) sentences.push(text.slice(start));
  return sentences;
}

function periodIsNotAnEnd(text: string, sentenceStart: number, period: number, rules: SentenceRules): boolean {
  let wordStart = period;
  const limit = Math.max(sentenceStart, period - MAX_WORD);
  while (wordStart > limit && !SPACE.test(text[wordStart - 1]!)) wordStart--;
  if (wordStart === limit && limit > sentenceStart && !SPACE.test(text[wordStart - 1]!)) return false;
  while (wordStart < period && OPENERS.has(text[wordStart]!)) wordStart++;
  const word = text.slice(wordStart, period);
  if (word === '') return false;
  if (rules.abbreviations.has(word)) return true;
  const parts = word.split('.');
  if (parts.every((p) => rules.abbreviations.has(p) || isInitial(p))) return true;
  // `1.` `a.` `II.` opening a sentence is a list marker, not a sentence.
  return wordStart === sentenceStart && /^(?:\d{1,3}|[a-zA-Z]|[IVXLC]{1,5})$/.test(word);
}

function isInitial(part: string): boolean {
  return part.length === 1 && UPPER.test(part);
}
