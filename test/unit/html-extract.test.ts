import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isHtmlPage } from '../../src/html/detect.js';
import { declaredCharset, defaultHtmlRules, extractArticle, looksLikeHtml } from '../../src/html/extract.js';
import { collapse } from '../../src/html/tree.js';

// Trimmed from test/fixtures/html/dev/vnexpress-net-02.html (headline, share bar, lead outside
// the article element, body, a figure with its caption, the right-aligned byline, the footer bar).
const VNEXPRESS = `<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>Đau bụng kéo dài, phát hiện ung thư lymphoma ruột non - VnExpress Sức khỏe</title>
<meta property="og:site_name" content="vnexpress.net">
<meta name="its_publication" content="x">
<meta itemprop="datePublished" content="2025-10-22T19:25:52+07:00">
<link rel="canonical" href="https://vnexpress.net/dau-bung-keo-dai-phat-hien-ung-thu-lymphoma-ruot-non-4954454.html">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Đau bụng kéo dài, phát hiện ung thư lymphoma ruột non","datePublished":"2025-10-22T19:25:52+07:00","author":{"@type":"Person","name":"VnExpress"},"publisher":{"@type":"Organization","name":"VnExpress"}}</script>
</head><body><header class="header"><a href="/">Trang chủ</a><a href="/suc-khoe">Sức khỏe</a><a href="/the-thao">Thể thao</a></header>
<section class="section page-detail top-detail"><div class="container"><div class="sidebar-1">
<ul class="breadcrumb"><li><a href="/suc-khoe">Sức khỏe</a></li><li><a href="/suc-khoe/cac-benh">Các bệnh</a></li></ul>
<span class="date">Thứ tư, 22/10/2025, 19:25 (GMT+7)</span>
<h1 class="title-detail"> Đau bụng kéo dài, phát hiện ung thư lymphoma ruột non </h1>
<div class="social_pin"><ul><li><a href="javascript:;" title="Chia sẻ bài viết lên facebook">Facebook</a></li><li class="li_comment"><a href="#box_comment_vne">Bình luận</a></li></ul></div>
<p class="description">Người đàn ông 63 tuổi đau bụng kéo dài, bác sĩ chẩn đoán ung thư lymphoma ruột non - căn bệnh ít gặp trong hệ tiêu hóa.</p>
<article class="fck_detail "><p class="Normal">Ngày 22/10, BS.CK2 Cao Thị Hồng, Trưởng Trung tâm Kiểm tra sức khỏe Chợ Rẫy Việt Nhật (HECI), Bệnh viện Chợ Rẫy, cho biết bệnh nhân đau bụng âm ỉ, ăn uống khó tiêu, đầy hơi và tiêu chảy kéo dài nhiều tuần, sụt 2-3 kg.</p>
<figure class="tplCaption"><div class="fig-picture"><picture><img alt="" src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="></picture></div>
<figcaption itemprop="description"><p class="Image">Y bác sĩ nội soi cho bệnh nhân. Ảnh: <em>Bệnh viện cung cấp</em></p></figcaption></figure><p class="Normal">Theo bác sĩ Hồng, lymphoma đường ruột là u lympho ác tính ngoài hạch phát triển từ mô lympho trong thành ruột, chiếm khoảng 15-25% ca ung thư ruột non.</p><p class="Normal">Nội soi và tầm soát sức khỏe định kỳ giúp phát hiện sớm các bệnh lý ác tính đường tiêu hóa.</p><p class="Normal" style="text-align:right;"><strong>Lê Phương</strong></p></article>
<div class="footer-content width_common"><a href="/suc-khoe" class="save back-folder">&nbsp;&nbsp;Trở lại Sức khỏe</a></div>
</div></div></section>
<footer class="footer"><p>© Copyright 1997-2025 VnExpress.net, All rights reserved</p><a href="/lien-he">Liên hệ</a></footer></body></html>`;

