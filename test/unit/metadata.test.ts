import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitLines } from '../../src/text/lines.js';
import { extractMetadata } from '../../src/text/metadata.js';

const run = (text: string) => extractMetadata(splitLines(text), '+07:00');

describe('extractMetadata', () => {
  it('reads Jekyll front matter and the feed link and image after it', () => {
    const text = [
      '---',
      'layout: post',
      'title: " [Tổng Bí thư, Chủ tịch nước Tô Lâm] Tổng Bí thư, Chủ tịch nước Tô Lâm thăm, làm việc với Tổng cục II"',
      'date: Mon, 30 Sep 2024 11:00:00 +0700',
      'categories: entries VN',
      '---',
      '[Tổng Bí thư thăm Tổng cục II](https://tuoitre.vn/tong-bi-thu-20240929150717692.htm)',
      '',
      '![Tổng Bí thư](https://cdn1.tuoitre.vn/a.png)',
      '',
      'Phát biểu tại đây, Tổng Bí thư nhấn mạnh.',
    ].join('\n');
    const { header, lines, removed } = run(text);
    expect(header).toEqual({
      title: 'Tổng Bí thư, Chủ tịch nước Tô Lâm thăm, làm việc với Tổng cục II',
      date: '2024-09-30T11:00:00+07:00',
      category: 'entries VN',
      authors: [],
      url: 'https://tuoitre.vn/tong-bi-thu-20240929150717692.htm',
      site: 'tuoitre.vn',
    });
    expect(lines.map((l) => l.text)).toEqual(['Phát biểu tại đây, Tổng Bí thư nhấn mạnh.']);
    expect(removed.map((r) => r.reason)).toEqual(['front-matter', 'markdown-link', 'markdown-image']);
    expect(removed[0]!.text.split('\n')).toHaveLength(6);
  });

  it('takes the link text as title when front matter has none', () => {
    const { header } = run('[Bộ Công an họp](https://www.cand.com.vn/a.html)\nNội dung.');
    expect(header.title).toBe('Bộ Công an họp');
    expect(header.site).toBe('cand.com.vn');
  });

  it('reads a title line over an HH:MM | DD/MM/YYYY | CATEGORY line', () => {
    const text = 'Bộ Công an: Quán triệt Nghị quyết số 56 của Bộ Chính trị\n\n15:00 | 28/10/2022 | AN NINH – QUỐC PHÒNG\nSáng ngày 28/10, tại Hà Nội.';
    const { header, lines, removed } = run(text);
    expect(header.title).toBe('Bộ Công an: Quán triệt Nghị quyết số 56 của Bộ Chính trị');
    expect(header.date).toBe('2022-10-28T15:00:00+07:00');
    expect(header.category).toBe('AN NINH – QUỐC PHÒNG');
    expect(lines.map((l) => l.text)).toEqual(['Sáng ngày 28/10, tại Hà Nội.']);
    expect(removed).toEqual([
      { reason: 'title', text: 'Bộ Công an: Quán triệt Nghị quyết số 56 của Bộ Chính trị' },
      { reason: 'meta-line', text: '15:00 | 28/10/2022 | AN NINH – QUỐC PHÒNG' },
    ]);
  });

  it('reads a meta line without a category or a title', () => {
    const { header, lines } = run('09:00 | 08/03/2018\nNgày 07/3/2018, tại Hà Nội.');
    expect(header).toMatchObject({ title: null, date: '2018-03-08T09:00:00+07:00', category: null });
    expect(lines).toHaveLength(1);
  });

  it('reads a VTC dateline on its own line', () => {
    const { header, lines, removed } = run(' date 2023-12 (VTC News) -\n\nYêu cầu này được nhấn mạnh.'.trim());
    expect(header).toMatchObject({ date: '2023-12', site: 'VTC News', title: null });
    expect(lines.map((l) => l.text)).toEqual(['Yêu cầu này được nhấn mạnh.']);
    expect(removed).toEqual([{ reason: 'dateline', text: 'date 2023-12 (VTC News) -' }]);
  });

  it('keeps the lead when it shares the dateline', () => {
    const { header, lines, removed } = run('date 2023-12-20 (VTC News) - Yêu cầu này được nhấn mạnh.');
    expect(header.date).toBe('2023-12-20');
    expect(lines.map((l) => l.text)).toEqual(['Yêu cầu này được nhấn mạnh.']);
    expect(removed).toEqual([{ reason: 'dateline', text: 'date 2023-12-20 (VTC News) -' }]);
  });

  it('leaves a document with no known layout alone', () => {
    const text = 'leftcenterrightdel\nĐại tướng Lương Cường làm việc.\n\nNăm 2023, nhiệm vụ chính trị.';
    const { header, lines, removed } = run(text);
    expect(header).toEqual({ title: null, date: null, category: null, authors: [], url: null, site: null });
    expect(lines).toHaveLength(3);
    expect(removed).toEqual([]);
  });

  it('does not read a meta line deep in the body', () => {
    const { header } = run('Một.\n\nHai.\n\nBa.\n\n15:00 | 28/10/2022 | THỂ THAO');
    expect(header.date).toBeNull();
  });

  // Heads of real crawled files (test/fixtures/crawl, dev sources).
  it('takes a first line shaped like a headline as the title when a paragraph follows it', () => {
    const lead = 'Phó đô đốc Karl Thomas, tư lệnh Hạm đội 7 của Hải quân Mỹ, hôm 4/11 quyết định cách chức chỉ huy tàu ngầm USS Connecticut.';
    for (const title of ['Mỹ cách chức hạm trưởng tàu ngầm va chạm ở Biển Đông', 'Người nhiễm HIV đầu tiên ở Việt Nam giờ ra sao?', "'Tôi dạy múa cột' và chuyện nghề"]) {
      const { header, lines, removed } = run(`${title}\n\n${lead}`);
      expect(header.title).toBe(title);
      expect(lines.map((l) => l.text)).toEqual([lead]);
      expect(removed).toEqual([{ reason: 'title', text: title }]);
    }
  });

  it('reads a markdown title underlined or behind #', () => {
    const body = 'Tân cảng Cát Lái đã đạt các tiêu chí của chương trình Hệ thống cảng Xanh (GPAS).';
    expect(run(`Tân Cảng -Cát Lái đoạt giải thưởng cảng Xanh của APEC.\n======\n\n${body}`).header.title).toBe(
      'Tân Cảng -Cát Lái đoạt giải thưởng cảng Xanh của APEC.',
    );
    expect(run(`# Cách tính lãi vay theo phương pháp dư nợ giảm dần\n\n${body}`).header.title).toBe('Cách tính lãi vay theo phương pháp dư nợ giảm dần');
  });

  it('takes no title from a sentence, a short line, a menu over the text, or a one-line dump', () => {
    const lead = 'Ngày 17/11, Công an tỉnh Vĩnh Long tạm giữ hình sự Nguyễn Thanh Nhựt để điều tra về vụ bắt cóc nữ chủ quán cà phê ven quốc lộ 53.';
    for (const text of [
      `Cảnh sát đang lấy lời khai thanh niên này.\n\n${lead}`,
      `Thời sự\n\n${lead}`,
      `Báo Ánh Dương điện tử\n\nTrang chủ | Thời sự | Kinh tế | Văn hóa | Thể thao\n\n${lead}`,
      `${lead} Cảnh sát đang lấy lời khai thanh niên này.`,
    ]) {
      expect(run(text).header.title).toBeNull();
    }
    // A headline right over a lead that ends like a sentence is the title (issue 16: plain-text dumps).
    expect(run(`Tạm giữ thêm nghi can tham gia bắt cóc chủ quán cà phê\n${lead}`).header.title).toBe('Tạm giữ thêm nghi can tham gia bắt cóc chủ quán cà phê');
  });
});

