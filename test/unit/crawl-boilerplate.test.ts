import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { splitGluedLines, stripBoilerplate } from '../../src/text/boilerplate.js';
import { splitLines } from '../../src/text/lines.js';
import { extractMetadata } from '../../src/text/metadata.js';

// Excerpts of real crawler output from the dev sources of test/fixtures/crawl (one-line
// dumps, markdown feeds): each rule is checked for what it removes and what it keeps.
const config = loadConfig();
const rules = config.boilerplate;
const strip = (text: string) => stripBoilerplate(splitLines(text), rules);
const joined = (text: string) => strip(text).paragraphs.join(' ');

describe('glued one-line dumps', () => {
  it('splits paragraphs the crawler ran together, and nothing inside abbreviations, codes or brand names', () => {
    const text =
      'Hình thức này phổ biến tại Pháp.Theo Nguyễn Thanh Tùng, cựu chủ tịch hội sinh viên, đăng ký thuê bao di động là việc cần làm trước tiên."Nếu không làm sim, bạn khó làm thẻ ngân hàng", Tùng nói.';
    expect(splitGluedLines(splitLines(text)).map((l) => l.text)).toEqual([
      'Hình thức này phổ biến tại Pháp.',
      'Theo Nguyễn Thanh Tùng, cựu chủ tịch hội sinh viên, đăng ký thuê bao di động là việc cần làm trước tiên.',
      '"Nếu không làm sim, bạn khó làm thẻ ngân hàng", Tùng nói.',
    ]);
    const whole = "Trường St.John's Kilmarnock ở TP.HCM dùng YouTube, VinFast và iPhone, hợp tác với ông A.Lê.";
    expect(splitGluedLines(splitLines(whole)).map((l) => l.text)).toEqual([whole]);
  });

  it('does not split a link glued in mid-sentence, so no fragment of it is taken for a caption', () => {
    const text =
      'Hiện tại, trên thị trường có 3 cái tên phù hợp cho bạn lựa chọn là Honda SH Mode, Yamaha Grande vàLiberty One.Honda SH Mode bản tiêu chuẩn dùng phanh CBS có giá 51,5 triệu đồng.';
    const r = strip(text);
    expect(r.captions).toEqual([]);
    expect(r.removed).toEqual([]);
    expect(r.paragraphs.join(' ')).toContain('Yamaha Grande vàLiberty One.');
  });

  it('removes a photo caption glued between two paragraphs and keeps both', () => {
    const text =
      'Lớp học của cô Jin bị đình chỉ hồi tháng 10 do vi phạm quy định giáo dục quốc gia.Một phụ huynh học sinh bị chồng giáo viên đánh vì bị nghi ngờ tố cáo hành vi dạy thêm (Ảnh minh họa).Cô Jin cho rằng mẹ của một học sinh đã báo cáo với cơ quan quản lý giáo dục về lớp học.';
    const r = strip(text);
    expect(r.paragraphs).toEqual([
      'Lớp học của cô Jin bị đình chỉ hồi tháng 10 do vi phạm quy định giáo dục quốc gia.',
      'Cô Jin cho rằng mẹ của một học sinh đã báo cáo với cơ quan quản lý giáo dục về lớp học.',
    ]);
    expect(r.captions.map((c) => c.text)).toEqual(['Một phụ huynh học sinh bị chồng giáo viên đánh vì bị nghi ngờ tố cáo hành vi dạy thêm']);
  });

  it('removes a caption and its credit sentence from inside a paragraph', () => {
    const text =
      'Trước đó, Hãng Cipla từng hé lộ giá thuốc Remdesivir sẽ không vượt quá 5.000 rupee. Khu vực lễ tân của Cipla tại trụ sở chính ở Mumbai, Ấn Độ. Ảnh Reuters. Tại Mỹ, Ấn Độ và Hàn Quốc, thuốc này đã được cấp phép sử dụng.';
    const r = strip(text);
    expect(r.paragraphs).toEqual(['Trước đó, Hãng Cipla từng hé lộ giá thuốc Remdesivir sẽ không vượt quá 5.000 rupee. Tại Mỹ, Ấn Độ và Hàn Quốc, thuốc này đã được cấp phép sử dụng.']);
    expect(r.captions).toEqual([{ text: 'Khu vực lễ tân của Cipla tại trụ sở chính ở Mumbai, Ấn Độ.', credit: 'Reuters' }]);
  });

  it('keeps a sentence that opens with `Ảnh hưởng` ("influence"), and the one before it: no credit follows `Ảnh` there', () => {
    const before = 'Trước đó, Hãng Cipla từng hé lộ giá thuốc Remdesivir sẽ không vượt quá 5.000 rupee. Khu vực lễ tân của Cipla tại trụ sở chính ở Mumbai, Ấn Độ.';
    expect(strip(`${before} Ảnh hưởng của dịch rất lớn. Tại Mỹ, thuốc này đã được cấp phép.`).paragraphs).toEqual([`${before} Ảnh hưởng của dịch rất lớn. Tại Mỹ, thuốc này đã được cấp phép.`]);
    // A kind of picture is a credit with or without a colon (sonlu3612-giaoduc 006).
    expect(strip(`${before} Ảnh chụp màn hình. Tại Mỹ, thuốc này đã được cấp phép.`).captions).toEqual([{ text: 'Khu vực lễ tân của Cipla tại trụ sở chính ở Mumbai, Ấn Độ.', credit: 'chụp màn hình' }]);
  });

  it('removes a call to action from the end of a paragraph and keeps the sentences before it', () => {
    const text =
      'Trường có 3 suất học bổng đặc biệt dành riêng cho học sinh Việt Nam có thành tích học tập xuất sắc. Quý phụ huynh và các bạn học sinh quan tâm và mong muốn tham gia trò chuyện trực tiếp cùng với đại diện trường để tìm hiểu thêm về cơ hội học bổng, vui lòng đăng ký tại đây.Những ưu điểm của SJK: an toàn trong suốt đại dịch.';
    const r = strip(text);
    expect(r.paragraphs).toEqual([
      'Trường có 3 suất học bổng đặc biệt dành riêng cho học sinh Việt Nam có thành tích học tập xuất sắc.',
      'Những ưu điểm của SJK: an toàn trong suốt đại dịch.',
    ]);
    expect(r.removed.map((x) => x.reason)).toEqual(['call-to-action']);
  });
});

