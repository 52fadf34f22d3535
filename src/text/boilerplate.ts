import { lineKey, type LearnedSource } from './learned.js';
import type { Line, Removal, RemovalReason } from './lines.js';
import { isVietnameseSyllable } from './vietnamese-score.js';

/** Boilerplate rules, compiled from config (see config/default.json). */
export interface BoilerplateRules {
  /** Lines left by an image table (`leftcenterrightdel`); the short line after one is its caption. */
  imageArtifacts: RegExp[];
  /** Lines that are removed wherever they stand; named groups `category` and `author` fill metadata. */
  markers: RegExp[];
  /**
   * A heading that opens a list of other articles (`Tin liên quan`, `Xem thêm:`): it and
   * the headlines and teasers after it are removed, up to the next body paragraph or the end.
   */
  trailingBlocks: RegExp[];
  /** A line that links to another article (`>> headline`, `Xem thêm: headline`). */
  relatedLinks: RegExp[];
  /** The photo credit that ends a caption (named group `credit`); the caption is what precedes the match. */
  creditedCaptions: RegExp[];
  /** Short stand-alone lines that describe a picture (`Quang cảnh ...`, `Ảnh minh họa`). */
  captionCues: RegExp[];
  /** Byline forms at the end of the article; named group `author` (one name or several). */
  bylines: RegExp[];
  /** Source credits at the end of the article (`Theo X`, `Nguồn: X`): named group `source`, optional `author`. */
  sourceCredits: RegExp[];
  /** Names of outlets, not people (`Báo ...`, acronyms): a credit with such a name is a source. */
  outlets: RegExp[];
  /** A sentence that asks the reader to do something (`vui lòng đăng ký tại đây`): removed from its paragraph. */
  callsToAction: RegExp[];
  /** Phrases of a site's page chrome (comment widget, masthead, licence) run into the end of the text. */
  pageChrome: RegExp[];
  /** Longest line (characters) that can be a caption or a heading-like stand-alone line. */
  captionMaxLength: number;
}

export interface Caption {
  text: string;
  credit: string | null;
}

export interface BoilerplateResult {
  paragraphs: string[];
  captions: Caption[];
  authors: string[];
  /** Outlets the article credits (`Theo TTXVN`, `Nguồn: Báo Thanh Niên`), apart from its authors. */
  sources: string[];
  category: string | null;
  removed: Removal[];
}

