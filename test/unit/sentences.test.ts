import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { boundaryErrors, boundaryScores, parseGold } from '../../src/text/sentence-eval.js';
import { segmentSentences } from '../../src/text/sentences.js';

const rules = loadConfig().sentences;
const split = (text: string) => segmentSentences(text, rules);

describe('segmentSentences', () => {
  it('splits at . ! ? before a capital', () => {
    expect(split('Hội nghị bắt đầu. Ai dự? Tất cả! Xong.')).toEqual(['Hội nghị bắt đầu.', 'Ai dự?', 'Tất cả!', 'Xong.']);
  });

  it('splits before capitals with Vietnamese marks, Đ included', () => {
    expect(split('Thứ nhất là vậy. Đồng thời, cũng vậy. Ủy ban họp. Ở đây.')).toEqual([
      'Thứ nhất là vậy.',
      'Đồng thời, cũng vậy.',
      'Ủy ban họp.',
      'Ở đây.',
    ]);
  });

  it.each([
    'Dự Hội nghị còn có đồng chí TS. Nguyễn Hữu Hùng, Phó Trưởng ban.',
    'PGS.TS Nguyễn Anh Tuấn quán triệt Chỉ thị số 15-CT/TW.',
    'Ông là PGS.TS. Nguyễn Anh Tuấn, Phó Viện trưởng.',
    'PGS, TS. Nguyễn Anh Tuấn, Phó Viện trưởng.',
    'Bác sĩ ThS. Lê Văn B và Th.S Trần C khám.',
    'GS.TSKH. Nguyễn Văn D và ThS.BS. Lê E cùng dự.',
    'Tại TP. Hồ Chí Minh và Tp. Thủ Đức có mưa.',
    'Người dân TT. Đông Anh, TX. Sơn Tây, Q. 1 và P. Bến Nghé đến dự.',
    'Các loại rau, củ, quả v.v. Được bán ở chợ.',
    'Tác giả Ng. Văn Tố viết vậy.',
    'Mr. Smith và Dr. Jones gặp Ms. Lan ở Co. Ltd. Hà Nội.',
    'Nhà văn Đ.T.H. Nguyễn và ông A. Lê gặp nhau.',
  ])('does not split after a title, abbreviation or initial: %s', (text) => {
    expect(split(text)).toEqual([text]);
  });

  it.each([
    'Nghị quyết số 56-NQ/TW ngày 05/3/2020 của Bộ Chính trị và Quyết định 123/QĐ-TTg lúc 15:00 có hiệu lực.',
    'Giá tăng 7,4% lên 1.500.000 đồng, theo số liệu 2.5 của quý.',
    'Xem tại https://tuoitre.vn/a.b.htm hoặc gửi thư tới ban.bientap@qdnd.vn ngay.',
    'Các Bộ, ngành, địa phương… để xây dựng phát triển ngành.',
    'Họ nói rằng... chưa có gì.',
  ])('holds no boundary inside numbers, dates, codes, URLs or a lower-case continuation: %s', (text) => {
    expect(split(text)).toEqual([text]);
  });

  it('keeps a closing quote with its sentence', () => {
    expect(split('Ông nói: "Tôi sẽ về." Sau đó ông về.')).toEqual(['Ông nói: "Tôi sẽ về."', 'Sau đó ông về.']);
    expect(split('Chủ đề là “Đoàn kết, sáng tạo.” Các hệ hưởng ứng.')).toEqual(['Chủ đề là “Đoàn kết, sáng tạo.”', 'Các hệ hưởng ứng.']);
  });

  it('keeps a quote that the speaker tag follows in one sentence', () => {
    const text = '"Phải chuẩn bị thật tốt nhiệm vụ đào tạo, ngang tầm nhiệm vụ", Tổng Bí thư nói.';
    expect(split(text)).toEqual([text]);
    expect(split('"Tôi đi.", anh nói.')).toEqual(['"Tôi đi.", anh nói.']);
    expect(split('"Tại sao?" anh hỏi.')).toEqual(['"Tại sao?" anh hỏi.']);
  });

  it('splits before an opening quote or bracket that starts the next sentence', () => {
    expect(split('Hội nghị kết thúc. "Đây là thành công," ông nói.')).toEqual(['Hội nghị kết thúc.', '"Đây là thành công," ông nói.']);
    expect(split('Ông đã về. (Ảnh: CAND)')).toEqual(['Ông đã về.', '(Ảnh: CAND)']);
  });

  it('keeps a closing bracket with its sentence', () => {
    expect(split('Có 7 dám (Dám nghĩ; dám làm.) Tiếp theo là gì?')).toEqual(['Có 7 dám (Dám nghĩ; dám làm.)', 'Tiếp theo là gì?']);
  });

  it('ends a sentence at an ellipsis before a capital', () => {
    expect(split('Đáp ứng yêu cầu nhiệm vụ trong tình hình mới…. Năm là, chăm lo.')).toEqual([
      'Đáp ứng yêu cầu nhiệm vụ trong tình hình mới….',
      'Năm là, chăm lo.',
    ]);
    expect(split('Và rồi... Mọi thứ thay đổi.')).toEqual(['Và rồi...', 'Mọi thứ thay đổi.']);
  });

  it('does not split on semicolons, colons, or before a digit or lower case', () => {
    const text = 'Một là, quán triệt; Hai là, rà soát: Ba là, năm 2018. 2019 thì khác. và tiếp.';
    expect(split(text)).toEqual([text]);
  });

  it('ends a sentence after a year or a number', () => {
    expect(split('Kết quả tốt hơn năm 2023. Xây dựng Đảng bộ.')).toEqual(['Kết quả tốt hơn năm 2023.', 'Xây dựng Đảng bộ.']);
  });

  it('keeps a list number with its item', () => {
    expect(split('1. Phạm vi điều chỉnh. II. Đối tượng áp dụng.')).toEqual(['1. Phạm vi điều chỉnh.', 'II. Đối tượng áp dụng.']);
  });

  it('returns a heading without final punctuation as one sentence', () => {
    expect(split('Hoàn thành xuất sắc nhiệm vụ được giao phó')).toEqual(['Hoàn thành xuất sắc nhiệm vụ được giao phó']);
  });

  it('gives the paragraph back when its sentences are joined with one space', () => {
    const p = 'Những kết quả nổi bật. Điều đó cũng đặt ra yêu cầu! Và "tiếp tục." Sau đó? Hết…';
    expect(split(p).join(' ')).toBe(p);
  });

  it('runs in linear time on a long paragraph without spaces', () => {
    const long = 'a.'.repeat(200_000);
    expect(split(long)).toEqual([long]);
  });

  it.each([
    'GS.TSKH Đặng Hùng Võ, TS.BS. Phạm Quang Huy và GS.VS. Nguyễn Văn Hiệu cùng dự.',
    'Ca mổ do BS.CKII Nguyễn Anh Dũng và BS.CKI. Lê Hoa thực hiện.',
    'LS. Trần Đình Triển và DS. Lê Văn Phúc viết cuốn sách do Nxb. Trẻ phát hành.',
    'NGƯT. Phạm Thị Thu dạy học ở Tx. Phú Thọ và TT. Phùng, H. Đan Phượng.',
  ])('does not split after the other titles and place prefixes: %s', (text) => {
    expect(split(text)).toEqual([text]);
  });

  it('ends a sentence at a shortened name, where the initial is the last part of the name', () => {
    expect(split('Cơ quan điều tra triệu tập ông Nguyễn Văn H. Sau đó, ông H. thừa nhận.')).toEqual([
      'Cơ quan điều tra triệu tập ông Nguyễn Văn H.',
      'Sau đó, ông H. thừa nhận.',
    ]);
    expect(split('Cầm đầu là Phạm Đức T. Trong quá trình điều tra, T. quanh co. Đ. khai hết.')).toEqual([
      'Cầm đầu là Phạm Đức T.',
      'Trong quá trình điều tra, T. quanh co.',
      'Đ. khai hết.',
    ]);
    expect(split('Chị Trần Thị M. (32 tuổi) và anh Lê Minh Q. Nguyễn bị thương.')).toEqual(['Chị Trần Thị M. (32 tuổi) và anh Lê Minh Q.', 'Nguyễn bị thương.']);
  });

  it('keeps an initial before a name, including a foreign middle initial and Q./P. after a comma', () => {
    for (const text of ['Tổng thống John F. Kennedy nói vậy.', 'Nhà số 15, đường Nguyễn Trãi, P. Bến Thành, Q. Bình Thạnh bị cháy.']) {
      expect(split(text)).toEqual([text]);
    }
  });

  it('ends a sentence at a letter that is a value or a unit: bảng A, hạng B, độ C', () => {
    expect(split('Việt Nam nằm ở bảng A. Trận đầu gặp Lào. Học sinh được khen hạng B. Trời nóng 40 độ C. Danh sách đã có.')).toEqual([
      'Việt Nam nằm ở bảng A.',
      'Trận đầu gặp Lào.',
      'Học sinh được khen hạng B.',
      'Trời nóng 40 độ C.',
      'Danh sách đã có.',
    ]);
  });

  it('splits before a numbered item and keeps Điều 1. or Chương II. with its heading', () => {
    expect(split('1. Phạm vi điều chỉnh. 2. Đối tượng áp dụng. 3. Giải thích từ ngữ.')).toEqual([
      '1. Phạm vi điều chỉnh.',
      '2. Đối tượng áp dụng.',
      '3. Giải thích từ ngữ.',
    ]);
    expect(split('Điều 1. Phạm vi điều chỉnh')).toEqual(['Điều 1. Phạm vi điều chỉnh']);
    expect(split('Chương II. Những quy định chung')).toEqual(['Chương II. Những quy định chung']);
    expect(split('Tại Q. 1. Ông đến.')).toEqual(['Tại Q. 1.', 'Ông đến.']);
  });

  it('keeps list items joined by semicolons in one sentence and splits items that end with a period', () => {
    const items = 'Một là, quán triệt các nghị quyết; Hai là, rà soát văn bản; Ba là, tăng cường kiểm tra.';
    expect(split(items)).toEqual([items]);
    expect(split('Thứ nhất, nâng cao nhận thức. Thứ hai, đổi mới phương thức.')).toEqual(['Thứ nhất, nâng cao nhận thức.', 'Thứ hai, đổi mới phương thức.']);
  });

  it('ends a bracketed caption that opens a sentence at its closing bracket', () => {
    expect(split('Ông đã có bài phát biểu. (Ảnh: TTXVN) Bài được đăng toàn văn.')).toEqual([
      'Ông đã có bài phát biểu.',
      '(Ảnh: TTXVN)',
      'Bài được đăng toàn văn.',
    ]);
    expect(split('GDP tăng 5,66%. (Nguồn: Tổng cục (TCTK) Thống kê) Đây là mức cao.')).toEqual([
      'GDP tăng 5,66%.',
      '(Nguồn: Tổng cục (TCTK) Thống kê)',
      'Đây là mức cao.',
    ]);
    for (const text of ['Hội nghị Trung ương (khóa XIII) Ban Chấp hành họp.', '(Ảnh: TTXVN), theo báo Nhân Dân.']) {
      expect(split(text)).toEqual([text]);
    }
  });

  it('ends a heading line without final punctuation at its line break, but not a line that goes on in lower case', () => {
    expect(split('Hoàn thành xuất sắc nhiệm vụ\nTổng Bí thư nhấn mạnh điều đó.')).toEqual(['Hoàn thành xuất sắc nhiệm vụ', 'Tổng Bí thư nhấn mạnh điều đó.']);
    expect(split('Quang cảnh hội nghị \n\n "Phải làm ngay", ông nói.')).toEqual(['Quang cảnh hội nghị', '"Phải làm ngay", ông nói.']);
    expect(split('Một câu bị ngắt\ngiữa chừng.')).toEqual(['Một câu bị ngắt\ngiữa chừng.']);
  });

  it('ends a sentence after a URL, an e-mail, a code, a date or a time', () => {
    expect(
      split('Xem tại https://baochinhphu.vn/a-b.htm. Góp ý gửi toasoan@baochinhphu.vn. Theo Nghị định 100/2019/NĐ-CP. Hạn là ngày 05/3/2020. Họp lúc 15:00. Xong.'),
    ).toEqual([
      'Xem tại https://baochinhphu.vn/a-b.htm.',
      'Góp ý gửi toasoan@baochinhphu.vn.',
      'Theo Nghị định 100/2019/NĐ-CP.',
      'Hạn là ngày 05/3/2020.',
      'Họp lúc 15:00.',
      'Xong.',
    ]);
  });

  it('keeps nested quotes with the sentence they close', () => {
    expect(split('Ông dặn: “Con nhớ câu ‘uống nước nhớ nguồn’.” Lời dặn ấy theo ông suốt đời.')).toEqual([
      'Ông dặn: “Con nhớ câu ‘uống nước nhớ nguồn’.”',
      'Lời dặn ấy theo ông suốt đời.',
    ]);
  });

  it.each([['a.'], ['A. '], ['Văn H. '], ['('], [')'], ['((((x) '], ['1. '], ['\nA'], ['x'.repeat(45) + '. ']])(
    'costs no more per character on 1 MB than on 100 kB of %j',
    (unit) => {
      const time = (size: number) => {
        const text = unit.repeat(Math.ceil(size / unit.length));
        const start = performance.now();
        split(text);
        return performance.now() - start;
      };
      time(100_000);
      // Linear: ten times the text, about ten times the time; quadratic would be a hundred.
      expect(time(1_000_000)).toBeLessThan(30 * time(100_000) + 50);
    },
  );

  it('scores F1 >= 0.99 on the hand-split gold set', () => {
    const gold = parseGold(readFileSync(new URL('../fixtures/sentences/gold.txt', import.meta.url), 'utf8'));
    expect(gold.flat().length).toBeGreaterThanOrEqual(400);
    const predicted = gold.map((sentences) => split(sentences.join(' ')));
    const scores = boundaryScores(gold, predicted);
    const errors = gold.flatMap((sentences, i) => {
      const { missed, extra } = boundaryErrors(sentences, predicted[i]!);
      const text = sentences.join(' ');
      return [...missed.map((at) => `missed ${text.slice(at - 30, at + 20)}`), ...extra.map((at) => `extra ${text.slice(at - 30, at + 20)}`)];
    });
    expect(scores.f1, errors.join('\n')).toBeGreaterThanOrEqual(0.99);
  });
});

