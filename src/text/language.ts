import { getLIDModel } from 'fasttext.wasm.js';
import { data as francData } from 'franc-all/data.js';
import { hasCloseLanguages, resolveClose } from './language-close.js';
import { rankLanguages } from './language-trigrams.js';
import { capMarkRuns } from './normalize.js';
import { isVietnameseSyllable } from './vietnamese-score.js';

export interface LanguageRules {
  /** ISO 639-3 codes the answer may take; empty (the default) means every language. */
  candidates: string[];
  /** Less evidence than this (letters in words, names and codes counting little) and the answer is `und`. */
  minLetters: number;
  /** Share of words with a letter only Vietnamese uses at or above which a text is Vietnamese. */
  vietnameseWordShare: number;
  /** A paragraph with fewer letters takes its own label only when the evidence is strong, else the document's. */
  shortParagraphLetters: number;
}

export interface LanguageLabel {
  language: string;
  /** 0..1: how sure the answer is (calibrated: see README, "Language"). */
  score: number;
}

/**
 * `ok`; `mojibake` (UTF-8 read as cp1252 and kept: `NgÃ y`), `replacement` (U+FFFD for
 * bytes that did not decode), `garbled` (Vietnamese letters that make no Vietnamese
 * syllables: a wrong legacy table). A text that is not `ok` gets a low score.
 */
export type LanguageQuality = 'ok' | 'mojibake' | 'replacement' | 'garbled';

export interface LanguageResult extends LanguageLabel {
  /** One label per paragraph of the text; a short paragraph without clear evidence carries the document's. */
  paragraphs: LanguageLabel[];
  quality: LanguageQuality;
  /**
   * What decided the document's label: Vietnamese letters or syllables, fastText,
   * franc-all, `close` (a language with close relatives, src/text/language-close.ts,
   * whose markers did not settle which), or nothing (`und`).
   */
  method: LanguageMethod;
}

export type LanguageMethod = 'vie-letters' | 'vie-syllables' | 'fasttext' | 'franc' | 'close' | 'none';

// fastText's lid.176 (the model CCNet, datatrove and FineWeb filter with), shipped as
// WebAssembly by fasttext.wasm.js: loaded once per thread at import, then predict is
// synchronous. Its labels are Wikipedia codes; the answers are ISO 639-3 as franc
// writes them (individual languages: zlm, ekk, nob, cmn).
const lid = await getLIDModel();
const fastText = await lid.load();
const formatLang = (lid.constructor as unknown as { formatLang(raw: string): { alpha3: string } }).formatLang;
const FASTTEXT_CODES: Record<string, string> = {
  ms: 'zlm', et: 'ekk', lv: 'lvs', sq: 'als', sw: 'swh', fa: 'pes', ar: 'arb', mn: 'khk', zh: 'cmn', no: 'nob', nn: 'nno',
  az: 'azj', uz: 'uzn', ne: 'npi', ps: 'pbu', mg: 'plt', or: 'ory', yi: 'ydd', ku: 'kmr', sh: 'hbs', qu: 'quh',
};
const fastTextLanguage = new Map<string, string>();
function fastTextCode(label: string): string {
  let code = fastTextLanguage.get(label);
  if (code === undefined) {
    const wp = label.replace('__label__', '');
    code = FASTTEXT_CODES[wp] ?? formatLang(label).alpha3;
    fastTextLanguage.set(label, code);
  }
  return code;
}

// The languages lid.176 can answer: franc's answer outside them overrules fastText's.
const FASTTEXT_KNOWS: Set<string> = (() => {
  const [labels] = fastText.getLabels();
  return new Set(Array.from({ length: labels.size() }, (_, i) => fastTextCode(labels.get(i))));
})();

