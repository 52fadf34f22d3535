import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractArticle } from '../../src/html/extract.js';
import { isoFrom } from '../../src/html/metadata.js';

// Page metadata on real pages of the HTML dev set (test/fixtures/html/dev, sources in SOURCES.md).
const DEV = 'test/fixtures/html/dev';
const meta = (id: string) => extractArticle(readFileSync(join(DEV, `${id}.html`), 'utf8'));

describe('page metadata from JSON-LD', () => {
  it('takes a Person signed with two initials (nhandan-vn-01: "TP"), where the meta author is the outlet', () => {
    expect(meta('nhandan-vn-01').authors).toEqual(['TP']);
  });

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
    ['thesmallthingsblog-com-01', 'commenters signed "Taylor says", "Alyssa says" ...'],
    ['dw-com-01', 'meta author "Deutsche Welle (www.dw.com)", the meta publisher'],
  ])('gives no author for %s (%s)', (id) => {
    expect(meta(id).authors).toEqual([]);
  });

  it('keeps the writer and drops the outlet from "Ari Wasserman, Northeast Ohio Media Group" (al-com-01)', () => {
    expect(meta('al-com-01').authors).toEqual(['Ari Wasserman']);
  });
});

describe('page metadata: byline shapes', () => {
  it('reads the name out of a byline box that also holds the date (boingboing-net-01: "/ Cory Doctorow / 10:08 am Fri Jul 19, 2013")', () => {
    expect(meta('boingboing-net-01').authors).toEqual(['Cory Doctorow']);
  });
});

describe('page metadata: dates pages show or name in their own meta', () => {
  it('reads an English month-first date a page shows, with its time when it has one', () => {
    expect(isoFrom('Jan 26, 2016', '')).toBe('2016-01-26');
    expect(isoFrom('Sunday, January 24, 2016', '')).toBe('2016-01-24');
    expect(isoFrom('Monday, December 29, 2014, 3:02 PM', '')).toBe('2014-12-29T15:02:00');
    expect(isoFrom('December 1st, 2014 at 12:05 am', '+07:00')).toBe('2014-12-01T00:05:00+07:00');
    expect(isoFrom('Mayday 3, 2014', '')).toBeNull();
  });

  it('reads day-first dates with a 12-hour clock or dashes, and year-first dates with slashes, as crawlers store them', () => {
    expect(isoFrom('30/10/2025 10:26 PM', '+07:00')).toBe('2025-10-30T22:26:00+07:00');
    expect(isoFrom('30/10/2025 12:05 AM', '+07:00')).toBe('2025-10-30T00:05:00+07:00');
    expect(isoFrom('30/10/2025 22:26', '+07:00')).toBe('2025-10-30T22:26:00+07:00');
    expect(isoFrom('Thứ năm, 30/10/2025, 14:02 (GMT+7)', '+07:00')).toBe('2025-10-30T14:02:00+07:00');
    expect(isoFrom('30-10-2025', '+07:00')).toBe('2025-10-30');
    // The `timeCreatePostOrigin` of a real cafef dump (test/fixtures/records/cafef-record.json).
    expect(isoFrom('2022/11/16', '+07:00')).toBe('2022-11-16');
    expect(isoFrom('2022/13/16', '+07:00')).toBeNull();
  });

  it.each([
    ['thechrisellefactor-com-01', '2016-01-26', 'the shown date "Jan 26, 2016", no structured one'],
    ['extrapetite-com-01', '2016-01-24', '"Sunday, January 24, 2016" after an unreadable "1/24/2016"'],
    ['al-com-01', '2014-12-29', 'the meta article_date_original, not article_date_updated'],
  ])('dates %s %s (%s)', (id, day) => {
    expect(meta(id).date?.slice(0, 10)).toBe(day);
  });
});