describe('extractArticle on a vnexpress page', () => {
  const a = extractArticle(VNEXPRESS);

  it('keeps the lead and the body in reading order, and nothing else', () => {
    expect(a.paragraphs).toEqual([
      'Người đàn ông 63 tuổi đau bụng kéo dài, bác sĩ chẩn đoán ung thư lymphoma ruột non - căn bệnh ít gặp trong hệ tiêu hóa.',
      'Ngày 22/10, BS.CK2 Cao Thị Hồng, Trưởng Trung tâm Kiểm tra sức khỏe Chợ Rẫy Việt Nhật (HECI), Bệnh viện Chợ Rẫy, cho biết bệnh nhân đau bụng âm ỉ, ăn uống khó tiêu, đầy hơi và tiêu chảy kéo dài nhiều tuần, sụt 2-3 kg.',
      'Theo bác sĩ Hồng, lymphoma đường ruột là u lympho ác tính ngoài hạch phát triển từ mô lympho trong thành ruột, chiếm khoảng 15-25% ca ung thư ruột non.',
      'Nội soi và tầm soát sức khỏe định kỳ giúp phát hiện sớm các bệnh lý ác tính đường tiêu hóa.',
    ]);
  });

  it('reads the metadata from structured data, and the author from the byline when the structured one is the outlet', () => {
    expect(a.title).toBe('Đau bụng kéo dài, phát hiện ung thư lymphoma ruột non');
    expect(a.date).toBe('2025-10-22T19:25:52+07:00');
    expect(a.authors).toEqual(['Lê Phương']);
    expect(a.url).toBe('https://vnexpress.net/dau-bung-keo-dai-phat-hien-ung-thu-lymphoma-ruot-non-4954454.html');
    expect(a.site).toBe('vnexpress.net');
    expect(a.lang).toBe('vi');
    expect(a.category).toBe('Các bệnh');
  });

  it('sets the caption aside with its credit, and says why the rest was dropped', () => {
    expect(a.captions).toEqual([{ text: 'Y bác sĩ nội soi cho bệnh nhân.', credit: 'Bệnh viện cung cấp' }]);
    const reasons = new Set(a.removed.map((r) => r.reason));
    for (const r of ['header', 'title', 'caption', 'byline', 'footer'] as const) expect(reasons).toContain(r);
    expect(a.removed.find((r) => r.reason === 'title')?.text).toBe('Đau bụng kéo dài, phát hiện ung thư lymphoma ruột non');
  });
});

