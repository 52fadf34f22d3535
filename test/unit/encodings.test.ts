import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DocumentError } from '../../src/errors.js';
import { decode, type Encoding } from '../../src/text/decode.js';
import { processDocument } from '../../src/text/pipeline.js';

/**
 * Every sample, and every paragraph of 100+ bytes from the samples, written in every
 * encoding decode() detects, must give the same pipeline output as the UTF-8 original
 * and name the right encoding. Inputs are made here from the UTF-8 samples: with
 * glibc's iconv where it has the encoding, else with the encoders below; the fixtures
 * under test/fixtures/encodings were made by glibc and by hand.
 */

const config = loadConfig();
const options = { maxReplacementRatio: config.decode.maxReplacementRatio };
const samplesDir = new URL('../../samples/', import.meta.url);
const fixtures = new URL('../fixtures/encodings/', import.meta.url);
const samples = readdirSync(samplesDir)
  .sort()
  .map((name) => ({ name, text: readFileSync(new URL(name, samplesDir), 'utf8') }));
const paragraphs = samples.flatMap(({ name, text }) =>
  text
    .split(/\n[ \t]*\n/)
    .filter((p) => Buffer.byteLength(p) >= 100)
    .map((p, i) => ({ name: `${name} ¶${i}`, text: p })),
);

/**
 * No 8-bit Vietnamese encoding holds “ ” – … (TCVN3 and VISCII use those byte values
 * for letters) nor, in VISCII, NBSP: they are written as ASCII in the 8-bit inputs, and
 * in the original they are compared with.
 */
function asciiPunctuation(text: string): string {
  return text.replace(/[\u201c\u201d]/g, '"').replace(/\u2013/g, '-').replace(/\u2026/g, '...').replace(/\u00a0/g, ' ');
}

const GLIBC_NAMES: Partial<Record<Encoding, string>> = { tcvn3: 'TCVN5712-1', viscii: 'VISCII', 'windows-1258': 'WINDOWS-1258' };
const glibc = new Set<string>(
  (() => {
    try {
      return execFileSync('iconv', ['-l'], { encoding: 'utf8' }).split(/[\s,]+/).map((n) => n.replace(/\/+$/, ''));
    } catch {
      return [];
    }
  })(),
);

function withGlibc(text: string, name: string): Buffer {
  return execFileSync('iconv', ['-f', 'UTF-8', '-t', name], { input: text });
}

const TONES = /[\u0300\u0301\u0303\u0309\u0323]/;

/** windows-1258 as glibc writes it: a letter it holds as one byte, else base letter + tone byte. */
function encodeWindows1258(text: string): Buffer {
  const out: Buffer[] = [];
  for (const c of text) {
    const whole = iconv.encode(c, 'windows1258');
    if (iconv.decode(whole, 'windows1258') === c) {
      out.push(whole);
      continue;
    }
    const parts = c.normalize('NFD');
    const tone = parts.match(TONES)?.[0] ?? '';
    const base = parts.replace(TONES, '').normalize('NFC');
    const bytes = iconv.encode(base + tone, 'windows1258');
    if (iconv.decode(bytes, 'windows1258').normalize('NFC') !== c) throw new Error(`windows-1258 cannot hold ${c}`);
    out.push(bytes);
  }
  return Buffer.concat(out);
}

// VNI-Windows, from the rules of the published table rather than from the decoder's
// byte table: the mark byte follows from the modifier and the tone.
const VNI_TONE_MARKS: Record<string, string[]> = {
  // tone order: none, acute, grave, hook above, tilde, dot below
  '': ['', 'ù', 'ø', 'û', 'õ', 'ï'],
  '\u0302': ['â', 'á', 'à', 'å', 'ã', 'ä'],
  '\u0306': ['ê', 'é', 'è', 'ú', 'ü', 'ë'],
};
const VNI_I = ['i', 'í', 'ì', 'æ', 'ó', 'ò'];
const TONE_ORDER = ['', '\u0301', '\u0300', '\u0309', '\u0303', '\u0323'];

