import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildProfile, compileProfile, documentLines, lineKey, LineCounter, parseProfile, sourceOf } from '../../src/text/learned.js';
import { processDocument } from '../../src/text/pipeline.js';
import { generateCorpus, retention } from '../support/corpus-generator.js';

const config = loadConfig();

function learnAndClean(docs: ReturnType<typeof generateCorpus>) {
  const counter = new LineCounter(config.learn);
  for (const doc of docs) counter.add(documentLines(Buffer.from(doc.text), doc.rel, config));
  const profile = buildProfile(counter.counts(), config.learn);
  const learned = compileProfile(profile);
  const outputs = new Map(docs.map((d) => [d.rel, processDocument(Buffer.from(d.text), d.rel, config, learned).text.split('\n\n')]));
  return { profile, outputs };
}

describe('learned boilerplate', () => {
  it('keeps at least 99% of body lines and removes at least 98% of boilerplate on sites no config names', () => {
    const docs = generateCorpus(60);
    const { outputs } = learnAndClean(docs);
    const { bodyKept, boilerplateRemoved } = retention(docs, outputs);
    expect(bodyKept).toBeGreaterThanOrEqual(0.99);
    expect(boilerplateRemoved).toBeGreaterThanOrEqual(0.98);
  });

  it('without a profile the same corpus keeps much of its boilerplate: the generic rules catch its related links and footer heading, not its site lines', () => {
    const docs = generateCorpus(20);
    const outputs = new Map(docs.map((d) => [d.rel, processDocument(Buffer.from(d.text), d.rel, config).text.split('\n\n')]));
    const rulesAlone = retention(docs, outputs).boilerplateRemoved;
    expect(rulesAlone).toBeLessThan(0.7);
    expect(retention(docs, learnAndClean(docs).outputs).boilerplateRemoved - rulesAlone).toBeGreaterThan(0.3);
  });

  it('protects a long sentence-like line that many documents quote, and takes a copyright line all documents carry', () => {
    const { profile } = learnAndClean(generateCorpus(60));
    const texts = Object.values(profile.sources).flatMap((s) => s.lines.map((l) => l.text));
    expect(texts.some((t) => t.startsWith('Chủ tịch Hồ Chí Minh từng căn dặn'))).toBe(false);
    expect(texts).toContain('© Bản quyền thuộc về Báo Ánh Dương. Ghi rõ nguồn "Báo Ánh Dương điện tử" khi phát hành lại thông tin từ website này.');
    expect(profile.sources.site1!.lines).toContainEqual({ text: 'Báo Ánh Dương điện tử', documents: 60 });
  });

  it('learns the same profile whatever the order of the documents', () => {
    const docs = generateCorpus(30);
    const a = learnAndClean(docs).profile;
    const b = learnAndClean([...docs].reverse()).profile;
    expect(b).toEqual(a);
  });

  it('records each learned removal and the footer list after a learned marker', () => {
    const docs = generateCorpus(30);
    const counter = new LineCounter(config.learn);
    for (const doc of docs) counter.add(documentLines(Buffer.from(doc.text), doc.rel, config));
    const learned = compileProfile(buildProfile(counter.counts(), config.learn));
    const doc = processDocument(Buffer.from(docs[0]!.text), docs[0]!.rel, config, learned);
    const reasons = doc.metadata.removed.map((r) => r.reason);
    expect(reasons).toContain('learned');
    expect(reasons).toContain('trailing-block');
    expect(doc.metadata.authors).toHaveLength(1);
  });

  it('keys lines that differ only in case, digits and spacing alike', () => {
    expect(lineKey('Cập nhật: 12/3/2024  08:15')).toBe(lineKey('cập nhật: 1/10/2023 23:59'));
    expect(lineKey('Đọc thêm')).not.toBe(lineKey('Đọc thêm nữa'));
  });

  it('takes the source from the site, else from the top folder', () => {
    expect(sourceOf({ site: 'TuoiTre.vn' }, 'a/b.txt')).toBe('tuoitre.vn');
    expect(sourceOf({ site: null }, 'site1/0001.txt')).toBe('site1');
    expect(sourceOf({ site: null }, '0001.txt')).toBe('(root)');
  });

  it('checks a profile read from a file', () => {
    expect(() => parseProfile({ version: 2 }, 'p.json')).toThrow('profile p.json: not a vnpipe profile (version 1)');
    expect(() => parseProfile({ version: 1, sources: { a: { lines: [{ text: 3 }] } } }, 'p.json')).toThrow(
      'profile p.json: sources["a"].lines[0].text must be a string',
    );
  });
});
