import { parseDate } from './dates.js';
import type { Line, Removal } from './lines.js';

/** What the head of a document says about it. */
export interface Header {
  title: string | null;
  date: string | null;
  category: string | null;
  authors: string[];
  url: string | null;
  site: string | null;
}

export interface MetadataResult {
  header: Header;
  /** The lines after the header, for the boilerplate stage. */
  lines: Line[];
  removed: Removal[];
}

// `15:00 | 28/10/2022 | AN NINH – QUỐC PHÒNG` (the category is optional).
const META_LINE = /^(\d{1,2}:\d{2})\s*\|\s*(\d{1,2}\/\d{1,2}\/\d{4})\s*(?:\|\s*(.+))?$/;
// ` date 2023-12 (VTC News) -` with the lead sometimes on the same line.
const DATELINE = /^date\s+(\d{4}-\d{2}(?:-\d{2})?)\s+\(([^)]{1,60})\)\s*[-–—]\s*(.*)$/;
const MARKDOWN_LINK_LINE = /^\[([^\]]*)\]\((https?:\/\/[^\s)]+)\)$/;
const MARKDOWN_IMAGE_LINE = /^!\[[^\]]*\]\([^\s)]*\)$/;
// A markdown title: `Title` over `=====`, or `# Title`.
const SETEXT_UNDERLINE = /^={3,}$/;
const ATX_TITLE = /^# +(\S.{0,300}?)(?: +#+)?$/;
// A headline: starts with a capital, a digit, a quote or a brand written `iCare`, and does not
// end like a sentence or a list lead (a question or an exclamation may close it).
const HEADLINE = /^["'“‘]?(?:[\p{Lu}\d]|\p{Ll}{1,3}\p{Lu})[^\n]*[^.,:;…]$/u;
const HEADLINE_MIN_WORDS = 4;
// The 319 titles the dev crawlers stored are at most 155 characters (99 % under 134); a
// lead that lost its period runs longer (`Được mệnh danh là tuyến đường ...`, 203).
const HEADLINE_MAX = 160;
// The paragraph under a headline is text: it ends like a sentence or is long (not a menu).
const LEAD_MIN = 100;
// A headline with no blank line under it is told by its shape alone: a short one.
const GLUED_HEADLINE_MAX = 150;
const SENTENCE_STOP = /[.!?…]["”’)]*$/u;
// A one-line dump under its headline ends with whatever the page ended with (a byline, a
// tag list), but it opens with a sentence: a capital, a stop, and the next sentence.
// A dump may have lost the space after the stop (`sinh viên.Theo`): then a lower-case letter
// or a digit stands before it, so `TP.HCM` is no sentence end.
const OPENS_WITH_SENTENCE = /^["“‘(]?[\p{Lu}\d][^\n]{20,500}?(?:[.!?…]["”’)]*\s+|[\p{Ll}\d][.!?…]["”’)]*)["“‘(]?[\p{Lu}\d]/u;
const FRONT_MATTER_MAX_LINES = 60;
const HEAD_LINES = 3;

/**
 * Reads the layouts found at the head of scraped news: Jekyll front matter (with
 * the feed's markdown link and image after it), a title line over an
 * `HH:MM | DD/MM/YYYY | CATEGORY` line, and a `date YYYY-MM (Site) -` dateline.
 * What it reads leaves the text and is listed in `removed`.
 */
export function extractMetadata(input: Line[], defaultOffset: string): MetadataResult {
  const header: Header = { title: null, date: null, category: null, authors: [], url: null, site: null };
  const removed: Removal[] = [];
  let lines = input;

  const fm = frontMatterEnd(lines);
  if (fm > 0) {
    readFrontMatter(lines.slice(1, fm), header, defaultOffset);
    removed.push({ reason: 'front-matter', text: lines.slice(0, fm + 1).map((l) => l.text).join('\n') });
    lines = lines.slice(fm + 1);
  }

  // The feed mirror's link to the article and its lead image.
  while (lines.length > 0) {
    const text = lines[0]!.text;
    const link = MARKDOWN_LINK_LINE.exec(text);
    if (link) {
      header.url ??= link[2]!;
      header.title ??= cleanTitle(link[1]!);
      removed.push({ reason: 'markdown-link', text });
    } else if (MARKDOWN_IMAGE_LINE.test(text)) {
      removed.push({ reason: 'markdown-image', text });
    } else {
      break;
    }
    lines = lines.slice(1);
  }

  const metaAt = lines.slice(0, HEAD_LINES).findIndex((l) => META_LINE.test(l.text));
  if (metaAt !== -1) {
    const m = META_LINE.exec(lines[metaAt]!.text)!;
    header.date ??= parseDate(`${m[1]} ${m[2]}`, defaultOffset);
    if (m[3]) header.category ??= m[3].trim();
    // The line right above the meta line is the article title.
    const titleAt = metaAt - 1;
    if (titleAt >= 0) {
      header.title ??= lines[titleAt]!.text;
      removed.push({ reason: 'title', text: lines[titleAt]!.text });
    }
    removed.push({ reason: 'meta-line', text: lines[metaAt]!.text });
    lines = [...lines.slice(0, Math.max(0, titleAt)), ...lines.slice(metaAt + 1)];
  }

  const dateline = lines.length > 0 ? DATELINE.exec(lines[0]!.text) : null;
  if (dateline) {
    header.date ??= parseDate(dateline[1]!, defaultOffset);
    header.site ??= dateline[2]!.trim();
    const lead = dateline[3]!.trim();
    removed.push({ reason: 'dateline', text: lead ? lines[0]!.text.slice(0, -dateline[3]!.length).trim() : lines[0]!.text });
    lines = lead ? [{ text: lead, gapBefore: 0 }, ...lines.slice(1)] : lines.slice(1);
  }

  if (header.title === null) {
    const title = headlineAt(lines);
    if (title) {
      header.title = title.text;
      removed.push({ reason: 'title', text: lines.slice(0, title.lines).map((l) => l.text).join('\n') });
      lines = lines.slice(title.lines);
    }
  }

  if (header.site === null && header.url !== null) header.site = hostOf(header.url);
  return { header, lines, removed };
}

/**
 * The title on the first line of a plain-text or markdown file: a markdown title, or a
 * line shaped like a headline (a few words, capitalised, no sentence-final period,
 * shorter than the paragraph under it) that a blank line separates from the text.
 */
function headlineAt(lines: Line[]): { text: string; lines: number } | null {
  const first = lines[0];
  const next = lines[1];
  if (!first || !next) return null;
  if (SETEXT_UNDERLINE.test(next.text)) return { text: first.text, lines: 2 };
  const atx = ATX_TITLE.exec(first.text);
  if (atx) return { text: atx[1]!.trim(), lines: 1 };
  const text = first.text;
  if (!isHeadlineShaped(text)) return null;
  // A headline over the text's first subheading (`Công bố Top 5 ...` over `Top 5 chiếm 77% ...` over
  // the paragraph): two headline-shaped lines, the first is the title.
  const third = lines[2];
  // A menu (`Trang chủ | Thời sự | ...`) or a breadcrumb under a masthead is no subheading.
  if (isHeadlineShaped(next.text) && !/[|»›>]/.test(next.text) && third && third.gapBefore <= 1 && isLead(third.text)) return { text, lines: 1 };
  const headline =
    next.text.length > text.length &&
    // A blank line sets the headline apart; without one, the lead under it must be a
    // paragraph that ends like a sentence (a crawler that writes one block per line).
    (next.gapBefore >= 1
      ? next.text.length >= LEAD_MIN || SENTENCE_STOP.test(next.text)
      : text.length <= GLUED_HEADLINE_MAX && isLead(next.text));
  return headline ? { text, lines: 1 } : null;
}

// A photo's or a copied article's credit closes a caption, never a headline (`... World Soccer. (Nguồn: Dân trí)`).
const CLOSING_CREDIT = /\((?:[Ảả]nh|[Nn]guồn|[Hh]ình|[Pp]hoto)\s*:[^()]*\)\.?$/u;

/** A line shaped like a headline: capitalised, a few words, no sentence-final stop, no photo credit. */
function isHeadlineShaped(text: string): boolean {
  return (
    text.length <= HEADLINE_MAX &&
    HEADLINE.test(text) &&
    /\p{Ll}/u.test(text) &&
    text.split(' ').length >= HEADLINE_MIN_WORDS &&
    !CLOSING_CREDIT.test(text)
  );
}

/** A paragraph of text under a headline: a sentence, or a long line that opens with sentences (a dump). */
function isLead(text: string): boolean {
  return (text.length >= LEAD_MIN && SENTENCE_STOP.test(text)) || (text.length >= LEAD_MIN && OPENS_WITH_SENTENCE.test(text));
}

function frontMatterEnd(lines: Line[]): number {
  if (lines[0]?.text !== '---') return -1;
  const limit = Math.min(lines.length, FRONT_MATTER_MAX_LINES);
  for (let i = 1; i < limit; i++) {
    if (lines[i]!.text === '---') return i;
  }
  return -1;
}

function readFrontMatter(lines: Line[], header: Header, defaultOffset: string): void {
  for (const { text } of lines) {
    const m = /^([A-Za-z_][\w-]*):\s*(.*)$/.exec(text);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = unquote(m[2]!.trim());
    if (value === '') continue;
    switch (key) {
      case 'title':
        header.title = cleanTitle(value);
        break;
      case 'date':
        header.date = parseDate(value, defaultOffset);
        break;
      case 'categories':
      case 'category':
        header.category = value.replace(/^\[|\]$/g, '').trim() || null;
        break;
      case 'author':
      case 'authors':
        header.authors = value.replace(/^\[|\]$/g, '').split(',').map((a) => unquote(a.trim())).filter(Boolean);
        break;
      case 'url':
      case 'link':
      case 'source_url':
        header.url = value;
        break;
    }
  }
}

function unquote(value: string): string {
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(value) ?? /^'((?:[^']|'')*)'$/.exec(value);
  if (!m) return value;
  return value[0] === '"' ? m[1]!.replace(/\\(.)/g, '$1') : m[1]!.replace(/''/g, "'");
}

/** Feed mirrors prefix titles with a `[topic]` tag; the title is what follows. */
function cleanTitle(raw: string): string | null {
  const title = raw.replace(/^\s*\[[^\]]*\]\s*/, '').trim();
  return title === '' ? null : title;
}

/** The host of a URL without `www.`, or null for one that does not parse. */
export function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}
