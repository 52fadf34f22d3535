import { lineKey } from './learned.js';
import type { Line, Removal, RemovalReason } from './lines.js';

/** Boilerplate rules, compiled from config (see config/default.json). */
export interface BoilerplateRules {
  /** Lines left by an image table (`leftcenterrightdel`); the short line after one is its caption. */
  imageArtifacts: RegExp[];
  /** Lines that are removed wherever they stand; named groups `category` and `author` fill metadata. */
  markers: RegExp[];
  /** A line that starts the site footer: it and everything after it are removed. */
  trailingBlocks: RegExp[];
  /** The photo credit that ends a caption (named group `credit`); the caption is what precedes the match. */
  creditedCaptions: RegExp[];
  /** Starts of short stand-alone lines that describe a picture. */
  captionCues: RegExp[];
  /** Byline forms at the end of the article; named group `author`. */
  bylines: RegExp[];
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
  category: string | null;
  removed: Removal[];
}

const MARKDOWN_IMAGE = /^!\[[^\]]*\]\([^\s)]*\)$/;
const MARKDOWN_LINK = /^\[[^\]]*\]\([^\s)]+\)$/;
// A label holds no bracket: with `[^\]]*` a run of `[` made every start rescan the line (quadratic).
const INLINE_LINK = /(!?)\[([^[\]]*)\]\((?:https?:\/\/|\/)[^\s)]*\)/g;
const ENDS_SENTENCE = /[.!?…:;,"'”’)\]]$/;
const SENTENCE_END = /[.!?…]["”’)]*$/;
const NAME_LINE = /^\p{Lu}\p{L}*(?: \p{Lu}\p{L}*){1,4}$/u;
const NAME_MAX = 40;
const TEASER_MIN = 30;
const DUPLICATE_MIN = 30;

/**
 * Removes what is not article text and says why: site footers and everything after
 * them, configured marker lines, image-table artifacts, markdown image and link
 * lines, lines a learned profile names for this document's source (and a footer list
 * that follows one), a truncated teaser that a later paragraph repeats, repeated
 * paragraphs. Captions and bylines leave the text and go to metadata.
 */
export function stripBoilerplate(input: Line[], rules: BoilerplateRules, learned?: ReadonlySet<string>): BoilerplateResult {
  const captions: Caption[] = [];
  const authors: string[] = [];
  let category: string | null = null;
  const verdict: (RemovalReason | null)[] = [];
  const removedText: string[] = [];

  const footerAt = input.findIndex((l, i) => i > 0 && matchesAny(rules.trailingBlocks, l.text));
  const lines = footerAt === -1 ? input : input.slice(0, footerAt);
  const mark = (i: number, reason: RemovalReason, text = lines[i]!.text) => {
    verdict[i] = reason;
    removedText[i] = text;
  };

  for (let i = 0; i < lines.length; i++) {
    if (verdict[i]) continue;
    const { text, gapBefore } = lines[i]!;
    const marker = firstMatch(rules.markers, text);
    if (marker) {
      category ??= marker.groups?.category?.trim() || null;
      if (marker.groups?.author) authors.push(marker.groups.author.trim());
      mark(i, 'marker');
    } else if (matchesAny(rules.imageArtifacts, text)) {
      mark(i, 'image-artifact');
      const next = lines[i + 1];
      if (next && next.gapBefore === 0 && next.text.length <= rules.captionMaxLength) {
        captions.push(creditedCaption(rules, next.text) ?? { text: next.text, credit: null });
        mark(i + 1, 'caption');
      }
    } else if (MARKDOWN_IMAGE.test(text)) {
      mark(i, 'markdown-image');
    } else if (MARKDOWN_LINK.test(text)) {
      mark(i, 'markdown-link');
    } else {
      const caption = creditedCaption(rules, text) ?? standaloneCaption(rules, text, gapBefore);
      if (caption) {
        captions.push(caption);
        mark(i, 'caption');
      }
    }
  }

  if (learned && learned.size > 0) markLearned(lines, verdict, learned, rules, mark);

  // Bylines close the article: read upwards from its last line. A site's regular
  // writer may stand in enough pages to be learned: still a byline.
  for (let i = lines.length - 1, seen = 0; i >= 0 && seen < 2; i--) {
    if (verdict[i] && verdict[i] !== 'learned') continue;
    const author = bylineAuthor(rules, lines[i]!.text);
    if (verdict[i] === 'learned' && author === null) continue;
    seen++;
    if (author === null) break;
    authors.unshift(...author.split(/\s*(?:,|&| và )\s*/).filter(Boolean));
    mark(i, 'byline');
  }

  markRepeats(lines, verdict, mark);

  const paragraphs: string[] = [];
  const removed: Removal[] = [];
  for (let i = 0; i < lines.length; i++) {
    const reason = verdict[i];
    if (reason) removed.push({ reason, text: removedText[i]! });
    else paragraphs.push(lines[i]!.text.replace(INLINE_LINK, (_, bang: string, label: string) => (bang ? '' : label)).trim());
  }
  if (footerAt !== -1) {
    removed.push({ reason: 'trailing-block', text: input.slice(footerAt).map((l) => l.text).join('\n') });
  }
  return { paragraphs: paragraphs.filter((p) => p !== ''), captions, authors, category, removed };
}

function creditedCaption(rules: BoilerplateRules, text: string): Caption | null {
  if (text.length > rules.captionMaxLength * 1.5) return null;
  const m = firstMatch(rules.creditedCaptions, text);
  if (!m?.groups?.credit) return null;
  return { text: text.slice(0, m.index).trim(), credit: m.groups.credit.trim() };
}

/**
 * A short line that stands alone and describes a picture: after a double gap (where
 * the scrape lost an image) with no closing punctuation, or starting with a caption
 * cue ("Quang cảnh ...", "Các đại biểu ...").
 */
function standaloneCaption(rules: BoilerplateRules, text: string, gapBefore: number): Caption | null {
  if (text.length > rules.captionMaxLength) return null;
  const imageGap = gapBefore >= 2 && !ENDS_SENTENCE.test(text);
  if (!imageGap && !matchesAny(rules.captionCues, text)) return null;
  return { text, credit: null };
}

function bylineAuthor(rules: BoilerplateRules, text: string): string | null {
  const m = firstMatch(rules.bylines, text);
  if (m?.groups?.author) return m.groups.author.trim();
  return text.length <= NAME_MAX && NAME_LINE.test(text) ? text : null;
}

/**
 * Lines the source repeats in many documents. A learned line in the second half of the
 * document after which only short unpunctuated lines stand (or learned ones) opens a
 * footer whose list changes from page to page ("Đọc thêm" and its headlines): all of
 * it goes.
 */
function markLearned(
  lines: Line[],
  verdict: (RemovalReason | null)[],
  learned: ReadonlySet<string>,
  rules: BoilerplateRules,
  mark: (i: number, r: RemovalReason) => void,
): void {
  for (let i = 0; i < lines.length; i++) {
    if (!verdict[i] && learned.has(lineKey(lines[i]!.text))) mark(i, 'learned');
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

/** Teasers cut with an ellipsis that a later paragraph repeats, and repeated paragraphs. */
function markRepeats(lines: Line[], verdict: (RemovalReason | null)[], mark: (i: number, r: RemovalReason) => void): void {
  const seen = new Set<string>();
  const kept: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (verdict[i]) continue;
    const text = lines[i]!.text;
    if (text.length >= DUPLICATE_MIN && seen.has(text)) {
      mark(i, 'duplicate');
      continue;
    }
    seen.add(text);
    kept.push(i);
  }
  // Index later paragraphs by their opening so each teaser is compared with few.
  const byOpening = new Map<string, number[]>();
  for (const i of kept) {
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
    const later = byOpening.get(stem.slice(0, TEASER_MIN)) ?? [];
    if (later.some((j) => j > i && lines[j]!.text.length > stem.length && lines[j]!.text.startsWith(stem))) {
      mark(i, 'teaser');
    }
  }
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
