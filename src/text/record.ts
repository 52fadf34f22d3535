import { DocumentError } from '../errors.js';
import { isoFrom } from '../html/metadata.js';
import type { Header } from './metadata.js';

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
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[{') && t.endsWith('}]'))) return null;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    const lines = t.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 1 && lines.every(isJsonObject)) throw manyRecords(String(lines.length), 'JSON lines');
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
  // The first of `names` the record fills, read by `read`; the field counts as used when it gave a value.
  const take = <T>(names: string[], read: (value: unknown) => T): T | null => {
    for (const n of names) {
      const field = fields.get(n.toLowerCase());
      if (!field || field.value === undefined || field.value === null || field.value === '') continue;
      const value = read(field.value);
      if (value === null || (Array.isArray(value) && value.length === 0)) return null;
      used.push(field.key);
      return value;
    }
    return null;
  };
  const url = take(rules.urlFields, str);
  const header: Header = {
    title: take(rules.titleFields, str),
    date: take(rules.dateFields, (v) => (typeof v === 'number' ? epochIso(v) : typeof v === 'string' ? isoFrom(v, defaultOffset) : null)),
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
  const what = typeof value === 'string' || Array.isArray(value) ? 'is empty' : `holds ${value === null ? 'null' : `a ${typeof value}`}, not text`;
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

function epochIso(n: number): string | null {
  const date = new Date(n > 1e11 ? n : n * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString().replace('.000Z', 'Z');
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}
