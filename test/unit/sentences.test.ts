import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
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
});
