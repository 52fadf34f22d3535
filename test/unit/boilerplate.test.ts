import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { stripBoilerplate } from '../../src/text/boilerplate.js';
import { splitLines } from '../../src/text/lines.js';

const rules = loadConfig().boilerplate;
const strip = (text: string) => stripBoilerplate(splitLines(text), rules);
const BODY = 'Năm 2023, nhiệm vụ chính trị của Tổng cục II tiếp tục yêu cầu cao và khẩn trương.';
const BODY2 = 'Đảng ủy Tổng cục II quan tâm lãnh đạo, chỉ đạo xây dựng các tổ chức vững mạnh.';

describe('stripBoilerplate', () => {
  it('removes a footer marker and everything after it', () => {
    const r = strip(`${BODY}\n\nHồng Loan\n\nTin cùng chuyên mục\n\nBài một\n\nTin mới\n\nBài hai`);
    expect(r.paragraphs).toEqual([BODY]);
    expect(r.authors).toEqual(['Hồng Loan']);
    expect(r.removed).toEqual([
      { reason: 'byline', text: 'Hồng Loan' },
      { reason: 'trailing-block', text: 'Tin cùng chuyên mục\nBài một\nTin mới\nBài hai' },
    ]);
  });

  it('reads the category from the qdnd invitation line and removes it', () => {
    const r = strip(`${BODY}\n\nTin, ảnh: MINH ANH\n\n*Mời bạn đọc vào chuyên mục Quốc phòng an ninh xem các tin, bài liên quan.`);
    expect(r.paragraphs).toEqual([BODY]);
    expect(r.category).toBe('Quốc phòng an ninh');
    expect(r.authors).toEqual(['MINH ANH']);
    expect(r.removed.map((x) => x.reason)).toEqual(['byline', 'marker']);
  });

  it.each([
    'Chia sẻ bài viết: Facebook | Zalo | Twitter',
    'In bài viết | Cỡ chữ A- A+',
    '© Bản quyền thuộc về Báo Ánh Dương. Ghi rõ nguồn khi phát hành lại.',
    'Copyright 2024 Báo Sông Hồng. All rights reserved.',
  ])('removes the share, print and copyright line %s', (line) => {
    const r = strip(`${BODY}\n\n${line}\n\n${BODY2}`);
    expect(r.paragraphs).toEqual([BODY, BODY2]);
    expect(r.removed).toEqual([{ reason: 'marker', text: line }]);
  });

  it('keeps body text that opens with the same words', () => {
    const lines = ['Chia sẻ với phóng viên, ông An cho biết dự án sẽ khởi công trong tháng tới.', 'Chia sẻ kinh nghiệm của tỉnh Nam Định'];
    for (const line of lines) expect(strip(`${BODY}\n\n${line}`).paragraphs).toEqual([BODY, line]);
  });

  it('turns the line after an image-table artifact into a caption', () => {
    const r = strip(`leftcenterrightdel\nQuang cảnh buổi làm việc.\n\n${BODY}`);
    expect(r.paragraphs).toEqual([BODY]);
    expect(r.captions).toEqual([{ text: 'Quang cảnh buổi làm việc.', credit: null }]);
    expect(r.removed).toEqual([
      { reason: 'image-artifact', text: 'leftcenterrightdel' },
      { reason: 'caption', text: 'Quang cảnh buổi làm việc.' },
    ]);
  });

  it('does not take a body paragraph after a blank line as the artifact caption', () => {
    const r = strip(`leftcenterrightdel\n\n${BODY}`);
    expect(r.paragraphs).toEqual([BODY]);
    expect(r.captions).toEqual([]);
  });

  it.each([
    ['Tổng Bí thư, Chủ tịch nước Tô Lâm - Ảnh: Báo Nhân Dân', 'Tổng Bí thư, Chủ tịch nước Tô Lâm', 'Báo Nhân Dân'],
    ['Tổng Bí thư Nguyễn Phú Trọng. (Ảnh: CAND)', 'Tổng Bí thư Nguyễn Phú Trọng.', 'CAND'],
    ['Quang cảnh hội nghị – Ảnh: TTXVN', 'Quang cảnh hội nghị', 'TTXVN'],
    ['Ảnh: Hồng Loan', '', 'Hồng Loan'],
  ])('reads the credit of caption %s', (line, text, credit) => {
    const r = strip(`${BODY}\n\n${line}\n\n${BODY2}`);
    expect(r.paragraphs).toEqual([BODY, BODY2]);
    expect(r.captions).toEqual([{ text, credit }]);
  });

  it('takes a short unpunctuated line after a double gap (a lost image) as a caption', () => {
    const r = strip(`${BODY}\n\n\nThiếu tướng Lê Xuân Trường phát biểu tại buổi Lễ\n\n${BODY2}`);
    expect(r.paragraphs).toEqual([BODY, BODY2]);
    expect(r.captions).toEqual([{ text: 'Thiếu tướng Lê Xuân Trường phát biểu tại buổi Lễ', credit: null }]);
  });

  it('keeps a subheading after a single gap, and a sentence after a double gap', () => {
    const heading = 'Hoàn thành xuất sắc nhiệm vụ được giao phó';
    expect(strip(`${BODY}\n\n${heading}\n\n${BODY2}`).paragraphs).toEqual([BODY, heading, BODY2]);
    expect(strip(`${BODY}\n\n\n${BODY2}`).paragraphs).toEqual([BODY, BODY2]);
  });

  it('takes short lines that open with a caption cue as captions', () => {
    const r = strip(
      `${BODY}\n\nCác đại biểu tham dự Hội nghị tại Bộ Công an.\n\n` +
        `TS. Nguyễn Hữu Hùng, Phó Trưởng ban Ban Cơ yếu Chính phủ quán triệt Nghị quyết số 56-NQ/TW của Bộ Chính trị\n\n${BODY2}`,
    );
    expect(r.paragraphs).toEqual([BODY, BODY2]);
    expect(r.captions.map((c) => c.text)).toEqual([
      'Các đại biểu tham dự Hội nghị tại Bộ Công an.',
      'TS. Nguyễn Hữu Hùng, Phó Trưởng ban Ban Cơ yếu Chính phủ quán triệt Nghị quyết số 56-NQ/TW của Bộ Chính trị',
    ]);
  });

  it('keeps a body sentence that opens with a title and ends with a period', () => {
    const line = 'Đồng chí Nguyễn Văn A phát biểu tại hội nghị.';
    expect(strip(`${BODY}\n\n${line}\n\n${BODY2}`).paragraphs).toEqual([BODY, line, BODY2]);
  });

  it('keeps a long paragraph that opens with a caption cue', () => {
    const long = `Các đại biểu ${'đã thảo luận về nhiều nội dung quan trọng, '.repeat(6)}và thống nhất cao.`;
    expect(strip(`${BODY}\n\n${long}`).paragraphs).toEqual([BODY, long]);
  });

  it('removes a teaser cut with an ellipsis that a later paragraph repeats', () => {
    const full = 'Đóng góp to lớn vào sự nghiệp giải phóng dân tộc, thống nhất đất nước trước đây, cũng như hiện nay.';
    const teaser = 'Đóng góp to lớn vào sự nghiệp giải phóng dân tộc, thống nhất đất nước trước đây, cũng như hiện ...';
    const r = strip(`${teaser}\n\n${BODY}\n\n${full}`);
    expect(r.paragraphs).toEqual([BODY, full]);
    expect(r.removed).toEqual([{ reason: 'teaser', text: teaser }]);
  });

  it('keeps a heading that a later paragraph starts with (it has no ellipsis)', () => {
    const heading = 'Xây dựng đội ngũ cán bộ, đảng viên theo tinh thần "7 dám"';
    const para = `${heading} (Dám nghĩ; dám nói; dám làm).`;
    expect(strip(`${heading}\n\n${BODY}\n\n${para}`).paragraphs).toEqual([heading, BODY, para]);
  });

  it('removes a repeated paragraph but keeps its first occurrence', () => {
    const r = strip(`${BODY}\n\n${BODY2}\n\n${BODY}`);
    expect(r.paragraphs).toEqual([BODY, BODY2]);
    expect(r.removed).toEqual([{ reason: 'duplicate', text: BODY }]);
  });

  it('removes markdown image and link lines and keeps the label of inline links', () => {
    const r = strip(`![ảnh](https://cdn.vn/a.png)\n\n[Xem thêm](https://a.vn/b)\n\nTheo [Báo Nhân Dân](https://nhandan.vn/x), ${BODY}`);
    expect(r.paragraphs).toEqual([`Theo Báo Nhân Dân, ${BODY}`]);
    expect(r.removed.map((x) => x.reason)).toEqual(['markdown-image', 'markdown-link']);
  });

  it('reads a name line as a byline and a "Theo" line as a source, and only at the end', () => {
    const r = strip(`Bích Thủy\n\n${BODY}\n\nNguyễn Văn An\n\n(Theo TTXVN)`);
    expect(r.paragraphs).toEqual(['Bích Thủy', BODY]);
    expect(r.authors).toEqual(['Nguyễn Văn An']);
    expect(r.sources).toEqual(['TTXVN']);
  });

  it('does not take a final lower-case line for a name', () => {
    const r = strip(`${BODY}\n\nKết luận chung`);
    expect(r.paragraphs).toEqual([BODY, 'Kết luận chung']);
    expect(r.authors).toEqual([]);
  });

  it('does not treat a footer marker on the first line as a footer', () => {
    expect(strip(`Tin mới\n\n${BODY}`).paragraphs).toEqual(['Tin mới', BODY]);
  });
});

