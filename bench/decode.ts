/**
 * Decode throughput on one core: decode() + NFC per document against the floor
 * `buffer.toString('utf8').normalize('NFC')`, for UTF-8, NFD UTF-8 (what macOS writes),
 * UTF-8 mojibake and TCVN3. Detection must keep UTF-8 within 2x of the floor.
 * Documents are the samples, repeated. Medians of --runs runs.
 *
 *   npm run build --silent && node dist/bench/decode.js [--docs 20000 --runs 5]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import iconv from 'iconv-lite';
import { loadConfig, PACKAGE_ROOT } from '../src/config.js';
import { decode } from '../src/text/decode.js';
import { median, seconds } from './timing.js';

const { values } = parseArgs({ options: { docs: { type: 'string', default: '20000' }, runs: { type: 'string', default: '5' } } });
const count = Number(values.docs);
const runs = Number(values.runs);
const options = loadConfig().decode;

const samplesDir = join(PACKAGE_ROOT, 'samples');
const samples = readdirSync(samplesDir).sort().map((f) => readFileSync(join(samplesDir, f), 'utf8'));
// TCVN3 holds neither typographic quotes and dashes nor (as VN3) much else: ASCII for them.
const ascii = (t: string) => t.replace(/[\u201c\u201d]/g, '"').replace(/\u2013/g, '-').replace(/\u2026/g, '...');

function corpus(encode: (text: string) => Buffer): Buffer[] {
  const docs = samples.map(encode);
  return Array.from({ length: count }, (_, i) => docs[i % docs.length]!);
}

function measure(docs: Buffer[], fn: (b: Buffer) => string): number {
  fn(docs[0]!); // warm-up of the code paths
  return median(Array.from({ length: runs }, () => seconds(() => docs.forEach((d) => fn(d)))));
}

const floor = (b: Buffer) => b.toString('utf8').normalize('NFC');
const decoded = (b: Buffer) => decode(b, options).text.normalize('NFC');

const cases: [string, Buffer[]][] = [
  ['UTF-8 (NFC)', corpus((t) => Buffer.from(t))],
  ['UTF-8 (NFD)', corpus((t) => Buffer.from(t.normalize('NFD')))],
  ['UTF-8 mojibake (read as Latin-1, saved as UTF-8)', corpus((t) => Buffer.from(Buffer.from(t).toString('latin1')))],
  ['TCVN3', corpus((t) => iconv.encode(ascii(t), 'tcvn'))],
];

console.log(`decode + NFC, one core (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${count} documents, median of ${runs} runs`);
for (const [label, docs] of cases) {
  const bytes = docs.reduce((n, d) => n + d.length, 0);
  const floorSecs = measure(docs, floor);
  const secs = measure(docs, decoded);
  const mbs = (s: number) => (bytes / 1e6 / s).toFixed(1).padStart(7);
  console.log(`${label.padEnd(50)} floor ${mbs(floorSecs)} MB/s   decode ${mbs(secs)} MB/s   ratio ${(secs / floorSecs).toFixed(2)}x`);
}
