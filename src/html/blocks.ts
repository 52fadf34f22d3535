import type { HtmlRemoval } from './extract.js';
import { BLOCK_TAGS, collapse, textOf, type HtmlElement, type HtmlNode } from './tree.js';

/**
 * One run of text between block boundaries (a paragraph, a heading, a list item, a
 * table cell, a line after <br>), with the shallow features boilerpipe and jusText
 * classify on: its length and how much of it is link text.
 */
export interface Block {
  text: string;
  /** Non-space characters, a CJK character counting as several (it carries about a word). */
  chars: number;
  /** The same count for the text inside links. */
  linkChars: number;
  /** The innermost block element the text sits in. */
  owner: HtmlElement;
  /** 1..6 for h1..h6 (or role=heading), else 0. */
  heading: number;
  /** All of the text is bold (<b>, <strong>): a subheading when it is short. */
  bold: boolean;
  /** The table row when the block is a whole table cell, so a row can become one line. */
  row: HtmlElement | null;
}

/** Tags whose content is never article text; the removal reason they are recorded under. */
const SKIPPED: Record<string, HtmlRemoval['reason']> = {
  script: 'script', noscript: 'script', template: 'script',
  style: 'style',
  select: 'form', textarea: 'form', button: 'form', input: 'form', option: 'form',
  svg: 'other', math: 'other', iframe: 'other', object: 'other', embed: 'other', canvas: 'other', video: 'other', audio: 'other', map: 'other',
  head: 'other',
};
/** Skipped tags whose text is not worth a removal record (markup internals, the head). */
const SILENT = new Set(['iframe', 'head', 'svg', 'math', 'option', 'input', 'canvas', 'map', 'object', 'embed', 'video', 'audio']);

const HIDDEN_STYLE = /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)/i;

function isHidden(el: HtmlElement): boolean {
  const a = el.attrs;
  return 'hidden' in a || a['aria-hidden'] === 'true' || (a.style !== undefined && HIDDEN_STYLE.test(a.style)) || (el.tag === 'input' && a.type === 'hidden');
}

export interface Segmentation {
  blocks: Block[];
  /** Texts of skipped and hidden elements, for the removal record. */
  skipped: HtmlRemoval[];
  /** Elements with an <img> or <picture> a few levels below them. */
  imageHolders: Set<HtmlElement>;
  /** Buttons (<button>, links styled or marked as buttons): what promo, paywall and newsletter boxes are built around. */
  buttons: HtmlElement[];
}

const BUTTON_CLASS = /(?:^|[\s_-])(?:btn|button)(?:$|[\s_-])/i;

function isButton(el: HtmlElement): boolean {
  return el.tag === 'button' || (el.tag === 'a' && (el.attrs.role === 'button' || (el.attrs.class !== undefined && BUTTON_CLASS.test(el.attrs.class))));
}

/** How many ancestors of an image learn that they hold one (a caption's box is small). */
const IMAGE_HOLDER_LEVELS = 4;

/** The page's text as blocks in reading order; script, style, forms and hidden elements are set aside. */
export function segment(root: HtmlElement, removalTextMax: number): Segmentation {
  const blocks: Block[] = [];
  const skipped: HtmlRemoval[] = [];
  const imageHolders = new Set<HtmlElement>();
  const buttons: HtmlElement[] = [];
  let parts: string[] = [];
  let linkParts: string[] = [];
  let boldParts: string[] = [];
  let boldDepth = 0;
  let owner: HtmlElement = root;
  const owners: HtmlElement[] = [root];
  let linkDepth = 0;

  const flush = () => {
    if (parts.length === 0) return;
    const text = collapse(parts.join(''));
    parts = [];
    const linked = linkParts.join('');
    linkParts = [];
    const bold = boldParts.join('');
    boldParts = [];
    if (text === '') return;
    const chars = nonSpace(text);
    blocks.push({
      text,
      chars,
      linkChars: Math.min(chars, nonSpace(linked)),
      owner,
      heading: headingLevel(owner),
      bold: nonSpace(collapse(bold)) === chars,
      row: (owner.tag === 'td' || owner.tag === 'th') && owner.parent?.tag === 'tr' ? owner.parent : null,
    });
  };

  // An explicit stack (nodes, and whether each is being left): no recursion, whatever the depth.
  const stack: HtmlNode[] = [root];
  const leavingStack: boolean[] = [false];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const leaving = leavingStack.pop()!;
    if (typeof node === 'string') {
      parts.push(node);
      if (linkDepth > 0) linkParts.push(node);
      if (boldDepth > 0) boldParts.push(node);
      continue;
    }
    const tag = node.tag;
    if (leaving) {
      if (tag === 'a') linkDepth--;
      else if (tag === 'b' || tag === 'strong') boldDepth--;
      if (BLOCK_TAGS.has(tag)) {
        flush();
        owners.pop();
        owner = owners[owners.length - 1]!;
      }
      continue;
    }
    if (isButton(node)) buttons.push(node);
    const reason = SKIPPED[tag] ?? (isHidden(node) ? 'hidden' : undefined);
    if (reason !== undefined) {
      if (!SILENT.has(tag) && !(tag === 'script' && /json/i.test(node.attrs.type ?? ''))) {
        const text = reason === 'script' || reason === 'style' ? rawText(node) : textOf(node);
        if (text) skipped.push({ reason, text: text.slice(0, removalTextMax) });
      }
      // Block-level hidden elements still end the paragraph they interrupt.
      if (BLOCK_TAGS.has(tag)) flush();
      continue;
    }
    if (tag === 'br' || tag === 'hr') {
      flush();
      continue;
    }
    if (tag === 'img' || tag === 'picture') {
      let up: HtmlElement | null = node.parent;
      for (let i = 0; i < IMAGE_HOLDER_LEVELS && up; i++, up = up.parent) imageHolders.add(up);
      continue;
    }
    if (tag === 'a') linkDepth++;
    else if (tag === 'b' || tag === 'strong') boldDepth++;
    if (BLOCK_TAGS.has(tag)) {
      flush();
      owners.push(node);
      owner = node;
    }
    stack.push(node);
    leavingStack.push(true);
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push(node.children[i]!);
      leavingStack.push(false);
    }
  }
  flush();
  return { blocks, skipped, imageHolders, buttons };
}

function rawText(el: HtmlElement): string {
  return collapse(el.children.filter((c): c is string => typeof c === 'string').join(' '));
}

/** Weight of a Han or kana character, and of a Hangul syllable, against a Latin letter. */
const HAN_KANA_WEIGHT = 3;
const HANGUL_WEIGHT = 2;

function nonSpace(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) continue;
    if (c < 0x3040) n++;
    else if (c <= 0x30ff || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff)) n += HAN_KANA_WEIGHT;
    else if (c >= 0xac00 && c <= 0xd7af) n += HANGUL_WEIGHT;
    else n++;
  }
  return n;
}

function headingLevel(el: HtmlElement): number {
  const m = /^h([1-6])$/.exec(el.tag);
  if (m) return +m[1]!;
  return el.attrs.role === 'heading' ? Number(el.attrs['aria-level'] ?? 2) || 2 : 0;
}