describe('a headline over a one-line dump', () => {
  // Dev documents of test/fixtures/crawl and the titles their crawlers stored in another field.
  const doc = (source: string, id: string) => {
    const dir = join(import.meta.dirname, '../fixtures/crawl/docs', source);
    const fields = (JSON.parse(readFileSync(join(dir, 'SOURCE.json'), 'utf8')) as { crawler_fields: Record<string, { title: string }> }).crawler_fields;
    return { text: readFileSync(join(dir, `${id}.txt`), 'utf8'), title: fields[id]!.title.trim() };
  };
  const read = (t: string) => extractMetadata(splitLines(t), '+07:00');

  it('is the title: the dump opens with sentences, whatever ends it', () => {
    // sibaso-dantri 002 ends with its byline, no stop; fehuynhvi-vnexpress 005 lost the space after its stops.
    for (const [source, id] of [['sibaso-dantri', '002'], ['fehuynhvi-vnexpress', '005'], ['sibaso-dantri', '020']] as const) {
      const { text, title } = doc(source, id);
      expect(text.trimEnd()).not.toMatch(/[.!?…]["”’)]*$/u);
      expect(read(`${title}\n${text}`).header.title).toBe(title);
      expect(read(text).header.title).toBeNull();
    }
  });

  it('is not a lead that lost its period: a headline is at most 160 characters', () => {
    // thephann-vietnamnet 025 opens with its 203-character lead, no stop, over the text.
    const { text } = doc('thephann-vietnamnet', '025');
    expect(text.split('\n')[0]!.length).toBeGreaterThan(160);
    expect(read(text).header.title).toBeNull();
  });

  it('may open with a brand written in lower case', () => {
    const { text, title } = doc('anhduchb01-cafef', '001');
    expect(title).toMatch(/^iCare /);
    expect(read(`${title}\n\n${text}`).header.title).toBe(title);
  });
});

describe('a headline on the first line with no blank line under it', () => {
  // A dev document of test/fixtures/crawl (one paragraph per line) and its title as the crawler stored it.
  const dir = join(import.meta.dirname, '../fixtures/crawl/docs/thephann-vietnamnet');
  const text = readFileSync(join(dir, '001.txt'), 'utf8');
  const title = (JSON.parse(readFileSync(join(dir, 'SOURCE.json'), 'utf8')) as { crawler_fields: Record<string, { title: string }> }).crawler_fields['001']!.title;
  const read = (t: string) => extractMetadata(splitLines(t), '+07:00');

  it('is the title when the line under it is a paragraph that ends like a sentence', () => {
    const { header, lines } = read(`${title}\n${text}`);
    expect(header.title).toBe(title);
    expect(lines[0]!.text).toBe(text.split('\n')[0]!.trim());
  });

  it('is not taken from a lead that ends with a stop, a place name, or a long line', () => {
    expect(read(text).header.title).toBeNull();
    expect(read(`Bình Dương\n${text}`).header.title).toBeNull();
    const long = `${title} và những thay đổi về nhân sự chủ chốt tại các sở, ban, ngành của tỉnh trong nhiệm kỳ mới sau đại hội`;
    expect(read(`${long}\n${text}`).header.title).toBeNull();
  });
});
