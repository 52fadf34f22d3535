/**
 * npm run eval:boilerplate -- DIR [--split dev|heldout] [--pages N] [--batches 1-5]: the whole pipeline on
 * hand-labelled crawler output, beside a CCNet-style line-dedup baseline.
 *
 * DIR holds docs/<source>/<nnn>.txt, labels docs/<source>/<nnn>.gold.json
 * ({ body: [verbatim pieces], boilerplate: [{ category, text }], title, date, authors,
 * sources, captions }) and SPLIT.tsv (`<source> <TAB> dev|heldout [<TAB> batch]`). Only
 * the sources of the chosen split are read (dev by default): held-out documents are never
 * opened while rules are tuned. `--batches` keeps the sources of some batches only (`1-5`,
 * `6`, `1,3`): rules tuned on some dev batches can be checked on a later one, the way a
 * held-out batch will see them. Each batch (the round of collection a source came in) gets
 * its own total beside the overall one. A learned profile per source is built from all its
 * documents, labelled or not, as `vnpipe run` does by default (bench/clean-learned.ts); the
 * `no learn` columns score the pipeline without it (`vnpipe run --no-learn`). `--pages N` keeps each source's first N
 * documents only, for learning and scoring (a small folder). With `--no-learn`
 * the metadata columns, categories and `--errors` come from that run instead.
 *
 * Prints per source and per boilerplate category: boilerplate removed (share of gold
 * items whose text is absent from the output), body kept (share of gold body
 * characters present in the output); and title, authors, sources and captions
 * precision and recall. The baseline removes every line that stands in two or more
 * documents of its source (CCNet) and is scored the same way; `ccnet only` counts the
 * items it removes and the pipeline leaves.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { normalizeText } from '../src/text/normalize.js';
import { processDocument, type VnDocument } from '../src/text/pipeline.js';
import { cleanWithLearning } from './clean-learned.js';

interface Gold {
  body?: string[];
  boilerplate?: { category: string; text: string }[];
  title?: string | null;
  authors?: string[];
  sources?: string[];
  captions?: (string | { text: string })[];
}

interface Doc {
  source: string;
  rel: string;
  bytes: Buffer;
  gold: Gold | null;
}

interface Prediction {
  text: string;
  title: string | null;
  authors: string[];
  sources: string[];
  captions: string[];
}

const args = process.argv.slice(2);
const noLearn = args.includes('--no-learn');
const valueOf = (flag: string) => (args.indexOf(flag) === -1 ? undefined : args[args.indexOf(flag) + 1]);
const split = valueOf('--split') ?? 'dev';
// A source of only its first N documents: what learning does for a small folder.
const pages = valueOf('--pages') === undefined ? Infinity : Number(valueOf('--pages'));
// `1-5`, `6`, `1,3`: the batches whose sources are read (all by default).
const batchList = valueOf('--batches');
const chosenBatches = batchList?.split(',').flatMap((part) => {
  const [from, to = from] = part.split('-').map(Number);
  return Number.isInteger(from) && Number.isInteger(to) && from! <= to! ? Array.from({ length: to! - from! + 1 }, (_, i) => String(from! + i)) : [part];
});
const dir = args.find((a, i) => !a.startsWith('--') && !['--split', '--pages', '--batches'].includes(args[i - 1] ?? ''));
if (!dir || (split !== 'dev' && split !== 'heldout') || !(pages >= 1) || chosenBatches?.some((b) => !/^\d+$/.test(b))) {
  console.error('usage: eval-boilerplate DIR [--split dev|heldout] [--pages N] [--batches 1-5] [--no-learn] [--errors]');
  process.exit(2);
}
const root = resolve(dir);
const config = loadConfig();
const norm = (s: string) => normalizeText(s, config.normalize.toneStyle).replace(/\s+/g, ' ').trim();
const fold = (s: string) => norm(s).toLowerCase();
// Texts compare without white space: a one-line dump split into paragraphs keeps its words.
// Markdown rules and heading marks (`-----`, `####`) are layout, not words.
// A printed list's escapes (`\xa0`, `\'`) stand in the labels as written; the pipeline decodes them.
const squeeze = (s: string) => normalizeText(unescapePrinted(s), config.normalize.toneStyle).replace(/\s+|[-=*_#]{3,}/g, '');
const PRINTED_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', "'": "'", '"': '"', '\\': '\\' };
function unescapePrinted(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[nrt'"\\])/g, (_, e: string) => (e.length > 1 ? String.fromCharCode(parseInt(e.slice(1), 16)) : PRINTED_ESCAPES[e]!));
}

/** Sources of the chosen split and their batches, from SPLIT.tsv (a header line or comments are skipped). */
function splitSources(): Map<string, string> {
  const rows = readFileSync(join(root, 'SPLIT.tsv'), 'utf8').split('\n').map((l) => l.trim().split('\t'));
  return new Map(
    rows
      .filter((r) => r.length >= 2 && r[1]!.trim() === split)
      .map((r): [string, string] => [r[0]!.trim(), r[2]?.trim() || '1'])
      .filter(([, batch]) => !chosenBatches || chosenBatches.includes(batch)),
  );
}

