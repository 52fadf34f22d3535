import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { stripBoilerplate } from '../../src/text/boilerplate.js';
import { splitLines } from '../../src/text/lines.js';

// Bylines and credits of issue 16, round 6, on real lines of the dev crawl set (test/fixtures/crawl).
const rules = loadConfig().boilerplate;
const strip = (text: string) => stripBoilerplate(splitLines(text), rules);
const docs = join(import.meta.dirname, '../fixtures/crawl/docs');
const read = (path: string) => readFileSync(join(docs, path), 'utf8');
const squeeze = (s: string) => s.replace(/\s+/g, ' ').trim();

interface Gold {
  authors: string[];
  sources: string[];
  boilerplate: { category: string; text: string }[];
}

describe('a text whose crawler stripped every stop and comma (tienthanhuet-vietnamnet)', () => {
  const labelled = ['001', '002', '003', '004', '005', '006', '007', '008', '009', '010', '011', '012'];

  it.each(labelled)('reads the credit glued after the last word of %s as labelled', (n) => {
    const gold = JSON.parse(read(`tienthanhuet-vietnamnet/${n}.gold.json`)) as Gold;
    const r = strip(read(`tienthanhuet-vietnamnet/${n}.txt`));
    expect(r.authors.map(squeeze)).toEqual(gold.authors.map(squeeze));
    expect(r.sources).toEqual(gold.sources);
    const credits = gold.boilerplate.filter((b) => b.category === 'byline' || b.category === 'source-credit');
    for (const c of credits) expect(r.paragraphs.join(' ')).not.toContain(squeeze(c.text));
  });

  it.each(labelled)('takes nothing from %s once its credit is cut off: the last words of the text are text', (n) => {
    const gold = JSON.parse(read(`tienthanhuet-vietnamnet/${n}.gold.json`)) as Gold;
    let text = read(`tienthanhuet-vietnamnet/${n}.txt`).trimEnd();
    // Cut every labelled item at the end (006: clip credit, byline), keep the body.
    for (const b of [...gold.boilerplate].reverse()) {
      const at = text.lastIndexOf(b.text);
      if (at !== -1 && text.slice(at + b.text.length).trim() === '') text = text.slice(0, at).trimEnd();
    }
    const r = strip(text);
    expect(r.authors).toEqual([]);
    expect(r.sources).toEqual([]);
    // Glued paragraphs are parted (`Việt NamThương`): compare without white space.
    expect(r.paragraphs.join('').replace(/\s+/g, '') === text.replace(/\s+/g, '')).toBe(true);
  });

  it('reads a person and an outlet, two brands as two outlets, and a family name of three syllables (013, 018, 027, 030)', () => {
    const cases: [string, string[], string[]][] = [
      ['013', ['Tuấn Nghĩa'], ['Phonearena']],
      ['018', ['Phan Chánh Dưỡng'], ['Doanh nhân Sài Gòn Cuối tuần']],
      ['027', [], ['VietnamPlus', 'TTXVN']],
      ['030', ['Nguyễn Minh'], ['Mashable']],
      // `... Bangkok Thanh Hảo`, `... Kim Jong Un Sầm Hoa`: without a family name, the last two syllables.
      ['023', ['Thanh Hảo'], []],
      ['031', ['Sầm Hoa'], []],
    ];
    for (const [n, authors, sources] of cases) {
      const r = strip(read(`tienthanhuet-vietnamnet/${n}.txt`));
      expect([n, r.authors, r.sources]).toEqual([n, authors, sources]);
    }
  });

  it('keeps names that a place noun or a preposition governs, and two initials (022 `T A`), as text', () => {
    const body = read('tienthanhuet-vietnamnet/003.txt').trimEnd().replace(/ Minh Thư$/, '');
    for (const end of ['tại Hà Nội', 'của Hà Thu - Mai Hương', 'tỉnh Quảng Nam', 'ông Minh Thư']) {
      const r = strip(`${body} ${end}`);
      expect([end, r.authors]).toEqual([end, []]);
      expect(r.paragraphs.join(' ').endsWith(end)).toBe(true);
    }
    expect(strip(read('tienthanhuet-vietnamnet/022.txt')).authors).toEqual([]);
  });

  it('leaves punctuated text to the other rules: a dump that ends in a name after a full stop is read as before', () => {
    // fehuynhvi-vnexpress 001, a punctuated dump: its byline is glued after a full stop.
    const r = strip(read('fehuynhvi-vnexpress/001.txt'));
    expect(r.authors).toEqual(['Bình Minh']);
  });
});

