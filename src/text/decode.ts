import iconv from 'iconv-lite';
import { DocumentError } from '../errors.js';
import { decodeLegacy, LEGACY_ENCODINGS, undoMojibake, type LegacyEncoding } from './legacy-encodings.js';
import { scoreVietnamese } from './vietnamese-score.js';

/**
 * What the bytes were. `utf-8-mojibake` is UTF-8 that was read as Windows-1252 or
 * Latin-1 and saved as UTF-8 again ("Viá»‡t"); `utf-8-mojibake-2` went through that twice.
 * `tcvn3` covers TCVN 5712 VN3 (ABC, .VnTime) and VN1, `vni` is VNI-Windows.
 */
export type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'utf-8-mojibake' | 'utf-8-mojibake-2' | LegacyEncoding;

export const ENCODINGS: readonly Encoding[] = [
  'utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be', 'utf-8-mojibake', 'utf-8-mojibake-2', ...LEGACY_ENCODINGS,
];

export interface Decoded {
  text: string;
  encoding: Encoding;
  /** Invalid byte sequences replaced by U+FFFD. */
  replacements: number;
  /** 0..1, how sure the detection is: 1 for a BOM, valid UTF-8 or a forced encoding. */
  confidence: number;
}

export interface DecodeOptions {
  /** Share of characters that may be replacements before the file counts as undecodable. */
  maxReplacementRatio: number;
  /** Decode as this encoding, without detection. */
  encoding?: Encoding;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Bytes to a string. Detects UTF-8 (with or without BOM), UTF-16 (with a BOM, or
 * without one when the NUL pattern of ASCII-range UTF-16 is plain), UTF-8 mojibake
 * (undone exactly), and, for bytes that are not UTF-8, the 8-bit Vietnamese encodings
 * TCVN3, VNI, windows-1258 and VISCII: each decodes the text and the one whose words
 * are valid Vietnamese syllables wins. Legacy text comes out NFC. Anything else is a
 * DocumentError: binary data is `not-text`, other bytes `undecodable`. A few broken
 * bytes in otherwise valid UTF-8 are replaced and counted, not a failure.
 */
export function decode(bytes: Uint8Array, options: DecodeOptions): Decoded {
  if (bytes.length === 0) throw new DocumentError('empty', 'the file is empty (0 bytes)');
  const decoded = options.encoding ? decodeAs(bytes, options.encoding, options) : detect(bytes, options);
  assertText(decoded.text);
  return decoded;
}

function detect(bytes: Uint8Array, options: DecodeOptions): Decoded {
  if (hasUtf8Bom(bytes)) return undoneMojibake(decodeUtf8(bytes.subarray(3), 'utf-8-bom', options));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16(bytes.subarray(2), 'utf-16le', 1);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeUtf16(bytes.subarray(2), 'utf-16be', 1);
  const unmarked = unmarkedUtf16(bytes);
  if (unmarked) return decodeUtf16(bytes, unmarked.encoding, unmarked.confidence);
  // Binary data is full of NUL bytes; a saved page or a dump may carry a stray one,
  // which is no reason to lose its text (normalize drops it with the other controls).
  const nuls = countNuls(bytes);
  if (nuls > Math.max(2, bytes.length * 0.001)) {
    throw new DocumentError('not-text', `binary data: ${nuls} NUL bytes in ${bytes.length} bytes, the first at offset ${bytes.indexOf(0)}`);
  }
  try {
    return undoneMojibake({ text: utf8Strict.decode(bytes), encoding: 'utf-8', replacements: 0, confidence: 1 });
  } catch {
    const { text, replacements } = lenientUtf8(bytes);
    const fits = replacements <= tolerated(text, options);
    // A few bad bytes among valid multi-byte sequences are damage; with no valid one at
    // all they are more likely an 8-bit encoding with few non-ASCII letters.
    if (fits && /[^\u0000-\u007f\ufffd]/.test(text)) return utf8WithReplacements(text, replacements);
    try {
      return detectLegacy(bytes, replacements);
    } catch (err) {
      if (fits && err instanceof DocumentError && err.reason === 'undecodable') return utf8WithReplacements(text, replacements);
      throw err;
    }
  }
}

function decodeAs(bytes: Uint8Array, encoding: Encoding, options: DecodeOptions): Decoded {
  switch (encoding) {
    case 'utf-8':
    case 'utf-8-bom':
      return { ...decodeUtf8(hasUtf8Bom(bytes) ? bytes.subarray(3) : bytes, encoding, options), confidence: 1 };
    case 'utf-16le':
      return decodeUtf16(bytes[0] === 0xff && bytes[1] === 0xfe ? bytes.subarray(2) : bytes, encoding, 1);
    case 'utf-16be':
      return decodeUtf16(bytes[0] === 0xfe && bytes[1] === 0xff ? bytes.subarray(2) : bytes, encoding, 1);
    case 'utf-8-mojibake':
    case 'utf-8-mojibake-2': {
      let text: string | null = decodeUtf8(hasUtf8Bom(bytes) ? bytes.subarray(3) : bytes, encoding, options).text;
      // ASCII reads the same before and after the round trip.
      for (let round = encoding === 'utf-8-mojibake' ? 1 : 2; round > 0 && text !== null && /[^\u0000-\u007f]/.test(text); round--) {
        text = undoMojibake(text);
      }
      if (text === null) throw new DocumentError('undecodable', `not ${encoding}: the text does not map back to UTF-8 bytes`);
      return { text, encoding, replacements: 0, confidence: 1 };
    }
    default:
      return { text: decodeLegacy(bytes, encoding), encoding, replacements: 0, confidence: 1 };
  }
}

function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

function decodeUtf8(bytes: Uint8Array, encoding: Encoding, options: DecodeOptions): Decoded {
  try {
    return { text: utf8Strict.decode(bytes), encoding, replacements: 0, confidence: 1 };
  } catch {
    const { text, replacements } = lenientUtf8(bytes);
    if (replacements > tolerated(text, options)) {
      throw new DocumentError('undecodable', `not valid UTF-8: ${replacements} invalid byte sequences in ${bytes.length} bytes`);
    }
    return { ...utf8WithReplacements(text, replacements), encoding };
  }
}

function lenientUtf8(bytes: Uint8Array): { text: string; replacements: number } {
  const text = utf8Lenient.decode(bytes);
  return { text, replacements: countReplacements(text) - countEncodedReplacements(bytes) };
}

function tolerated(text: string, options: DecodeOptions): number {
  return Math.max(1, text.length * options.maxReplacementRatio);
}

/** Confidence falls with the share of non-ASCII characters that are replacements. */
function utf8WithReplacements(text: string, replacements: number): Decoded {
  const nonAscii = text.match(/[^\u0000-\u007f]/g)?.length ?? 0;
  return { text, encoding: 'utf-8', replacements, confidence: round(1 - replacements / Math.max(1, nonAscii)) };
}

/** Valid UTF-8 is taken as it is, unless it is exactly UTF-8 mojibake, once or twice. */
function undoneMojibake(decoded: Decoded): Decoded {
  const once = undoMojibake(decoded.text);
  if (once === null) return decoded;
  const twice = undoMojibake(once);
  const text = twice ?? once;
  // Every non-ASCII character of the result is a multi-byte sequence that mapped back
  // exactly; each one makes an accident less likely.
  const sequences = text.match(/[^\u0000-\u007f]/g)?.length ?? 0;
  return {
    text,
    encoding: twice === null ? 'utf-8-mojibake' : 'utf-8-mojibake-2',
    replacements: decoded.replacements,
    confidence: round(1 - 2 ** -sequences),
  };
}

// The share of judged words that must be valid Vietnamese syllables for a legacy encoding.
const MIN_VALID_SHARE = 0.6;
// Bytes scored: enough words for a sure answer; the winner then decodes the whole file.
const SAMPLE_BYTES = 64 * 1024;

/**
 * Bytes that are not UTF-8: decode a sample with each legacy encoding and keep the one
 * whose words are most often valid and common Vietnamese syllables. Confidence grows
 * with the margin over the runner-up and with the number of words judged.
 */
function detectLegacy(bytes: Uint8Array, utf8Replacements: number): Decoded {
  const controls = countBinaryControls(bytes);
  if (controls > Math.max(2, bytes.length * 0.01)) {
    throw new DocumentError('not-text', `binary data: ${controls} control bytes in ${bytes.length} bytes`);
  }
  const sample = sampleOf(bytes);
  const ranked = LEGACY_ENCODINGS.map((encoding) => {
    const text = decodeLegacy(sample, encoding);
    const { words, valid, common } = scoreVietnamese(text);
    const share = words === 0 ? 0 : valid / words;
    // Ranked on valid and common words together: 0..2.
    return { encoding, text, words, valid, share, rank: words === 0 ? 0 : share + common / words };
  }).sort((a, b) => b.rank - a.rank);
  const best = ranked[0]!;
  const second = ranked[1]!;
  if (best.share < MIN_VALID_SHARE) {
    throw new DocumentError(
      'undecodable',
      `not valid UTF-8: ${utf8Replacements} invalid byte sequences in ${bytes.length} bytes, and no Vietnamese ` +
        `8-bit encoding fits (best: ${best.encoding}, ${best.valid} of ${best.words} words valid)`,
    );
  }
  const margin = Math.min(1, (best.rank - second.rank) / 0.5);
  return {
    text: sample === bytes ? best.text : decodeLegacy(bytes, best.encoding),
    encoding: best.encoding,
    replacements: 0,
    confidence: round(best.share * margin * (best.words / (best.words + 2))),
  };
}

/** The whole file when small; else 64 KiB from the line of its first non-ASCII byte, cut at white space. */
function sampleOf(bytes: Uint8Array): Uint8Array {
  if (bytes.length <= SAMPLE_BYTES) return bytes;
  const firstHigh = bytes.findIndex((b) => b >= 0x80);
  const start = firstHigh <= 0 ? 0 : bytes.lastIndexOf(0x0a, firstHigh) + 1;
  let end = Math.min(bytes.length, start + SAMPLE_BYTES);
  // A VNI letter is a base byte and a mark byte: do not cut between them.
  while (end < bytes.length && end > start && bytes[end] !== 0x20 && bytes[end] !== 0x0a) end--;
  return bytes.subarray(start, end > start ? end : start + SAMPLE_BYTES);
}

// Bytes that are control characters in every encoding tried (VISCII and TCVN put letters
// on some C0 bytes): many of them mean binary data, not text.
const BINARY_CONTROL: Uint8Array = (() => {
  const flags = new Uint8Array(256);
  for (let b = 0; b < 0x80; b++) {
    const byte = Uint8Array.of(b);
    flags[b] = LEGACY_ENCODINGS.every((e) => /^[\u0000-\u0008\u000b\u000e-\u001f\u007f]$/.test(decodeLegacy(byte, e))) ? 1 : 0;
  }
  return flags;
})();

function countBinaryControls(bytes: Uint8Array): number {
  let count = 0;
  for (const b of bytes) count += BINARY_CONTROL[b]!;
  return count;
}

function decodeUtf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be', confidence: number): Decoded {
  if (bytes.length % 2 !== 0) {
    throw new DocumentError('undecodable', `${encoding} text with an odd number of bytes (${bytes.length})`);
  }
  const text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), encoding, {
    stripBOM: false,
  });
  return { text, encoding, replacements: countReplacements(text), confidence };
}