// The forms issue 16 quotes from real crawls of sites no rule names.
describe('stripBoilerplate on the forms of issue 16', () => {
  it.each([
    ['Bị cáo Trương Mỹ Lan. Ảnh: Nguyễn Huế', { text: 'Bị cáo Trương Mỹ Lan.', credit: 'Nguyễn Huế' }],
    ['Ảnh minh họa', { text: 'Ảnh minh họa', credit: null }],
    // The credit's name was a link whose text the crawler lost (issue 16, round 3).
    ['Bị cáo Trương Mỹ Lan tại phiên tòa. Ảnh:', { text: 'Bị cáo Trương Mỹ Lan tại phiên tòa.', credit: null }],
    ['Bị cáo Trương Mỹ Lan tại phiên tòa (Ảnh: )', { text: 'Bị cáo Trương Mỹ Lan tại phiên tòa', credit: null }],
    ['Quang cảnh phiên tòa - Ảnh:', { text: 'Quang cảnh phiên tòa', credit: null }],
  ])('takes %s for a caption', (line, caption) => {
    const r = strip(`${BODY}\n\n${line}\n\n${BODY2}`);
    expect(r.paragraphs).toEqual([BODY, BODY2]);
    expect(r.captions).toEqual([caption]);
  });

  it('removes a credit label left alone by a lost link, and lists no caption for it', () => {
    const r = strip(`${BODY}\n\nẢnh:\n\n${BODY2}`);
    expect(r.paragraphs).toEqual([BODY, BODY2]);
    expect(r.captions).toEqual([]);
    expect(r.removed.map((x) => x.reason)).toEqual(['caption']);
  });

  it.each(['Dưới đây là một số hình ảnh:', 'Anh gửi cho chúng tôi bức ảnh:', 'Kết quả được thể hiện trong bảng sau:'])(
    'keeps %s, a sentence that introduces a picture, not a credit',
    (line) => {
      const r = strip(`${BODY}\n\n${line}\n\n${BODY2}`);
      expect(r.paragraphs).toEqual([BODY, line, BODY2]);
      expect(r.captions).toEqual([]);
    },
  );

  it('cuts a caption credited "(ảnh X)" from the sentence glued after it', () => {
    const r = strip(`${BODY}\n\nBị cáo tại phiên tòa (ảnh P.Chương) Ông Nguyễn Văn A cho biết sẽ kháng cáo.`);
    expect(r.paragraphs).toEqual([BODY, 'Ông Nguyễn Văn A cho biết sẽ kháng cáo.']);
    expect(r.captions).toEqual([{ text: 'Bị cáo tại phiên tòa', credit: 'P.Chương' }]);
  });

  it('removes a related headline with its lead, not as a caption, and ">>" links', () => {
    const related = 'Cô gái có bằng cử nhân vẫn đi bán hàng rong';
    const r = strip(`${BODY}\n\n\n${related}\n\nTRUNG QUỐC - Có bằng cử nhân nhưng cô gái vẫn chọn đi bán hàng rong...\n\n>> ${related}\n\n${BODY2}`);
    expect(r.paragraphs).toEqual([BODY, BODY2]);
    expect(r.captions).toEqual([]);
    expect(r.removed.map((x) => x.reason)).toEqual(['related', 'related', 'related']);
  });

  it('keeps every paragraph after a mid-article "Xem Thêm:"', () => {
    const r = strip(`${BODY}\n\nXem Thêm:\n\nCô gái có bằng cử nhân vẫn đi bán hàng rong\n\n${BODY2}\n\n${BODY} Hai.\n\n${BODY2} Ba.`);
    expect(r.paragraphs).toEqual([BODY, BODY2, `${BODY} Hai.`, `${BODY2} Ba.`]);
    expect(r.authors).toEqual([]);
  });

  it.each([
    ['Bảo Lâm (theo SCMP)', ['Bảo Lâm'], ['SCMP']],
    ['Mạnh Tùng - Thu Hương', ['Mạnh Tùng', 'Thu Hương'], []],
    ['Tin, ảnh: T.PHƯƠNG – K.NY', ['T.PHƯƠNG', 'K.NY'], []],
    ['Theo MỘC LAN (VTC News)', ['MỘC LAN'], ['VTC News']],
    ['Báo Thanh Niên', [], ['Báo Thanh Niên']],
    ['Nguồn SKĐS', [], ['SKĐS']],
    ['Theo CNBC', [], ['CNBC']],
  ])('reads the credit %s into authors and sources', (line, authors, sources) => {
    const r = strip(`${BODY}\n\n${line}`);
    expect(r.paragraphs).toEqual([BODY]);
    expect(r.authors).toEqual(authors);
    expect(r.sources).toEqual(sources);
  });

  it('splits glued words and a glued byline and tag list', () => {
    expect(strip('Thủ tướng AnhTheo truyền thông Anh, ông Johnson sẽ từ chức.').paragraphs).toEqual(['Thủ tướng Anh', 'Theo truyền thông Anh, ông Johnson sẽ từ chức.']);
    expect(strip('Ông làm việc tại Trung QuốcNăm 2017, ông trở về nước.').paragraphs).toEqual(['Ông làm việc tại Trung Quốc', 'Năm 2017, ông trở về nước.']);
    const r = strip('Tài xế khai nhận vì buồn ngủ nên gây tai nạn, vụ việc đang được làm rõ. Thúy Diễm Tag : tài xế xe khách , vỡ kính xe');
    expect(r.paragraphs).toEqual(['Tài xế khai nhận vì buồn ngủ nên gây tai nạn, vụ việc đang được làm rõ.']);
    expect(r.authors).toEqual(['Thúy Diễm']);
  });

  it('does not take a last sentence of one capitalised word for a byline', () => {
    const r = strip(`${BODY} Xong.`);
    expect(r.paragraphs).toEqual([`${BODY} Xong.`]);
    expect(r.authors).toEqual([]);
  });
});
