import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { accuracyTable, bucketOf, parseLabelled, stripDiacritics } from '../../src/text/language-eval.js';
import { detectLanguage } from '../../src/text/language.js';

const rules = loadConfig().language;
const detect = (text: string) => detectLanguage(text, rules);
const VI = 'Tổng Bí thư lưu ý, năm 2024 là năm toàn Đảng, toàn dân, toàn quân rà soát, nỗ lực, phấn đấu hoàn thành các mục tiêu, nhiệm vụ.';
const EN = 'The committee met on Tuesday to discuss the budget and the new rules for public schools in the city.';

describe('detectLanguage', () => {
  it('labels Vietnamese body text vie with a high score', () => {
    const r = detect(VI);
    expect(r.language).toBe('vie');
    expect(r.score).toBeGreaterThanOrEqual(0.9);
  });

  it('labels decomposed (NFD) Vietnamese vie as surely as NFC', () => {
    expect(detect(VI.normalize('NFD'))).toEqual(detect(VI));
  });

  it('labels Vietnamese without diacritics vie, through franc', () => {
    expect(detect(stripDiacritics(VI)).language).toBe('vie');
  });

  it('labels English, French and Chinese text as such', () => {
    expect(detect(EN).language).toBe('eng');
    expect(detect("Le comité s'est réuni mardi pour discuter du budget et des nouvelles règles pour les écoles publiques.").language).toBe('fra');
    expect(detect('北方各省的农民已经开始收割稻谷，由于天气有利，预计产量将高于去年。').language).toBe('cmn');
  });

  it('answers und with score 0 for too little text', () => {
    expect(detect('Tin mới')).toEqual({ language: 'und', score: 0, paragraphs: [{ language: 'und', score: 0 }] });
    expect(detect('12/10/2022 15:00 | 1.500.000').language).toBe('und');
  });

  it('labels each paragraph of a mixed document, and the document by the majority of characters', () => {
    const r = detect([VI, EN, VI, 'Ảnh: TTXVN'].join('\n\n'));
    expect(r.language).toBe('vie');
    expect(r.paragraphs.map((p) => p.language)).toEqual(['vie', 'eng', 'vie', 'und']);
    const english = detect([EN, EN, VI].join('\n\n'));
    expect(english.language).toBe('eng');
  });

  it('scores a clean Vietnamese text above a mixed one, and within 0..1', () => {
    const clean = detect([VI, VI].join('\n\n'));
    const mixed = detect([VI, EN].join('\n\n'));
    expect(clean.score).toBeGreaterThan(mixed.score);
    for (const r of [clean, mixed, detect(EN), detect(stripDiacritics(VI))]) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
  });

  it('judges a long text on windows across it, not on its first 2,048 characters only', () => {
    // Without diacritics franc decides; an English preface fills its first window.
    const text = `${`${EN} `.repeat(22)}${`${stripDiacritics(VI)} `.repeat(60)}`;
    expect(text.indexOf('Tong Bi thu')).toBeGreaterThan(2048);
    expect(detect(text).language).toBe('vie');
  });
});

describe('the labelled set (test/fixtures/language/labelled.tsv)', () => {
  const cases = parseLabelled(readFileSync(new URL('../fixtures/language/labelled.tsv', import.meta.url), 'utf8'));
  const answers = cases.map((c) => detect(c.text).language);
  const share = (keep: (c: (typeof cases)[number]) => boolean) => {
    const picked = cases.map((c, i) => ({ c, a: answers[i] })).filter(({ c }) => keep(c));
    return picked.filter(({ c, a }) => a === c.expected).length / picked.length;
  };

  it('meets the targets: Vietnamese 30+ characters (NFC, NFD), without diacritics 50+, other languages 50+', () => {
    expect(share((c) => c.form === 'vie' && c.text.length >= 30)).toBeGreaterThanOrEqual(0.99);
    expect(share((c) => c.form === 'vie-nfd' && c.text.length >= 30)).toBeGreaterThanOrEqual(0.99);
    expect(share((c) => c.form === 'vie-plain' && c.text.length >= 50)).toBeGreaterThanOrEqual(0.95);
    expect(share((c) => c.form === 'other' && c.text.length >= 50)).toBeGreaterThanOrEqual(0.98);
  });

  it('has Vietnamese in three forms and several other languages', () => {
    expect(new Set(cases.map((c) => c.form))).toEqual(new Set(['vie', 'vie-nfd', 'vie-plain', 'other']));
    expect(new Set(cases.map((c) => c.expected)).size).toBeGreaterThanOrEqual(8);
  });
});

describe('accuracy tables', () => {
  it('counts per form and length bucket', () => {
    const cases = [
      { expected: 'vie', text: 'x'.repeat(40), form: 'vie' },
      { expected: 'vie', text: 'x'.repeat(45), form: 'vie' },
      { expected: 'eng', text: 'x'.repeat(400), form: 'other' },
    ];
    const table = accuracyTable(cases, ['vie', 'eng', 'eng']);
    expect(table.get('vie 30-49')).toEqual({ correct: 1, total: 2 });
    expect(table.get('other 300+')).toEqual({ correct: 1, total: 1 });
    expect(table.get('vie all')).toEqual({ correct: 1, total: 2 });
    expect(bucketOf(29)).toBe('0-29');
    expect(bucketOf(50)).toBe('50-99');
  });
});
