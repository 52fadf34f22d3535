/** The labelled items of the language evaluation, their split, and the tables over them. */
import { createHash } from 'node:crypto';

export interface LanguageCase {
  expected: string;
  text: string;
  /**
   * `vie` (NFC), `vie-nfd`, `vie-plain` (no diacritics), `other`, `mixed` (a Vietnamese
   * article with lists, score lines, bylines), `mojibake` or `gibberish` (expected `und`).
   */
  form: string;
}

export interface LanguageItem extends LanguageCase {
  id: string;
  /** The source sentence or article: its variants share it, and the split follows it. */
  group: string;
}

/** `code<TAB>text` lines. Vietnamese items also yield their NFD and diacritic-free forms. */
export function parseLabelled(tsv: string): LanguageCase[] {
  const cases: LanguageCase[] = [];
  for (const line of tsv.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    const expected = line.slice(0, tab);
    const text = line.slice(tab + 1);
    if (expected !== 'vie') {
      cases.push({ expected, text, form: 'other' });
      continue;
    }
    cases.push({ expected, text: text.normalize('NFC'), form: 'vie' });
    cases.push({ expected, text: text.normalize('NFD'), form: 'vie-nfd' });
    cases.push({ expected, text: stripDiacritics(text), form: 'vie-plain' });
  }
  return cases;
}

/** `id<TAB>group<TAB>language<TAB>form<TAB>text` lines, `\n` in the text for a newline. */
export function parseItems(tsv: string): LanguageItem[] {
  return tsv
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [id, group, expected, form, text] = line.split('\t') as [string, string, string, string, string];
      return { id, group, expected, form, text: text.replace(/\\n/g, '\n') };
    });
}

/**
 * Held out when the first byte of SHA-256 of the item's group is divisible by 3 (a
 * third): fixed before any item was scored, so tuning never sees held-out items.
 */
export function splitOf(group: string): 'dev' | 'heldout' {
  return createHash('sha256').update(group).digest()[0]! % 3 === 0 ? 'heldout' : 'dev';
}

export function stripDiacritics(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');
}

// Macrolanguages and their one member in the data count as the same answer: tools name
// Malay, Estonian, Latvian, ... either way. Bosnian, Croatian and Serbian stay apart,
// and so do Bokmål, Nynorsk and Danish.
const SAME: string[][] = [
  ['zlm', 'zsm', 'msa', 'may'], ['ekk', 'est'], ['lvs', 'lav'], ['als', 'sqi', 'alb'], ['swh', 'swa'], ['pes', 'fas', 'per'],
  ['arb', 'ara'], ['khk', 'mon'], ['cmn', 'zho', 'chi'], ['nob', 'nor'], ['azj', 'aze'], ['uzn', 'uzb'],
];
const CANONICAL = new Map(SAME.flatMap((codes) => codes.map((c) => [c, codes[0]!] as const)));

export function sameLanguage(answer: string, expected: string): boolean {
  return (CANONICAL.get(answer) ?? answer) === (CANONICAL.get(expected) ?? expected);
}

// Languages that share most of their words and that tools, and the people who label
// text, tell apart unreliably: reported merged beside the per-language figure.
const CLOSE: string[][] = [['hbs', 'hrv', 'bos', 'srp', 'cnr'], ['nob', 'nno', 'nor'], ['zlm', 'zsm', 'msa', 'ind']];
const CLOSE_GROUP = new Map(CLOSE.flatMap((codes) => codes.map((c) => [c, codes[0]!] as const)));

/** The same language, or two of one group of close languages (Bosnian/Croatian/Serbian, Bokmål/Nynorsk, Malay/Indonesian). */
export function sameLanguageGroup(answer: string, expected: string): boolean {
  const a = CANONICAL.get(answer) ?? answer;
  const e = CANONICAL.get(expected) ?? expected;
  return a === e || (CLOSE_GROUP.has(a) && CLOSE_GROUP.get(a) === CLOSE_GROUP.get(e));
}

