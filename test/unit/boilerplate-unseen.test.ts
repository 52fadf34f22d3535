import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { stripBoilerplate } from '../../src/text/boilerplate.js';
import { splitLines } from '../../src/text/lines.js';

// Layouts of sources the rules were not first written for (crawl batch 4, dev since round 5):
// real lines from test/fixtures/crawl, each rule checked for what it removes and what it keeps.
const rules = loadConfig().boilerplate;
// The normalize stage composes the text (NFC) and trims the spaces a crawler leaves at line ends before the cleaner runs.
const strip = (text: string) => stripBoilerplate(splitLines(text.normalize('NFC').replace(/[ \t]+$/gm, '')), rules);
const doc = (name: string) => readFileSync(new URL(`../fixtures/crawl/docs/${name}`, import.meta.url), 'utf8');

describe('photo stories (tkhery12-vnexpress)', () => {
  it('keeps every slide of a story printed twice once, without its credit', () => {
    const r = strip(doc('tkhery12-vnexpress/002.txt'));
    const text = r.paragraphs.join('\n');
    expect(r.paragraphs[0]).toMatch(/^Top 50 điểm đến view đẹp nhất/);
    // Nine slides, each its place and its text, once.
    expect(r.paragraphs.filter((p) => p === 'Myanmar')).toHaveLength(1);
    expect(r.paragraphs.filter((p) => p === 'Mỹ')).toHaveLength(2);
    expect(text).toContain('Vườn quốc gia Grand Canyon ở bang Arizona là nơi có cấu tạo địa chất với lịch sử 2 tỉ năm.');
    expect(text).toContain('tạo nên nhiều góc ngắm đẹp xiêu lòng.');
    expect(text).not.toMatch(/Ảnh:/);
    expect(r.paragraphs).toHaveLength(19);
    // The slides are the text: no caption is read from them.
    expect(r.captions).toEqual([]);
  });

  it('still takes a credited caption out of an article that is not a photo story', () => {
    const slide =
      'Khác với cảnh quan khô cằn ở Grand Canyon, vườn quốc gia Yosemite ở bang California nổi tiếng bởi hệ thống hồ, suối thác, thung lũng và những vách núi kỳ vĩ tạo nên nhiều góc ngắm đẹp xiêu lòng. Ảnh: pixabay.';
    const body = 'Theo UNESCO, những tàn tích khảo cổ còn lại ở thành phố cổ Bagan đều có niên đại từ thế kỷ 11 - 13.';
    const r = strip([body, slide, body.replace('Bagan', 'Pagan'), body.replace('11 - 13', '10 - 12')].join('\n'));
    expect(r.captions.map((c) => c.text)).toHaveLength(1);
    expect(r.paragraphs).toHaveLength(3);
  });

  it('keeps a paragraph of several sentences that a credit closes, and drops the credit only', () => {
    const r = strip(
      [
        'Pu Luong Retreat',
        'Pu Luong Retreat is part of Pu Luong Nature Reserve in Ba Thuoc District, central Thanh Hoa Province, which awards visitors with similar majestic mountain views.',
        'The view is also accessible from each of the resort’s rooms. Prices here start from VND6.6 million ($285) a night. Photo courtesy of Topas Ecolodge.',
      ].join('\n'),
    );
    expect(r.paragraphs[2]).toBe('The view is also accessible from each of the resort’s rooms. Prices here start from VND6.6 million ($285) a night.');
    expect(r.captions).toEqual([]);
  });

  it('reads names that head sections as headings, not bylines, nor the paragraphs after the last as teasers', () => {
    const r = strip(doc('tkhery12-vnexpress/006.txt'));
    expect(r.authors).toEqual([]);
    expect(r.paragraphs).toContain('Chen Sea Phu Quoc');
    expect(r.paragraphs).toContain('Six Senses Con Dao');
    expect(r.paragraphs.at(-1)).toMatch(/^On top of typical resort amenities, Chen Sea also offers sailing/);
  });

  it('keeps a one-sentence slide of a story whose other slides hold several sentences (tkhery12-vnexpress 006)', () => {
    const r = strip(doc('tkhery12-vnexpress/006.txt'));
    expect(r.paragraphs).toContain(
      'A private deluxe room starts from VND2.4 million ($104) a night, but you can spend a fraction of that (VND350,000 or $15) staying in a stilt house.',
    );
    expect(r.captions).toEqual([]);
    expect(r.paragraphs.join('\n')).not.toContain('Photo courtesy');
  });
});

