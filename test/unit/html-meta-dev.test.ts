import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extractArticle } from '../../src/html/extract.js';
import { isoFrom } from '../../src/html/metadata.js';

// Metadata rules, each on the real page it came from: the dev half of the metadata set
// (test/fixtures/html-meta/dev, sources and truth in its SOURCES.md).
const DEV = 'test/fixtures/html-meta/dev';
const meta = (id: string) => extractArticle(gunzipSync(readFileSync(join(DEV, `${id}.html.gz`))).toString('utf8'));

describe('authors: agencies, places and list shapes', () => {
  it('refuses a news agency given as a JSON-LD Person (20min-ch-01: "Deutsche Presse-Agentur")', () => {
    expect(meta('20min-ch-01').authors).toEqual(['Konstantin Furrer']);
  });

  it('splits a list with a serial comma (cnn-com-01: "..., Chien-Ming Wang, and Tom Watkins, CNN")', () => {
    expect(meta('cnn-com-01').authors).toEqual(['Dana A. Ford', 'James S.A. Corey', 'Chien-Ming Wang', 'Tom Watkins']);
  });

  it('takes no places for writers when the outlet signs with its seat (spiegel-de-01: meta author "SPIEGEL ONLINE, Hamburg, Germany")', () => {
    // The visible byline "Von Clemens Höges" names the writer.
    expect(meta('spiegel-de-01').authors).toEqual(['Clemens Höges']);
  });

  it('drops the dateline city after a full name (sueddeutsche-de-02: "Von Markus Balser, Berlin"; meta author "Süddeutsche.de GmbH, Munich, Germany")', () => {
    expect(meta('sueddeutsche-de-02').authors).toEqual(['Markus Balser']);
  });

  it('reads a byline whose class is spelt the Spanish way, before the comments\' authors (ultimahora-es-01: p.autor "Patricio Candia | Palma de Mallorca | 08/01/2014")', () => {
    expect(meta('ultimahora-es-01').authors).toEqual(['Patricio Candia']);
  });
});

describe('dates: offsets a page names', () => {
  it('keeps the GMT offset VnExpress prints after its local time (vnexpress-net-01: "Thứ tư, 13/1/2021, 00:00 (GMT+7)")', () => {
    expect(isoFrom('Thứ tư, 13/1/2021, 00:00 (GMT+7)', '')).toBe('2021-01-13T00:00:00+07:00');
    expect(isoFrom('01/12/2026 08:15 (GMT+7)', '')).toBe('2026-12-01T08:15:00+07:00');
    // No offset printed: the configured default, as before.
    expect(isoFrom('Thứ hai, 1/12/2026 - 08:15', '+07:00')).toBe('2026-12-01T08:15:00+07:00');
    expect(meta('vnexpress-net-01').date).toBe('2021-01-13T00:00:00+07:00');
  });

  it('reads a zone abbreviation after an ISO time (lsm-lv-01 JSON-LD: "2021-01-03T17:40:00EET") and leaves an unknown one to the default', () => {
    expect(isoFrom('2021-01-03T17:40:00EET', '')).toBe('2021-01-03T17:40:00+02:00');
    expect(isoFrom('2021-01-03T17:40:00 XYZ', '+07:00')).toBe('2021-01-03T17:40:00+07:00');
    expect(meta('lsm-lv-01').date).toBe('2021-01-03T17:40:00+02:00');
  });

  it("reads Java's Date.toString() that a CMS put in JSON-LD (faz-net-01: \"Fri Apr 28 19:20:36 CEST 2023\")", () => {
    expect(isoFrom('Fri Apr 28 19:20:36 CEST 2023', '')).toBe('2023-04-28T19:20:36+02:00');
    expect(meta('faz-net-01').date).toBe('2023-04-28T19:20:36+02:00');
  });
});
