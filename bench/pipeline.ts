/**
 * npm run bench: throughput on this machine, in one run, against a floor.
 *
 *  1. floor: read + NFC + one regex + SHA-256 + JSON written atomically, the least any
 *     such tool does;
 *  2. the full pipeline in-process on one core (read, stages, JSON, atomic write), the
 *     time per stage, and per KB on a 10 KB and a 1 MB document (linearity);
 *     and the same learning first (`vnpipe learn` then cleaning with its profile: every
 *     document counted, then cleaned);
 *  3. the full pipeline through the queue, enqueue to last output, with one worker
 *     process and with two (one thread each), on a private redis-server, learning (the
 *     default: a counting pass, then cleaning) and, with two, `--no-learn`;
 *  4. the ratios: full/floor, queue/in-process, two workers/one worker;
 *  5. HTML input: real saved pages (the HTML dev set, test/fixtures/html/dev): the
 *     article extractor alone on pages of 50-200 KB; its cost per KB on pages of 100 KB,
 *     1 MB and 5 MB of four shapes made of those pages (their bodies one after another,
 *     and an article, a live blog and a long table of their Vietnamese paragraphs); a
 *     50 MB page and 10,000-deep nesting (time, result, peak memory); and the floor and
 *     the full pipeline on a corpus of the pages (with the ratio full/floor).
 *
 * Each run measures the four in turn, after a sync; the figures are medians of --runs
 * runs, and each ratio the median of the runs' own ratios. Prints docs/s and MB/s with the core count
 * and Node version.
 *
 *   npm run bench [-- --docs 20000 --runs 3] [--html-only (section 5 alone)]
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigWithSource, PACKAGE_ROOT } from '../src/config.js';
import { extractArticle } from '../src/html/extract.js';
import { OutputFolder, readDocument } from '../src/io/files.js';
import { enqueueFolder } from '../src/queue/producer.js';
import { PIPELINE } from '../src/stages/index.js';
import { buildProfile, compileProfile, documentLines, LineCounter, type LearnedLines } from '../src/text/learned.js';
import { processDocument, processDocumentTimed } from '../src/text/pipeline.js';
import { untilFinished, withPrivateQueue } from './private-queue.js';
import { median, seconds } from './timing.js';

const { values } = parseArgs({ options: { docs: { type: 'string', default: '20000' }, runs: { type: 'string', default: '3' }, 'html-only': { type: 'boolean', default: false } } });
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

/** In-process with learning, as `vnpipe learn` then cleaning with its profile: each document read and counted, then read and cleaned. */
function learnInProcessRun(paths: string[], out: string): number {
  const output = new OutputFolder(out);
  return seconds(() => {
    const counter = new LineCounter(config.learn);
    for (let i = 0; i < paths.length; i++) counter.add(documentLines(readDocument(paths[i]!, config.limits.maxFileBytes), rel(i), config));
    const learned: LearnedLines = compileProfile(buildProfile(counter.counts(), config.learn));
    for (let i = 0; i < paths.length; i++) {
      const doc = processDocument(readDocument(paths[i]!, config.limits.maxFileBytes), rel(i), config, learned);
      output.write(join(out, `${i}.json`), `${JSON.stringify(doc)}\n`);
    }
  });
}

/** A document's key as the queue gives it: its folder of 1,000 is its source, as in a learned profile. */
const rel = (i: number) => `d${Math.floor(i / 1000)}/${i}.txt`;

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
async function queueRun(input: string, out: string, workers: number, learn: boolean): Promise<{ secs: number; peakRssMb: number }> {
  return withPrivateQueue(workers, 1, async ({ queue, batches, workers: children }) => {
    // Workers start before the clock: their start-up is not throughput.
    await new Promise((r) => setTimeout(r, 1500));
    settle();
    let peakRssMb = 0;
    const start = process.hrtime.bigint();
    const { batchId } = await enqueueFolder(queue, batches, { root: input, out, rawConfig: raw, config, learn });
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

/** The HTML dev set's pages (bytes as saved, and whether the page is Vietnamese), smallest first. */
function htmlPages(): { name: string; bytes: Buffer; vie: boolean }[] {
  const dir = join(PACKAGE_ROOT, 'test', 'fixtures', 'html', 'dev');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .map((f) => ({
      name: f,
      bytes: readFileSync(join(dir, f)),
      vie: (JSON.parse(readFileSync(join(dir, f.replace(/\.html$/, '.json')), 'utf8')) as { lang: string }).lang === 'vie',
    }))
    .sort((a, b) => a.bytes.length - b.bytes.length);
}

/**
 * CPU ms of one call of `fn` (user + system; the least of `reps` calls after one untimed
 * call): CPU time leaves the shared machine's neighbours out, and the least call the
 * ones that still slowed it (cache, a collection started by the previous call).
 */
function cpuMs(fn: () => void, reps: number): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e3);
  }
  return best;
}

