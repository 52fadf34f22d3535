import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { processDocument } from '../../src/text/pipeline.js';
import { readRecord, recordHeader } from '../../src/text/record.js';

const config = loadConfig();
// A real news-please record (test/fixtures/records/SOURCE.md): `authors: []` where it found none.
const newsPlease = JSON.parse(readFileSync(new URL('../fixtures/records/015_dao-tao-boi-duong-nha-giao-va-can-bo-quan-ly-gdmn-giai-doan-2018-2025-dat-nhieu-thanh-tuu-post255548_gd.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const header = (record: Record<string, unknown>) => recordHeader(record, config.records, '+07:00');

describe('review: a record field that is filled but says nothing gives way to the next one', () => {
  it('takes `author` when `authors` is an empty list, and keeps the empty list in the record', () => {
    const { header: h, used } = header({ ...newsPlease, authors: [], author: 'Minh Anh' });
    expect(h.authors).toEqual(['Minh Anh']);
    expect(used).toContain('author');
    expect(used).not.toContain('authors');
  });

  it('takes `date` when `date_publish` holds no date ("None", as Python writes a missing value to CSV)', () => {
    expect(header({ ...newsPlease, date_publish: 'None', date: '2025-10-30 22:26:23' }).header.date).toBe('2025-10-30T22:26:23+07:00');
  });
});

describe('review: numeric dates', () => {
  it('reads 8 digits as a calendar date (20251030), not as seconds of 1970', () => {
    expect(header({ date: 20251030 }).header.date).toBe('2025-10-30');
    expect(header({ date: '20251030' }).header.date).toBe('2025-10-30');
  });

  it('reads epoch seconds or milliseconds written as a string (every CSV cell is one)', () => {
    expect(header({ date: '1761837983' }).header.date).toBe('2025-10-30T15:26:23Z');
    expect(header({ date: '1761837983000' }).header.date).toBe('2025-10-30T15:26:23Z');
  });

  it('takes 0 or a negative number (a crawler\'s "unknown") for no date, not 1970', () => {
    expect(header({ date: 0 }).header.date).toBeNull();
    expect(header({ date: -1 }).header.date).toBeNull();
  });
});

describe('review: a text field that is a list of something other than text', () => {
  it('says so, instead of calling it empty', () => {
    expect(() => readRecord(JSON.stringify({ content: [{ type: 'p', value: 'Hà Nội' }] }), config.records, '+07:00')).toThrow(
      /text field "content" holds a list of objects, not text/,
    );
  });
});

describe('review: a dump of many records cut mid-record, given as one document', () => {
  // As a crawler killed mid-write leaves it: the last record cut.
  const lines = [newsPlease, newsPlease, newsPlease].map((r) => JSON.stringify(r)).join('\n');
  const cutLines = lines.slice(0, lines.length - 300);
  const list = JSON.stringify([newsPlease, newsPlease, newsPlease], null, 2);
  const cutList = list.slice(0, list.length - 300);

  it.each([
    ['JSON lines', cutLines],
    ['a JSON list', cutList],
  ])('fails as bad-record (%s) instead of putting JSON syntax in the corpus', (_form, text) => {
    expect(() => processDocument(Buffer.from(text), 'dump/x.txt', config)).toThrow(/a file of .*records.*not one document/);
  });

  it('still lets a text that opens with a brace through', () => {
    const text = '{Nóng} Giá vàng hôm nay tăng mạnh.\nGiá vàng SJC tăng 500.000 đồng mỗi lượng trong phiên sáng nay, theo các doanh nghiệp kinh doanh vàng.';
    expect(readRecord(text, config.records, '+07:00')).toBeNull();
  });
});
