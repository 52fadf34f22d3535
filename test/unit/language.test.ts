import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { detectLanguage } from '../../src/text/language.js';

const rules = loadConfig().language;
const detect = (text: string) => detectLanguage(text, rules);
const VI = 'Tổng Bí thư lưu ý, năm 2024 là năm toàn Đảng, toàn dân, toàn quân rà soát, nỗ lực, phấn đấu hoàn thành các mục tiêu, nhiệm vụ.';

describe('detectLanguage', () => {
  it('labels Vietnamese body text vie with a high score', () => {
    const r = detect(VI);
    expect(r.language).toBe('vie');
    expect(r.score).toBeGreaterThanOrEqual(0.9);
  });

  it('labels English and French text as such', () => {
    expect(detect('The committee met on Tuesday to discuss the budget and the new rules for public schools in the city.').language).toBe('eng');
    expect(detect("Le comité s'est réuni mardi pour discuter du budget et des nouvelles règles pour les écoles publiques de la ville.").language).toBe('fra');
  });

  it('labels Vietnamese without diacritics with franc', () => {
    const r = detect('Tong Bi thu luu y, nam 2024 la nam toan Dang, toan dan, toan quan ra soat, no luc, phan dau hoan thanh cac muc tieu, nhiem vu de ra.');
    expect(r.language).toBe('vie');
  });

  it('answers und with score 0 for too little text', () => {
    expect(detect('Tin mới')).toEqual({ language: 'und', score: 0 });
    expect(detect('12/10/2022 15:00 | 1.500.000')).toEqual({ language: 'und', score: 0 });
  });

  it('gives every sample vie', () => {
    for (const name of ['000_e15030ee0d383edd', '002_96ecd948de8e48bb']) {
      const text = readFileSync(new URL(`../../samples/${name}.txt`, import.meta.url), 'utf8');
      expect(detect(text).language).toBe('vie');
    }
  });
});