function bodyOf(page: string): string {
  return /<body[^>]*>([\s\S]*)<\/body>/i.exec(page)?.[1] ?? page;
}

/** Page shapes of about `bytes` made of the dev pages: what a big page is in the wild. */
function pageShapes(pages: { bytes: Buffer; vie: boolean }[]): Record<string, (bytes: number) => string> {
  const bodies = pages.map((p) => bodyOf(p.bytes.toString('utf8')));
  const paras = pages.filter((p) => p.vie).flatMap((p) => p.bytes.toString('utf8').match(/<p[\s>][\s\S]*?<\/p>/g) ?? []).filter((p) => p.length > 200);
  const plain = (k: number) => paras[k % paras.length]!.replace(/<[^>]+>/g, '');
  const numbered = (k: number) => paras[k % paras.length]!.replace(/<\/p>$/, ` (${k})</p>`);
  const fill = (bytes: number, unit: (k: number) => string) => {
    const parts: string[] = [];
    for (let k = 0, size = 0; size < bytes; k++) {
      const u = unit(k);
      parts.push(u);
      size += u.length;
    }
    return parts.join('');
  };
  const page = (body: string) => `<html><head><title>Trực tiếp</title></head><body><h1>Trực tiếp</h1>${body}</body></html>`;
  return {
    'pages one after another': (bytes) => page(fill(bytes, (k) => `${bodies[k % bodies.length]!}<!-- ${k} -->`)),
    'Vietnamese article paragraphs': (bytes) => page(`<article>${fill(bytes, numbered)}</article>`),
    'live blog': (bytes) =>
      page(`<div class="live">${fill(bytes, (k) => `<div class="entry"><h3><a href="/e/${k}">${plain(k).slice(0, 60)}</a></h3><span class="time">${k % 24}:${k % 60}</span>${numbered(k + 1)}<a class="btn" href="#s">Chia sẻ</a></div>`)}</div>`),
    'long table': (bytes) => page(`<table>${fill(bytes, (k) => `<tr><td>${k}</td><td>${plain(k).slice(0, 120)}</td><td><a href="/r/${k}">Xem</a></td></tr>`)}</table>`),
  };
}

/**
 * Cost per KB of pages of 100 KB, 1 MB and 5 MB of each shape, each size over the same
 * 20 MB of HTML (CPU time of all the calls, garbage collection included: the least of a
 * few calls would leave out the collections a small page's calls share, and so make big
 * pages look super-linear). Linear when the columns agree.
 */
function linearity(pages: { bytes: Buffer; vie: boolean }[]): void {
  const sizes = [100 * 1024, 1024 * 1024, 5 * 1024 * 1024];
  console.log(`   linearity, one core (CPU time over 20 MB of each): µs per KB (MB/s) on pages of 100 KB, 1 MB, 5 MB; 5 MB / 100 KB`);
  for (const [name, make] of Object.entries(pageShapes(pages))) {
    const perKbAt = sizes.map((size) => {
      const html = make(size);
      const reps = Math.ceil((20 * 1024 * 1024) / html.length);
      extractArticle(html, config.html);
      const start = process.cpuUsage();
      for (let r = 0; r < reps; r++) extractArticle(html, config.html);
      const used = process.cpuUsage(start);
      const ms = (used.user + used.system) / 1e3 / reps;
      return { us: (ms * 1000) / (html.length / 1024), mbs: html.length / 1048576 / (ms / 1000) };
    });
    const cells = perKbAt.map((c) => `${c.us.toFixed(1).padStart(6)} (${c.mbs.toFixed(1).padStart(4)})`).join(' ');
    console.log(`     ${name.padEnd(26)} ${cells}  x${(perKbAt[2]!.us / perKbAt[0]!.us).toFixed(2)}`);
  }
}