describe('extractArticle on layouts of Vietnamese sites', () => {
  const body = (n: number) => `<p>Đoạn ${n}: Bộ Quốc phòng tổ chức hội nghị tổng kết công tác năm, đánh giá kết quả thực hiện nhiệm vụ và triển khai phương hướng cho năm tới.</p>`;

  it('takes the text of an image table (leftcenterrightdel) as a caption with its credit', () => {
    const html = `<html><body><div class="post-content">${body(1)}
      <table class="leftcenterrightdel" align="center"><tbody><tr><td><img src="/a.jpg"></td></tr>
      <tr><td><p>Đại tướng Phan Văn Giang phát biểu tại hội nghị. Ảnh: Tuấn Huy</p></td></tr></tbody></table>
      ${body(2)}${body(3)}</div></body></html>`;
    const a = extractArticle(html);
    expect(a.paragraphs).toHaveLength(3);
    expect(a.captions).toEqual([{ text: 'Đại tướng Phan Văn Giang phát biểu tại hội nghị.', credit: 'Tuấn Huy' }]);
  });

  it('keeps a lead set as an <h2> between the headline and the body (tuoitre, nld)', () => {
    // Markup of test/fixtures/html/dev/tuoitre-vn-01.html, trimmed.
    const html = `<div class="detail__cmain" id="main-detail"><h1 class="detail-title article-title" data-role="title">Chiến sự đẩy giá hoa nhập khẩu dịp 8-3 tăng mạnh</h1>
      <div class="detail-author"><a class="name" href="/tac-gia/nhat-xuan.htm">NHẬT XUÂN</a></div><div class="detail-time">07/03/2026 08:01 GMT+7</div>
      <h2 class="detail-sapo" data-role="sapo">Xung đột ở khu vực Trung Đông khiến các shop hoa ghi nhận tình trạng hoa nhập khẩu khan hiếm, tăng giá do chi phí vận chuyển trong dịp lễ 8-3 năm nay.</h2>
      <div class="detail-cmain"><div class="detail-content afcbc-body" data-role="content">${body(1)}
      <figure class="VCSortableInPreviewMode" type="Photo"><div><img src="/hoa.jpg"></div><figcaption class="PhotoCMS_Caption"><p>Theo cửa hàng hoa, một bó hoa hồng từ 10 - 20 bông dao động từ 400.000 đồng đến 1 triệu đồng - Ảnh: H.Y.T.</p></figcaption></figure>
      ${body(2)}</div></div></div>`;
    const a = extractArticle(html);
    expect(a.paragraphs[0]).toMatch(/^Xung đột ở khu vực Trung Đông/);
    expect(a.paragraphs).toHaveLength(3);
    expect(a.title).toBe('Chiến sự đẩy giá hoa nhập khẩu dịp 8-3 tăng mạnh');
    // The page prints its offset (GMT+7), so the date carries it.
    expect(a.date).toBe('2026-03-07T08:01:00+07:00');
    expect(a.authors).toEqual(['NHẬT XUÂN']);
    expect(a.captions).toEqual([{ text: 'Theo cửa hàng hoa, một bó hoa hồng từ 10 - 20 bông dao động từ 400.000 đồng đến 1 triệu đồng', credit: 'H.Y.T.' }]);
  });

  it('drops a related-news box and comments inside the article container', () => {
    const html = `<html><body><article>${body(1)}${body(2)}
      <div class="box-tinlienquan related-news"><h3>Tin liên quan</h3><ul><li><a href="/a">Bài một về hội nghị tổng kết năm 2025 của Bộ Quốc phòng</a></li><li><a href="/b">Bài hai về hội nghị</a></li></ul></div>
      ${body(3)}<div id="box_comment"><div class="comment_item"><p>Bài viết rất hay, cảm ơn tác giả đã chia sẻ những thông tin bổ ích và chi tiết về hội nghị này.</p></div></div></article></body></html>`;
    const a = extractArticle(html);
    expect(a.paragraphs.map((p) => p.slice(0, 7))).toEqual(['Đoạn 1:', 'Đoạn 2:', 'Đoạn 3:']);
    const reasons = a.removed.map((r) => r.reason);
    expect(reasons).toContain('related');
    expect(reasons).toContain('comments');
  });

  it('does not let a comments or related class on the wrapper of the whole article drop it', () => {
    const a = extractArticle(`<div class="news-content related-on has-comments">${body(1)}${body(2)}${body(3)}</div><div class="comments"><p>Một bình luận ngắn.</p></div>`);
    expect(a.paragraphs.map((p) => p.slice(0, 7))).toEqual(['Đoạn 1:', 'Đoạn 2:', 'Đoạn 3:']);
  });

  it.each([
    ['Minh Anh - Hoàng Long', ['Minh Anh', 'Hoàng Long']],
    ['Hà Thu (tổng hợp)', ['Hà Thu']],
    ['Bài và ảnh: Nguyễn Văn A', ['Nguyễn Văn A']],
    ['Theo TTXVN', []],
  ])('reads the closing byline "%s" as authors (persons only) and leaves it out of the body', (byline, authors) => {
    const a = extractArticle(`<article>${body(1)}${body(2)}<p style="text-align:right"><strong>${byline}</strong></p></article>`);
    expect(a.authors).toEqual(authors);
    expect(a.paragraphs).toHaveLength(2);
    expect(a.removed).toContainEqual({ reason: 'byline', text: byline });
  });

  it('keeps subheadings, list items and table rows as their own lines', () => {
    const html = `<div class="detail-content">${body(1)}<h2>Những điểm mới</h2>${body(2)}
      <ul><li>Mức phạt tăng gấp đôi.</li><li>Áp dụng từ ngày 1/3.</li></ul>${body(3)}
      <table><tr><td>Năm</td><td>Số vụ</td></tr><tr><td>2024</td><td>1.200</td></tr></table>${body(4)}</div>`;
    const a = extractArticle(html);
    expect(a.paragraphs.filter((p) => !p.startsWith('Đoạn'))).toEqual(['Những điểm mới', 'Mức phạt tăng gấp đôi.', 'Áp dụng từ ngày 1/3.', 'Năm | Số vụ', '2024 | 1.200']);
  });
});

