/**
 * npm run bench: in-process throughput of the text pipeline on one core, against a
 * floor (decode + NFC + SHA-256 + JSON, the least any such tool does), and the time
 * each stage takes. Prints docs/s and MB/s with the machine's core count.
 *
 *   npm run bench [-- --docs N]
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
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

const { values } = parseArgs({ options: { docs: { type: 'string', default: '20000' } } });
const count = Number(values.docs);
const config = loadConfig();

/** Sample-like documents with variation: the samples with their paragraphs rotated and a numbered sentence added. */
function corpus(n: number): Buffer[] {
  const dir = join(PACKAGE_ROOT, 'samples');
  const samples = readdirSync(dir).sort().map((f) => readFileSync(join(dir, f), 'utf8'));
  const docs: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const paras = samples[i % samples.length]!.split('\n\n');
    const head = paras.slice(0, 3);
    const body = paras.slice(3);
    const k = body.length > 0 ? i % body.length : 0;
    const rotated = [...body.slice(k), ...body.slice(0, k)];
    docs.push(Buffer.from([...head, `Văn bản số ${i} được ban hành ngày ${(i % 28) + 1}/3/2024.`, ...rotated].join('\n\n')));
  }
  return docs;
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function rate(label: string, seconds: number, docs: number, bytes: number): void {
  console.log(`${label.padEnd(34)} ${(docs / seconds).toFixed(0).padStart(7)} docs/s ${(bytes / 1e6 / seconds).toFixed(2).padStart(7)} MB/s`);
}

const docs = corpus(count);
const bytes = docs.reduce((n, d) => n + d.length, 0);
console.log(`vnpipe bench: ${count} documents, ${(bytes / 1e6).toFixed(1)} MB, one core of ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}`);

// Warm up the JIT so the first measurement is not the compiler's.
for (const d of docs.slice(0, 500)) processDocument(d, 'warmup.txt', config);

const utf8 = new TextDecoder();
const floor = time(() => {
  for (const d of docs) {
    const text = utf8.decode(d).normalize('NFC');
    JSON.stringify({ id: createHash('sha256').update(d).digest('hex'), text });
  }
});
const full = time(() => {
  for (let i = 0; i < docs.length; i++) JSON.stringify(processDocument(docs[i]!, `doc-${i}.txt`, config));
});

const stages: Record<string, number> = { decode: 0, normalize: 0, metadata: 0, boilerplate: 0, language: 0, sentences: 0 };
for (const d of docs) {
  let text = '';
  stages.decode! += time(() => (text = decode(d, config.decode).text));
  let lines = splitLines('');
  stages.normalize! += time(() => (lines = splitLines(normalizeText(text))));
  let body = lines;
  stages.metadata! += time(() => (body = extractMetadata(lines, config.metadata.timezone).lines));
  let paragraphs: string[] = [];
  stages.boilerplate! += time(() => (paragraphs = stripBoilerplate(body, config.boilerplate).paragraphs));
  stages.language! += time(() => detectLanguage(paragraphs.join('\n\n'), config.language));
  stages.sentences! += time(() => paragraphs.forEach((p) => segmentSentences(p, config.sentences)));
}

rate('floor (decode+NFC+sha256+JSON)', floor, count, bytes);
rate('full pipeline + JSON', full, count, bytes);
console.log(`full / floor throughput: ${(floor / full).toFixed(2)}`);
console.log('per stage (share of the stage sum):');
const sum = Object.values(stages).reduce((a, b) => a + b, 0);
for (const [name, s] of Object.entries(stages)) {
  console.log(`  ${name.padEnd(12)} ${((s / count) * 1e6).toFixed(1).padStart(8)} µs/doc  ${((100 * s) / sum).toFixed(1).padStart(5)} %`);
}
