/**
 * Near-duplicate detection against exact Jaccard similarity, on real syndicated news
 * (bench/dedup-data.ts: DANeS, 500+ outlets, the same weeks). Every pair of documents
 * whose sets of syllable n-grams (the shingles MinHash samples) have Jaccard >= 0.8 is
 * found by brute force over an inverted index of shingles; the MinHash-LSH pairs (a
 * shared band, then the pair's shingle sets checked, as export does) are scored against
 * them: pair precision and recall, on the dev sites and once on the held-out third of
 * the sites. Beside it in the same run: exact-text hashing (what export did before),
 * LSH with the 112-hash estimate as the check, and LSH candidates unchecked. The
 * brute force uses string shingles, export 32-bit hashes of them: a collision is the
 * only way they can differ. Then the hand labels
 * (test/fixtures/dedup/labels.tsv): are the pairs the same story?
 *
 *   npm run eval:dedup [-- --fetch] [--held-out] [--sample 40 --from 0.5]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, PACKAGE_ROOT } from '../src/config.js';
import { Deduplicator } from '../src/dedup/clusters.js';
import { estimatedJaccard, jaccard, MinHasher, shingleSet, syllablesOf } from '../src/dedup/minhash.js';
import { fetchBatch8, loadEvalSet, type EvalDoc } from './dedup-data.js';

const { values } = parseArgs({ options: { fetch: { type: 'boolean', default: false }, sample: { type: 'string' }, 'held-out': { type: 'boolean', default: false }, from: { type: 'string', default: '0.5' }, threshold: { type: 'string', default: '0.8' } } });
if (values.fetch) await fetchBatch8();
const settings = loadConfig().dedup;
const target = Number(values.threshold);
const { docs, missing } = loadEvalSet();
if (missing) console.log(`note: ${missing}; scoring the stored part only`);

const key = (a: number, b: number) => (a < b ? a * 1e6 + b : b * 1e6 + a);

// Exact Jaccard of every pair that shares a shingle.
const shingleSets = docs.map((d) => {
  const s = syllablesOf(d.text) ?? [];
  const n = Math.min(settings.ngram, s.length);
  const set = new Set<string>();
  for (let i = 0; i + n <= s.length && n > 0; i++) set.add(s.slice(i, i + n).join(' '));
  return set;
});
const postings = new Map<string, number[]>();
shingleSets.forEach((set, i) => set.forEach((g) => (postings.get(g) ?? postings.set(g, []).get(g)!).push(i)));
const shared = new Map<number, number>();
for (const list of postings.values()) {
  for (let x = 0; x < list.length; x++) for (let y = x + 1; y < list.length; y++) {
    const k = key(list[x]!, list[y]!);
    shared.set(k, (shared.get(k) ?? 0) + 1);
  }
}
const exactJaccard = new Map<number, number>();
for (const [k, inter] of shared) {
  const a = Math.floor(k / 1e6);
  const b = k % 1e6;
  exactJaccard.set(k, inter / (shingleSets[a]!.size + shingleSets[b]!.size - inter));
}
const truth = new Set([...exactJaccard].filter(([, j]) => j >= target).map(([k]) => k));

// MinHash-LSH pairs.
const hasher = new MinHasher(settings);
const sigs = docs.map((d) => hasher.signature(d.text));
const buckets = new Map<string, number[]>();
sigs.forEach((sig, i) => {
  if (!sig) return;
  hasher.bandKeys(sig).forEach((k, band) => {
    const id = `${band}:${k}`;
    (buckets.get(id) ?? buckets.set(id, []).get(id)!).push(i);
  });
});
const candidates = new Set<number>();
for (const list of buckets.values()) for (let x = 0; x < list.length; x++) for (let y = x + 1; y < list.length; y++) candidates.add(key(list[x]!, list[y]!));
const estimated = new Set([...candidates].filter((k) => estimatedJaccard(sigs[Math.floor(k / 1e6)]!, sigs[k % 1e6]!) >= settings.threshold));
const shingleHashes = docs.map((d) => {
  const all = hasher.shingles(d.text);
  return all && shingleSet(all);
});
const declared = new Set([...candidates].filter((k) => jaccard(shingleHashes[Math.floor(k / 1e6)]!, shingleHashes[k % 1e6]!) >= settings.threshold));

// Exact text hashing, as export did before near duplicates.
const byText = new Map<string, number[]>();
docs.forEach((d, i) => (byText.get(d.text) ?? byText.set(d.text, []).get(d.text)!).push(i));
const exact = new Set<number>();
for (const list of byText.values()) for (let x = 0; x < list.length; x++) for (let y = x + 1; y < list.length; y++) exact.add(key(list[x]!, list[y]!));

// The export's clusters: pairs in one cluster (union-find makes them transitive).
const dedup = new Deduplicator(settings);
docs.forEach((d) => dedup.add({ source: d.id, id: d.id, date: null, text: d.text }));
dedup.verify((i) => shingleHashes[i] ?? null);
const result = dedup.finish();
const clusterOf = docs.map((d, i) => result.duplicateOf[i] ?? d.id);
const members = new Map<string, number[]>();
clusterOf.forEach((c, i) => (members.get(c) ?? members.set(c, []).get(c)!).push(i));
const clustered = new Set<number>();
for (const list of members.values()) for (let x = 0; x < list.length; x++) for (let y = x + 1; y < list.length; y++) clustered.add(key(list[x]!, list[y]!));

function score(found: Set<number>, keep: (a: EvalDoc, b: EvalDoc) => boolean): string {
  const inScope = (k: number) => keep(docs[Math.floor(k / 1e6)]!, docs[k % 1e6]!);
  const t = [...truth].filter(inScope);
  const f = [...found].filter(inScope);
  const hit = f.filter((k) => truth.has(k)).length;
  const p = f.length ? hit / f.length : 1;
  const r = t.length ? hit / t.length : 1;
  return `precision ${p.toFixed(3)} (${hit}/${f.length})  recall ${r.toFixed(3)} (${hit}/${t.length})`;
}

// The held-out third is scored only when asked: once, at the end of a change.
const scopes: [string, (a: EvalDoc, b: EvalDoc) => boolean][] = [
  ['dev sites', (a, b) => !a.heldOut && !b.heldOut],
  ...(values['held-out']
    ? ([
        ['held-out sites (held-out)', (a, b) => a.heldOut && b.heldOut],
        ['all pairs (held-out included)', () => true],
      ] as [string, (a: EvalDoc, b: EvalDoc) => boolean][])
    : []),
];
const outlets = new Set(docs.map((d) => d.outlet));
console.log(`${docs.length} documents from ${outlets.size} outlets (${docs.filter((d) => d.heldOut).length} from held-out outlets); ${settings.ngram}-gram shingles`);
const devTruth = [...truth].filter((k) => !docs[Math.floor(k / 1e6)]!.heldOut && !docs[k % 1e6]!.heldOut);
console.log(`dev pairs with exact Jaccard >= ${target}: ${devTruth.length} (${devTruth.filter((k) => !exact.has(k)).length} of them not identical texts)`);
console.log(`MinHash ${settings.bands} bands x ${settings.rows} rows, signature threshold ${settings.threshold}`);
for (const [name, keep] of scopes) {
  console.log(`\n${name}`);
  console.log(`  MinHash-LSH, shingle check  ${score(declared, keep)}   (what export does)`);
  console.log(`  LSH, signature check        ${score(estimated, keep)}`);
  console.log(`  LSH candidates, unchecked   ${score(candidates, keep)}`);
  console.log(`  same cluster (transitive)   ${score(clustered, keep)}`);
  console.log(`  exact text hash (baseline)  ${score(exact, keep)}`);
}

// Hand labels: pairs sampled from the dev sites at Jaccard >= 0.5, read and judged.
const labels = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'dedup', 'labels.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => l.split('\t'));
const index = new Map(docs.map((d, i) => [d.id, i]));
let sameDeclared = 0;
let declaredLabelled = 0;
let same = 0;
let sameFound = 0;
let unknown = 0;
let sameHigh = 0;
let sameHighFound = 0;
for (const [a, b, verdict] of labels) {
  const i = index.get(a!);
  const j = index.get(b!);
  if (i === undefined || j === undefined) {
    unknown++;
    continue;
  }
  const isDeclared = declared.has(key(i, j));
  if (isDeclared) declaredLabelled++;
  if (verdict === 'same') {
    same++;
    if (isDeclared) sameFound++;
    if ((exactJaccard.get(key(i, j)) ?? 0) >= target) {
      sameHigh++;
      if (isDeclared) sameHighFound++;
    }
  }
  if (isDeclared && verdict === 'same') sameDeclared++;
}
console.log(`\nhand labels (${labels.length} dev pairs at Jaccard >= 0.5, read one by one: the same story?${unknown ? `; ${unknown} not in the loaded set` : ''})`);
console.log(`  of the pairs MinHash-LSH declares, the same story: ${sameDeclared}/${declaredLabelled}`);
console.log(`  of the same-story pairs at Jaccard >= ${target}, declared: ${sameHighFound}/${sameHigh}`);
console.log(`  of all the same-story pairs (Jaccard >= 0.5), declared: ${sameFound}/${same} (a rewritten headline or lead falls below ${target})`);

if (values.sample) {
  // For labelling: dev pairs at Jaccard >= --from, a fixed spread over them.
  const pool = [...exactJaccard].filter(([k, j]) => j >= Number(values.from) && !docs[Math.floor(k / 1e6)]!.heldOut && !docs[k % 1e6]!.heldOut).sort((x, y) => x[0] - y[0]);
  const n = Number(values.sample);
  const picks = new Set(Array.from({ length: Math.min(n, pool.length) }, (_, s) => Math.floor((s * pool.length) / Math.min(n, pool.length))));
  for (const p of picks) {
    const [k, j] = pool[p]!;
    const a = docs[Math.floor(k / 1e6)]!;
    const b = docs[k % 1e6]!;
    console.log(`\n${a.id}\t${b.id}\tJ=${j.toFixed(2)}\tlsh=${declared.has(k)}\n  A ${a.outlet}: ${a.text.replace(/\n+/g, ' / ').slice(0, 260)}\n  B ${b.outlet}: ${b.text.replace(/\n+/g, ' / ').slice(0, 260)}`);
  }
}
