import iconv from 'iconv-lite';
import { capMarkRuns } from './normalize.js';

/** The 8-bit Vietnamese encodings decode() tells apart, in the order that wins a tie. */
export const LEGACY_ENCODINGS = ['tcvn3', 'vni', 'windows-1258', 'viscii'] as const;
export type LegacyEncoding = (typeof LEGACY_ENCODINGS)[number];

/**
 * Bytes in a legacy encoding to NFC text. windows-1258 and VISCII come from iconv-lite.
 * TCVN3 (ABC, .VnTime) is the 0xA0-0xFF half of TCVN 5712 VN1, which also puts
 * the capitals with tone marks at 0x01-0x17 and 0x80-0x9F: iconv-lite's `tcvn` decodes
 * all of VN1 (checked byte by byte against glibc's TCVN5712-1), so text typed with
 * either font set decodes. VNI-Windows has its own table below.
 */
export function decodeLegacy(bytes: Uint8Array, encoding: LegacyEncoding): string {
  if (encoding === 'vni') return decodeVni(bytes);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const name = encoding === 'tcvn3' ? 'tcvn' : encoding === 'viscii' ? 'viscii' : 'windows1258';
  // windows-1258 writes most toned letters as base letter + combining mark; a file of
  // mark bytes alone would make NFC quadratic.
  return capMarkRuns(iconv.decode(buffer, name)).normalize('NFC');
}

/**
 * Windows-1252, one string per byte, as browsers and Windows decode it: the five
 * unassigned bytes stay C1 code points. (Node's TextDecoder('windows-1252') is Latin-1.)
 */
const CP1252: string[] = Array.from({ length: 256 }, (_, b) => {
  const c = iconv.decode(Buffer.of(b), 'windows1252');
  return c === '\ufffd' ? String.fromCharCode(b) : c;
});

/**
 * VNI-Windows: a Windows-1252 font whose upper half is redrawn. ơ ư đ and the toned i
 * and ỵ are single bytes; every other toned letter is its base letter followed by one
 * mark byte (circumflex or breve, with or without a tone, share one byte). Capitals
 * take the capital form of the mark byte (0x20 lower). From the published VNI table.
 */
const VNI_MARKS: Record<string, string> = {
  ù: '\u0301', ø: '\u0300', û: '\u0309', õ: '\u0303', ï: '\u0323',
  â: '\u0302', á: '\u0302\u0301', à: '\u0302\u0300', å: '\u0302\u0309', ã: '\u0302\u0303', ä: '\u0302\u0323',
  ê: '\u0306', é: '\u0306\u0301', è: '\u0306\u0300', ú: '\u0306\u0309', ü: '\u0306\u0303', ë: '\u0306\u0323',
};
const VNI_LETTERS: Record<string, string> = {
  ô: 'ơ', ö: 'ư', ñ: 'đ', í: 'í', ì: 'ì', æ: 'ỉ', ó: 'ĩ', ò: 'ị', î: 'ỵ',
};

// UTF-16 code units of each byte (one, or two for a modifier with a tone).
const VNI_UNITS: number[][] = (() => {
  const table = [...CP1252];
  const set = (glyph: string, text: string) => {
    table[glyph.charCodeAt(0)] = text;
    table[glyph.toUpperCase().charCodeAt(0)] = text.toUpperCase();
  };
  for (const [glyph, marks] of Object.entries(VNI_MARKS)) set(glyph, marks);
  for (const [glyph, letter] of Object.entries(VNI_LETTERS)) set(glyph, letter);
  return table.map((text) => Array.from(text, (c) => c.charCodeAt(0)));
})();

const utf16 = new TextDecoder('utf-16le');

function decodeVni(bytes: Uint8Array): string {
  const units = new Uint16Array(bytes.length * 2);
  let n = 0;
  for (const b of bytes) for (const unit of VNI_UNITS[b]!) units[n++] = unit;
  return capMarkRuns(utf16.decode(units.subarray(0, n))).normalize('NFC');
}

/** Byte for each character above U+00FF that Windows-1252 decodes a byte to (€ ‚ ƒ ...). */
const CP1252_BYTE: Map<number, number> = new Map(
  CP1252.slice(0x80, 0xa0).flatMap((c, i) => (c.charCodeAt(0) > 0xff ? [[c.charCodeAt(0), 0x80 + i] as const] : [])),
);

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A character that UTF-8 lead byte C2-F4 becomes in Windows-1252/Latin-1, followed by one
 * that a continuation byte becomes: the trace of UTF-8 read as Windows-1252 and saved as
 * UTF-8 ("Viá»‡t"). A cheap test, so that clean UTF-8 skips the exact check.
 */
const MOJIBAKE_HINT =
  /[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/;

/**
 * Text that is UTF-8 read as Windows-1252 (or Latin-1) and saved again: the original
 * text when every character maps back to one byte and those bytes are valid UTF-8 with
 * at least one multi-byte sequence; otherwise null. Exact, so never a guess.
 */
export function undoMojibake(text: string): string | null {
  if (!MOJIBAKE_HINT.test(text)) return null;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Latin-1 maps U+0000-U+00FF to their own byte, Windows-1252 a few more.
    const b = c <= 0xff ? c : CP1252_BYTE.get(c);
    if (b === undefined) return null;
    bytes[i] = b;
  }
  try {
    return utf8Strict.decode(bytes).replace(/^\ufeff/, '');
  } catch {
    return null;
  }
}