// Misses found on real crawler output (test/fixtures/crawl, dev sources).
describe('segmentSentences on crawled text', () => {
  it('ends a sentence at a letter after a lower-case word that does not introduce a name', () => {
    expect(split('Trẻ cần tiêm phòng viêm gan B. Đây là vaccine trong Chương trình tiêm chủng.')).toEqual([
      'Trẻ cần tiêm phòng viêm gan B.',
      'Đây là vaccine trong Chương trình tiêm chủng.',
    ]);
    expect(split('Đi từ B đến A. Điểm A, B, C, D tương ứng với 4, 3, 2, 1.')).toEqual(['Đi từ B đến A.', 'Điểm A, B, C, D tương ứng với 4, 3, 2, 1.']);
  });

  it('keeps an initial after a form of address or a word that introduces a name', () => {
    for (const text of ['Tôi gặp ông A. Lê ở đó.', 'Có mặt anh Tuấn và B. Trần.', 'Nhà ở P. Bến Nghé, Q. 1.']) expect(split(text)).toEqual([text]);
  });

  it('starts a sentence at a code that opens with a digit after a word', () => {
    expect(split('Annabel khiến nhiều người tò mò lựa chọn việc làm. 9X từng chia sẻ muốn hoạt động từ thiện.')).toEqual([
      'Annabel khiến nhiều người tò mò lựa chọn việc làm.',
      '9X từng chia sẻ muốn hoạt động từ thiện.',
    ]);
    expect(split('Bị cáo Nguyễn Văn B. 12 năm tù là mức án.')).toEqual(['Bị cáo Nguyễn Văn B. 12 năm tù là mức án.']);
  });

  it('splits a question glued to the next sentence, but not a URL query', () => {
    expect(split('Điều gì đã tạo nên thành công của Uniqlo?Nhiều chuyên gia nhận định đó chính là sự đơn giản.')).toEqual([
      'Điều gì đã tạo nên thành công của Uniqlo?',
      'Nhiều chuyên gia nhận định đó chính là sự đơn giản.',
    ]);
    const url = 'Xem tại https://a.vn/index.php?Id=5 ngay.';
    expect(split(url)).toEqual([url]);
  });

  it('splits before a sentence that opens with an ellipsis, and keeps a stray closing quote with the sentence it closes', () => {
    expect(split('Ông im lặng. ...Rồi ông bước ra.')).toEqual(['Ông im lặng.', '...Rồi ông bước ra.']);
    expect(split('“Tôi sẽ về. ” Sau đó ông về.')).toEqual(['“Tôi sẽ về. ”', 'Sau đó ông về.']);
  });
});
