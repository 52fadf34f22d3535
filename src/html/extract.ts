import { segment, type Block } from './blocks.js';
import { selectArticle } from './content.js';
import { readFacts, resolveMetadata, type PageMetadata } from './metadata.js';
import { defaultHtmlRules, type HtmlRules } from './rules.js';
import { parseHtml, type HtmlElement } from './tree.js';

export { declaredCharset, looksLikeHtml } from './detect.js';
export { defaultHtmlRules, type HtmlRules } from './rules.js';

/** Page text that is not in the article, and why. */
export interface HtmlRemoval {
  reason:
    | 'navigation' | 'related' | 'comments' | 'share' | 'ad' | 'script' | 'style' | 'form' | 'header' | 'footer'
    | 'aside' | 'hidden' | 'caption' | 'byline' | 'low-density' | 'title' | 'date' | 'other';
  text: string;
}

/** The article of a page: its body and what the page says about it (title, ISO 8601 date, authors, category, canonical URL, site, <html lang>). */
export interface HtmlArticle extends PageMetadata {
  /** Body in reading order; whitespace collapsed, entities decoded; not NFC/tone-normalised (later stages do that). */
  paragraphs: string[];
  captions: { text: string; credit: string | null }[];
  /** What was dropped, with a reason; consecutive drops of one reason share a record, each text capped. */
  removed: HtmlRemoval[];
}

const ROW_SEPARATOR = ' | ';

/**
 * The article of an HTML page or fragment: its body as paragraphs (headings their
 * own paragraphs, list items and table rows one line each) and its metadata,
 * structured data first. Pure and deterministic; never throws.
 */
export function extractArticle(html: string, rules: HtmlRules = defaultHtmlRules()): HtmlArticle {
  try {
    const page = String(html);
    if (page.length <= rules.maxInputChars) return extract(page, rules);
    // A page this big is a dump or an endless live page: its start is read, and the record says what was left.
    const article = extract(page.slice(0, rules.maxInputChars), rules);
    const cut = `page cut at ${rules.maxInputChars} characters (html.maxInputChars): the last ${page.length - rules.maxInputChars} of ${page.length} were not read`;
    article.removed.push({ reason: 'other', text: cut.slice(0, rules.removalTextMax) });
    return article;
  } catch (err) {
    // A bug must not fail the document: it then has no article, and the record says why.
    return { ...EMPTY, removed: [{ reason: 'other', text: `extractor error: ${(err as Error).message}`.slice(0, rules.removalTextMax) }] };
  }
}

const EMPTY: HtmlArticle = { paragraphs: [], title: null, date: null, authors: [], category: null, url: null, site: null, lang: null, captions: [], removed: [] };

function extract(html: string, rules: HtmlRules): HtmlArticle {
  const root = parseHtml(html, rules.maxDepth);
  const facts = readFacts(root, rules);
  const { blocks, skipped, imageHolders, buttons } = segment(root, rules.removalTextMax);
  const h1 = blocks.find((b) => b.heading === 1 && !inNavigation(b.owner))?.text ?? null;
  // The headline is known before the body is chosen (it is dropped from the body); bylines after.
  const title = resolveMetadata(facts, h1, [], rules).title;
  let sel = selectArticle(blocks, imageHolders, buttons, title, rules);
  // Nothing left: the article may sit in a box whose class misleads (`page-header`,
  // `promo-layout`). The same selection without class hints is the last resort
  // (trafilatura's cascade: another method when the first yields nothing).
  if (sel.kept.length === 0) {
    const loose = selectArticle(blocks, imageHolders, buttons, title, { ...rules, boilerplateHints: [] });
    if (loose.kept.length > 0) sel = loose;
  }
  const meta = resolveMetadata(facts, h1, sel.bylines.map((b) => b.text), rules);
  const bios = authorBios(sel.kept, meta.authors);
  for (const b of bios) sel.removed.push({ block: b, reason: 'byline' });

  const removed = mergeRemovals([...skipped, ...sel.removed.map(({ block, reason }) => ({ reason, text: block.text }))], rules.removalTextMax);
  return {
    paragraphs: joinRows(sel.kept),
    title: meta.title,
    date: meta.date,
    authors: meta.authors,
    category: meta.category,
    url: meta.url,
    site: meta.site,
    lang: meta.lang,
    captions: uniqueCaptions(sel.captions.map((b) => caption(b.text, rules))),
    removed,
  };
}

/** A label before an author's bio ("About the author"): short, no sentence end. */
const BIO_LABEL_MAX_CHARS = 40;

/**
 * The author's bio that closes many articles ("Jane Doe is a reporter for ..."): kept
 * paragraphs at the end that start with an author's full name, and the short label
 * just before them; taken out of `kept` and returned.
 */
function authorBios(kept: Block[], authors: string[]): Block[] {
  const names = authors.filter((a) => a.includes(' '));
  if (names.length === 0) return [];
  const bios: Block[] = [];
  while (kept.length > 1) {
    const last = kept[kept.length - 1]!;
    if (last.heading > 0 || !names.some((n) => last.text.startsWith(`${n} `))) break;
    bios.push(kept.pop()!);
  }
  const label = kept[kept.length - 1];
  if (bios.length > 0 && kept.length > 1 && label && label.text.length <= BIO_LABEL_MAX_CHARS && !/[.!?…:]$/.test(label.text)) bios.push(kept.pop()!);
  return bios;
}

/** Inside a <nav> or <menu>: an h1 there is a menu entry or the logo, not the headline. */
function inNavigation(el: HtmlElement): boolean {
  for (let up: HtmlElement | null = el; up; up = up.parent) if (up.tag === 'nav' || up.tag === 'menu') return true;
  return false;
}

/** Kept cells of one table row become one line. */
function joinRows(kept: Block[]): string[] {
  const out: string[] = [];
  let lastRow: Block['row'] = null;
  for (const b of kept) {
    if (b.row !== null && b.row === lastRow) out[out.length - 1] += ROW_SEPARATOR + b.text;
    else out.push(b.text);
    lastRow = b.row;
  }
  return out;
}

function caption(text: string, rules: HtmlRules): { text: string; credit: string | null } {
  for (const re of rules.captionCredits) {
    const m = re.exec(text);
    if (m?.groups?.credit && m.index > 0) return { text: text.slice(0, m.index).trim(), credit: m.groups.credit.trim() };
  }
  return { text, credit: null };
}

/** A picture shown twice (a lightbox copy, a mobile variant) has one caption. */
function uniqueCaptions(captions: HtmlArticle['captions']): HtmlArticle['captions'] {
  const seen = new Set<string>();
  return captions.filter((c) => !seen.has(c.text) && seen.add(c.text));
}

function mergeRemovals(items: HtmlRemoval[], max: number): HtmlRemoval[] {
  const out: HtmlRemoval[] = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (last && last.reason === item.reason) {
      if (last.text.length < max) last.text = `${last.text} / ${item.text}`.slice(0, max);
    } else {
      out.push({ reason: item.reason, text: item.text.slice(0, max) });
    }
  }
  return out;
}
