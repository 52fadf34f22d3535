import { readdirSync, readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PIPELINE } from '../../src/stages/index.js';
import type { Stage } from '../../src/stages/stage.js';
import { processDocument, runStages } from '../../src/text/pipeline.js';

const config = loadConfig();
const samples = new URL('../../samples/', import.meta.url);
const names = readdirSync(samples).sort();

describe('processDocument', () => {
  it('is deterministic: same bytes and source, same document', () => {
    for (const name of names) {
      const bytes = readFileSync(new URL(name, samples));
      expect(processDocument(bytes, name, config)).toEqual(processDocument(Buffer.from(bytes), name, loadConfig()));
    }
  });

  it('gives a stable id that depends on the source path and the content', () => {
    const bytes = readFileSync(new URL(names[0]!, samples));
    const a = processDocument(bytes, 'a.txt', config).id;
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(processDocument(bytes, 'a.txt', config).id).toBe(a);
    expect(processDocument(bytes, 'b.txt', config).id).not.toBe(a);
    expect(processDocument(Buffer.concat([bytes, Buffer.from('\nThêm.')]), 'a.txt', config).id).not.toBe(a);
  });

  it('leaves nothing it removed in the text, and keeps every sentence in it', () => {
    for (const name of names) {
      const doc = processDocument(readFileSync(new URL(name, samples)), name, config);
      for (const { reason, text } of doc.metadata.removed) {
        if (reason === 'teaser' || reason === 'duplicate') continue; // their words stand again in the body
        for (const line of text.split('\n')) expect(doc.text.includes(line), `${name}: ${reason}: ${line}`).toBe(false);
      }
      for (const sentence of doc.sentences) expect(doc.text).toContain(sentence);
      expect(doc.text).not.toMatch(/\n{3,}| {2,}|\u00a0/);
    }
  });

  it('reports a stage that throws as internal-error naming the stage, not as a crash', () => {
    const broken: Stage = { name: 'broken', run() { throw new TypeError('boom'); } };
    const english = Buffer.from('The committee met on Tuesday to discuss the budget and the new rules for public schools.');
    expect(() => runStages(english, 'en.txt', { config }, undefined, [...PIPELINE, broken])).toThrow(
      expect.objectContaining({ reason: 'internal-error', message: 'broken: TypeError: boom' }),
    );
  });

  it('runs the declared stages in order and stops after `until`', () => {
    const { draft, timings } = runStages(Buffer.from('Tiêu đề\n\nMột đoạn văn bản tiếng Việt có dấu.'), 'a.txt', { config }, 'normalize');
    expect(Object.keys(timings)).toEqual(['decode', 'record', 'unwrap', 'extract', 'normalize']);
    expect(draft.lines.map((l) => l.text)).toEqual(['Tiêu đề', 'Một đoạn văn bản tiếng Việt có dấu.']);
    expect(draft.paragraphs).toEqual([]);
    expect(Object.keys(runStages(Buffer.from('x y z'), 'a.txt', { config }).timings)).toEqual(PIPELINE.map((s) => s.name));
  });

  it('extracts the article of a real HTML page: no markup in the text, metadata from the page, removals with reasons', () => {
    const page = readFileSync(new URL('../fixtures/html/dev/vnexpress-net-01.html', import.meta.url));
    const truth = JSON.parse(readFileSync(new URL('../fixtures/html/dev/vnexpress-net-01.json', import.meta.url), 'utf8'));
    const doc = processDocument(page, 'a.html', config);
    expect(doc.text).not.toMatch(/<\/?[a-z][^>]*>|\{[^}]*:[^}]*\}/i);
    expect(doc.metadata.title).toBe(truth.truth.title);
    expect(doc.metadata.language).toBe('vie');
    expect(doc.metadata.removed.some((r) => r.reason === 'navigation' || r.reason === 'related')).toBe(true);
    const firstTruthParagraph = readFileSync(new URL('../fixtures/html/dev/vnexpress-net-01.txt', import.meta.url), 'utf8').split('\n\n')[0]!;
    expect(doc.text.startsWith(firstTruthParagraph.normalize('NFC').slice(0, 40))).toBe(true);
  });

  it('fails an HTML page with no article as no-article, and leaves plain text that mentions tags alone', () => {
    const menu = Buffer.from('<html><body><nav><a href="/">Trang chủ</a> <a href="/tt">Thời sự</a></nav><footer>© 2024</footer></body></html>');
    expect(() => processDocument(menu, 'menu.html', config)).toThrow(expect.objectContaining({ reason: 'no-article' }));
    const prose = Buffer.from('Thẻ <b> trong HTML làm chữ đậm. Đây là một câu tiếng Việt bình thường về lập trình web.');
    expect(processDocument(prose, 'a.txt', config).text).toContain('Thẻ <b> trong HTML');
  });

  it("decodes a page in the charset it declares when no Vietnamese encoding reads it, and not bytes that are no text", () => {
    const russian = 'Президент заявил во вторник, что правительство представит новый бюджет в парламент до конца месяца.';
    const page = `<html><head><meta charset="windows-1251"><title>Новости</title></head><body><article><p>${russian}</p><p>${russian}</p></article></body></html>`;
    const doc = processDocument(iconv.encode(page, 'windows-1251'), 'ru.html', config);
    expect(doc.metadata.encoding).toBe('windows-1251');
    expect(doc.text).toContain(russian);
    expect(doc.metadata.language).toBe('rus');
    const noise = Buffer.concat([Buffer.from('<html><head><meta charset="utf-8"></head><body><p>'), Buffer.from(Array.from({ length: 4000 }, (_, i) => 0x80 + ((i * 37) % 120))), Buffer.from('</p></body></html>')]);
    expect(() => processDocument(noise, 'noise.html', config)).toThrow(expect.objectContaining({ reason: 'undecodable' }));
  });

  it('passes input errors through with their own reason', () => {
    expect(() => processDocument(Buffer.alloc(0), 'e.txt', config)).toThrow(expect.objectContaining({ reason: 'empty' }));
  });
});
