import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildProfile, compileProfile, documentLines, lineKey, LineCounter, parseProfile, shapeKey, sourceOf } from '../../src/text/learned.js';
import { cleanWithLearning } from '../../bench/clean-learned.js';
import { normalizeText } from '../../src/text/normalize.js';
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

  it('keys lines that differ only in case and spacing alike, and not lines whose numbers differ', () => {
    expect(lineKey('Đọc  thêm')).toBe(lineKey('ĐỌC THÊM'));
    expect(lineKey('Đọc thêm')).not.toBe(lineKey('Đọc thêm nữa'));
    // A site's daily figures (a dev source's case counts) are text: numbers are not folded.
    expect(lineKey('- Cách ly tập trung tại bệnh viện: 878')).not.toBe(lineKey('- Cách ly tập trung tại bệnh viện: 912'));
  });

  it('shapes form lines with their dates, times, counters and names folded, and no other line', () => {
    expect(shapeKey('Cập nhật: 12/3/2024  08:15')).toBe(shapeKey('cập nhật: 1/10/2023 23:59'));
    expect(shapeKey('06/04/2025 | 23:58')).toBeNull(); // nothing but a stamp: no form of its own
    expect(shapeKey('Ảnh: Nguyễn Huế')).toBe(shapeKey('Ảnh: Thu Trang'));
    expect(shapeKey('Tin, ảnh: T.PHƯƠNG')).toBe(shapeKey('Tin, ảnh: Thu Trang'));
    expect(shapeKey('Bình luận (12)')).toBe(shapeKey('Bình luận (0)'));
    expect(shapeKey('Ảnh: Nguyễn Huế')).not.toBe(shapeKey('Theo Nguyễn Huế'));
    // Never a key of its own text, so a shape and a line never meet.
    expect(shapeKey('Ảnh: Nguyễn Huế')).not.toBe(lineKey('Ảnh: Nguyễn Huế'));
    // Numbers alone are content; a statement, a long line, a bare name and a line with nothing to fold have no shape.
    expect(shapeKey('- Cách ly tập trung tại bệnh viện: 878')).toBeNull();
    expect(shapeKey('Ngày 12/3/2024, Bộ Y tế công bố thêm ca mắc mới tại Hà Nội.')).toBeNull();
    expect(shapeKey('Nguyễn Văn An')).toBeNull();
    expect(shapeKey('Quảng Nam')).toBeNull();
    expect(shapeKey('Đọc thêm')).toBeNull();
    expect(shapeKey('Lịch thi đấu vòng 12 ngày 12/3 của các đội bóng tại giải hạng nhất quốc gia năm nay')).toBeNull();
  });

  // A charity block in 3.5 % of a large site's pages (issue 16): below any share, above the count.
  const DONATION = ['Mọi đóng góp xin gửi về Quỹ Nhân ái', 'Số tài khoản: 0011.0042.12345 tại Vietcombank'];
  // Article text differs in words from page to page.
  const PLACES = ['Vĩnh Long', 'Hà Giang', 'Cần Thơ', 'Huế', 'Nam Định', 'Lào Cai', 'Bến Tre', 'Đà Nẵng', 'Sơn La', 'Cà Mau'];
  const ACTS = ['tạm giữ', 'khởi tố', 'bắt giam', 'triệu tập', 'xử phạt', 'truy nã', 'điều tra', 'kiểm tra', 'thẩm vấn', 'khám xét'];
  const WHO = ['tài xế', 'chủ quán', 'nghi can', 'giám đốc', 'kế toán', 'thủ kho', 'bảo vệ', 'nhân viên'];
  function siteWithBlock(pages: number, withBlock: number, block = DONATION) {
    return Array.from({ length: pages }, (_, n) => {
      const [place, act, who] = [PLACES[n % 10], ACTS[Math.floor(n / 10) % 10], WHO[Math.floor(n / 100)]];
      const body = `Công an ${place} ${act} ${who} để làm rõ vụ việc.`;
      const middle = `Nội dung chuyển khoản: ủng hộ hoàn cảnh mã số ${n}`;
      const lines = n < withBlock ? `\n\n${block[0]}\n\n${middle}\n\n${block[1]}` : '';
      return { rel: `big/${String(n).padStart(4, '0')}.txt`, text: `${body}${lines}\n\n${who} đã được ${act} tại ${place}, theo cơ quan chức năng.` };
    });
  }
  const learnBig = (docs: { rel: string; text: string }[]) => {
    const counter = new LineCounter(config.learn);
    for (const d of docs) counter.add(documentLines(Buffer.from(d.text), d.rel, config));
    return buildProfile(counter.counts(), config.learn).sources.big?.lines.map((l) => l.text) ?? [];
  };

  it('learns a line that is no sentence from minDocuments pages whatever its share, not from fewer (a pair of near-duplicate crawls)', () => {
    expect(config.learn.minDocuments).toBeLessThan(400 * config.learn.minShare);
    expect(learnBig(siteWithBlock(400, config.learn.minDocuments))).toEqual(expect.arrayContaining(DONATION));
    expect(learnBig(siteWithBlock(400, config.learn.minDocuments - 1))).toEqual([]);
  });

  // The same appeal written as sentences, as an article would quote it.
  const APPEAL = ['Mọi tấm lòng hảo tâm xin gửi về Quỹ Nhân ái của báo.', 'Quý bạn đọc có thể chuyển khoản qua ngân hàng Vietcombank chi nhánh Hà Nội.'];

  it('learns a sentence-like line only from minDocumentsAnyShare pages (or minShare of them): a quote a few articles repeat stays', () => {
    expect(APPEAL.every((t) => t.split(' ').length >= config.learn.sentenceWords)).toBe(true);
    expect(learnBig(siteWithBlock(400, config.learn.minDocumentsAnyShare, APPEAL))).toEqual(expect.arrayContaining(APPEAL));
    expect(learnBig(siteWithBlock(400, config.learn.minDocumentsAnyShare - 1, APPEAL))).not.toEqual(expect.arrayContaining([APPEAL[0]]));
    expect(learnBig(siteWithBlock(400, config.learn.minDocumentsAnyShare - 1, APPEAL))).not.toEqual(expect.arrayContaining([APPEAL[1]]));
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

  // The page-chrome phrases would take this footer without a profile: here the profile must.
  const unaided = { ...config, boilerplate: { ...config.boilerplate, pageChrome: [] } };
  function clean(docs: string[], profileDocs = docs) {
    const counter = new LineCounter(config.learn);
    profileDocs.forEach((t, k) => counter.add(documentLines(Buffer.from(t), `site/${k}.txt`, unaided)));
    const learned = compileProfile(buildProfile(counter.counts(), config.learn));
    return docs.map((t, k) => processDocument(Buffer.from(t), `site/${k}.txt`, unaided, learned));
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

describe('teasers of other articles that a few pages of a source share', () => {
  // Real pages of a dev source of test/fixtures/crawl that stores one paragraph per line,
  // and the real headlines of its other articles (the crawler's title field) as the teasers
  // a related box puts under a page: each headline under 3 of the 32 pages, under any share.
  const dir = join(import.meta.dirname, '../fixtures/crawl/docs/thephann-vietnamnet');
  const pages = readdirSync(dir)
    .filter((f) => /^\d+\.txt$/.test(f))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8').trim());
  const titles = Object.values(JSON.parse(readFileSync(join(dir, 'SOURCE.json'), 'utf8')).crawler_fields as Record<string, { title: string }>).map((c) => c.title.trim());
  const teasers = (k: number) => [1, 2, 3].map((j) => titles[(k + 5 * j) % titles.length]!);

  function clean(texts: string[], settings = config.learn) {
    const counter = new LineCounter(settings);
    texts.forEach((t, k) => counter.add(documentLines(Buffer.from(t), `site/${k}.txt`, config)));
    const learned = compileProfile(buildProfile(counter.counts(), settings));
    return texts.map((t, k) => processDocument(Buffer.from(t), `site/${k}.txt`, config, learned).text);
  }

  it('removes teaser headlines that stand under 3 of 32 pages, and nothing else', () => {
    expect(pages).toHaveLength(32);
    // Each headline stands under exactly 3 pages: below minShare, at minDocuments.
    const under = new Map<string, number>();
    pages.forEach((_, k) => teasers(k).forEach((t) => under.set(t, (under.get(t) ?? 0) + 1)));
    expect(Math.max(...under.values())).toBeLessThan(32 * config.learn.minShare);
    const withTeasers = clean(pages.map((p, k) => `${p}\n${teasers(k).join('\n')}`));
    const without = clean(pages);
    withTeasers.forEach((text, k) => {
      for (const t of teasers(k)) expect(text.split('\n\n')).not.toContain(t);
      expect(text).toBe(without[k]);
    });
  });

  // Another article's headline and its lead (the first paragraph of that page: a statement of 8 words or more).
  const statements = pages.map((_, x) => x).filter((x) => {
    const lead = pages[x]!.split('\n')[0]!.trim();
    return lead.split(' ').length >= config.learn.sentenceWords && /\.$/.test(lead);
  });
  const pair = (n: number) => {
    const x = statements[n % statements.length]!;
    return [titles[x]!, pages[x]!.split('\n')[0]!.trim()];
  };

  it('removes headline and lead pairs that stand under only 2 pages each where they close the page, and nothing else', () => {
    // Leads are statements the share rule protects; each headline is under 2 pages, below minDocuments.
    expect(statements.length).toBeGreaterThanOrEqual(16);
    expect(config.learn.minDocuments).toBeGreaterThan(2);
    const S = statements.length;
    const teased = (k: number) => (k < S ? [...pair(k + 1), ...pair(k + 2)] : []);
    const texts = pages.map((p, k) => [p, ...teased(k)].join('\n'));
    const without = clean(pages);
    // Each lead also opens its own page, where it is body and stays.
    clean(texts).forEach((text, k) => expect(text).toBe(without[k]));
    // Learned from 3 pages and up, as before the tail rule, the pairs stay on most pages.
    const strict = clean(texts, { ...config.learn, tailMinDocuments: 3 });
    expect(strict.filter((text, k) => text !== without[k]).length).toBeGreaterThanOrEqual(S / 2);
  });

  it('takes nothing from a second crawl of one page that changed a line: most of its lines repeat', () => {
    const [first, ...rest] = pages[0]!.split('\n');
    const recrawl = [`${first} (Cập nhật lúc 10h.)`, ...rest].join('\n');
    const out = clean([...pages, recrawl]);
    const alone = clean(pages);
    expect(out[0]).toBe(alone[0]);
    expect(out[pages.length]!.replace(/\s+/g, ' ')).toContain(normalizeText(rest.at(-4)!.trim(), config.normalize.toneStyle));
    expect(out[pages.length]!.split('\n\n').length).toBe(alone[0]!.split('\n\n').length);
  });

  it('keeps a sentence of the body that 4 pages quote', () => {
    const quote = pages[0]!.split('\n')[0]!.trim();
    expect(quote.split(' ').length).toBeGreaterThanOrEqual(config.learn.sentenceWords);
    // Quoted inside the article, after its first paragraph.
    const quoting = (p: string) => p.replace('\n', `\n${quote}\n`);
    const texts = pages.map((p, k) => (k >= 1 && k <= 3 ? quoting(p) : p));
    const out = clean(texts);
    // Output text holds one sentence a line.
    for (const k of [0, 1, 2, 3]) expect(out[k]!.replace(/\s+/g, ' ')).toContain(normalizeText(quote, config.normalize.toneStyle));
  });
});

describe('copies of one article in a source (learning is on by default)', () => {
  // A real article (samples/) crawled five times, beside another. Exact copies count once;
  // copies that differ in a line (a view counter) are distinct documents: every line of the
  // article stands in 5 of them.
  const samples = readdirSync(join(import.meta.dirname, '../../samples')).sort();
  const article = readFileSync(join(import.meta.dirname, '../../samples', samples[0]!));
  const other = readFileSync(join(import.meta.dirname, '../../samples', samples[1]!));
  const learnFrom = (copy: (i: number) => Uint8Array) => {
    const docs = [...Array.from({ length: 5 }, (_, i) => ({ rel: `site/${i}.txt`, bytes: copy(i) })), { rel: 'site/other.txt', bytes: other }];
    const counter = new LineCounter(config.learn);
    for (const d of docs) counter.add(documentLines(d.bytes, d.rel, config));
    return compileProfile(buildProfile(counter.counts(), config.learn));
  };
  const learned = learnFrom((i) => Buffer.concat([article, Buffer.from(`\nBản ${i} của bài, lượt xem ${i * 37}\n`)]));

  it('exact copies are counted once: nothing of theirs is learned', () => {
    expect([...learnFrom(() => article).values()].every((s) => s.lines.size === 0)).toBe(true);
  });

  it('are not emptied: the learned lines would take all their text, so they stay', () => {
    const plain = processDocument(article, 'site/0.txt', config).text;
    expect([...learned.values()][0]!.lines.size).toBeGreaterThan(5);
    expect(processDocument(article, 'site/0.txt', config, learned).text).toBe(plain);
  });

  it('without the guard (copyShare 1.01) every copy would lose all of it', () => {
    const unguarded = { ...config, learn: { ...config.learn, copyShare: 1.01 } };
    expect(processDocument(article, 'site/0.txt', unguarded, learned).text).toBe('');
  });
});

describe('shapes and blocks learned from real pages', () => {
  // nlplabtdtu/khuyennong (a dev source of test/fixtures/crawl): pages close with the
  // extension centre that wrote them, `Trung tâm Khuyến nông <province>`, most provinces
  // on fewer than minDocuments pages; the shape `trung tâm khuyến nông <name>` is on many.
  const dir = join(import.meta.dirname, '../fixtures/crawl/docs/nlplabtdtu-khuyennong');
  const names = readdirSync(dir).filter((f) => /^\d+\.txt$/.test(f)).sort();
  const docs = names.map((f) => ({ rel: `kn/${f}`, bytes: readFileSync(join(dir, f)) }));
  const CREDIT = /^Trung tâm Khuyến nông /u;

  function clean(settings: Partial<typeof config.learn> = {}) {
    const c = { ...config, learn: { ...config.learn, ...settings } };
    return cleanWithLearning(docs, c);
  }

  it("learns the centre's credit line by its shape and removes it from every page, the rest of each page untouched", () => {
    const shaped = clean();
    const exactOnly = clean({ shapeMinDocuments: 1_000_000 });
    const creditLines = (text: string) => text.split('\n').filter((l) => CREDIT.test(l));
    // Without shapes, credits of provinces on fewer than 3 pages stay.
    expect([...exactOnly.values()].filter((d) => creditLines(d.text).length > 0).length).toBeGreaterThanOrEqual(3);
    for (const [rel, doc] of shaped) {
      expect(creditLines(doc.text)).toEqual([]);
      const without = exactOnly.get(rel)!.text.split('\n').filter((l) => !CREDIT.test(l));
      expect(doc.text.split('\n').filter(Boolean)).toEqual(without.filter(Boolean));
    }
  });

  it('keeps a line of figures that every page prints with its own numbers', () => {
    const figures = (k: number) => `- Diện tích gieo trồng vụ này: ${1200 + 37 * k} ha`;
    const withFigures = docs.map((d, k) => ({ rel: d.rel, bytes: Buffer.from(d.bytes.toString('utf8').replace('\n', `\n${figures(k)}\n`)) }));
    const out = cleanWithLearning(withFigures, config);
    withFigures.forEach((d, k) => expect(out.get(d.rel)!.text).toContain(figures(k)));
  });
});

describe('a block that opens every page, learned labels over teasers that change', () => {
  // Real pages of thephann-vietnamnet (one paragraph a line) under a menu, with teasers that
  // stand on no other page inside it: real headlines of six other dev sources (their crawlers' title fields).
  const docsDir = join(import.meta.dirname, '../fixtures/crawl/docs');
  const dir = join(docsDir, 'thephann-vietnamnet');
  const pages = readdirSync(dir)
    .filter((f) => /^\d+\.txt$/.test(f))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8').trim());
  const titlesOf = (source: string) =>
    Object.values(JSON.parse(readFileSync(join(docsDir, source, 'SOURCE.json'), 'utf8')).crawler_fields as Record<string, { title: string }>).map((c) => c.title.trim());
  const others = ['tienthanhuet-vietnamnet', 'thuy4tbn99-vnexpress', 'sonlu3612-tuoitre', 'sonlu3612-thanhnien', 'nlplabtdtu-khuyennong', 'nlplabtdtu-bongdaplus'].map(titlesOf);
  const teasers = (k: number, from: number) => others.slice(from, from + 3).map((titles) => titles[k]!);
  // A menu every page prints, with a ticker of three headlines that change inside it.
  const MENU = ['Trang chủ', 'Thời sự', 'Kinh doanh', 'Giải trí', 'Thể thao'];
  const head = (k: number) => [...MENU.slice(0, 2), ...teasers(k, k % 2 === 0 ? 0 : 3), ...MENU.slice(2)];
  const texts = pages.map((p, k) => `${head(k).join('\n')}\n${p}`);
  const run = (blockShare: number) => {
    const c = { ...config, learn: { ...config.learn, blockShare } };
    return [...cleanWithLearning(texts.map((t, k) => ({ rel: `vn/${k}.txt`, bytes: Buffer.from(t) })), c).values()].map((d) => d.text);
  };

  it('goes whole, teasers included: each page comes out as it does under the menu alone', () => {
    const labels = pages.map((p) => `${MENU.join('\n')}\n${p}`);
    const plain = [...cleanWithLearning(labels.map((t, k) => ({ rel: `vn/${k}.txt`, bytes: Buffer.from(t) })), config).values()].map((d) => d.text);
    const blocks = run(config.learn.blockShare);
    blocks.forEach((text, k) => expect(text).toBe(plain[k]));
    // Without the block rule the teasers stay: learned lines four apart are no gap (LEARNED_GAP).
    const off = run(1.01);
    expect(off.filter((text, k) => text !== plain[k]).length).toBeGreaterThan(0);
  });
});
