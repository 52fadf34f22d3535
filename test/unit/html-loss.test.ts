import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { extractArticle } from '../../src/html/extract.js';
import { processDocument } from '../../src/text/pipeline.js';

// Issue 15: on text the extractor chose by markup, the text stages after `extract` must not
// drop body. Real Dân trí excerpts from outside the HTML eval sets (sources in SOURCES.md):
// every sentence of every extractor paragraph must reach the pipeline's `text`.
const DIR = 'test/fixtures/html-loss';
const config = loadConfig(undefined, { normalize: { toneStyle: 'keep' } });
const flat = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

describe('text stages keep the body the extractor chose', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.html'))) {
    it(file, () => {
      const bytes = readFileSync(join(DIR, file));
      const article = extractArticle(bytes.toString('utf8'), config.html);
      const sentences = article.paragraphs.flatMap((p) => flat(p).split(/(?<=[.!?…])\s+/)).filter((s) => s.length > 0);
      expect(sentences.length).toBeGreaterThan(20);
      const text = flat(processDocument(bytes, file, config).text);
      expect(sentences.filter((s) => !text.includes(s))).toEqual([]);
    });
  }
});