// Each franc language's characters beyond ASCII, decomposed (NFD: base letters and marks
// apart), from its trigrams: a fastText answer whose language writes none of a text's
// letters (Catalan for Yoruba's ẹ ọ ṣ) is doubtful, and the languages that write them
// are the candidates.
const INVENTORY = new Map<string, Set<number>>();
for (const languages of Object.values(francData)) {
  for (const [language, trigrams] of Object.entries(languages)) {
    const set = INVENTORY.get(language) ?? new Set<number>();
    for (const ch of trigrams.normalize('NFD')) if (ch.codePointAt(0)! >= 0x80) set.add(ch.codePointAt(0)!);
    INVENTORY.set(language, set);
  }
}
const decomposed = new Map<number, number[]>();

/** The characters beyond ASCII of `text` (decomposed, letters only), each with its count. */
function nonAsciiLetters(text: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xc0 || classOf(code) === NOT_LETTER) continue;
    let parts = decomposed.get(code);
    if (!parts) {
      parts = [...String.fromCharCode(code).toLowerCase().normalize('NFD')].map((c) => c.codePointAt(0)!).filter((c) => c >= 0x80);
      decomposed.set(code, parts);
    }
    for (const c of parts) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return counts;
}

/** Letters of `letters` that `language` does not write (unknown languages write everything). */
function foreignLetters(letters: Map<number, number>, language: string): number {
  const inventory = INVENTORY.get(language);
  if (!inventory) return 0;
  let foreign = 0;
  for (const [c, n] of letters) if (!inventory.has(c)) foreign += n;
  return foreign;
}

// Letter classes for one fast scan. Letters no other Latin-script language uses: ă đ ơ
// ư, ĩ ũ, and the Latin Extended Additional block U+1EA0-U+1EF9 (ạ ả ấ ầ ... ỹ) but for
// ẹ ị ọ ụ, which Yoruba and Igbo write too. A Han, kana or Hangul character carries
// about as much as a short word: three letters.
const NOT_LETTER = 0;
const LOWER = 1;
const UPPER = 2;
const CASELESS = 3;
const IDEOGRAPH = 4;
const CLASS = new Uint8Array(0x3000);
const VIETNAMESE_ONLY = new Uint8Array(0x3000);
for (let c = 0x41; c < 0x3000; c++) {
  const ch = String.fromCharCode(c);
  if (!/\p{L}|\p{M}/u.test(ch)) continue;
  CLASS[c] = /\p{Lu}/u.test(ch) ? UPPER : /\p{Ll}/u.test(ch) ? LOWER : CASELESS;
}
for (const ch of 'ăĂđĐơƠưƯĩĨũŨ') VIETNAMESE_ONLY[ch.charCodeAt(0)] = 1;
for (let c = 0x1ea0; c <= 0x1ef9; c++) VIETNAMESE_ONLY[c] = 1;
for (const ch of 'ẹẸịỊọỌụỤ') VIETNAMESE_ONLY[ch.charCodeAt(0)] = 0;

function classOf(code: number): number {
  if (code < 0x3000) return CLASS[code]!;
  if ((code >= 0x3040 && code <= 0x30ff) || (code >= 0x3400 && code <= 0x9fff) || (code >= 0xac00 && code <= 0xd7af)) return IDEOGRAPH;
  return code >= 0xf900 && code <= 0xfaff ? IDEOGRAPH : NOT_LETTER;
}

// UTF-8 read as cp1252 leaves a capital Ã Â Ä Å Æ inside a word or before a cp1252
// symbol (Viá»‡t, NgÃ y, Ä‘); in real text those capitals start words.
const MOJIBAKE_LEAD = new Set([...'ÃÂÄÅÆ'].map((c) => c.charCodeAt(0)));
function isCp1252Symbol(code: number): boolean {
  return (code >= 0x80 && code <= 0xbf) || (code >= 0x2013 && code <= 0x203a) || code === 0x20ac || code === 0x2122 || code === 0x152 ||
    code === 0x153 || code === 0x160 || code === 0x161 || code === 0x178 || code === 0x17d || code === 0x17e || code === 0x192 ||
    code === 0x2c6 || code === 0x2dc || code === 0x20;
}

