/** The labelled cases of a language evaluation, and accuracy tables over them. */
export interface LanguageCase {
  expected: string;
  text: string;
  /** `vie` (NFC), `vie-nfd`, `vie-plain` (no diacritics) or `other`. */
  form: string;
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

export function stripDiacritics(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');
}

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
      if (answers[i] === c.expected) cell.correct++;
      table.set(key, cell);
    }
  });
  return table;
}
