/**
 * npm run eval:html -- DIR: vnpipe's output text (the whole pipeline) and its HTML
 * article extractor alone, against two baselines, in
 * one run, on a labelled page set (<id>.html or <id>.html.gz, <id>.txt truth,
 * <id>.json metadata truth; see test/fixtures/html/SOURCES.md). A page without a
 * .txt (test/fixtures/html-meta) is scored on its metadata only.
 *
 * @mozilla/readability and defuddle (both on linkedom's DOMParser) are the baselines.
 * Text: token precision / recall / F1 as the public article-extraction benchmarks
 * score it (bags of whitespace tokens, NFC, multiset intersection), as the mean of
 * the pages' scores and as the micro total over all tokens. Vietnamese pages also get
 * boilerplate removed (tokens of the page's visible text that are not in the truth,
 * and how many of them the output leaves out) and body kept (recall).
 * Metadata: title / date (the day) / authors right, on the pages whose json says the
 * page carries the field in structured data (a title matches the truth or one of its
 * accepted `titles`, e.g. with and without the kicker the page prints above it). Speed: CPU ms per page (mean of 5 runs,
 * after an untimed pass over all pages) and MB/s of HTML.
 *
 * --gap lists, per page where the pipeline's F1 differs from the extractor's, both
 * scores and what the text stages after `extract` removed (reason and text), and the
 * tokens they lost or added (normalisation shows as lost and added forms of a word).
 *
 *   npm run eval:html -- test/fixtures/html/dev [--pages] [--no-baseline] [--gap]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { Readability } from '@mozilla/readability';
import { Defuddle } from 'defuddle/node';
import iconv from 'iconv-lite';
import { DOMParser } from 'linkedom';
import { segment } from '../src/html/blocks.js';
import { declaredCharset, extractArticle } from '../src/html/extract.js';
import { parseHtml, textOf } from '../src/html/tree.js';
import { loadConfig } from '../src/config.js';
import { processDocument } from '../src/text/pipeline.js';

interface Truth {
  id: string;
  lang: string;
  truth: { title: string | null; titles?: string[]; date: string | null; authors: string[]; structured: { title: boolean; date: boolean; authors: boolean } };
}

interface Output {
  text: string;
  title: string | null;
  date: string | null;
  authors: string[];
  ms: number;
}

interface Page {
  id: string;
  vie: boolean;
  bytes: number;
  html: string;
  /** null: no text truth, the page is scored on its metadata only. */
  truthText: string | null;
  truth: Truth['truth'];
}

const dir = resolve(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'test/fixtures/html/dev');
const pages: Page[] = readdirSync(dir)
  .filter((f) => /\.html(?:\.gz)?$/.test(f))
  .sort()
  .map((f) => {
    const id = f.replace(/\.html(?:\.gz)?$/, '');
    const stored = readFileSync(join(dir, f));
    const bytes = f.endsWith('.gz') ? gunzipSync(stored) : stored;
    const json = JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as Truth;
    const txt = join(dir, `${id}.txt`);
    return { id, vie: json.lang === 'vie', bytes: bytes.length, html: decodeHtml(bytes), truthText: existsSync(txt) ? readFileSync(txt, 'utf8') : null, truth: json.truth };
  });
/** A folder with no text truth at all (test/fixtures/html-meta): metadata rows only, one untimed run per page. */
const metaOnly = pages.every((p) => p.truthText === null);

function decodeHtml(bytes: Buffer): string {
  const label = declaredCharset(bytes);
  return label && label !== 'utf-8' && label !== 'utf8' && iconv.encodingExists(label) ? iconv.decode(bytes, label) : bytes.toString('utf8');
}

const REPEAT = 5;
type Tool = (html: string) => Omit<Output, 'ms'> | Promise<Omit<Output, 'ms'>>;

/** The result of `fn` and its CPU time (user + system, ms, mean of REPEAT runs): on a shared, loaded machine wall time measures the neighbours. */
async function timed(fn: Tool, html: string): Promise<Output> {
  let out = await fn(html);
  if (metaOnly) return { ...out, ms: 0 };
  const start = process.cpuUsage();
  for (let i = 0; i < REPEAT; i++) out = await fn(html);
  const used = process.cpuUsage(start);
  return { ...out, ms: (used.user + used.system) / 1e3 / REPEAT };
}

