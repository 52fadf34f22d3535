import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DocumentError, type FailureReason } from '../../src/errors.js';
import { stripBoilerplate } from '../../src/text/boilerplate.js';
import { decode, ENCODINGS } from '../../src/text/decode.js';
import { detectLanguage } from '../../src/text/language.js';
import { LEGACY_ENCODINGS } from '../../src/text/legacy-encodings.js';
import { splitLines } from '../../src/text/lines.js';
import { extractMetadata } from '../../src/text/metadata.js';
import { normalizeText } from '../../src/text/normalize.js';
import { processDocument } from '../../src/text/pipeline.js';
import { segmentSentences } from '../../src/text/sentences.js';
import { placeToneMarks } from '../../src/text/tone.js';

// Property tests over adversarial strings: every stage answers (or refuses with a
// DocumentError) and its answer is well formed. Speed on long inputs is the business of
// `npm run bench:adversarial`; inputs here stay under 2 KB so that 10,000 runs per stage
// fit in seconds. FUZZ_SEED replays a failure that fast-check reports.
const RUNS = 10_000;
const MAX_CHARS = 2000;
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 21;
const settings = { numRuns: RUNS, seed };

const config = loadConfig();
const REAL_LINES = readFileSync(new URL('../fixtures/sentences/gold.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');

// What breaks regular expressions and parsers: brackets, terminators, marks, entities,
// caption and list cues, line breaks of every kind, invisible and control characters,
// lone surrogates.
const TRICKY = [
  '[', ']', '(', ')', '*', '.', ' ', '\n', '0', '7', '\u0300', '\u0301', '\u0303', '\u0309', '\u0323', '\u0302', 'Ảnh: ', '(Ảnh: ',
  '"', '“', '”', "'", '‘', '’', '«', '»', '!', '?', '…', '...', '|', ':', ';', ',', '&', '&#', '&amp;', '&nbsp;', '&#x301;', '#',
  '-', '–', '—', '\t', '\r', '\r\n', '\u000b', '\f', '\u2028', '\u00a0', '\u2003', '\u200b', '\u00ad', '\ufeff', '\u0000', '\u0001',
  '\u007f', '\ud800', '\udfff', '\u{1d167}', 'đ', 'Đ', 'ð', 'Ð', 'hòa', 'thuỷ', 'A. ', 'TP.', 'Nguyễn Văn H. ', 'http://',
  '](http://x.vn/a)', '![', '[a](', '---', 'title: ', 'date ', '15:00 | 28/10/2022 | ', '\n\n\n', 'Tin liên quan', 'leftcenterrightdel',
];
const trickyUnit = fc.constantFrom(...TRICKY);
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const realLine = fc.constantFrom(...REAL_LINES);

const longRun = fc.tuple(trickyUnit, fc.integer({ min: 2, max: 600 })).map(([unit, n]) => unit.repeat(n));
const nested = fc
  .tuple(fc.constantFrom('[]', '()', '“”', '«»', '[(', '(['), fc.integer({ min: 1, max: 300 }), fc.constantFrom('', 'x', 'Ảnh: TTXVN'))
  .map(([pair, n, inside]) => `${pair[0]!.repeat(n)}${inside}${pair[1]!.repeat(n)}`);
const randomText = fc.string({ unit: fc.oneof(anyCodeUnit, anyCodePoint, trickyUnit), maxLength: 200 });
const blankLines = fc.integer({ min: 1, max: 300 }).map((n) => '\n'.repeat(n));
const hugeLine = fc.array(realLine, { minLength: 2, maxLength: 15 }).map((lines) => lines.join(' '));
const damagedLine = fc
  .tuple(realLine, fc.nat(), trickyUnit, fc.integer({ min: 1, max: 50 }))
  .map(([line, at, unit, n]) => line.slice(0, at % (line.length + 1)) + unit.repeat(n) + line.slice(at % (line.length + 1)));
const piece = fc.oneof(
  { arbitrary: realLine, weight: 3 },
  { arbitrary: damagedLine, weight: 3 },
  { arbitrary: longRun, weight: 3 },
  { arbitrary: nested, weight: 1 },
  { arbitrary: randomText, weight: 2 },
  { arbitrary: blankLines, weight: 1 },
  { arbitrary: hugeLine, weight: 1 },
  { arbitrary: trickyUnit, weight: 2 },
);
/** Up to MAX_CHARS code units of adversarial pieces, real Vietnamese lines among them. */
const adversarialText = fc
  .array(fc.tuple(piece, fc.constantFrom('', '', ' ', '\n', '\n\n')), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.map(([p, sep]) => p + sep).join('').slice(0, MAX_CHARS));
/** Bytes as files come: UTF-8 (with and without BOM), UTF-16, legacy 8-bit encodings, or noise. */
const adversarialBytes = fc.oneof(
  { arbitrary: adversarialText.map((t) => Buffer.from(t)), weight: 4 },
  { arbitrary: adversarialText.map((t) => Buffer.from(`\ufeff${t}`)), weight: 1 },
  { arbitrary: adversarialText.map((t) => Buffer.from(`\ufeff${t}`, 'utf16le')), weight: 1 },
  { arbitrary: adversarialText.map((t) => Buffer.from(t, 'latin1')), weight: 1 },
  {
    arbitrary: fc
      .tuple(adversarialText, fc.constantFrom('tcvn', 'windows1258', 'viscii'))
      .map(([t, encoding]) => iconv.encode(t, encoding)),
    weight: 2,
  },
  { arbitrary: fc.uint8Array({ maxLength: MAX_CHARS }).map((b) => Buffer.from(b)), weight: 1 },
);

/** Runs `stage`; a DocumentError is an answer when its reason is one of `allowed`. */
function answerOrRefusal<T>(stage: () => T, allowed: FailureReason[]): T | DocumentError {
  try {
    return stage();
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    check(allowed.includes(err.reason), `refused as ${err.reason}: ${err.message}`);
    return err;
  }
}

/** A property that does not hold; plain checks, since expect() on every item would cost more than the stages. */
function check(holds: boolean, what: string): void {
  if (!holds) throw new Error(what);
}

const isNfc = (s: string) => s === s.normalize('NFC');
const TONE_MARKS = /[\u0300\u0301\u0303\u0309\u0323]/g;
const withoutTones = (s: string) => s.normalize('NFD').replace(TONE_MARKS, '');
const INPUT_REFUSALS: FailureReason[] = ['empty', 'not-text', 'undecodable'];

describe('text stages on 10,000 adversarial inputs each', () => {
  it('decode: text that is not empty, a known encoding, confidence in 0..1; or not-text, undecodable, empty', () => {
    fc.assert(
      fc.property(adversarialBytes, (bytes) => {
        const out = answerOrRefusal(() => decode(bytes, config.decode), INPUT_REFUSALS);
        if (out instanceof DocumentError) return;
        check(out.text.trim() !== '', 'empty text');
        check(ENCODINGS.includes(out.encoding), `encoding ${out.encoding}`);
        check(out.confidence >= 0 && out.confidence <= 1, `confidence ${out.confidence}`);
        check(Number.isInteger(out.replacements) && out.replacements >= 0, `replacements ${out.replacements}`);
        // Legacy text is promised in NFC.
        if ((LEGACY_ENCODINGS as readonly string[]).includes(out.encoding)) check(isNfc(out.text), 'legacy text not NFC');
      }),
      settings,
    );
  });

  it('normalizeText: NFC, one kind of space and line break, trimmed lines, at most two blank lines in a row', () => {
    fc.assert(
      fc.property(adversarialText, fc.constantFrom('old', 'new', 'keep') as fc.Arbitrary<'old' | 'new' | 'keep'>, (text, tones) => {
        const out = normalizeText(text, tones);
        check(isNfc(out), 'not NFC');
        check(!/[\r\t\u000b\f\u00a0\u2028\u2029\u200b\ufeff\u00ad\u0000-\u0008\u000e-\u001f\u007f]/.test(out), 'a character that should be gone');
        check(!/ {2}| \n|\n |\n{4}/.test(out) && out === out.trim(), 'layout not folded');
        // Entities decode once by design (`&amp;lt;` is `&lt;`); all else is settled in one pass.
        if (!text.includes('&')) check(normalizeText(out, tones) === out, 'a second pass changes the text');
      }),
      settings,
    );
  });

  it('placeToneMarks: moves marks only, within a word, and a second pass changes nothing', () => {
    fc.assert(
      fc.property(adversarialText, fc.constantFrom('old', 'new') as fc.Arbitrary<'old' | 'new'>, (raw, style) => {
        const text = normalizeText(raw, 'keep');
        const out = placeToneMarks(text, style);
        if (out === text) return;
        check(out.length === text.length, 'length changed');
        check(withoutTones(out) === withoutTones(text), 'letters changed');
        check(out.normalize('NFD').match(TONE_MARKS)?.length === text.normalize('NFD').match(TONE_MARKS)?.length, 'marks added or lost');
        check(isNfc(out), 'not NFC');
        check(placeToneMarks(out, style) === out, 'a second pass moves marks again');
      }),
      settings,
    );
  });

  it('extractMetadata: keeps input lines, dates in ISO 8601 or null, a URL site or null', () => {
    fc.assert(
      fc.property(adversarialText, (raw) => {
        const lines = splitLines(normalizeText(raw, 'old'));
        const { header, lines: body, removed } = extractMetadata(lines, config.metadata.timezone);
        check(body.length <= lines.length, 'lines added');
        // A dateline's lead stays as the first line: the rest of its input line.
        for (const line of body) check(lines.some((l) => l.text === line.text || l.text.endsWith(line.text)), `line not in the input: ${line.text}`);
        if (header.date !== null) check(/^\d{4}-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2}))?)?$/.test(header.date), `date ${header.date}`);
        for (const r of removed) check(r.text !== '', `empty removal ${r.reason}`);
      }),
      settings,
    );
  });

  it('stripBoilerplate: trimmed one-line paragraphs cut from the input lines', () => {
    fc.assert(
      fc.property(adversarialText, (raw) => {
        const lines = splitLines(normalizeText(raw, 'old'));
        const out = stripBoilerplate(lines, config.boilerplate);
        const input = lines.map((l) => l.text).join('\n');
        for (const p of out.paragraphs) {
          check(p !== '' && p === p.trim() && !p.includes('\n'), `paragraph ${JSON.stringify(p)}`);
          // Without link syntax a paragraph is made of the input's words (an inline
          // caption may be cut out of a line, joining what stood around it).
          if (!lines.some((l) => l.text.includes(']('))) for (const word of p.split(' ')) check(input.includes(word), `${word} is not in the input`);
        }
        for (const c of out.captions) check(typeof c.text === 'string', 'caption without text');
      }),
      settings,
    );
  });

  it('detectLanguage: a language code or und, scores in 0..1, one label per paragraph', () => {
    fc.assert(
      fc.property(adversarialText, (raw) => {
        const text = normalizeText(raw, 'old');
        const out = detectLanguage(text, config.language);
        check(/^(?:und|[a-z]{3})$/.test(out.language), `language ${out.language}`);
        check(out.paragraphs.length === text.split('\n\n').length, 'not one label per paragraph');
        for (const label of [out, ...out.paragraphs]) check(label.score >= 0 && label.score <= 1, `score ${label.score}`);
      }),
      settings,
    );
  });

  it('segmentSentences: trimmed sentences that are the paragraph in order, nothing lost', () => {
    fc.assert(
      fc.property(adversarialText, (raw) => {
        const sentences = segmentSentences(raw, config.sentences);
        let from = 0;
        for (const s of sentences) {
          check(s !== '' && s === s.trim(), `sentence ${JSON.stringify(s)}`);
          const at = raw.indexOf(s, from);
          check(at >= from && raw.slice(from, at).trim() === '', `sentence not next in the paragraph: ${s}`);
          from = at + s.length;
        }
        check(raw.slice(from).trim() === '', 'text after the last sentence');
      }),
      settings,
    );
  });

  it('processDocument: a well-formed document, or a refusal of the input (never internal-error)', () => {
    fc.assert(
      fc.property(adversarialBytes, (bytes) => {
        const doc = answerOrRefusal(() => processDocument(bytes, 'fuzz/adversarial.txt', config), INPUT_REFUSALS);
        if (doc instanceof DocumentError) return;
        check(/^[0-9a-f]{32}$/.test(doc.id) && doc.metadata.bytes === bytes.length, 'id or size');
        check(isNfc(doc.text), 'text not NFC');
        check(doc.text === doc.text.trim() && !/\n{3}/.test(doc.text), 'text layout');
        for (const s of doc.sentences) check(s !== '' && doc.text.includes(s), `sentence not in the text: ${s}`);
        check(doc.metadata.languageScore >= 0 && doc.metadata.languageScore <= 1, `language score ${doc.metadata.languageScore}`);
      }),
      settings,
    );
  });
});