// An image, with a title (`![alt](src "title")`) or inside a link (`[![alt](src)](href)`).
const MARKDOWN_IMAGE = /^\[?!\[[^\]]*\]\([^\s)]*(?:\s+"[^"]*")?\)(?:\]\([^\s)]*\))?$/;
const MARKDOWN_LINK = /^\[[^\]]*\]\([^\s)]+\)$/;
// A markdown heading's underline or a rule: `-----`, `=====`, `***`.
const MARKDOWN_RULE = /^(?:[=]{3,}|[-]{3,}|[*_]{3,})$/;
const ATX_HEADING = /^#{1,6} /;
// Markdown structure (a bold heading, a list item, a heading): never a caption.
const MARKDOWN_BLOCK = /^(?:[*_#>]|[-+] )/;
// A label holds no bracket: with `[^\]]*` a run of `[` made every start rescan the line (quadratic).
const INLINE_LINK = /(!?)\[([^[\]]*)\]\((?:https?:\/\/|\/)[^\s)]*\)/g;
const ENDS_SENTENCE = /[.!?…:;,"'”’)\]]$/;
const SENTENCE_END = /[.!?…]["”’)]*$/;
const ELLIPSIS_END = /(?:\.\.\.|…)["”’)]*$/;
// `TRUNG QUỐC - Có bằng ...`, `TP.HCM - ...`: the place that opens a news lead.
const CAPS_DATELINE = /^\p{Lu}[\p{Lu}.]+(?: \p{Lu}[\p{Lu}.]*){0,3} ?[-–—] \p{Lu}/u;
const NAME_MAX = 40;
// One syllable of a name: `Lâm`, `MỘC`, an initial `T.` or `Ng.`, or initials glued to it (`T.PHƯƠNG`).
const NAME_TOKEN = /^(?:\p{Lu}\p{Ll}{0,2}\.)*\p{Lu}(?:\p{Ll}+|\p{Lu}*)$|^\p{Lu}\p{Ll}{0,2}\.$/u;
// `**Thái Bình**`: markdown emphasis around a credit.
const EMPHASIS = /^[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}$/g;
const NAME_SEPARATOR = /\s*(?:,|&|\/|\s[-–—]\s| và )\s*/;
const TEASER_MIN = 30;
const TEASER_MAX = 250;
const DUPLICATE_MIN = 30;
const BODY_MIN = 80;
const PERIOD_BODY_MIN = 30;
const PERIOD_END = /\.["”’)]*$/;
const CAPTION_MIN_WORDS = 3;
// `(Theo` over `)`: a source credit whose outlet link was lost.
// Each optional mark takes the spaces before it: `\s*:?\s*,?\s*` could part a run of spaces
// among three (Theo and 4,000 spaces took 28 s).
const EMPTY_SOURCE = /^\s*(?:\(\s*)?(?:Theo|THEO|Nguồn|NGUỒN)(?:\s*:)?(?:\s*,)?(?:\s*\)|\s*)$/u;
// `Nguồn: http://danviet.vn/...htmNguồn: http://...`: the page a copied article came from, printed once or twice.
// Each credit of a line is tested on its own, cut where the next label opens: one pattern
// repeated over the line (`(?:label\s*https?://\S+\s*)+$`) tried every way of parting a line
// of glued credits among its labels, twice the time for each one more (24 took 2 s).
const URL_CREDIT_NEXT = /(?=(?:Nguồn|NGUỒN|Theo|Source)\s*(?::\s*)?https?:\/\/)/u;
const URL_CREDIT_ONE = /^(?:Nguồn|NGUỒN|Theo|Source)\s*(?::\s*)?https?:\/\/\S+\s*$/u;
const isUrlCredit = (text: string) => text.split(URL_CREDIT_NEXT).every((credit) => URL_CREDIT_ONE.test(credit));
const IMAGE_CAPTION_MAX = 150;
const CAPTION_STATEMENT_WORDS = 20;
// A credit label with nothing after it (`Ảnh:`, `(Ảnh: )`): the link that held the name was lost.
const EMPTY_CREDIT = /:\s*\)?\.?(?: ,)?$/;
const EMPTY_CREDIT_LABEL = /(?:^|\s)(?:Ảnh|ẢNH|Video|Clip|Hình|Đồ họa|Đồ hoạ)\s*:\s*$/u;

/** How the lines came to be. */
export interface StripOptions {
  /**
   * The lines are the paragraphs an HTML extractor kept, having chosen the article by its
   * markup (src/stages/extract.ts). Then only configured marker lines, learned lines and
   * repeated paragraphs go. The rules that infer from a text what its markup would have
   * said (captions, bylines and credits, related blocks and links, glued lines, headline
   * runs, teasers, calls to action) are off: the extractor decided those by the markup
   * itself, and on extracted pages these rules removed subheadings, quotes and sentences
   * (`Ảnh hưởng ...` read as a photo credit), never boilerplate the extractor had kept
   * (`npm run eval:html -- --gap`, test/unit/html-pipeline.test.ts).
   */
  fromMarkup?: boolean;
}

/**
 * Removes what is not article text and says why: related-article blocks and site
 * footers, configured marker lines, image-table artifacts, markdown image and link
 * lines, lines a learned profile names for this document's source (with the lines
 * between them, and a footer list that follows one), a truncated teaser that a later
 * paragraph repeats, repeated paragraphs. Captions, bylines and source credits leave
 * the text and go to metadata. Lines a crawler glued together are split first.
 */
export function stripBoilerplate(input: Line[], rules: BoilerplateRules, learned?: LearnedSource, options: StripOptions = {}): BoilerplateResult {
  const inferMarkup = !options.fromMarkup;
  const lines = inferMarkup ? splitGluedLines(input) : input;
  const chrome = inferMarkup ? cutPageChrome(lines, rules) : -1;
  const captions: Caption[] = [];
  const authors: string[] = [];
  const sources: string[] = [];
  let category: string | null = null;
  const verdict: (RemovalReason | null)[] = [];
  const removedText: string[] = [];
  // A line that keeps only part of its text (a byline or call to action cut from its end).
  const keptText: string[] = [];
  const removedInline: Removal[][] = [];
  const mark = (i: number, reason: RemovalReason, text = lines[i]!.text) => {
    verdict[i] = reason;
    removedText[i] = text;
  };

  if (chrome !== -1) mark(chrome, 'trailing-block');
  if (inferMarkup) markRelatedBlocks(lines, rules, mark);
  // A markdown renderer spaces every block with blank lines: there a wide gap is no lost picture.
  const markdown = lines.some((l) => MARKDOWN_RULE.test(l.text) || MARKDOWN_IMAGE.test(l.text) || ATX_HEADING.test(l.text));
  // Nor where the text sets its subheadings as short unpunctuated lines: one after a wide gap is one more of them.
  const gapsTell = !markdown && !hasSubheadings(lines, rules);
  // A photo story's slides are its text: there only the credit that closes each goes.
  const slides = inferMarkup && isPhotoStory(lines, rules);
  // Where paragraphs follow each other without a blank line, a blank line is a lost picture.
  const pictureGaps = inferMarkup && !markdown && !slides && runsParagraphs(lines, rules);
  let quoting: Set<number> | undefined;
  // Sentences under a blank line in a text whose paragraphs run together: captions if there are several.
  const gapCaptions: number[] = [];

  for (let i = 0; i < lines.length; i++) {
    if (verdict[i]) continue;
    const { gapBefore } = lines[i]!;
    // `TIN LIÊN QUAN ,`, `Ảnh: X ,`: a dump's join comma is not part of the line's form.
    const text = bare(lines[i]!.text);
    const joined = text.length < lines[i]!.text.length;
    const marker = firstMatch(rules.markers, text);
    if (marker) {
      category ??= marker.groups?.category?.trim() || null;
      if (marker.groups?.author) authors.push(marker.groups.author.trim());
      mark(i, 'marker');
    } else if (inferMarkup && teaserBlockEnd(text) === text.length) {
      mark(i, 'related');
    } else if (inferMarkup && i === lines.length - 1 && i > 0 && gluedTail(input, text)) {
      mark(i, 'related');
    } else if (inferMarkup && !markdown && text.startsWith('* ') && isLoneBullet(lines, i, rules)) {
      // `* Ngô Thanh Vân tát Lan Ngọc "Cô Ba Sài Gòn"` over a wide gap: the title of a video the crawler lost.
      captions.push({ text: text.slice(2).trim(), credit: null });
      mark(i, 'caption');
    } else if (inferMarkup && i > 0 && EMPTY_SOURCE.test(text)) {
      // `(Theo` over `)`: the outlet was a link whose text the crawler lost.
      mark(i, 'source-credit');
      if (/^\)\.?$/.test(lines[i + 1]?.text ?? '')) mark(i + 1, 'source-credit');
    } else if (inferMarkup && text.includes('//') && isUrlCredit(text)) {
      mark(i, 'source-credit');
    } else if (inferMarkup && matchesAny(rules.relatedLinks, text)) {
      mark(i, 'related');
    } else if (inferMarkup && matchesAny(rules.imageArtifacts, text)) {
      mark(i, 'image-artifact');
      const next = lines[i + 1];
      if (next && next.gapBefore === 0 && next.text.length <= rules.captionMaxLength) {
        captions.push(creditedCaption(rules, next.text) ?? { text: next.text, credit: null });
        mark(i + 1, 'caption');
      }
    } else if (MARKDOWN_IMAGE.test(text)) {
      mark(i, 'markdown-image');
      // The short sentence right under a picture describes it: it repeats the picture's
      // alt text or title, or it stands alone between wide gaps and ends with a stop.
      const next = lines[i + 1];
      const alone = next !== undefined && next.gapBefore >= 2 && (lines[i + 2]?.gapBefore ?? 2) >= 2 && PERIOD_END.test(next.text);
      if (next && isImageCaption(rules, next.text) && (alone || altHolds(text, next.text))) {
        captions.push(creditedCaption(rules, next.text) ?? { text: next.text, credit: null });
        mark(i + 1, 'caption');
      }
    } else if (MARKDOWN_LINK.test(text)) {
      mark(i, 'markdown-link');
    } else if (MARKDOWN_RULE.test(text)) {
      mark(i, 'marker');
      // A line cut with an ellipsis over a heading rule is the feed's excerpt of the article.
      const above = lines[i - 1];
      if (above && !verdict[i - 1] && ELLIPSIS_END.test(above.text)) mark(i - 1, 'teaser');
    } else if (inferMarkup && i > 0 && isHeadline(rules, text) && isRelatedItem(lines, i, gapBefore > 0 && (lines[i + 1]?.gapBefore ?? 0) > 0, joined)) {
      // Another article's headline over its lead: a related-article item, not a caption.
      mark(i, 'related');
      mark(i + 1, 'related');
    } else if (pictureGaps && gapBefore > 0 && text.length >= DUPLICATE_MIN && (quoting ??= quotingLines(lines)).has(i)) {
      // A sentence under a blank line that the text prints elsewhere too: a pull quote or a lead printed twice.
      mark(i, 'duplicate');
    } else if (inferMarkup) {
      const slide = slides ? slideCredit(rules, text) : null;
      if (slide) {
        keptText[i] = slide.kept;
        (removedInline[i] ??= []).push({ reason: 'caption', text: slide.credit });
        continue;
      }
      const credited = creditedCaption(rules, text);
      const next = lines[i + 1];
      // A line over a markdown underline is a heading, not a caption; nor is a line that
      // stops mid-sentence where the next goes on in lower case (`... những bước phát` over `triển ...`).
      const heading = MARKDOWN_RULE.test(next?.text ?? '') || (next !== undefined && next.gapBefore === 0 && !SENTENCE_END.test(text) && /^\p{Ll}/u.test(next.text));
      const caption = credited ?? (heading ? null : standaloneCaption(rules, text, gapsTell ? gapBefore : 0, next?.gapBefore ?? 1));
      if (!caption && !heading && pictureGaps && (gapBefore > 0 || lines.length === 1) && afterParagraph(lines, i) && gapCaption(rules, text)) {
        gapCaptions.push(i);
      }
      if (caption) {
        // A credit label whose name was lost names neither picture nor author.
        if (caption.text !== '' || caption.credit) captions.push(caption);
        mark(i, 'caption');
      }
    }
  }

  // One sentence under a blank line may be a paragraph like any other; two or more are the
  // document's pictures (binhbinh22-vnexpress 005 and anhduchb01-baodautu 010 kept their one).
  if (gapCaptions.length >= GAP_CAPTIONS_MIN) {
    for (const i of gapCaptions) {
      captions.push({ text: lines[i]!.text, credit: null });
      mark(i, 'caption');
    }
  }

  if (inferMarkup) markEmbedIntros(lines, verdict, mark);
  if (learned && learned.lines.size > 0) markLearned(lines, verdict, learned.lines, rules, mark);
  if (learned && learned.tail.size > 0) markLearnedTail(lines, verdict, learned, mark);
  // After the learned lines: a site's own repeated block is named as such.
  if (inferMarkup) markHeadlineRuns(lines, verdict, rules, mark);
  if (inferMarkup) markClosingRun(lines, verdict, mark);

  // Sentences are searched inside the paragraphs of a dump, where blocks were run together;
  // elsewhere a line is a block and only a short one is searched (cheaper on clean text).
  const dump = input.some((l) => l.text.length >= DUMP_MIN);
  if (inferMarkup) markInlineBoilerplate(lines, verdict, rules, dump, captions, keptText, removedInline, mark, dump ? learned?.lines : undefined);
  if (inferMarkup && dump) markRepeatedSentences(lines, verdict, keptText, removedInline, mark);

  // A text that heads its sections with names (a list of resorts, of people) signs with none of them.
  const nameHeadings = inferMarkup ? nameHeadingLines(lines, rules) : new Set<number>();
  if (inferMarkup) markTeasersAfterCredit(lines, verdict, rules, nameHeadings, mark);
  // Credits close the article: read upwards from its last line. A site's regular
  // writer may stand in enough pages to be learned: still a byline.
  let orphan = -1;
  let affiliation = -1;
  for (let i = lines.length - 1, seen = 0; inferMarkup && i >= 0 && seen < 3; i--) {
    if (verdict[i] && verdict[i] !== 'learned') continue;
    const text = bare(keptText[i] ?? lines[i]!.text);
    const credit = readCredit(rules, text);
    if (credit === null) {
      if (seen === 0 && isOrphanOutlet(text) && followsAuthorCredit(rules, lines, verdict, i)) {
        // `Theo Phạm KhánhGiáo dục & Thời đại`: the outlet glued after the author's line.
        orphan = i;
        seen++;
        continue;
      }
      if (seen === 0 && isAffiliation(text) && followsExpertSignature(lines, verdict, i)) {
        // `Thạc sĩ, bác sĩ Kiều Xuân Thy` over `Bệnh viện Đại học Y dược TP HCM`: the expert's workplace.
        affiliation = i;
        seen++;
        continue;
      }
      if (verdict[i] === 'learned') continue;
      seen++;
      const tail: TailCredit | null = trailingCredit(rules, text) ?? (isUnpunctuated(lines) ? unpunctuatedCredit(text) : null);
      if (tail) {
        authors.unshift(...tail.credit.authors);
        sources.unshift(...tail.credit.sources);
        keptText[i] = tail.kept;
        (removedInline[i] ??= []).push({ reason: tail.credit.authors.length > 0 ? 'byline' : 'source-credit', text: tail.removed });
        if (tail.teaser) removedInline[i]!.push({ reason: 'related', text: tail.teaser });
        if (affiliation !== -1 && tail.credit.authors.length > 0) mark(affiliation, 'byline');
      }
      break;
    }
    seen++;
    if (affiliation !== -1 && credit.authors.length > 0) mark(affiliation, 'byline');
    affiliation = -1;
    if (orphan !== -1) {
      sources.unshift(lines[orphan]!.text);
      mark(orphan, 'source-credit');
    }
    orphan = -1;
    authors.unshift(...credit.authors);
    sources.unshift(...credit.sources);
    mark(i, credit.authors.length > 0 ? 'byline' : 'source-credit');
  }
  if (inferMarkup) markNameLines(lines, verdict, rules, authors, sources, captions, nameHeadings, mark);
  if (inferMarkup) markClosingMeta(lines, verdict, mark);

  markRepeats(lines, verdict, mark);

  const paragraphs: string[] = [];
  const removed: Removal[] = [];
  for (let i = 0; i < lines.length; i++) {
    const reason = verdict[i];
    if (reason) {
      const last = removed[removed.length - 1];
      // A footer list is one removal, as it was one block on the page.
      if (reason === 'trailing-block' && last?.reason === 'trailing-block' && verdict[i - 1] === 'trailing-block') last.text += `\n${removedText[i]}`;
      else removed.push({ reason, text: removedText[i]! });
      continue;
    }
    paragraphs.push((keptText[i] ?? lines[i]!.text).replace(INLINE_LINK, (_, bang: string, label: string) => (bang ? '' : label)).trim());
    removed.push(...(removedInline[i] ?? []));
  }
  const kept = paragraphs.filter((p) => p !== '');
  const last = kept.length - 1;
  // `... trên cả nước. , ,`: join commas at the very end join nothing. Elsewhere they stay,
  // as the text between two blocks.
  const end = last >= 0 ? bare(kept[last]!) : '';
  if (last >= 0 && end.length < kept[last]!.length) {
    removed.push({ reason: 'separator', text: kept[last]!.slice(end.length).trim() });
    kept[last] = end;
  }
  // A feed's excerpt repeats the article's first caption: one picture, one caption.
  // By a key, not a search of the list for each: a text of 10,000 captions took 3 s.
  const seenCaptions = new Set<string>();
  const unique = captions.filter((c) => {
    const key = JSON.stringify([c.text, c.credit]);
    if (seenCaptions.has(key)) return false;
    seenCaptions.add(key);
    return true;
  });
  return { paragraphs: kept, captions: unique, authors, sources, category, removed };
}

/** Whether `piece`, the last line, is a headline the crawler glued after the last sentence of the input's last line. */
function gluedTail(input: Line[], piece: string): boolean {
  const whole = input[input.length - 1]!.text.trimEnd();
  return whole.length > piece.length && whole.endsWith(piece) && gluedTailHeadline(whole) === whole.length - piece.length;
}

/** Fewest chrome phrases from the cut on, and the longest end that one phrase alone may take. */
const CHROME_MIN = 2;
const CHROME_DENSE = 4;
const CHROME_END_MAX = 100;
const CHROME_SENTENCE_BACK = 150;
const chromePatterns = new WeakMap<RegExp[], { anywhere: RegExp; atStart: RegExp }>();

/**
 * Splits a site's page chrome (`... Bình luận (0) Tổng biên tập: ...`, a comment widget's
 * messages, the licence and copyright) off the end of the document's last line, into a line
 * of its own; returns that line's index, or -1. The chrome starts at the first phrase that
 * one more follows (or that ends a text that does not end as a sentence) in the second half
 * of the line, or that three more follow after its first quarter, at the start of its
 * sentence; a line that starts with it goes whole when it stands in the document's second
 * half, and, if it ends as a sentence, holds another.
 */
function cutPageChrome(lines: Line[], rules: BoilerplateRules): number {
  const last = lines.length - 1;
  if (last < 0 || rules.pageChrome.length === 0) return -1;
  let chrome = chromePatterns.get(rules.pageChrome);
  if (!chrome) {
    // No match starts inside a number: `\d+/GP-` tried from every digit of a long run would
    // scan the rest of it each time (quadratic; 80,000 digits took 10 s).
    const source = `(?!(?<=\\p{Nd})\\p{Nd})(?:${rules.pageChrome.map((r) => `(?:${r.source})`).join('|')})`;
    chrome = { anywhere: new RegExp(source, 'gu'), atStart: new RegExp(source, 'yu') };
    chromePatterns.set(rules.pageChrome, chrome);
  }
  const text = lines[last]!.text;
  chrome.atStart.lastIndex = 0;
  // A line that reads as a sentence (it ends with a stop) is the article's own unless it holds
  // more of the chrome: `Cơ quan chủ quản của tờ báo là ...` closes a text, a masthead has names.
  const sentence = SENTENCE_END.test(text);
  let whole = last > 0 && last >= lines.length / 2 && chrome.atStart.test(text);
  // Only the last three quarters of the line are searched: a dump's article comes first.
  const at: number[] = [];
  const { anywhere } = chrome;
  anywhere.lastIndex = Math.floor(text.length / 4);
  for (let m = anywhere.exec(text); m; m = anywhere.exec(text)) {
    at.push(m.index);
    if (m[0] === '') anywhere.lastIndex++;
  }
  // In the second half one more phrase will do; a long run of chrome (a short article under a
  // long widget) may start earlier when many follow.
  // One phrase alone that ends the text is chrome only where the text does not end as a sentence
  // (`Copyright © 2024 Báo X`): `... ứng dụng chỉ báo "Đã có lỗi xảy ra".` is the article's.
  const k = at.findIndex(
    (p, j) => (p >= text.length / 2 && (at.length - j >= CHROME_MIN || (!sentence && text.length - p <= CHROME_END_MAX))) || at.length - j >= CHROME_DENSE,
  );
  if (whole && sentence && at.filter((p) => p > 0).length < CHROME_MIN - 1) whole = false;
  if (k === -1 && !whole) return -1;
  let cut = whole ? 0 : at[k]!;
  // The phrase may stand inside its sentence (`Giấy phép ... Số 561/GP-BTTTT`): cut where that sentence starts.
  for (let q = cut - 1; q > 0 && cut - q <= CHROME_SENTENCE_BACK; q--) {
    if (text[q] === ' ' && /[.!?…]/.test(text[q - 1]!)) {
      cut = q + 1;
      break;
    }
  }
  if (cut === 0) return last;
  const kept = text.slice(0, cut).trimEnd();
  lines.splice(last, 1, { text: kept, gapBefore: lines[last]!.gapBefore }, { text: text.slice(cut).trim(), gapBefore: 0 });
  return last + 1;
}

/**
 * Splits lines a crawler glued together: a caption or tag list joined to the text
 * with no line break (`vỡ kính xe Tag : tài xế`, `(ảnh P.Chương) Ông`), sentences run
 * together where a paragraph break was lost (`sinh viên.Theo`) and words run together
 * after a heading or a name (`Trung QuốcNăm 2017`, `AnhTheo truyền thông`). A run of
 * two words is split when the second is a credit word, or the first is capitalised
 * (a heading ends in a name; a link glued in mid-sentence, `vàLiberty One`, does not)
 * and one of them is Vietnamese (it has a diacritic), so `YouTube` and `VinFast` stay whole.
 * Linear in the text: every pattern looks a bounded distance from its match.
 */
export function splitGluedLines(lines: Line[]): Line[] {
  const out: Line[] = [];
  for (const [i, line] of lines.entries()) {
    const cuts = gluePoints(line.text, i === lines.length - 1);
    if (cuts.length === 0) {
      out.push(line);
      continue;
    }
    let from = 0;
    for (const cut of [...cuts, line.text.length]) {
      const piece = line.text.slice(from, cut).trim();
      if (piece !== '') out.push({ text: piece, gapBefore: from === 0 ? line.gapBefore : 0 });
      from = cut;
    }
  }
  return out;
}

// A paragraph break the crawler dropped: a sentence end glued to a capital or an interview
// dash (`sinh viên.Theo`, `với Mỹ.Lệ Thu`, `tháng 2.Theo`, `cung cấp).- Cơ hội`). A word
// ending in lower case, a digit or a closing mark stands before the stop, so `TP.HCM` and
// `ông A.Lê` stay whole; Latin abbreviations (`St.John`) are listed. A straight quote
// glued to a capital opens the next sentence (`sống."Nếu`).
// The pattern starts at the stop, a rare character, and what stands before it is checked
// in code: a pattern that opens with a letter class would test every position of the text.
// Starts only at the first mark of a run: from every dot of `.....` the run was scanned again (quadratic).
const GLUED_SENTENCE = /(?<![.!?…])[.!?…]+(?:[”’)]|"(?!\p{Lu}))*(?=["“]?\p{Lu}|[-–] ?\p{Lu})/gu;
const CLOSING_MARKS = new Set(['"', '”', '’', ')']);
const STOPS = new Set(['.', '!', '?', '…']);
const LATIN_ABBREVIATIONS = new Set(['St', 'Mr', 'Ms', 'Mrs', 'Dr', 'Jr', 'Sr', 'No', 'Co', 'Ltd', 'Inc', 'Corp', 'Prof', 'vs', 'Vol', 'Fig', 'Th', 'Ts', 'Bs', 'Ths']);
// A paragraph break dumped as ` , ` before a capitalised word or a bracket (`người Việt. , Nhân viên`,
// `khác biệt , iCare`, `sau mưa. , (Ảnh: X)`, `. , >> headline`).
const COMMA_JOIN = / ,(?= \p{Ll}?\p{Lu}| [(>»])/gu;
const TAG_LABEL = /\s(?=(?:Tags?|TAGS?|Từ khóa|Từ khoá|Từ Khóa)\s*:)/gu;
const GLUED_PHOTO_CREDIT = /\([Ảả]nh\s*:?\s*[^()]{1,60}\)(?=\s+["“]?\p{Lu})/gu;
// A link or a `more` button glued before the text: `[Xem chi tiết](https://...)Hội nghị`, `more(HDDTVN)`.
const LEADING_LINK = /^\[[^[\]]{0,200}\]\([^\s()]{1,500}\)(?=\S)/u;
const READ_MORE = /^(?:more|Read more|Xem thêm|Đọc tiếp)(?=[\p{Lu}(\d])/u;
const CREDIT_WORDS = new Set(['Theo', 'Nguồn', 'Ảnh', 'Tag', 'Tags', 'Video', 'Clip']);
const NON_ASCII = /[^\x00-\x7f]/;
const UPPER_FIRST = /^\p{Lu}/u;
const LETTER = /\p{L}/u;
const SYLLABLE_MAX = 12;
/** A line this long is a dump of several blocks. */
const DUMP_MIN = 2000;

const NO_CUTS: number[] = [];

function gluePoints(text: string, last: boolean): number[] {
  let cuts: number[] | null = null;
  const cut = (at: number) => (cuts ??= []).push(at);
  // Words run together (`QuốcNăm`, `KhánhGiáo`, `ĐanPTE`): a capital right after a lower-case
  // letter, looked for where a crawler glues blocks: in a dump, and in a document's last line.
  for (let at = 1; (last || text.length >= DUMP_MIN) && at < text.length; at++) {
    if (letterCase(text.charCodeAt(at)) !== UPPER || letterCase(text.charCodeAt(at - 1)) !== LOWER) continue;
    const left = syllableBefore(text, at);
    const right = syllableAfter(text, at);
    if (CREDIT_WORDS.has(right) || (left.length >= 2 && UPPER_FIRST.test(left) && (NON_ASCII.test(left) || NON_ASCII.test(right)))) cut(at);
  }
  GLUED_SENTENCE.lastIndex = 0;
  for (let m = GLUED_SENTENCE.exec(text); m; m = GLUED_SENTENCE.exec(text)) {
    const before = m.index - 1;
    const lowerWordEnd = letterCase(text.charCodeAt(before)) === LOWER && letterCase(text.charCodeAt(before - 1)) !== NONE;
    if (!lowerWordEnd && !DIGIT.test(text[before] ?? '') && !CLOSING_MARKS.has(text[before] ?? '')) continue;
    if (!LATIN_ABBREVIATIONS.has(syllableBefore(text, m.index))) cut(m.index + m[0].length);
  }
  if (text.includes(' , ')) for (const m of text.matchAll(COMMA_JOIN)) cut(m.index + 2);
  const teasers = teaserBlockEnd(text);
  if (teasers > 0 && teasers < text.length) cut(teasers);
  if (last) {
    const tail = gluedTailHeadline(text);
    if (tail > 0) cut(tail);
  }
  const lead = text[0] === '[' ? LEADING_LINK.exec(text) : READ_MORE.exec(text);
  if (lead && lead[0].length < text.length) cut(lead[0].length);
  // Cheap substring tests first: most lines hold no tag label and no bracketed credit.
  if (text.includes(':') && (text.includes('Tag') || text.includes('TAG') || text.includes('Từ'))) for (const m of text.matchAll(TAG_LABEL)) cut(m.index + 1);
  if (text.includes('(') && (text.includes('ảnh') || text.includes('Ảnh'))) {
    for (const m of text.matchAll(GLUED_PHOTO_CREDIT)) {
      cut(m.index + m[0].length);
      // The caption starts after the last sentence before it, when one ends nearby.
      const start = captionStart(text, m.index);
      if (start > 0) cut(start);
    }
  }
  // `... hội nghị ẢNH: NGỌC THẮNG Ông An cho biết`: an upper-case credit ends where words turn mixed-case.
  for (let at = text.indexOf('ẢNH'); at > 0; at = text.indexOf('ẢNH', at + 3)) {
    const end = upperCreditEnd(text, at);
    if (end === -1) continue;
    cut(end);
    const start = captionStart(text, at);
    if (start > 0) cut(start);
  }
  // `... phát biểu - Ảnh: NAM TRẦN Sáng nay ...`, `... hội nghị. Ảnh: T.Bình Phát triển ...`: a labelled
  // photo credit run into the next sentence. Its name is cut where the credit's shape ends.
  for (let colon = text.indexOf(':'); colon !== -1; colon = text.indexOf(':', colon + 1)) {
    const label = photoLabelBefore(text, colon);
    if (label === -1) continue;
    let p = colon + 1;
    while (text[p] === ' ') p++;
    const end = labelledCreditEnd(text, p);
    if (end === -1) continue;
    cut(end);
    const start = captionStart(text, label);
    if (start > 0) cut(start);
  }
  if (cuts === null) return NO_CUTS;
  const sorted = (cuts as number[]).sort((a, b) => a - b);
  return sorted.filter((at, k) => k === 0 || at !== sorted[k - 1]);
}

// `TIN MỚIĂn nhiều ...`: an upper-case label glued to the first of the headlines it lists.
// Two words or more: `DP3 đặt ...` opens with a ticker, not a label.
const GLUED_LABEL = /^\p{Lu}{2,}(?: \p{Lu}{2,}){1,3}(?=\p{Lu}\p{Ll}|\d)/u;
const GLUED_HEADLINE_MAX = 250;
const GLUED_HEADLINE_WORDS = 5;
const TAIL_HEADLINE_WORDS = 8;
const CREDIT_IN_TAIL = /\((?:[Tt]heo|[Nn]guồn)\b|^(?:Theo|Nguồn)\s/u;
// A sentence inside a piece: a stop, then a space and a capital.
const INNER_SENTENCE = /[.!?…]["”’)]*\s+["“]?\p{Lu}/u;

/** Whether a piece of a dump has a headline's shape: capitalised words, no sentence in it, no stop at its end. */
function isGluedHeadline(piece: string): boolean {
  return (
    piece.length <= GLUED_HEADLINE_MAX &&
    piece.split(' ').length >= GLUED_HEADLINE_WORDS &&
    /^["“]?[\p{Lu}\d]/u.test(piece) &&
    !/[.,;:…]\s*$/u.test(piece) &&
    !INNER_SENTENCE.test(piece)
  );
}

/**
 * Where the next headline of a glued list starts after `from`: a capital right after a
 * lower-case word (`mọi nhàHỏng thận`), a closing quote or a question mark, with no space.
 * A capitalised word before it is a name (`VinFast`), not a join.
 */
function nextGlue(text: string, from: number): number {
  for (let q = from + 1; q < text.length; q++) {
    if (letterCase(text.charCodeAt(q)) !== UPPER) continue;
    const before = text[q - 1]!;
    if (letterCase(text.charCodeAt(q - 1)) === LOWER) {
      const word = syllableBefore(text, q);
      if (word.length >= 2 && !UPPER_FIRST.test(word)) return q;
    } else if (before === '"' || before === '”' || before === '?' || before === '!') return q;
  }
  return text.length;
}

/**
 * The end of a list of other articles' headlines that a dump glued under an upper-case
 * label (`TIN MỚI`, `ĐỌC NHIỀU`) at the start of a line, up to the first piece that holds a
 * sentence (the article); -1 when the label lists no headline.
 */
function teaserBlockEnd(text: string): number {
  if (letterCase(text.charCodeAt(0)) !== UPPER || letterCase(text.charCodeAt(1)) !== UPPER) return -1;
  const label = GLUED_LABEL.exec(text);
  if (!label) return -1;
  let at = label[0].length;
  let headlines = 0;
  while (at < text.length) {
    const next = nextGlue(text, at);
    if (!isGluedHeadline(text.slice(at, next))) break;
    headlines++;
    at = next;
  }
  return headlines > 0 ? at : -1;
}

/**
 * Where another article's headline glued after the last sentence of a dump starts
 * (`... "trồng cỏ".1 bệnh viện công ... phục vụ bệnh nhân`): no space after the stop, and the
 * rest has a headline's shape. -1 when the line ends otherwise.
 */
function gluedTailHeadline(text: string): number {
  // Most lines end with a stop: a headline does not.
  if (/[.,;:!?…]["”’)]*$/u.test(text)) return -1;
  const from = Math.max(0, text.length - GLUED_HEADLINE_MAX - 2);
  for (let q = text.length - 1; q > from; q--) {
    const stopped = STOPS.has(text[q - 1]!);
    if (!stopped && !(CLOSING_MARKS.has(text[q - 1]!) && STOPS.has(text[q - 2] ?? ''))) continue;
    if (text[q] === ' ' || text[q] === '\t') return -1;
    // The stop ends a word in lower case, a number or a quote: `TP.HCM` and `ông A.Lê` are one word.
    const stop = stopped ? q - 1 : q - 2;
    const before = text[stop - 1] ?? '';
    if (!(letterCase(text.charCodeAt(stop - 1)) === LOWER && letterCase(text.charCodeAt(stop - 2)) !== NONE) && !DIGIT.test(before) && !CLOSING_MARKS.has(before)) return -1;
    const tail = text.slice(q);
    // A teaser's headline is long; a name with its outlet (`Bình Minh (Theo Kyodo News)`) is a byline.
    return tail.split(' ').length >= TAIL_HEADLINE_WORDS && !CREDIT_IN_TAIL.test(tail) && isGluedHeadline(tail) ? q : -1;
  }
  return -1;
}

const PHONE = /\d{4}[ .]?\d{3}/;

/**
 * A call to action points somewhere: `tại đây`, a link, a hotline, a fanpage, a contact,
 * a phone number. Sentences without a pointer (most) are not tested against the rules.
 * Substring tests: far cheaper than one pattern of alternatives.
 */
function hasPointer(text: string): boolean {
  return (
    // `tại đây` and `Tại đây` in one scan, `TẠI ĐÂY` in another.
    text.includes('ại đây') ||
    text.includes('ĐÂY') ||
    text.includes('@') ||
    text.includes('http') ||
    text.includes('www.') ||
    text.includes('otline') ||
    text.includes('anpage') ||
    text.includes('liên hệ') ||
    PHONE.test(text)
  );
}

const NONE = 0;
const LOWER = 1;
const UPPER = 2;
// Case of the code points below U+2000 (Latin with every Vietnamese letter), looked up
// rather than matched: a Unicode class tested at every position is slow.
const CASE_TABLE = (() => {
  const table = new Uint8Array(0x2000);
  for (let c = 0; c < table.length; c++) {
    const ch = String.fromCharCode(c);
    // A letter without case (a modifier) counts as lower case: it goes on a word.
    table[c] = /\p{Lu}/u.test(ch) ? UPPER : /\p{L}/u.test(ch) ? LOWER : NONE;
  }
  return table;
})();
const DIGIT = /\d/;

function letterCase(code: number): number {
  return code < CASE_TABLE.length ? CASE_TABLE[code]! : NONE;
}

function syllableBefore(text: string, at: number): string {
  let i = at;
  while (i > 0 && at - i < SYLLABLE_MAX && LETTER.test(text[i - 1]!)) i--;
  return text.slice(i, at);
}

function syllableAfter(text: string, at: number): string {
  let i = at;
  while (i < text.length && i - at < SYLLABLE_MAX && LETTER.test(text[i]!)) i++;
  return text.slice(at, i);
}

const CAPTION_LOOKBACK = 200;
const CREDIT_WORDS_MAX = 6;
const CREDIT_WORD_MAX = 20;

/**
 * Where an upper-case credit (`ẢNH: NGỌC THẮNG`, `ẢNH CHỤP MÀN HÌNH`) at `at` ends when
 * a sentence in mixed case follows it on the same line, or -1. At most a few short words.
 */
function upperCreditEnd(text: string, at: number): number {
  // The caption before it is in mixed case: `TÁC ĐỘNG ẢNH HƯỞNG` is an upper-case heading.
  if (text[at - 1] !== ' ' || !/\p{Ll}[.!?…"”)]?$/u.test(text.slice(Math.max(0, at - 3), at - 1))) return -1;
  let p = at + 3;
  while (text[p] === ' ' || text[p] === ':') p++;
  for (let words = 0; p < text.length && words <= CREDIT_WORDS_MAX; words++) {
    let end = text.indexOf(' ', p);
    if (end === -1 || end - p > CREDIT_WORD_MAX) return -1;
    const word = text.slice(p, end);
    if (/\p{Ll}/u.test(word)) return words > 0 && /^["“]?\p{Lu}/u.test(word) ? p : -1;
    while (text[end] === ' ') end++;
    p = end;
  }
  return -1;
}

// Photo-credit labels (`- Ảnh:`, `. Ảnh:`, `Nguồn ảnh :`), looked for before each colon: a pattern
// tried at every position of a long dump costs more than the colons do.
const PHOTO_LABELS = ['Nguồn ảnh', 'Hình ảnh', 'Ảnh', 'Hình', 'Đồ họa', 'Đồ hoạ'];

/** Where the photo-credit label that ends at the colon `colon` (one space allowed) starts, after a space or at the line's start; or -1. */
function photoLabelBefore(text: string, colon: number): number {
  const end = text[colon - 1] === ' ' ? colon - 1 : colon;
  for (const label of PHOTO_LABELS) {
    const start = end - label.length;
    if (start >= 0 && text.startsWith(label, start) && (start === 0 || /\s/.test(text[start - 1]!))) return start;
  }
  return -1;
}
// An initial and a name (`T.Bình`, `N.Huế`): a photographer's credit whole in one word.
const INITIAL_NAME = /^\p{Lu}\.\p{Lu}\p{Ll}+$/u;
const SLASHED_CREDIT = /^\p{Lu}[\p{L}.]*\/\p{Lu}[\p{L}.]*$/u;

/**
 * Where a labelled credit that starts at `p` ends when a sentence follows it on the same
 * line, or -1: an initial and a name (`T.Bình`), capitalised words closed by a slashed
 * pair (`Nguyễn Huế/VnExpress`), or a few upper-case words (`NAM TRẦN`, `NVCC`, `AFP/TTXVN`),
 * then a capitalised word. A mixed-case name
 * (`Ảnh: Nguyễn Huế Ông An cho biết`) has no shape that tells where it ends: left whole.
 */
function labelledCreditEnd(text: string, p: number): number {
  const first = wordAt(text, p);
  if (first === null) return -1;
  const sentenceAt = (q: number) => {
    const next = wordAt(text, q);
    return next !== null && /^["“]?\p{Lu}/u.test(next.word) ? q : -1;
  };
  if (INITIAL_NAME.test(first.word)) return sentenceAt(first.next);
  // `Ảnh: Nguyễn Huế/VnExpress`, `Ảnh: Reuters/AFP`: capitalised words closed by a name/outlet pair.
  let word: { word: string; next: number } | null = first;
  for (let words = 0; word !== null && words <= CREDIT_WORDS_MAX && /^\p{Lu}/u.test(word.word); words++) {
    if (SLASHED_CREDIT.test(word.word)) return sentenceAt(word.next);
    word = wordAt(text, word.next);
  }
  let at: { word: string; next: number } | null = first;
  for (let words = 0; at !== null && words <= CREDIT_WORDS_MAX; words++) {
    if (/\p{Ll}/u.test(at.word)) return words > 0 && /^["“]?\p{Lu}\p{Ll}/u.test(at.word) ? p : -1;
    if (!/\p{Lu}/u.test(at.word)) return -1;
    p = at.next;
    at = wordAt(text, p);
  }
  return -1;
}

/** The word at `p` (up to the next space, at most CREDIT_WORD_MAX long) and where the word after it starts. */
function wordAt(text: string, p: number): { word: string; next: number } | null {
  let end = text.indexOf(' ', p);
  if (end === -1 || end === p || end - p > CREDIT_WORD_MAX) return null;
  const word = text.slice(p, end);
  while (text[end] === ' ') end++;
  return { word, next: end };
}

function captionStart(text: string, credit: number): number {
  for (let i = credit - 2; i > 0 && credit - i < CAPTION_LOOKBACK; i--) {
    if (text[i] !== ' ' || !/[.!?…]/.test(text[i - 1]!)) continue;
    // A dump's join comma after the stop (`trước. , Lực lượng`) belongs to neither side.
    let start = i + 1;
    while (start < credit && (text[start] === ',' || text[start] === ' ')) start++;
    return start;
  }
  return 0;
}

/**
 * Removes each related-article block: a heading such as `Tin liên quan` or `Xem
 * thêm:` and the headlines and teasers after it, up to the next body paragraph (a
 * long line that ends like a sentence), so a heading in mid-article never takes the
 * text after it. A heading on the first line is the article's own.
 */
function markRelatedBlocks(lines: Line[], rules: BoilerplateRules, mark: (i: number, r: RemovalReason) => void): void {
  for (let i = 1; i < lines.length; i++) {
    if (!matchesAny(rules.trailingBlocks, bare(lines[i]!.text))) continue;
    let end = i + 1;
    while (end < lines.length && (!isBodyParagraph(lines[end]!.text) || matchesAny(rules.markers, lines[end]!.text))) end++;
    const reason = end === lines.length ? 'trailing-block' : 'related';
    for (let j = i; j < end; j++) mark(j, reason);
    i = end - 1;
  }
}

/** Fewest headlines in a row that make a list of other articles without a heading over it. */
const HEADLINE_RUN_MIN = 3;
const HEADLINE_MIN_WORDS = 5;

/**
 * A list of other articles that lost its heading (`TIN LIÊN QUAN`) in the dump: three
 * or more headline-shaped lines in a row (capitalised, five words or more, no final
 * punctuation). A subheading stands alone over its paragraph, so it never makes a run;
 * the items of a list in the text (`Nợ TK 241 – ...`, `Nợ TK 622 – ...`) open alike, headlines do not.
 */
function markHeadlineRuns(lines: Line[], verdict: (RemovalReason | null)[], rules: BoilerplateRules, mark: (i: number, r: RemovalReason) => void): void {
  const headline = (i: number) => {
    const text = bare(lines[i]!.text);
    return !verdict[i] && !MARKDOWN_BLOCK.test(text) && isHeadline(rules, text) && text.split(' ').length >= HEADLINE_MIN_WORDS && /\p{Ll}/u.test(text);
  };
  for (let i = 1; i < lines.length; i++) {
    let end = i;
    while (end < lines.length && headline(end)) end++;
    if (end - i >= HEADLINE_RUN_MIN && !opensAlike(lines.slice(i, end))) for (let j = i; j < end; j++) mark(j, 'related');
    i = end;
  }
}

const TAGS_MIN = 4;
const TAG_WORDS_MAX = 6;
const META_LINE_MAX = 40;
const META_WORDS_MAX = 4;

/**
 * A page's tag list printed as one line (`Tổ chức lao động quốc tế,Thất nghiệp,Thanh
 * niên,...`): four or more short capitalised phrases joined by commas, most without a space
 * (a crawler's join, not a writer's), and no sentence.
 */
function isTagList(text: string): boolean {
  if (/[.!?…:;]$/.test(text)) return false;
  const items = text.split(',');
  if (items.length < TAGS_MIN) return false;
  const bare = (text.match(/,(?=\S)/g) ?? []).length;
  return bare * 2 >= items.length - 1 && items.every((t) => /^\s?\p{Lu}/u.test(t) && t.trim().split(' ').length <= TAG_WORDS_MAX);
}

/**
 * The page's own lines under the article: a tag list, and the short lines (a section name,
 * `Kinh tế`) among it and the date or marker lines removed at the end of the document.
 * Read upwards from the end while every line is removed, a tag list or such a short line;
 * the short lines go only when the zone holds a removed date, marker or tag list.
 */
function markClosingMeta(lines: Line[], verdict: (RemovalReason | null)[], mark: (i: number, r: RemovalReason) => void): void {
  const short: number[] = [];
  let anchored = false;
  for (let i = lines.length - 1; i >= Math.floor(lines.length / 2) && i > 0; i--) {
    const text = lines[i]!.text;
    if (verdict[i]) {
      anchored ||= verdict[i] === 'marker';
      continue;
    }
    if (isTagList(text)) {
      mark(i, 'marker');
      anchored = true;
    } else if (text.length <= META_LINE_MAX && text.split(' ').length <= META_WORDS_MAX && !/[.!?…:;,]$/.test(text)) short.push(i);
    else break;
  }
  if (anchored) for (const i of short) mark(i, 'marker');
}

/** Least share of a text's lines set apart by a blank line for it to space its paragraphs so. */
const SPACED_SHARE = 0.8;
const CLOSING_RUN_MIN = 2;
const CLOSING_SENTENCES_MAX = 2;

/**
 * Other articles' leads set as a block of their own under a text that spaces its
 * paragraphs with blank lines (nploi-vnexpress): the lines that close the document after a
 * gap wider than any above them, with no blank line between them, each a sentence or two
 * of a lead's length and no list item. The layout changes where the page's text ends.
 */
function markClosingRun(lines: Line[], verdict: (RemovalReason | null)[], mark: (i: number, r: RemovalReason) => void): void {
  let start = lines.length - 1;
  while (start > 0 && lines[start]!.gapBefore === 0) start--;
  const run = lines.slice(start);
  if (start < 3 || run.length < CLOSING_RUN_MIN) return;
  // A loop, not Math.max(...): a text of many lines would overflow the call's arguments.
  let widest = 0;
  let spaced = 0;
  for (let i = 1; i < start; i++) {
    widest = Math.max(widest, lines[i]!.gapBefore);
    if (lines[i]!.gapBefore > 0) spaced++;
  }
  if (lines[start]!.gapBefore <= widest || spaced < (start - 1) * SPACED_SHARE) return;
  const lead = (l: Line) =>
    l.text.length <= TEASER_MAX && /^["“]?\p{Lu}/u.test(l.text) && SENTENCE_END.test(l.text) && splitSentences(l.text).length <= CLOSING_SENTENCES_MAX;
  if (!run.every(lead)) return;
  for (let i = start; i < lines.length; i++) if (!verdict[i]) mark(i, 'related');
}

/** Whether half the lines or more open with the same word: the items of one list. */
function opensAlike(run: Line[]): boolean {
  const counts = new Map<string, number>();
  for (const { text } of run) {
    const first = text.slice(0, text.indexOf(' '));
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  return Math.max(...counts.values()) * 2 >= run.length;
}

/**
 * Article text, not a list item: a sentence that ends with a period, or a long one ending
 * with `?` or `!` (a headline may ask), and not a teaser (cut with an ellipsis, or opening
 * with a capitalised place).
 */
function isBodyParagraph(text: string): boolean {
  if (ELLIPSIS_END.test(text) || CAPS_DATELINE.test(text)) return false;
  return (text.length >= PERIOD_BODY_MIN && PERIOD_END.test(text)) || (text.length >= BODY_MIN && SENTENCE_END.test(text));
}

function isHeadline(rules: BoilerplateRules, text: string): boolean {
  return text.length <= rules.captionMaxLength && !ENDS_SENTENCE.test(text) && /^["“]?\p{Lu}/u.test(text);
}

/**
 * Whether the lead under the headline at `i` is another article's: cut with an ellipsis
 * or opening with a capitalised place, when gaps set both apart. A dump that joins
 * blocks with ` , ` keeps no gaps; there only the place (`TRUNG QUỐC - Có bằng ...`)
 * tells a teaser from a subheading over a paragraph that ends in `...`.
 */
function isRelatedItem(lines: Line[], i: number, gapped: boolean, joined: boolean): boolean {
  const lead = bare(lines[i + 1]?.text ?? '');
  if (gapped) return isTeaserLead(lead);
  return joined && lead.length <= TEASER_MAX && CAPS_DATELINE.test(lead);
}

/** The short lead of another article: cut with an ellipsis, or opening with a capitalised place and a dash. */
function isTeaserLead(text: string): boolean {
  return text.length <= TEASER_MAX && (ELLIPSIS_END.test(text) || CAPS_DATELINE.test(text));
}

/** A line without the ` , ,` a dump joined its blocks with (a scan from the end, no pattern). */
function bare(text: string): string {
  if (!text.endsWith(',')) return text;
  let end = text.length;
  while (end > 0 && (text[end - 1] === ',' || text[end - 1] === ' ')) end--;
  // A comma glued to a word ends a clause, not a block: `Tương tự,` stays as it is.
  return end < text.length - 1 && text[end] === ' ' ? text.slice(0, end) : text;
}

function creditedCaption(rules: BoilerplateRules, text: string): Caption | null {
  if (text.length > rules.captionMaxLength * 1.5) return null;
  const m = firstMatch(rules.creditedCaptions, text);
  if (!m?.groups?.credit) return null;
  // `... 10/2020. Ảnh: T.Bình`: the stop before the credit ends the caption.
  const end = /^[.!?…"”]/.test(m[0]) ? m.index + 1 : m.index;
  // `(Ảnh: )`: the name was a link whose text the crawler lost.
  return { text: text.slice(0, end).trim(), credit: m.groups.credit.trim() || null };
}

/**
 * A short line that stands alone and describes a picture: after a double gap (where
 * the scrape lost an image) with no closing punctuation, or matching a caption cue
 * ("Quang cảnh ...", "Ảnh minh họa"). A picture is described in words: a time, a
 * button or a two-word fragment is not a caption.
 */
function standaloneCaption(rules: BoilerplateRules, text: string, gapBefore: number, gapAfter: number): Caption | null {
  if (text.length > rules.captionMaxLength || MARKDOWN_BLOCK.test(text)) return null;
  const cue = firstMatch(rules.captionCues, text);
  // `Đại biểu Quốc hội Lê Thanh Vân đã dành cho ... Đại hội Đảng XIII.`: a long sentence that
  // ends with a stop states something; a picture is described in fewer words.
  if (cue && !(SENTENCE_END.test(text) && text.split(' ').length >= CAPTION_STATEMENT_WORDS)) {
    // `Nhà máy ... GMP EU. hình minh họa ,`: a cue that closes the line is not the caption's text;
    // nor is a credit label whose name the crawler lost (`... Ảnh:`), even standing alone.
    const closing = cue.index + cue[0].length === text.length && (cue.index > 0 || EMPTY_CREDIT.test(cue[0]));
    const end = closing && /^[.!?…]/.test(cue[0]) ? cue.index + 1 : cue.index;
    return { text: closing ? text.slice(0, end).trim() : text, credit: null };
  }
  // Under a wide gap and over a blank line: a line right over its paragraph is that paragraph's heading
  // (`Những chiếc ly pha lê mang niềm tự hào châu Á` over `Châu Á vốn ...`, binhbinh22-cafef 004).
  const imageGap = gapBefore >= 2 && gapAfter > 0 && !ENDS_SENTENCE.test(text) && !/https?:|www\./.test(text);
  if (!imageGap || !/\p{Ll}/u.test(text) || text.split(' ').length < CAPTION_MIN_WORDS) return null;
  return { text, credit: null };
}

/** Fewest long paragraphs set without a blank line above that tell a text sets its paragraphs so, and their least share. */
const RUN_PARAGRAPHS_MIN = 2;
const RUN_PARAGRAPHS_SHARE = 0.5;
const GAP_CAPTION_SENTENCES = 2;
/** Fewest sentences under blank lines that make a text's blank lines its lost pictures. */
const GAP_CAPTIONS_MIN = 2;

/**
 * Whether the text sets its paragraphs without a blank line above them (half of its long
 * ones or more, longer than a caption is taken) and still has blank lines: those stand where the crawler
 * dropped a picture (ducc8201-24h). A text that spaces its paragraphs with blank lines says
 * nothing by a blank line.
 */
function runsParagraphs(lines: Line[], rules: BoilerplateRules): boolean {
  if (!lines.some((l, i) => i > 0 && l.gapBefore > 0)) return false;
  let runs = 0;
  let spaced = 0;
  let gaps = 0;
  for (let i = 1; i < lines.length; i++) {
    const { text, gapBefore } = lines[i]!;
    if (gapBefore > 0) gaps++;
    if (text.length <= rules.captionMaxLength || !isBodyParagraph(text)) continue;
    if (gapBefore === 0) runs++;
    else spaced++;
  }
  return gaps > 0 && runs >= RUN_PARAGRAPHS_MIN && runs >= (runs + spaced) * RUN_PARAGRAPHS_SHARE;
}

/**
 * The line under a lost picture in a text that sets its paragraphs without blank lines:
 * the picture's caption when it is as short as one (a sentence or two of words), whether or
 * not it ends with a stop. Not a credit, a link or a list item.
 */
function gapCaption(rules: BoilerplateRules, text: string): Caption | null {
  // A line without a stop under a blank line is as likely a subheading: only sentences are taken.
  // A line in quotation marks is a quotation (a book's motto, nlplabtdtu-doanhnhansaigon 008), not a description.
  if (text.length > rules.captionMaxLength || !SENTENCE_END.test(text) || MARKDOWN_BLOCK.test(text) || !/^\(?\p{Lu}/u.test(text)) return null;
  if (text.split(' ').length < CAPTION_MIN_WORDS || /https?:|www\./.test(text)) return null;
  if (splitSentences(text).length > GAP_CAPTION_SENTENCES) return null;
  return { text, credit: null };
}

/** Characters of a line's opening that, found in another line, make it a quote of that line. */
const QUOTE_OPENING = 50;

/**
 * The lines under a blank line (of a quote's length) that another line of the text holds,
 * or holds their opening (a pull quote cuts the sentence it repeats). One pass over the text
 * per opening length, with a rolling hash, not a search of every line for each: a text of
 * 20,000 such lines took 29 s that way.
 */
function quotingLines(lines: Line[]): Set<number> {
  const found = new Set<number>();
  const byLength = new Map<number, number[]>();
  for (let i = 0; i < lines.length; i++) {
    const { text, gapBefore } = lines[i]!;
    if (gapBefore === 0 || text.length < DUPLICATE_MIN) continue;
    const length = Math.min(text.length - 1, QUOTE_OPENING);
    const group = byLength.get(length);
    if (group) group.push(i);
    else byLength.set(length, [i]);
  }
  if (byLength.size === 0) return found;
  // Lines joined by a character no opening holds: no match runs across two lines.
  const text = lines.map((l) => l.text).join('\n');
  const starts: number[] = [];
  for (let i = 0, at = 0; i < lines.length; at += lines[i]!.text.length + 1, i++) starts.push(at);
  const BASE = 0x9e3779b1;
  const hash = (s: string, from: number, to: number) => {
    let h = 0;
    for (let q = from; q < to; q++) h = (Math.imul(h, BASE) + s.charCodeAt(q)) | 0;
    return h;
  };
  for (const [length, group] of byLength) {
    // The lines whose opening is still looked for, by its hash.
    const pending = new Map<number, number[]>();
    for (const i of group) {
      const h = hash(lines[i]!.text, 0, length);
      const same = pending.get(h);
      if (same) same.push(i);
      else pending.set(h, [i]);
    }
    let top = 1;
    for (let k = 1; k < length; k++) top = Math.imul(top, BASE);
    let h = hash(text, 0, Math.min(length, text.length));
    let line = 0;
    for (let p = 0; p + length <= text.length && pending.size > 0; p++) {
      if (p > 0) h = (Math.imul((h - Math.imul(text.charCodeAt(p - 1), top)) | 0, BASE) + text.charCodeAt(p + length - 1)) | 0;
      const waiting = pending.get(h);
      if (!waiting) continue;
      while (line + 1 < starts.length && starts[line + 1]! <= p) line++;
      const window = text.slice(p, p + length);
      // Found in another line: those lines are quotes; the line it stands in waits for another.
      const left: number[] = [];
      for (const i of waiting) {
        if (i !== line && lines[i]!.text.startsWith(window)) found.add(i);
        else left.push(i);
      }
      if (left.length > 0) pending.set(h, left);
      else pending.delete(h);
    }
  }
  return found;
}

/** Whether the line above `i` (if any) is a sentence, not a table cell, a heading or the lead: a caption stands between paragraphs. */
function afterParagraph(lines: Line[], i: number): boolean {
  // Many pages set their lead apart by a blank line: the line under it opens the text.
  if (i === 1) return false;
  const above = lines[i - 1];
  return above === undefined || (above.text.length >= PERIOD_BODY_MIN && SENTENCE_END.test(above.text));
}

/** Fewest slides, and their least share of a text's paragraphs, that make it a photo story. */
const SLIDES_MIN = 3;
const SLIDE_TAIL = 120;
const LONG_SLIDES_MIN = 2;
const SLIDES_SHARE = 0.5;

/**
 * A slide and the credit that closes it (`... xiêu lòng. Ảnh: pixabay.`), or null: its text
 * is a sentence of words that ends with a stop (a caption is a phrase).
 */
function slideCredit(rules: BoilerplateRules, text: string): { kept: string; credit: string } | null {
  if (text.length < PERIOD_BODY_MIN) return null;
  // The credit is a short last sentence: only the line's end is looked at (a dump may be long).
  const from = text.length - SLIDE_TAIL;
  if (!(text.lastIndexOf('Ảnh') >= from || text.lastIndexOf('ẢNH') >= from || text.lastIndexOf('Photo') >= from)) return null;
  const sentences = splitSentences(text.slice(-SLIDE_TAIL));
  const last = sentences[sentences.length - 1]!;
  let kept: string | null = null;
  if (sentences.length > 1 && CREDIT_SENTENCE.test(last)) kept = text.slice(0, text.length - last.length).trim();
  else kept = creditedCaption(rules, text)?.text ?? null;
  if (kept === null || kept.length < PERIOD_BODY_MIN || !SENTENCE_END.test(kept)) return null;
  return { kept, credit: text.slice(kept.length).trim() };
}

/**
 * Whether the text is a photo story: most of its paragraphs are sentences that end with a
 * photo credit (`... xiêu lòng. Ảnh: pixabay.`), or two of them or more hold several
 * sentences before their credit (`... a night. Photo courtesy of Agoda.`). Each is a slide,
 * the picture's own text, and stays; in an article a credited caption is the odd line under
 * a picture and goes.
 */
function isPhotoStory(lines: Line[], rules: BoilerplateRules): boolean {
  let slides = 0;
  let long = 0;
  let paragraphs = 0;
  for (const { text } of lines) {
    if (text.length < PERIOD_BODY_MIN) continue;
    const slide = slideCredit(rules, text);
    if (slide) {
      slides++;
      // Two sentences or more before the credit: a caption is a phrase or a sentence, this is a slide.
      if (INNER_SENTENCE.test(slide.kept)) long++;
    } else if (SENTENCE_END.test(text)) paragraphs++;
  }
  return (slides >= SLIDES_MIN && slides >= (slides + paragraphs) * SLIDES_SHARE) || long >= LONG_SLIDES_MIN;
}

/**
 * A bulleted line that is no list (no bullet above or below it), ends without a stop and
 * stands over a wide gap: the title of an embedded video or picture that was lost.
 */
function isLoneBullet(lines: Line[], i: number, rules: BoilerplateRules): boolean {
  const text = lines[i]!.text;
  const below = lines[i + 1];
  // A title may close with a quote (`... "Cô Ba Sài Gòn"`), not with a stop.
  if (text.length > rules.captionMaxLength || /[.!?…:;,]["”’)]*$/u.test(text) || !/^\* ["“]?\p{Lu}/u.test(text)) return false;
  if (lines[i - 1]?.text.startsWith('* ') || below?.text.startsWith('* ')) return false;
  return below === undefined || below.gapBefore >= 2;
}

/**
 * Whether the text has a subheading: a line with a caption's shape (words, no closing
 * punctuation) standing over a body paragraph with no wide gap above it.
 */
function hasSubheadings(lines: Line[], rules: BoilerplateRules): boolean {
  for (let i = 1; i < lines.length - 1; i++) {
    const { text, gapBefore } = lines[i]!;
    if (gapBefore >= 2 || !isHeadline(rules, text) || !/\p{Ll}/u.test(text) || text.split(' ').length < CAPTION_MIN_WORDS) continue;
    if (isBodyParagraph(lines[i + 1]!.text)) return true;
  }
  return false;
}

/** Whether an image line's alt text or title holds the start of `caption`. */
function altHolds(image: string, caption: string): boolean {
  const start = caption.slice(0, TEASER_MIN).toLowerCase();
  return start.length >= 10 && image.toLowerCase().includes(start);
}

/** One short sentence of words (not markdown structure, not two sentences): what a picture's caption is. */
function isImageCaption(rules: BoilerplateRules, text: string): boolean {
  return (
    text.length <= IMAGE_CAPTION_MAX &&
    text.length <= rules.captionMaxLength &&
    !MARKDOWN_BLOCK.test(text) &&
    !MARKDOWN_IMAGE.test(text) &&
    /\p{Ll}/u.test(text) &&
    !/[.!?…]["”’)]*\s+["“(]?\p{Lu}/u.test(text)
  );
}

interface Credit {
  authors: string[];
  sources: string[];
}

/**
 * The credit a line at the end of an article gives: a byline (`Tin, ảnh: T.PHƯƠNG –
 * K.NY`, `Mạnh Tùng - Thu Hương`), a source (`Theo CNBC`, `Nguồn: Báo Thanh Niên`), or
 * both (`Bảo Lâm (theo SCMP)`, `Theo MỘC LAN (VTC News)`). Outlet names are sources
 * wherever they stand.
 */
function readCredit(rules: BoilerplateRules, line: string): Credit | null {
  if (line.length > 2 * NAME_MAX + 40) return null;
  // A person is named without titles (`Thạc sĩ, bác sĩ Kiều Xuân Thy` -> `Kiều Xuân Thy`).
  const text = unemphasized(line).replace(PROFESSIONAL_TITLES, '');
  const credit: Credit = { authors: [], sources: [] };
  const add = (names: string) => {
    for (const name of names.split(NAME_SEPARATOR).map((n) => n.trim()).filter(Boolean)) {
      if (isOutlet(rules, name)) credit.sources.push(name);
      else credit.authors.push(name);
    }
  };
  const source = firstMatch(rules.sourceCredits, text);
  if (source?.groups?.source) {
    const author = source.groups.author?.trim();
    const named = source.groups.source.trim();
    if (author) {
      if (!isPersonName(rules, author) && !isOutlet(rules, author)) return null;
      add(author);
    }
    // `Theo Ngọc Anh`: a person's name after `Theo` is the author's; `Theo Trần Thủy
    // VietnamNet`: a name, then the outlet.
    const split = author ? null : personThenOutlet(rules, named);
    if (!author && isPersonName(rules, named)) credit.authors.push(named);
    else if (split) {
      credit.authors.push(split.person);
      credit.sources.push(split.outlet);
    } else credit.sources.push(...named.split(/\s*,\s*/).filter(Boolean));
    return credit;
  }
  const byline = firstMatch(rules.bylines, text);
  if (byline?.groups?.author) {
    add(byline.groups.author);
    return credit;
  }
  if (text.length > NAME_MAX * 2) return null;
  const names = text.split(NAME_SEPARATOR).map((n) => n.trim());
  if (isNameList(names) || names.every((n) => isOutlet(rules, n) || isPersonName(rules, n))) {
    add(text);
    return credit;
  }
  return null;
}

/** A credit cut from the end of a line: what stays, what goes, what it names, and a teaser glued after it. */
interface TailCredit {
  kept: string;
  removed: string;
  credit: Credit;
  teaser?: string;
}

/** Longest end of a line after its last sentence that can be a credit. */
const TAIL_MAX = 120;
// `... Việt Nam VIRAC PV`: the reporter's tag glued to the last sentence names no one.
const REPORTER_TAIL = /\s\(?(?:PV|CTV|BTV|Nhóm PV|Nhóm phóng viên|Phóng viên)\)?\.?$/u;

/** A credit glued after the last sentence of a line (`bà nói. Thu Thảo (Theo Interesting Engineering)`). */
function trailingCredit(rules: BoilerplateRules, text: string): TailCredit | null {
  const reporter = REPORTER_TAIL.exec(text);
  if (reporter && reporter.index > 0) {
    return { kept: text.slice(0, reporter.index), removed: reporter[0].trim(), credit: { authors: [], sources: [] } };
  }
  // A credit is short; a teaser headline may follow it.
  for (let p = text.length - 2; p > 0 && text.length - p <= TAIL_MAX + TEASER_MAX; p--) {
    if (text[p] !== ' ' || !/[.!?…"”’]/.test(text[p - 1]!)) continue;
    const tail = text.slice(p + 1);
    const credit = readCredit(rules, tail);
    if (credit) return { kept: text.slice(0, p), removed: tail, credit };
    const teased = CREDIT_THEN_TEASER.exec(tail);
    if (!teased || !isOutletWord(rules, teased[2]!) || !isTeaserHeadline(rules, teased[3]!) || teased[3]!.split(' ').length < TEASER_WORDS_MIN) return null;
    return { kept: text.slice(0, p), removed: teased[1]!, credit: { authors: [], sources: [teased[2]!] }, teaser: teased[3]! };
  }
  return null;
}

// `... bình luận. Theo: BI Đây là 3 siêu phẩm Apple ...?`: a labelled credit of one outlet word, then another
// article's headline the page printed under it (binhbinh22-cafef, whose blocks lost their breaks).
const CREDIT_THEN_TEASER = /^((?:Theo|Nguồn|Tham khảo)\s*:\s*(\S+))\s+(\p{Lu}.*)$/u;
const TEASER_WORDS_MIN = 5;

/** One word that names an outlet: an acronym (`BI`), a brand that is no Vietnamese syllable (`Autostation`). */
function isOutletWord(rules: BoilerplateRules, word: string): boolean {
  return isOutlet(rules, word) || (/^\p{Lu}/u.test(word) && word.length >= 4 && !isSyllable(word));
}

/** Shortest text whose lack of stops and commas says the crawler stripped them. */
const UNPUNCTUATED_MIN = 400;
/** Most stops, commas, colons and semicolons per character of such a text (a decimal or a time may stay). */
const UNPUNCTUATED_SHARE = 0.002;

/**
 * A text whose crawler replaced every stop, comma and colon with a space (one line, `... khán
 * giả Minh Thư`): the byline is glued after the last word of the text with nothing between.
 */
function isUnpunctuated(lines: Line[]): boolean {
  let chars = 0;
  for (const l of lines) chars += l.text.length;
  if (chars < UNPUNCTUATED_MIN) return false;
  // Text with its punctuation passes the limit within a few sentences: stop there.
  const limit = chars * UNPUNCTUATED_SHARE;
  let marks = 0;
  for (const l of lines) {
    for (let k = 0; k < l.text.length; k++) {
      const c = l.text.charCodeAt(k);
      if ((c === 46 || c === 44 || c === 58 || c === 59) && ++marks > limit) return false;
    }
  }
  return true;
}

// Words of an unpunctuated tail: a closing quote or an ellipsis parts them too (`lớn…Thu Hằng`).
const TAIL_WORD = /[^\s….!?"“”]+/g;
// A writer's role after the name: `Đỗ Thiện thực hiện` (who did the interview), `Hồng Duy tổng hợp`.
const ROLE_WORDS = new Set(['thực hiện', 'tổng hợp', 'lược dịch', 'biên dịch', 'biên soạn']);
// `nguồn clip VTV`: a credit of the clip or the picture above, left at the very end.
const MEDIA_CREDIT = new Set(['nguồn clip', 'nguồn ảnh', 'nguồn video']);
// A word before a name that makes the name its object (`tại Hà Nội`, `của Việt Nam`, `ông Minh Thư`): text, not a signature.
const NAME_GOVERNORS = new Set(['tại', 'ở', 'của', 'với', 'cho', 'từ', 'đến', 'tới', 'về', 'và', 'trên', 'dưới', 'sang', 'qua', 'như', 'là', 'gồm', 'ông', 'bà', 'anh', 'chị', 'cô', 'chú', 'bác', 'em', 'thầy']);
// A place noun before a name makes it a place (`tỉnh Quảng Nam`), unless the name opens with an initial (`thành phố T Hằng`).
const PLACE_NOUNS = new Set(['tỉnh', 'thành', 'phố', 'huyện', 'xã', 'quận', 'phường', 'nước', 'thị', 'trấn', 'làng', 'thôn']);
// Vietnamese family names: a name of three or four syllables opens with one (`Nguyễn Anh Thi`);
// without one only the last two are the writer's (`Bangkok Thanh Hảo`, `Kim Jong Un Sầm Hoa`).
const FAMILY_NAMES = new Set(
  ('Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Đinh Lâm Mai Trịnh Trương Lương Cao Tạ Hà ' +
    'Chu Thái La Tô Từ Quách Lưu Kiều Khổng Tăng Vương Triệu Châu Diệp Mạc Tôn Thân Lại Nghiêm Phùng Âu Đàm Đồng Giang Hứa Khúc ' +
    'Kim Lục Ông Quan Tống Văn Lạc Mạnh Nông Lò Hầu Doãn Đường Phí Ninh Vi Cù Bạch Hoa Thạch Trình Đậu Lã Lộc Thi Tiêu Yên Ứng').split(' '),
);
const NAMES_IN_TAIL_MAX = 4;
const OUTLET_WORDS_MAX = 6;

/** `Quỳnh`: `qu` opens a syllable as `c` does (`cuỳnh` is the same rime). */
function isSyllable(word: string): boolean {
  return isVietnameseSyllable(word) || (/^[Qq]u/.test(word) && isVietnameseSyllable(`c${word.slice(1)}`));
}

/** A word of a name in a text without stops: a capitalised Vietnamese syllable, or an initial that lost its dot (`T Nhung`, `H  Tú`). */
function isBareNameWord(word: string): boolean {
  return /^\p{Lu}$/u.test(word) || (/^\p{Lu}/u.test(word) && isSyllable(word));
}

/** A brand's one word (`Zing`, `Thenextweb`, `VietnamPlus`, `TTXVN`): no Vietnamese syllable, so several such words are several outlets. */
function isBrandWord(word: string): boolean {
  return /^[\p{Lu}\d]/u.test(word) && !isSyllable(word);
}

/**
 * The credit at the end of a text without stops: `Theo X` (outlets), names joined by `-`
 * (`T Hằng - H Quỳnh`), a role (`thực hiện`), in that order from the end, or a person and
 * an outlet (`Tuấn Nghĩa Theo Phonearena`, `Nguyễn Minh theo Mashable`). The first name
 * stands right after a word of the text, so it is read by shape: initials and Vietnamese
 * syllables, two of them or a family name and up to three more.
 */
function unpunctuatedCredit(text: string): { kept: string; removed: string; credit: Credit } | null {
  const words = [...text.matchAll(TAIL_WORD)].map((m) => ({ word: m[0], at: m.index }));
  let end = words.length;
  const joined = (a: number, b: number) => words.slice(a, b).map((w) => w.word).join(' ');
  // `nguồn clip VTV`: the last credit of a clip; it goes, and names neither author nor source.
  for (let k = 1; k <= 3 && end - k - 2 >= 0; k++) {
    if (MEDIA_CREDIT.has(joined(end - k - 2, end - k).toLowerCase()) && /^\p{Lu}/u.test(words[end - k]!.word)) {
      end -= k + 2;
      break;
    }
  }
  let role = false;
  if (end >= 2 && ROLE_WORDS.has(joined(end - 2, end))) {
    role = true;
    end -= 2;
  }
  const credit: Credit = { authors: [], sources: [] };
  // `Theo X`: X is one outlet, or several one-word brands (`Theo Nghenhin Thenextweb`).
  for (let k = end - 1; k >= Math.max(1, end - OUTLET_WORDS_MAX - 1) && !role; k--) {
    const w = words[k]!.word;
    if (w !== 'Theo' && w !== 'theo') continue;
    const outlet = words.slice(k + 1, end).map((x) => x.word);
    if (outlet.length === 0 || !/^[\p{Lu}\d]/u.test(outlet[0]!)) break;
    // In running text `theo Luật ...` follows a verb: lower-case `theo` credits only after a name.
    if (w === 'theo' && !(k >= 2 && isBareNameWord(words[k - 1]!.word) && isBareNameWord(words[k - 2]!.word))) break;
    credit.sources.push(...(outlet.length > 1 && outlet.every(isBrandWord) ? outlet : [outlet.join(' ')]));
    end = k;
    break;
  }
  // Names from the end: groups parted by dashes, the first one bounded by the text's last word.
  const groups: string[] = [];
  let first = end;
  for (let start = end; ; ) {
    let k = start;
    while (k > 0 && start - k < NAMES_IN_TAIL_MAX && isBareNameWord(words[k - 1]!.word)) k--;
    const parted = k > 0 && /^[-–—]$/.test(words[k - 1]!.word);
    if (!parted && start - k >= 2) {
      // The first name: two syllables, or a family name and up to three more.
      const family = words.slice(k, start - 2).findIndex((w) => FAMILY_NAMES.has(w.word));
      k = family === -1 ? start - 2 : k + family;
    }
    const name = words.slice(k, start);
    // The last word of a name is a syllable (`T Nhung`), not an initial (`T A`).
    const named = k >= 1 && name.length >= 2 && !/^\p{Lu}$/u.test(name[name.length - 1]!.word);
    // Names after `tại`, `của`, `ông`, `tỉnh` are the sentence's (`với sự tham gia của Hà Thu - Mai Hương`); before a credit or a role they sign.
    const before = named && !parted ? words[k - 1]!.word.toLowerCase() : '';
    const governed =
      credit.sources.length === 0 && !role && (NAME_GOVERNORS.has(before) || (PLACE_NOUNS.has(before) && !/^\p{Lu}$/u.test(name[0]!.word)));
    if (!named || governed) {
      // Names parted by dashes need every one found: a half-read list is no credit.
      if (groups.length > 0) return null;
      break;
    }
    groups.unshift(text.slice(name[0]!.at, name[name.length - 1]!.at + name[name.length - 1]!.word.length));
    first = k;
    if (!parted) break;
    start = k - 1;
  }
  if (groups.length === 0 && (credit.sources.length === 0 || role)) return null;
  credit.authors.push(...groups);
  const cut = words[first]?.at ?? 0;
  if (cut === 0) return null;
  return { kept: text.slice(0, cut).trimEnd(), removed: text.slice(cut).trim(), credit };
}

/** A short capitalised line without a sentence in it: an outlet name split from the credit above it. */
function isOrphanOutlet(text: string): boolean {
  return text.length <= NAME_MAX + 20 && /^\p{Lu}/u.test(text) && !/[.!?…:;,]/.test(text) && text.split(' ').length <= 8;
}

// An expert's titles before the name, as a Q&A column signs its answer (`Thạc sĩ, bác sĩ`, `PGS.TS`, `Luật sư`).
const PROFESSIONAL_TITLES = /^(?:(?:[Tt]hạc sĩ|[Tt]iến sĩ|[Bb]ác sĩ|[Dd]ược sĩ|[Ll]uật sư|[Kk]ỹ sư|[Gg]iáo sư|[Pp]hó giáo sư|PGS|GS|TS|ThS|BS|BSCKI|BSCKII|CKI|CKII)\.?(?:\s*,\s*|\s+|(?=\p{Lu})))+(?=\p{Lu})/u;

/** A workplace under a signature: a short capitalised line, no sentence in it. */
function isAffiliation(text: string): boolean {
  return text.length <= NAME_MAX * 2 && /^\p{Lu}/u.test(text) && !/[.!?…:;]/.test(text);
}

/** Whether the nearest line above `i` still in the text ends with an expert's titled name (`... sau tiêm. Thạc sĩ, bác sĩ Kiều Xuân Thy`). */
function followsExpertSignature(lines: Line[], verdict: (RemovalReason | null)[], i: number): boolean {
  let j = i - 1;
  while (j >= 0 && verdict[j] && verdict[j] !== 'learned') j--;
  if (j < 0) return false;
  const text = lines[j]!.text;
  const stop = text.search(/[.!?…"”]\s+\S[^.!?…]*$/u);
  return PROFESSIONAL_TITLES.test(stop === -1 ? text : text.slice(stop + 1).trimStart());
}

/** Whether the nearest line above `i` still in the text credits an author with `Theo` (`Theo Phạm Khánh`). */
function followsAuthorCredit(rules: BoilerplateRules, lines: Line[], verdict: (RemovalReason | null)[], i: number): boolean {
  let j = i - 1;
  while (j >= 0 && verdict[j] && verdict[j] !== 'learned') j--;
  if (j < 0 || !/^\(?theo\s/iu.test(lines[j]!.text)) return false;
  return (readCredit(rules, lines[j]!.text)?.authors.length ?? 0) > 0;
}

/** Most teasers of other articles a page shows under the byline (a headline and its lead make one). */
const TEASERS_AFTER_CREDIT_MAX = 2;

/**
 * Other articles' teasers under the byline: the credit closes the article, so the one or
 * two short lines that follow it right away (no line between) are a related box, and so
 * are one or two pairs of a headline and its lead. The credit must name a person and
 * stand in the second half of the document; a marker between the two (`more`, a share
 * bar) means the line is the page's own text.
 */
function markTeasersAfterCredit(
  lines: Line[],
  verdict: (RemovalReason | null)[],
  rules: BoilerplateRules,
  nameHeadings: ReadonlySet<number>,
  mark: (i: number, r: RemovalReason) => void,
): void {
  let last = lines.length - 1;
  while (last > 0 && verdict[last]) last--;
  for (let k = 1; k <= 2 * TEASERS_AFTER_CREDIT_MAX; k++) {
    const credit = last - k;
    // A credit that names only a web address closes a copied article as a byline does.
    const urlCredit = verdict[credit] === 'source-credit' && isUrlCredit(lines[credit]!.text);
    if (credit < Math.floor(lines.length / 2) || credit < 1 || (verdict[credit] && !urlCredit) || nameHeadings.has(credit)) return;
    const teasers = lines.slice(credit + 1, last + 1);
    if (teasers.some((l, j) => verdict[credit + 1 + j] || l.text.length > TEASER_MAX)) return;
    // More lines than teasers: headline and lead pairs (a headline is short and unpunctuated, its lead ends like a sentence).
    const paired = k > TEASERS_AFTER_CREDIT_MAX;
    if (paired && (k % 2 === 1 || !teasers.every((l, j) => (j % 2 === 0 ? isTeaserHeadline(rules, l.text) : SENTENCE_END.test(l.text))))) continue;
    if (!paired && teasers.some((l) => l.text.length < TEASER_MIN)) continue;
    if (!urlCredit && (readCredit(rules, bare(lines[credit]!.text))?.authors.length ?? 0) === 0) continue;
    for (let j = credit + 1; j <= last; j++) mark(j, 'related');
    return;
  }
}

/** Another article's headline: capitalised words, no stop or comma at the end (a question or an exclamation may close it). */
function isTeaserHeadline(rules: BoilerplateRules, text: string): boolean {
  return text.length <= rules.captionMaxLength && /^["“]?\p{Lu}/u.test(text) && /\p{Ll}/u.test(text) && !/[.,:;…]["”’)]*$/u.test(text);
}

// `Xem highlights trận đấu:` over an embedded player the crawler could not read.
const EMBED_INTRO = /:\s*$/;

/** A short line that introduces the embed right under it (removed as a marker) goes with it. */
function markEmbedIntros(lines: Line[], verdict: (RemovalReason | null)[], mark: (i: number, r: RemovalReason) => void): void {
  for (let i = 1; i < lines.length; i++) {
    if (verdict[i] !== 'marker' || verdict[i - 1] || lines[i]!.gapBefore > 1) continue;
    const above = lines[i - 1]!.text;
    if (above.length <= TEASER_MAX && EMBED_INTRO.test(above) && !/^(?:Tags?|Từ khóa|Từ khoá)\s*:/u.test(above)) mark(i - 1, 'marker');
  }
}

/**
 * A line that is only a person's name: in the second half of the article, the byline
 * (a sponsored block may follow it); with a period, in mid-article, the caption of a
 * portrait (`Annabel Yao.`).
 */
function markNameLines(
  lines: Line[],
  verdict: (RemovalReason | null)[],
  rules: BoilerplateRules,
  authors: string[],
  sources: string[],
  captions: Caption[],
  nameHeadings: ReadonlySet<number>,
  mark: (i: number, r: RemovalReason) => void,
): void {
  const secondHalf = Math.floor(lines.length / 2);
  for (let i = 1; i < lines.length; i++) {
    // A regular writer's name stands in enough pages to be learned: still a byline.
    if ((verdict[i] && verdict[i] !== 'learned') || nameHeadings.has(i)) continue;
    if (lines[i]!.text.length > NAME_MAX + 7) continue;
    const text = unemphasized(bare(lines[i]!.text));
    if (text.length > NAME_MAX + 1) continue;
    if (EMPTY_CREDIT_LABEL.test(lines[i - 1]!.text)) {
      // `... sáng 22/10. Ảnh:` over `Phước Tuấn.`: the name the crawler split from its credit label.
      const names = text.replace(/\.$/, '').split(NAME_SEPARATOR).map((n) => n.trim());
      if (names.every((n) => isPersonName(rules, n) || isOutlet(rules, n))) {
        mark(i, 'caption');
        continue;
      }
    }
    if (text.endsWith('.') && isPersonName(rules, text.slice(0, -1))) {
      captions.push({ text, credit: null });
      mark(i, 'caption');
    } else if (i >= secondHalf && verdict[i - 1] === 'byline' && /^(?:Theo|THEO|Nguồn|NGUỒN)\s/u.test(text)) {
      // `Trịnh Duy` over `Theo Infonet`: the outlet the writer's piece came from.
      const credit = readCredit(rules, text);
      if (!credit || credit.authors.length > 0) continue;
      sources.push(...credit.sources);
      mark(i, 'source-credit');
    } else if (i >= secondHalf) {
      const names = text.split(NAME_SEPARATOR).map((n) => n.trim());
      if (!isNameList(names) && !names.every((n) => isPersonName(rules, n))) continue;
      // A writer's name holds a Vietnamese syllable (`Thịnh Joey`); `Admicro Ad`, an ad network's label
      // split from the next sentence (bazzi24-cafef 007, 008), holds none.
      if (!names.every((n) => n.split(/[\s.]+/).some((w) => isSyllable(w) || /^\p{Lu}$/u.test(w)))) continue;
      // `Sophia Floersch` over a paragraph about her is a subheading: a writer's name is not the next line's subject.
      if (names.some((n) => lines[i + 1]?.text.includes(n))) continue;
      authors.push(...names);
      mark(i, 'byline');
    }
  }
}

/** Fewest name lines over paragraphs that tell a text heads its sections with names. */
const NAME_HEADINGS_MIN = 2;

/**
 * The lines that are only a name (`Pu Luong Retreat`, `Sophia Floersch`) and stand over a
 * paragraph, when the text has two or more: it heads its sections with names, and none of
 * them is a byline.
 */
function nameHeadingLines(lines: Line[], rules: BoilerplateRules): Set<number> {
  const headings = new Set<number>();
  for (let i = 0; i < lines.length - 1; i++) {
    const text = lines[i]!.text.trim();
    if (text.length > NAME_MAX || /[\d.!?…:;,]/.test(text) || !isPersonName(rules, text) || !isBodyParagraph(lines[i + 1]!.text)) continue;
    headings.add(i);
  }
  return headings.size >= NAME_HEADINGS_MIN ? headings : new Set();
}

// Sentences of a paragraph: a stop, closing marks, space, then a capital (possibly behind an opening mark).
const SENTENCE_BREAK = /[.!?…]["”’)]*\s+(?=["“(]?\p{Lu})/gu;
const SENTENCE_MAX = 500;
// A short sentence that names what a picture shows (`Chân dung ông ...`, `Toàn cảnh buổi tọa đàm.`):
// a caption the dump ran into the text. Words that open a scene's description, not a statement.
const SCENE_WORDS = ['Chân dung', 'Toàn cảnh', 'Quang cảnh', 'Cận cảnh'];
// A comma at its end is a dump's join inside the caption: only part of it would go.
const SCENE_CAPTION = /^(?:Chân dung|Toàn cảnh|Quang cảnh|Cận cảnh) [^.!?]{2,100}[^.!?,\s]\.?$/u;
// `Ảnh Reuters.`, `Ảnh: TTXVN`: a credit standing as its own sentence after the caption it credits.
// Without a colon the credit is a name (`Ảnh Reuters`) or a kind of picture (`Ảnh chụp màn
// hình`): `Ảnh hưởng ...` ("influence") opens sentences of the text.
// English-language pages credit `Photo courtesy of X.`, `Photo by X.`.
const CREDIT_SENTENCE = /^(?:(?:Ảnh|Nguồn ảnh)(?:\s*:\s*|\s+(?=\p{Lu}|minh h|tư liệu|chụp|internet|Internet))|Photos? (?:courtesy of|by)\s+|Photos?\s*:\s*)(?<credit>[^\s.!?][^.!?]{0,40})\.?$/u;

/**
 * Sentences that are not article text inside a paragraph (a one-line dump is one
 * paragraph): calls to action (`vui lòng đăng ký tại đây.`) and photo captions glued
 * between sentences (`... dạy thêm (Ảnh minh họa).`, `Khu vực lễ tân ... Ấn Độ. Ảnh
 * Reuters.`). A line left empty is removed whole.
 */
function markInlineBoilerplate(
  lines: Line[],
  verdict: (RemovalReason | null)[],
  rules: BoilerplateRules,
  dump: boolean,
  captions: Caption[],
  keptText: string[],
  removedInline: Removal[][],
  mark: (i: number, r: RemovalReason) => void,
  learned?: ReadonlySet<string>,
): void {
  const learnedSentences = learned !== undefined && learned.size > 0;
  // The article's head: its first line still in the text.
  const first = lines.findIndex((_, i) => !verdict[i]);
  for (let i = 0; i < lines.length; i++) {
    // A slide whose credit was cut keeps the rest: its sentences describe the story's picture.
    if (verdict[i] || keptText[i] !== undefined) continue;
    const text = lines[i]!.text;
    if (!dump && text.length > SENTENCE_MAX) continue;
    // Most lines hold neither a pointer nor a photo credit: two looks spare the rest.
    const pointer = hasPointer(text);
    const scene = dump && SCENE_WORDS.some((w) => text.includes(w));
    const intro = i === first && text.includes('giới thiệu');
    if (!learnedSentences && !pointer && !scene && !intro && !text.includes('Ảnh') && !text.includes('(ảnh') && !text.includes('Photo')) continue;
    const sentences = splitSentences(text);
    const drop: (RemovalReason | null)[] = sentences.map(() => null);
    if (intro) markEditorIntro(sentences, rules, drop);
    if (learnedSentences && sentences.length > 1) markLearnedSentences(sentences, learned!, drop);
    sentences.forEach((sentence, k) => {
      if (drop[k] || sentence.length > SENTENCE_MAX) return;
      if (pointer && matchesAny(rules.callsToAction, sentence)) {
        drop[k] = 'call-to-action';
        return;
      }
      if (sentences.length === 1) return;
      const credit = CREDIT_SENTENCE.exec(sentence);
      const previous = sentences[k - 1];
      // A paragraph of two sentences or more that a credit closes is a slide of a photo story:
      // the picture's own text stays. A dump runs a caption into the text: there it goes.
      if (credit && !dump && k >= 2 && k === sentences.length - 1) {
        drop[k] = 'caption';
        return;
      }
      if (credit && previous !== undefined && !drop[k - 1] && previous.length <= rules.captionMaxLength) {
        captions.push({ text: previous, credit: credit.groups!.credit!.trim() });
        drop[k - 1] = 'caption';
        drop[k] = 'caption';
        return;
      }
      const caption = sentence.length <= rules.captionMaxLength ? creditedCaption(rules, sentence) : null;
      if (caption) {
        captions.push(caption);
        drop[k] = 'caption';
      } else if (scene && k > 0 && SCENE_CAPTION.test(sentence)) {
        captions.push({ text: sentence, credit: null });
        drop[k] = 'caption';
      }
    });
    if (drop.every((d) => d === null)) continue;
    if (drop.every((d) => d !== null)) {
      mark(i, drop[0]!);
      continue;
    }
    keptText[i] = sentences.filter((_, k) => !drop[k]).join(' ');
    removedInline[i] = sentences.flatMap((sentence, k) => (drop[k] ? [{ reason: drop[k]!, text: sentence }] : []));
  }
}

/** Shortest run of sentences printed twice in a row that is a doubled block, not a phrase a text repeats for effect. */
const REPEATED_RUN_MIN = 60;
/** Most sentences of a doubled block (a photo story's slide). */
const REPEATED_RUN_SENTENCES = 12;

/**
 * A run of sentences printed twice in a row inside a one-line dump: the dump of a photo story
 * prints each slide's text twice (chris6868-vnexpress). The first printing stays, the second
 * goes; a short sentence said twice (`Cố lên! Cố lên!`) is text. Only in dumps: where a line is
 * a paragraph, a slide printed twice is a repeated line (`markRepeats`), and a paragraph that
 * says one sentence twice is left as written.
 */
function markRepeatedSentences(
  lines: Line[],
  verdict: (RemovalReason | null)[],
  keptText: string[],
  removedInline: Removal[][],
  mark: (i: number, r: RemovalReason) => void,
): void {
  for (let i = 0; i < lines.length; i++) {
    if (verdict[i]) continue;
    const text = keptText[i] ?? lines[i]!.text;
    if (text.length < 2 * REPEATED_RUN_MIN) continue;
    // Most dumps open no two sentences alike: the openings alone spare them the split and the search.
    if (!repeatsAnOpening(text)) continue;
    const sentences = splitSentences(text).map((x) => x.trim());
    const drop = sentences.map(() => false);
    for (let a = 0; a < sentences.length; a++) {
      for (let k = 1; k <= REPEATED_RUN_SENTENCES && a + 2 * k <= sentences.length; k++) {
        let same = true;
        let chars = 0;
        for (let j = 0; j < k && same; j++) {
          same = sentences[a + j] === sentences[a + k + j];
          chars += sentences[a + j]!.length;
        }
        if (!same || chars < REPEATED_RUN_MIN) continue;
        for (let j = a + k; j < a + 2 * k; j++) drop[j] = true;
        a += 2 * k - 1;
        break;
      }
    }
    if (!drop.some(Boolean)) continue;
    // One removal per doubled block, as it was one block on the page.
    const removed: Removal[] = [];
    sentences.forEach((x, k) => {
      if (!drop[k]) return;
      if (k > 0 && drop[k - 1]) removed[removed.length - 1]!.text += ` ${x}`;
      else removed.push({ reason: 'duplicate', text: x });
    });
    if (drop.every(Boolean)) {
      mark(i, 'duplicate');
      continue;
    }
    keptText[i] = sentences.filter((_, k) => !drop[k]).join(' ');
    (removedInline[i] ??= []).push(...removed);
  }
}

/** Characters of a sentence's opening compared to find a text that may print a block twice. */
const OPENING_KEY = 24;

/** Whether two sentences of `text` open with the same characters (the text itself opens the first). */
function repeatsAnOpening(text: string): boolean {
  const seen = new Set<string>([text.slice(0, OPENING_KEY)]);
  for (const m of text.matchAll(SENTENCE_BREAK)) {
    const at = m.index + m[0].length;
    const key = text.slice(at, at + OPENING_KEY);
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

// The editor's voice introducing a piece of writing (`Chúng tôi xin giới thiệu bài viết ...`), not a
// speaker introducing a product.
const EDITOR_INTRO = /^(?:Chúng tôi|Tòa soạn|Toà soạn|Ban biên tập|BBT)\s(?:[^.!?]{0,40}\s)?(?:xin |trân trọng )*giới thiệu (?:(?:cùng )?(?:bạn đọc|độc giả) )?(?:bài viết|bài|loạt bài|tác phẩm|cuốn sách|ý kiến|góc nhìn|quan điểm|chia sẻ|phần|kỳ)\s/u;
/** Most sentences of an editor's introduction before the invitation that closes it. */
const EDITOR_INTRO_SENTENCES = 2;

/**
 * An editor's introduction at the head of a dump: sentences in the editor's voice that
 * end with an invitation to read (`... Mời độc giả đón đọc.`, a configured marker).
 * Both go; an article that merely says `giới thiệu` keeps its text.
 */
function markEditorIntro(sentences: string[], rules: BoilerplateRules, drop: (RemovalReason | null)[]): void {
  if (!EDITOR_INTRO.test(sentences[0] ?? '')) return;
  for (let k = 1; k <= EDITOR_INTRO_SENTENCES && k < sentences.length; k++) {
    if (!matchesAny(rules.markers, sentences[k]!)) continue;
    for (let j = 0; j <= k; j++) drop[j] = 'marker';
    return;
  }
}

/** Shortest sentence of a dump that is counted for, and removed as, a source's repeated text. */
const LEARNED_SENTENCE_MIN = 30;

/**
 * The sentences of a one-line dump that the learned profile can name: a site's footer
 * or widget text that the crawler ran into the article (`Bình luận (0) Tổng biên tập:
 * ...`). They are counted (`documentLines`) and removed here by the same split, so a
 * sentence the profile holds is found again.
 */
export function dumpSentences(input: Line[], lines: Line[] = splitGluedLines(input)): string[] {
  if (!input.some((l) => l.text.length >= DUMP_MIN)) return [];
  return lines.flatMap((l) => {
    const sentences = splitSentences(l.text);
    return sentences.length > 1 ? sentences.filter((x) => x.length >= LEARNED_SENTENCE_MIN) : [];
  });
}

/**
 * Sentences the profile names, and the few between two of them (a block whose middle
 * changes from page to page), as `markLearned` does for lines.
 */
function markLearnedSentences(sentences: string[], learned: ReadonlySet<string>, drop: (RemovalReason | null)[]): void {
  let last = -1;
  for (let k = 0; k < sentences.length; k++) {
    if (sentences[k]!.length < LEARNED_SENTENCE_MIN || !learned.has(lineKey(sentences[k]!))) continue;
    drop[k] = 'learned';
    if (last !== -1 && k - last <= LEARNED_GAP + 1) for (let j = last + 1; j < k; j++) drop[j] = 'learned';
    last = k;
  }
}

function unemphasized(text: string): string {
  return text[0] === '*' || text[0] === '_' ? text.replace(EMPHASIS, '') : text;
}

/** Most writers who sign a shared piece with one syllable each. */
const NAME_LIST_MAX = 3;

/**
 * `Hòa – Dịu`: writers who sign a shared piece with one Vietnamese syllable each. A longer
 * list, or one of foreign words, is a list the text gives (`Ederson, Ake, Stones, Dias`, a line-up).
 */
function isNameList(names: string[]): boolean {
  return names.length >= 2 && names.length <= NAME_LIST_MAX && names.every((n) => /^\p{Lu}\p{Ll}+$/u.test(n) && isSyllable(n));
}

/** `Trần Thủy VietnamNet`, `CNBC Băng Băng`: a person's name and an outlet's, in either order. */
function personThenOutlet(rules: BoilerplateRules, text: string): { person: string; outlet: string } | null {
  const tokens = text.split(' ');
  for (let k = 2; k < tokens.length && k <= 4; k++) {
    const person = tokens.slice(0, k).join(' ');
    const outlet = tokens.slice(k).join(' ');
    if (isPersonName(rules, person) && isOutlet(rules, outlet)) return { person, outlet };
  }
  for (let k = 1; k <= tokens.length - 2 && k <= 4; k++) {
    const outlet = tokens.slice(0, k).join(' ');
    const person = tokens.slice(k).join(' ');
    if (isOutlet(rules, outlet) && isPersonName(rules, person)) return { person, outlet };
  }
  return null;
}

const CREDIT_LABEL_WORDS = new Set(['Theo', 'THEO', 'Nguồn', 'NGUỒN']);

/** Two to five capitalised syllables (initials allowed: `T.PHƯƠNG`), or one with initials. */
function isPersonName(rules: BoilerplateRules, name: string): boolean {
  if (name.length > NAME_MAX || isOutlet(rules, name)) return false;
  const tokens = name.split(' ');
  // `Theo Infonet`: a credit's label opens no name.
  if (CREDIT_LABEL_WORDS.has(tokens[0]!)) return false;
  if (tokens.length > 5 || !tokens.every((t) => NAME_TOKEN.test(t))) return false;
  // A name is written in one case (`Mộc Lan`, `MỘC LAN`); `Dược Hà Tây DHT` is a company and its ticker.
  const words = tokens.filter((t) => t.length >= 2 && !t.includes('.'));
  if (words.some((t) => /^\p{Lu}{2,}$/u.test(t)) && words.some((t) => /\p{Ll}/u.test(t))) return false;
  // One syllable is a name only behind an initial (`H.Long`, `T.PHƯƠNG`), not a word with a stop (`Hai.`).
  return tokens.length >= 2 || /\.\p{Lu}/u.test(name);
}

function isOutlet(rules: BoilerplateRules, name: string): boolean {
  return name.length <= NAME_MAX + 20 && !/[:@]/.test(name) && matchesAny(rules.outlets, name);
}

/**
 * Lines the source repeats in many documents, and the short lines between two of them
 * (a block whose middle changes from page to page, such as an account number). A
 * learned line in the second half of the document after which only short
 * unpunctuated lines stand (or learned ones) opens a footer whose list changes from
 * page to page ("Đọc thêm" and its headlines): all of it goes.
 */
function markLearned(
  lines: Line[],
  verdict: (RemovalReason | null)[],
  learned: ReadonlySet<string>,
  rules: BoilerplateRules,
  mark: (i: number, r: RemovalReason) => void,
): void {
  let lastLearned = -1;
  for (let i = 0; i < lines.length; i++) {
    if (verdict[i] || !learned.has(lineKey(lines[i]!.text))) continue;
    mark(i, 'learned');
    if (lastLearned !== -1 && i - lastLearned <= LEARNED_GAP + 1) {
      const between = lines.slice(lastLearned + 1, i);
      if (between.every((l, k) => verdict[lastLearned + 1 + k] || !isBodyParagraph(l.text))) {
        for (let j = lastLearned + 1; j < i; j++) if (!verdict[j]) mark(j, 'learned');
      }
    }
    lastLearned = i;
  }
  let footer = lines.length;
  for (let i = lines.length - 1; i >= Math.floor(lines.length / 2); i--) {
    if (verdict[i] === 'learned') footer = i;
    else if (!verdict[i] && (lines[i]!.text.length > rules.captionMaxLength || SENTENCE_END.test(lines[i]!.text))) break;
  }
  for (let i = footer + 1; i < lines.length; i++) {
    if (!verdict[i]) mark(i, 'trailing-block');
  }
}

/** Largest share of the lines above a closing run that the source repeats elsewhere for the run to be removed. */
const TAIL_REPEATED_SHARE_MAX = 0.5;

/**
 * The run of lines that closes a document when each stands in other documents of its
 * source (the `tail` of the profile, as few as CCNet's two): the teasers of other
 * articles under the text, whatever their shape. Body text comes before it, and most
 * lines above it are the document's own: in a second crawl of one article they repeat,
 * and nothing is taken.
 */
function markLearnedTail(lines: Line[], verdict: (RemovalReason | null)[], learned: LearnedSource, mark: (i: number, r: RemovalReason) => void): void {
  const repeated = lines.map((l) => {
    const key = lineKey(l.text);
    return learned.tail.has(key) || learned.lines.has(key);
  });
  let start = lines.length;
  for (let i = lines.length - 1; i > 0; i--) {
    if (verdict[i] && !repeated[i]) continue;
    if (!repeated[i]) break;
    start = i;
  }
  // The run opens with a headline (or a name, a label), not with a statement: a closing
  // sentence that other articles end with too (`Vụ việc đang được điều tra làm rõ.`) is text.
  while (start < lines.length && !verdict[start] && (PERIOD_END.test(lines[start]!.text) || ELLIPSIS_END.test(lines[start]!.text))) start++;
  if (start === lines.length) return;
  const before = repeated.slice(0, start);
  if (before.filter(Boolean).length > before.length * TAIL_REPEATED_SHARE_MAX) return;
  const bodyBefore = lines.slice(0, start).some((l, j) => !verdict[j] && !repeated[j] && isBodyParagraph(l.text));
  if (!bodyBefore) return;
  for (let i = start; i < lines.length; i++) if (!verdict[i]) mark(i, 'learned');
}

/** Most lines of a source's repeated block a page may change (an amount, a date, a name). */
const LEARNED_GAP = 2;

/** Teasers cut with an ellipsis that a later paragraph repeats, and repeated paragraphs. */
function markRepeats(lines: Line[], verdict: (RemovalReason | null)[], mark: (i: number, r: RemovalReason) => void): void {
  const seen = new Map<string, number>();
  const kept: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (verdict[i]) continue;
    const text = lines[i]!.text;
    const first = text.length >= DUPLICATE_MIN ? seen.get(text) : undefined;
    if (first !== undefined) {
      mark(i, 'duplicate');
      markRepeatedLabels(lines, verdict, first, i, mark);
      continue;
    }
    if (!seen.has(text)) seen.set(text, i);
    kept.push(i);
  }
  // Index paragraphs by their opening so each teaser is compared with few. The full text
  // may stand before the teaser (a feed's excerpt at the end) and may be removed itself.
  const byOpening = new Map<string, number[]>();
  for (let i = 0; i < lines.length; i++) {
    const key = lines[i]!.text.slice(0, TEASER_MIN);
    const list = byOpening.get(key);
    if (list) list.push(i);
    else byOpening.set(key, [i]);
  }
  for (const i of kept) {
    const text = lines[i]!.text;
    const cut = text.endsWith('...') ? 3 : text.endsWith('…') ? 1 : 0;
    if (cut === 0) continue;
    const stem = text.slice(0, -cut).trimEnd();
    if (stem.length < TEASER_MIN) continue;
    const others = byOpening.get(stem.slice(0, TEASER_MIN)) ?? [];
    if (others.some((j) => j !== i && lines[j]!.text.length > stem.length && lines[j]!.text.startsWith(stem))) {
      mark(i, 'teaser');
    }
  }
}

/**
 * A block printed twice (a photo story's slide: its place, then its text): the short lines
 * right before the repeated paragraph at `again` that repeat the lines before its first
 * printing at `first` go with it. Short lines repeat by chance; next to a repeat they do not.
 */
function markRepeatedLabels(lines: Line[], verdict: (RemovalReason | null)[], first: number, again: number, mark: (i: number, r: RemovalReason) => void): void {
  for (let k = 1; again - k > first && first - k >= 0; k++) {
    const i = again - k;
    if (verdict[i] === 'duplicate') break;
    if (lines[i]!.text.trim() !== lines[first - k]!.text.trim()) break;
    if (!verdict[i]) mark(i, 'duplicate');
  }
}

function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const m of text.matchAll(SENTENCE_BREAK)) {
    const end = m.index + m[0].trimEnd().length;
    sentences.push(text.slice(start, end));
    start = m.index + m[0].length;
  }
  sentences.push(text.slice(start));
  return sentences;
}

function matchesAny(patterns: RegExp[], text: string): boolean {
  return patterns.some((p) => p.test(text));
}

function firstMatch(patterns: RegExp[], text: string): RegExpExecArray | null {
  for (const p of patterns) {
    const m = p.exec(text);
    if (m) return m;
  }
  return null;
}