describe('captions under a lost picture, where paragraphs run without blank lines (ducc8201-24h)', () => {
  it('takes the sentence under each blank line as the picture caption and keeps the paragraphs', () => {
    const r = strip(doc('ducc8201-24h/004.txt'));
    const captions = r.captions.map((c) => c.text);
    expect(captions).toContain('Một số trang tin nhận xét Michele Alves mang vẻ đẹp cổ điển với đôi mắt thu hút.');
    expect(captions).toContain('Michele Alves có vẻ ngoài thu hút cùng vóc dáng chuẩn đẹp.');
    const text = r.paragraphs.join('\n');
    expect(text).toContain('Người đẹp 22 tuổi Michele Alves là người mẫu tự do mang quốc tịnh Brazil.');
    expect(text).toContain('Về phong cách thời trang, Michele Alves cũng khiến nhiều người quan tâm');
    expect(text).not.toContain('Khi mặc trang phục màu đỏ, Michele Alves lại càng trở nên gợi cảm hơn.');
  });

  it('keeps the paragraphs of a text that spaces every paragraph with a blank line (ducc8201-24h 001)', () => {
    const r = strip(doc('ducc8201-24h/001.txt'));
    expect(r.captions).toEqual([]);
    expect(r.paragraphs.join('\n')).toContain('Croptop là trang phục đơn giản với thiết kế ngắn tôn lên vòng hai của phái đẹp.');
  });

  const paragraph = (k: number) =>
    `Võ Minh Lâm (sinh năm 1989, quê Cần Thơ) bắt đầu đi hát từ năm 11 tuổi, tham gia CLB Đờn ca tài tử và nhiều hội thi, liên hoan ca cổ của địa phương, lần thứ ${k} đoạt giải nhất, rồi được mời hát ở nhiều sân khấu lớn của miền Tây và TP HCM.`;
  it('keeps a subheading under a blank line: it has no stop (thephann-vietnamnet 004)', () => {
    const text = [paragraph(1), paragraph(2), '', 'Áp lực của “Chuông vàng” 17 tuổi', paragraph(3), paragraph(4)].join('\n');
    const r = strip(text);
    expect(r.paragraphs).toContain('Áp lực của “Chuông vàng” 17 tuổi');
    expect(r.captions).toEqual([]);
  });

  it('keeps the line under a lead set apart by a blank line, and a sentence under a table cell', () => {
    const lead = 'PV Trans lên kế hoạch doanh thu hợp nhất 6.800 tỷ đồng và lợi nhuận sau thuế 538 tỷ đồng, lần lượt giảm 25% và 53% so với năm trước.';
    const first = 'Tổng công ty cổ phần Vận tải Dầu khí (PV Trans - HoSE: PVT) dự kiến tổ chức họp ĐHĐCĐ thường niên 2023 vào ngày 11/4.';
    const after = 'Trước đó, tháng 7/2016, Bộ này đã ban hành Quyết định số 2968/QĐ-BCT.';
    const r = strip([lead, '', first, paragraph(1), paragraph(2), paragraph(3), '', '6,3%', '', after, paragraph(4)].join('\n'));
    expect(r.paragraphs).toContain(first);
    expect(r.paragraphs).toContain(after);
    expect(r.captions).toEqual([]);
  });
});

describe('a credit that names only a web address (ducc8201-24h)', () => {
  it('removes the credit and the teaser of another article under it, and keeps the last paragraph', () => {
    const r = strip(doc('ducc8201-24h/006.txt'));
    const text = r.paragraphs.join('\n');
    expect(text).not.toContain('Nguồn: http');
    expect(text).not.toContain('Trao đổi với phóng viên bên lề kỳ họp sáng 10/6');
    expect(r.paragraphs.at(-1)).toMatch(/^Nếu người sử dụng lao động vi phạm sẽ bị phạt tiền từ 10 - 20 triệu đồng/);
    expect(r.sources).toEqual([]);
  });

  it('keeps a closing line under a credit that names an outlet, not an address', () => {
    const body = 'Nếu người sử dụng lao động vi phạm sẽ bị phạt tiền từ 10 - 20 triệu đồng vì có hành vi vi phạm quy định của pháp luật về thời giờ làm việc.';
    const closing = 'Trao đổi với phóng viên bên lề kỳ họp sáng 10/6, Bộ trưởng Đào Ngọc Dung cho biết sẽ xem xét tăng ngày nghỉ lễ.';
    const r = strip([body, body.replace('10 - 20', '20 - 30'), 'Theo Dân Việt', closing].join('\n'));
    expect(r.paragraphs).toContain(closing);
  });
});

