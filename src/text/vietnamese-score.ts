/**
 * How Vietnamese a decoded text looks, from its words with non-ASCII letters: how many
 * are valid Vietnamese syllables, and how many are among the commonest syllables. A
 * wrong legacy table turns those words into symbols, stray letters (ø ñ ª), two tones
 * in a syllable or impossible vowel clusters. Between two tables that both hold every
 * Vietnamese letter (TCVN3 read as VISCII) many wrong words are still valid syllables
 * ("Tững", "Chự"), but hardly any is a common one. ASCII-only words read the same in
 * every 8-bit encoding, so they are not counted.
 */
export interface VietnameseScore {
  /** Words with non-ASCII characters that were judged. */
  words: number;
  /** Of those, valid Vietnamese syllables. */
  valid: number;
  /** Of those, among the commonest syllables (lower case). */
  common: number;
}

// Frequent syllables of written Vietnamese that carry a non-ASCII letter, both tone
// placements where usage differs (hoá/hóa); from general knowledge of the language.
const COMMON = new Set(
  (
    'của và các có là được không người những một với đã này để năm đến về nhiều làm cũng từ như phải sẽ ' +
    'hơn nhà công đó đầu nước việc thì ngày mới nhất lại đi động trên phát hiện nhưng tại tế thể chính ' +
    'học thành bị nói vào quốc hội đồng đại mà chỉ hoạt số điều trường dân tư họ ông bộ sự đang vì tình ' +
    'thời hành nên hàng đây biết cả cấp cần ở đều quả trị văn hóa hoá hòa hoà cùng giữa trước sản xuất ' +
    'dụng triển tiếp tục chức nghị quyết định thực yêu cầu tổ tổng thư chủ tịch bí đảng ủy uỷ viên lãnh ' +
    'đạo tướng quân đội phòng thông báo cáo kết luận giải pháp tháng giờ sáng chiều tối hôm lần thứ nhân ' +
    'nghiệp giá tiền triệu tỷ tỉ phố huyện xã tỉnh thị vụ nhiệm kỳ kì đề rằng tăng giảm cường đẩy mạnh ' +
    'lực bảo vệ đảm giúp đỡ mình bạn tôi chúng chị bà cô chú đình trẻ giáo dục đào tạo bệnh viện sức khỏe ' +
    'khoẻ môi nông lâm thủy thuỷ đường sắt biển đảo giới vực địa phương ương phủ trưởng tòa toà án kiểm ' +
    'sát cảnh tội phạm luật kiện hoàn thiện hiệu lượng phục bền vững nhằm đối tới bởi vẫn còn rất lớn nhỏ ' +
    'mỗi toàn bắt hết vừa nữa chưa đúng tốt xấu thấp dài ngắn mặt ngoài dưới bên cạnh điểm phần nội ' +
    'chương trình kế hoạch mục tiêu đánh hình cơ đơn vị cán chiến sĩ nâng chất đặc biệt trọng tâm lĩnh ' +
    'tác xây dựng truyền thống thần trách ý kiến chí dự buổi lễ kỷ niệm chúc mừng thăm đón hợp hệ đất tộc ' +
    'lịch sử bình độc lập tự hạnh phúc quản lý thủ khẩu nhập tài ngân sách thuế dùng điện dịch tiết mưa ' +
    'bão lũ lụt nắng nóng lạnh mùa đông xuân hè miền bắc tây nguyên bằng sông núi rừng hà sài gòn đà nẵng ' +
    'hải thơ huế tiếng việt viết đọc nhìn thấy hiểu nghĩ muốn cố gắng tiến khó khăn thuận lợi thách thức ' +
    'năng nghiệm kỹ thuật nghệ cũ tiên cuối gì đâu thế nào nhiêu vậy thôi nhé ạ rồi'
  ).split(' '),
);

// In the order acute, grave, hook above, tilde, dot below: tones 1 to 5.
const TONES = '\u0301\u0300\u0309\u0303\u0323';
// Letters with a modifier (â ă ê ô ơ ư) or đ, besides plain a-z.
const MODIFIED = 'ăâđêôơư';

interface Letter {
  /** The letter without its tone, lower case. */
  bare: string;
  /** 0 for none, then acute, grave, hook above, tilde, dot below. */
  tone: number;
  upper: boolean;
}

/** Each Vietnamese letter, both cases, by UTF-16 code unit (all are in the BMP). Built from NFD. */
const LETTERS: Map<number, Letter> = (() => {
  const map = new Map<number, Letter>();
  const add = (c: string, bare: string, tone: number) => {
    map.set(c.charCodeAt(0), { bare, tone, upper: false });
    map.set(c.toUpperCase().charCodeAt(0), { bare, tone, upper: true });
  };
  for (const bare of [...'abcdefghijklmnopqrstuvwxyz', ...MODIFIED]) {
    add(bare, bare, 0);
    if (!'aeiouyăâêôơư'.includes(bare)) continue;
    for (let t = 0; t < TONES.length; t++) add(`${bare}${TONES[t]}`.normalize('NFC'), bare, t + 1);
  }
  return map;
})();

