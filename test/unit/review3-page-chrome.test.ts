import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { stripBoilerplate } from '../../src/text/boilerplate.js';
import { splitLines } from '../../src/text/lines.js';

// Review of the round-5 page-chrome rule (boilerplate.pageChrome): it may take only the
// page's own lines, never the last sentence of an article that names one of its phrases.
const rules = loadConfig().boilerplate;
const strip = (text: string) => stripBoilerplate(splitLines(text), rules);
const doc = (path: string) => readFileSync(join(import.meta.dirname, '../fixtures/crawl/docs', path), 'utf8');

// The opening paragraphs of a real dev article (sonlu3612-thanhnien 002, its body), so the
// closing line below stands where an article's last paragraph stands.
const opening = doc('sonlu3612-thanhnien/002.txt').split(/(?<=\.) /).slice(0, 3).join(' ');

describe('page chrome and the last paragraph of an article', () => {
  it('keeps a closing sentence that quotes one phrase of the chrome at its end', () => {
    for (const closing of [
      'Sáng 12/3, hệ thống của ngân hàng gặp sự cố kéo dài hơn hai giờ. Nhiều khách hàng phản ánh khi chuyển tiền, ứng dụng chỉ báo "Đã có lỗi xảy ra".',
      'Theo luật sư Minh, tranh chấp kéo dài vì hợp đồng không ghi rõ ai giữ quyền tác giả. Bản gốc chỉ in dòng chữ "Copyright 1998".',
    ]) {
      const r = strip(`${opening}\n${closing}`);
      expect(r.paragraphs.at(-1)).toBe(closing);
      expect(r.removed).toEqual([]);
    }
  });

  it('keeps a last paragraph that opens with a phrase of the chrome and reads as a sentence', () => {
    const closing = 'Cơ quan chủ quản của tờ báo là Hội Nhà văn Việt Nam, đơn vị này đã yêu cầu tòa soạn báo cáo sự việc trước ngày 20/3.';
    expect(strip(`${opening}\n${closing}`).paragraphs.at(-1)).toBe(closing);
  });

  it('still removes a last line of chrome alone: a phrase that ends the text without a stop, or a line of several', () => {
    const a = strip(`${opening}\nCopyright © 2024 Báo Thanh Niên`);
    expect(a.paragraphs.join('\n')).not.toContain('Copyright');
    const b = strip(`${opening} Tổng biên tập: Nguyễn Ngọc Toàn`);
    expect(b.paragraphs.join('\n')).not.toContain('Tổng biên tập');
    const c = strip(`${opening}\nCơ quan chủ quản: Hội Nhà văn Việt Nam. Giấy phép số 561/GP-BTTTT.`);
    expect(c.paragraphs.join('\n')).not.toContain('Cơ quan chủ quản');
  });

  it('reads a last line of a long run of digits in linear time', () => {
    // `\d+/GP-` tried from every digit of the run scanned the rest of it each time: 80,000
    // digits took 10 s. Compared with a run a tenth as long, in one process: a linear scan
    // grows about tenfold, a quadratic one a hundredfold.
    const run = (n: number) => {
      const text = `${opening} ${'9'.repeat(n)}`;
      const t = performance.now();
      strip(text);
      return performance.now() - t;
    };
    run(8_000);
    const small = Math.max(run(8_000), 1);
    const large = run(80_000);
    expect(large / small).toBeLessThan(40);
  });
});
