import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractArticle } from '../../src/html/extract.js';

// Page metadata on real pages of the HTML dev set (test/fixtures/html/dev, sources in SOURCES.md).
const DEV = 'test/fixtures/html/dev';
const meta = (id: string) => extractArticle(readFileSync(join(DEV, `${id}.html`), 'utf8'));

describe('page metadata from JSON-LD', () => {
  it('follows an @id reference to the node that names the publisher, so the outlet is not taken for an author', () => {
    // bhaskar-com-01: the NewsArticle's publisher is {"@id": ".../#publisher"}, and another
    // block's NewsMediaOrganization with that @id is "दैनिक भास्कर", also given as the author.
    const page = meta('bhaskar-com-01');
    expect(page.authors).toEqual([]);
    expect(page.date).toBe('2024-09-04T16:20:35+05:30');
  });

  it('still reads authors given in full beside an @id (heise-de-01)', () => {
    expect(meta('heise-de-01').authors).toEqual(['Dirk Knop']);
  });
});

describe('page metadata: authors that are outlets, agencies or desks', () => {
  it.each([
    ['theguardian-com-01', 'JSON-LD Person "Guardian staff reporter"'],
    ['mexiconewsdaily-com-01', 'JSON-LD "MND Staff"'],
    ['tageblatt-lu-01', 'JSON-LD Person "DPA", a news agency'],
    ['orf-at-01', '"red", the newsroom (Redaktion)'],
    ['nikkei-com-01', 'JSON-LD Organization author, and "Nikkei Inc."'],
  ])('gives no author for %s (%s)', (id) => {
    expect(meta(id).authors).toEqual([]);
  });
});
