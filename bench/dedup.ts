/**
 * The cost of near-duplicate detection, on one core: MinHash signatures of real
 * articles (the samples, full length; and DANeS headlines with their leads, short), then
 * the whole dedup pass of export (text hash, signature, LSH buckets, the candidates'
 * shingle sets checked, clusters; the re-reading of candidates' files not counted), beside the text pipeline on the same articles in the same run, so that the
 * share dedup adds to a batch is a ratio of two measurements here. Medians of --runs.
 *
 *   npm run bench:dedup [-- --docs 20000 --runs 5]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, PACKAGE_ROOT } from '../src/config.js';
import { Deduplicator } from '../src/dedup/clusters.js';
import { MinHasher, shingleSet } from '../src/dedup/minhash.js';
import { processDocument } from '../src/text/pipeline.js';
import { loadEvalSet } from './dedup-data.js';
import { median, seconds } from './timing.js';

const { values } = parseArgs({ options: { docs: { type: 'string', default: '20000' }, runs: { type: 'string', default: '5' } } });
const count = Number(values.docs);
const runs = Number(values.runs);
const config = loadConfig();
const hasher = new MinHasher(config.dedup);

const samplesDir = join(PACKAGE_ROOT, 'samples');
const raw = readdirSync(samplesDir).sort().map((f) => readFileSync(join(samplesDir, f)));
const articles = raw.map((b, i) => processDocument(b, `s${i}.txt`, config).text);
const short = loadEvalSet().docs.map((d) => d.text);

function corpus(texts: string[]): string[] {
  return Array.from({ length: count }, (_, i) => texts[i % texts.length]!);
}

function report(name: string, texts: string[], fn: (texts: string[]) => void): number {
  fn(texts.slice(0, 200)); // warm-up
  const s = median(Array.from({ length: runs }, () => seconds(() => fn(texts))));
  const mb = texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6;
  console.log(`${name.padEnd(44)} ${(texts.length / s).toFixed(0).padStart(8)} docs/s  ${(mb / s).toFixed(1).padStart(6)} MB/s`);
  return texts.length / s;
}

console.log(`one core of ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown'}); ${count} documents a run, median of ${runs}`);
console.log(`MinHash ${config.dedup.bands} x ${config.dedup.rows} over ${config.dedup.ngram}-grams`);
const articleTexts = corpus(articles);
const shortTexts = corpus(short);
const sigArticles = report('signatures, news articles (samples)', articleTexts, (ts) => ts.forEach((t) => hasher.signature(t)));
report('signatures, headlines + leads (DANeS)', shortTexts, (ts) => ts.forEach((t) => hasher.signature(t)));
const pass = (ts: string[]) => {
  const d = new Deduplicator(config.dedup);
  ts.forEach((t, i) => d.add({ source: String(i), id: String(i), date: null, text: t }));
  const wanted = d.candidateDocuments();
  const sets = new Map([...wanted].map((i) => [i, shingleSet(hasher.shingles(ts[i]!)!)]));
  d.verify((i) => sets.get(i) ?? null);
  d.finish();
};
// Five articles made distinct by a number: every document a near duplicate, the worst case for the check.
const passArticles = report('dedup pass, all near duplicates (samples)', articleTexts.map((t, i) => `${t}\n\n${i}`), pass);
report('dedup pass, DANeS as crawled (6,788 docs)', short, pass);
const pipelineDocs = Math.min(count, 1000);
const inputs = Array.from({ length: pipelineDocs }, (_, i) => raw[i % raw.length]!);
const pipeline = 1 / median(Array.from({ length: Math.min(runs, 3) }, () => seconds(() => inputs.forEach((b, i) => processDocument(b, `d${i}.txt`, config))) / pipelineDocs));
console.log(`${'text pipeline (processDocument), same articles'.padEnd(44)} ${pipeline.toFixed(0).padStart(8)} docs/s`);
console.log(`\nsignatures cost ${((100 * pipeline) / sigArticles).toFixed(1)} % of the pipeline's time per article; the whole dedup pass ${((100 * pipeline) / passArticles).toFixed(1)} %`);