/** What one scan of a paragraph finds. */
interface Scan {
  letters: number;
  /** Letters of lower-case (or caseless) words, and of capitalised words, without digits. */
  lowerLetters: number;
  capitalisedLetters: number;
  /** How much language the letters carry: see evidenceOf. */
  evidence: number;
  words: number;
  /** Words with a letter only Vietnamese uses. */
  vietnameseWords: number;
  mojibake: number;
  replacements: number;
  /** Lower-case words of more than seven letters: no Vietnamese syllable is that long (names may be). */
  longWords: number;
  /** Words with a letter only Vietnamese uses that were checked as syllables (the document's first few), and the valid ones. */
  markedChecked: number;
  markedValid: number;
}

// Enough marked words to tell Vietnamese from a wrong table's letters (or Yoruba's ẹ ọ),
// per paragraph and per document, few enough to stay fast.
const PARAGRAPH_SAMPLE = 12;
const MARKED_SAMPLE = 36;

function emptyScan(): Scan {
  return { letters: 0, lowerLetters: 0, capitalisedLetters: 0, evidence: 0, words: 0, vietnameseWords: 0, mojibake: 0, replacements: 0, longWords: 0, markedChecked: 0, markedValid: 0 };
}

/** One pass over a paragraph; `sample` is how many marked words the document may still check. */
function scan(text: string, sample: { left: number }): Scan {
  const s = emptyScan();
  let wordLetters = 0;
  let wordStart = 0;
  let uppers = 0;
  let firstUpper = false;
  let digits = false;
  let vietnamese = false;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 0x20;
    const cls = classOf(code);
    if (cls !== NOT_LETTER) {
      if (code >= 0xc2 && code <= 0xc6 && MOJIBAKE_LEAD.has(code) && ((i > 0 && classOf(text.charCodeAt(i - 1)) === LOWER) || (i + 1 < text.length && isCp1252Symbol(text.charCodeAt(i + 1))))) {
        s.mojibake++;
      }
      const weight = cls === IDEOGRAPH ? 3 : 1;
      s.letters += weight;
      if (wordLetters === 0) {
        wordStart = i;
        firstUpper = cls === UPPER;
      }
      if (cls === UPPER) uppers++;
      if (code >= 0x80 && code < 0x3000 && VIETNAMESE_ONLY[code]) vietnamese = true;
      wordLetters += weight;
      continue;
    }
    if (code >= 0x30 && code <= 0x39 && wordLetters > 0) {
      digits = true;
      continue;
    }
    if (code === 0xfffd) s.replacements++;
    if (wordLetters === 0) continue;
    // The end of a word.
    s.words++;
    if (wordLetters > 7 && uppers === 0) s.longWords++;
    if (vietnamese) s.vietnameseWords++;
    if (!digits && uppers === 0) s.lowerLetters += wordLetters;
    else if (!digits && uppers === 1 && firstUpper) s.capitalisedLetters += wordLetters;
    // Acronyms (ĐH, UBND) are no syllables; they say nothing about the table either.
    if (vietnamese && !digits && uppers <= 1 && sample.left > 0 && s.markedChecked < PARAGRAPH_SAMPLE) {
      sample.left--;
      s.markedChecked++;
      if (isVietnameseSyllable(text.slice(wordStart, i))) s.markedValid++;
    }
    wordLetters = 0;
    uppers = 0;
    digits = false;
    vietnamese = false;
  }
  s.evidence = evidenceOf(s);
  return s;
}

/**
 * Letters that carry language: those of lower-case words (and caseless scripts), and
 * capitalised words at half weight but never more than the lower-case ones (names
 * among prose help; a list of names alone is no language). Capitals and words with
 * digits (codes, model numbers) count nothing.
 */
function evidenceOf(s: Scan): number {
  return s.lowerLetters + Math.min(s.capitalisedLetters / 2, s.lowerLetters);
}

