/**
 * A seeded corpus of news pages from imaginary sites. Each site wraps body paragraphs
 * (sentences of the samples and of our own, recombined) in its own header, share bar,
 * promo line, caption, byline, footer list and copyright, none of which any config
 * file names. Every line is labelled, so tests can measure what a cleaner keeps and
 * removes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { placeToneMarks } from '../../src/text/tone.js';
import { SAMPLES } from './cli.js';

export interface GeneratedLine {
  text: string;
  body: boolean;
}

export interface GeneratedDocument {
  /** `<site folder>/<n>.txt` */
  rel: string;
  lines: GeneratedLine[];
  text: string;
}

interface Site {
  folder: string;
  header: string[];
  dateLine: (r: Random) => string;
  share: string;
  promo: string;
  footer: string;
  headlines: string[];
  copyright: string;
}

class Random {
  constructor(private state: number) {}

  next(): number {
    // mulberry32
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

const OWN_SENTENCES = [
  'Theo kế hoạch, công trình sẽ hoàn thành vào quý IV năm nay.',
  'Nhiều hộ dân cho biết họ chưa nhận được thông báo chính thức từ chính quyền địa phương.',
  'Giá lúa tại đồng bằng sông Cửu Long tăng nhẹ so với tuần trước.',
  'Lực lượng chức năng đã phong tỏa hiện trường để điều tra nguyên nhân vụ việc.',
  'Trường học được yêu cầu rà soát lại toàn bộ hệ thống phòng cháy chữa cháy.',
  'Các chuyên gia khuyến cáo người dân không nên tích trữ hàng hóa.',
  'Sở Y tế đề nghị các bệnh viện tăng cường trực cấp cứu trong dịp lễ.',
  'Đoàn công tác đã làm việc với lãnh đạo tỉnh về tiến độ giải ngân vốn đầu tư công.',
  'Mưa lớn kéo dài khiến nhiều tuyến đường nội thành bị ngập sâu.',
  'Ban tổ chức cho biết giải đấu năm nay thu hút hơn 300 vận động viên tham gia.',
  'Người dân có thể tra cứu thông tin trên cổng dịch vụ công quốc gia.',
  'Dự án được kỳ vọng tạo thêm hàng nghìn việc làm cho lao động địa phương.',
  'Cơ quan khí tượng dự báo nhiệt độ sẽ giảm mạnh vào cuối tuần.',
  'Hội nghị thống nhất sẽ trình Chính phủ phương án điều chỉnh trong tháng tới.',
  'Nhiều doanh nghiệp xuất khẩu gặp khó khăn do chi phí vận chuyển tăng cao.',
  'Ông cho biết đơn vị sẽ tiếp tục theo dõi sát diễn biến thị trường.',
];

const PEOPLE = ['Minh Anh', 'Trần Hùng', 'Lê Vy', 'Phạm Quang', 'Ngọc Hà', 'Đức Thắng', 'Thu Trang', 'Hoàng Nam'];
const SCENES = ['Quang cảnh buổi làm việc', 'Các đại biểu dự hội nghị', 'Toàn cảnh khu vực dự án', 'Người dân làm thủ tục tại trụ sở'];

/** Body sentences: those of the samples' long paragraphs, and our own. */
function sentencePool(): string[] {
  const pool = [...OWN_SENTENCES];
  for (const name of readdirSync(SAMPLES).sort()) {
    for (const line of readFileSync(join(SAMPLES, name), 'utf8').split('\n')) {
      const text = line.replace(/\u00a0/g, ' ').trim();
      if (text.length < 150 || !/[.]$/.test(text)) continue;
      pool.push(...text.split(/(?<=\.) (?=\p{Lu})/u).filter((s) => s.length > 40));
    }
  }
  // In the default tone style, as the pipeline writes it, so kept lines compare equal.
  return pool.map((s) => placeToneMarks(s, 'old'));
}

function makeSites(pool: string[]): Site[] {
  const names = ['Ánh Dương', 'Sông Hồng', 'Phương Nam', 'Cao Nguyên'];
  // Related-news headlines: the first words of 40 different sentences per site.
  const headline = (k: number) => pool[k % pool.length]!.split(' ').slice(0, 9).join(' ');
  return names.map((name, i) => ({
    folder: `site${i + 1}`,
    header: [`Báo ${name} điện tử`, `Trang chủ | Thời sự | Kinh tế | Văn hóa | Thể thao | ${name} 24h`],
    dateLine: (r: Random) => `Cập nhật: ${r.int(1, 28)}/${r.int(1, 12)}/2024 ${r.int(0, 23)}:${String(r.int(0, 59)).padStart(2, '0')}`,
    share: `Chia sẻ bài viết: Facebook | Zalo | Twitter | In bài | Cỡ chữ A- A+`,
    promo: `>> Xem thêm: Video nổi bật trong ngày trên kênh ${name} TV`,
    footer: i % 2 === 0 ? 'Đọc thêm' : 'Bài viết cùng chủ đề:',
    headlines: Array.from({ length: 40 }, (_, k) => headline(i * 40 + k)),
    copyright: `© Bản quyền thuộc về Báo ${name}. Ghi rõ nguồn "Báo ${name} điện tử" khi phát hành lại thông tin từ website này.`,
  }));
}

/** A quote that many articles of a site carry: body text that a frequency rule must not take. */
const COMMON_QUOTE = 'Chủ tịch Hồ Chí Minh từng căn dặn: "Không có gì quý hơn độc lập, tự do", và lời dạy ấy vẫn còn nguyên giá trị đến hôm nay.';

export function generateCorpus(docsPerSite: number, seed = 2024): GeneratedDocument[] {
  const r = new Random(seed);
  const pool = sentencePool();
  const docs: GeneratedDocument[] = [];
  for (const site of makeSites(pool)) {
    for (let n = 0; n < docsPerSite; n++) {
      const lines: GeneratedLine[] = [];
      const boiler = (text: string) => lines.push({ text, body: false });
      const body = (text: string) => lines.push({ text, body: true });
      site.header.forEach(boiler);
      boiler(site.dateLine(r));
      boiler(site.share);
      const paragraphs = r.int(4, 9);
      for (let p = 0; p < paragraphs; p++) {
        body(Array.from({ length: r.int(1, 3) }, () => r.pick(pool)).join(' '));
        if (p === 1 && r.next() < 0.5) boiler(`${r.pick(SCENES)} (Ảnh: ${r.pick(PEOPLE)})`);
        if (p === 2 && r.next() < 0.5) boiler(site.promo);
        if (p === 3 && r.next() < 0.3) body(COMMON_QUOTE);
        // A subheading: short, no closing punctuation, and body all the same.
        if (p === paragraphs - 2 && r.next() < 0.3) body(r.pick(pool).split(' ').slice(0, 7).join(' ').replace(/[.,;:]$/, ''));
      }
      boiler(r.next() < 0.8 ? r.pick(PEOPLE) : `Theo ${r.pick(['TTXVN', 'VnExpress', 'Báo Nhân Dân'])}`);
      boiler(site.footer);
      for (let h = r.int(3, 5); h > 0; h--) boiler(r.pick(site.headlines));
      boiler(site.copyright);
      docs.push({ rel: `${site.folder}/${String(n).padStart(4, '0')}.txt`, lines, text: lines.map((l) => l.text).join('\n\n') });
    }
  }
  return docs;
}

/** Share of body lines kept and of boilerplate lines removed, given each document's output paragraphs. */
export function retention(docs: GeneratedDocument[], outputs: Map<string, string[]>): { bodyKept: number; boilerplateRemoved: number } {
  let body = 0;
  let kept = 0;
  let boilerplate = 0;
  let removed = 0;
  for (const doc of docs) {
    const paragraphs = new Set(outputs.get(doc.rel) ?? []);
    for (const line of doc.lines) {
      if (line.body) {
        body++;
        if (paragraphs.has(line.text)) kept++;
      } else {
        boilerplate++;
        if (!paragraphs.has(line.text)) removed++;
      }
    }
  }
  return { bodyKept: kept / body, boilerplateRemoved: removed / boilerplate };
}