describe('extractArticle on bad HTML', () => {
  const para = '<p>Hôm nay Thủ tướng Chính phủ chủ trì cuộc họp trực tuyến với các địa phương về tình hình phát triển kinh tế xã hội.</p>';

  it('survives 10,000-deep nesting, closed or not, quickly', () => {
    for (const html of ['<div>'.repeat(10_000) + para + '</div>'.repeat(10_000), '<div><span>'.repeat(10_000) + para]) {
      const start = performance.now();
      const a = extractArticle(html);
      // Milliseconds on an idle core; the bound only catches a hang on a loaded machine.
      expect(performance.now() - start).toBeLessThan(3000);
      expect(a.paragraphs).toEqual(['Hôm nay Thủ tướng Chính phủ chủ trì cuộc họp trực tuyến với các địa phương về tình hình phát triển kinh tế xã hội.']);
    }
  });

  it('skips script, style and SVG bodies, but not custom elements named like them', () => {
    const a = extractArticle(`<article><svg-icon name="x"></svg-icon>${para}<style-guide>${para.replace('Hôm nay', 'Hôm qua')}</style-guide><svg><path d="M0 0"/><text>icon</text></svg><script>var s = "</div><p>not text</p>";</script></article>`);
    expect(a.paragraphs.map((p) => p.slice(0, 7))).toEqual(['Hôm nay', 'Hôm qua']);
    expect(a.removed.map((r) => r.reason)).toContain('script');
  });

  it('closes what unclosed tags leave open', () => {
    const a = extractArticle(`<html><body><div><p>Mở đầu <b>đậm <i>nghiêng${para}${para.replace('Hôm nay', 'Hôm qua')}`);
    expect(a.paragraphs.slice(-2).map((p) => p.slice(0, 7))).toEqual(['Hôm nay', 'Hôm qua']);
  });

  it('finds no article on a page of links only', () => {
    const links = Array.from({ length: 40 }, (_, i) => `<li><a href="/bai-${i}">Bài viết số ${i} về chủ đề thời sự trong nước và quốc tế hôm nay</a></li>`).join('');
    const a = extractArticle(`<html><body><nav><a href="/">Trang chủ</a></nav><ul class="list-news">${links}</ul><footer>© 2024</footer></body></html>`);
    expect(a.paragraphs).toEqual([]);
    expect(a.removed.map((r) => r.reason)).toEqual(['navigation', 'related', 'footer']);
  });

  it('returns an empty article for binary bytes, an empty string and a page without text', () => {
    let binary = '';
    for (let i = 0; i < 100_000; i++) binary += String.fromCharCode((i * 7919) % 256);
    expect(() => extractArticle(binary)).not.toThrow();
    for (const html of ['', '<html><body><p></p><div> </div><p>&nbsp;</p></body></html>', '<div><span></span>'.repeat(10_000)]) {
      expect(extractArticle(html).paragraphs).toEqual([]);
    }
  });

  it('reads the start of a page over html.maxInputChars and records what it left', () => {
    const page = `<html><body><article>${para}${para.replace('Hôm nay', 'Hôm qua')}</article>${'<p>Đoạn cuối trang rất dài không được đọc.</p>'.repeat(500)}</body></html>`;
    const a = extractArticle(page, { ...defaultHtmlRules(), maxInputChars: 1000 });
    // The article, and the few last-paragraph lines within the first 1,000 characters.
    expect(a.paragraphs.slice(0, 2).map((p) => p.slice(0, 7))).toEqual(['Hôm nay', 'Hôm qua']);
    expect(a.paragraphs.length).toBeLessThan(20);
    expect(a.removed.at(-1)).toEqual({ reason: 'other', text: `page cut at 1000 characters (html.maxInputChars): the last ${page.length - 1000} of ${page.length} were not read` });
    expect(extractArticle(page).removed.map((r) => r.text).join(' ')).not.toMatch(/page cut/);
  });

  it('handles a 2 MB page in bounded time', () => {
    const page = `<div class="menu"><a href="/">Trang chủ</a></div><article>${para.repeat(20)}</article>`;
    const html = page.repeat(Math.ceil(2e6 / page.length));
    const start = performance.now();
    const a = extractArticle(html);
    expect(performance.now() - start).toBeLessThan(3000);
    expect(a.paragraphs.length).toBeGreaterThanOrEqual(20);
  });
});

