import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileConfig, loadConfig, type JsonObject } from '../../src/config.js';
import { processDocument } from '../../src/text/pipeline.js';
import { presetFailure, qualitySignals, tokenize } from '../../src/text/quality.js';

const config = loadConfig();
const stops = config.quality.stopWords;
const sample = processDocument(readFileSync(new URL('../../samples/001_cfab3d3de795dabf.txt', import.meta.url)), '001.txt', config);

/** The tokens as datatrove-like signals define them: tokenize must give exactly these, faster. */
const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’.,\-][\p{L}\p{M}\p{N}]+)*|[^\s\p{L}\p{M}\p{N}]/gu;

describe('tokenize', () => {
  it('gives the tokens of the reference expression on real crawler text (NFC and NFD)', () => {
    const root = new URL('../../test/fixtures/crawl/docs/', import.meta.url);
    let texts = 0;
    for (const source of readdirSync(root)) {
      for (const file of readdirSync(new URL(`${source}/`, root)).filter((f) => f.endsWith('.txt')).slice(0, 4)) {
        const text = readFileSync(new URL(`${source}/${file}`, root), 'utf8');
        expect(tokenize(text)).toEqual(text.match(TOKEN) ?? []);
        texts++;
      }
    }
    expect(texts).toBeGreaterThan(50);
  });

  it('gives them on any string: astral letters, lone surrogates, joiners at the edges', () => {
    expect(tokenize("𝐀𝐁 1,28 COVID-19 x- -y 'a' ’ 😀\uD800 ạ\u0301b")).toEqual("𝐀𝐁 1,28 COVID-19 x- -y 'a' ’ 😀\uD800 ạ\u0301b".match(TOKEN));
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'Ạ', '\u0301', '1', ',', '.', '-', "'", ' ', '\n', '\uD835', '\uDC00', '😀', '#', '’') }), (text) => {
        expect(tokenize(text)).toEqual(text.match(TOKEN) ?? []);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Gopher's duplicate n-gram characters, counted exactly on the n-grams as strings. */
function exactDuplicateShare(text: string, n: number): number {
  const tokens = tokenize(text);
  const seen = new Set<string>();
  let repeated = 0;
  for (let i = 0; i + n <= tokens.length; ) {
    const gram = tokens.slice(i, i + n).join('\u0000');
    if (seen.has(gram)) {
      repeated += tokens.slice(i, i + n).join('').length;
      i += n;
    } else {
      seen.add(gram);
      i++;
    }
  }
  return Math.round((repeated / text.length) * 10000) / 10000;
}

describe('quality signals', () => {
  it('counts duplicate n-grams as an exact count by strings does, on real crawler text alone and repeated', () => {
    const root = new URL('../../test/fixtures/crawl/docs/', import.meta.url);
    let checked = 0;
    for (const source of readdirSync(root)) {
      for (const file of readdirSync(new URL(`${source}/`, root)).filter((f) => f.endsWith('.txt'))) {
        const text = readFileSync(new URL(`${source}/${file}`, root), 'utf8');
        for (const t of [text, `${text}\n\n${text}`]) {
          const q = qualitySignals(t, stops);
          const got = [5, 6, 7, 8, 9, 10].map((n) => q[`duplicate${n}GramShare` as keyof typeof q]);
          expect(got).toEqual([5, 6, 7, 8, 9, 10].map((n) => exactDuplicateShare(t, n)));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('measures a clean news article as FineWeb-2 keeps it', () => {
    const q = sample.metadata.quality!;
    expect(q.words).toBeGreaterThan(500);
    // Vietnamese syllables are short: 3 to 4 characters on average.
    expect(q.meanWordLength).toBeGreaterThan(3);
    expect(q.meanWordLength).toBeLessThan(4);
    expect(q.stopWords).toBeGreaterThan(20);
    expect(q.linePunctShare).toBe(1);
    expect(q.duplicateLineShare).toBe(0);
    expect(q.markupShare).toBe(0);
    expect(presetFailure(config.quality.presets['fineweb2-vie']!, sample.metadata)).toBeNull();
    expect(presetFailure(config.quality.presets.strict!, sample.metadata)).toBeNull();
  });

  it('sees repeated lines, a repeated phrase, replacement characters and leftover markup', () => {
    const paragraphs = sample.text.split('\n\n');
    const repeated = [...paragraphs.slice(0, 3), ...paragraphs.slice(0, 3), ...paragraphs.slice(0, 3)].join('\n\n');
    const r = qualitySignals(repeated, stops);
    expect(r.duplicateLineShare).toBeCloseTo(6 / 9, 3);
    expect(r.duplicate5GramShare).toBeGreaterThan(0.5);
    const spam = qualitySignals(Array(40).fill('Mua ngay giá rẻ').join(' '), stops);
    expect(spam.top4GramShare).toBeGreaterThan(0.9);
    expect(qualitySignals('Ngày 3/10 \uFFFD\uFFFD trời mưa.', stops).replacementShare).toBeCloseTo(2 / 22, 3);
    const markup = qualitySignals(`${paragraphs[0]}\n\n<div class="box">Xem thêm</div> &nbsp;\n\nvar x = document.getElementById("a");`, stops);
    expect(markup.markupShare).toBeGreaterThan(0.05);
  });

  it('drops by the first bound a document breaks, named as in the config', () => {
    const preset = config.quality.presets['fineweb2-vie']!;
    const short = processDocument(Buffer.from('Hà Nội mưa to.\n\nNhiều tuyến phố ngập sâu.'), 'short.txt', config);
    // In FineWeb-2's order: repetition first, then FineWeb quality, then Gopher quality (length last).
    expect(presetFailure(preset, short.metadata)).toBe('maxTop2GramShare');
    expect(presetFailure({ ...preset, bounds: preset.bounds.filter((b) => b.name === 'minWords') }, short.metadata)).toBe('minWords');
    const list = { ...sample.metadata.quality!, newlineWordRatio: 0.2 };
    expect(presetFailure(preset, { ...sample.metadata, quality: list })).toBe('maxNewlineWordRatio');
    expect(presetFailure(preset, { ...sample.metadata, languageScore: 0.5 })).toBe('minLanguageScore');
    expect(presetFailure(config.quality.presets.strict!, { ...sample.metadata, language: 'eng' })).toBe('language');
    expect(presetFailure(preset, { ...sample.metadata, quality: null })).toBe('no-quality-signals');
  });
});

describe('quality signals on any text', () => {
  it('answer finite, non-negative numbers for adversarial strings, shares of lines and tokens at most 1', () => {
    const shares = ['alphaWordShare', 'bulletLineShare', 'ellipsisLineShare', 'linePunctShare', 'duplicateLineShare', 'duplicateParagraphShare', 'replacementShare'] as const;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'à', 'ệ', ' ', '\n', '.', '#', '…', '-', '\uFFFD', '<', '>', '1', 'Đ', '\u0301', '😀') , maxLength: 400 }), (text) => {
        const q = qualitySignals(text, stops);
        for (const v of Object.values(q)) expect(Number.isFinite(v) && v >= 0).toBe(true);
        for (const k of shares) expect(q[k]).toBeLessThanOrEqual(1);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('quality config', () => {
  const raw = JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8')) as JsonObject;
  const withPreset = (preset: JsonObject) => ({ ...raw, quality: { ...(raw.quality as JsonObject), presets: { mine: preset } } });

  it('names the bad bound and the signals there are', () => {
    expect(() => compileConfig(withPreset({ description: 'x', maxWordz: 3 }), 'my.json')).toThrow(/quality\.presets\.mine\.maxWordz: is no bound: use min or max and a signal \(languageScore, words, meanWordLength/);
    expect(() => compileConfig(withPreset({ description: 'x', minWords: -1 }), 'my.json')).toThrow(/quality\.presets\.mine\.minWords/);
    expect(compileConfig(withPreset({ description: 'x', minWords: 10, maxMarkupShare: 0 }), 'my.json').quality.presets.mine!.bounds.map((b) => b.name)).toEqual([
      'minWords',
      'maxMarkupShare',
    ]);
  });

  it('changes the config hash for stop words, not for presets or dedup settings (read at export only)', async () => {
    const { configHash } = await import('../../src/config.js');
    const base = configHash(compileConfig(raw, 'a'));
    expect(configHash(compileConfig(withPreset({ description: 'x', minWords: 10 }), 'b'))).toBe(base);
    expect(configHash(compileConfig({ ...raw, dedup: { ...(raw.dedup as JsonObject), bands: 20 } }, 'c'))).toBe(base);
    expect(configHash(compileConfig({ ...raw, quality: { ...(raw.quality as JsonObject), stopWords: ['là'] } }, 'd'))).not.toBe(base);
  });

  it('changes the config hash when a set-valued setting changes (sets once hashed as {})', async () => {
    const { configHash } = await import('../../src/config.js');
    const base = configHash(compileConfig(raw, 'a'));
    const sentences = raw.sentences as JsonObject;
    const fewer = (sentences.abbreviations as string[]).slice(1);
    expect(configHash(compileConfig({ ...raw, sentences: { ...sentences, abbreviations: fewer } }, 'e'))).not.toBe(base);
  });
});

describe('quality signals against the implementation they replace', () => {
  it('give the same numbers as at commit 437430c on the samples and the dev texts of the crawl and HTML sets, alone and twice over', () => {
    // Written by that commit's qualitySignals (test/fixtures/quality/README.md).
    const ref = JSON.parse(readFileSync(new URL('../fixtures/quality/signals-437430c.json', import.meta.url), 'utf8')) as {
      stopWords: string[];
      signals: string[];
      texts: Record<string, number[]>;
    };
    expect(ref.signals).toEqual(Object.keys(qualitySignals('', [])));
    let checked = 0;
    for (const [key, expected] of Object.entries(ref.texts)) {
      const [path, twice] = key.split(' ');
      const text = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
      const q = qualitySignals(twice ? `${text}\n\n${text}` : text, ref.stopWords);
      expect([key, Object.values(q)]).toEqual([key, expected]);
      checked++;
    }
    expect(checked).toBe(872);
  });
});