const ONSETS = new Set('ngh ng nh ch gh gi kh ph qu th tr b c d đ g h k l m n p r s t v x'.split(' '));
// The rimes of Vietnamese without their tone (a few loan rimes such as oong included).
const RIMES = new Set(
  (
    'a ai ao au ay ac ach am an ang anh ap at ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât âu ây ' +
    'e ec em en eng eo ep et ê êch êm ên ênh êng êp êt êu i ia ich im in inh ip it iu ' +
    'iêc iêm iên iêng iêp iêt iêu o oc oi om on ong op ot oa oac oach oai oam oan oang oanh ' +
    'oao oap oat oay oăc oăm oăn oăng oăt oe oen oeo oet ooc oong ô ôc ôi ôm ôn ông ôp ôt ' +
    'ơ ơi ơm ơn ơp ơt u uc ui um un ung up ut ua uân uâng uât uây uê uêch uênh uô uôc uôi ' +
    'uôm uôn uông uôt uơ uy uya uych uyên uyêt uyn uynh uyp uyt uyu ư ưa ưc ưi ưm ưn ưng ' +
    'ưt ưu ươc ươi ươm ươn ương ươp ươt ươu y yêm yên yêng yêt yêu'
  ).split(' '),
);

/** An onset of up to three letters (or none) followed by a rime. */
function isToneless(bare: string): boolean {
  for (let n = Math.min(3, bare.length - 1); n >= 0; n--) {
    if ((n === 0 || ONSETS.has(bare.slice(0, n))) && RIMES.has(bare.slice(n))) return true;
  }
  return false;
}

// Syllables closed by a stop take only the acute or the dot below.
const STOP_FINAL = /(?:c|ch|p|t)$/;

/**
 * Whether a word (NFC) is one valid Vietnamese syllable, in lower case, upper case or
 * capitalised: a capital after a small letter is what a wrong table leaves where
 * capitals and small letters share the byte range (VISCII, TCVN VN1).
 */
export function isVietnameseSyllable(word: string): boolean {
  let bare = '';
  let tone = 0;
  let capitals = 0;
  for (let i = 0; i < word.length; i++) {
    const letter = LETTERS.get(word.charCodeAt(i));
    if (!letter) return false;
    if (letter.upper) {
      if (capitals !== i) return false;
      capitals++;
    } else if (capitals > 1) {
      return false;
    }
    if (letter.tone !== 0) {
      if (tone !== 0) return false;
      tone = letter.tone;
    }
    bare += letter.bare;
  }
  if (!isToneless(bare)) return false;
  // Tone 1 is the acute, 5 the dot below.
  return tone === 0 || tone === 1 || tone === 5 || !STOP_FINAL.test(bare);
}

// Typographic punctuation a word may carry at either end. Other non-ASCII symbols stay
// and make the word invalid: they are what a wrong table leaves (¸ ¶ ¦).
const EDGE = new Set([...'«°»–—‘’‚‛“”„‟•…'].map((c) => c.charCodeAt(0)));
// Unicode white space beyond ASCII (NBSP, the U+2000 spaces, ...).
const SPACE = /\s/;

/** ASCII punctuation, digits, controls and white space split words (Hà-Nội, 56-NQ/TW). */
function separates(c: number): boolean {
  if (c < 0x80) return c <= 0x40 || (c >= 0x5b && c <= 0x60) || c >= 0x7b;
  return (c === 0xa0 || c >= 0x1680) && SPACE.test(String.fromCharCode(c));
}

/** Scores up to `maxWords` judged words of `text` (NFC). */
export function scoreVietnamese(text: string, maxWords = 1000): VietnameseScore {
  let words = 0;
  let valid = 0;
  let common = 0;
  let start = -1;
  for (let i = 0; i <= text.length && words < maxWords; i++) {
    if (i < text.length && !separates(text.charCodeAt(i))) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    let from = start;
    let to = i;
    start = -1;
    while (from < to && EDGE.has(text.charCodeAt(from))) from++;
    while (to > from && EDGE.has(text.charCodeAt(to - 1))) to--;
    let ascii = true;
    for (let j = from; j < to && ascii; j++) ascii = text.charCodeAt(j) < 0x80;
    if (ascii) continue;
    const word = text.slice(from, to);
    words++;
    if (!isVietnameseSyllable(word)) continue;
    valid++;
    if (COMMON.has(word.toLowerCase())) common++;
  }
  return { words, valid, common };
}