// Frequent Vietnamese syllables written without diacritics: with the share of valid
// syllables they tell diacritic-free Vietnamese from English or Tagalog words that
// happen to be valid syllables (to, an, sa, na). From general knowledge of the language.
const PLAIN_COMMON = new Set(
  (
    'va cua cac la duoc khong nguoi nhung mot voi da nay de nam den ve nhieu lam cung tu nhu phai se hon nha cong do dau nuoc ' +
    'viec thi ngay moi nhat lai di dong tren phat hien nhung tai the chinh hoc thanh bi noi vao quoc hoi dai ma chi hoat so ' +
    'dieu truong dan ho ong bo su dang vi tinh thoi hanh nen hang day biet ca cap can o deu qua tri van hoa cung giua truoc ' +
    'san xuat dung trien tiep tuc chuc nghi quyet dinh thuc yeu cau to tong chu tich vien lanh dao quan doi phong thong bao ' +
    'ket luan giai phap thang gio sang chieu toi hom lan thu nhan nghiep gia tien trieu ty pho huyen xa tinh thi vu trong ' +
    'khi con co sau theo ra cho neu nhieu minh ban toi chung chi ba benh vien suc khoe xe may gi dau nao vay roi cho nhe'
  ).split(' '),
);

// Vietnamese syllables as they read with every diacritic removed: an onset (or none)
// and a rime, both without their marks (ươ → uo, đ → d). Built once: a set lookup per word.
const PLAIN_SYLLABLES = (() => {
  const onsets = ' b c ch d g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x'.split(' ');
  const rimes = (
    'a ai ao au ay ac ach am an ang anh ap at e ec em en eng eo ep et ech enh eu i ia ich im in inh ip it iu iec iem ien ' +
    'ieng iep iet ieu o oc oi om on ong op ot oa oac oach oai oam oan oang oanh oao oap oat oay oe oen oeo oet ooc oong u uc ' +
    'ui um un ung up ut ua uan uang uat uay ue uech uenh uo uoc uoi uom uon uong uop uot uou uu uy uya uych uyen uyet uyn ' +
    'uynh uyp uyt uyu y yem yen yeng yet yeu'
  ).split(' ');
  return new Set(onsets.flatMap((o) => rimes.map((r) => o + r)));
})();

/** Words that are Vietnamese syllables: marked (with their diacritics), plain, and plain among the commonest. */
function syllables(text: string): { valid: number; marked: number; common: number; words: number } {
  let valid = 0;
  let marked = 0;
  let common = 0;
  let words = 0;
  for (const word of text.split(/[^\p{L}]+/u)) {
    if (word.length === 0) continue;
    const lower = word.toLowerCase();
    if (PLAIN_SYLLABLES.has(lower)) {
      valid++;
      if (PLAIN_COMMON.has(lower)) common++;
    } else if (isVietnameseSyllable(word)) {
      valid++;
      marked++;
    } else if (lower !== word) {
      // A capitalised word that is no syllable is a name or an acronym (Vios, Mazda, CRV): not counted.
      continue;
    }
    words++;
  }
  return { valid, marked, common, words };
}

/** A label before calibration: `raw` 0..1 and which evidence gave it. */
interface RawLabel {
  language: string;
  raw: number;
  method: LanguageMethod;
  evidence: number;
}

const NONE: RawLabel = { language: 'und', raw: 0, method: 'none', evidence: 0 };
// A paragraph's language shows in its first few thousand characters: the syllable count
// reads no more (a hostile megabyte-long paragraph costs no more either).
const SAMPLE_CHARACTERS = 4096;
// fastText's cost grows with the text (about 85 µs a thousand characters in WebAssembly):
// it reads this much of each paragraph; the document's label adds the paragraphs up.
const FASTTEXT_WINDOW = 256;
// Below this fastText probability franc-all (414 languages, many fastText lacks) is asked too.
// At or above the next, fastText's Latin-script answer stands even on letters its
// language does not write (Turkish read through the wrong code page: `basýn kartý`);
// below it, or when the answer is no Latin-script language (Russian for Yoruba), the
// languages that write those letters are asked.
const FASTTEXT_CONFIDENT = 0.5;
// Below this fastText probability a paragraph gets franc-all's second opinion.
const FRANC_BELOW = 0.7;
const LATIN = new Set(Object.keys((francData as Record<string, Record<string, string>>).Latin!));
const FASTTEXT_SURE = 0.4;
// franc reads this much of a paragraph (its cost grows with the length; its answer hardly does).
const FRANC_WINDOW = 128;

