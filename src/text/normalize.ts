import { placeToneMarks, type ToneStyle } from './tone.js';

/** Where tone marks go: one of the two styles, or as the source has them. */
export type ToneSetting = ToneStyle | 'keep';

/**
 * Unicode and layout normalisation: NFC, one kind of space, no invisible characters,
 * LF line endings, HTML entities decoded, tone marks in one style, each line trimmed. Blank-line runs are cut
 * to two blank lines, not one: a double gap is where a scraped page lost an image, and
 * the boilerplate stage reads it as a caption signal. The output text joins
 * paragraphs with exactly one blank line.
 */
export function normalizeText(input: string, tones: ToneSetting): string {
  // One scan says which fixes the text needs: most need few, and each regular
  // expression pass over a document costs as much as the scan.
  let need = scan(input);
  let text = input;
  if (need.entities) {
    text = decodeEntities(text);
    need = scan(text); // an entity can stand for a space or an invisible character
  }
  if (need.lineBreaks) text = text.replace(/\r\n?|[\u2028\u2029\f\v]/g, '\n');
  if (need.invisible) text = text.replace(/[\u200b-\u200d\u2060\ufeff\u00ad\u0000-\u0008\u000e-\u001f\u007f]/g, '');
  if (need.spaces) text = text.replace(/[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g, ' ');
  text = (need.markRuns ? capMarkRuns(text) : text).normalize('NFC');
  if (need.eth) text = fixEth(text);
  if (tones !== 'keep') text = placeToneMarksInVietnamese(text, tones);
  // Removed characters and new line breaks can leave spaces side by side or at a
  // line's end where the scan saw none: fold the layout then too.
  if (need.layout || need.spaces || need.invisible || need.lineBreaks || need.entities) {
    text = text.replace(/ {2,}/g, ' ').replace(/ ?\n ?/g, '\n').replace(/\n{4,}/g, '\n\n\n');
  }
  // Only spaces and line feeds are left as white space here, so trim() trims just those.
  return text.trim();
}

interface Needs {
  lineBreaks: boolean;
  entities: boolean;
  invisible: boolean;
  spaces: boolean;
  eth: boolean;
  /** Double spaces, spaces at a line's ends, or long runs of blank lines. */
  layout: boolean;
  /** A run of characters that may be combining marks, longer than MAX_MARK_RUN. */
  markRuns: boolean;
}

function scan(text: string): Needs {
  const need: Needs = { lineBreaks: false, entities: false, invisible: false, spaces: false, eth: false, layout: false, markRuns: false };
  let newlines = 0;
  let prev = 0;
  let maybeMarks = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Combining marks of every script lie above U+02FF; Vietnamese letters below it or
    // in U+1E00-U+1EFF never start such a run. A long run only costs the exact check.
    if (c >= 0x300 && (c < 0x1e00 || c > 0x1eff)) {
      if (++maybeMarks > MAX_MARK_RUN) need.markRuns = true;
    } else {
      maybeMarks = 0;
    }
    if (c === 10) {
      if (prev === 32 || ++newlines >= 4) need.layout = true;
    } else {
      newlines = 0;
      if (c === 32 || isOtherSpace(c)) {
        if (prev === 32 || prev === 10) need.layout = true;
        if (c !== 32) need.spaces = true;
        prev = 32; // an NBSP becomes a space: it counts as one for the layout
        continue;
      } else if (c < 32 || c === 0x7f) {
        if (c === 13 || c === 11 || c === 12) need.lineBreaks = true;
        else need.invisible = true;
      } else if (c === 38) {
        need.entities = true;
      } else if (c >= 0xa0) {
        if ((c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff || c === 0xad) need.invisible = true;
        else if (c === 0x2028 || c === 0x2029) need.lineBreaks = true;
        else if (c === 0xd0 || c === 0xf0) need.eth = true;
      }
    }
    prev = c;
  }
  return need;
}

/**
 * Unicode's stream-safe limit (UAX #15): no letter carries more than 30 combining marks.
 * Normalisation sorts a letter's marks by insertion, so an unbounded run (a crafted file
 * of 100,000 marks, or "zalgo" text) costs quadratic time; Vietnamese needs two.
 */
const MAX_MARK_RUN = 30;
const MARK_RUN = new RegExp(`\\p{M}{${MAX_MARK_RUN + 1},}`, 'gu');

/** Cuts every run of combining marks to its first MAX_MARK_RUN, so that NFC and NFD take linear time. */
export function capMarkRuns(text: string): string {
  return text.replace(MARK_RUN, (run) => {
    let end = 0;
    for (let marks = 0; marks < MAX_MARK_RUN; marks++) end += run.charCodeAt(end) >= 0xd800 && run.charCodeAt(end) <= 0xdbff ? 2 : 1;
    return run.slice(0, end);
  });
}

function isOtherSpace(c: number): boolean {
  return c === 9 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000;
}

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0',
  ndash: '\u2013', mdash: '\u2014', hellip: '\u2026', laquo: '\u00ab', raquo: '\u00bb',
  ldquo: '\u201c', rdquo: '\u201d', lsquo: '\u2018', rsquo: '\u2019', copy: '\u00a9', reg: '\u00ae',
};

/** Entities decode once: `&amp;lt;` is `&lt;`. An entity that yields NBSP becomes a space below. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[body.toLowerCase()] ?? whole;
  });
}

// Letters only Vietnamese writes among the languages with these marks: ơ, ư, đ and the
// precomposed letters of U+1EA0-U+1EF9 (ạ, ầ, ở ...).
const VIETNAMESE_LETTER = /[ơưƠƯđĐ\u1ea0-\u1ef9]/;
/** A line this short in a Vietnamese text is Vietnamese even without such a letter (`Hoà`, `Giá hàng hoá leo thang`). */
const SHORT_LINE_WORDS = 8;

/**
 * Tone marks placed in one style on the lines of a Vietnamese text: a line that holds a
 * letter only Vietnamese writes, or a short one. A longer line without one is another
 * language's (a quoted Italian or French paragraph) and keeps its marks: `più` and `où`
 * have the shape of Vietnamese syllables (iu, ou) and would get theirs moved.
 */
function placeToneMarksInVietnamese(text: string, tones: ToneStyle): string {
  if (!VIETNAMESE_LETTER.test(text)) return text;
  let out = '';
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    const vietnamese = VIETNAMESE_LETTER.test(line) || isShort(line);
    out += (vietnamese ? placeToneMarks(line, tones) : line) + (end < text.length ? '\n' : '');
    start = end + 1;
  }
  return out;
}

/** At most SHORT_LINE_WORDS words, however many spaces part them (the layout is folded later). */
function isShort(line: string): boolean {
  let words = 0;
  for (const w of line.split(' ')) if (w !== '' && ++words > SHORT_LINE_WORDS) return false;
  return true;
}

// Vowels of Vietnamese, with and without tone marks (NFC).
const VI_VOWEL = 'aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ';
// Đ opens a Vietnamese syllable and ð never opens an Icelandic or Faroese word
// (`Sigurðardóttir`, `orðum`): only an eth at a word's start is read as Đ.
const ETH_AT_WORD_START = new RegExp(`(?<![\\p{L}\\p{M}])[\u00d0\u00f0](?=[${VI_VOWEL}${VI_VOWEL.toUpperCase()}])`, 'gu');

/** Ð/ð (Icelandic eth) typed for Đ/đ: replaced at a word's start where a Vietnamese vowel follows. */
function fixEth(text: string): string {
  return text.replace(ETH_AT_WORD_START, (c) => (c === '\u00d0' ? '\u0110' : '\u0111'));
}
