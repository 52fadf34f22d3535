import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { placeToneMarks } from '../../src/text/tone.js';

// The five marks: huyền, sắc, hỏi, ngã, nặng.
const MARKS = ['\u0300', '\u0301', '\u0309', '\u0303', '\u0323'];

/** `word` with `mark` on its letter at `index`: built here, apart from the code under test. */
function withMark(word: string, index: number, mark: string): string {
  return `${word.slice(0, index)}${word[index]}${mark}${word.slice(index + 1)}`.normalize('NFC');
}

// oa, oe, uy with no final consonant: the styles differ.
const STYLED: [string, string[]][] = [
  ['oa', ['h', 'kh', 'l', 't', 'x', 'th', 'ch', 'nh', 'ng', 'đ']],
  ['oe', ['kh', 'x', 'l', 't', 'nh', 'h', 'ng']],
  ['uy', ['th', 't', 'l', 'h', 'ng', 'tr', 's', 'd', 'kh']],
];

const pairs: { old: string; new: string }[] = [];
for (const [nucleus, initials] of STYLED) {
  for (const initial of initials) {
    for (const mark of MARKS) {
      const bare = initial + nucleus;
      pairs.push({ old: withMark(bare, initial.length, mark), new: withMark(bare, initial.length + 1, mark) });
    }
  }
}
const upper = pairs.filter((_, i) => i % 3 === 0).map((p) => ({ old: p.old.toUpperCase(), new: p.new.toUpperCase() }));
const capitalised = pairs.filter((_, i) => i % 3 === 1).map((p) => ({ old: cap(p.old), new: cap(p.new) }));

function cap(word: string): string {
  return word[0]!.toUpperCase() + word.slice(1);
}

// Both styles agree: a final consonant, a modified vowel, qu and gi, single vowels.
const SAME = [
  'hoàng', 'hoạch', 'toán', 'loạn', 'khoảng', 'ngoặt', 'xoắn', 'thuyền', 'quyết', 'nguyễn', 'khuếch', 'huỳnh', 'huýt', 'xoong',
  'người', 'được', 'nước', 'trường', 'thuở', 'muốn', 'cuối', 'chuối', 'uống', 'cứu', 'hưởng', 'rượu', 'bưởi', 'giường',
  'quốc', 'quả', 'quý', 'quỳ', 'quạ', 'quẹo', 'quỳnh', 'quấy', 'giữ', 'già', 'giấy', 'giỏi', 'gì', 'gìn', 'giặc', 'giọt',
  'mùa', 'chìa', 'mía', 'tủi', 'mái', 'sáo', 'cháu', 'máy', 'kéo', 'đều', 'dịu', 'nói', 'tối', 'mới', 'ngoái', 'xoáy',
  'ngoẹo', 'khuỷu', 'khuya', 'yêu', 'tiếng', 'miễn', 'điều', 'Việt', 'Đảng', 'ĐẢNG', 'NGƯỜI', 'Thượng',
];

// Marks typed on the wrong vowel, and where the rule puts them.
const REPAIRS: [string, string][] = [
  ['hòai', 'hoài'], ['lựơng', 'lượng'], ['ngừơi', 'người'], ['đựơc', 'được'], ['nứơc', 'nước'], ['trừơng', 'trường'],
  ['múôn', 'muốn'], ['qủa', 'quả'], ['qúy', 'quý'], ['tìêng', 'tiềng'], ['hoáng', 'hoáng'], ['thúyên', 'thuyến'],
  ['NGỪƠI', 'NGƯỜI'], ['khoảng', 'khoảng'], ['hóan', 'hoán'], ['chúôi', 'chuối'],
];

// Not Vietnamese syllables: never touched.
const FOREIGN = ['Café', 'José', 'résumé', 'Pokémon', 'Zürich', 'São', 'Ángel', 'façade', 'naïve', 'fiancé', 'Hà', 'Nội'];

describe('placeToneMarks', () => {
  it(`has the test pairs it claims: ${pairs.length + upper.length + capitalised.length} old/new pairs`, () => {
    expect(pairs.length + upper.length + capitalised.length).toBeGreaterThanOrEqual(200);
  });

  it.each([...pairs, ...upper, ...capitalised])('$old and $new: old style $old, new style $new', (pair) => {
    expect(placeToneMarks(pair.old, 'old')).toBe(pair.old);
    expect(placeToneMarks(pair.new, 'old')).toBe(pair.old);
    expect(placeToneMarks(pair.old, 'new')).toBe(pair.new);
    expect(placeToneMarks(pair.new, 'new')).toBe(pair.new);
  });

  it.each(SAME)('%s is the same in both styles', (word) => {
    expect(placeToneMarks(word, 'old')).toBe(word);
    expect(placeToneMarks(word, 'new')).toBe(word);
  });

  it.each(REPAIRS)('repairs %s to %s', (wrong, right) => {
    expect(placeToneMarks(wrong, 'old')).toBe(right);
    expect(placeToneMarks(wrong, 'new')).toBe(right);
  });

  it.each(FOREIGN)('leaves %s alone', (word) => {
    expect(placeToneMarks(word, 'old')).toBe(word);
    expect(placeToneMarks(word, 'new')).toBe(word);
  });

  it('leaves codes, numbers and spelling variants (quí/quý, lí/lý) alone', () => {
    const text = 'Nghị quyết 56-NQ/TW, COVID-19, iPhone 16, quí và quý, lí và lý, 1.500.000 đồng.';
    expect(placeToneMarks(text, 'old')).toBe(text);
    expect(placeToneMarks(text, 'new')).toBe(text);
  });

  it('gives one output per style for a whole sample paragraph, whatever style it was written in', () => {
    const sample = readFileSync(new URL('../../samples/002_96ecd948de8e48bb.txt', import.meta.url), 'utf8');
    const old = placeToneMarks(sample, 'old');
    const neu = placeToneMarks(sample, 'new');
    expect(old).toContain('Hội nghị Đảng ủy Công an Trung ương năm 2023');
    expect(old).toContain('hài hòa mối quan hệ');
    expect(neu).toContain('Hội nghị Đảng uỷ Công an Trung ương năm 2023');
    expect(neu).toContain('hài hoà mối quan hệ');
    expect(placeToneMarks(neu, 'old')).toBe(old);
    expect(placeToneMarks(old, 'new')).toBe(neu);
    // Only oa/oe/uy words differ between the styles.
    const differing = old.split(/\s+/).filter((w, i) => w !== neu.split(/\s+/)[i]);
    expect(new Set(differing.map((w) => w.toLowerCase().replace(/[^\p{L}]/gu, '')))).toEqual(new Set(['ủy', 'hòa', 'hóa', 'khóa']));
  });

  it('keeps the case of every letter', () => {
    expect(placeToneMarks('Hoà Bình, THUỶ LỢI, Khoẻ', 'old')).toBe('Hòa Bình, THỦY LỢI, Khỏe');
  });
});