/**
 * UTF-16 without a BOM: Vietnamese text keeps many characters below U+0100, so one of
 * the two byte lanes is mostly NUL. Checked on the first 4 KiB. Confidence grows with
 * the gap between the lanes (30% of pairs or more is certain).
 */
function unmarkedUtf16(bytes: Uint8Array): { encoding: 'utf-16le' | 'utf-16be'; confidence: number } | null {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  const confidence = round(Math.min(1, Math.abs(oddNul - evenNul) / pairs / 0.3));
  if (oddNul > pairs * 0.3 && evenNul < pairs * 0.02) return { encoding: 'utf-16le', confidence };
  if (evenNul > pairs * 0.3 && oddNul < pairs * 0.02) return { encoding: 'utf-16be', confidence };
  return null;
}

function round(x: number): number {
  return Math.round(Math.max(0, Math.min(1, x)) * 1000) / 1000;
}

function countReplacements(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) count++;
  return count;
}

/** U+FFFD that the file itself contains (EF BF BD) is text, not a decoding failure. */
function countEncodedReplacements(bytes: Uint8Array): number {
  let count = 0;
  for (let i = bytes.indexOf(0xef); i !== -1 && i + 2 < bytes.length; i = bytes.indexOf(0xef, i + 1)) {
    if (bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) count++;
  }
  return count;
}

function countNuls(bytes: Uint8Array): number {
  let count = 0;
  for (let i = bytes.indexOf(0); i !== -1; i = bytes.indexOf(0, i + 1)) count++;
  return count;
}

/** C0 controls other than tab, line feed, form feed and carriage return, plus DEL. */
function countControls(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) || c === 0x7f) count++;
  }
  return count;
}

function assertText(text: string): void {
  const controls = countControls(text);
  if (controls > Math.max(2, text.length * 0.01)) {
    throw new DocumentError('not-text', `binary data: ${controls} control characters in ${text.length} characters`);
  }
  if (text.trim().length === 0) {
    throw new DocumentError('empty', 'the file holds only white space');
  }
}
