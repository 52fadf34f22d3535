export interface SentenceRules {
  /** Words that a period does not end, without the period: `TS`, `PGS.TS`, `v.v`, `TP`. */
  abbreviations: ReadonlySet<string>;
  /** Nouns whose value is a capital letter (`bảng A.`, `40 độ C.`): the letter can end a sentence. */
  letterNouns: ReadonlySet<string>;
  /** Name syllables without diacritics (`Minh`, `Anh`); with one, any capitalised syllable is a name. */
  plainNameSyllables: ReadonlySet<string>;
  /**
   * Lower-case words after which a capital with a period is an initial (`ông A. Lê`, `và
   * B. Trần`); after any other lower-case word it is a value that can end a sentence (`xe cỡ A.`).
   */
  nameIntroducers: ReadonlySet<string>;
}

// Places a sentence may end: a run of terminators, a closing bracket (the end of a
// caption such as `(Ảnh: TTXVN)`), or a line break.
const BREAK = /(?:\.{2,}|[.!?…])+|\)|\n/g;
const CLOSERS = new Set(['"', '”', '’', "'", '»', ')', ']', '}']);
// A closing quote that a space parted from its sentence (`đi. ” Sau`): it still closes it.
const STRAY_CLOSERS = new Set(['”', '’', '»']);
const OPENERS = new Set(['"', '“', '‘', "'", '«', '(', '[', '{']);
const UPPER = /\p{Lu}/u;
const LOWER = /\p{Ll}/u;
const SPACE = /\s/;
const DIGIT = /\d/;
const LETTER = /\p{L}/u;
// `3GPP`, `5G`: digits and capitals, a code that can open a sentence.
const CODE = /\d{1,6}\p{Lu}/uy;
// Abbreviations, initials, list markers and captions are short: looking further
// back or ahead would make a long run without spaces cost quadratic time.
const MAX_WORD = 40;
const MAX_CAPTION = 200;
// `1.` `a.` `II.` `Điều 5.` `Chương II.` alone at the start of a sentence number it.
const MARKER = /^(?:(?:Điều|Chương|Mục|Phần|Khoản|Bước|Câu|Bài)\s+)?(?:\d{1,3}|[a-zA-Z]|[IVXLC]{1,8})$/u;
// A sentence may start with a digit only as a numbered item: `2. Đối tượng`.
const NUMBERED_ITEM = /\d{1,3}\.\s\p{Lu}/uy;

/**
 * Splits one paragraph into sentences. A boundary is a terminator (`.` `!` `?` `…`
 * `...`), with any closing quotes and brackets that follow it, then white space,
 * then a word that starts with a capital (possibly behind opening quotes or
 * brackets) or a numbered item (`2. Đối`). A period does not end an abbreviation, a
 * title (`PGS.TS`), an initial (`Đ.`, `A. Lê`) or a list marker (`1.`, `Điều 5.`);
 * it does end a shortened name (`Nguyễn Văn H. Sau đó`) and a letter value (`bảng
 * A. Trận`). A bracketed sentence (`(Ảnh: TTXVN) Bài`) ends at its closing bracket,
 * and a line break ends a sentence unless the next line goes on in lower case, so a
 * heading is never glued to the text after it. Numbers, dates, times, codes and URLs
 * hold no boundary because a terminator inside them has no space after it.
 * Runs in time linear in the paragraph's length.
 */
export function segmentSentences(paragraph: string, rules: SentenceRules): string[] {
  const text = paragraph.trim();
  const sentences: string[] = [];
  let start = 0;
  BREAK.lastIndex = 0;
  for (let m = BREAK.exec(text); m !== null; m = BREAK.exec(text)) {
    if (m[0] === '\n') {
      const next = skipSpace(text, m.index);
      if (next >= text.length || LOWER.test(text[next]!)) {
        BREAK.lastIndex = next; // past the white space just skipped: a run of line breaks is read once
        continue;
      }
      sentences.push(text.slice(start, m.index).trimEnd());
      start = next;
      BREAK.lastIndex = next;
      continue;
    }
    if (m[0] === ')' && !closesBracketedSentence(text, start, m.index)) continue;
    let end = m.index + m[0].length;
    while (end < text.length && CLOSERS.has(text[end]!)) end++;
    if (end >= text.length) break;
    let next: number;
    if (SPACE.test(text[end]!)) {
      next = skipSpace(text, end);
      if (STRAY_CLOSERS.has(text[next]!) && next + 1 < text.length && SPACE.test(text[next + 1]!)) {
        end = next + 1;
        next = skipSpace(text, end);
      }
    } else if ((m[0] === '?' || m[0] === '!') && gluedSentenceStart(text, m.index, end)) {
      next = end;
    } else {
      continue;
    }
    let first = next;
    // Opening marks, and an ellipsis that opens a sentence (`... Và rồi`), stand before its first word.
    while (first < text.length && (OPENERS.has(text[first]!) || text[first] === '…' || text[first] === '.')) first++;
    if (first >= text.length || !startsSentence(text, first, text[m.index - 1])) continue;
    if (m[0] === '.' && periodIsNotAnEnd(text, start, m.index, rules)) continue;
    sentences.push(text.slice(start, end).trimEnd());
    start = next;
    BREAK.lastIndex = next;
  }
  if (start < text.length) sentences.push(text.slice(start));
  return sentences;
}

