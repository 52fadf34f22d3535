import { isHtmlPage } from '../html/detect.js';
import type { Stage } from './stage.js';

/**
 * Text that a crawler stored as a printed list of strings (Python's `str(list)`, a
 * JSON array): `['\r\n', 'Đoạn một.', 'Đoạn hai.']`, the whole field or, as crawlers
 * that store a lead apart from the text nodes do, after a lead or between text
 * (`Lead sentence. ['\r\n', 'Đoạn một.', ...]`). The brackets, quotes, commas and
 * escapes of the list never reach the text. A list of paragraphs gives one paragraph
 * per string; a list of a page's text nodes (strings of white space only, strings that
 * open or end with a line break) is the page text cut at its nodes, so its strings are joined as the page had them: a link's text
 * stays inside its sentence and the line breaks of the nodes part the paragraphs.
 * Text around a list stays as it is.
 */
export const unwrapStage: Stage = {
  name: 'unwrap',
  run(draft) {
    // A whole HTML page is no printed list: the arrays in its scripts and JSON-LD stay as written.
    if (isHtmlPage(draft.text)) return;
    draft.text = unwrapPrintedLists(draft.text);
  },
};

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

interface Parsed {
  /** The non-empty strings, trimmed. */
  items: string[];
  /** Every string as written (escapes decoded, not trimmed), for a list of text nodes. */
  raw: string[];
  /** Index just past the closing `]`. */
  end: number;
  /** The list held the signs of printed text nodes: an escaped line break or tab, or a whitespace-only string. */
  nodes: boolean;
  /** The strings carry the page's layout: one is white space only, or one opens or ends with a line break. */
  layout: boolean;
}

/** Parses the printed list that opens at `t[start] === '['`, or null (one pass, no backtracking). */
function parseList(t: string, start: number): Parsed | null {
  if (t[start] !== '[' || (t[start + 1] !== "'" && t[start + 1] !== '"')) return null;
  const items: string[] = [];
  const raw: string[] = [];
  let nodes = false;
  let layout = false;
  let i = start + 1;
  for (;;) {
    const quote = t[i];
    if (quote !== "'" && quote !== '"') return null;
    let item = '';
    for (i++; ; i++) {
      if (i >= t.length) return null;
      const c = t[i]!;
      if (c === quote) break;
      if (c !== '\\') {
        item += c;
        continue;
      }
      const e = t[++i];
      if (e === undefined) return null;
      if (e === 'x' || e === 'u') {
        const digits = t.slice(i + 1, i + (e === 'x' ? 3 : 5));
        if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== (e === 'x' ? 2 : 4)) return null;
        item += String.fromCharCode(parseInt(digits, 16));
        i += digits.length;
      } else {
        if (e === 'n' || e === 'r' || e === 't') nodes = true;
        item += ESCAPES[e] ?? `\\${e}`;
      }
    }
    raw.push(item);
    const trimmed = item.trim();
    if (trimmed) items.push(trimmed);
    else nodes = layout = true;
    if (/^[\r\n]|[\r\n]$/.test(item)) layout = true;
    for (i++; t[i] === ' '; i++);
    if (t[i] === ']') return items.length > 0 ? { items, raw, end: i + 1, nodes, layout } : null;
    if (t[i] !== ',') return null;
    for (i++; t[i] === ' ' || t[i] === '\n' || t[i] === '\r'; i++);
  }
}

/** The non-empty strings of a printed list, or null when `text` is not wholly one. */
export function printedList(text: string): string[] | null {
  const t = text.trim();
  const parsed = parseList(t, 0);
  return parsed && parsed.end === t.length ? parsed.items : null;
}

/**
 * `text` with every printed list of text nodes in it replaced by its strings, one
 * paragraph each. A whole-field list is always unwrapped; a list inside text only
 * when it carries the signs of printed nodes (an escaped line break, a whitespace-only
 * string), so a quoted array in an article about code (`["a", "b"]`) stays as written.
 */
export function unwrapPrintedLists(text: string): string {
  const t = text.trim();
  const whole = parseList(t, 0);
  if (whole && whole.end === t.length) return listText(whole);
  let out = '';
  let from = 0;
  for (let at = text.indexOf('[', 0); at !== -1; at = text.indexOf('[', at + 1)) {
    if (at < from) continue;
    const parsed = parseList(text, at);
    if (!parsed?.nodes) continue;
    out += `${text.slice(from, at).trimEnd()}\n\n${listText(parsed)}\n\n`;
    from = parsed.end;
    at = parsed.end - 1;
  }
  return from === 0 ? text : (out + text.slice(from).trimStart()).trim();
}

/** A list of text nodes joined as the page had them; a list of paragraphs one per paragraph. */
function listText(list: Parsed): string {
  if (!list.layout) return list.items.join('\n\n');
  // Lines of the page, each trimmed (`\r\n  Đoạn`), and no run of blank lines left by empty nodes.
  return list.raw
    .join('')
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
