import { DocumentError } from '../errors.js';
import { isoFrom } from '../html/metadata.js';
import { hostOf, type Header } from './metadata.js';

/** Which fields of a crawler's JSON record hold what (config `records`); names match without regard to case. */
export interface RecordRules {
  textFields: string[];
  titleFields: string[];
  dateFields: string[];
  authorFields: string[];
  urlFields: string[];
  categoryFields: string[];
}

/** A document that was one crawler record: its text and what its other fields say about it. */
export interface CrawlRecord {
  /** The text field; a list of strings stays a JSON list, which the unwrap stage reads. */
  text: string;
  /** Title, date, authors, url and category from the record's fields (null or empty where it has none). */
  header: Header;
}

/**
 * A file that is one JSON object, as news-please, Scrapy feeds and most article crawlers
 * write one article: its text field becomes the document and its title, date, author,
 * url and category fields its metadata, so the record's syntax never reaches the
 * corpus. Text that is not a JSON object gives null (the stages read it as text). A
 * JSON object with no text field, or a file of many records (a JSON list of objects,
 * JSON lines), fails as `bad-record` with what to do instead.
 */
export function readRecord(text: string, rules: RecordRules, defaultOffset: string): CrawlRecord | null {
  const t = text.trim();
  const columns = csvColumns(t, rules);
  if (columns) throw manyRecords(`up to ${t.split('\n').length - 1}`, `a table with the columns ${columns.join(', ')}`);
  const list = /^\[\s*\{\s*"/.test(t);
  if (!t.startsWith('{') && !list) return null;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    // Many records that do not parse as one: JSON lines (one of them broken or cut by a
    // crawl stopped mid-write), or a list cut or broken: the record readers keep the rest.
    const lines = t.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 1 && lines.every((l) => l.trimStart().startsWith('{')) && lines.some(isJsonObject)) throw manyRecords(String(lines.length), 'JSON lines');
    if (list) throw manyRecords('many', 'a JSON list that does not parse, cut or broken');
    return null;
  }
  if (Array.isArray(value)) {
    if (value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) throw manyRecords(String(value.length), 'a JSON list');
    return null;
  }
  const chosen = textOf(value as Record<string, unknown>, rules.textFields);
  if ('error' in chosen) throw new DocumentError('bad-record', `a JSON record ${chosen.error}`);
  return { text: chosen.text, header: recordHeader(value as Record<string, unknown>, rules, defaultOffset).header };
}

/**
 * What a record's fields say about its document: title, date (ISO 8601, in
 * `defaultOffset` when the field gives none), authors, url, site and category, and the
 * names of the fields that said it (a shard's output keeps the others as they were).
 */
export function recordHeader(record: Record<string, unknown>, rules: RecordRules, defaultOffset: string): { header: Header; used: string[] } {
  const fields = lowerKeys(record);
  const used: string[] = [];
  // The first of `names` that `read` finds a value in; a field filled with nothing to read
  // (news-please's `authors: []`, a date "None") gives way to the next, and stays in the record.
  const take = <T>(names: string[], read: (value: unknown) => T): T | null => {
    for (const n of names) {
      const field = fields.get(n.toLowerCase());
      if (!field || field.value === undefined || field.value === null || field.value === '') continue;
      const value = read(field.value);
      if (value === null || (Array.isArray(value) && value.length === 0)) continue;
      used.push(field.key);
      return value;
    }
    return null;
  };
  const url = take(rules.urlFields, str);
  const header: Header = {
    title: take(rules.titleFields, str),
    date: take(rules.dateFields, (v) => dateOf(v, defaultOffset)),
    category: take(rules.categoryFields, (v) => str(Array.isArray(v) ? v[0] : v)),
    authors: take(rules.authorFields, authorsOf) ?? [],
    url,
    site: url ? hostOf(url) : null,
  };
  return { header, used };
}

/**
 * A record's document: the first of `textFields` (names match without regard to case)
 * that holds text, a string or a list of strings (paragraphs or a page's text nodes,
 * kept as a JSON list for the unwrap stage); or what is wrong, to follow "a record ...".
 */