function readDocs(sources: string[]): Doc[] {
  const docs: Doc[] = [];
  for (const source of sources) {
    const folder = join(root, 'docs', source);
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder).filter((f) => f.endsWith('.txt')).sort().slice(0, pages)) {
      const goldFile = join(folder, name.replace(/\.txt$/, '.gold.json'));
      const gold = existsSync(goldFile) ? (JSON.parse(readFileSync(goldFile, 'utf8')) as Gold) : null;
      docs.push({ source, rel: `${source}/${name}`, bytes: readFileSync(join(folder, name)), gold });
    }
  }
  return docs;
}

function learnedPredictions(docs: Doc[]): Map<string, Prediction> {
  return predictions(cleanWithLearning(docs, config, (d) => d.gold !== null));
}

function pipelinePredictions(docs: Doc[]): Map<string, Prediction> {
  return predictions(new Map(docs.filter((d) => d.gold).map((d) => [d.rel, processDocument(d.bytes, d.rel, config)])));
}

function predictions(docs: Map<string, VnDocument>): Map<string, Prediction> {
  const out = new Map<string, Prediction>();
  for (const [rel, { text, metadata: meta }] of docs) {
    out.set(rel, { text, title: meta.title, authors: meta.authors, sources: meta.sources, captions: meta.captions.map((c) => c.text) });
  }
  return out;
}