/**
 * A text's label. `secondOpinion` false (a short paragraph among others: its label
 * counts only when fastText is sure) skips franc: a doubtful answer then only loses its
 * confidence.
 */
function labelOf(text: string, s: Scan, rules: LanguageRules, secondOpinion = true): RawLabel {
  if (s.evidence < rules.minLetters || s.words === 0) return NONE;
  const share = s.vietnameseWords / s.words;
  const syllabic = s.markedChecked === 0 || s.markedValid / s.markedChecked >= 0.5;
  if (share >= rules.vietnameseWordShare && syllabic && allowed('vie', rules)) {
    // Vietnamese prose has 40-60 % such words; a share near the threshold is a mixed text.
    return { language: 'vie', raw: Math.min(1, 0.6 + share), method: 'vie-letters', evidence: s.evidence };
  }
  if (allowed('vie', rules) && s.longWords / s.words < 0.1) {
    // Vietnamese without (most of) its diacritics: nearly every word a syllable of
    // onset + rime, and many of them the commonest syllables or marked ones.
    const syl = syllables(text.slice(0, SAMPLE_CHARACTERS));
    const valid = syl.valid / syl.words;
    const support = (syl.marked + syl.common) / syl.words;
    // Accents without any letter only Vietnamese writes are another language's (Yoruba's ó ò, French's é).
    const foreignAccents = syl.marked >= 2 && s.vietnameseWords === 0;
    if (syl.words >= 4 && valid >= 0.8 && support >= 0.2 && !foreignAccents) {
      return { language: 'vie', raw: Math.min(1, valid * (0.5 + support)), method: 'vie-syllables', evidence: s.evidence };
    }
  }
  const predictions = fastText.predict(text.slice(0, FASTTEXT_WINDOW).replace(/\s+/g, ' '), rules.candidates.length > 0 ? 20 : 1, 0);
  let best: RawLabel = NONE;
  for (let i = 0; i < predictions.size(); i++) {
    const [p, label] = predictions.get(i);
    const code = fastTextCode(label);
    if (!allowed(code, rules)) continue;
    best = { language: code, raw: p, method: 'fasttext', evidence: s.evidence };
    break;
  }
  predictions.delete();
  const window = text.slice(0, FASTTEXT_WINDOW);
  const foreign = foreignLetters(nonAsciiLetters(window), best.language);
  // fastText answers vie for Igbo and other text it has not learnt (real Vietnamese was decided above).
  const doubtful =
    best.language === 'vie' || (foreign >= 3 && foreign >= 0.02 * s.letters && (best.raw < FASTTEXT_CONFIDENT || !LATIN.has(best.language)));
  if (!secondOpinion) return doubtful ? { ...best, raw: Math.min(best.raw, FASTTEXT_SURE) } : best;
  if (doubtful || best.raw < FRANC_BELOW) best = withFranc(window, best, doubtful, rules);
  return withCloseLanguages(best, text.slice(0, SAMPLE_CHARACTERS), rules);
}

/**
 * A label whose language has close relatives (Croatian, Serbian, Bosnian; Bokmål,
 * Nynorsk, Danish; ...): the members' markers decide which; without clear markers the
 * label stays, as `close`, calibrated apart (those answers are right less often).
 */
function withCloseLanguages(label: RawLabel, text: string, rules: LanguageRules): RawLabel {
  if (!hasCloseLanguages(label.language)) return label;
  const close = resolveClose(label.language, text);
  if (!allowed(close.language, rules)) return label;
  return { ...label, language: close.language, method: close.sure ? (label.method === 'close' ? 'fasttext' : label.method) : 'close' };
}

