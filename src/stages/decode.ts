import iconv from 'iconv-lite';
import { DocumentError } from '../errors.js';
import { declaredCharset } from '../html/extract.js';
import { decode, type Decoded, type Encoding } from '../text/decode.js';
import type { Stage } from './stage.js';

/** Declared labels of the Vietnamese legacy encodings the detector knows, by the name it uses. */
const VIETNAMESE_LABELS: Record<string, Encoding> = {
  'windows-1258': 'windows-1258', cp1258: 'windows-1258', 'x-cp1258': 'windows-1258',
  viscii: 'viscii', 'csviscii': 'viscii',
  tcvn: 'tcvn3', tcvn3: 'tcvn3', 'tcvn-5712': 'tcvn3', 'tcvn5712-1': 'tcvn3', 'x-viet-tcvn': 'tcvn3', 'x-viet-tcvn5712': 'tcvn3',
  vni: 'vni', 'x-viet-vni': 'vni',
};

/** Below this confidence the detector's pick of a legacy encoding yields to what the page declares. */
const DECLARED_WINS_BELOW = 0.9;

/**
 * Bytes to text: BOM, UTF-8, UTF-16, mojibake undone, legacy Vietnamese encodings
 * detected. A page's `<meta charset>` is a hint, not a verdict (pages declare
 * windows-1258 and send UTF-8): valid UTF-8 stays UTF-8, a declared Vietnamese encoding
 * settles a detection that was unsure, and another declared encoding (Shift_JIS,
 * GBK, windows-1251 ...) decodes bytes that are no Vietnamese encoding at all.
 */
export const decodeStage: Stage = {
  name: 'decode',
  run(draft, { config }) {
    const decoded = config.decode.encoding ? decode(draft.bytes, config.decode) : decodeWithDeclared(draft.bytes, config.decode);
    draft.text = decoded.text;
    draft.encoding = decoded.encoding;
    draft.encodingConfidence = decoded.confidence;
    draft.replacements = decoded.replacements;
  },
};

function decodeWithDeclared(bytes: Uint8Array, options: { maxReplacementRatio: number }): Decoded | (Omit<Decoded, 'encoding'> & { encoding: string }) {
  let detected: Decoded;
  try {
    detected = decode(bytes, options);
  } catch (err) {
    if (!(err instanceof DocumentError) || err.reason !== 'undecodable') throw err;
    const declared = declaredCharset(bytes);
    // UTF-8 and UTF-16 were tried already; a Vietnamese label was scored already.
    if (!declared || /^(?:utf-?8|utf-?16)/.test(declared) || VIETNAMESE_LABELS[declared] || !iconv.encodingExists(declared)) throw err;
    // No Vietnamese encoding reads these bytes, and the page says what they are; held to
    // the same bar as UTF-8: few replacement characters, no binary.
    const text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), declared);
    let replacements = 0;
    for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) replacements++;
    if (replacements > options.maxReplacementRatio * text.length || /[\u0000-\u0008\u000e-\u001f]/.test(text)) throw err;
    return { text, encoding: declared, replacements, confidence: 0.5 };
  }
  if (detected.confidence >= DECLARED_WINS_BELOW) return detected;
  const declared = declaredCharset(bytes);
  const vietnamese = declared ? VIETNAMESE_LABELS[declared] : undefined;
  if (!vietnamese || vietnamese === detected.encoding) return detected;
  return decode(bytes, { ...options, encoding: vietnamese });
}
