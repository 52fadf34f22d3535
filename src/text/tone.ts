/**
 * Tone-mark placement by rule. Vietnamese writes the same syllable two ways where the
 * nucleus is oa, oe or uy with no final consonant: the old style marks the first vowel
 * (hòa, khỏe, thủy), the new style the second (hoà, khoẻ, thuỷ). Everywhere else both
 * styles agree, and a mark found elsewhere is a typing error (hòai, lựơng), repaired by
 * the same rule. Words that are not Vietnamese syllables are left exactly as they are.
 */
export type ToneStyle = 'old' | 'new';

const TONE_RE = /[\u0300\u0301\u0309\u0303\u0323]/g;
const VOWELS = 'aăâeêioôơuưy';
const MODIFIED = 'ăâêôơư';
const INITIALS = ['ngh', 'ng', 'nh', 'ch', 'gh', 'gi', 'kh', 'ph', 'qu', 'th', 'tr', 'b', 'c', 'd', 'đ', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'x'];
const FINALS = new Set(['', 'c', 'ch', 'm', 'n', 'ng', 'nh', 'p', 't']);
// Vowel clusters of Vietnamese syllables (untoned, lower case).
const NUCLEI = new Set([
  ...VOWELS,
  'ai', 'ao', 'au', 'ay', 'âu', 'ây', 'eo', 'êu', 'ia', 'iê', 'iu', 'oa', 'oă', 'oe', 'oi', 'ôi', 'ơi', 'oo', 'ua', 'uâ', 'uê',
  'ui', 'uô', 'uơ', 'uy', 'ưa', 'ưi', 'ươ', 'ưu', 'ya', 'yê', 'iêu', 'yêu', 'oai', 'oao', 'oay', 'oeo', 'uây', 'uôi', 'ươi',
  'ươu', 'uya', 'uyê', 'uyu',
]);
// Letter classes for a fast scan: a word can need work only if a toned vowel stands
// next to another vowel (the styled clusters, and every misplaced mark), and not when
// its one mark sits on the last of its vowels with a hat, horn or breve: the rule puts
// it there in both styles (người, được, tiếng).
const OTHER = 0;
const LETTER = 1;
const VOWEL = 2;
const MODIFIED_VOWEL = 3;
const TONED_VOWEL = 4;
const TONED_MODIFIED_VOWEL = 5;
const CLASS = new Uint8Array(0x2000);
for (let c = 0x41; c < 0x2000; c++) {
  const ch = String.fromCharCode(c);
  if (!/\p{L}/u.test(ch)) continue;
  const base = ch.normalize('NFD').replace(TONE_RE, '').normalize('NFC').toLowerCase();
  const toned = ch.normalize('NFD') !== ch.normalize('NFD').replace(TONE_RE, '');
  const modified = MODIFIED.includes(base);
  CLASS[c] = !VOWELS.includes(base) ? LETTER : toned ? (modified ? TONED_MODIFIED_VOWEL : TONED_VOWEL) : modified ? MODIFIED_VOWEL : VOWEL;
}

// The longest syllable: a three-letter initial, a three-vowel cluster, a two-letter final (nghiêng, khuỷu).
const MAX_SYLLABLE = 8;
// A language has a few thousand such syllables: each is worked out once per style.
const MEMO_LIMIT = 100_000;
const memo: Record<ToneStyle, Map<string, string>> = { old: new Map(), new: new Map() };

export function placeToneMarks(text: string, style: ToneStyle): string {
  const seen = memo[style];
  let out = '';
  let copied = 0;
  let wordStart = -1;
  let candidate = false;
  let toned = 0;
  let settled = false; // the word's last mark is on a modified vowel with none after it
  let prev = OTHER;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 0;
    const cls = code < 0x2000 ? CLASS[code]! : code >= 0xd800 && code <= 0xdfff ? LETTER : OTHER;
    if (cls !== OTHER) {
      if (wordStart < 0) wordStart = i;
      if (cls >= TONED_VOWEL) {
        toned++;
        settled = cls === TONED_MODIFIED_VOWEL;
        if (prev >= VOWEL) candidate = true;
      } else if (cls >= VOWEL) {
        if (cls === MODIFIED_VOWEL) settled = false;
        if (prev >= TONED_VOWEL) candidate = true;
      }
      prev = cls;
      continue;
    }
    // Two marks: not a syllable, left as it is (placeInWord would say the same); nor is
    // a word longer than any syllable, which placeInWord's NFD would pay for, or one
    // that a combining mark follows: it would compose with the letter the tone leaves.
    if (candidate && toned === 1 && !settled && i - wordStart <= MAX_SYLLABLE && !(code >= 0x300 && code <= 0x36f)) {
      const word = text.slice(wordStart, i);
      let placed = seen.get(word);
      if (placed === undefined) {
        placed = placeInWord(word, style);
        if (seen.size >= MEMO_LIMIT) seen.clear();
        seen.set(word, placed);
      }
      if (placed !== word) {
        out += text.slice(copied, wordStart) + placed;
        copied = i;
      }
    }
    wordStart = -1;
    candidate = false;
    toned = 0;
    settled = false;
    prev = OTHER;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function placeInWord(word: string, style: ToneStyle): string {
  const decomposed = word.normalize('NFD');
  const tones = decomposed.match(TONE_RE);
  if (!tones || tones.length !== 1) return word; // none, or two marks: not a syllable we can read
  const tone = tones[0]!;
  // Letters without the tone, one string position per letter after NFC.
  const bare = decomposed.replace(TONE_RE, '').normalize('NFC');
  if (bare.length !== word.length) return word;
  const lower = bare.toLowerCase();
  const parsed = parse(lower);
  if (!parsed) return word;
  const at = parsed.start + toneIndex(lower.slice(parsed.start, parsed.end), lower.slice(parsed.end), style);
  return bare.slice(0, at) + `${bare[at]}${tone}`.normalize('NFC') + bare.slice(at + 1);
}

/** The vowel cluster's span, when `word` is initial + known cluster + final. */
function parse(word: string): { start: number; end: number } | null {
  let start = 0;
  for (const initial of INITIALS) {
    if (word.startsWith(initial)) {
      start = initial.length;
      break;
    }
  }
  // `gi` and `qu` take their i / u from the vowels only when another vowel follows:
  // `gì` is g + i, `giữ` is gi + ư.
  if ((word.startsWith('gi') || word.startsWith('qu')) && !VOWELS.includes(word[2] ?? '')) start = 1;
  let end = start;
  while (end < word.length && VOWELS.includes(word[end]!)) end++;
  if (end === start) return null;
  if (!NUCLEI.has(word.slice(start, end)) || !FINALS.has(word.slice(end))) return null;
  return { start, end };
}

/** Where in the cluster the mark goes. */
function toneIndex(cluster: string, final: string, style: ToneStyle): number {
  for (let i = cluster.length - 1; i >= 0; i--) {
    if (MODIFIED.includes(cluster[i]!)) return i; // ươ: on ơ; uyê: on ê
  }
  if (cluster.length === 1) return 0;
  if (final !== '') return cluster.length - 1; // hoàng, hoạch, huỳnh
  if (cluster === 'oa' || cluster === 'oe' || cluster === 'uy') return style === 'old' ? 0 : 1;
  if (cluster.length === 3) return 1; // ngoái, xoáy, ngoẹo, khuỷu
  return 0; // mùa, tủi, chìa, mái
}
