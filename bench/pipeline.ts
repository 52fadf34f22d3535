/**
 * npm run bench: throughput on this machine, in one run, against a floor.
 *
 *  1. floor: read + NFC + one regex + SHA-256 + JSON written atomically, the least any
 *     such tool does;
 *  2. the full pipeline in-process on one core (read, stages, JSON, atomic write), the
 *     time per stage, and per KB on a 10 KB and a 1 MB document (linearity);
 *  3. the full pipeline through the queue, enqueue to last output, with one worker
 *     process and with two (one thread each), on a private redis-server;
 *  4. the ratios: full/floor, queue/in-process, two workers/one worker.
 *
 * Each run measures the four in turn, after a sync; the figures are medians of --runs
 * runs, and each ratio the median of the runs' own ratios. Prints docs/s and MB/s with the core count
 * and Node version.
 *
 *   npm run bench [-- --docs 20000 --runs 3]
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigWithSource, PACKAGE_ROOT } from '../src/config.js';
import { OutputFolder, readDocument } from '../src/io/files.js';
import { enqueueFolder } from '../src/queue/producer.js';
import { PIPELINE } from '../src/stages/index.js';
import { processDocument, processDocumentTimed } from '../src/text/pipeline.js';
import { untilFinished, withPrivateQueue } from './private-queue.js';
import { median, seconds } from './timing.js';

const { values } = parseArgs({ options: { docs: { type: 'string', default: '20000' }, runs: { type: 'string', default: '3' } } });
const count = Number(values.docs);
const runs = Number(values.runs);
const { config, raw } = loadConfigWithSource();

/** Sample-like documents with variation: the samples with their paragraphs rotated and a numbered sentence added. */
function writeCorpus(n: number): { dir: string; paths: string[]; bytes: number } {
  const samplesDir = join(PACKAGE_ROOT, 'samples');
  const samples = readdirSync(samplesDir).sort().map((f) => readFileSync(join(samplesDir, f), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'vnpipe-bench-'));
  const paths: string[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const paras = samples[i % samples.length]!.split('\n\n');
    const head = paras.slice(0, 3);
    const body = paras.slice(3);
    const k = body.length > 0 ? i % body.length : 0;
    const text = [...head, `Văn bản số ${i} được ban hành ngày ${(i % 28) + 1}/3/2024.`, ...body.slice(k), ...body.slice(0, k)].join('\n\n');
    const sub = join(dir, `d${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) mkdirSync(sub);
    const path = join(sub, `${i}.txt`);
    writeFileSync(path, text);
    paths.push(path);
    bytes += Buffer.byteLength(text);
  }
  return { dir, paths, bytes };
}

function line(label: string, secs: number, bytes: number): string {
  return `${label.padEnd(52)} ${(count / secs).toFixed(0).padStart(7)} docs/s ${(bytes / 1e6 / secs).toFixed(2).padStart(7)} MB/s`;
}

function floorRun(paths: string[], out: string): number {
  const utf8 = new TextDecoder();
  const output = new OutputFolder(out);
  return seconds(() => {
    for (let i = 0; i < paths.length; i++) {
      const bytes = readFileSync(paths[i]!);
      const text = utf8.decode(bytes).normalize('NFC').replace(/[ \t\u00a0]+/g, ' ');
      output.write(join(out, `${i}.json`), JSON.stringify({ id: createHash('sha256').update(bytes).digest('hex'), text }));
    }
  });
}

/** µs per KB of each stage on one document of `kb` KB: a stage that grows faster than linearly shows here. */
function perKb(kb: number): Record<string, number> {
  const samplesDir = join(PACKAGE_ROOT, 'samples');
  // The VTC sample: no footer, so every copy stays body.
  const sample = readFileSync(join(samplesDir, readdirSync(samplesDir).sort()[2]!), 'utf8');
  // Numbered copies, so that no paragraph repeats (repeats would be removed as duplicates).
  let text = '';
  for (let k = 0; Buffer.byteLength(text) < kb * 1024; k++) {
    text += `${sample.split('\n').map((l) => (l.length > 40 ? `Đoạn ${k}: ${l}` : l)).join('\n')}\n\n`;
  }
  const bytes = Buffer.from(text);
  const result: Record<string, number> = {};
  const dir = mkdtempSync(join(tmpdir(), 'vnpipe-bench-kb-'));
  writeFileSync(join(dir, 'doc.txt'), bytes);
  const reps = Math.max(1, Math.round(2000 / kb));
  const { stages } = inProcessRun(Array.from({ length: reps }, () => join(dir, 'doc.txt')), dir);
  for (const [name, s] of Object.entries(stages)) result[name] = (s / reps / (bytes.length / 1024)) * 1e6;
  rmSync(dir, { recursive: true, force: true });
  return result;
}

function inProcessRun(paths: string[], out: string): { total: number; stages: Record<string, number> } {
  const output = new OutputFolder(out);
  const stages: Record<string, number> = { read: 0, ...Object.fromEntries(PIPELINE.map((s) => [s.name, 0])), 'JSON+write': 0 };
  const total = seconds(() => {
    for (let i = 0; i < paths.length; i++) {
      const doc = processDocument(readDocument(paths[i]!, config.limits.maxFileBytes), `${i}.txt`, config);
      output.write(join(out, `${i}.json`), `${JSON.stringify(doc)}\n`);
    }
  });
  // The same work stage by stage, from the declared pipeline's own timings (the sum is a little above the total).
  for (let i = 0; i < paths.length; i++) {
    let bytes: Buffer = Buffer.alloc(0);
    stages.read! += seconds(() => (bytes = readDocument(paths[i]!, config.limits.maxFileBytes)));
    const { doc, timings } = processDocumentTimed(bytes, `${i}.txt`, config);
    for (const [name, ms] of Object.entries(timings)) stages[name] = (stages[name] ?? 0) + ms / 1000;
    stages['JSON+write']! += seconds(() => output.write(join(out, `s${i}.json`), `${JSON.stringify(doc)}\n`));
  }
  return { total, stages };
}

/** Enqueue to last output through a private Redis with `workers` worker processes of one thread. */
async function queueRun(input: string, out: string, workers: number): Promise<{ secs: number; peakRssMb: number }> {
  return withPrivateQueue(workers, 1, async ({ queue, batches, workers: children }) => {
    // Workers start before the clock: their start-up is not throughput.
    await new Promise((r) => setTimeout(r, 1500));
    settle();
    let peakRssMb = 0;
    const start = process.hrtime.bigint();
    const { batchId } = await enqueueFolder(queue, batches, { root: input, out, rawConfig: raw, config });
    await untilFinished(batches, batchId, () => {
      for (const c of children) peakRssMb = Math.max(peakRssMb, rssMb(c.pid!));
    });
    return { secs: Number(process.hrtime.bigint() - start) / 1e9, peakRssMb };
  }, out);
}

/** Writes dirty pages out, so the next measurement starts with a quiet disk. */
function settle(): void {
  execFileSync('sync');
}

function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

const corpus = writeCorpus(count);
const outs: string[] = [];
function freshOut(): string {
  outs.push(mkdtempSync(join(tmpdir(), 'vnpipe-bench-out-')));
  return outs.at(-1)!;
}
console.log(
  `vnpipe bench: ${count} documents, ${(corpus.bytes / 1e6).toFixed(1)} MB, median of ${runs} runs; ` +
    `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}`,
);
try {
  // Warm the JIT and the page cache so the first measurement is not theirs.
  const warm = freshOut();
  inProcessRun(corpus.paths.slice(0, 1000), warm);
  floorRun(corpus.paths, warm);

  // Each run measures all four in turn, each after a sync: a measurement neither pays
  // for the previous one's dirty pages nor runs later on a busier disk than the others.
  // Outputs stay until the end: on ext4, deleting tens of thousands of files makes the
  // next tens of thousands of writes cost several times the system time, so deleting
  // between measurements would slow every later one.
  const floors: number[] = [];
  const fulls: number[] = [];
  const one: number[] = [];
  const two: number[] = [];
  let stages: Record<string, number> = {};
  let peakRssMb = 0;
  for (let r = 0; r < runs; r++) {
    const floorOut = freshOut();
    settle();
    floors.push(floorRun(corpus.paths, floorOut));
    const out = freshOut();
    settle();
    const result = inProcessRun(corpus.paths, out);
    fulls.push(result.total);
    stages = result.stages;
    for (const [workers, times] of [[1, one], [2, two]] as const) {
      const { secs, peakRssMb: rss } = await queueRun(corpus.dir, freshOut(), workers);
      times.push(secs);
      peakRssMb = Math.max(peakRssMb, rss);
    }
  }

  const floor = median(floors);
  const full = median(fulls);
  console.log(line('1. floor: read + NFC + space regex + SHA-256 + JSON write', floor, corpus.bytes));
  console.log(line('2. full pipeline in-process, one core', full, corpus.bytes));
  const sum = Object.values(stages).reduce((a, b) => a + b, 0);
  for (const [name, s] of Object.entries(stages)) {
    console.log(`     ${name.padEnd(12)} ${((s / count) * 1e6).toFixed(1).padStart(8)} µs/doc ${((100 * s) / sum).toFixed(1).padStart(6)} %`);
  }
  const small = perKb(10);
  const large = perKb(1024);
  console.log('   linearity: µs per KB on a 10 KB and a 1 MB document');
  for (const name of Object.keys(small)) {
    console.log(`     ${name.padEnd(12)} ${small[name]!.toFixed(2).padStart(8)} ${large[name]!.toFixed(2).padStart(8)}  x${(large[name]! / small[name]!).toFixed(2)}`);
  }
  console.log(line('3. through the queue, 1 worker process x 1 thread', median(one), corpus.bytes));
  console.log(line('   through the queue, 2 worker processes x 1 thread', median(two), corpus.bytes));
  console.log(`     worker peak RSS ${peakRssMb.toFixed(0)} MB`);
  // Each ratio is taken within a run (the machine's mood is the same for both sides),
  // then the median over the runs.
  const ratio = (a: number[], b: number[]) => median(a.map((x, r) => x / b[r]!)).toFixed(2);
  console.log('4. ratios (median of the runs\' own ratios)');
  console.log(`     full / floor                  ${ratio(floors, fulls)}`);
  console.log(`     queue (1 worker) / in-process ${ratio(fulls, one)}`);
  console.log(`     2 workers / 1 worker          ${ratio(one, two)}`);
  console.log('   each run, docs/s: floor, in-process, queue with 1 worker, with 2');
  for (let r = 0; r < runs; r++) {
    console.log(`     ${[floors[r]!, fulls[r]!, one[r]!, two[r]!].map((secs) => (count / secs).toFixed(0).padStart(6)).join(' ')}`);
  }
} finally {
  for (const dir of [corpus.dir, ...outs]) rmSync(dir, { recursive: true, force: true });
}
