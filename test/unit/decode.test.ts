import { describe, expect, it } from 'vitest';
import { DocumentError } from '../../src/errors.js';
import { decode } from '../../src/text/decode.js';

const options = { maxReplacementRatio: 0.001 };
const vi = 'Tổng Bí thư, Chủ tịch nước Tô Lâm thăm, làm việc với Tổng cục II. Đảng ủy Công an Trung ương.';

function utf16be(s: string): Buffer {
  return Buffer.from(s, 'utf16le').swap16();
}

function failure(bytes: Uint8Array): DocumentError {
  try {
    decode(bytes, options);
  } catch (err) {
    if (err instanceof DocumentError) return err;
    throw err;
  }
  throw new Error('decode did not fail');
}

describe('decode', () => {
  it('reads UTF-8 without a BOM', () => {
    expect(decode(Buffer.from(vi), options)).toEqual({ text: vi, encoding: 'utf-8', replacements: 0 });
  });

  it('strips a UTF-8 BOM and says it was there', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(vi)]);
    expect(decode(bytes, options)).toEqual({ text: vi, encoding: 'utf-8-bom', replacements: 0 });
  });

  it('reads UTF-16 LE and BE with a BOM', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(vi, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(vi)]);
    expect(decode(le, options)).toEqual({ text: vi, encoding: 'utf-16le', replacements: 0 });
    expect(decode(be, options)).toEqual({ text: vi, encoding: 'utf-16be', replacements: 0 });
  });

  it('reads UTF-16 LE and BE without a BOM from the NUL pattern', () => {
    expect(decode(Buffer.from(vi, 'utf16le'), options).encoding).toBe('utf-16le');
    expect(decode(utf16be(vi), options)).toEqual({ text: vi, encoding: 'utf-16be', replacements: 0 });
  });

  it('fails an empty file and a file of white space as empty', () => {
    expect(failure(new Uint8Array(0)).reason).toBe('empty');
    expect(failure(Buffer.from(' \n\t\u00a0\n')).reason).toBe('empty');
  });

  it('fails binary data as not-text, naming the first NUL byte', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    const err = failure(png);
    expect(err.reason).toBe('not-text');
    expect(err.message).toBe('binary data: NUL byte at offset 8');
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
});