/** A 50 MB page and 10,000-deep nesting: how long, what comes out, and the process's peak memory after. */
function hostilePages(pages: { bytes: Buffer; vie: boolean }[]): void {
  const bodies = pages.map((p) => bodyOf(p.bytes.toString('utf8')));
  const parts: string[] = [];
  for (let k = 0, size = 0; size < 50e6; k++) {
    parts.push(bodies[k % bodies.length]!);
    size += parts[k]!.length;
  }
  const para = pages.find((p) => p.vie)!.bytes.toString('utf8').match(/<p[\s>][\s\S]*?<\/p>/g)!.find((p) => p.length > 200)!;
  const cases: [string, string][] = [
    ['a 50 MB page', `<html><body>${parts.join('')}</body></html>`],
    ['10,000-deep nesting, closed', `${'<div>'.repeat(10_000)}${para}${'</div>'.repeat(10_000)}`],
    ['10,000-deep nesting, never closed', `${'<div><span>'.repeat(10_000)}${para}`],
  ];
  for (const [name, html] of cases) {
    const peakBefore = process.resourceUsage().maxRSS / 1024;
    const start = process.cpuUsage();
    const a = extractArticle(html, config.html);
    const used = process.cpuUsage(start);
    const cut = a.removed.find((r) => r.text.startsWith('page cut'));
    console.log(
      `   ${name} (${(html.length / 1e6).toFixed(1)} M chars): ${((used.user + used.system) / 1e3).toFixed(0)} ms, ${a.paragraphs.length} paragraphs` +
        `${cut ? `, "${cut.text}"` : ''}; peak RSS of the process ${peakBefore.toFixed(0)} MB before, ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB after`,
    );
  }
}

/** Section 5: HTML input. */
function htmlBench(): void {
  const pages = htmlPages();
  const typical = pages.filter((p) => p.bytes.length >= 50_000 && p.bytes.length <= 200_000);
  const texts = typical.map((p) => p.bytes.toString('utf8'));
  const perPage = texts.map((t) => cpuMs(() => extractArticle(t, config.html), 5));
  const kb = typical.reduce((n, p) => n + p.bytes.length, 0) / typical.length / 1024;
  const msMedian = median(perPage);
  console.log(`5. HTML input: ${pages.length} real pages of the HTML dev set`);
  console.log(
    `   extraction alone, one core, ${typical.length} pages of 50-200 KB (mean ${kb.toFixed(0)} KB): median ${msMedian.toFixed(2)} ms/page, ` +
      `${(1000 / msMedian).toFixed(0)} docs/s, ${((kb / 1024) * (1000 / msMedian)).toFixed(1)} MB/s (CPU time)`,
  );
  hostilePages(pages);
  linearity(pages);

  // Floor and full pipeline on corpora of the pages: the Vietnamese ones (what users feed
  // it) and all of them (most are other languages, whose language scoring costs more).
  const n = Math.max(200, Math.min(2000, Math.round(count / 10)));
  htmlCorpusRun('Vietnamese pages', pages.filter((p) => p.vie), n);
  htmlCorpusRun('all pages', pages, n);
}