/**
 * franc-all's second opinion (414 languages, many that lid.176 lacks: Sotho, Tswana,
 * Xhosa, Zulu, Igbo, Maori, ...). Where both agree the answer is surer. Where they
 * differ franc's stands when fastText cannot name franc's language, or fastText's
 * answer was doubtful (see labelOf) or a guess (below FASTTEXT_SURE), as sure as
 * franc's margin; otherwise fastText's.
 */
function withFranc(text: string, fastTextLabel: RawLabel, doubtful: boolean, rules: LanguageRules): RawLabel {
  const window = text.slice(0, FRANC_WINDOW * 4).replace(/\s+/g, ' ').slice(0, FRANC_WINDOW);
  const answer = francAnswer(rankLanguages(window, rules.candidates, 16));
  if (!answer) return fastTextLabel;
  if (answer.language === fastTextLabel.language) return { ...fastTextLabel, raw: Math.min(1, fastTextLabel.raw + 0.3) };
  if (!doubtful && FASTTEXT_KNOWS.has(answer.language) && fastTextLabel.raw >= FASTTEXT_SURE) return fastTextLabel;
  return withCloseLanguages({ ...fastTextLabel, language: answer.language, raw: answer.raw, method: 'franc' }, text, rules);
}

// Languages CLD3 names and lid.176 does not, and African languages written by millions
// that neither names. With lid.176's they are the languages a user meets: franc's best
// answer outside them (Tahitian for Maori, Nyankore for Kinyarwanda, Lozi for Chichewa)
// gives way to the best of them within PRIOR_GAP of its score, at a low score.
const WIDELY_WRITTEN = (
  'haw hmn ibo mri nya smo sna sot xho zul hau tsn tso nso ssw ven nbl kin run lug wol aka twi ewe bam fuv gaz tir lin kng lua bem luo kik ' +
  'umb fon mos plt som amh yor swh'
).split(' ');
const PRIOR_GAP = 0.1;

/** franc's ranking to one answer, `raw` its margin over the runner-up (0 when the prior chose it). */
function francAnswer(ranked: [string, number][]): { language: string; raw: number } | undefined {
  const [best, second] = ranked;
  if (!best || best[0] === 'und') return undefined;
  if (!isWidelyWritten(best[0])) {
    const written = ranked.find(([l, score]) => isWidelyWritten(l) && score >= best[1] - PRIOR_GAP);
    if (written) return { language: written[0], raw: 0 };
  }
  return { language: best[0], raw: Math.min(1, (second ? best[1] - second[1] : 1) * 5) };
}

function allowed(language: string, rules: LanguageRules): boolean {
  return rules.candidates.length === 0 || rules.candidates.includes(language);
}

/**
 * The language of a cleaned body, paragraph by paragraph (blank-line separated), and of
 * the whole by its prose: each paragraph weighs as much as its evidence (letters in
 * lower-case words; names half; codes, numbers and capitals nothing), so a list of
 * model names or a score line cannot outvote the article. Vietnamese is decided from
 * its letters, or without diacritics from its syllables; other text by fastText's
 * lid.176, with franc-all (414 languages) when fastText is unsure. Decomposed (NFD)
 * text is composed first: the Vietnamese signal is written in NFC.
 */
