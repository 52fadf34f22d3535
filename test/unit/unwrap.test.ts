import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { printedList } from '../../src/stages/unwrap.js';
import { processDocument } from '../../src/text/pipeline.js';

const sample = readFileSync(new URL('../../samples/001_cfab3d3de795dabf.txt', import.meta.url), 'utf8');
const paragraphs = sample.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);

/** What Python's str(list) prints for these strings (the quote it picks, its escapes). */
function pythonRepr(items: string[]): string {
  return `[${items
    .map((s) => {
      const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
      const body = s.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\u00a0/g, '\\xa0');
      return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
    })
    .join(', ')}]`;
}

describe('printed lists of strings', () => {
  it('unwraps a crawler field stored as str(list) into its paragraphs, escapes decoded', () => {
    const items = ['\r\n', ...paragraphs.map((p) => `${p.replace(/ /, '\u00a0')}\r\n`), ' '];
    const unwrapped = printedList(pythonRepr(items));
    expect(unwrapped).toEqual(paragraphs.map((p) => p.replace(/ /, '\u00a0')));
  });

  it('gives the pipeline the same text as the plain document', () => {
    const config = loadConfig();
    const printed = processDocument(Buffer.from(pythonRepr(paragraphs)), 'a.txt', config);
    const plain = processDocument(Buffer.from(paragraphs.join('\n\n')), 'a.txt', config);
    expect(printed.text).toBe(plain.text);
    expect(printed.text).not.toMatch(/\\r\\n|', '/);
  });

  it('leaves alone what is not a whole list of strings', () => {
    for (const text of ['[Video] Cháy lớn ở Hà Nội', "['Đoạn một.', 'Đoạn hai.'", "['a', b]", '["x"] và hơn thế', '[]', "['\\x4']"]) {
      expect(printedList(text), text).toBeNull();
    }
  });
});