/** CCNet: a line that stands in two or more documents of its source is removed. */
function baselinePredictions(docs: Doc[]): Map<string, Prediction> {
  const linesOf = (d: Doc) => normalizeText(d.bytes.toString('utf8'), config.normalize.toneStyle).split('\n').map((l) => l.trim()).filter(Boolean);
  const counts = new Map<string, number>();
  for (const d of docs) {
    for (const line of new Set(linesOf(d))) {
      const key = `${d.source}\0${line}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const out = new Map<string, Prediction>();
  for (const d of docs.filter((x) => x.gold)) {
    const text = linesOf(d).filter((l) => (counts.get(`${d.source}\0${l}`) ?? 0) < 2).join('\n\n');
    out.set(d.rel, { text, title: null, authors: [], sources: [], captions: [] });
  }
  return out;
}

class Ratio {
  hit = 0;
  total = 0;
  add(hit: number, total: number) {
    this.hit += hit;
    this.total += total;
  }
  toString() {
    return this.total === 0 ? '     -' : `${((100 * this.hit) / this.total).toFixed(1).padStart(5)}%`;
  }
}

class Scores {
  removed = new Ratio();
  bodyKept = new Ratio();
  byCategory = new Map<string, Ratio>();
  fields = new Map<string, { p: Ratio; r: Ratio }>();
  authorsExact = new Ratio();
  /** The boilerplate items removed (`rel#index`), to compare with the baseline item by item. */
  gone = new Set<string>();
  lost: string[] = [];
  left: string[] = [];
  /** Metadata values predicted but not in the labels, and labelled but not predicted. */
  wrong: string[] = [];

  field(name: string) {
    let f = this.fields.get(name);
    if (!f) this.fields.set(name, (f = { p: new Ratio(), r: new Ratio() }));
    return f;
  }
}

/** Body pieces count by characters; a piece partly lost counts the sentences still present. */
function bodyChars(piece: string, output: string): number {
  if (output.includes(piece)) return piece.length;
  return piece.split(/(?<=[.!?…])/).reduce((n, s) => n + (output.includes(s) ? s.length : 0), 0);
}

function occurrences(text: string, part: string): number {
  let n = 0;
  for (let at = text.indexOf(part); at !== -1; at = text.indexOf(part, at + part.length)) n++;
  return n;
}

function score(docs: Doc[], predictions: Map<string, Prediction>, into: (source: string) => Scores[]): void {
  for (const d of docs) {
    const gold = d.gold;
    const pred = predictions.get(d.rel);
    if (!gold || !pred) continue;
    const output = squeeze(pred.text);
    const input = squeeze(d.bytes.toString('utf8'));
    for (const s of into(d.source)) {
      for (const [k, item] of (gold.boilerplate ?? []).entries()) {
        const text = squeeze(item.text);
        if (text === '') continue;
        // Removed when the output holds fewer copies than the input (a byline name may also stand in the body).
        const gone = occurrences(output, text) < Math.max(1, occurrences(input, text));
        s.removed.add(gone ? 1 : 0, 1);
        if (gone) s.gone.add(`${d.rel}#${k}`);
        const cat = s.byCategory.get(item.category) ?? new Ratio();
        cat.add(gone ? 1 : 0, 1);
        s.byCategory.set(item.category, cat);
        if (!gone) s.left.push(`${d.rel} [${item.category}] ${norm(item.text).slice(0, 100)}`);
      }
      for (const piece of gold.body ?? []) {
        const text = squeeze(piece);
        const kept = Math.min(text.length, bodyChars(text, output));
        s.bodyKept.add(kept, text.length);
        if (kept < text.length) s.lost.push(`${d.rel} ${norm(piece).slice(0, 100)}`);
      }
      // A title can be found only in a file that starts with it.
      const titled = gold.title ? input.startsWith(squeeze(gold.title)) : false;
      const wrong = (field: string) => (x: string) => s.wrong.push(`${d.rel} ${field} ${x.slice(0, 100)}`);
      setScores(s.field('title'), titled ? [gold.title!] : [], pred.title ? [pred.title] : [], fold, wrong('title'));
      setScores(s.field('authors'), gold.authors ?? [], pred.authors, fold, wrong('author'));
      setScores(s.field('sources'), gold.sources ?? [], pred.sources, fold, wrong('source'));
      const goldCaptions = (gold.captions ?? []).map((c) => (typeof c === 'string' ? c : c.text));
      setScores(s.field('captions'), goldCaptions, pred.captions, captionKey, wrong('caption'));
      if ((gold.authors ?? []).length > 0) {
        const same = sameSet((gold.authors ?? []).map(fold), pred.authors.map(fold));
        s.authorsExact.add(same ? 1 : 0, 1);
      }
    }
  }
}

/** Captions match on their words, without the credit punctuation around them. */
function captionKey(s: string): string {
  return fold(s).replace(/[.\s]+$/, '');
}

function setScores(f: { p: Ratio; r: Ratio }, gold: string[], pred: string[], key: (s: string) => string, wrong?: (s: string) => void): void {
  const g = new Set(gold.map(key));
  const p = new Set(pred.map(key));
  let hit = 0;
  for (const x of p) if (g.has(x)) hit++;
  else wrong?.(`+ ${x}`);
  for (const x of g) if (!p.has(x)) wrong?.(`- ${x}`);
  f.p.add(hit, p.size);
  f.r.add(hit, g.size);
}

function sameSet(a: string[], b: string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

function run(predict: (docs: Doc[]) => Map<string, Prediction>, docs: Doc[]): Map<string, Scores> {
  const batchTotal = (source: string) => `ALL batch ${batches.get(source)}`;
  const bySource = new Map<string, Scores>([['ALL', new Scores()], ...[...new Set(docs.map((d) => batchTotal(d.source)))].map((b) => [b, new Scores()] as [string, Scores])]);
  const predictions = new Map<string, Prediction>();
  for (const source of new Set(docs.map((d) => d.source))) {
    for (const [k, v] of predict(docs.filter((d) => d.source === source))) predictions.set(k, v);
    bySource.set(source, new Scores());
  }
  score(docs, predictions, (source) => [bySource.get(source)!, bySource.get(batchTotal(source))!, bySource.get('ALL')!]);
  return bySource;
}

const batches = splitSources();
const sources = [...batches.keys()];
const docs = readDocs(sources);
const labelled = docs.filter((d) => d.gold).length;
console.log(`${root} split=${split}${split === 'heldout' ? ' (HELD-OUT)' : ''}${chosenBatches ? `, batches ${chosenBatches.join(',')}` : ''}${pages < Infinity ? `, first ${pages} documents a source` : ''}: ${sources.length} sources, ${docs.length} documents, ${labelled} labelled\n`);

const t0 = performance.now();
const learnedRun = run(learnedPredictions, docs);
const ms = performance.now() - t0;
const plainRun = run((d) => pipelinePredictions(d), docs);
// The run the metadata, categories and errors are printed for; the other is a column beside it.
const ours = noLearn ? plainRun : learnedRun;
const base = run(baselinePredictions, docs);

const fieldNames = ['title', 'authors', 'sources', 'captions'];
// `ccnet only`: items the baseline removes and the pipeline leaves (the baseline's advantage, item by item).
const ccnetOnly = (source: string) => [...base.get(source)!.gone].filter((k) => !ours.get(source)!.gone.has(k));
console.log(`metadata, categories and errors: ${noLearn ? 'without a learned profile (vnpipe run --no-learn)' : 'with a learned profile (vnpipe run, by default)'}\n`);
console.log(
  `${'source'.padEnd(22)} ${'removed'.padStart(8)} ${'no learn'.padStart(8)} ${'ccnet'.padStart(7)} ${'ccnet only'.padStart(10)} ${'body'.padStart(7)} ${'no learn'.padStart(8)} ${'ccnet'.padStart(7)}  ` +
    fieldNames.map((f) => `${f} P/R`.padStart(16)).join('') + '  authors exact',
);
const totalsLast = (a: string) => (a.startsWith('ALL') ? `~${a}` : a);
for (const [source, s] of [...ours].sort(([a], [b]) => totalsLast(a).localeCompare(totalsLast(b)))) {
  const b = base.get(source)!;
  const l = learnedRun.get(source)!;
  const p = plainRun.get(source)!;
  console.log(
    `${source.padEnd(22)} ${String(l.removed).padStart(8)} ${String(p.removed).padStart(8)} ${String(b.removed).padStart(7)} ${String(ccnetOnly(source).length).padStart(10)} ${String(l.bodyKept).padStart(7)} ${String(p.bodyKept).padStart(8)} ${String(b.bodyKept).padStart(7)}  ` +
      fieldNames.map((f) => `${s.field(f).p}/${s.field(f).r}`.padStart(16)).join('') +
      `  ${s.authorsExact} (${s.authorsExact.total})`,
  );
}
const all = ours.get('ALL')!;
const category = (scores: Map<string, Scores>, cat: string) => String(scores.get('ALL')!.byCategory.get(cat) ?? new Ratio());
console.log(`\n${'category'.padEnd(22)} ${'items'.padStart(6)} ${'removed'.padStart(8)} ${'no learn'.padStart(8)} ${'ccnet'.padStart(7)}`);
for (const [cat, r] of [...all.byCategory].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`${cat.padEnd(22)} ${String(r.total).padStart(6)} ${category(learnedRun, cat).padStart(8)} ${category(plainRun, cat).padStart(8)} ${category(base, cat).padStart(7)}`);
}
console.log(`\npipeline: ${(ms / Math.max(1, docs.length)).toFixed(2)} ms per document (learning included)`);
if (args.includes('--errors') && (split === 'dev' || args.includes('--heldout-errors'))) {
  console.log('\nboilerplate left in the output:');
  for (const l of all.left) console.log(`  ${l}`);
  console.log('\nremoved by the baseline, left by the pipeline:');
  for (const k of ccnetOnly('ALL')) console.log(`  ${k}`);
  console.log('\nbody lost:');
  for (const l of all.lost) console.log(`  ${l}`);
  console.log('\nmetadata (+ predicted, not labelled; - labelled, not predicted):');
  for (const l of all.wrong) console.log(`  ${l}`);
}
