/**
 * Every text stage must take time linear in its input, whatever the input: a stage
 * that is quadratic on some string hangs a worker on one crafted file. For each stage
 * and each family of adversarial input this measures CPU time per KB at about 10 KB,
 * 100 KB and 1 MB and prints the ratio of 1 MB to 10 KB. A family is super-linear, and
 * the run exits 1, when that ratio is above 3 and 1 MB still costs 1.5x more per KB than
 * 100 KB (growth from 10 KB to 100 KB alone can be caches) and, when that is affordable,
 * 4 MB more than 1 MB; a stage that reads 1 MB in under 2 ms is never called super-linear. A family that grows 3x by 100 KB and whose 1 MB run would take over
 * 30 s if quadratic is reported without running it.
 *
 *   npm run bench:adversarial [-- --stage sentences --family run-of-[]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, PACKAGE_ROOT } from '../src/config.js';
import { stripBoilerplate } from '../src/text/boilerplate.js';
import { decode } from '../src/text/decode.js';
import { detectLanguage } from '../src/text/language.js';
import { splitLines } from '../src/text/lines.js';
import { extractMetadata } from '../src/text/metadata.js';
import { normalizeText } from '../src/text/normalize.js';
import { processDocument } from '../src/text/pipeline.js';
import { segmentSentences } from '../src/text/sentences.js';
import { placeToneMarks } from '../src/text/tone.js';

const { values } = parseArgs({ options: { stage: { type: 'string' }, family: { type: 'string' } } });
const config = loadConfig();
const SUPER_LINEAR = 3;
// Below this a stage reads 1 MB in under 2 ms: a ratio of such small times measures
// memory traffic (copying the string), not the stage's algorithm.
const NEGLIGIBLE_PER_KB = 2e-6;
// 1 MB must cost this much more per KB than 100 KB as well (10x for a quadratic stage).
const GROWTH = 1.5;
const MAX_RUN_SECONDS = 30;

// Real Vietnamese sentences (the sentence gold set): the texts the stages are built for.
const REAL = readFileSync(join(PACKAGE_ROOT, 'test/fixtures/sentences/gold.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '');

/** `unit` repeated to `size` characters. */
const run = (unit: string) => (size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
/** A deterministic pseudo-random source, so that both sizes see the same kind of text. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
}
function pick(next: () => number, size: number, piece: (r: () => number) => string, separator = ''): string {
  const parts: string[] = [];
  for (let n = 0; n < size; ) {
    const p = piece(next);
    parts.push(p);
    n += p.length + separator.length;
  }
  return parts.join(separator).slice(0, size);
}

/** Input families that break regular expressions and parsers: text of about `size` characters. */
const FAMILIES: Record<string, (size: number) => string> = {
  'run-of-[': run('['),
  'run-of-(': run('('),
  'run-of-)': run(')'),
  'run-of-*': run('*'),
  'run-of-.': run('.'),
  'run-of-space': (size) => `a${' '.repeat(size - 2)}b`,
  'run-of-digits': run('0123456789'),
  'run-of-combining-marks': (size) => `a${'\u0301\u0323\u0309'.repeat(size / 3)}`,
  'astral-marks-in-a-word': (size) => `hoà${'\u{1D167}\u{1D16D}'.repeat(size / 4)}`,
  'run-of-Ảnh:': run('Ảnh: '),
  'run-of-quotes': run('"“”\''),
  'run-of-&#': run('&#'),
  'run-of-|': run('1:00 | '),
  'run-of-initials': run('A. '),
  'run-of-dots-space': run('. '),
  'run-of-(Ảnh': run('(Ảnh: '),
  'run-of-![': run('!['),
  'unclosed-links': run('[a](http://x '),
  'links-without-target': run('[a]('),
  'nested-brackets': (size) => `${'['.repeat(size / 2)}${']'.repeat(size / 2)}`,
  'nested-parens': (size) => `${'('.repeat(size / 2)}${')'.repeat(size / 2)}`,
  'one-huge-line': (size) => pick(random(1), size, (r) => REAL[Math.floor(r() * REAL.length)]!, ' '),
  'one-huge-word': (size) => pick(random(2), size, (r) => REAL[Math.floor(r() * REAL.length)]!.replace(/\s+/g, '')),
  'many-blank-lines': (size) => `a${'\n'.repeat(size - 2)}b`,
  'lines-and-gaps': run('Ảnh\n\n\n'),
  'front-matter-lines': (size) => `---\n${run('title: "a\\"b"\n')(size - 4)}`,
  'random-unicode': (size) => pick(random(3), size, (r) => String.fromCharCode(Math.floor(r() * 0x10000))),
  'random-bmp-letters': (size) => pick(random(4), size, (r) => String.fromCharCode(0x20 + Math.floor(r() * 0x2000))),
  'real-lines': (size) => pick(random(5), size, (r) => REAL[Math.floor(r() * REAL.length)]!, '\n\n'),
  'real-lines-nfd': (size) => pick(random(6), size, (r) => REAL[Math.floor(r() * REAL.length)]!.normalize('NFD'), '\n'),
  'real-with-noise': (size) =>
    pick(random(7), size, (r) => (r() < 0.5 ? REAL[Math.floor(r() * REAL.length)]! : '[(*."“&#|\n'.repeat(1 + Math.floor(r() * 20)))),
};

type Stage = (text: string) => unknown;
const toneStyle = config.normalize.toneStyle === 'keep' ? 'old' : config.normalize.toneStyle;
/** Each stage fed the text the way the pipeline feeds it, or rawer. */
const STAGES: Record<string, Stage> = {
  decode: (text) => decodeOrRefuse(Buffer.from(text)),
  // The low byte of each character: bytes that are not UTF-8 go through legacy detection.
  'decode-8bit': (text) => decodeOrRefuse(Buffer.from(text, 'latin1')),
  normalize: (text) => normalizeText(text, config.normalize.toneStyle),
  tone: (text) => placeToneMarks(text, toneStyle),
  metadata: (text) => extractMetadata(splitLines(text), config.metadata.timezone),
  boilerplate: (text) => stripBoilerplate(splitLines(text), config.boilerplate),
  language: (text) => detectLanguage(text, config.language),
  // A paragraph holds no blank line; one long paragraph is the hardest case.
  sentences: (text) => segmentSentences(text, config.sentences),
  pipeline: (text) => decodeOrRefuse(Buffer.from(text), (b) => processDocument(b, 'adversarial.txt', config)),
};

/** Binary-looking text is refused as `not-text`, quickly: that is an answer too. */
function decodeOrRefuse(bytes: Buffer, stage: (b: Buffer) => unknown = (b) => decode(b, config.decode)): unknown {
  try {
    return stage(bytes);
  } catch (err) {
    if ((err as { name?: string }).name === 'DocumentError') return err;
    throw err;
  }
}

/** CPU seconds of this process: unlike the clock, it does not count the time other processes on a shared machine take. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * CPU seconds per KB: the best of `batches` batches, each running the stage enough times
 * to take about 20 ms (the CPU clock counts in microseconds).
 */
function perKb(stage: Stage, text: string, batches: number): number {
  const first = cpuSeconds();
  stage(text);
  const repetitions = Math.max(1, Math.ceil(0.02 / Math.max(cpuSeconds() - first, 1e-6)));
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    const start = cpuSeconds();
    for (let r = 0; r < repetitions; r++) stage(text);
    best = Math.min(best, (cpuSeconds() - start) / repetitions);
  }
  return best / (text.length / 1024);
}

