import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { buildProfile, compileProfile, documentLines, LineCounter, lineKey, type Profile } from '../../src/text/learned.js';
import { normalizeText } from '../../src/text/normalize.js';
import { processDocument } from '../../src/text/pipeline.js';

/**
 * Review of learning by default (review4): defects found on real crawler output, the
 * dev sources of test/fixtures/crawl (sources, commits and licences in its README and
 * each source's SOURCE.json). Each `it.fails` names a defect that is not fixed yet:
 * flip it to `it` with the fix.
 */
const config = loadConfig();
const CRAWL = join(import.meta.dirname, '../fixtures/crawl/docs');
const read = (source: string, file: string) => readFileSync(join(CRAWL, source, file));
const texts = (source: string) => readdirSync(join(CRAWL, source)).filter((f) => f.endsWith('.txt')).sort();
const norm = (s: string) => normalizeText(s, config.normalize.toneStyle).replace(/\s+/g, ' ').trim();

function learn(docs: { rel: string; bytes: Uint8Array }[], settings: Config['learn'] = config.learn): Profile {
  const counter = new LineCounter(settings);
  for (const d of docs) counter.add(documentLines(d.bytes, d.rel, config));
  return buildProfile(counter.counts(), settings);
}

describe('three crawls of one article in a source of ten (defect: learned lines cut the body of copies)', () => {
  // The same page fetched three times (a refetch, http and https, a tracking parameter):
  // every line of it stands in 3 of the source's 10 documents, so its short lines,
  // headings, quotes cut by the crawler and, in so small a source, its short sentences
  // (3/10 >= learn.minShare) are learned. The copyShare guard fires only when the learned
  // lines take 90 % of a copy; here the long paragraphs are protected, so it does not.
  const CASES: [string, string][] = [
    ['sonlu3612-tuoitre', '002.txt'],
    ['tienthanhuet-vietnamnet', '001.txt'],
    ['chris6868-vnexpress', '001.txt'],
    ['binhbinh22-cafef', '002.txt'],
    ['thuy4tbn99-vnexpress', '003.txt'],
    ['ducc8201-baomoi', '003.txt'],
  ];

  /** Characters of labelled body text kept without learning, and of those, kept with the profile learned from the source. */
  function bodyKept(source: string, file: string): { body: number; kept: number } {
    const article = read(source, file);
    const others = texts(source).filter((f) => f !== file).slice(0, 7);
    const docs = [0, 1, 2].map((i) => ({ rel: `${source}/copy${i}.txt`, bytes: article })).concat(others.map((f) => ({ rel: `${source}/${f}`, bytes: read(source, f) })));
    const learned = compileProfile(learn(docs));
    const plain = norm(processDocument(article, `${source}/copy0.txt`, config).text);
    const cleaned = norm(processDocument(article, `${source}/copy0.txt`, config, learned).text);
    const gold = JSON.parse(read(source, file.replace('.txt', '.gold.json')).toString('utf8')) as { body: string[] };
    let body = 0;
    let kept = 0;
    for (const paragraph of gold.body.map(norm)) {
      const probe = paragraph.slice(0, 60);
      if (paragraph.length < 20 || !plain.includes(probe)) continue;
      body += paragraph.length;
      if (cleaned.includes(probe)) kept += paragraph.length;
    }
    return { body, kept };
  }

  it('the cases are real: the rules alone keep their labelled body', () => {
    for (const [source, file] of CASES) expect(bodyKept(source, file).body, `${source}/${file}`).toBeGreaterThan(500);
  });

  it('each copy keeps at least 99 % of its body (was 0 % to 68 %)', () => {
    for (const [source, file] of CASES) {
      const { body, kept } = bodyKept(source, file);
      expect(kept / body, `${source}/${file}`).toBeGreaterThanOrEqual(0.99);
    }
  });
});

describe('a source larger than learn.maxLinesPerSource (defect: the first lines seen fill the cap)', () => {
  // One source of 52 real vnexpress pages from two crawls: binhbinh22's 20, then nploi's
  // 32, whose pages close with a teaser that stands in 24 of them (as a crawl walked
  // section by section, or a site that changed its template, puts its pages). The cap is
  // 100 lines here, so that 52 pages overfill it as ~10,000 pages of 20 distinct lines
  // (the dev set's mean) overfill the default 200,000: the first pages' one-off body
  // lines take every place, and a line first seen after that is never counted.
  const TEASER = 'Serie A, Ligue I đã có nhà vô địch, nhưng các cuộc đua ở Ngoại hạng Anh và Bundesliga mùa này vẫn căng thẳng.';
  const first = texts('binhbinh22-vnexpress').slice(0, 20).map((f) => ({ rel: `vnexpress/a-${f}`, bytes: read('binhbinh22-vnexpress', f) }));
  const later = texts('nploi-vnexpress').map((f) => ({ rel: `vnexpress/b-${f}`, bytes: read('nploi-vnexpress', f) }));
  const capped = { ...config.learn, maxLinesPerSource: 100 };
  const keys = (p: Profile) => new Set(Object.values(p.sources).flatMap((s) => [...s.lines, ...(s.tail ?? [])].map((l) => lineKey(l.text))));

  it('the teaser is learned when the cap is not reached', () => {
    expect(keys(learn([...first, ...later]))).toContain(lineKey(TEASER));
  });

  it.fails('a line in 24 of 52 documents is learned whatever the order, once the cap is full', () => {
    expect(keys(learn([...later, ...first], capped))).toContain(lineKey(TEASER));
    expect(keys(learn([...first, ...later], capped))).toContain(lineKey(TEASER));
  });

  it.fails('the profile does not depend on the order documents are counted in (one worker or two)', () => {
    expect([...keys(learn([...first, ...later], capped))].sort()).toEqual([...keys(learn([...later, ...first], capped))].sort());
  });
});

describe('records without a url in shard files of different sites (defect: one source for all of them)', () => {
  // A folder of per-site dumps (vnexpress.jsonl, tuoitre.jsonl) whose records hold the text
  // and no url: every record's key is `<shard>#<n>` with no folder in it, so sourceOf gives
  // `(root)` for all, and the sites' lines are counted as one source: minShare and
  // protectShare then divide by the pages of every site. The same texts as files in
  // folders per site are two sources.
  const vnexpress = read('nploi-vnexpress', '001.txt');
  const tuoitre = read('sonlu3612-tuoitre', '001.txt');
  const fields = (bytes: Uint8Array) => ({ content: Buffer.from(bytes).toString('utf8') });

  it('as files in folders per site, they are two sources', () => {
    expect(documentLines(vnexpress, 'vnexpress/001.txt', config).source).not.toBe(documentLines(tuoitre, 'tuoitre/001.txt', config).source);
  });

  it('as records of two shard files, they are two sources too', () => {
    const a = documentLines(vnexpress, 'vnexpress.jsonl#0', config, fields(vnexpress)).source;
    const b = documentLines(tuoitre, 'tuoitre.jsonl.gz#0', config, fields(tuoitre)).source;
    expect(a).not.toBe(b);
    expect([a, b]).toEqual(['vnexpress', 'tuoitre']);
  });
});