function encodeVni(text: string): Buffer {
  let latin1 = '';
  for (const c of text) {
    if (c < '\u0080') {
      latin1 += c;
      continue;
    }
    const lower = c.toLowerCase();
    const upper = c !== lower;
    let glyphs: string;
    if (lower === 'đ') {
      glyphs = 'ñ';
    } else {
      const parts = lower.normalize('NFD');
      const tone = TONE_ORDER.indexOf(parts.match(TONES)?.[0] ?? '');
      const rest = parts.replace(TONES, '');
      const base = rest[0]!;
      const modifier = rest.slice(1);
      if (!/^[aeiouy]$/.test(base) || tone === -1) throw new Error(`VNI cannot hold ${c}`);
      if (modifier === '\u031b') glyphs = (base === 'o' ? 'ô' : 'ö') + VNI_TONE_MARKS['']![tone]!;
      else if (base === 'i' && modifier === '') glyphs = VNI_I[tone]!;
      else if (base === 'y' && modifier === '' && tone === 5) glyphs = 'î';
      else if (modifier in VNI_TONE_MARKS) glyphs = base + VNI_TONE_MARKS[modifier]![tone]!;
      else throw new Error(`VNI cannot hold ${c}`);
    }
    latin1 += upper ? glyphs.toUpperCase() : glyphs;
  }
  return Buffer.from(latin1, 'latin1');
}

function encodeEightBit(text: string, encoding: Encoding): Buffer {
  const name = GLIBC_NAMES[encoding];
  if (name && glibc.has(name)) return withGlibc(text, name);
  if (encoding === 'vni') return encodeVni(text);
  if (encoding === 'windows-1258') return encodeWindows1258(text);
  return iconv.encode(text, encoding === 'tcvn3' ? 'tcvn' : 'viscii');
}

function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

// Windows-1252 as browsers and Windows read it: the five unassigned bytes become C1
// code points. (Node's TextDecoder('windows-1252') is Latin-1.)
const CP1252 = Array.from({ length: 256 }, (_, b) => {
  const c = iconv.decode(Buffer.of(b), 'windows1252');
  return c === '\ufffd' ? String.fromCharCode(b) : c;
});

/** UTF-8 read as Windows-1252 or Latin-1, saved as UTF-8. */
const viaCp1252 = (bytes: Buffer) => Buffer.from(Array.from(bytes, (b) => CP1252[b]!).join(''));
const viaLatin1 = (bytes: Buffer) => Buffer.from(bytes.toString('latin1'));

interface Variant {
  label: string;
  encoding: Encoding;
  eightBit: boolean;
  encode: (text: string) => Buffer;
}

const VARIANTS: Variant[] = [
  { label: 'utf-8', encoding: 'utf-8', eightBit: false, encode: (t) => Buffer.from(t) },
  { label: 'utf-8 with BOM', encoding: 'utf-8-bom', eightBit: false, encode: (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)]) },
  { label: 'utf-16le', encoding: 'utf-16le', eightBit: false, encode: (t) => Buffer.from(t, 'utf16le') },
  { label: 'utf-16le with BOM', encoding: 'utf-16le', eightBit: false, encode: (t) => Buffer.from(`\ufeff${t}`, 'utf16le') },
  { label: 'utf-16be', encoding: 'utf-16be', eightBit: false, encode: utf16be },
  { label: 'utf-16be with BOM', encoding: 'utf-16be', eightBit: false, encode: (t) => utf16be(`\ufeff${t}`) },
  { label: 'mojibake via windows-1252', encoding: 'utf-8-mojibake', eightBit: false, encode: (t) => viaCp1252(Buffer.from(t)) },
  { label: 'mojibake via latin1', encoding: 'utf-8-mojibake', eightBit: false, encode: (t) => viaLatin1(Buffer.from(t)) },
  { label: 'mojibake twice', encoding: 'utf-8-mojibake-2', eightBit: false, encode: (t) => viaCp1252(viaCp1252(Buffer.from(t))) },
  { label: 'mojibake twice via latin1', encoding: 'utf-8-mojibake-2', eightBit: false, encode: (t) => viaLatin1(viaLatin1(Buffer.from(t))) },
  ...(['windows-1258', 'viscii', 'tcvn3', 'vni'] as const).map((encoding) => ({
    label: encoding,
    encoding,
    eightBit: true,
    encode: (t: string) => encodeEightBit(t, encoding),
  })),
];