// The whole pipeline's `text`, what a user gets: the extractor, then normalisation
// (tone marks kept as written, so that tokens compare with the truth), boilerplate and
// the rest. A page with no article counts as empty output.
const pipelineConfig = loadConfig(undefined, { normalize: { toneStyle: 'keep' } });

const tools: [string, Tool][] = [
  [
    'vnpipe pipeline (text)',
    (html) => {
      // A page the pipeline fails (no-article, not-text ...) scores nothing, and the run says which and why.
      const doc = processDocument(Buffer.from(html), 'page.html', pipelineConfig);
      return { text: doc.text, title: doc.metadata.title, date: doc.metadata.date, authors: doc.metadata.authors };
    },
  ],
  [
    'vnpipe extractArticle',
    (html) => {
      const a = extractArticle(html);
      return { text: a.paragraphs.join('\n'), title: a.title, date: a.date, authors: a.authors };
    },
  ],
  [
    'readability (linkedom)',
    (html) => {
      const doc = new DOMParser().parseFromString(html, 'text/html');
      const a = new Readability(doc as unknown as ConstructorParameters<typeof Readability>[0]).parse();
      // Text of its HTML with block boundaries kept (textContent runs paragraphs together).
      const text = a?.content ? textOf(parseHtml(a.content, 400)) : '';
      return { text, title: a?.title ?? null, date: a?.publishedTime ?? null, authors: a?.byline ? [a.byline] : [] };
    },
  ],
  [
    'defuddle (linkedom)',
    async (html) => {
      const doc = new DOMParser().parseFromString(html, 'text/html');
      const a = await Defuddle(doc as unknown as Parameters<typeof Defuddle>[0], 'https://example.com/');
      const text = a.content ? textOf(parseHtml(a.content, 400)) : '';
      return { text, title: a.title || null, date: a.published || null, authors: a.author ? [a.author] : [] };
    },
  ],
];

function tokens(text: string): Map<string, number> {
  const bag = new Map<string, number>();
  for (const t of text.normalize('NFC').split(/\s+/)) if (t) bag.set(t, (bag.get(t) ?? 0) + 1);
  return bag;
}
const size = (bag: Map<string, number>) => [...bag.values()].reduce((a, b) => a + b, 0);
function overlap(a: Map<string, number>, b: Map<string, number>): number {
  let n = 0;
  for (const [t, c] of a) n += Math.min(c, b.get(t) ?? 0);
  return n;
}
/** a minus b, as multisets. */
function minus(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [t, c] of a) {
    const d = c - (b.get(t) ?? 0);
    if (d > 0) out.set(t, d);
  }
  return out;
}

const squash = (s: string) => s.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
const sameTitle = (a: string | null, truth: Truth['truth']) => a !== null && [truth.title, ...(truth.titles ?? [])].some((t) => t !== null && squash(a) === squash(t));
const sameDay = (a: string | null, b: string | null) => a !== null && b !== null && a.slice(0, 10) === b.slice(0, 10);
const sameAuthors = (a: string[], b: string[]) => {
  const x = new Set(a.map(squash));
  const y = new Set(b.map(squash));
  return x.size === y.size && [...x].every((n) => y.has(n));
};

interface Tally {
  pages: number;
  p: number;
  r: number;
  f: number;
  tp: number;
  out: number;
  truth: number;
  boiler: number;
  boilerLeft: number;
  /** Pages scored on metadata (all of them); `pages` counts those with text truth. */
  metaPages: number;
  meta: Record<'title' | 'date' | 'authors', [number, number]>;
  ms: number;
  bytes: number;
}
const newTally = (): Tally => ({ metaPages: 0, pages: 0, p: 0, r: 0, f: 0, tp: 0, out: 0, truth: 0, boiler: 0, boilerLeft: 0, meta: { title: [0, 0], date: [0, 0], authors: [0, 0] }, ms: 0, bytes: 0 });

const visibleCache = new Map<string, Map<string, number>>();
function visibleTokens(page: Page): Map<string, number> {
  let bag = visibleCache.get(page.id);
  if (!bag) {
    bag = tokens(segment(parseHtml(page.html, 400), 0).blocks.map((b) => b.text).join('\n'));
    visibleCache.set(page.id, bag);
  }
  return bag;
}

