/**
 * npm run eval:language: our language identification against plain franc (all its
 * languages, its defaults) on a labelled file, by form (Vietnamese NFC, NFD, without
 * diacritics; other languages) and by length; and our speed on sample-sized documents.
 *
 *   npm run eval:language [-- FILE]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { franc } from 'franc';
import { loadConfig, PACKAGE_ROOT } from '../src/config.js';
import { detectLanguage } from '../src/text/language.js';
import { accuracyTable, bucketOf, LENGTH_BUCKETS, parseLabelled } from '../src/text/language-eval.js';

const file = resolve(process.argv[2] ?? join(PACKAGE_ROOT, 'test', 'fixtures', 'language', 'labelled.tsv'));
const cases = parseLabelled(readFileSync(file, 'utf8'));
const rules = loadConfig().language;
const detectors: [string, (text: string) => string][] = [
  ['vnpipe detectLanguage', (t) => detectLanguage(t, rules).language],
  ['franc (defaults)', (t) => franc(t)],
];

console.log(`labelled: ${file}: ${cases.length} cases (Vietnamese items in 3 forms)\n`);
const forms = ['vie', 'vie-nfd', 'vie-plain', 'other'];
const buckets = [...LENGTH_BUCKETS.map(([lo, hi]) => bucketOf(hi === Infinity ? lo : hi)), 'all'];
for (const [name, detect] of detectors) {
  const table = accuracyTable(cases, cases.map((c) => detect(c.text)));
  console.log(name);
  console.log(`  ${'form'.padEnd(10)} ${buckets.map((b) => b.padStart(13)).join('')}`);
  for (const form of forms) {
    const cells = buckets.map((b) => {
      const cell = table.get(`${form} ${b}`);
      return (cell ? `${((100 * cell.correct) / cell.total).toFixed(1)}% ${cell.total}`.padStart(13) : '-'.padStart(13));
    });
    console.log(`  ${form.padEnd(10)} ${cells.join('')}`);
  }
  console.log();
}

// What a score threshold buys: the share of answers kept, and how many of those are right.
const ours = cases.map((c) => detectLanguage(c.text, rules));
console.log('vnpipe score thresholds (all forms): kept answers and their accuracy');
for (const t of [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]) {
  const kept = ours.map((r, i) => ({ r, c: cases[i]! })).filter(({ r }) => r.language !== 'und' && r.score >= t);
  const right = kept.filter(({ r, c }) => r.language === c.expected).length;
  console.log(`  score >= ${t.toFixed(2)}  kept ${((100 * kept.length) / cases.length).toFixed(1).padStart(5)}%  accuracy ${kept.length ? ((100 * right) / kept.length).toFixed(1) : '-'}%`);
}
console.log();

// Speed on the samples' bodies, as the pipeline calls it.
const samples = readdirSync(join(PACKAGE_ROOT, 'samples')).map((f) => readFileSync(join(PACKAGE_ROOT, 'samples', f), 'utf8'));
const runs = 2000;
const start = process.hrtime.bigint();
for (let i = 0; i < runs; i++) detectLanguage(samples[i % samples.length]!, rules);
const secs = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`speed: ${(runs / secs).toFixed(0)} documents/s on one core (sample documents, ${Math.round(samples.reduce((n, s) => n + s.length, 0) / samples.length)} characters on average)`);