describe('an outlet line under a byline (dzungcamlang-baomoi 005)', () => {
  it('reads `Theo Infonet` under the writer as the source, not as a second writer', () => {
    const r = strip(read('dzungcamlang-baomoi/005.txt'));
    expect(r.authors).toEqual(['Trịnh Duy']);
    expect(r.sources).toContain('Infonet');
    expect(r.paragraphs.join('\n')).not.toContain('Theo Infonet');
  });
});

describe('captions precision: only lines a caption\'s shape and place vouch for (round 6)', () => {
  const kept = (path: string, line: string) => {
    const r = strip(read(path));
    expect(r.paragraphs.join('\n')).toContain(line);
    expect(r.captions.map((c) => c.text)).not.toContain(line);
  };

  it('keeps a motto in quotation marks under a blank line (nlplabtdtu-doanhnhansaigon 008)', () => {
    kept('nlplabtdtu-doanhnhansaigon/008.txt', '“Những người không tin vào điều kỳ diệu sẽ chẳng bao giờ thấy được điều kỳ diệu.”');
  });

  it('keeps the one sentence under a blank line of a text whose paragraphs run together (binhbinh22-vnexpress 005, anhduchb01-baodautu 010)', () => {
    kept('binhbinh22-vnexpress/005.txt', 'Đà giảm của khối doanh nghiệp kéo tổng tiền gửi chảy vào hệ thống tính đến tháng 2 giảm nhẹ');
    kept('anhduchb01-baodautu/010.txt', 'Tập đoàn Hòa Phát sẽ tập trung phát triển các đại đô thị diện tích từ 300 - 500 ha.');
  });

  it('keeps a heading right over its paragraph under a wide gap (binhbinh22-cafef 004)', () => {
    kept('binhbinh22-cafef/004.txt', 'Những chiếc ly pha lê mang niềm tự hào châu Á');
  });

  it('keeps a line that stops mid-sentence where the next line goes on in lower case, whatever its opening (nguyenvulebinh-vtv 006)', () => {
    kept('nguyenvulebinh-vtv/006.txt', 'Đồng chí ĐinhThế Huynh bày tỏ vui mừng trước những bước phát');
  });

  it('still reads every sentence under a lost picture where a text has several (ducc8201-24h 002, 004)', () => {
    for (const n of ['002', '004']) {
      const gold = JSON.parse(read(`ducc8201-24h/${n}.gold.json`)) as Gold & { captions: string[] };
      const r = strip(read(`ducc8201-24h/${n}.txt`));
      const found = gold.captions.filter((c) => r.captions.some((p) => squeeze(p.text) === squeeze(c)));
      expect(found.length).toBeGreaterThanOrEqual(4);
      for (const c of found) expect(r.paragraphs.join('\n')).not.toContain(c);
    }
  });
});