describe('an editor’s introduction at the head of a dump', () => {
  it('removes the introduction and the invitation that closes it (anhduchb01-cafebiz 006), and keeps an article that only says giới thiệu', () => {
    const r = strip(
      'Chúng tôi xin giới thiệu bài viết Câu chuyện phân phối được đăng trên diễn đàn Quản trị và Khởi nghiệp của tác giả Đỗ Xuân Tùng. Mời độc giả đón đọc. Tôi nhận quản lý một công ty A mà chưa hề có chút kinh nghiệm nào trong ngành dược.',
    );
    expect(r.paragraphs).toEqual(['Tôi nhận quản lý một công ty A mà chưa hề có chút kinh nghiệm nào trong ngành dược.']);
    const plain = 'Chúng tôi xin giới thiệu sản phẩm mới tại hội chợ, ông An cho biết. Mời độc giả đón đọc kỳ sau về thị trường dược. Công ty dự kiến mở rộng sản xuất.';
    expect(strip(plain).paragraphs.join(' ')).toContain('Chúng tôi xin giới thiệu sản phẩm mới tại hội chợ, ông An cho biết.');
  });
});

describe('credits at the end of a dump', () => {
  const LAST = 'Huyện Lâm Thao đang điều trị 37 ca; huyện Cẩm Khê một ca.';

  it.each([
    ['du học sinh có thể đặt hẹn trực tiếp chi nhánh của CAF gần nơi ở để được hướng dẫn khai bằng hồ sơ giấy.Bình Minh', ['Bình Minh'], []],
    [`${LAST} Huyền Lê (Theo AFP, Business Insider)`, ['Huyền Lê'], ['AFP', 'Business Insider']],
    [`${LAST} Thu Thảo (Theo Interesting Engineering)`, ['Thu Thảo'], ['Interesting Engineering']],
    ['trường học các cấp sẽ đóng cửa, chuyển sang dạy trực tuyến ít nhất đến giữa tháng 2.Theo Phạm KhánhGiáo dục & Thời đại', ['Phạm Khánh'], ['Giáo dục & Thời đại']],
    [`${LAST} Mi Vân Theo QQ`, ['Mi Vân'], ['QQ']],
    [`${LAST} Hồng Duy tổng hợp`, ['Hồng Duy'], []],
    [`${LAST} Phản hồi của độc giả Hồ Hương`, ['Hồ Hương'], []],
    [`${LAST} Theo Trần Thủy VietnamNet`, ['Trần Thủy'], ['VietnamNet']],
    [`${LAST} Trang Phạm Theo IFL Science`, ['Trang Phạm'], ['IFL Science']],
    // anhduchb01-cafebiz 015: the outlet before the writer.
    [`${LAST} Nguồn CNBC Băng Băng`, ['Băng Băng'], ['CNBC']],
    [`${LAST} Nhóm phóng viên`, [], []],
    [`${LAST} Theo báo cáo của Công ty cổ phần Nghiên cứu ngành và Tư vấn Việt Nam VIRAC PV`, [], []],
  ])('reads %s', (text, authors, sources) => {
    const r = strip(text);
    expect(r.authors).toEqual(authors);
    expect(r.sources).toEqual(sources);
    expect(r.paragraphs.join(' ')).not.toMatch(/Băng Băng|CNBC|Bình Minh|Huyền Lê|Thu Thảo|Phạm Khánh|QQ|Hồng Duy|Hồ Hương|VietnamNet|IFL|phóng viên| PV$/);
  });

  it('keeps companies and their tickers, which a dump joined by commas, as text: a name is written in one case (anhduchb01-cafef 017)', () => {
    const text =
      'Đến nay, đa phần các doanh sản xuất dược hàng đầu của Việt Nam như Dược Hậu Giang DHG , Domesco DMC , Traphaco TRA , Imexpharm IMP , Dược Hà Tây DHT , Pymepharco PME đều đang có cổ đông chiến lược nước ngoài. Một số đã tiến đến nắm quyền chi phối trên 51 , thậm chí thâu tóm toàn bộ.';
    const r = strip(text);
    expect(r.authors).toEqual([]);
    expect(r.removed).toEqual([]);
    expect(joined(text).replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
    // Names in upper case, or with an initial, are still names.
    expect(strip(`${LAST} Tin, ảnh: T.PHƯƠNG – K.NY`).authors).toEqual(['T.PHƯƠNG', 'K.NY']);
  });

  it('keeps the last sentence whole when it only ends in capitalised words', () => {
    const text = `${LAST} Chuyến bay tiếp theo sẽ cất cánh từ Hà Nội.`;
    expect(strip(text).paragraphs).toEqual([text]);
    expect(strip(text).authors).toEqual([]);
  });

  it('reads an expert’s titled signature and the workplace under it, and names the person without titles (haotran0103-vnexpress 011)', () => {
    const r = strip(
      'Cách này cũng giúp trẻ có sinh hoạt bình thường sau tiêm. Thạc sĩ, bác sĩ Kiều Xuân ThyBệnh viện Đại học Y dược TP HCM cơ sở 3',
    );
    expect(r.paragraphs).toEqual(['Cách này cũng giúp trẻ có sinh hoạt bình thường sau tiêm.']);
    expect(r.authors).toEqual(['Kiều Xuân Thy']);
    expect(r.sources).toEqual([]);
  });

  it('keeps a short last line under a sentence that names no titled person', () => {
    const text = 'Đoàn công tác đã khảo sát ba bệnh viện trong tỉnh.\n\nBệnh viện Đa khoa tỉnh Điện Biên';
    expect(strip(text).paragraphs).toEqual(['Đoàn công tác đã khảo sát ba bệnh viện trong tỉnh.', 'Bệnh viện Đa khoa tỉnh Điện Biên']);
  });

  it('takes an outlet line for a source, not an author', () => {
    const r = strip(`${LAST}\n\nNguồn: Báo Thanh Niên`);
    expect(r.authors).toEqual([]);
    expect(r.sources).toEqual(['Báo Thanh Niên']);
  });
});

describe('markdown feeds', () => {
  const doc = [
    'Hải quan Hải Phòng: Giải đáp vướng mắc cho doanh nghiệp là việc làm thường xuyên',
    '================================================================================',
    '',
    '[:gift:Xem chi tiết ở đây:gift:](https://hddtvn.com/hai-quan-hai-phong/)Hội nghị đối thoại doanh nghiệp do Chi cục Hải quan Hưng Yên tổ chức cuối tháng 10/2020. Ảnh: T.Bình Phát triển quan hệ đối tác Hải quan – Doanh nghiệp Chia sẻ thêm về câu chuyện giải đáp …',
    '----------------------------------------------------------------',
    '',
    '![Hội nghị đối thoại doanh nghiệp. \tẢnh: T.Bình](https://hddtvn.com/wp-content/uploads/2021/01/IMG_7404.jpg "Hội nghị đối thoại doanh nghiệp. \tẢnh: T.Bình")',
    '',
    'Hội nghị đối thoại doanh nghiệp do Chi cục Hải quan Hưng Yên tổ chức cuối tháng 10/2020. Ảnh: T.Bình',
    '',
    '',
    '**Phát triển quan hệ đối tác Hải quan – Doanh nghiệp**',
    '',
    'Chia sẻ thêm về câu chuyện giải đáp, tháo gỡ vướng mắc cho cộng đồng doanh nghiệp, lãnh đạo Cục Hải quan Hải Phòng cho biết nhiều điều.',
    '',
    'Những nhiệm vụ của kế toán xuất nhập khẩu',
    '-----------------------------------------',
    '',
    'Thời gian tới, nếu những hội nghị tương tự có thêm sự tham gia của hãng tàu thì hiệu quả sẽ cao hơn nữa.',
    '',
    '',
    '**Thái Bình**',
    '',
    'more(HDDTVN) – Các vướng mắc phát sinh trong quá trình làm thủ tục hải quan cần được xử lý kịp thời.',
  ].join('\n');

  it('reads the underlined title and removes the feed link, excerpt, rules, image, caption, bold byline and more button', () => {
    const { header, lines } = extractMetadata(splitLines(doc), config.metadata.timezone);
    expect(header.title).toBe('Hải quan Hải Phòng: Giải đáp vướng mắc cho doanh nghiệp là việc làm thường xuyên');
    const r = stripBoilerplate(lines, rules);
    expect(r.paragraphs).toEqual([
      '**Phát triển quan hệ đối tác Hải quan – Doanh nghiệp**',
      'Chia sẻ thêm về câu chuyện giải đáp, tháo gỡ vướng mắc cho cộng đồng doanh nghiệp, lãnh đạo Cục Hải quan Hải Phòng cho biết nhiều điều.',
      'Những nhiệm vụ của kế toán xuất nhập khẩu',
      'Thời gian tới, nếu những hội nghị tương tự có thêm sự tham gia của hãng tàu thì hiệu quả sẽ cao hơn nữa.',
      '(HDDTVN) – Các vướng mắc phát sinh trong quá trình làm thủ tục hải quan cần được xử lý kịp thời.',
    ]);
    expect(r.authors).toEqual(['Thái Bình']);
    expect(r.captions).toEqual([{ text: 'Hội nghị đối thoại doanh nghiệp do Chi cục Hải quan Hưng Yên tổ chức cuối tháng 10/2020.', credit: 'T.Bình' }]);
  });
});

describe('pictures in markdown feeds', () => {
  const BODY = 'Cụ thể, ngày 8/7, tại Km 58 + 400 Quốc lộ 9, Đội Kiểm soát Hải quan phát hiện xe ô tô chở 11.000 bao thuốc lá nhập lậu.';

  it('takes the sentence under a picture for its caption when the picture names it, or when it stands alone with a stop', () => {
    const image = '![4153 3859 tyi xuyng](https://haiquanonline.com.vn/stores/4153_3859.jpg?rt=20200805101203 "Thuốc lá lậu cùng phương tiện vi phạm.")';
    const slug = '![tren 200 doanh nghiep tham du toa dam](https://haiquanonline.com.vn/stores/4538_IMG_0767.jpg)';
    const r = strip(`${BODY}\n\n\n${image}\n\nThuốc lá lậu cùng phương tiện vi phạm.\n${BODY} Hai.\n\n${slug}\n\n\nToàn cảnh buổi tọa đàm.\n\n\n${BODY} Hết.`);
    expect(r.captions.map((c) => c.text)).toEqual(['Thuốc lá lậu cùng phương tiện vi phạm.', 'Toàn cảnh buổi tọa đàm.']);
    expect(r.paragraphs).toEqual([BODY, `${BODY} Hai.`, `${BODY} Hết.`]);
  });

  it('keeps a list item or heading under a picture, and does not read wide markdown gaps as lost pictures', () => {
    const image = '![](https://hddtvn.com/wp-content/uploads/2021/01/69913984.jpg)';
    const item = 'Kê khai không đúng sự thật; sửa chữa, tẩy xóa nội dung liên quan đến hưởng chế độ Bảo hiểm';
    const r = strip(`${BODY}\n\n${image}\n\n\n\n${item}\n\n\n\nNợ TK 241 – Xây dựng cơ bản dở dang\n\n\n${BODY} Hết.`);
    expect(r.captions).toEqual([]);
    expect(r.paragraphs).toEqual([BODY, item, 'Nợ TK 241 – Xây dựng cơ bản dở dang', `${BODY} Hết.`]);
  });
});

describe('related-article blocks', () => {
  const P1 = 'Tại Chi cục Hải quan cửa khẩu cảng Hải Phòng khu vực 3, để kịp thời nắm bắt, tháo gỡ vướng mắc cho doanh nghiệp, đơn vị đã thực hiện đồng bộ nhiều biện pháp.';
  const P2 = 'Là đơn vị hải quan ngoài cửa khẩu, Chi cục Hải quan Hưng Yên cũng chú trọng đổi mới cách thức tổ chức hội nghị đối thoại để thu hút sự tham gia của doanh nghiệp.';
  const P3 = 'Theo ghi nhận của phóng viên tại Cục Hải quan Hải Phòng, vấn đề hỗ trợ, đồng hành cùng cộng đồng doanh nghiệp luôn được chú trọng.';

  it('removes a mid-article "Xem Thêm:" block up to the next body paragraph and loses no paragraph after it', () => {
    const r = strip(`${P1}\n\nXem Thêm:\n\nHải quan Hưng Yên đối thoại với doanh nghiệp\n\n>> Tân Cảng - Cát Lái đoạt giải thưởng cảng Xanh\n\n${P2}\n\n${P3}`);
    expect(r.paragraphs).toEqual([P1, P2, P3]);
    expect(r.removed.map((x) => x.reason)).toEqual(['related', 'related', 'related']);
  });

  it('still removes a footer heading and its list at the end as one trailing block', () => {
    const r = strip(`${P1}\n\n${P2}\n\nTIN LIÊN QUAN\n\nHải quan Hưng Yên đối thoại với doanh nghiệp\n\nTân Cảng - Cát Lái đoạt giải thưởng cảng Xanh`);
    expect(r.paragraphs).toEqual([P1, P2]);
    expect(r.removed).toEqual([
      { reason: 'trailing-block', text: 'TIN LIÊN QUAN\nHải quan Hưng Yên đối thoại với doanh nghiệp\nTân Cảng - Cát Lái đoạt giải thưởng cảng Xanh' },
    ]);
  });

  it('does not take a subheading over a paragraph that ends in an ellipsis for a related item', () => {
    const text =
      'Trước khi du học, mọi người cần có sự chuẩn bị.Hạn chế đổi giá cả sang tiền ViệtĐa phần du học sinh đều có thói quen quy đổi giá cả tại đất nước mới sang đơn vị đồng của Việt Nam, đặc biệt với du học sinh Mỹ, Anh, Australia, Nhật Bản...';
    const r = strip(text);
    expect(r.removed).toEqual([]);
    expect(r.paragraphs).toHaveLength(3);
  });
});

describe('a subheading after a wide gap', () => {
  // thephann-vietnamnet 004 (dev): subheadings over interview questions, one of them after two blank lines.
  const doc = readFileSync(join(import.meta.dirname, '../fixtures/crawl/docs/thephann-vietnamnet/004.txt'), 'utf8').split('\n');
  const subheading = 'Tình cảm của khán giả quan trọng hơn tiện nghi vật chất';

  it('is no caption when the text sets its other subheadings the same way', () => {
    const text = doc.slice(0, 22).join('\n');
    expect(text).toContain(`\n\n\n${subheading}\n`);
    expect(text).toContain('\n\nÁp lực của “Chuông vàng” 17 tuổi\n');
    const r = strip(text);
    expect(r.captions).toEqual([]);
    expect(r.paragraphs).toContain(subheading);
  });

  // Round 6: without its siblings it still stands right over its paragraph, as a heading does; a lost
  // picture's caption has a blank line under it too.
  it('is no caption in a text with no other subheading either, while the same line between two gaps is', () => {
    const text = [...doc.slice(0, 2), ...doc.slice(14, 22)].join('\n');
    expect(text).toContain(`\n\n\n${subheading}\n`);
    expect(strip(text).captions).toEqual([]);
    expect(strip(text).paragraphs).toContain(subheading);
    expect(strip(text.replace(`${subheading}\n`, `${subheading}\n\n`)).captions).toEqual([{ text: subheading, credit: null }]);
  });
});

describe('widget fragments', () => {
  it.each(['Thu gọn', '06/04/2025 | 23:58', 'http://vtc.vn/video/clip-123.html', 'Mời quý độc giả theo dõi clip đang được quan tâm:', 'Tag : tài xế xe khách , vỡ kính xe'])(
    'removes %s and takes it for no caption',
    (line) => {
      const body = 'Cảnh sát đang lấy lời khai thanh niên này, cơ quan công an đã tạm giữ 3 người liên quan.';
      const r = strip(`${body}\n\n\n${line}\n\n${body} Vụ việc đang được điều tra.`);
      expect(r.paragraphs).toEqual([body, `${body} Vụ việc đang được điều tra.`]);
      expect(r.captions).toEqual([]);
    },
  );
});

// Credit forms of papers outside the dev set, decided by their form: an upper-case
// `ẢNH:` after the caption, `Hình:` and `Đồ họa:` credits, `Ảnh minh họa: X`, and
// parenthesised credits in dumps whose blocks are joined by ` , `.
describe('photo credits in the forms other papers print', () => {
  const before = 'Theo báo cáo của Sở Y tế, số ca mắc mới trong tuần qua đã giảm mạnh so với tuần trước.';
  const after = 'Ông Nguyễn Văn An, Giám đốc Sở, cho biết ngành y tế sẽ tiếp tục kiểm tra các cơ sở khám chữa bệnh.';
  // A dump's paragraph keeps the join comma after it: the text is compared without it.
  const kept = (r: { paragraphs: string[] }) => r.paragraphs.map((p) => p.replace(/ ,$/, ''));
  it.each([
    ['Lực lượng chức năng kiểm tra hiện trường vụ cháy ẢNH: TUẤN MINH', 'TUẤN MINH'],
    ['Ông Nguyễn Văn A phát biểu tại hội nghị. ẢNH: NGỌC THẮNG', 'NGỌC THẮNG'],
    ['Ảnh minh họa: Internet', 'Internet'],
    ['Hình: Reuters', 'Reuters'],
    ['Đồ họa: Minh Hòa', 'Minh Hòa'],
  ])('removes the caption line %s and keeps its credit', (line, credit) => {
    for (const text of [`${before}\n${line}\n${after}`, `${before} , ${line} , ${after}`]) {
      const r = strip(text);
      expect(kept(r)).toEqual([before, after]);
      expect(r.captions.map((c) => c.credit?.replace(/\s*,$/, ''))).toEqual([credit]);
    }
  });

  it('reads a parenthesised credit before a dump’s join comma, and never takes the sentence before it', () => {
    const r = strip(`${before} , Đường phố ngập sâu sau mưa lớn (Ảnh: Người dân cung cấp) , ${after}`);
    expect(kept(r)).toEqual([before, after]);
    expect(r.captions).toEqual([{ text: 'Đường phố ngập sâu sau mưa lớn', credit: 'Người dân cung cấp' }]);
    const illustration = strip(`${before} , (Ảnh minh họa) , ${after}`);
    expect(kept(illustration)).toEqual([before, after]);
  });

  it('keeps a clause that ends with a comma glued to its word', () => {
    const r = strip(`${before}\nTương tự,\n${after}`);
    expect(r.paragraphs).toEqual([before, 'Tương tự,', after]);
  });
});

// A dump that joins its blocks with ` , ` (one paragraph per block): the forms the
// rules know must still be found with the join comma after them.
describe('blocks of a dump joined by commas', () => {
  const before = 'Theo báo cáo của Sở Y tế, số ca mắc mới trong tuần qua đã giảm mạnh so với tuần trước.';
  const after = 'Ông Nguyễn Văn An, Giám đốc Sở, cho biết ngành y tế sẽ tiếp tục kiểm tra các cơ sở khám chữa bệnh.';
  const kept = (text: string) => strip(text).paragraphs.map((p) => p.replace(/ ,$/, ''));

  it('removes a related heading and its headlines, and a `>>` link', () => {
    expect(kept(`${before} , TIN LIÊN QUAN , Bộ Y tế cảnh báo dịch sốt xuất huyết gia tăng , ${after}`)).toEqual([before, after]);
    expect(kept(`${before} , >> Bộ Y tế cảnh báo dịch sốt xuất huyết gia tăng , ${after}`)).toEqual([before, after]);
  });

  it('removes another article’s headline and its dateline lead, not a subheading over a paragraph that ends in an ellipsis', () => {
    const headline = 'Nữ sinh bỏ việc ngân hàng để đi dạy học';
    const lead = 'TRUNG QUỐC - Có bằng cử nhân loại giỏi, cô gái quyết định rời ngân hàng để về quê dạy học...';
    const r = strip([before, headline, lead, after].join(' , '));
    expect(r.paragraphs.map((p) => p.replace(/ ,$/, ''))).toEqual([before, after]);
    expect(r.captions).toEqual([]);
    const subheading = ['Những điều cần biết về bảo hiểm', 'Người lao động cần biết những điều sau...'];
    expect(kept([before, ...subheading, after].join(' , '))).toEqual([before, ...subheading, after]);
  });

  it('drops the join commas after the last block, and keeps those between blocks', () => {
    const r = strip(`${before} , ${after} , ,`);
    expect(r.paragraphs).toEqual([`${before} ,`, after]);
    expect(r.removed).toEqual([{ reason: 'separator', text: ', ,' }]);
  });

  it('removes three headlines in a row that lost their heading, not a subheading or a list in the text', () => {
    const headlines = ['Bộ Y tế cảnh báo dịch sốt xuất huyết gia tăng', 'Hà Nội ghi nhận thêm 300 ca mắc mới trong tuần', 'Bệnh viện Bạch Mai quá tải vì bệnh nhân sốt xuất huyết'];
    const r = strip([before, ...headlines, after].join(' , '));
    expect(r.paragraphs.map((p) => p.replace(/ ,$/, ''))).toEqual([before, after]);
    expect(r.removed.map((x) => x.reason)).toEqual(['related', 'related', 'related']);
    const subheading = 'Hạn chế đổi giá cả sang tiền Việt';
    expect(kept([before, subheading, after].join('\n'))).toEqual([before, subheading, after]);
    const entries = ['Nợ TK 241 – Xây dựng cơ bản dở dang', 'Nợ TK 622 – Chi phí nhân công trực tiếp', 'Nợ TK 627 – Chi phí sản xuất chung'];
    expect(kept([before, ...entries, after].join('\n'))).toEqual([before, ...entries, after]);
  });
});

describe('credits and calls to action of other papers', () => {
  const body = 'Ông Nguyễn Văn An, Giám đốc Sở, cho biết ngành y tế sẽ tiếp tục kiểm tra các cơ sở khám chữa bệnh.';
  it.each(['Theo Tuổi Trẻ', 'Theo Tiền Phong', 'Nguồn: Người Lao Động'])('takes the outlet in %s for a source, not an author', (credit) => {
    const r = strip(`${body}\n${credit}`);
    expect(r.paragraphs).toEqual([body]);
    expect(r.authors).toEqual([]);
    expect(r.sources).toEqual([credit.replace(/^(?:Theo|Nguồn:) /, '')]);
  });

  it.each([
    'Độc giả có thể gửi câu hỏi tại đây.',
    'Bạn đọc có thể tham khảo thêm tại http://example.vn/bai-viet.html',
    'Theo dõi chúng tôi trên Facebook, Zalo để cập nhật tin tức mới nhất.',
  ])('removes the call to action %s', (line) => {
    expect(strip(`${body}\n${line}\n${body} Vụ việc đang được điều tra.`).paragraphs).toEqual([body, `${body} Vụ việc đang được điều tra.`]);
  });

  it('keeps a sentence that follows something on a social network', () => {
    const line = 'Theo dõi trên fanpage của bệnh viện, nhiều người cho biết họ rất lo lắng.';
    expect(strip(`${body}\n${line}\n${body} Vụ việc đang được điều tra.`).paragraphs).toEqual([body, line, `${body} Vụ việc đang được điều tra.`]);
  });
});

describe('an upper-case credit glued to the next paragraph', () => {
  it('cuts the caption out after its credit, and leaves an upper-case heading that holds the word alone', () => {
    const r = strip(
      'Theo báo cáo của Sở Y tế, số ca mắc mới đã giảm. Lực lượng chức năng kiểm tra hiện trường vụ cháy ẢNH: TUẤN MINH Ông Nguyễn Văn An cho biết ngành y tế sẽ tiếp tục kiểm tra.',
    );
    expect(r.paragraphs).toEqual(['Theo báo cáo của Sở Y tế, số ca mắc mới đã giảm.', 'Ông Nguyễn Văn An cho biết ngành y tế sẽ tiếp tục kiểm tra.']);
    expect(r.captions).toEqual([{ text: 'Lực lượng chức năng kiểm tra hiện trường vụ cháy', credit: 'TUẤN MINH' }]);
    const heading = 'Theo báo cáo của Sở Y tế, số ca mắc mới đã giảm. TÁC ĐỘNG ẢNH HƯỞNG ĐẾN KINH TẾ Ông Nguyễn Văn An cho biết ngành y tế sẽ tiếp tục kiểm tra.';
    expect(strip(heading).paragraphs).toEqual([heading]);
  });
});

describe('a labelled credit run into the next sentence', () => {
  it('cuts out the caption before `Ảnh: NVCC` or `Ảnh: T.H` and keeps the sentence after the credit (sonlu3612-giaoduc 025, hongquantq92-hddtvn 003)', () => {
    const r = strip(
      'Bước 5, xuất dữ liệu để tiến hành cấp văn bằng chứng chỉ số. Tiến sĩ Nguyễn Trung Nhân, Trưởng phòng, Phòng đào tạo, Trường Đại học Công nghiệp Thành phố Hồ Chí Minh. Ảnh: NVCC Như vậy, để đảm bảo chính xác và khả dụng, văn bằng chứng chỉ số chỉ được cấp sau khi cấp bản cứng.',
    );
    expect(r.paragraphs).toEqual([
      'Bước 5, xuất dữ liệu để tiến hành cấp văn bằng chứng chỉ số.',
      'Như vậy, để đảm bảo chính xác và khả dụng, văn bằng chứng chỉ số chỉ được cấp sau khi cấp bản cứng.',
    ]);
    expect(r.captions).toEqual([{ text: 'Tiến sĩ Nguyễn Trung Nhân, Trưởng phòng, Phòng đào tạo, Trường Đại học Công nghiệp Thành phố Hồ Chí Minh.', credit: 'NVCC' }]);
    const initial = strip('Hàng hóa XNK qua Tân cảng Cát Lái. Ảnh: T.H Tân cảng Cát Lái đã đạt các tiêu chí của chương trình.');
    expect(initial.paragraphs).toEqual(['Tân cảng Cát Lái đã đạt các tiêu chí của chương trình.']);
    expect(initial.captions).toEqual([{ text: 'Hàng hóa XNK qua Tân cảng Cát Lái.', credit: 'T.H' }]);
  });

  it('cuts a `- Ảnh: NAME` caption out of the paragraph it was run into', () => {
    const r = strip(
      'Sáng nay, hội nghị tổng kết năm học đã diễn ra tại Hà Nội. Thứ trưởng Nguyễn Văn A phát biểu tại hội nghị - Ảnh: NAM TRẦN Theo báo cáo, năm học vừa qua ngành giáo dục đạt nhiều kết quả.',
    );
    expect(r.paragraphs).toEqual(['Sáng nay, hội nghị tổng kết năm học đã diễn ra tại Hà Nội.', 'Theo báo cáo, năm học vừa qua ngành giáo dục đạt nhiều kết quả.']);
    expect(r.captions).toEqual([{ text: 'Thứ trưởng Nguyễn Văn A phát biểu tại hội nghị', credit: 'NAM TRẦN' }]);
  });

  it('ends a mixed-case credit at its name/outlet pair (`Ảnh: Nguyễn Huế/VnExpress`)', () => {
    const r = strip('Cầu Long Biên được xây dựng từ năm 1898. Cầu Long Biên nhìn từ trên cao. Ảnh: Nguyễn Huế/VnExpress Ông An cho biết cầu sẽ được sửa chữa.');
    expect(r.paragraphs).toEqual(['Cầu Long Biên được xây dựng từ năm 1898.', 'Ông An cho biết cầu sẽ được sửa chữa.']);
    expect(r.captions).toEqual([{ text: 'Cầu Long Biên nhìn từ trên cao.', credit: 'Nguyễn Huế/VnExpress' }]);
  });

  it('leaves a mixed-case credit whose end has no shape, and the word Hình inside a sentence', () => {
    const mixed = 'Ông An phát biểu tại hội nghị. Ảnh: Nguyễn Huế Ông An cho biết thêm rằng ngành y tế sẽ tiếp tục kiểm tra mọi cơ sở trong tháng tới, theo kế hoạch đã được phê duyệt từ đầu năm.';
    expect(splitGluedLines(splitLines(mixed)).map((l) => l.text)).toEqual([mixed]);
    const figure = 'Hình: Biểu đồ tăng trưởng của ngành dược trong ba năm qua cho thấy mức tăng đều.';
    expect(splitGluedLines(splitLines(figure)).map((l) => l.text)).toEqual([figure]);
  });
});

// Some crawlers strip `:` and `/` from the text (`tại https tvpharm.com.vn`, `Nguồn TradingView`):
// credits and links must still be known without them.
describe('credits and links whose punctuation the crawler stripped', () => {
  const body = 'Ông Nguyễn Văn An, Giám đốc Sở, cho biết ngành y tế sẽ tiếp tục kiểm tra các cơ sở khám chữa bệnh.';
  const next = `${body} Vụ việc đang được điều tra.`;
  it.each(['Thông tin chi tiết tại https tvpharm.com.vn', 'Bạn đọc có thể tham khảo thêm tại https example.vn'])('removes the call to action %s', (line) => {
    expect(strip(`${body}\n${line}\n${next}`).paragraphs).toEqual([body, next]);
  });

  it.each([
    ['Bác sĩ thăm khám cho bệnh nhân - Ảnh BVCC', 'BVCC'],
    ['Nguồn ảnh Bộ Y tế', 'Bộ Y tế'],
  ])('removes the caption %s', (line, credit) => {
    const r = strip(`${body}\n${line}\n${next}`);
    expect(r.paragraphs).toEqual([body, next]);
    expect(r.captions.map((c) => c.credit)).toEqual([credit]);
  });

  it('keeps a clause after a dash that opens with the word ảnh hưởng', () => {
    const line = 'Giá xăng tăng - Ảnh hưởng lớn';
    expect(strip(`${body}\n${line}\n${next}`).paragraphs).toEqual([body, line, next]);
  });
});

describe('a scene caption run into a one-line dump', () => {
  const sentences = [
    'Trước đó, hãng Cipla từng hé lộ giá thuốc Remdesivir sẽ không vượt quá 5.000 rupee cho mỗi lọ thuốc tiêm.',
    'Kể từ khi thành lập vào năm 1935, Cipla không ngừng lớn mạnh thành một hãng dược lớn của Ấn Độ.',
    'Tại Mỹ, Ấn Độ và Hàn Quốc, thuốc này đã được cấp phép sử dụng khẩn cấp cho bệnh nhân nặng.',
  ];
  // Long enough to be a dump; each round names another year, so no run of sentences is printed twice in a row (a doubled block).
  const round = (k: number) => sentences.map((x) => x.replace('1935', String(1935 + k)));
  const text = (caption: string) => [...round(0), caption, ...[1, 2, 3, 4, 5, 6].flatMap(round)].join(' ');

  it('removes a short sentence that opens with Chân dung or Toàn cảnh', () => {
    for (const caption of ['Chân dung ông Yusuf Hamied, Chủ tịch hãng dược Cipla.', 'Toàn cảnh buổi tọa đàm.']) {
      const r = strip(text(caption));
      expect(r.captions.map((c) => c.text)).toEqual([caption]);
      expect(joined(text(caption))).toBe(text('').replace('  ', ' '));
    }
  });

  it('leaves a caption the dump cut at a comma, rather than take half of it', () => {
    const r = strip(text('Chân dung ông Yusuf Hamied 84 tuổi ,'));
    expect(r.captions).toEqual([]);
  });
});

// From the vietnamnet and giaoduc dev sources of test/fixtures/crawl (batch 2).
describe('the end of a page that keeps one paragraph per line', () => {
  const BODY = [
    'Tại Đại hội, ông được bầu vào Ban chấp hành Trung ương. Sau này, chính Zhukov nói rằng Stalin định bổ nhiệm ông làm Bộ trưởng Quốc phòng.',
    'Trước đây, người ta cho rằng Khrushev mời Zhukov trở về Moscow và bổ nhiệm làm Thứ trưởng Bộ Quốc phòng. Song, trên thực tế Stalin và Zhukov “làm lành” sớm hơn.',
    'Do đó, Stalin quyết định tạm thời để Zhukov ra đi, vừa để bảo vệ ông này, vừa để lấy lòng các vị tướng háo danh.',
  ];
  const TEASERS = [
    'Georgy Konstantinovich Zhukov là người có công lớn trong cuộc chiến tranh chống phát xít Đức của nhân dân Liên Xô.',
    'Ngày 5/3/1953, I. V. Stalin từ trần. Beria đề nghị dành cho G. Malenkov chiếc ghế Chủ tịch Hội đồng bộ trưởng.',
  ];

  it('takes the teasers right under the byline for other articles, and reads the byline above them', () => {
    const r = strip([...BODY, 'Nguyên Phong', ...TEASERS].join('\n'));
    expect(r.paragraphs).toEqual(BODY);
    expect(r.authors).toEqual(['Nguyên Phong']);
    expect(r.removed.map((x) => x.reason)).toEqual(['byline', 'related', 'related']);
    const credited = strip([...BODY, 'Minh Anh(theo Heathline)', 'Uống nước chanh, kiêng ăn đường, tinh bột và chất béo có thể giúp bạn giảm cân? Chuyên gia dinh dưỡng sẽ tiết lộ sự thật.'].join('\n'));
    expect([credited.authors, credited.sources, credited.paragraphs]).toEqual([['Minh Anh'], ['Heathline'], BODY]);
  });

  it('takes one or two headline and lead pairs under the byline for other articles, not under the text (thephann-vietnamnet 006, 012)', () => {
    const pairs = [
      'Lối thoát nào cho khủng hoảng quan hệ Mỹ - Triều?',
      'Quan hệ giữa Mỹ và Triều Tiên được tin sẽ tiếp tục bế tắc cho đến khi Washington đề xuất các lợi ích cụ thể cho Bình Nhưỡng.',
      'Lã Thanh Huyền hội ngộ Nhan Phúc Vinh, Diễm My',
      "Bộ phim 'Tình yêu và tham vọng' đang hot nên các diễn viên cũng chịu khó đăng ảnh hậu trường. Bức ảnh mới Lã Thanh Huyền rủ Nhan Phúc Vinh, Diễm My 9x đi chơi khiến fan thích thú.",
    ];
    // thephann-vietnamnet 001: nine paragraphs and the byline `Kiên Trung`.
    const page = readFileSync(join(import.meta.dirname, '../fixtures/crawl/docs/thephann-vietnamnet/001.txt'), 'utf8').trim().split('\n');
    expect(page.at(-1)).toBe('Kiên Trung');
    const text = strip(page.join('\n')).paragraphs;
    for (const n of [2, 4]) {
      const r = strip([...page, ...pairs.slice(0, n)].join('\n'));
      expect(r.paragraphs).toEqual(text);
      expect(r.authors).toEqual(['Kiên Trung']);
    }
    // Without the byline over them, a headline-shaped line and its paragraph are a subheading and text.
    expect(strip([...page.slice(0, -1), ...pairs].join('\n')).paragraphs).toEqual([...text, ...pairs]);
  });

  it('keeps a paragraph after a name line that is long, or that a marker parts from the name', () => {
    const long = `${BODY[1]} ${BODY[2]} ${BODY[0]}`;
    expect(strip([...BODY, 'Nguyên Phong', long].join('\n')).paragraphs).toEqual([...BODY, long]);
    const r = strip([...BODY, '**Thái Bình**', 'more(HDDTVN) – Các vướng mắc phát sinh trong quá trình làm thủ tục hải quan cần được xử lý kịp thời.'].join('\n'));
    expect(r.paragraphs.at(-1)).toBe('(HDDTVN) – Các vướng mắc phát sinh trong quá trình làm thủ tục hải quan cần được xử lý kịp thời.');
  });

  it('keeps a name that heads the paragraph about that person (thephann-vietnamnet 026), and still reads a byline', () => {
    const sections = [
      'Sophia Floersch',
      'Người đẹp 19 tuổi đến từ nước Pháp được biết đến là một trong những tay đua xe đáng gờm và có sức ảnh hưởng trong ngành công nghiệp ô tô. Sophia Floersch hiện là tay đua của đội Van Amersfoort Racing.',
      'Sonja Reid',
      'Là một game thủ nổi tiếng nhưng Sonja Reid cũng được nhiều người biết đến với vai trò là một influencer (người có sức ảnh hưởng) trong giới mê siêu xe.',
    ];
    const r = strip([...BODY, ...sections, 'Mai Lý (Theo The Sun)'].join('\n'));
    expect(r.paragraphs).toEqual([...BODY, ...sections]);
    expect([r.authors, r.sources]).toEqual([['Mai Lý'], ['The Sun']]);
  });

  it('removes an embedded player the crawler could not read and the line that introduces it', () => {
    const r = strip([...BODY, 'Xem highlights Quảng Nam 3-3 Sài Gòn FC:', 'browser not support iframe.', 'Xuân Mơ'].join('\n'));
    expect(r.paragraphs).toEqual(BODY);
    expect(r.authors).toEqual(['Xuân Mơ']);
    // A list that a colon introduces stays.
    const list = strip([BODY[0], 'Ba nhóm tổ chức được tiếp nhận tiền cứu trợ gồm:', '- Mặt trận Tổ quốc Việt Nam; Hội Chữ thập đỏ Việt Nam.', BODY[1]].join('\n'));
    expect(list.removed).toEqual([]);
  });

  it('reads bylines that name each contributor’s part', () => {
    const r = strip([...BODY, 'Bài: Gia Bảo', 'Ảnh, clip: Bảo Hòa'].join('\n'));
    expect(r.authors).toEqual(['Gia Bảo', 'Bảo Hòa']);
    expect(r.paragraphs).toEqual(BODY);
  });

  it.each([
    'Còn nữa...',
    '(Còn tiếp)',
    'LTS: Không ít những tờ báo, tạp chí phải tự trang trải kinh phí. VietNamNet giới thiệu loạt bài về tình trạng này.',
    '(*) Văn phong, nội dung bài viết thể hiện góc nhìn, quan điểm của tác giả.',
    'Bạn đọc xem toàn văn dự thảoTẠI ĐÂY.',
    '"Bạn đọc có khúc mắc, bày tỏ quan điểm hãy liên lạc với chúng tôi theo địa chỉ email banxahoi@vietnamnet.vn . Mọi thắc mắc đều được xem xét.',
  ])('removes %s', (line) => {
    const r = strip([BODY[0], line, BODY[1]].join('\n'));
    expect(r.paragraphs[0]).toBe(BODY[0]);
    expect(r.paragraphs.at(-1)).toBe(BODY[1]);
    expect(r.paragraphs.join(' ')).not.toMatch(/Còn|LTS|Văn phong|TẠI ĐÂY|liên lạc/);
  });
});

describe('captions whose credit lost its name (issue 16, round 3)', () => {
  // Real captions labelled in the dev sources of test/fixtures/crawl, given the empty credit
  // a crawler leaves when the photographer's name was a link (`... Ảnh:`, `(Ảnh: )`), each
  // standing between two real paragraphs of a dev page that stores one paragraph per line.
  const root = join(import.meta.dirname, '../fixtures/crawl');
  const dev = readFileSync(join(root, 'SPLIT.tsv'), 'utf8')
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((r) => r[1]?.trim() === 'dev')
    .map((r) => r[0]!.trim());
  const captions = dev
    .flatMap((source) =>
      readdirSync(join(root, 'docs', source))
        .filter((f) => f.endsWith('.gold.json'))
        .sort()
        .flatMap((f) => (JSON.parse(readFileSync(join(root, 'docs', source, f), 'utf8')) as { captions: string[] }).captions),
    )
    .map((c) => c.trim().replace(/[.,\s]+$/, ''))
    // ` , ` is a one-line dump's join: such a caption was two lines.
    .filter((c) => c.length >= 20 && c.length <= 150 && !/[()]/.test(c) && !c.includes(' , '));
  const page = readFileSync(join(root, 'docs/thephann-vietnamnet/003.txt'), 'utf8').trim().split('\n');
  const credits = [(c: string) => `${c}. Ảnh:`, (c: string) => `${c} (Ảnh: )`, (c: string) => `${c} - Ảnh:`];

  it.each(credits.map((credit, k) => [credit('…'), k]))('removes each caption ending in %s and reads its text', (_, k) => {
    expect(captions.length).toBeGreaterThanOrEqual(20);
    const credit = credits[k as number]!;
    const without = strip(page.join('\n\n'));
    for (const caption of captions) {
      const r = strip([page[0], page[1], credit(caption), ...page.slice(2)].join('\n\n'));
      expect(r.paragraphs).toEqual(without.paragraphs);
      expect(r.captions.map((c) => c.text.replace(/\.$/, ''))).toContain(caption);
    }
  });
});
