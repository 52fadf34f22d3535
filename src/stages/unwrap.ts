import type { Stage } from './stage.js';

/**
 * Text that a crawler stored as a printed list of strings (Python's `str(list)`, a
 * JSON array): `['\r\n', 'Đoạn một.', 'Đoạn hai.']`. Each string becomes a paragraph,
 * with its escapes decoded, so that the brackets, quotes, commas and escaped line
 * breaks of the list never reach the text. Anything that does not parse whole as
 * such a list is left as it is.
 */
export const unwrapStage: Stage = {
  name: 'unwrap',
  run(draft) {
    const items = printedList(draft.text);
    if (items) draft.text = items.join('\n\n');
  },
};

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

/** The non-empty strings of a printed list, or null when `text` is not one (one pass, no backtracking). */
export function printedList(text: string): string[] | null {
  const t = text.trim();
  if (t.length < 4 || t[0] !== '[' || t[t.length - 1] !== ']' || (t[1] !== "'" && t[1] !== '"')) return null;
  const items: string[] = [];
  let i = 1;
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
        item += ESCAPES[e] ?? `\\${e}`;
      }
    }
    const trimmed = item.trim();
    if (trimmed) items.push(trimmed);
    for (i++; t[i] === ' '; i++);
    if (t[i] === ']') return i === t.length - 1 && items.length > 0 ? items : null;
    if (t[i] !== ',') return null;
    for (i++; t[i] === ' ' || t[i] === '\n' || t[i] === '\r'; i++);
  }
}
