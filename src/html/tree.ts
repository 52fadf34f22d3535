import { Tokenizer } from 'htmlparser2';

/**
 * A small element tree built straight from htmlparser2's tokenizer. htmlparser2's own
 * Parser + domhandler cost about twice the tokenizer alone, and the extractor needs
 * neither namespaces nor node positions. Text nodes are plain strings (entities
 * decoded). The tree is never deeper than `maxDepth`: tags opened below that depth
 * keep their text in the deepest element, so every later walk stays bounded.
 */
export interface HtmlElement {
  /** Position in document order (the root is 0): lets later passes keep per-element numbers in arrays. */
  id: number;
  tag: string;
  /** The attributes the extractor reads (KEPT_ATTRIBUTES), names lower-cased, entities decoded. */
  attrs: Record<string, string>;
  children: HtmlNode[];
  parent: HtmlElement | null;
}

export type HtmlNode = HtmlElement | string;

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

const BLOCKS_CLOSING_P = ['address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'ul', 'li', 'dd', 'dt'];

/** Opening the key closes an open element named in the set (HTML's implied end tags, the common ones). */
const OPEN_CLOSES: Record<string, Set<string>> = {
  li: new Set(['li', 'p']),
  dt: new Set(['dt', 'dd', 'p']),
  dd: new Set(['dt', 'dd', 'p']),
  tr: new Set(['tr', 'td', 'th']),
  td: new Set(['td', 'th']),
  th: new Set(['td', 'th']),
  tbody: new Set(['thead', 'tbody', 'tr', 'td', 'th']),
  tfoot: new Set(['thead', 'tbody', 'tr', 'td', 'th']),
  option: new Set(['option']),
  optgroup: new Set(['option', 'optgroup']),
};
for (const tag of BLOCKS_CLOSING_P) {
  const set = OPEN_CLOSES[tag] ?? new Set<string>();
  set.add('p');
  OPEN_CLOSES[tag] = set;
}

/** The attributes the extractor reads; the rest (src, srcset, data-*, on*) are not even sliced out. */
const KEPT_ATTRIBUTES = new Set([
  'class', 'id', 'style', 'hidden', 'aria-hidden', 'aria-level', 'role', 'itemprop', 'property', 'name', 'content', 'href', 'rel', 'type', 'datetime', 'lang',
]);



// The name must end the tag name: `<svg-icon>` and `<style-guide>` are custom elements, not raw text.
const RAW_TEXT_OPEN = /<(script|style|svg)(?=[\s/>])[^>]*>/gi;
const RAW_TEXT_CLOSE: Record<string, RegExp> = { script: /<\/script\s*>/gi, style: /<\/style\s*>/gi, svg: /<\/svg\s*>/gi };
const JSON_LD = /\btype\s*=\s*["']?application\/ld\+json/i;
/** Characters of a script or style body kept (enough for its removal record). */
const RAW_TEXT_KEPT = 300;

/**
 * The page with script, style and inline SVG bodies cut to their first characters
 * (JSON-LD kept whole): they are half of a news page's bytes, none of it text, and the
 * tokenizer walks them a character at a time while a regular expression finds their
 * ends natively.
 */
function trimRawText(html: string): string {
  const parts: string[] = [];
  let from = 0;
  RAW_TEXT_OPEN.lastIndex = 0;
  for (let open = RAW_TEXT_OPEN.exec(html); open !== null; open = RAW_TEXT_OPEN.exec(html)) {
    const bodyStart = open.index + open[0].length;
    const name = open[1]!.toLowerCase();
    const close = RAW_TEXT_CLOSE[name]!;
    close.lastIndex = bodyStart;
    const end = close.exec(html);
    const bodyEnd = end ? end.index : html.length;
    // An SVG body is markup: cut anywhere it would leave half a tag, so none of it is kept.
    const kept = name === 'svg' ? 0 : RAW_TEXT_KEPT;
    if (bodyEnd - bodyStart > kept && !JSON_LD.test(open[0])) {
      parts.push(html.slice(from, bodyStart + kept));
      from = bodyEnd;
    }
    RAW_TEXT_OPEN.lastIndex = end ? end.index + end[0].length : html.length;
  }
  if (from === 0) return html;
  parts.push(html.slice(from));
  return parts.join('');
}

export function parseHtml(page: string, maxDepth: number): HtmlElement {
  const html = trimRawText(page);
  const root: HtmlElement = { id: 0, tag: '#root', attrs: {}, children: [], parent: null };
  let nextId = 1;
  const stack: HtmlElement[] = [root];
  let current = root;
  let tagName = '';
  let attrs: Record<string, string> = {};
  let attrName = '';
  let attrValue = '';
  let keepAttr = false;
  let pendingText = '';

  const flushText = () => {
    if (pendingText === '') return;
    const kids = current.children;
    const last = kids.length - 1;
    if (last >= 0 && typeof kids[last] === 'string') kids[last] += pendingText;
    else kids.push(pendingText);
    pendingText = '';
  };
  // How many elements of each name are open: a close tag with none open is ignored at once, so
  // stray end tags cost nothing and the search for a match is paid back by the pops it makes.
  const openCount = new Map<string, number>();
  const popTo = (index: number) => {
    for (let i = stack.length - 1; i >= index; i--) {
      const tag = stack[i]!.tag;
      openCount.set(tag, openCount.get(tag)! - 1);
    }
    stack.length = index;
    current = stack[index - 1]!;
  };
  const open = (tag: string, attributes: Record<string, string>, selfClosing: boolean) => {
    flushText();
    const closes = OPEN_CLOSES[tag];
    if (closes) {
      while (stack.length > 1 && closes.has(current.tag)) popTo(stack.length - 1);
    }
    const el: HtmlElement = { id: nextId++, tag, attrs: attributes, children: [], parent: current };
    current.children.push(el);
    if (!selfClosing && !VOID.has(tag) && stack.length <= maxDepth) {
      stack.push(el);
      openCount.set(tag, (openCount.get(tag) ?? 0) + 1);
      current = el;
    }
  };
  const close = (tag: string) => {
    flushText();
    if (tag === 'br') {
      open('br', {}, true);
      return;
    }
    if (!openCount.get(tag)) return;
    for (let i = stack.length - 1; i >= 1; i--) {
      if (stack[i]!.tag === tag) {
        popTo(i);
        return;
      }
    }
  };

  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      onattribdata(start, end) {
        if (keepAttr) attrValue += html.slice(start, end);
      },
      onattribentity(cp) {
        if (keepAttr) attrValue += String.fromCodePoint(cp);
      },
      onattribend() {
        if (keepAttr && attrs[attrName] === undefined) attrs[attrName] = attrValue;
        attrValue = '';
      },
      onattribname(start, end) {
        attrName = html.slice(start, end).toLowerCase();
        keepAttr = KEPT_ATTRIBUTES.has(attrName);
      },
      oncdata() {},
      onclosetag(start, end) {
        close(html.slice(start, end).toLowerCase());
      },
      oncomment() {},
      ondeclaration() {},
      onend() {
        flushText();
      },
      onopentagend() {
        open(tagName, attrs, false);
      },
      onopentagname(start, end) {
        tagName = html.slice(start, end).toLowerCase();
        attrs = {};
      },
      onprocessinginstruction() {},
      onselfclosingtag() {
        open(tagName, attrs, true);
      },
      ontext(start, end) {
        pendingText += html.slice(start, end);
      },
      ontextentity(cp) {
        pendingText += String.fromCodePoint(cp);
      },
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  return root;
}

/** Elements of the subtree in document order, without recursion (an array: cheaper than a generator). */
export function elementsOf(root: HtmlElement): HtmlElement[] {
  const out: HtmlElement[] = [];
  const stack: HtmlElement[] = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    out.push(el);
    for (let i = el.children.length - 1; i >= 0; i--) {
      const child = el.children[i]!;
      if (typeof child !== 'string') stack.push(child);
    }
  }
  return out;
}

/** The subtree's text, whitespace collapsed. */
export function textOf(root: HtmlElement): string {
  const parts: string[] = [];
  const stack: HtmlNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (typeof node === 'string') {
      parts.push(node);
      continue;
    }
    if (node.tag === 'br' || BLOCK_TAGS.has(node.tag)) parts.push(' ');
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return collapse(parts.join(''));
}

/**
 * Whitespace (NBSP, other Unicode spaces, zero-width spaces) collapsed to single spaces,
 * ends trimmed: what `text.replace(/[\s\u200b\u2060]+/g, ' ').trim()` returns (checked
 * in html-extract.test.ts). By hand because a page's text is mostly single spaces
 * between words, each of which that expression matched and replaced: it was the
 * extractor's costliest step on text-heavy pages. Here a text with nothing to change is
 * returned as it is, and only the runs that change are cut around.
 */
export function collapse(text: string): string {
  const n = text.length;
  let out = '';
  let from = 0;
  let i = 0;
  while (i < n) {
    if (!isSpace(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (start === 0 || i === n) out += text.slice(from, start);
    else if (i - start === 1 && text.charCodeAt(start) === 32) continue;
    else out += `${text.slice(from, start)} `;
    from = i;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** `\s` of a regular expression (Unicode spaces, line ends, BOM), and the zero-width space and word joiner. */
function isSpace(c: number): boolean {
  if (c > 32 && c < 0xa0) return false;
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200b) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x2060 || c === 0x3000 || c === 0xfeff
  );
}

/** Elements that start a new line of text: the rest (a, b, span...) run inline. */
export const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'center', 'dd', 'details', 'dialog', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr',
  'html', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead',
  'tr', 'ul', 'title', 'head', 'select', 'option', 'textarea', 'button', 'label', 'menu',
]);
