/**
 * npm run eval:sentences: our sentence segmenter against a hand-split gold file,
 * side by side with ICU's (`Intl.Segmenter('vi', {granularity: 'sentence'})`).
 *
 * The gold file has one sentence per line and a blank line between paragraphs;
 * each paragraph is joined with one space and segmented again. Prints boundary
 * precision, recall and F1, speed in MB/s on one core (on the gold paragraphs and
 * on the same text as a single ~1 MB paragraph, which shows the cost is linear),
 * and up to 20 of our errors with their context.
 *
 *   npm run eval:sentences [-- FILE]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, PACKAGE_ROOT } from '../src/config.js';
import { boundaryErrors, boundaryScores, parseGold, type BoundaryScores } from '../src/text/sentence-eval.js';
import { segmentSentences } from '../src/text/sentences.js';

const MAX_ERRORS = 20;
const CONTEXT = 45;

const file = resolve(process.argv[2] ?? join(PACKAGE_ROOT, 'test', 'fixtures', 'sentences', 'gold.txt'));
const gold = parseGold(readFileSync(file, 'utf8'));
const paragraphs = gold.map((sentences) => sentences.join(' '));
const rules = loadConfig().sentences;
const icu = new Intl.Segmenter('vi', { granularity: 'sentence' });

const segmenters: [string, (paragraph: string) => string[]][] = [
  ['vnpipe segmentSentences', (p) => segmentSentences(p, rules)],
  ['Intl.Segmenter (ICU)', (p) => Array.from(icu.segment(p), (s) => s.segment)],
];

const bytes = paragraphs.reduce((n, p) => n + Buffer.byteLength(p), 0);
const big = Array(Math.ceil(1e6 / bytes)).fill(paragraphs.join(' ')).join(' ');
const sentenceCount = gold.reduce((n, s) => n + s.length, 0);

console.log(`gold: ${file}: ${sentenceCount} sentences in ${gold.length} paragraphs, ${(bytes / 1e3).toFixed(1)} kB`);
console.log(`node ${process.version}, one core\n`);
console.log(`${'segmenter'.padEnd(26)} ${'P'.padStart(6)} ${'R'.padStart(6)} ${'F1'.padStart(6)}   TP/FP/FN        MB/s  MB/s (1 MB paragraph)`);
for (const [name, segment] of segmenters) {
  const scores = boundaryScores(gold, paragraphs.map(segment));
  const speed = mbPerSecond(() => paragraphs.forEach(segment), bytes);
  const bigSpeed = mbPerSecond(() => segment(big), Buffer.byteLength(big));
  console.log(`${name.padEnd(26)} ${row(scores)}   ${speed.toFixed(1).padStart(6)}  ${bigSpeed.toFixed(1).padStart(6)}`);
}

const errors: string[] = [];
gold.forEach((sentences, i) => {
  const text = paragraphs[i]!;
  const { missed, extra } = boundaryErrors(sentences, segmentSentences(text, rules));
  for (const at of missed) errors.push(`missed: ${around(text, at)}`);
  for (const at of extra) errors.push(`extra:  ${around(text, at)}`);
});
console.log(`\nvnpipe errors: ${errors.length}${errors.length > MAX_ERRORS ? ` (first ${MAX_ERRORS})` : ''}`);
for (const e of errors.slice(0, MAX_ERRORS)) console.log(`  ${e}`);

function row(s: BoundaryScores): string {
  const counts = `${s.truePositives}/${s.falsePositives}/${s.falseNegatives}`;
  return `${s.precision.toFixed(4)} ${s.recall.toFixed(4)} ${s.f1.toFixed(4)}   ${counts.padEnd(13)}`;
}

/** The boundary at `at` marked with ‖, with some text either side. */
function around(text: string, at: number): string {
  const before = text.slice(Math.max(0, at - CONTEXT), at).trimEnd();
  const after = text.slice(at, at + CONTEXT);
  return `…${before} ‖ ${after}…`;
}

/** Mean over at least one second of runs, after a warm-up run (which is the measure when it alone takes that long). */
function mbPerSecond(run: () => void, size: number): number {
  const warmUp = seconds(run);
  if (warmUp >= 1) return size / 1e6 / warmUp;
  let reps = 0;
  let elapsed = 0;
  const start = process.hrtime.bigint();
  do {
    run();
    reps++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < 1);
  return (size * reps) / 1e6 / elapsed;
}

function seconds(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