const verbose = process.argv.includes('--pages');
if (process.argv.includes('--gap')) printGaps();
// --no-baseline: the pipeline and the extractor alone (faster while tuning).
if (process.argv.includes('--no-baseline')) tools.length = 2;
console.log(`pages: ${dir}: ${pages.length} (${pages.filter((p) => p.vie).length} Vietnamese)\n`);
for (const [name, run] of tools) {
  const groups: Record<string, Tally> = { vie: newTally(), other: newTally(), all: newTally() };
  // One untimed pass over every page first, so the first pages do not pay for the JIT warming up.
  for (const page of pages) {
    try {
      await run(page.html);
    } catch {
      // Reported below.
    }
  }
  for (const page of pages) {
    let out: Output;
    try {
      out = await timed(run, page.html);
    } catch (err) {
      // A tool that throws on a page scores nothing on it.
      console.error(`  ${name} failed on ${page.id}: ${(err as Error).message}`);
      out = { text: '', title: null, date: null, authors: [], ms: 0 };
    }
    for (const g of [page.vie ? 'vie' : 'other', 'all']) {
      const t = groups[g]!;
      t.metaPages++;
      const s = page.truth.structured;
      if (s.title) t.meta.title = [t.meta.title[0] + (sameTitle(out.title, page.truth) ? 1 : 0), t.meta.title[1] + 1];
      if (s.date) t.meta.date = [t.meta.date[0] + (sameDay(out.date, page.truth.date) ? 1 : 0), t.meta.date[1] + 1];
      if (s.authors) t.meta.authors = [t.meta.authors[0] + (sameAuthors(out.authors, page.truth.authors) ? 1 : 0), t.meta.authors[1] + 1];
    }
    if (verbose && metaOnly) printMisses(page, out);
    if (page.truthText === null) continue;
    const got = tokens(out.text);
    const want = tokens(page.truthText);
    const tp = overlap(got, want);
    const p = size(got) ? tp / size(got) : 0;
    const r = size(want) ? tp / size(want) : 0;
    const f = p + r ? (2 * p * r) / (p + r) : 0;
    const boiler = minus(visibleTokens(page), want);
    const boilerLeft = overlap(minus(got, want), boiler);
    if (verbose) console.log(`  ${page.id.padEnd(28)} P ${p.toFixed(3)} R ${r.toFixed(3)} F ${f.toFixed(3)}  ${out.ms.toFixed(2)} ms`);
    for (const g of [page.vie ? 'vie' : 'other', 'all']) {
      const t = groups[g]!;
      t.pages++;
      t.p += p;
      t.r += r;
      t.f += f;
      t.tp += tp;
      t.out += size(got);
      t.truth += size(want);
      if (page.vie) {
        t.boiler += size(boiler);
        t.boilerLeft += boilerLeft;
      }
      t.ms += out.ms;
      t.bytes += page.bytes;
    }
  }
  console.log(name);
  if (metaOnly) {
    const frac = ([ok, n]: [number, number]) => (n ? `${ok}/${n}` : '-').padStart(7);
    console.log(`  ${'group'.padEnd(6)} ${'pages'.padStart(5)}  ${'title'.padStart(7)} ${'date'.padStart(7)} ${'authors'.padStart(7)}`);
    for (const [g, t] of Object.entries(groups)) {
      if (t.metaPages > 0) console.log(`  ${g.padEnd(6)} ${String(t.metaPages).padStart(5)}  ${frac(t.meta.title)} ${frac(t.meta.date)} ${frac(t.meta.authors)}`);
    }
    console.log();
    continue;
  }
  console.log(`  ${'group'.padEnd(6)} ${'pages'.padStart(5)}  ${'P mean'.padStart(6)} ${'R mean'.padStart(6)} ${'F mean'.padStart(6)}  ${'P micro'.padStart(7)} ${'R micro'.padStart(7)} ${'F micro'.padStart(7)}  ${'boiler rm'.padStart(9)} ${'body kept'.padStart(9)}  ${'title'.padStart(7)} ${'date'.padStart(7)} ${'authors'.padStart(7)}  ${'ms/page'.padStart(7)} ${'MB/s'.padStart(6)}`);
  for (const [g, t] of Object.entries(groups)) {
    if (t.pages === 0) continue;
    const pm = t.out ? t.tp / t.out : 0;
    const rm = t.truth ? t.tp / t.truth : 0;
    const fm = pm + rm ? (2 * pm * rm) / (pm + rm) : 0;
    const frac = ([ok, n]: [number, number]) => (n ? `${ok}/${n}` : '-').padStart(7);
    const boiler = t.boiler ? `${((100 * (t.boiler - t.boilerLeft)) / t.boiler).toFixed(1)}%` : '-';
    const body = t.boiler ? `${((100 * t.r) / t.pages).toFixed(1)}%` : '-';
    console.log(
      `  ${g.padEnd(6)} ${String(t.pages).padStart(5)}  ${(t.p / t.pages).toFixed(3).padStart(6)} ${(t.r / t.pages).toFixed(3).padStart(6)} ${(t.f / t.pages).toFixed(3).padStart(6)}  ${pm.toFixed(3).padStart(7)} ${rm.toFixed(3).padStart(7)} ${fm.toFixed(3).padStart(7)}  ${boiler.padStart(9)} ${body.padStart(9)}  ${frac(t.meta.title)} ${frac(t.meta.date)} ${frac(t.meta.authors)}  ${(t.ms / t.pages).toFixed(2).padStart(7)} ${(t.bytes / 1e6 / (t.ms / 1000)).toFixed(1).padStart(6)}`,
    );
  }
  console.log();
}
/** --pages on a metadata-only folder: each structured field a tool got wrong, with what it gave and the truth. */
function printMisses(page: Page, out: Output): void {
  const s = page.truth.structured;
  const misses: string[] = [];
  if (s.title && !sameTitle(out.title, page.truth)) misses.push(`title ${JSON.stringify(out.title)} want ${JSON.stringify(page.truth.title)}`);
  if (s.date && !sameDay(out.date, page.truth.date)) misses.push(`date ${out.date} want ${page.truth.date}`);
  if (s.authors && !sameAuthors(out.authors, page.truth.authors)) misses.push(`authors ${JSON.stringify(out.authors)} want ${JSON.stringify(page.truth.authors)}`);
  for (const m of misses) console.log(`  ${page.id.padEnd(28)} ${m}`);
}