describe('a photo story a one-line dump printed twice (chris6868-vnexpress 003, 004)', () => {
  it.each(['003', '004'])('keeps each slide of %s once and every labelled body piece', (n) => {
    const gold = JSON.parse(read(`chris6868-vnexpress/${n}.gold.json`)) as Gold & { body: string[] };
    const raw = read(`chris6868-vnexpress/${n}.txt`);
    const r = strip(raw);
    const out = r.paragraphs.join(' ');
    for (const piece of gold.body) expect(out).toContain(squeeze(piece).slice(0, 80));
    // Each doubled slide now stands once: the first sentence of every `other` item is found once.
    for (const b of gold.boilerplate.filter((x) => x.category === 'other')) {
      const first = b.text.slice(0, 60);
      expect(raw.split(first).length - 1).toBe(2);
      expect(out.split(first).length - 1).toBe(1);
    }
    expect(r.removed.filter((x) => x.reason === 'duplicate').length).toBeGreaterThanOrEqual(3);
  });

  it('keeps a short sentence said twice in a row, and a long one said twice apart', () => {
    const text = read('chris6868-vnexpress/003.txt').slice(0, 1200);
    const short = 'Vụ việc đang được điều tra làm rõ.';
    expect(strip(`${short} ${short} ${text}`).paragraphs.join(' ')).toContain(`${short} ${short}`);
    const long = 'Tại phường Nghĩa Đô, một phụ nữ bán hàng rong bị xử phạt 225.000 đồng vì bán hàng rong trái phép.';
    const apart = `${long} Lực lượng chức năng tiếp tục kiểm tra trên các tuyến phố. ${long}`;
    expect(strip(apart).paragraphs.join(' ')).toBe(apart);
  });
});

describe('a labelled credit with another article’s headline glued under it (binhbinh22-cafef 003, 006)', () => {
  it.each([
    ['003', 'BI', 'Đây là 3 siêu phẩm Apple sẽ ra mắt trong sự kiện 31/10'],
    ['006', 'Autostation', 'Honda Accord giảm kỷ lục 220 triệu'],
  ])('reads the outlet of %s and removes the headline after it', (n, outlet, headline) => {
    const r = stripBoilerplate(splitLines(read(`binhbinh22-cafef/${n}.txt`).replace(/\s+/g, ' ')), rules);
    expect(r.sources).toEqual([outlet]);
    expect(r.authors).toEqual([]);
    const text = r.paragraphs.join('\n');
    expect(text).not.toContain(headline);
    expect(text).not.toContain(outlet);
    expect(r.removed.filter((x) => x.reason === 'related').map((x) => x.text)).toEqual([expect.stringContaining(headline)]);
  });

  it('keeps a closing sentence that opens with `Theo` and goes on as a statement', () => {
    const body = 'Dự kiến, xe sẽ được ra mắt tại Thái Lan vào năm 2024 theo dạng nhập khẩu.';
    // No one-word outlet stands before the next capital (`Bộ` is a word of the text), and no headline follows.
    for (const end of ['Theo: Bộ Công Thương, giá xe sẽ còn giảm trong quý tới.', 'Theo: Autostation, giá xe sẽ còn giảm trong quý tới.']) {
      const r = strip(`${body} ${end}`);
      expect(r.paragraphs.join(' ')).toContain(end.slice(7, 30));
      expect(r.removed.filter((x) => x.reason === 'related')).toEqual([]);
    }
  });
});

describe('a closing list of names in the text, and a dateline, are no byline', () => {
  // nlplabtdtu-bongdaplus 004 closes with the two line-ups; without their team labels they are bare lists of names.
  const page = read('nlplabtdtu-bongdaplus/004.txt').trimEnd().split('\n');
  const body = page.slice(0, -3).join('\n');

  it.each(['Ederson, Ake, Stones, Dias', 'Sommer, Cancelo, Pavard', 'Ederson - Rodri'])('keeps the line-up %s as text', (names) => {
    const r = strip(`${body}\n\n${names}`);
    expect(r.authors).toEqual([]);
    expect(r.paragraphs[r.paragraphs.length - 1]).toBe(names);
  });

  it('keeps the labelled line-ups of the page as text', () => {
    const r = strip(page.join('\n'));
    expect(r.authors).toEqual([]);
    expect(r.paragraphs.join('\n')).toContain('Man City: Ederson, Ake, Stones, Dias, Akanji');
  });

  it('keeps a dateline under the text as text, and still reads two writers of one syllable each (hongquantq92-hddtvn 010)', () => {
    for (const dateline of ['Hà Nội, ngày 25 tháng 10 năm 2020', 'TP.HCM, 20/4/2023']) {
      const r = strip(`${body}\n\n${dateline}`);
      expect([dateline, r.authors]).toEqual([dateline, []]);
    }
    expect(strip(read('hongquantq92-hddtvn/010.txt')).authors).toEqual(['Hoà', 'Dịu']);
  });
});