describe('headlines of other articles glued into a dump (bazzi24-cafef)', () => {
  it('removes a list of headlines glued under an upper-case label and keeps the article after it', () => {
    const r = strip(doc('bazzi24-cafef/001.txt'));
    const text = r.paragraphs.join('\n');
    expect(text).not.toContain('TIN MỚI');
    expect(text).not.toContain('Hỏng thận ở tuổi 30');
    expect(r.paragraphs[0]).toMatch(/^Bạn có bao giờ trải qua cảm giác đau nhói/);
    expect(text).toContain('Đây cũng là nguyên nhân gây đột quỵ thường gặp ở người trẻ.');
  });

  it('removes a headline glued after the last sentence, and keeps that sentence', () => {
    const r = strip(doc('bazzi24-cafef/004.txt'));
    const text = r.paragraphs.join('\n');
    expect(text).not.toContain('Con đi học mẫu giáo không có bạn nào chơi cùng');
    expect(text).toMatch(/Trường mầm non Gia Thuỵ là ngôi trường công lập thuộc phường Bồ Đề, thành phố Hà Nội\.$/);
  });

  it('keeps a ticker that opens a sentence, and reads a byline glued after the last sentence (anhduchb01-cafef, fehuynhvi-vnexpress 009)', () => {
    const ticker = 'DP3 đặt kế hoạch thận trọng này là do lo ngại về những khó khăn và thách thức liên quan đến chuỗi cung ứng bị đứt gãy, giá nguyên vật liệu và chi phí vận chuyển';
    expect(strip(ticker).paragraphs).toEqual([ticker]);
    const r = strip(
      'Sinh viên quốc tế cần "tiêu chí và thời gian rõ ràng" về cách thức và thời điểm cho phép người nước ngoài nhập cảnh."Trong thời đại toàn cầu hóa này, việc cấm đi lại không có lợi cho người dân Nhật Bản", Adeline bày tỏ.Bình Minh (Theo Kyodo News)',
    );
    expect(r.authors).toEqual(['Bình Minh']);
    expect(r.sources).toEqual(['Kyodo News']);
  });
});

describe('lost videos and related lists of a one-paragraph-per-line page (tkhery12-vnexpress)', () => {
  it('takes a bulleted title over a wide gap for a lost video, and keeps the paragraphs around it', () => {
    const r = strip(doc('tkhery12-vnexpress/007.txt'));
    expect(r.captions.map((c) => c.text)).toContain('Ngô Thanh Vân tát Lan Ngọc "Cô Ba Sài Gòn"');
    expect(r.paragraphs.join('\n')).toMatch(/Kịch bản vững về cấu trúc, nội dung dễ chịu/);
    // A list of awards keeps its items.
    expect(r.paragraphs).toContain('- Cánh Diều Vàng: Thương nhớ ở ai');
  });

  it('keeps a bulleted list, and a bulleted line that the text goes on under', () => {
    const items = ['* Đơn vị sẽ tuân thủ các điều kiện gắn liền với các khoản trợ cấp', '', '* Các khoản trợ cấp sẽ nhận được'];
    const body = 'Các khoản trợ cấp của Chính phủ chỉ được ghi nhận khi có sự đảm bảo hợp lý rằng đơn vị sẽ nhận được chúng.';
    expect(strip([body, '', ...items, '', '', body].join('\n')).captions).toEqual([]);
    expect(strip([body, '', '* Hoàng và Linh Đan có cuộc tình một đêm', body].join('\n')).captions).toEqual([]);
  });

  it('removes `>> Xem thêm:` and the headlines under it (tkhery12-vnexpress 003)', () => {
    const r = strip(doc('tkhery12-vnexpress/003.txt'));
    const text = r.paragraphs.join('\n');
    expect(text).not.toContain('Vân Sơn chê thí sinh nam hát Bolero quá điệu');
    expect(r.paragraphs.at(-1)).toMatch(/^Vừa qua, nghệ sĩ Tòng Sơn làm đơn trình bày nguyện vọng .* không đủ tiêu chuẩn được xét duyệt\.$/);
  });
});