/**
 * `khi nào?Tôi`: a question or exclamation glued to a capitalised word is a boundary,
 * unless the `?` is a URL's query (the word before it holds `/`, `.` or `=`).
 */
function gluedSentenceStart(text: string, mark: number, after: number): boolean {
  if (!UPPER.test(text[after] ?? '') || !LOWER.test(text[after + 1] ?? '')) return false;
  for (let i = mark - 1; i >= 0 && mark - i <= MAX_WORD && !SPACE.test(text[i]!); i--) {
    if (text[i] === '/' || text[i] === '.' || text[i] === '=') return false;
  }
  return LETTER.test(text[mark - 1] ?? '');
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && SPACE.test(text[i]!)) i++;
  return i;
}

/**
 * A capital starts a sentence; a digit does as a code after a word (`mạng 6G. 3GPP`), and
 * otherwise only as a numbered item (`2. Đối`). A number (`chị M. (32 tuổi)`, `bị cáo B.
 * 12 năm tù`) goes on the sentence.
 */
function startsSentence(text: string, first: number, beforeStop: string | undefined): boolean {
  if (UPPER.test(text[first]!)) return true;
  if (!DIGIT.test(text[first]!)) return false;
  CODE.lastIndex = first;
  if (beforeStop !== undefined && LETTER.test(beforeStop) && CODE.test(text)) return true;
  NUMBERED_ITEM.lastIndex = first;
  return NUMBERED_ITEM.test(text);
}

/** Whether the bracket at `close` closes one that opens the sentence, as in a caption. */
function closesBracketedSentence(text: string, sentenceStart: number, close: number): boolean {
  if (text[sentenceStart] !== '(' || close - sentenceStart > MAX_CAPTION) return false;
  let depth = 0;
  for (let i = sentenceStart; i < close; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return false;
  }
  return depth === 1;
}

function periodIsNotAnEnd(text: string, sentenceStart: number, period: number, rules: SentenceRules): boolean {
  let wordStart = period;
  const limit = Math.max(sentenceStart, period - MAX_WORD);
  while (wordStart > limit && !SPACE.test(text[wordStart - 1]!)) wordStart--;
  if (wordStart === limit && limit > sentenceStart && !SPACE.test(text[wordStart - 1]!)) return false;
  while (wordStart < period && OPENERS.has(text[wordStart]!)) wordStart++;
  const word = text.slice(wordStart, period);
  if (word === '') return false;
  if (period - sentenceStart <= MAX_WORD && MARKER.test(text.slice(sentenceStart, period))) return true;
  // Single letters come before the abbreviation list, which holds some (`Q.` `P.`).
  if (isInitial(word)) return !letterEndsSentence(text, sentenceStart, wordStart, rules);
  if (rules.abbreviations.has(word)) return true;
  return word.split('.').every((p) => rules.abbreviations.has(p) || isInitial(p));
}

/**
 * A capital letter with a period is an initial (`ông A. Lê`, `John F. Kennedy`,
 * `Q. Bình Thạnh`) unless it follows a Vietnamese name syllable other than the
 * sentence's first word, where it ends a shortened name (`Nguyễn Văn H.`: given
 * names come last, so nothing of the name follows), or a noun that takes a letter
 * as its value (`bảng A`).
 */
function letterEndsSentence(text: string, sentenceStart: number, letter: number, rules: SentenceRules): boolean {
  const end = letter - 1;
  if (end <= sentenceStart || !SPACE.test(text[end]!)) return false;
  let begin = end;
  const limit = Math.max(sentenceStart, end - MAX_WORD);
  while (begin > limit && !SPACE.test(text[begin - 1]!)) begin--;
  const previous = text.slice(begin, end);
  if (rules.letterNouns.has(previous)) return true;
  // `xe cỡ A.`: after a lower-case word that does not introduce a name, the letter is a
  // value. `Q.` and `P.` (district, ward) stay abbreviations.
  if (/^\p{Ll}+$/u.test(previous)) return !rules.nameIntroducers.has(previous) && !rules.abbreviations.has(text[letter]!);
  // The first word of a sentence is capitalised whatever it is (`Tại Q. 1`).
  if (begin === sentenceStart) return false;
  return /^\p{Lu}\p{Ll}+$/u.test(previous) && (/[^\x00-\x7f]/.test(previous) || rules.plainNameSyllables.has(previous));
}

function isInitial(part: string): boolean {
  return part.length === 1 && UPPER.test(part);
}
