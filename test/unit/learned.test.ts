import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it('keys lines that differ only in case, numbers, dates, times and spacing alike', () => {
    expect(lineKey('Cập nhật: 12/3/2024  08:15')).toBe(lineKey('cập nhật: 1/10/2023 23:59'));
    expect(lineKey('06/04/2025 | 23:58')).toBe(lineKey('7/4/2025 | 08:10'));
    expect(lineKey('Số tài khoản: 0011.0042.12345 tại Vietcombank')).toBe(lineKey('Số tài khoản: 1234567 tại Vietcombank'));
    expect(lineKey('Đọc thêm')).not.toBe(lineKey('Đọc thêm nữa'));
  });

  // A charity block in 3.5 % of a large site's pages (issue 16): below any share, above the count.
  const DONATION = ['Mọi đóng góp xin gửi về Quỹ Nhân ái', 'Số tài khoản: 0011.0042.12345 tại Vietcombank'];
  // Article text differs in words from page to page (numbers alone are folded away).
  const PLACES = ['Vĩnh Long', 'Hà Giang', 'Cần Thơ', 'Huế', 'Nam Định', 'Lào Cai', 'Bến Tre', 'Đà Nẵng', 'Sơn La', 'Cà Mau'];
  const ACTS = ['tạm giữ', 'khởi tố', 'bắt giam', 'triệu tập', 'xử phạt', 'truy nã', 'điều tra', 'kiểm tra', 'thẩm vấn', 'khám xét'];
  const WHO = ['tài xế', 'chủ quán', 'nghi can', 'giám đốc', 'kế toán', 'thủ kho', 'bảo vệ', 'nhân viên'];
  function siteWithBlock(pages: number, withBlock: number) {
    return Array.from({ length: pages }, (_, n) => {
      const [place, act, who] = [PLACES[n % 10], ACTS[Math.floor(n / 10) % 10], WHO[Math.floor(n / 100)]];
      const body = `Công an ${place} ${act} ${who} để làm rõ vụ việc.`;
      const middle = `Nội dung chuyển khoản: ủng hộ hoàn cảnh mã số ${n}`;
      const block = n < withBlock ? `\n\n${DONATION[0]}\n\n${middle}\n\n${DONATION[1]}` : '';
      return { rel: `big/${String(n).padStart(4, '0')}.txt`, text: `${body}${block}\n\n${who} đã được ${act} tại ${place}, theo cơ quan chức năng.` };
    });
  }

  it('learns a line that stands in at least minDocumentsAnyShare pages whatever its share, not one below it', () => {
    const learn = (docs: { rel: string; text: string }[]) => {
      const counter = new LineCounter(config.learn);
      for (const d of docs) counter.add(documentLines(Buffer.from(d.text), d.rel, config));
      return buildProfile(counter.counts(), config.learn).sources.big?.lines.map((l) => l.text) ?? [];
    };
    expect(learn(siteWithBlock(400, config.learn.minDocumentsAnyShare))).toEqual(expect.arrayContaining(DONATION));
    expect(learn(siteWithBlock(400, config.learn.minDocumentsAnyShare - 1))).toEqual([]);
  });

  it('removes a learned block whole, its changing middle line included, and keeps the text around it', () => {
    const docs = siteWithBlock(400, 14);
    const counter = new LineCounter(config.learn);
    for (const d of docs) counter.add(documentLines(Buffer.from(d.text), d.rel, config));
    const learned = compileProfile(buildProfile(counter.counts(), config.learn));
    const doc = processDocument(Buffer.from(docs[3]!.text), docs[3]!.rel, config, learned);
    expect(doc.text).toBe('Công an Huế tạm giữ tài xế để làm rõ vụ việc.\n\ntài xế đã được tạm giữ tại Huế, theo cơ quan chức năng.');
    expect(doc.metadata.removed.map((r) => r.reason)).toEqual(['learned', 'learned', 'learned']);
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

describe('learned sentences of one-line dumps', () => {
  // Real one-line dumps (a dev source of test/fixtures/crawl) with a site's comment widget
  // and masthead run into their last sentence, as crawlers of some sites store them.
  const dir = join(import.meta.dirname, '../fixtures/crawl/docs/sonlu3612-giaoduc');
  const texts = readdirSync(dir)
    .filter((f) => /^\d+\.txt$/.test(f))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    // A footer run into a byline (`nói.Thanh Hằng Bình luận (0) ...`) makes a sentence of its own per page.
    .filter((t) => t.length >= 2000 && /[.!?…"”]$/.test(t.trim()))
    .slice(0, 10);
  const footer = (n: number) => ` Bình luận (${n}) Tổng biên tập: Nguyễn Văn An Phó tổng biên tập: Trần Thị Bình Tổng thư ký tòa soạn: Lê Cường Bình luận (${n})`;

  function clean(docs: string[], profileDocs = docs) {
    const counter = new LineCounter(config.learn);
    profileDocs.forEach((t, k) => counter.add(documentLines(Buffer.from(t), `site/${k}.txt`, config)));
    const learned = compileProfile(buildProfile(counter.counts(), config.learn));
    return docs.map((t, k) => processDocument(Buffer.from(t), `site/${k}.txt`, config, learned));
  }

  it('removes a footer every page runs into its text, and nothing else', () => {
    expect(texts.length).toBeGreaterThanOrEqual(8);
    const withFooter = clean(texts.map((t, k) => t + footer(k)));
    const without = clean(texts);
    withFooter.forEach((doc, k) => {
      expect(doc.text).not.toContain('Tổng biên tập');
      expect(doc.text).toBe(without[k]!.text);
      expect(doc.metadata.removed.some((r) => r.reason === 'learned' && r.text.includes('Tổng biên tập'))).toBe(true);
    });
  });

  it('keeps a sentence that only a pair of near-duplicate pages share', () => {
    const shared = ' Bộ Giáo dục và Đào tạo cho biết kế hoạch này sẽ được triển khai từ tháng sau tại tất cả các tỉnh.';
    const docs = texts.map((t, k) => (k < 2 ? t + shared : t));
    expect(clean(docs)[0]!.text).toContain(shared.trim());
  });
});
