import { describe, expect, it } from 'vitest';
import { boundaryErrors, boundaryOffsets, boundaryScores, parseGold } from '../../src/text/sentence-eval.js';

describe('parseGold', () => {
  it('reads one sentence per line and a blank line between paragraphs', () => {
    expect(parseGold('Một.\r\nHai.  \n\n\n  Ba.\n \nBốn.\n')).toEqual([['Một.', 'Hai.'], ['Ba.'], ['Bốn.']]);
    expect(parseGold('\n\n')).toEqual([]);
  });
});

describe('boundaryOffsets', () => {
  it('counts non-space characters before each sentence after the first', () => {
    expect(boundaryOffsets(['Ông về.', 'Bà đi.', 'Hết.'])).toEqual([6, 11]);
  });

  it('is the same whatever a segmenter does with the spaces and empty segments', () => {
    expect(boundaryOffsets(['Ông về. ', '', ' Bà đi.  ', 'Hết.'])).toEqual([6, 11]);
    expect(boundaryOffsets(['Một câu.'])).toEqual([]);
  });
});

describe('boundaryScores', () => {
  // Paragraph 1: boundaries at 3 and 6, one found; paragraph 2: none, two predicted;
  // paragraph 3: two, both found. TP 3, FP 2, FN 1.
  const gold = [['A b.', 'C d.', 'E f.'], ['G h.'], ['X.', 'Y.', 'Z.']];
  const predicted = [['A b. C d.', 'E f.'], ['G', 'h', '.'], ['X. ', 'Y. ', 'Z.']];

  it('counts boundaries over all paragraphs', () => {
    const s = boundaryScores(gold, predicted);
    expect([s.truePositives, s.falsePositives, s.falseNegatives]).toEqual([3, 2, 1]);
    expect(s.precision).toBe(0.6);
    expect(s.recall).toBe(0.75);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
  });

  it('gives 1 to a perfect split and to text with no boundaries at all', () => {
    expect(boundaryScores(gold, gold)).toEqual({ truePositives: 4, falsePositives: 0, falseNegatives: 0, precision: 1, recall: 1, f1: 1 });
    expect(boundaryScores([['Một câu.']], [['Một câu.']]).f1).toBe(1);
  });

  it('gives 0 when every boundary is wrong', () => {
    const s = boundaryScores([['Ab.', 'Cd.']], [['A', 'b.Cd.']]);
    expect([s.precision, s.recall, s.f1]).toEqual([0, 0, 0]);
  });

  it('does not count the end of a paragraph', () => {
    expect(boundaryScores([['Một.'], ['Hai.']], [['Một.'], ['Hai.']]).truePositives).toBe(0);
  });

  it('refuses a prediction that lost text or a paragraph', () => {
    expect(() => boundaryScores([['Một.', 'Hai.']], [['Một.']])).toThrow(/does not hold the text/);
    expect(() => boundaryScores([['Một.'], ['Hai.']], [['Một.']])).toThrow(/2 gold paragraphs but 1 predicted/);
  });
});

describe('boundaryErrors', () => {
  it('gives missed and extra boundaries as indices into the joined gold paragraph', () => {
    expect(boundaryErrors(['Ông về. Bà đi.', 'Hết.'], ['Ông về.', 'Bà đi. Hết.'])).toEqual({ missed: [15], extra: [8] });
    expect(boundaryErrors(['Một.', 'Hai.'], ['Một. ', 'Hai.'])).toEqual({ missed: [], extra: [] });
  });
});