export function textOf(record: Record<string, unknown>, textFields: readonly string[]): { key: string; text: string } | { error: string } {
  const keys = new Map<string, string>();
  for (const k of Object.keys(record)) if (!keys.has(k.toLowerCase())) keys.set(k.toLowerCase(), k);
  const present = textFields.map((f) => keys.get(f.toLowerCase())).filter((k): k is string => k !== undefined);
  const key = present.find((k) => isText(record[k]));
  if (key !== undefined) {
    const value = record[key];
    return { key, text: typeof value === 'string' ? value : JSON.stringify(value) };
  }
  if (present.length === 0) {
    const names = [...keys.values()].slice(0, 20).join(', ');
    return { error: `with none of the text fields ${textFields.join(', ')} (records.textFields); its fields: ${names}` };
  }
  const value = record[present[0]!];
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v);
  const other = Array.isArray(value) ? value.find((v) => typeof v !== 'string') : undefined;
  const what =
    typeof value === 'string' || (Array.isArray(value) && other === undefined)
      ? 'is empty'
      : Array.isArray(value)
        ? `holds a list of ${kind(other)}s, not text`
        : `holds ${value === null ? 'null' : `a ${typeof value}`}, not text`;
  return { error: `whose text field "${present[0]}" ${what}` };
}

/** A header's values with the record's over them wherever the record has one: a crawler's field is the better word. */
export function withRecordHeader(header: Header, record: Header | null): Header {
  if (!record) return header;
  return {
    title: record.title ?? header.title,
    date: record.date ?? header.date,
    category: record.category ?? header.category,
    authors: record.authors.length > 0 ? record.authors : header.authors,
    url: record.url ?? header.url,
    site: record.site ?? header.site,
  };
}

function manyRecords(count: string, form: string): DocumentError {
  return new DocumentError(
    'bad-record',
    `a file of ${count} records (${form}), not one document: give the file itself as the input (vnpipe run <file> --out <dir>: a .jsonl, .json or .csv file named alone is read record by record, README "Shards and object storage")`,
  );
}

/**
 * The columns of a CSV or TSV table whose header names a text field (`url,title,content`),
 * or null: such a file is many records, not an article that happens to hold commas.
 */
function csvColumns(t: string, rules: RecordRules): string[] | null {
  const header = t.slice(0, t.indexOf('\n') >>> 0).trim();
  if (header.length > 500 || !/^[\w" ]+(?:[,\t;][\w" ]+)+$/u.test(header)) return null;
  const columns = header.split(/[,\t;]/).map((c) => c.replace(/"/g, '').trim().toLowerCase());
  return rules.textFields.some((f) => columns.includes(f.toLowerCase())) ? columns : null;
}

function isJsonObject(line: string): boolean {
  const l = line.trim();
  if (!l.startsWith('{') || !l.endsWith('}')) return false;
  try {
    const v: unknown = JSON.parse(l);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** A record's fields by their lower-cased names (the first of two that differ only in case). */
function lowerKeys(record: Record<string, unknown>): Map<string, { key: string; value: unknown }> {
  const out = new Map<string, { key: string; value: unknown }>();
  for (const [key, value] of Object.entries(record)) if (!out.has(key.toLowerCase())) out.set(key.toLowerCase(), { key, value });
  return out;
}

/** A text field: a non-blank string, or a list of strings (paragraphs or a page's text nodes). */
function isText(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() !== '';
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') && value.some((v) => (v as string).trim() !== '');
}

function str(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const s = String(value).replace(/\s+/g, ' ').trim();
  return s === '' ? null : s;
}

/** Authors as a list, a string of names (`A, B`, `A - B`, `A và B`), or objects with a name. */
function authorsOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  const names = items.flatMap((v) => {
    const s = str(v !== null && typeof v === 'object' ? (v as Record<string, unknown>).name : v);
    return s ? s.split(/\s*(?:,|;|\s[-–]\s|\svà\s|\sand\s)\s*/u) : [];
  });
  return [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))];
}

/**
 * A date field: as pages write a date (isoFrom), or a number, or digits (every CSV cell
 * is a string): 8 digits are a calendar day (20251030: as seconds it would be 1970),
 * more are epoch seconds or milliseconds, and 0 or less is a crawler's "unknown".
 */
function dateOf(value: unknown, defaultOffset: string): string | null {
  const digits = typeof value === 'string' && /^\s*\d{8,13}\s*$/.test(value) ? Number(value) : value;
  if (typeof digits !== 'number') return typeof value === 'string' ? isoFrom(value, defaultOffset) : null;
  const day = /^(\d{4})(\d{2})(\d{2})$/.exec(String(digits));
  if (day) {
    const [y, m, d] = day.slice(1).map(Number) as [number, number, number];
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCMonth() === m - 1 && date.getUTCDate() === d && y >= 1900 ? `${day[1]}-${day[2]}-${day[3]}` : null;
  }
  if (!(digits > 0)) return null;
  const date = new Date(digits > 1e11 ? digits : digits * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString().replace('.000Z', 'Z');
}