/** Floor and full pipeline, in-process on one core, on `n` copies of `pages` (a comment numbers each copy, so no two files are alike). */
function htmlCorpusRun(label: string, pages: { bytes: Buffer }[], n: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'vnpipe-bench-html-'));
  const paths: string[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const page = Buffer.concat([pages[i % pages.length]!.bytes, Buffer.from(`\n<!-- copy ${i} -->\n`)]);
    const path = join(dir, `${i}.html`);
    writeFileSync(path, page);
    paths.push(path);
    bytes += page.length;
  }
  try {
    floorRun(paths, freshOut());
    const floors: number[] = [];
    const fulls: number[] = [];
    let stages: Record<string, number> = {};
    for (let r = 0; r < runs; r++) {
      settle();
      floors.push(floorRun(paths, freshOut()));
      settle();
      const result = inProcessRun(paths, freshOut());
      fulls.push(result.total);
      stages = result.stages;
    }
    const show = (label: string, secs: number) => `${label.padEnd(52)} ${(n / secs).toFixed(0).padStart(7)} docs/s ${(bytes / 1e6 / secs).toFixed(2).padStart(7)} MB/s`;
    console.log(`   ${label} (${pages.length} distinct): ${n} files, ${(bytes / 1e6).toFixed(1)} MB`);
    console.log(show('   floor on the HTML pages', median(floors)));
    console.log(show('   full pipeline on the HTML pages, one core', median(fulls)));
    const sum = Object.values(stages).reduce((a, b) => a + b, 0);
    for (const [name, sec] of Object.entries(stages)) {
      console.log(`     ${name.padEnd(12)} ${((sec / n) * 1e6).toFixed(1).padStart(8)} µs/doc ${((100 * sec) / sum).toFixed(1).padStart(6)} %`);
    }
    console.log(`     full / floor on HTML          ${median(floors.map((f, r) => f / fulls[r]!)).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const outs: string[] = [];
function freshOut(): string {
  outs.push(mkdtempSync(join(tmpdir(), 'vnpipe-bench-out-')));
  return outs.at(-1)!;
}
if (values['html-only']) {
  console.log(`vnpipe bench, HTML input only: median of ${runs} runs; ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}`);
  try {
    htmlBench();
  } finally {
    for (const dir of outs) rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}
const corpus = writeCorpus(count);
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
  const learnedIn: number[] = [];
  const one: number[] = [];
  const two: number[] = [];
  const twoPlain: number[] = [];
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
    settle();
    learnedIn.push(learnInProcessRun(corpus.paths, freshOut()));
    for (const [workers, times, learn] of [[1, one, true], [2, two, true], [2, twoPlain, false]] as const) {
      const { secs, peakRssMb: rss } = await queueRun(corpus.dir, freshOut(), workers, learn);
      times.push(secs);
      peakRssMb = Math.max(peakRssMb, rss);
    }
  }

  const floor = median(floors);
  const full = median(fulls);
  console.log(line('1. floor: read + NFC + space regex + SHA-256 + JSON write', floor, corpus.bytes));
  console.log(line('2. full pipeline in-process, one core', full, corpus.bytes));
  console.log(line('   the same, learning first (learn, then clean)', median(learnedIn), corpus.bytes));
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
  console.log(line('3. queue, learning (default), 1 worker x 1 thread', median(one), corpus.bytes));
  console.log(line('   queue, learning (default), 2 workers x 1 thread', median(two), corpus.bytes));
  console.log(line('   queue, --no-learn, 2 workers x 1 thread', median(twoPlain), corpus.bytes));
  console.log(`     worker peak RSS ${peakRssMb.toFixed(0)} MB`);
  // Each ratio is taken within a run (the machine's mood is the same for both sides),
  // then the median over the runs.
  const ratio = (a: number[], b: number[]) => median(a.map((x, r) => x / b[r]!)).toFixed(2);
  console.log('4. ratios (median of the runs\' own ratios)');
  console.log(`     full / floor                  ${ratio(floors, fulls)}`);
  console.log(`     queue (1 worker) / in-process ${ratio(fulls, one)}`);
  console.log(`     2 workers / 1 worker          ${ratio(one, two)}`);
  console.log(`     learning / no learning, in-process         ${ratio(fulls, learnedIn)}`);
  console.log(`     learning / --no-learn, queue, 2 workers    ${ratio(twoPlain, two)}`);
  console.log('   each run, docs/s: floor, in-process, in-process learning, queue learning with 1 worker, with 2, --no-learn with 2');
  for (let r = 0; r < runs; r++) {
    console.log(`     ${[floors[r]!, fulls[r]!, learnedIn[r]!, one[r]!, two[r]!, twoPlain[r]!].map((secs) => (count / secs).toFixed(0).padStart(6)).join(' ')}`);
  }
  htmlBench();
} finally {
  for (const dir of [corpus.dir, ...outs]) rmSync(dir, { recursive: true, force: true });
}