describe('looksLikeHtml and declaredCharset', () => {
  it('tells pages and fragments from plain text', () => {
    expect(looksLikeHtml('<!DOCTYPE html><html><body>x</body></html>')).toBe(true);
    expect(looksLikeHtml('\ufeff  <html lang="vi">')).toBe(true);
    expect(looksLikeHtml('<p>Một</p><p>Hai</p><p>Ba</p>')).toBe(true);
    expect(looksLikeHtml('Tiêu đề\n\nNội dung bài viết có một thẻ <br> lạc.')).toBe(false);
    expect(looksLikeHtml('Dòng một<br>\nDòng <b>hai</b><br>\n[Xem](http://a.vn) <br> <i>ba</i>')).toBe(false);
    expect(looksLikeHtml('---\ntitle: x\n---\n# Tiêu đề\n\n[link](http://a.vn)')).toBe(false);
  });

  it('takes a page saved from its server template (a JSP or PHP directive before the doctype) for a whole page', () => {
    expect(isHtmlPage('<%@ page contentType="text/html" pageEncoding="UTF-8"%>\n<!DOCTYPE html>\n<html lang="vi">')).toBe(true);
    expect(isHtmlPage('<?php include "header.php"; ?>\n<!doctype html><html>')).toBe(true);
    expect(isHtmlPage('<%= tieu_de %> là tiêu đề')).toBe(false);
  });

  it('reads <meta charset>, http-equiv and the XML declaration', () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(declaredCharset(bytes('<html><head><meta charset="UTF-8">'))).toBe('utf-8');
    expect(declaredCharset(bytes('<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'))).toBe('windows-1258');
    expect(declaredCharset(bytes('<?xml version="1.0" encoding="ISO-8859-1"?><html>'))).toBe('iso-8859-1');
    expect(declaredCharset(bytes('<html><body>không khai báo</body></html>'))).toBeNull();
  });
});

describe('extractArticle on short articles beside longer boilerplate', () => {
  const para = (n: number) => `<p>Paragraph ${n}: the council approved the new budget on Tuesday after a long debate about school funding and road repairs in the district.</p>`;
  const card = (n: number) =>
    `<div class="nextstory"><h2><a href="/s${n}">Another story number ${n} from the same site</a></h2><p>Teaser ${n}: a summary of another article that the site wants readers to click on next, long enough to look like prose.</p><h3><a href="/s${n}">READ THE REST</a></h3></div>`;

  it('drops a row of teaser cards (linked headings with a line of text) that carries no telling class', () => {
    const a = extractArticle(`<html><body><h1>Budget passes</h1><div class="story">${para(1)}</div><div id="more">${card(1)}${card(2)}${card(3)}${card(4)}</div></body></html>`);
    expect(a.paragraphs).toEqual([expect.stringMatching(/^Paragraph 1:/)]);
    expect(a.removed.some((r) => r.reason === 'related' && r.text.includes('Teaser 1'))).toBe(true);
    expect(a.authors).toEqual([]);
  });

  it('keeps sections that merely share a class, with unlinked headings', () => {
    const section = (n: number) => `<section class="part"><h2>Part ${n}</h2>${para(n)}</section>`;
    const a = extractArticle(`<html><body><h1>Budget passes</h1><article>${section(1)}${section(2)}${section(3)}</article></body></html>`);
    expect(a.paragraphs).toEqual(['Part 1', expect.stringMatching(/^Paragraph 1:/), 'Part 2', expect.stringMatching(/^Paragraph 2:/), 'Part 3', expect.stringMatching(/^Paragraph 3:/)]);
  });

  it('drops a footer that holds more prose than the article, since it does not hold the headline', () => {
    const footer = [1, 2, 3].map((n) => `<p>Footer note ${n}: this website uses cookies and is published under a licence, read the terms of service before you comment here.</p>`).join('');
    const a = extractArticle(`<html><body><div class="post"><h1>Budget passes</h1>${para(1)}</div><div class="footer-left">${footer}</div></body></html>`);
    expect(a.paragraphs).toEqual([expect.stringMatching(/^Paragraph 1:/)]);
  });

  it('does not read an author class on the whole article as a byline box', () => {
    const question = '<p><strong>How did the council decide on the final figures for schools?</strong></p>';
    const a = extractArticle(`<html><body><article class="node author-anonymous"><h1>Budget passes</h1>${para(1)}${question}${para(2)}${question}${para(3)}</article></body></html>`);
    expect(a.paragraphs.filter((p) => p.startsWith('How did'))).toHaveLength(2);
  });

  it('drops a promo or paywall box built around a button, whatever its class', () => {
    const promo = `<div class="tzi-bottom"><p class="headline">Read left, fight right</p><p>Right now independent journalism needs your support more than ever, and half of all sign-ups this month go to the network. Are you with us? <a class="button primary" href="/support">Support now</a></p></div>`;
    const a = extractArticle(`<html><body><article><h1>Budget passes</h1>${para(1)}${para(2)}${promo}</article></body></html>`);
    expect(a.paragraphs).toEqual([expect.stringMatching(/^Paragraph 1:/), expect.stringMatching(/^Paragraph 2:/)]);
    expect(a.removed.some((r) => r.reason === 'ad' && r.text.includes('Read left'))).toBe(true);
  });

  it("keeps the lead in the article's header, share button and all", () => {
    const header = `<header><div class="title-box"><h1>Budget passes</h1><p>The council found the money for schools at last, after a year of arguing over every single line of it.</p><button type="button">Share</button></div></header>`;
    const a = extractArticle(`<html><body><article>${header}${para(1)}${para(2)}</article></body></html>`);
    expect(a.paragraphs[0]).toMatch(/^The council found the money/);
  });

  it("drops the author's bio that closes the article, and its label", () => {
    const ld = '<script type="application/ld+json">{"@type":"NewsArticle","headline":"Budget passes","author":{"@type":"Person","name":"Jane Doe"}}</script>';
    const bio = '<h4>ABOUT THE AUTHOR</h4><p>Jane Doe is a reporter covering city hall and the council for the paper, and has written about local budgets since 2015.</p>';
    const a = extractArticle(`<html><head>${ld}</head><body><article><h1>Budget passes</h1>${para(1)}${para(2)}${bio}</article></body></html>`);
    expect(a.authors).toEqual(['Jane Doe']);
    expect(a.paragraphs).toEqual([expect.stringMatching(/^Paragraph 1:/), expect.stringMatching(/^Paragraph 2:/)]);
  });
});

