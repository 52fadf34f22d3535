import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { processDocument } from '../../src/text/pipeline.js';

// The expected outputs were written by hand from reading each sample (test/golden/SPEC.md).
const config = loadConfig();
const golden = new URL('../golden/', import.meta.url);
const samples = new URL('../../samples/', import.meta.url);
const names = readdirSync(golden).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();

describe('golden outputs of the samples', () => {
  it('has a golden file for every sample', () => {
    expect(names).toEqual(readdirSync(samples).map((f) => f.replace(/\.txt$/, '')).sort());
  });

  describe.each(names)('%s', (name) => {
    const expected = JSON.parse(readFileSync(new URL(`${name}.json`, golden), 'utf8'));
    const doc = processDocument(readFileSync(new URL(`${name}.txt`, samples)), `${name}.txt`, config);

    it('keeps every body paragraph and nothing else, in order', () => {
      expect(doc.text.split('\n\n')).toEqual(expected.text.split('\n\n'));
    });

    it('splits the sentences where a reader does', () => {
      expect(doc.sentences).toEqual(expected.sentences);
    });

    it('reads the metadata', () => {
      const { title, date, category, authors, captions, url, site, language } = doc.metadata;
      expect({ title, date, category, authors, captions, url, site, language }).toEqual(expected.metadata);
    });
  });
});