/** The text as one flat string, as a file's decoded text is (not a rope of repeats, which V8 reads slower). */
function flat(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}

const stages = Object.entries(STAGES).filter(([name]) => !values.stage || name === values.stage);
const families = Object.entries(FAMILIES).filter(([name]) => !values.family || name === values.family);
const failures: string[] = [];
const fmt = (s: number) => `${(s * 1e6).toFixed(1).padStart(9)} µs/KB`;
console.log(`CPU time per KB at 10 KB, 100 KB and 1 MB; super-linear when 1 MB is over ${SUPER_LINEAR}x 10 KB and still growing. Node ${process.version}`);
for (const [stageName, stage] of stages) {
  for (const [familyName, make] of families) {
    const small = perKb(stage, flat(make(10 * 1024)), 5);
    const middle = perKb(stage, flat(make(100 * 1024)), 3);
    const label = `${stageName.padEnd(12)} ${familyName.padEnd(24)} ${fmt(small)} ${fmt(middle)}`;
    // Quadratic from 100 KB on, 1 MB would take this long: past MAX_RUN_SECONDS it is not run.
    const quadraticSeconds = middle * 1024 * 10 * Math.max(1, middle / small) * 4;
    if (middle > NEGLIGIBLE_PER_KB && middle / small > SUPER_LINEAR && quadraticSeconds > MAX_RUN_SECONDS) {
      failures.push(`${stageName} ${familyName}`);
      console.log(`${label}  (1 MB not run)  ratio ${(middle / small).toFixed(1).padStart(6)}x at 100 KB  SUPER-LINEAR`);
      continue;
    }
    const large = perKb(stage, flat(make(1024 * 1024)), 3);
    const ratio = large / small;
    // A step in cost per KB can be the string outgrowing a cache; an algorithm keeps
    // growing: 1 MB must cost more per KB than 100 KB, and 4 MB (when affordable) than 1 MB.
    let superLinear = ratio > SUPER_LINEAR && large / middle > GROWTH && large > NEGLIGIBLE_PER_KB;
    let note = '';
    if (superLinear && large * 4096 * 4 < MAX_RUN_SECONDS) {
      const huge = perKb(stage, flat(make(4 * 1024 * 1024)), 2);
      superLinear = huge / large > GROWTH;
      note = `  (4 MB: ${fmt(huge).trim()})`;
    }
    if (superLinear) failures.push(`${stageName} ${familyName}`);
    console.log(`${label} ${fmt(large)}  ratio ${ratio.toFixed(1).padStart(6)}x${superLinear ? '  SUPER-LINEAR' : ''}${note}`);
  }
}
if (failures.length > 0) {
  console.log(`\n${failures.length} super-linear: ${failures.join(', ')}`);
  process.exitCode = 1;
} else {
  console.log(`\nall ${stages.length * families.length} stage/family pairs linear`);
}