describe('extractArticle metadata from structured data', () => {
  const page = (head: string) =>
    `<html><head>${head}</head><body><article><h1>Budget passes</h1><p>Paragraph 1: the council approved the new budget on Tuesday after a long debate about school funding and road repairs.</p></article></body></html>`;

  it('gives the local time when JSON-LD says UTC and article:published_time the same instant with its offset', () => {
    const a = extractArticle(
      page('<script type="application/ld+json">{"@type":"NewsArticle","headline":"Budget passes","datePublished":"2014-12-19T04:38:49Z"}</script><meta property="article:published_time" content="2014-12-18T23:38:49-05:00">'),
    );
    expect(a.date).toBe('2014-12-18T23:38:49-05:00');
  });

  it('keeps the UTC value when no candidate is the same instant', () => {
    const a = extractArticle(
      page('<script type="application/ld+json">{"@type":"NewsArticle","headline":"Budget passes","datePublished":"2014-12-19T04:38:49Z"}</script><meta property="article:modified_time" content="2014-12-19T09:00:00-05:00">'),
    );
    expect(a.date).toBe('2014-12-19T04:38:49Z');
  });

  it('reads the author from the meta names analytics tags use when the usual ones are missing', () => {
    expect(extractArticle(page('<meta name="parsely-author" content="Jane Doe">')).authors).toEqual(['Jane Doe']);
    expect(extractArticle(page('<meta name="dc.creator" content="Nguyễn Văn An">')).authors).toEqual(['Nguyễn Văn An']);
  });
});

describe('extractArticle when every block falls under a class hint', () => {
  it('falls back to the selection without class hints rather than return nothing', () => {
    const p = (n: number) => `<p>Paragraph ${n}: the council approved the new budget on Tuesday after a long debate about school funding and road repairs.</p>`;
    const html = `<html><body><div class="related-story-body"><h1>Budget passes</h1>${p(1)}${p(2)}${p(3)}</div><div class="related-links">${p(4)}${p(5)}</div></body></html>`;
    const a = extractArticle(html);
    expect(a.paragraphs.filter((x) => /^Paragraph [123]:/.test(x))).toHaveLength(3);
  });
});


describe('collapse', () => {
  const byRegex = (text: string) => text.replace(/[\s\u200b\u2060]+/g, ' ').trim();

  it('agrees with the regular expression it replaces on every UTF-16 unit, alone and between words', () => {
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      for (const text of [ch, `a${ch}b`, `a ${ch}${ch} b`, `${ch}x${ch}`]) expect(collapse(text)).toBe(byRegex(text));
    }
  });

  it('agrees with it on random mixes of words and spaces', () => {
    const piece = fc.constantFrom(' ', '  ', '\n', '\t', '\u00a0', '\u200b', '\u2060', '\u3000', '\ufeff', 'Hà', 'Nội', 'x', '.', '');
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => collapse(pieces.join('')) === byRegex(pieces.join(''))), { numRuns: 2000 });
  });

  it('returns a text with nothing to change as it is', () => {
    const text = 'Hôm nay trời đẹp.';
    expect(collapse(text)).toBe(text);
  });
});
