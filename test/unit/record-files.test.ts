import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CSV } from '../../src/io/csv.js';
import { JSON_LIST } from '../../src/io/json-list.js';
import { jsonRecord } from '../../src/io/jsonl.js';
import { ShardSource } from '../../src/io/shards.js';

// Real news-please records (test/fixtures/records/SOURCE.md), as crawlers also dump them: a JSON list, a CSV table.
const dir = new URL('../fixtures/records/', import.meta.url);
const real = ['015_dao-tao-boi-duong-nha-giao-va-can-bo-quan-ly-gdmn-giai-doan-2018-2025-dat-nhieu-thanh-tuu-post255548_gd.json', '005_tu-chuan-hoa-den-nang-tam-doi-ngu-post919412_html.json'].map(
  (name) => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Record<string, string>,
);
const rows = [real[0]!, { ...real[1]!, maintext: 'Ngày 30/10, tại Hà Nội, Bộ Giáo dục và Đào tạo tổ chức Hội nghị, "tổng kết" đề án.\nĐoạn hai.' }, real[0]!];

async function read(file: string, content: Buffer | string, from = 0, to = 100) {
  const folder = mkdtempSync(join(tmpdir(), 'vnpipe-records-'));
  writeFileSync(join(folder, file), content);
  const source = new ShardSource(`file://${folder}`, { formats: [JSON_LIST, CSV], textFields: ['maintext', 'content', 'text'] });
  const out: string[] = [];
  try {
    for await (const r of source.records(file, from, to, 1 << 20)) {
      out.push('error' in r ? `${r.index} ${r.error.reason}: ${r.error.message}` : `${r.index} ${r.fields.url} ${Buffer.from(r.bytes).toString('utf8').slice(0, 30)}`);
    }
  } catch (err) {
    out.push(`threw ${(err as Error).message}`);
  }
  await source.close();
  return out;
}

function csv(records: Record<string, string>[], sep = ','): string {
  const cols = ['url', 'title', 'maintext'];
  const cell = (v: string) => (sep === ',' ? `"${v.replaceAll('"', '""')}"` : v.replace(/[\t\n]/g, ' '));
  return `\uFEFF${cols.join(sep)}\r\n${records.map((r) => cols.map((c) => cell(r[c] ?? '')).join(sep)).join('\r\n')}\r\n`;
}

describe('crawler dumps as shards: a JSON list, a CSV or TSV table', () => {
  const expected = rows.map((r, i) => `${i} ${r.url} ${r.maintext!.slice(0, 30)}`);

  it('reads each record of a JSON list, gzipped too, with its other fields', async () => {
    expect(await read('dump.json', JSON.stringify(rows, null, 1))).toEqual(expected);
    expect(await read('dump.json.gz', gzipSync(JSON.stringify(rows)))).toEqual(expected);
    expect(await read('dump.json', JSON.stringify(rows), 1, 2)).toEqual(expected.slice(1, 2));
  });

  it('reads each row of a CSV (quoted cells over lines, a BOM, CRLF) and of a TSV', async () => {
    expect(await read('dump.csv', csv(rows))).toEqual(expected);
    expect(await read('dump.csv', csv(rows), 2)).toEqual(expected.slice(2));
    expect((await read('dump.tsv', csv(rows, '\t'))).map((l) => l.slice(0, 60))).toEqual(expected.map((l) => l.slice(0, 60)));
  });

  it('fails a record without the text field alone, and says where a table breaks', async () => {
    const noText = JSON.stringify([rows[0], { url: 'https://a.vn/x', title: 'không có nội dung' }, rows[2]]);
    expect(await read('dump.json', noText)).toEqual([expected[0], '1 bad-record: record 1 with none of the text fields maintext, content, text (records.textFields); its fields: url, title', expected[2]]);
    const broken = `${csv(rows.slice(0, 1))}"https://a.vn/2","tiêu đề","nội dung không đóng ngoặc\n`;
    expect(await read('dump.csv', broken)).toEqual([
      expected[0],
      '1 bad-record: record 1 and after cannot be read as CSV: Quote Not Closed: the parsing is finished with an opening quote at line 3',
    ]);
  });
});

describe('JSON lines records as crawlers write them', () => {
  it('reads a first line after a byte order mark, and authors given as people with names', async () => {
    const { maintext, url } = real[0]!;
    const line = Buffer.from(`\uFEFF${JSON.stringify({ url, maintext, authors: [{ '@type': 'Person', name: 'Minh Anh' }, { name: 'Hoàng Nam' }], tags: [{ id: 1 }] })}`);
    const record = jsonRecord(0, line, ['maintext']);
    expect('error' in record ? record.error.message : record.fields).toEqual({ url, authors: ['Minh Anh', 'Hoàng Nam'] });
  });
});