describe('page chrome run into the end of a dump (sonlu3612-thanhnien, sonlu3612-tuoitre)', () => {
  it('cuts the comment widget and masthead off the last line and keeps the article before it', () => {
    const r = strip(doc('sonlu3612-thanhnien/002.txt'));
    const text = r.paragraphs.join('\n');
    expect(text).not.toContain('Bình luận (0)');
    expect(text).not.toContain('Tổng biên tập');
    expect(text).toMatch(/tuyên dương, khen thưởng khác\.\.\.$/);
  });

  it('cuts a widget, licence and copyright run at the start of their sentence', () => {
    const r = strip(doc('sonlu3612-tuoitre/002.txt'));
    const text = r.paragraphs.join('\n');
    expect(text).not.toContain('Đã có lỗi xảy ra');
    expect(text).not.toContain('GP-BTTTT');
    expect(text).not.toContain('Tuổi Trẻ Sao');
    expect(text).toMatch(/không tuyển sinh được, khó tồn tại\.$/);
  });

  it('keeps a closing sentence that names one such phrase in mid-text', () => {
    const body = 'Theo Bộ trưởng, việc tái cấu trúc chỉ nhằm vào những trường cao đẳng yếu, nhỏ, không tuyển sinh được, khó tồn tại.';
    // Two sentences, not one printed twice (a doubled block goes as a repeat).
    const text = `${body} ${body.replace('Theo Bộ trưởng', 'Theo Thứ trưởng')} Ông Nguyễn Văn A, nguyên Tổng biên tập: "Tòa soạn sẽ tiếp tục lắng nghe bạn đọc và cải tiến nội dung trong thời gian tới, với nhiều chuyên mục mới phục vụ độc giả cả nước".`;
    expect(strip(text).paragraphs.join(' ')).toBe(text);
  });
});

describe('a closing block in another layout than the text (nploi-vnexpress)', () => {
  it('removes the leads of other articles run together under a wide gap, and keeps the caption above them', () => {
    const r = strip(doc('nploi-vnexpress/001.txt'));
    const text = r.paragraphs.join('\n');
    expect(text).not.toContain('Ngôi sao của PSG nhận án phạt từ UEFA');
    expect(text).not.toContain('Serie A, Ligue I đã có nhà vô địch');
    expect(text).toContain('Những vị trí khác trong đội hình do PFA bầu chọn là thủ môn Ederson (Man City)');
  });

  it('keeps closing lines of a text that sets its paragraphs without blank lines, or under a gap no wider than the others', () => {
    const p = (k: number) => `Ở chiều ngược lại, sự vắng mặt của Eden Hazard khiến nhiều người đặt câu hỏi lần thứ ${k}.`;
    const closing = ['Serie A, Ligue I đã có nhà vô địch, nhưng các cuộc đua vẫn căng thẳng.', 'Thủ quân Bình Dương chuyền về như kiến tạo cho Fagan.'];
    const run = [p(1), p(2), p(3), p(4), '', '', ...closing].join('\n');
    expect(strip(run).paragraphs).toEqual(expect.arrayContaining(closing));
    const spaced = [p(1), '', '', p(2), '', p(3), '', p(4), '', '', ...closing].join('\n');
    expect(strip(spaced).paragraphs).toEqual(expect.arrayContaining(closing));
  });
});

describe('the page lines under an article (dzungcamlang-baomoi)', () => {
  it('removes the date, section name and tag list and keeps the last paragraph and the outlet credit', () => {
    const r = strip(doc('dzungcamlang-baomoi/001.txt'));
    const text = r.paragraphs.join('\n');
    expect(text).not.toContain('28/05/13 22:43 GMT+7');
    expect(text).not.toContain('Thất nghiệp,Thanh niên');
    expect(r.paragraphs).not.toContain('Kinh tế');
    expect(r.sources).toEqual(['Lao Động']);
    expect(text).toContain('Thông báo này cũng chỉ rõ ngày càng nhiều thanh niên phải làm các công việc bán thời gian');
  });

  it('keeps a list a writer set with commas, and short lines that no removed line anchors', () => {
    const p = 'Năm nay, các địa phương tham gia chương trình gồm nhiều tỉnh, thành phố trên cả nước, với tổng kinh phí hơn 20 tỷ đồng.';
    const list = 'Hà Nội, Hải Phòng, Đà Nẵng, Cần Thơ, TP HCM';
    expect(strip([p, p.replace('20', '30'), list, 'Kinh tế'].join('\n')).paragraphs).toEqual([p, p.replace('20', '30'), list, 'Kinh tế']);
  });
});