export function detectLanguage(text: string, rules: LanguageRules): LanguageResult {
  const composed = /[\u0300-\u036f]/.test(text) ? capMarkRuns(text).normalize('NFC') : text; // ICU's NFC is quadratic on long mark runs
  // The pipeline's text separates paragraphs by exactly one blank line: no regex needed then.
  const parts = /\n[ \t]+\n/.test(composed) ? composed.split(/\n[ \t]*\n/) : composed.split('\n\n');
  const sample = { left: MARKED_SAMPLE };
  const scans = parts.map((p) => scan(p, sample));
  const raws = parts.map((p, i) => labelOf(p, scans[i]!, rules, parts.length === 1 || scans[i]!.letters >= rules.shortParagraphLetters));
  const total = sumScans(scans);
  const quality = qualityOf(total);
  // A paragraph speaks for itself when it is long enough or its evidence is strong.
  const own = raws.map((r, i) => r.language !== 'und' && (scans[i]!.letters >= rules.shortParagraphLetters || isSure(r)));

  let document = vote(raws.filter((_, i) => own[i]));
  if (document.language === 'und') {
    // No paragraph long or clear enough alone (a short text, a list of short lines): judge the text as one.
    document = parts.length === 1 ? raws[0]! : labelOf(composed, total, rules);
  }
  if ((document.method === 'fasttext' || document.method === 'close') && document.raw < FASTTEXT_SURE) {
    document = withFranc(parts.filter((_, i) => raws[i]!.method === 'fasttext' || raws[i]!.method === 'close').join(' ') || composed, document, false, rules);
  }
  if (parts.length > 1 && hasCloseLanguages(document.language)) {
    // The paragraphs of the document's group read together: more markers than any one paragraph.
    document = withCloseLanguages(document, parts.filter((_, i) => hasCloseLanguages(raws[i]!.language)).join(' ').slice(0, SAMPLE_CHARACTERS), rules);
  }
  const score = document.language === 'und' ? 0 : penalise(calibrate(document, total.letters), quality);
  const paragraphs = raws.map((r, i): LanguageLabel => {
    // An unsure fastText answer, or an unsettled one among close languages, is no evidence against the document's label.
    if (own[i] && !(r.method === 'fasttext' && r.raw < FASTTEXT_SURE) && r.method !== 'close') {
      return { language: r.language, score: penalise(calibrate(r, scans[i]!.letters), quality) };
    }
    return { language: document.language, score };
  });
  return { language: document.language, score, paragraphs, quality, method: document.method };
}

/**
 * The document's label: each paragraph votes with its evidence times its confidence;
 * the winner's raw confidence is its share of all the evidence (prose in other
 * languages lowers it) times its own average confidence.
 */
function vote(labels: RawLabel[]): RawLabel {
  const byLanguage = new Map<string, { weighted: number; evidence: number; method: LanguageMethod }>();
  let total = 0;
  for (const r of labels) {
    const entry = byLanguage.get(r.language) ?? { weighted: 0, evidence: 0, method: r.method };
    entry.weighted += r.evidence * r.raw;
    entry.evidence += r.evidence;
    byLanguage.set(r.language, entry);
    total += r.evidence;
  }
  const ranked = [...byLanguage].sort((a, b) => b[1].weighted - a[1].weighted || a[0].localeCompare(b[0]));
  if (ranked.length === 0) return NONE;
  const [language, { weighted, method }] = ranked[0]!;
  return { language, raw: weighted / total, method, evidence: total };
}

/** Evidence strong enough for a short paragraph to keep its own label. */
function isSure(r: RawLabel): boolean {
  return r.method === 'vie-letters' || (r.method === 'vie-syllables' && r.raw >= 0.7) || (r.method === 'fasttext' && r.raw >= 0.95);
}

function sumScans(scans: Scan[]): Scan {
  const sum = emptyScan();
  // Field by field: a loop over Object.keys cost more than the scans it sums.
  for (const s of scans) {
    sum.letters += s.letters;
    sum.lowerLetters += s.lowerLetters;
    sum.capitalisedLetters += s.capitalisedLetters;
    sum.words += s.words;
    sum.vietnameseWords += s.vietnameseWords;
    sum.mojibake += s.mojibake;
    sum.replacements += s.replacements;
    sum.longWords += s.longWords;
    sum.markedChecked += s.markedChecked;
    sum.markedValid += s.markedValid;
  }
  sum.evidence = evidenceOf(sum);
  return sum;
}

