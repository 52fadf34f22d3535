import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { processDocument } from '../../src/text/pipeline.js';

const config = loadConfig();
const dir = new URL('../fixtures/records/', import.meta.url);
const GIAODUC = '015_dao-tao-boi-duong-nha-giao-va-can-bo-quan-ly-gdmn-giai-doan-2018-2025-dat-nhieu-thanh-tuu-post255548_gd.json';
const NHANDAN = '005_tu-chuan-hoa-den-nang-tam-doi-ngu-post919412_html.json';
const bytes = (name: string) => readFileSync(new URL(name, dir));
const record = JSON.parse(bytes(GIAODUC).toString('utf8')) as Record<string, string>;

function failure(input: Uint8Array | string, name: string): string {
  try {
    processDocument(typeof input === 'string' ? Buffer.from(input) : input, name, config);
  } catch (err) {
    return `${(err as { reason?: string }).reason}: ${(err as Error).message}`;
  }
  return 'no failure';
}

describe('a crawler record in JSON (news-please, from a real crawl)', () => {
  const doc = processDocument(bytes(GIAODUC), GIAODUC, config);

  it('becomes its text field, with no JSON syntax left', () => {
    expect(doc.text.startsWith('GDVN - Đề án "Đào tạo, bồi dưỡng nhà giáo')).toBe(true);
    expect(doc.text).not.toMatch(/"maintext"|"date_publish"|\\"|image_url/);
    expect(doc.sentences.length).toBeGreaterThan(40);
    expect(doc.metadata.language).toBe('vie');
  });

  it("takes title, date, url and site from the record's fields", () => {
    expect(doc.metadata).toMatchObject({
      title: record.title,
      date: '2025-10-30T19:45:37+07:00',
      url: record.url,
      site: 'giaoduc.net.vn',
      authors: [],
    });
  });

  it('fails a record whose text field is empty as bad-record, naming the field', () => {
    expect(failure(bytes(NHANDAN), NHANDAN)).toBe('bad-record: a JSON record whose text field "maintext" is empty');
  });

  it('fails a file of many records (JSON lines, a JSON list, a CSV table) as bad-record, saying how to give them', () => {
    const { maintext, title, url } = record;
    const two = [{ url, title, content: maintext }, { url: `${url}?2`, title, content: maintext }];
    expect(failure(two.map((r) => JSON.stringify(r)).join('\n'), 'dump.jsonl')).toMatch(/^bad-record: a file of 2 records \(JSON lines\), not one document: give the file itself as the input \(vnpipe run <file> --out <dir>/);
    expect(failure(JSON.stringify(two), 'dump.json')).toMatch(/^bad-record: a file of 2 records \(a JSON list\)/);
    const csv = `url,title,content\n${two.map((r) => `${r.url},"${r.title}","${r.content!.replaceAll('"', '""')}"`).join('\n')}\n`;
    expect(failure(csv, 'dump.csv')).toMatch(/^bad-record: a file of up to \d+ records \(a table with the columns url, title, content\)/);
  });

  it('reads authors and a date from other field names and forms, and leaves text that only looks like JSON alone', () => {
    const scrapy = JSON.stringify({ link: record.url, tieu_de: record.title, noi_dung: [record.maintext], tac_gia: 'Minh Anh - Hoàng Nam', ngay_dang: '30/10/2025 19:45' });
    const out = processDocument(Buffer.from(scrapy), 'item.json', config);
    expect(out.metadata).toMatchObject({ authors: ['Minh Anh', 'Hoàng Nam'], date: '2025-10-30T19:45:00+07:00', title: record.title, site: 'giaoduc.net.vn' });
    expect(out.text.startsWith('GDVN - Đề án')).toBe(true);
    const braces = '{Ghi chú của biên tập viên} Bài viết này có nhiều đoạn. {Hết}';
    expect(processDocument(Buffer.from(braces), 'note.txt', config).text).toBe(braces);
  });
});
