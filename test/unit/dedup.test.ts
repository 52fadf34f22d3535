import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Deduplicator, readSignatureIndex, signatureIndexLines } from '../../src/dedup/clusters.js';
import { estimatedJaccard, jaccard, MinHasher, shingleSet, syllablesOf } from '../../src/dedup/minhash.js';

const settings = loadConfig().dedup;
const hasher = new MinHasher(settings);
// Real headlines and leads from 500+ Vietnamese outlets (DANeS, CC BY 4.0: test/fixtures/dedup/).
const texts: string[] = gunzipSync(readFileSync(new URL('../fixtures/dedup/danes-annotated-1.jsonl.gz', import.meta.url)))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l).text);

describe('MinHash signatures', () => {
  it('hashes the syllables the regular expression finds, one shingle per run of n', () => {
    for (const t of [...texts.slice(0, 300), 'Ông Nguyễn Văn A, 45 tuổi — 𝐇à 𝐍ội', '...', 'Covid-19']) {
      const syllables = syllablesOf(t);
      const shingles = hasher.shingles(t);
      if (!syllables) expect(shingles).toBeNull();
      else expect(shingles!.length).toBe(Math.max(1, syllables.length - settings.ngram + 1));
    }
  });

  it('gives a text the same signature every time, and estimates the Jaccard similarity of real near-duplicates', () => {
    expect(hasher.signature(texts[0]!)).toEqual(new MinHasher(settings).signature(texts[0]!));
    const sets = texts.map((t) => shingleSet(hasher.shingles(t)!));
    const sigs = texts.map((t) => hasher.signature(t)!);
    // Pairs sharing a shingle, through an inverted index.
    const postings = new Map<number, number[]>();
    sets.forEach((set, i) => set.forEach((h) => (postings.get(h) ?? postings.set(h, []).get(h)!).push(i)));
    const pairs = new Set<number>();
    for (const list of postings.values()) if (list.length < 50) for (let x = 0; x < list.length; x++) for (let y = x + 1; y < list.length; y++) pairs.add(list[x]! * 1e5 + list[y]!);
    const errors: number[] = [];
    for (const p of pairs) {
      const [a, b] = [Math.floor(p / 1e5), p % 1e5];
      const j = jaccard(sets[a]!, sets[b]!);
      if (j >= 0.3) errors.push(Math.abs(estimatedJaccard(sigs[a]!, sigs[b]!) - j));
    }
    expect(errors.length).toBeGreaterThan(20);
    // 112 values: a standard error of about 0.045 at J = 0.5.
    expect(errors.reduce((x, y) => x + y, 0) / errors.length).toBeLessThan(0.06);
  });

  it('puts near duplicates in a shared band and unrelated texts in none', () => {
    const long = texts.filter((t) => t.length > 200);
    const a = long[0]!;
    const near = `${a} Theo TTXVN`;
    expect(hasher.bandKeys(hasher.signature(a)!).some((k, i) => k === hasher.bandKeys(hasher.signature(near)!)[i])).toBe(true);
    const keys = long.slice(1, 200).map((t) => new Set(hasher.bandKeys(hasher.signature(t)!)));
    const own = hasher.bandKeys(hasher.signature(a)!);
    expect(keys.filter((k) => own.some((x) => k.has(x))).length).toBeLessThanOrEqual(2);
  });
});

describe('duplicate clusters', () => {
  const story = texts.find((t) => t.length > 300)!;
  const copy = `${story}\n\nTheo Báo Tin tức`;

  it('keeps the earliest, then the longest, then the first; marks the others', () => {
    const d = new Deduplicator(settings);
    d.add({ source: 'a', id: 'a', date: '2021-10-04T09:00:00+07:00', text: story });
    d.add({ source: 'b', id: 'b', date: '2021-10-04T08:00:00+07:00', text: copy });
    d.add({ source: 'c', id: 'c', date: null, text: story });
    d.add({ source: 'd', id: 'd', date: null, text: texts[1]! });
    d.verify((i) => shingleSet(hasher.shingles([story, copy, story, texts[1]!][i]!)!));
    const r = d.finish();
    expect(r.duplicateOf).toEqual(['b', null, 'b', null]);
    expect(r.clusterSize).toEqual([3, 3, 3, 1]);
    expect(r).toMatchObject({ exact: 1, near: 1, prior: 0, clusterSizes: [3] });
  });

  it('joins a candidate pair only when its shingle sets are similar enough', () => {
    const d = new Deduplicator({ ...settings, threshold: 0.999 });
    d.add({ source: 'a', id: 'a', date: null, text: story });
    d.add({ source: 'b', id: 'b', date: null, text: copy });
    expect([...d.candidateDocuments()].sort()).toEqual([0, 1]);
    d.verify((i) => shingleSet(hasher.shingles([story, copy][i]!)!));
    expect(d.finish().duplicateOf).toEqual([null, null]);
  });

  it('checks a later export against an earlier one through its signature index, and refuses other settings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnpipe-index-'));
    const file = join(dir, 'index.gz');
    writeFileSync(file, gzipSync(signatureIndexLines(settings, [{ source: 'old.txt', id: 'o', signature: hasher.signature(story) }]).join('\n')));
    const prior = await readSignatureIndex(file, settings);
    const d = new Deduplicator(settings, prior);
    d.add({ source: 'new.txt', id: 'n', date: '2000-01-01T00:00:00Z', text: copy });
    expect(d.finish()).toMatchObject({ duplicateOf: ['old.txt'], prior: 1, near: 1 });
    await expect(readSignatureIndex(file, { ...settings, bands: 20 })).rejects.toThrow(/signatures of 5-grams in 14 x 8; this export uses 5-grams in 20 x 8/);
    writeFileSync(file, gzipSync('x').subarray(0, 12));
    await expect(readSignatureIndex(file, settings)).rejects.toThrow(/unexpected end of file/);
  });
});