function qualityOf(s: Scan): LanguageQuality {
  if (s.words === 0) return 'ok';
  if (s.replacements / s.words >= 0.02) return 'replacement';
  if (s.mojibake / s.words >= 0.03) return 'mojibake';
  // Real Vietnamese makes syllables of nearly all its marked words; a wrong table does not.
  if (s.vietnameseWords / s.words >= 0.05 && s.markedChecked >= 8 && s.markedValid / s.markedChecked < 0.75) return 'garbled';
  return 'ok';
}

/** Text that is not clean language is never sure. */
function penalise(score: number, quality: LanguageQuality): number {
  return quality === 'ok' ? score : round(Math.min(score, 0.2));
}

/**
 * Raw confidence to the share of answers that were right, per method: knots (mean raw,
 * share right) from 0.05-wide buckets of the dev items of test/fixtures/language
 * (items.tsv and treebank-items.tsv; the raw scores of `npm run eval:language -- --split
 * dev`'s run, 2026-11-30), pooled where a bucket was worse than the one below
 * (isotonic); top buckets of few answers shrunk to (right + 1) / (answers + 2).
 * Vietnamese ones held below 1 (every dev answer was right; a few hundred answers cannot
 * show more). `close` (markers did not settle among close languages) stays below 0.9 by
 * design: such an answer is a guess between the members. Between knots the score is
 * interpolated.
 */
const CALIBRATION: Record<LanguageMethod, [number, number][]> = {
  'vie-letters': [[0.75, 0.95], [0.95, 0.995], [1, 0.997]],
  'vie-syllables': [[0.5, 0.9], [0.75, 0.95], [0.9, 0.99], [1, 0.995]],
  fasttext: [[0.459, 0.765], [0.6, 0.87], [0.741, 0.95], [0.889, 0.99], [0.986, 0.998], [1, 0.998]],
  franc: [[0.01, 0.758], [0.1, 0.923], [0.39, 0.942], [0.686, 0.964], [0.9, 0.97], [0.997, 0.984], [1, 0.984]],
  close: [[0.294, 0.648], [0.521, 0.667], [0.624, 0.769], [0.75, 0.833], [0.874, 0.88], [1, 0.88]],
  none: [[0, 0], [1, 0]],
};
// The same for texts of fewer than SHORT_LETTERS letters: fastText and franc are much less often right on them.
const SHORT_LETTERS = 40;
const CALIBRATION_SHORT: Record<LanguageMethod, [number, number][]> = {
  ...CALIBRATION,
  fasttext: [[0.43, 0.286], [0.548, 0.471], [0.711, 0.654], [0.77, 0.889], [0.827, 0.909], [0.876, 0.96], [0.978, 0.994], [1, 0.994]],
  franc: [[0.006, 0.333], [0.139, 0.368], [0.485, 0.59], [0.777, 0.667], [0.954, 0.969], [1, 0.969]],
  close: [[0.274, 0.45], [0.507, 0.571], [0.561, 0.833], [0.778, 0.849], [0.977, 0.88], [1, 0.88]],
};

// A language neither lid.176 nor WIDELY_WRITTEN has is a guess until data shows otherwise
// (the evaluation has none): its score stays below 0.9.
const RARE_LANGUAGE_SCORE = 0.85;

function calibrate(label: RawLabel, letters: number): number {
  const score = interpolate((letters < SHORT_LETTERS ? CALIBRATION_SHORT : CALIBRATION)[label.method], label.raw);
  return isWidelyWritten(label.language) ? score : Math.min(score, RARE_LANGUAGE_SCORE);
}

function isWidelyWritten(language: string): boolean {
  return FASTTEXT_KNOWS.has(language) || WIDELY_WRITTEN.includes(language);
}

function interpolate(knots: [number, number][], raw: number): number {
  const x = Math.min(1, Math.max(0, raw));
  let k = 1;
  while (k < knots.length - 1 && knots[k]![0] < x) k++;
  const [x0, y0] = knots[k - 1]!;
  const [x1, y1] = knots[k]!;
  if (x <= x0) return round(y0);
  return round(y0 + ((y1 - y0) * (x - x0)) / (x1 - x0));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
