import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { splitLines } from '../../src/text/lines.js';
import { extractMetadata } from '../../src/text/metadata.js';
import { normalizeText } from '../../src/text/normalize.js';

// First-line titles (issue 16, round 6) on real dev texts of test/fixtures/crawl, with the
// crawler's own title (SOURCE.json `crawler_fields`) set over the text as README Round 4 does.
const config = loadConfig();
const docs = join(import.meta.dirname, '../fixtures/crawl/docs');
const read = (path: string) => readFileSync(join(docs, path), 'utf8');
const titleOf = (text: string) => extractMetadata(splitLines(normalizeText(text, config.normalize.toneStyle)), config.metadata.timezone).header.title;
const crawlerTitle = (source: string, n: string) =>
  (JSON.parse(read(`${source}/SOURCE.json`)) as { crawler_fields: Record<string, { title: string }> }).crawler_fields[n]!.title.trim();

describe('a headline over the text’s first subheading', () => {
  it.each([
    ['binhbinh22-nhandan', '001'],
    ['binhbinh22-nhandan', '019'],
    ['nlplabtdtu-bongdaplus', '005'],
  ])('reads the crawler title set over %s %s, whose text opens with a heading', (source, n) => {
    const title = crawlerTitle(source, n);
    const text = read(`${source}/${n}.txt`);
    expect(titleOf(`${title}\n${text}`)).toBe(normalizeText(title, config.normalize.toneStyle));
    expect(titleOf(`${title}\n\n${text}`)).toBe(normalizeText(title, config.normalize.toneStyle));
  });
});

describe('a first line that closes with a credit is a caption, not a title', () => {
  it.each([
    ['ducc8201-baomoi/005.txt', 'Quang Hải xuất hiện ở tạp chí World Soccer. (Nguồn: Dân trí)'],
    ['ducc8201-24h/003.txt', 'Nhân viên Bệnh viện Đa khoa Đồng Nai đo thân nhiệt cho người dân khi đến khám bệnh. (Ảnh: Sao Mai)'],
  ])('%s', (path, line) => {
    const text = read(path);
    expect(text).toContain(line);
    expect(titleOf(text)).toBeNull();
    // Without its credit the same line is headline-shaped enough to be read as one: the credit decides.
    expect(titleOf(text.replace(line, line.replace(/\. \((?:Nguồn|Ảnh): [^)]*\)$/, '')))).not.toBeNull();
  });
});