/** Pages where the text stages changed the extractor's score, and what they removed. */
function printGaps(): void {
  console.log('pages where the pipeline scores other than the extractor (F1 extractor -> pipeline):');
  const f1 = (text: string, truth: string) => {
    const got = tokens(text);
    const want = tokens(truth);
    const tp = overlap(got, want);
    return tp === 0 ? 0 : (2 * tp) / (size(got) + size(want));
  };
  const words = (bag: Map<string, number>) => [...bag].map(([t, c]) => (c > 1 ? `${t} x${c}` : t)).join(' ');
  let n = 0;
  for (const page of pages) {
    if (page.truthText === null) continue;
    const article = extractArticle(page.html, pipelineConfig.html);
    const extracted = article.paragraphs.join('\n');
    let text = '';
    let removed: { reason: string; text: string }[] = [];
    try {
      const doc = processDocument(Buffer.from(page.html), 'page.html', pipelineConfig);
      text = doc.text;
      // The extract stage records the extractor's removals first; the text stages' follow.
      removed = doc.metadata.removed.slice(article.removed.length);
    } catch (err) {
      removed = [{ reason: 'failed', text: (err as Error).message }];
    }
    const before = f1(extracted, page.truthText);
    const after = f1(text, page.truthText);
    if (Math.abs(after - before) < 1e-9) continue;
    n++;
    console.log(`  ${page.id.padEnd(28)} ${before.toFixed(3)} -> ${after.toFixed(3)}`);
    for (const r of removed) console.log(`    ${r.reason}: ${r.text.slice(0, 160)}`);
    const lost = minus(tokens(extracted), tokens(text));
    const added = minus(tokens(text), tokens(extracted));
    if (lost.size > 0) console.log(`    lost: ${words(lost).slice(0, 300)}`);
    if (added.size > 0) console.log(`    added: ${words(added).slice(0, 300)}`);
  }
  console.log(`  ${n} of ${pages.length} pages\n`);
}

console.log('boiler rm: share of the visible non-truth tokens of Vietnamese pages left out; body kept: mean recall on them.');
console.log('title/date/authors: right / pages whose json marks the field structured (date compared by day).');
