import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { stripBoilerplate } from '../../src/text/boilerplate.js';
import { splitLines } from '../../src/text/lines.js';

// Layouts of sources the rules were not first written for (crawl batch 4, dev since round 5):
// real lines from test/fixtures/crawl, each rule checked for what it removes and what it keeps.
const rules = loadConfig().boilerplate;
// The normalize stage trims the spaces a crawler leaves at line ends before the cleaner runs.
const strip = (text: string) => stripBoilerplate(splitLines(text.replace(/[ \t]+$/gm, '')), rules);
const doc = (name: string) => readFileSync(new URL(`../fixtures/crawl/docs/${name}`, import.meta.url), 'utf8');

describe('photo stories (tkhery12-vnexpress)', () => {
  it('keeps every slide of a story printed twice once, without its credit', () => {
    const r = strip(doc('tkhery12-vnexpress/002.txt'));
    const text = r.paragraphs.join('\n');
    expect(r.paragraphs[0]).toMatch(/^Top 50 điểm đến view đẹp nhất/);
    // Nine slides, each its place and its text, once.
    expect(r.paragraphs.filter((p) => p === 'Myanmar')).toHaveLength(1);
    expect(r.paragraphs.filter((p) => p === 'Mỹ')).toHaveLength(2);
    expect(text).toContain('Vườn quốc gia Grand Canyon ở bang Arizona là nơi có cấu tạo địa chất với lịch sử 2 tỉ năm.');
    expect(text).toContain('tạo nên nhiều góc ngắm đẹp xiêu lòng.');
    expect(text).not.toMatch(/Ảnh:/);
    expect(r.paragraphs).toHaveLength(19);
    // The slides are the text: no caption is read from them.
    expect(r.captions).toEqual([]);
  });

  it('still takes a credited caption out of an article that is not a photo story', () => {
    const slide =
      'Khác với cảnh quan khô cằn ở Grand Canyon, vườn quốc gia Yosemite ở bang California nổi tiếng bởi hệ thống hồ, suối thác, thung lũng và những vách núi kỳ vĩ tạo nên nhiều góc ngắm đẹp xiêu lòng. Ảnh: pixabay.';
    const body = 'Theo UNESCO, những tàn tích khảo cổ còn lại ở thành phố cổ Bagan đều có niên đại từ thế kỷ 11 - 13.';
    const r = strip([body, slide, body.replace('Bagan', 'Pagan'), body.replace('11 - 13', '10 - 12')].join('\n'));
    expect(r.captions.map((c) => c.text)).toHaveLength(1);
    expect(r.paragraphs).toHaveLength(3);
  });

  it('keeps a paragraph of several sentences that a credit closes, and drops the credit only', () => {
    const r = strip(
      [
        'Pu Luong Retreat',
        'Pu Luong Retreat is part of Pu Luong Nature Reserve in Ba Thuoc District, central Thanh Hoa Province, which awards visitors with similar majestic mountain views.',
        'The view is also accessible from each of the resort’s rooms. Prices here start from VND6.6 million ($285) a night. Photo courtesy of Topas Ecolodge.',
      ].join('\n'),
    );
    expect(r.paragraphs[2]).toBe('The view is also accessible from each of the resort’s rooms. Prices here start from VND6.6 million ($285) a night.');
    expect(r.captions).toEqual([]);
  });

  it('reads names that head sections as headings, not bylines, nor the paragraphs after the last as teasers', () => {
    const r = strip(doc('tkhery12-vnexpress/006.txt'));
    expect(r.authors).toEqual([]);
    expect(r.paragraphs).toContain('Chen Sea Phu Quoc');
    expect(r.paragraphs).toContain('Six Senses Con Dao');
    expect(r.paragraphs.at(-1)).toMatch(/^On top of typical resort amenities, Chen Sea also offers sailing/);
  });
});