type Outcome = { text: string; sentences: string[]; encoding: Encoding } | { error: string };

function run(bytes: Uint8Array, source: string): Outcome {
  try {
    const doc = processDocument(bytes, source, config);
    return { text: doc.text, sentences: doc.sentences, encoding: doc.metadata.encoding };
  } catch (err) {
    if (err instanceof DocumentError) return { error: err.reason };
    throw err;
  }
}

/**
 * The output must match the original's; the encoding must be named unless the bytes
 * read the same in both (pure ASCII, or only letters VISCII and windows-1258 share).
 */
function expectSameDocument(original: string, variant: Variant, source: string): void {
  const text = variant.eightBit ? asciiPunctuation(original) : original;
  const want = run(Buffer.from(text), source);
  const bytes = variant.encode(text);
  const got = run(bytes, source);
  if ('error' in want || 'error' in got) {
    expect(got).toEqual(want);
    return;
  }
  expect(got.text).toBe(want.text);
  expect(got.sentences).toEqual(want.sentences);
  if (got.encoding !== variant.encoding) {
    const as = (encoding: Encoding) => decode(bytes, { ...options, encoding }).text.normalize('NFC');
    expect(as(got.encoding), `named ${got.encoding}, not ${variant.encoding}`).toBe(as(variant.encoding));
  }
}

describe('every encoding of the samples gives the document of the UTF-8 original', () => {
  for (const variant of VARIANTS) {
    it(`whole files in ${variant.label}`, () => {
      for (const { name, text } of samples) expectSameDocument(text, variant, name);
    });
  }
});

describe('every encoding of a single paragraph (100+ bytes) gives the same document', () => {
  for (const variant of VARIANTS) {
    it(`${paragraphs.length} paragraphs in ${variant.label}`, () => {
      for (const { name, text } of paragraphs) expectSameDocument(text, variant, name);
    });
  }
});

describe('files larger than the 64 KiB that detection reads', () => {
  const all = asciiPunctuation(samples.map((s) => s.text).join('\n\n'));
  const large = [all, all, all, all].join('\n\n');
  // Vietnamese only after 70 KB of ASCII: the sample starts at the first non-ASCII line.
  const late = `${'An ASCII line of a log, repeated.\n'.repeat(2100)}\n${all}`;
  for (const encoding of ['windows-1258', 'viscii', 'tcvn3', 'vni'] as const) {
    it(`detects and decodes ${encoding} in ${Buffer.byteLength(large) >> 10} KiB and after 70 KB of ASCII`, () => {
      expect(decode(encodeEightBit(large, encoding), options)).toMatchObject({ text: large, encoding });
      expect(decode(encodeEightBit(late, encoding), options)).toMatchObject({ text: late, encoding });
    });
  }
});

describe('fixtures made outside this code', () => {
  const want = readFileSync(new URL('paragraph.utf8.txt', fixtures), 'utf8');
  for (const encoding of ['tcvn3', 'viscii', 'windows-1258', 'vni'] as const) {
    it(`decodes ${encoding} made by ${encoding === 'vni' ? 'hand' : 'glibc iconv'}`, () => {
      const bytes = readFileSync(new URL(`paragraph.${encoding}.txt`, fixtures));
      const decoded = decode(bytes, options);
      expect(decoded.encoding).toBe(encoding);
      expect(decoded.text).toBe(want);
      expect(decoded.confidence).toBeGreaterThan(0.5);
    });
  }

  it('the test encoders write the fixtures byte for byte (VNI and the fallbacks used without glibc)', () => {
    const bytes = (encoding: string) => readFileSync(new URL(`paragraph.${encoding}.txt`, fixtures));
    expect(encodeVni(want)).toEqual(bytes('vni'));
    expect(encodeWindows1258(want)).toEqual(bytes('windows-1258'));
    expect(iconv.encode(want, 'tcvn')).toEqual(bytes('tcvn3'));
    expect(iconv.encode(want, 'viscii')).toEqual(bytes('viscii'));
  });
});
