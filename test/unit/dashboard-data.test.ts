import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateRemovals } from '../../src/cli/dashboard-data.js';

const marked = (raw: string, texts: string[]) =>
  locateRemovals(raw, texts)
    .pieces.filter((p) => p.removal !== null)
    .map((p) => [p.removal, p.text]);

describe('locateRemovals (the document view)', () => {
  it('finds a removed line whose white space the pipeline changed', () => {
    const raw = 'Tiêu đề\n\nTheo   TTXVN\nThân bài.';
    expect(marked(raw, ['Theo TTXVN'])).toEqual([[0, 'Theo   TTXVN']]);
  });

  it('compares in NFC: decomposed input marks like composed', () => {
    const raw = 'Ảnh: Báo Nhân Dân'.normalize('NFD').normalize('NFC');
    expect(locateRemovals(raw, ['Ảnh: Báo Nhân Dân'.normalize('NFD')]).located).toEqual([true]);
  });

  it('finds each block of an HTML removal through tags and entities, and a record cut mid-word', () => {
    const raw = '<nav><a href="/">Trang ch&#7911;</a><a>Th&amp;gi&#7899;i</a></nav><p>Bài viết.</p><footer>© Báo Tuổi Trẻ, mọi quyền</footer>';
    const { located, pieces } = locateRemovals(raw, ['Trang chủ / Th&giới', '© Báo Tuổi Trẻ, mọi quy', 'Bài viết. /']);
    expect(located).toEqual([true, true, true]);
    expect(pieces.filter((p) => p.removal === 0).map((p) => p.text)).toEqual(['Trang ch&#7911;', 'Th&amp;gi&#7899;i']);
    // The cut word matches the start of the whole one: exactly what was removed is marked.
    expect(pieces.find((p) => p.removal === 1)!.text).toBe('© Báo Tuổi Trẻ, mọi quy');
  });

  it('places repeated removals on different occurrences, in reading order', () => {
    const raw = 'Chia sẻ\nĐoạn một.\nChia sẻ\nĐoạn hai.';
    expect(marked(raw, ['Chia sẻ', 'Chia sẻ'])).toEqual([
      [0, 'Chia sẻ'],
      [1, 'Chia sẻ'],
    ]);
    expect(locateRemovals(raw, ['Chia sẻ', 'Chia sẻ']).pieces.map((p) => p.text).join('|')).toBe('Chia sẻ|\nĐoạn một.\n|Chia sẻ|\nĐoạn hai.');
  });

  it('says which removals it could not find, and marks nothing for them', () => {
    const { located, pieces } = locateRemovals('Một đoạn văn.', ['không có ở đây', 'đoạn']);
    expect(located).toEqual([false, true]);
    expect(pieces).toEqual([
      { text: 'Một ', removal: null },
      { text: 'đoạn', removal: 1 },
      { text: ' văn.', removal: null },
    ]);
  });

  it('always cuts the raw input into pieces that join back to it exactly, marks never overlapping', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 8 }), (raw, texts) => {
        const { pieces, located } = locateRemovals(raw, texts);
        expect(pieces.map((p) => p.text).join('')).toBe(raw);
        expect(located).toHaveLength(texts.length);
        for (const p of pieces) expect(p.text.length).toBeGreaterThan(0);
      }),
    );
  });
});
