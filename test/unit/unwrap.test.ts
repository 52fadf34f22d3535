import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { newDraft } from '../../src/stages/stage.js';
import { printedList, unwrapPrintedLists, unwrapStage } from '../../src/stages/unwrap.js';
import { processDocument } from '../../src/text/pipeline.js';

const crawl = (rel: string) => readFileSync(new URL(`../fixtures/crawl/docs/${rel}`, import.meta.url), 'utf8');
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

describe('printed lists after a lead or between text', () => {
  // The shape of crawlers that store the lead apart from the text nodes: `Lead. ['\r\n', 'Đoạn.', ...]`.
  const [lead, ...rest] = paragraphs;
  const nodes = ['\r\n', ...rest.map((p) => `\r\n${p}\r\n`), '\r\n', ' '];

  it('unwraps the list that follows a lead, and the lead stays its own paragraph', () => {
    const text = `${lead} ${pythonRepr(nodes)}`;
    expect(unwrapPrintedLists(text)).toBe([lead, ...rest].join('\n\n'));
  });

  it('unwraps a list between text and keeps the text after it', () => {
    const tail = 'Theo VnExpress';
    const text = `${lead}\n${pythonRepr(nodes.slice(0, 3))}\n${tail}`;
    expect(unwrapPrintedLists(text)).toBe([lead, rest[0], rest[1], tail].join('\n\n'));
  });

  it('gives the pipeline the same text as the plain document', () => {
    const config = loadConfig();
    const printed = processDocument(Buffer.from(`${lead} ${pythonRepr(nodes)}`), 'a.txt', config);
    const plain = processDocument(Buffer.from(paragraphs.join('\n\n')), 'a.txt', config);
    expect(printed.text).toBe(plain.text);
  });

  it('joins the text nodes of a page as the page had them: a link stays inside its sentence', () => {
    const text = `Lead của bài. ${pythonRepr(['\r\n', 'Công ty đầu tư vào ', 'dự án', ' khu công nghiệp ở Hà Nội.', '\r\n', '\r\n  Đoạn hai nói về ', 'dự án', '.\r\n', ' '])}`;
    expect(unwrapPrintedLists(text)).toBe('Lead của bài.\n\nCông ty đầu tư vào dự án khu công nghiệp ở Hà Nội.\n\nĐoạn hai nói về dự án.');
  });

  it('leaves quoted words and code arrays in an article as written', () => {
    // Real dev dumps with runs of quoted phrases: `cụm từ "quốc tế", "olympic"`.
    for (const rel of ['sonlu3612-giaoduc/006.txt', 'fehuynhvi-vnexpress/002.txt', 'fehuynhvi-dantri/030.txt']) {
      const text = crawl(rel);
      expect(unwrapPrintedLists(text), rel).toBe(text);
    }
    const code = 'Hàm trả về mảng ["a", "b"] và [\'x\'] khi gọi. Sau đó [\'chưa đóng';
    expect(unwrapPrintedLists(code)).toBe(code);
  });
});

describe('the unwrap stage on an HTML page', () => {
  it('leaves a whole page as it is, arrays of escaped strings in its scripts and all (seznamzpravy-cz-01)', () => {
    const html = readFileSync(new URL('../fixtures/html/dev/seznamzpravy-cz-01.html', import.meta.url), 'utf8');
    // The page's script holds arrays that read as printed lists of text nodes.
    expect(unwrapPrintedLists(html)).not.toBe(html);
    const draft = newDraft(new Uint8Array(), 'seznamzpravy-cz-01.html');
    draft.text = html;
    unwrapStage.run(draft, { config: loadConfig() });
    expect(draft.text).toBe(html);
  });
});
