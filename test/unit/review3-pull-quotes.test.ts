import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { stripBoilerplate } from '../../src/text/boilerplate.js';
import { splitLines } from '../../src/text/lines.js';

// The pull-quote rule (a line under a blank line that another line holds) looked for each
// such line in every other line: a text of 10,000 of them took 9 s.
const rules = loadConfig().boilerplate;
const strip = (text: string) => stripBoilerplate(splitLines(text), rules);
// Paragraphs set without blank lines (anhduchb01-baodautu 004's layout), so blank lines tell lost pictures.
const other = (k: number) =>
  `Mỗi bước catwalk của dàn người mẫu tại Kimono - Aodai Fashion Show tổ chức tại khách sạn InterContinental Hanoi Westlake cuối tuần qua đều nhận được những tràng pháo tay lần thứ ${k} của khán giả, những người yêu cái đẹp.`;

describe('pull quotes in a long text', () => {
  const text = (n: number) => {
    const parts = [other(1), other(2), other(3)];
    for (let k = 0; k < n; k++) parts.push('', `Dòng thứ ${k} là một câu ngắn đứng riêng dưới một dòng trống trong bài.`);
    // The last is a pull quote of the first paragraph: it still goes.
    parts.push('', 'Mỗi bước catwalk của dàn người mẫu tại Kimono - Aodai Fashion Show.');
    return parts.join('\n');
  };

  it('still finds the quote, and finds it in time linear in the text', () => {
    const r = strip(text(50));
    expect(r.removed.filter((x) => x.reason === 'duplicate').map((x) => x.text)).toEqual(['Mỗi bước catwalk của dàn người mẫu tại Kimono - Aodai Fashion Show.']);
    const run = (n: number) => {
      const t = performance.now();
      strip(text(n));
      return performance.now() - t;
    };
    run(1_000);
    const small = Math.max(run(1_000), 1);
    const large = run(10_000);
    // Tenfold the lines: about tenfold the time when linear, a hundredfold when quadratic.
    expect(large / small).toBeLessThan(40);
  });
});