describe('a credit whose names the crawler put on the next line (thuy4tbn99-vnexpress 002)', () => {
  it('reads the line under `Ảnh:` or `Video:` as the credit, not as a portrait caption', () => {
    const body = 'Đám cháy bùng phát lúc 9h sáng, lửa lan nhanh sang các dãy nhà xưởng bên cạnh, cảnh sát phải huy động nhiều xe chữa cháy.';
    const r = strip([body, 'Hiện trường vụ cháy nhìn từ trên cao. Video:', 'Phước Tuấn - Thanh Huyền.', body.replace('9h', '10h'), 'Các dãy nhà công ty sập đổ sau khi đám cháy bùng lên. Ảnh:', 'Phước Tuấn.', body.replace('9h', '11h')].join('\n'));
    expect(r.captions.map((c) => c.text)).toEqual(['Hiện trường vụ cháy nhìn từ trên cao.', 'Các dãy nhà công ty sập đổ sau khi đám cháy bùng lên.']);
    expect(r.paragraphs).toHaveLength(3);
  });
});

describe('a pull quote under a blank line (anhduchb01-baodautu 004)', () => {
  it('removes it as a repeat of the paragraph it quotes, not as a caption', () => {
    const quoted =
      'Chương trình là cơ hội giới thiệu rộng rãi sức hút của Kimono và Áo dài, những trang phục truyền thống của hai nước, cũng như thế giới của vẻ đẹp và sự thanh lịch của phụ nữ hai nước, được thể hiện qua các bộ trang phục truyền thống.';
    const other = (k: number) =>
      `Mỗi bước catwalk của dàn người mẫu tại Kimono - Aodai Fashion Show tổ chức tại khách sạn InterContinental Hanoi Westlake cuối tuần qua đều nhận được những tràng pháo tay lần thứ ${k} của khán giả, những người yêu cái đẹp.`;
    const pull = 'Chương trình là cơ hội giới thiệu rộng rãi sức hút của Kimono và Áo dài, những trang phục truyền thống của hai nước.';
    const r = strip([other(1), other(2), '', pull, other(3), quoted].join('\n'));
    expect(r.paragraphs).not.toContain(pull);
    expect(r.paragraphs).toContain(quoted);
    expect(r.captions).toEqual([]);
  });
});

describe('long texts', () => {
  it('cleans a text of 300,000 spaced lines with a closing block (no argument list built from its lines)', () => {
    const lines = Array.from({ length: 300_000 }, (_, k) => `Dòng thứ ${k} của văn bản dài này kể lại một sự việc đã xảy ra.`);
    const closing = ['Serie A, Ligue I đã có nhà vô địch, nhưng các cuộc đua vẫn căng thẳng.', 'Thủ quân Bình Dương chuyền về như kiến tạo cho Fagan.'];
    const r = strip(`${lines.join('\n\n')}\n\n\n${closing.join('\n')}`);
    expect(r.paragraphs).toHaveLength(300_000);
  });
});

describe('more page chrome and empty credits', () => {
  it('cuts a long widget run under a short article (sonlu3612-tuoitre 004)', () => {
    const r = strip(doc('sonlu3612-tuoitre/004.txt'));
    const text = r.paragraphs.join('\n');
    expect(text).not.toContain('Đã có lỗi xảy ra');
    expect(text).not.toContain('sẽ gởi đến bạn những tin tức nổi bật nhất');
    expect(text.length).toBeGreaterThan(500);
  });

  it('removes a credit whose outlet link was lost, `(Theo` over `)` (khoaphamce-vnexpress 001)', () => {
    const r = strip(doc('khoaphamce-vnexpress/001.txt'));
    expect(r.paragraphs.at(-1)).toMatch(/^Mỹ là nước ghi nhận số ca tử vong cao nhất/);
    expect(r.paragraphs).not.toContain('(Theo');
    expect(r.paragraphs).not.toContain(')');
  });
});
