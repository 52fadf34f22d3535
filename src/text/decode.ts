import iconv from 'iconv-lite';
import { DocumentError } from '../errors.js';

export type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';

export interface Decoded {
  text: string;
  encoding: Encoding;
  /** Invalid byte sequences replaced by U+FFFD. */
  replacements: number;
}

export interface DecodeOptions {
  /** Share of characters that may be replacements before the file counts as undecodable. */
  maxReplacementRatio: number;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Bytes to a string. Knows UTF-8 (with or without BOM) and UTF-16 (with a BOM, or
 * without one when the NUL pattern of ASCII-range UTF-16 is plain). Anything else is
 * a DocumentError: binary data is `not-text`, other bytes `undecodable`. A few broken
 * bytes in otherwise valid UTF-8 are replaced and counted, not a failure.
 */
export function decode(bytes: Uint8Array, options: DecodeOptions): Decoded {
  if (bytes.length === 0) throw new DocumentError('empty', 'the file is empty (0 bytes)');

  let decoded: Decoded;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    decoded = decodeUtf8(bytes.subarray(3), 'utf-8-bom', options);
  } else if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    decoded = decodeUtf16(bytes.subarray(2), 'utf-16le');
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    decoded = decodeUtf16(bytes.subarray(2), 'utf-16be');
  } else {
    const unmarked = unmarkedUtf16(bytes);
    if (unmarked) {
      decoded = decodeUtf16(bytes, unmarked);
    } else {
      const nul = bytes.indexOf(0);
      if (nul !== -1) {
        throw new DocumentError('not-text', `binary data: NUL byte at offset ${nul}`);
      }
      decoded = decodeUtf8(bytes, 'utf-8', options);
    }
  }
  assertText(decoded.text);
  return decoded;
}

function decodeUtf8(bytes: Uint8Array, encoding: Encoding, options: DecodeOptions): Decoded {
  try {
    return { text: utf8Strict.decode(bytes), encoding, replacements: 0 };
  } catch {
    const text = utf8Lenient.decode(bytes);
    const replacements = countReplacements(text) - countEncodedReplacements(bytes);
    if (replacements > Math.max(1, text.length * options.maxReplacementRatio)) {
      throw new DocumentError(
        'undecodable',
        `not valid UTF-8: ${replacements} invalid byte sequences in ${bytes.length} bytes ` +
          '(UTF-8 and UTF-16 are supported; legacy Vietnamese encodings are not yet)',
      );
    }
    return { text, encoding, replacements };
  }
}

function decodeUtf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): Decoded {
  if (bytes.length % 2 !== 0) {
    throw new DocumentError('undecodable', `${encoding} text with an odd number of bytes (${bytes.length})`);
  }
  const text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), encoding, {
    stripBOM: false,
  });
  return { text, encoding, replacements: countReplacements(text) };
}

/**
 * UTF-16 without a BOM: Vietnamese text keeps many characters below U+0100, so one of
 * the two byte lanes is mostly NUL. Checked on the first 4 KiB.
 */
function unmarkedUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > pairs * 0.3 && evenNul < pairs * 0.02) return 'utf-16le';
  if (evenNul > pairs * 0.3 && oddNul < pairs * 0.02) return 'utf-16be';
  return null;
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

// C0 controls other than tab, line feed, form feed and carriage return, plus DEL.
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/g;

function assertText(text: string): void {
  const controls = text.match(CONTROL)?.length ?? 0;
  if (controls > Math.max(2, text.length * 0.01)) {
    throw new DocumentError('not-text', `binary data: ${controls} control characters in ${text.length} characters`);
  }
  if (text.trim().length === 0) {
    throw new DocumentError('empty', 'the file holds only white space');
  }
}
