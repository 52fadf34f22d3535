import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DocumentError } from '../../src/errors.js';
import { decode, ENCODINGS, type Encoding } from '../../src/text/decode.js';
import { processDocument } from '../../src/text/pipeline.js';
import { isVietnameseSyllable } from '../../src/text/vietnamese-score.js';

const options = { maxReplacementRatio: 0.001 };
const vi = 'Tổng Bí thư, Chủ tịch nước Tô Lâm thăm, làm việc với Tổng cục II. Đảng ủy Công an Trung ương.';

function utf16be(s: string): Buffer {
  return Buffer.from(s, 'utf16le').swap16();
}

function failure(bytes: Uint8Array, encoding?: Encoding): DocumentError {
  try {
    decode(bytes, { ...options, encoding });
  } catch (err) {
    if (err instanceof DocumentError) return err;
    throw err;
  }
  throw new Error('decode did not fail');
}

describe('decode', () => {
  it('reads UTF-8 without a BOM', () => {
    expect(decode(Buffer.from(vi), options)).toEqual({ text: vi, encoding: 'utf-8', replacements: 0, confidence: 1 });
  });

  it('strips a UTF-8 BOM and says it was there', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(vi)]);
    expect(decode(bytes, options)).toEqual({ text: vi, encoding: 'utf-8-bom', replacements: 0, confidence: 1 });
  });

  it('reads UTF-16 LE and BE with a BOM', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(vi, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(vi)]);
    expect(decode(le, options)).toEqual({ text: vi, encoding: 'utf-16le', replacements: 0, confidence: 1 });
    expect(decode(be, options)).toEqual({ text: vi, encoding: 'utf-16be', replacements: 0, confidence: 1 });
  });

  it('reads UTF-16 LE and BE without a BOM from the NUL pattern', () => {
    expect(decode(Buffer.from(vi, 'utf16le'), options).encoding).toBe('utf-16le');
    expect(decode(utf16be(vi), options)).toEqual({ text: vi, encoding: 'utf-16be', replacements: 0, confidence: 1 });
  });

  it('fails an empty file and a file of white space as empty', () => {
    expect(failure(new Uint8Array(0)).reason).toBe('empty');
    expect(failure(Buffer.from(' \n\t\u00a0\n')).reason).toBe('empty');
  });

  it('fails binary data as not-text, naming the first NUL byte', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    const err = failure(png);
    expect(err.reason).toBe('not-text');
    expect(err.message).toBe('binary data: 3 NUL bytes in 16 bytes, the first at offset 8');
  });

  it('reads a real article with a stray NUL byte in it (a saved page, a dump) as text, the NUL dropped', () => {
    const sample = readFileSync(new URL('../../samples/000_e15030ee0d383edd.txt', import.meta.url));
    const withNul = Buffer.concat([sample.subarray(0, 200), Buffer.from([0]), sample.subarray(200)]);
    expect(processDocument(withNul, '000.txt', loadConfig()).text).toBe(processDocument(sample, '000.txt', loadConfig()).text);
  });

  it('fails text full of control characters as not-text', () => {
    const bytes = Buffer.from(Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 0x01 : 0x41)));
    expect(failure(bytes).reason).toBe('not-text');
  });

  it('fails bytes that are not UTF-8 as undecodable', () => {
    const latin1 = Buffer.from('Vi\u1ec7t Nam: ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u', 'latin1');
    const err = failure(latin1);
    expect(err.reason).toBe('undecodable');
    expect(err.message).toMatch(/^not valid UTF-8: \d+ invalid byte sequences in \d+ bytes/);
  });

  it('keeps a long UTF-8 text with one broken byte and counts the replacement', () => {
    const body = Buffer.from(vi.repeat(20));
    const broken = Buffer.concat([body.subarray(0, 100), Buffer.from([0xff]), body.subarray(100)]);
    const out = decode(broken, options);
    expect(out.replacements).toBe(1);
    expect(out.text.replace('\ufffd', '')).toBe(vi.repeat(20));
  });

  it('does not count a U+FFFD the file itself contains', () => {
    const text = `${vi.repeat(20)} \ufffd`;
    const bytes = Buffer.concat([Buffer.from(text), Buffer.from([0xff])]);
    expect(decode(bytes, options).replacements).toBe(1);
  });

  it('fails UTF-16 with an odd number of bytes', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(vi, 'utf16le'), Buffer.from([0x41])]);
    expect(failure(bytes).reason).toBe('undecodable');
  });

  it('reads the legacy examples of VIETNAMESE.md, short as they are', () => {
    // Latin-1 is how these encodings look on screen without their fonts.
    const tcvn3 = decode(Buffer.from('Th\u00f1 t\u00ad\u00edng y\u00aau c\u00c7u', 'latin1'), options);
    expect(tcvn3).toMatchObject({ text: 'Thủ tướng yêu cầu', encoding: 'tcvn3', replacements: 0 });
    const vni = decode(Buffer.from('Xin cha\u00f8o ca\u00f9c ba\u00efn', 'latin1'), options);
    expect(vni).toMatchObject({ text: 'Xin chào các bạn', encoding: 'vni' });
    // Four words: the answer is right, and says it is not sure.
    expect(tcvn3.confidence).toBeGreaterThan(0.5);
    expect(tcvn3.confidence).toBeLessThan(0.9);
  });

  it('decodes VNI letters made of a base letter and one or two marks, ươ included, in both cases', () => {
    const bytes = Buffer.from('Ng\u00f6\u00f4\u00f8i n\u00f6\u00f4\u00f9c, \u00d1A\u00dbNG U\u00dbY, ch\u00e6 \u00f1a\u00efo, tie\u00e1p tu\u00efc, \u00f1a\u00ebc bie\u00e4t', 'latin1');
    expect(decode(bytes, options)).toMatchObject({ text: 'Người nước, ĐẢNG ỦY, chỉ đạo, tiếp tục, đặc biệt', encoding: 'vni' });
  });

  it('decodes windows-1258 to NFC: its letters arrive as base letter + tone mark', () => {
    const text = 'Tổng Bí thư, Chủ tịch nước Tô Lâm thăm, làm việc với Tổng cục II và Đảng ủy Công an Trung ương.';
    const nfd = text.normalize('NFD');
    // base letters with their modifiers as windows-1258 holds them, tone marks apart
    const bytes = Buffer.from(
      Array.from(text, (c) => {
        const d = c.normalize('NFD');
        const tone = d.match(/[\u0300\u0301\u0303\u0309\u0323]/)?.[0];
        const base = d.replace(/[\u0300\u0301\u0303\u0309\u0323]/, '').normalize('NFC');
        const code = (ch: string) => ({ '\u0300': 0xcc, '\u0301': 0xec, '\u0303': 0xde, '\u0309': 0xd2, '\u0323': 0xf2, ư: 0xfd, ơ: 0xf5, ă: 0xe3, đ: 0xf0, Đ: 0xd0 })[ch] ?? ch.charCodeAt(0);
        return tone ? [code(base), code(tone)] : [code(base)];
      }).flat(),
    );
    expect(nfd).not.toBe(text);
    expect(decode(bytes, options)).toMatchObject({ text, encoding: 'windows-1258' });
  });

  it('undoes UTF-8 read as Windows-1252 and saved again, once and twice', () => {
    expect(decode(Buffer.from('Vi\u00e1\u00bb\u2021t Nam, ng\u00c6\u00b0\u00e1\u00bb\u009di'), options)).toMatchObject({
      text: 'Việt Nam, người',
      encoding: 'utf-8-mojibake',
    });
    const twice = Buffer.from(Buffer.from('Vi\u00e1\u00bb\u2021t Nam').toString('latin1'));
    expect(decode(twice, options)).toMatchObject({ text: 'Việt Nam', encoding: 'utf-8-mojibake-2' });
  });

  it('keeps clean UTF-8 that only looks like mojibake in places', () => {
    const text = `${vi} Giá: 20°C, «Hà» à\u00a0la, ô “chữ”…`;
    expect(decode(Buffer.from(text), options)).toEqual({ text, encoding: 'utf-8', replacements: 0, confidence: 1 });
  });

  it('takes a few bad bytes with no valid UTF-8 sequence for an 8-bit encoding', () => {
    const bytes = Buffer.concat([Buffer.from(`${'Ha Noi, ngay 20 thang 12 nam 2023, hoi nghi '.repeat(3)}`), Buffer.from([0xae]), Buffer.from('ang uy.')]);
    expect(decode(bytes, options)).toMatchObject({ encoding: 'tcvn3', text: expect.stringMatching(/đang uy\.$/) });
  });

  it('fails random bytes as not-text, with or without NUL bytes', () => {
    let seed = 7;
    const random = Buffer.from(Array.from({ length: 4096 }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff));
    expect(failure(random).reason).toBe('not-text');
    expect(failure(random.map((b) => b || 0x41)).reason).toBe('not-text');
  });

  it('fails an 8-bit text in another language as undecodable', () => {
    const french = Buffer.from('Le café est très bon, à la française; déjà vu près de la forêt, où l’été dure.', 'latin1');
    expect(failure(french).message).toMatch(/no Vietnamese 8-bit encoding fits/);
  });

  it('decodes as the forced encoding, without detection', () => {
    const tcvn3 = Buffer.from('Th\u00f1 t\u00ad\u00edng y\u00aau c\u00c7u', 'latin1');
    expect(decode(tcvn3, { ...options, encoding: 'windows-1258' })).toMatchObject({ text: 'Thñ t\u00adíng yªu cÇu', encoding: 'windows-1258', confidence: 1 });
    expect(failure(tcvn3, 'utf-8').reason).toBe('undecodable');
    expect(decode(Buffer.from(vi), { ...options, encoding: 'utf-8-bom' })).toMatchObject({ text: vi, encoding: 'utf-8-bom' });
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(vi, 'utf16le')]);
    expect(decode(le, { ...options, encoding: 'utf-16le' }).text).toBe(vi);
    expect(failure(Buffer.from(vi), 'utf-8-mojibake').reason).toBe('undecodable');
    for (const encoding of ENCODINGS) expect(() => decode(Buffer.from('ASCII text..'), { ...options, encoding })).not.toThrow();
  });
});

describe('isVietnameseSyllable', () => {
  it('accepts syllables of every shape, in lower, upper and title case', () => {
    for (const w of ['a', 'ở', 'người', 'Nguyễn', 'QUỐC', 'khuya', 'thuở', 'quyết', 'giữ', 'gì', 'nghiêng', 'oẳn', 'xoong', 'Đảng', 'uỷ', 'ủy']) {
      expect(isVietnameseSyllable(w), w).toBe(true);
    }
  });

  it('rejects what wrong tables leave: foreign letters, two tones, bad clusters, a stop with a level tone, mixed case', () => {
    for (const w of ['chaøo', 'Thñ', 'tíếng', 'aùc', 'càc', 'tHế', 'ViÇt', 'yªu', 'fẹ']) {
      expect(isVietnameseSyllable(w), w).toBe(false);
    }
  });
});
