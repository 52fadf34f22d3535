import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The hand labels of test/fixtures/crawl are the yardstick of the boilerplate evaluation:
// every gold file is checked mechanically for the format its README states.
const root = join(import.meta.dirname, '../fixtures/crawl');
const CATEGORIES = new Set(['caption', 'byline', 'source-credit', 'related', 'footer', 'share', 'tag', 'navigation', 'ad', 'call-to-action', 'title', 'date', 'url', 'widget', 'other']);
const KEYS = ['authors', 'body', 'boilerplate', 'captions', 'date', 'sources', 'title'];

interface Gold {
  body: string[];
  boilerplate: { category: string; text: string }[];
  title: string | null;
  date: string | null;
  authors: string[];
  sources: string[];
  captions: string[];
}

const split = readFileSync(join(root, 'SPLIT.tsv'), 'utf8')
  .split('\n')
  .slice(1)
  .filter((l) => l.trim())
  .map((l) => l.split('\t') as [string, string, string]);

const labelled = split.flatMap(([source]) =>
  readdirSync(join(root, 'docs', source))
    .filter((f) => f.endsWith('.gold.json'))
    .map((f) => [source, f.replace('.gold.json', '')] as const),
);

/**
 * Whether the items tile the text: removing each item once, longest first, leaves only
 * white space. An item found nowhere, or a character in no item, fails.
 */
function untiled(text: string, items: string[]): string | null {
  let rest = text;
  for (const item of [...items].sort((a, b) => b.length - a.length)) {
    const at = rest.indexOf(item);
    if (at === -1) return `item not found: ${item.slice(0, 80)}`;
    rest = rest.slice(0, at) + ' '.repeat(item.length) + rest.slice(at + item.length);
  }
  const left = rest.search(/\S/);
  return left === -1 ? null : `text in no item: ${rest.slice(left, left + 80)}`;
}

describe('crawl fixture labels', () => {
  it('has a split for every source folder and a folder for every split row', () => {
    const folders = readdirSync(join(root, 'docs')).sort();
    expect(split.map(([s]) => s).sort()).toEqual(folders);
    for (const [, part, batch] of split) {
      expect(['dev', 'heldout']).toContain(part);
      expect(['1', '2', '3', '4', '5', '6', '7']).toContain(batch);
    }
  });

  it('finds untiled text and items that are not in the text', () => {
    expect(untiled('Ảnh: A. Thân bài.', ['Ảnh: A.', 'Thân bài.'])).toBeNull();
    expect(untiled('Ảnh: A. Thân bài.', ['Thân bài.'])).toMatch(/^text in no item: Ảnh: A\./);
    expect(untiled('Thân bài.', ['Thân bài.', 'Ảnh'])).toMatch(/^item not found: Ảnh/);
  });

  it.each(labelled)('%s/%s tiles its text and keeps the gold format', (source, key) => {
    const text = readFileSync(join(root, 'docs', source, `${key}.txt`), 'utf8');
    const gold = JSON.parse(readFileSync(join(root, 'docs', source, `${key}.gold.json`), 'utf8')) as Gold;
    expect(Object.keys(gold).sort()).toEqual(KEYS);
    for (const b of gold.boilerplate) expect(CATEGORIES).toContain(b.category);
    expect(untiled(text, [...gold.body, ...gold.boilerplate.map((b) => b.text)])).toBeNull();
    if (gold.date !== null) expect(gold.date).toMatch(/^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d)?([+-]\d\d:\d\d|Z))?$/);
    const captionItems = gold.boilerplate.filter((b) => b.category === 'caption').map((b) => b.text);
    for (const c of gold.captions) expect(captionItems.some((t) => t.includes(c))).toBe(true);
    const credits = gold.boilerplate.filter((b) => b.category === 'byline' || b.category === 'source-credit').map((b) => b.text);
    for (const name of [...gold.authors, ...gold.sources]) expect(credits.some((t) => t.includes(name))).toBe(true);
    const titleItem = gold.boilerplate.find((b) => b.category === 'title');
    if (titleItem) expect(titleItem.text.trim()).toContain(gold.title ?? '\0');
  });

  it('describes where every source came from', () => {
    for (const [source] of split) {
      const meta = JSON.parse(readFileSync(join(root, 'docs', source, 'SOURCE.json'), 'utf8')) as Record<string, unknown>;
      for (const k of ['repo', 'commit', 'paths', 'licence', 'format', 'selection', 'crawler_fields']) expect(meta).toHaveProperty(k);
      expect(existsSync(join(root, 'docs', source, '001.txt'))).toBe(true);
    }
  });
});
