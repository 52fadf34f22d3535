import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { stripBoilerplate } from '../../src/text/boilerplate.js';
import { splitLines } from '../../src/text/lines.js';
import { processDocument } from '../../src/text/pipeline.js';

// The round-5 source-credit patterns on hostile lines. A line of credits run together was
// tested with one pattern repeated over it, whose `\S+` could part the line among its
// labels every possible way: each credit more doubled the time (24 took 2 s, 40 would take
// days), and the worker cleaning the document hung. `(Theo` over `)` had three `\s*` that
// could part a run of spaces among them.
const config = loadConfig();
const clean = (text: string) => processDocument(Buffer.from(text), 'a.txt', config);
const lead = 'Đỗ Mỹ Linh hiếm hoi khoe dáng với bikini gợi cảm sau phát ngôn chỉ thích yêu trai hư, khiến người hâm mộ bất ngờ.';
/** The fastest of `times` runs, in ms: a loaded machine or a garbage collection slows one run, never all. */
const ms = (f: () => void, times = 1) => {
  let best = Infinity;
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    f();
    best = Math.min(best, performance.now() - t);
  }
  return best;
};

describe('source credits that name only a web address', () => {
  it('removes the credit printed twice, run together (ducc8201-24h 032), and keeps the text', () => {
    const credits = readFileSync(join(import.meta.dirname, '../fixtures/crawl/docs/ducc8201-24h/032.txt'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Nguồn: http://'))!;
    const doc = clean(`${lead}\n${lead.replace('bất ngờ', 'thích thú')}\n${credits}`);
    expect(doc.text).not.toContain('danviet.vn');
    expect(doc.text).toContain('thích thú');
    expect(doc.metadata.removed).toContainEqual({ reason: 'source-credit', text: credits });
  });

  it('reads a line of many credits run together in time linear in their number', () => {
    const text = (k: number) => `${lead}\n${'Theo:http://x/1'.repeat(k)} y`;
    ms(() => clean(text(12)), 5);
    const small = Math.max(ms(() => clean(text(12)), 5), 0.5);
    const large = ms(() => clean(text(24)));
    // Twice the credits: about twice the time when linear, 4,096 times when exponential.
    expect(large / small).toBeLessThan(20);
  });

  it('reads `Theo` over a long run of spaces in time linear in the run (the cleaner on text not normalised first)', () => {
    const strip = (n: number) => () => stripBoilerplate(splitLines(`${lead}\n${lead}\nTheo${' '.repeat(n)}x`), config.boilerplate);
    // Both sizes once first: at 2,000 spaces the text has under 0.2 % stops, so the rules for
    // unpunctuated dumps run too, and their first call (regex compilation) is not the run's cost.
    ms(strip(500), 3);
    ms(strip(2_000));
    const small = Math.max(ms(strip(500), 3), 0.5);
    const large = ms(strip(2_000), 3);
    // Four times the run: about four times the time when linear, 64 when cubic.
    expect(large / small).toBeLessThan(20);
    expect(stripBoilerplate(splitLines(`${lead}\n(Theo\n)`), config.boilerplate).removed.map((r) => r.reason)).toEqual(['source-credit', 'source-credit']);
  });
});