/** ISO 639-1 to 639-3 (franc's choice of member for macrolanguages), for tools that answer 639-1. */
export const ISO1_TO_3: Record<string, string> = {
  af: 'afr', ar: 'arb', az: 'azj', be: 'bel', bg: 'bul', bn: 'ben', bs: 'bos', ca: 'cat', cs: 'ces', cy: 'cym', da: 'dan',
  de: 'deu', el: 'ell', en: 'eng', eo: 'epo', es: 'spa', et: 'ekk', eu: 'eus', fa: 'pes', fi: 'fin', fr: 'fra', ga: 'gle',
  gl: 'glg', gu: 'guj', he: 'heb', iw: 'heb', hi: 'hin', hr: 'hrv', hu: 'hun', hy: 'hye', id: 'ind', is: 'isl', it: 'ita',
  ja: 'jpn', ka: 'kat', kk: 'kaz', ko: 'kor', la: 'lat', lg: 'lug', lt: 'lit', lv: 'lvs', mi: 'mri', mk: 'mkd', mn: 'khk',
  mr: 'mar', ms: 'zlm', nb: 'nob', no: 'nob', nl: 'nld', nn: 'nno', pa: 'pan', pl: 'pol', pt: 'por', ro: 'ron', ru: 'rus',
  sk: 'slk', sl: 'slv', sn: 'sna', so: 'som', sq: 'als', sr: 'srp', st: 'sot', sv: 'swe', sw: 'swh', ta: 'tam', te: 'tel',
  th: 'tha', tl: 'tgl', fil: 'tgl', tn: 'tsn', tr: 'tur', ts: 'tso', uk: 'ukr', ur: 'urd', vi: 'vie', xh: 'xho', yo: 'yor',
  zh: 'cmn', zu: 'zul', ceb: 'ceb', jv: 'jav', su: 'sun', km: 'khm', lo: 'lao', my: 'mya', ne: 'npi', si: 'sin', ky: 'kir',
  tg: 'tgk', tk: 'tuk', uz: 'uzn', ps: 'pbu', ku: 'kmr', ml: 'mal', kn: 'kan', or: 'ory', am: 'amh', ha: 'hau', ig: 'ibo',
  mg: 'plt', mt: 'mlt', lb: 'ltz', fy: 'fry', gd: 'gla', br: 'bre', oc: 'oci', co: 'cos', ht: 'hat', haw: 'haw', sm: 'smo',
  ny: 'nya', rw: 'kin', yi: 'ydd', sd: 'snd', ug: 'uig', tt: 'tat', ba: 'bak', cv: 'chv', ast: 'ast', an: 'arg', wa: 'wln',
  war: 'war', min: 'min', hsb: 'hsb', nds: 'nds', als: 'gsw', ce: 'che', sa: 'san', bo: 'bod', dv: 'div', as: 'asm',
};

export const LENGTH_BUCKETS = [
  [0, 29],
  [30, 49],
  [50, 99],
  [100, 299],
  [300, Infinity],
] as const;

export function bucketOf(length: number): string {
  const [lo, hi] = LENGTH_BUCKETS.find(([, hi]) => length <= hi)!;
  return hi === Infinity ? `${lo}+` : `${lo}-${hi}`;
}

/** Accuracy per (form, length bucket): correct, total. */
export function accuracyTable(cases: LanguageCase[], answers: string[]): Map<string, { correct: number; total: number }> {
  const table = new Map<string, { correct: number; total: number }>();
  cases.forEach((c, i) => {
    for (const key of [`${c.form} ${bucketOf(c.text.length)}`, `${c.form} all`]) {
      const cell = table.get(key) ?? { correct: 0, total: 0 };
      cell.total++;
      if (sameLanguage(answers[i]!, c.expected)) cell.correct++;
      table.set(key, cell);
    }
  });
  return table;
}

export interface ScoredAnswer {
  right: boolean;
  score: number;
}

/** Answers per score bucket (of `width`), and how many of them are right. */
export function calibrationTable(answers: ScoredAnswer[], width = 0.1): { from: number; right: number; total: number }[] {
  const buckets = Array.from({ length: Math.round(1 / width) }, (_, i) => ({ from: i * width, right: 0, total: 0 }));
  for (const a of answers) {
    const bucket = buckets[Math.min(buckets.length - 1, Math.floor(a.score / width))]!;
    bucket.total++;
    if (a.right) bucket.right++;
  }
  return buckets;
}
