import { isoOffset, parseDate } from '../text/dates.js';
import type { HtmlRules } from './rules.js';
import { collapse, elementsOf, textOf, type HtmlElement } from './tree.js';

/** What the page says about itself, read once from the tree. */
export interface PageFacts {
  /** meta name / property / itemprop (lower-cased) to their content values, in page order. */
  meta: Map<string, string[]>;
  jsonLd: unknown[];
  titleTag: string | null;
  canonical: string | null;
  lang: string | null;
  /** datetime attributes of <time> elements, in page order. */
  times: string[];
  /** Texts of breadcrumb items (from the first element whose class or id says breadcrumb). */
  breadcrumbs: string[];
  /** Short texts of the first elements whose class, rel or itemprop says author or byline. */
  bylines: string[];
  /** Short texts of the first elements whose class says date or time, and of <time> elements. */
  dateTexts: string[];
}

/** Page elements read for a byline or a shown date, at most. */
const SHOWN_MAX = 5;
const SHOWN_MAX_CHARS = 100;

export interface PageMetadata {
  title: string | null;
  date: string | null;
  authors: string[];
  category: string | null;
  url: string | null;
  site: string | null;
  lang: string | null;
}

const ARTICLE_TYPES = /^(?:\w*Article|BlogPosting|Report|LiveBlogPosting|WebPage|ItemPage|Posting|SocialMediaPosting|Blog)$/;

export function readFacts(root: HtmlElement, rules: HtmlRules): PageFacts {
  const facts: PageFacts = { meta: new Map(), jsonLd: [], titleTag: null, canonical: null, lang: null, times: [], breadcrumbs: [], bylines: [], dateTexts: [] };
  let breadcrumbSeen = false;
  for (const el of elementsOf(root)) {
    const a = el.attrs;
    switch (el.tag) {
      case 'html':
        if (facts.lang === null && a.lang) facts.lang = a.lang.trim() || null;
        break;
      case 'title':
        if (facts.titleTag === null) facts.titleTag = textOf(el) || null;
        break;
      case 'link':
        if (facts.canonical === null && a.href && /(?:^|\s)canonical(?:\s|$)/i.test(a.rel ?? '')) facts.canonical = a.href.trim();
        break;
      case 'meta': {
        const key = (a.property ?? a.name ?? a.itemprop ?? '').trim().toLowerCase();
        if (key && a.content !== undefined) addMeta(facts.meta, key, a.content);
        break;
      }
      case 'script':
        if (/ld\+json/i.test(a.type ?? '')) {
          const parsed = parseJson(textOfScript(el));
          if (parsed !== undefined) facts.jsonLd.push(parsed);
        }
        break;
      case 'time':
        if (a.datetime) facts.times.push(a.datetime);
        break;
    }
    // itemprop on page elements (microdata) counts like a meta with the element's value.
    if (el.tag !== 'meta' && a.itemprop) {
      const value = a.content ?? a.datetime;
      if (value !== undefined) addMeta(facts.meta, a.itemprop.toLowerCase(), value);
      else if (/^(?:author|headline|articlesection)$/i.test(a.itemprop)) addMeta(facts.meta, `itemprop:${a.itemprop.toLowerCase()}`, textOf(el));
    }
    const names = a.class === undefined && a.id === undefined ? '' : `${a.class ?? ''} ${a.id ?? ''}`;
    if (facts.bylines.length < SHOWN_MAX && (a.rel === 'author' || /author/i.test(a.itemprop ?? '') || (names !== '' && rules.bylineHints.test(names)))) {
      const text = textOf(el);
      if (text && text.length <= SHOWN_MAX_CHARS) facts.bylines.push(text);
    }
    if (facts.dateTexts.length < SHOWN_MAX && (el.tag === 'time' || (names !== '' && rules.dateHints.test(names)))) {
      const text = textOf(el);
      if (text && text.length <= SHOWN_MAX_CHARS) facts.dateTexts.push(text);
    }
    if (!breadcrumbSeen && names !== '' && /breadcrumb/i.test(names) && el.tag !== 'li' && el.tag !== 'a') {
      breadcrumbSeen = true;
      for (const item of elementsOf(el)) {
        if (item.tag === 'a' || (item.tag === 'li' && !item.children.some((c) => typeof c !== 'string' && c.tag === 'a'))) {
          const text = textOf(item);
          if (text) facts.breadcrumbs.push(text);
        }
      }
    }
  }
  return facts;
}

function addMeta(meta: Map<string, string[]>, key: string, value: string): void {
  const v = collapse(decodeEntities(value));
  if (!v) return;
  const list = meta.get(key);
  if (list) list.push(v);
  else meta.set(key, [v]);
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const ENTITY = /&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|(amp|lt|gt|quot|apos|nbsp));/gi;

/**
 * Entities left in JSON-LD and meta values: sites escape them once more than HTML
 * needs (`Ch&#237;nh`, `&amp;#7871;`), so decode up to twice.
 */
function decodeEntities(text: string): string {
  for (let i = 0; i < 2 && text.includes('&'); i++) {
    text = text.replace(ENTITY, (_, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
      const cp = dec ? Number(dec) : hex ? parseInt(hex, 16) : -1;
      if (cp >= 0) return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
      return NAMED[name!.toLowerCase()]!;
    });
  }
  return text;
}

function textOfScript(el: HtmlElement): string {
  return el.children.filter((c): c is string => typeof c === 'string').join('');
}

function parseJson(text: string): unknown {
  const trimmed = text.trim().replace(/^<!--|-->$/g, '');
  try {
    return JSON.parse(trimmed);
  } catch {
    // Raw newlines and tabs inside strings are the common fault of hand-made JSON-LD.
    try {
      return JSON.parse(trimmed.replace(/[\u0000-\u001f]+/g, ' '));
    } catch {
      return undefined;
    }
  }
}

/** JSON-LD nodes, breadth first: arrays, @graph and the page's own nested nodes (a WebPage's mainEntity) flattened, a few levels and nodes at most. */
function jsonLdNodes(roots: unknown[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const queue: [unknown, number][] = roots.map((r) => [r, 0]);
  for (let i = 0; i < queue.length && out.length < JSON_LD_MAX_NODES; i++) {
    const [node, depth] = queue[i]!;
    if (depth > 4 || node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const n of node) queue.push([n, depth + 1]);
      continue;
    }
    const obj = node as Record<string, unknown>;
    out.push(obj);
    for (const key of JSON_LD_NESTED) if (obj[key] !== null && typeof obj[key] === 'object') queue.push([obj[key], depth + 1]);
  }
  return out;
}

const JSON_LD_MAX_NODES = 300;
/** Properties whose objects describe this page (not hasPart / relatedLink lists of other articles). */
const JSON_LD_NESTED = ['@graph', 'mainEntity', 'mainEntityOfPage', 'breadcrumb'];

function types(node: Record<string, unknown>): string[] {
  const t = node['@type'];
  return (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === 'string');
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return collapse(decodeEntities(value)) || null;
  if (Array.isArray(value)) return str(value[0]);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return str(o.name ?? o['@value'] ?? o['@id'] ?? o.url);
  }
  return null;
}

/**
 * Title, date, authors, category, canonical URL and site, structured data first
 * (JSON-LD, Open Graph and article:* meta, microdata), then what the page shows.
 * `bylines` are the article's byline lines the content selection set aside.
 */
export function resolveMetadata(facts: PageFacts, h1: string | null, bylines: string[], rules: HtmlRules): PageMetadata {
  const defaultOffset = rules.defaultOffset;
  const nodes = jsonLdNodes(facts.jsonLd);
  const articles = nodes.filter((n) => types(n).some((t) => ARTICLE_TYPES.test(t)));
  // A real article type beats WebPage, which many sites describe the page with too.
  articles.sort((x, y) => rank(x) - rank(y));
  const article = articles[0];
  const meta = (key: string) => facts.meta.get(key)?.[0] ?? null;
  // A node may name another by its @id alone (`"author": {"@id": ".../#/schema/person/..."}`,
  // as Yoast's @graph does): the node with that @id says who it is.
  const byId = new Map<string, Record<string, unknown>>();
  for (const n of nodes) if (typeof n['@id'] === 'string' && Object.keys(n).length > 1) byId.set(n['@id'], n);
  const deref = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(deref);
    const o = value as Record<string, unknown> | null;
    return o && typeof o === 'object' && typeof o['@id'] === 'string' && o.name === undefined ? (byId.get(o['@id']) ?? o) : value;
  };

  const site =
    meta('og:site_name') ??
    str(deref(article?.publisher) ?? null) ??
    str(nodes.find((n) => types(n).includes('WebSite'))?.name ?? null) ??
    hostOf(facts.canonical ?? meta('og:url'));

  const title = cleanTitle(
    str(article?.headline ?? null) ?? meta('og:title') ?? meta('twitter:title') ?? meta('itemprop:headline') ?? h1 ?? facts.titleTag,
    site,
    h1,
    rules,
  );

  const dateRaw = [
    str(article?.datePublished ?? null),
    meta('article:published_time'),
    meta('og:published_time'),
    meta('datepublished'),
    meta('pubdate'),
    meta('publishdate'),
    meta('publish-date'),
    meta('og:article:published_time'),
    meta('parsely-pub-date'),
    meta('dc.date.issued'),
    meta('dcterms.created'),
    meta('dc.date'),
    meta('dcterms.date'),
    meta('date'),
    // A site's own meta name for it (`article_date_original`, `sailthru.date`), not an update's.
    ...[...facts.meta].filter(([key]) => OWN_DATE_META.test(key) && !NOT_PUBLISHED.test(key)).map(([, values]) => values[0]!),
    str(article?.dateCreated ?? null),
    facts.times[0] ?? null,
    str(article?.dateModified ?? null),
    meta('article:modified_time'),
    ...facts.dateTexts,
  ];
  let date: string | null = null;
  let at = 0;
  for (; at < dateRaw.length; at++) {
    const raw = dateRaw[at];
    if (raw && (date = isoFrom(raw, defaultOffset))) break;
  }
  date = localTime(date, dateRaw.slice(at + 1), defaultOffset);

  // Outlet names squashed, with and without their domain ending: "VnExpress" is vnexpress.net's.
  // `<meta name="publisher" content="Deutsche Welle (www.dw.com)">` names the outlet too, a note in brackets after it.
  const outlets = [site, str(deref(article?.publisher) ?? null), hostOf(facts.canonical), meta('publisher'), meta('application-name')]
    .filter((x): x is string => x !== null)
    .map((x) => x.replace(/\s*\(.*$/, ''))
    .flatMap((x) => [squash(x), squash(x.replace(/\.(?:com|net|org|vn|co|info)(?:\.\w{2})?$/i, ''))]);
  // Structured data names its author as such, and Vietnamese reporters sign with two initials
  // (`"author": {"@type": "Person", "name": "TP"}`); text found on the page needs three letters.
  const isPerson = (name: string, shortest = 3) =>
    name.length >= shortest && name.length <= 60 && !/^https?:|@|\d/i.test(name) && !outlets.includes(squash(name)) && !rules.outletAuthors.test(name);
  // Beside a full name, a one-word part of the same byline is a place or a desk, not a
  // writer: "Von Markus Balser, Berlin", an outlet signing with its seat ("SPIEGEL ONLINE,
  // Hamburg, Germany"). A one-word name alone stays ("Heryadi", initials "TP").
  const namesIn = (texts: string[]) =>
    texts.flatMap((text) => {
      const parts = splitNames(text);
      const people = parts.filter((n) => isPerson(n));
      const full = people.filter((n) => n.includes(' '));
      return full.length > 0 || people.length < parts.length ? full : people;
    });
  let authors = authorsOf(deref(article?.author)).filter((n) => isPerson(n, 2));
  if (authors.length === 0) authors = namesIn(AUTHOR_META.flatMap((key) => facts.meta.get(key) ?? []));
  if (authors.length === 0) authors = namesIn(bylines);
  if (authors.length === 0) authors = namesIn(facts.bylines.slice(0, 1));

  const breadcrumbs = nodes
    .filter((n) => types(n).includes('BreadcrumbList'))
    .flatMap((n) => (Array.isArray(n.itemListElement) ? n.itemListElement : []))
    .map((item) => str((item as Record<string, unknown>)?.name ?? (item as Record<string, unknown>)?.item ?? null))
    .filter((x): x is string => x !== null && !/^https?:/.test(x));
  const crumbs = (breadcrumbs.length > 0 ? breadcrumbs : facts.breadcrumbs).filter((c) => !rules.breadcrumbHome.test(c) && (title === null || c !== title));
  const category = str(article?.articleSection ?? null) ?? meta('article:section') ?? crumbs[crumbs.length - 1] ?? null;

  // The first absolute one: a relative canonical link gives way to og:url.
  const url = [facts.canonical, meta('og:url'), str(article?.url ?? null), str(article?.mainEntityOfPage ?? null)].find((u) => u && /^https?:\/\//i.test(u)) ?? null;
  return { title, date, authors: unique(authors), category, url, site, lang: facts.lang };
}

const OWN_DATE_META = /(?:^|[_:.-])(?:date|pubdate|published)(?:$|[_:.-])/;
const NOT_PUBLISHED = /modif|updat|expir|valid|end|birth|revis/;

/** Meta names and properties that carry the author's name (itemprop:author is microdata's visible text). */
const AUTHOR_META = ['author', 'article:author', 'itemprop:author', 'parsely-author', 'sailthru.author', 'dc.creator', 'dcterms.creator', 'citation_author'];

/**
 * The same instant in the page's own time zone when a later candidate has it: many sites give JSON-LD in UTC and article:published_time with their offset,
 * and the local day is the one the page shows (23:38 in New York is the next day in UTC).
 */
function localTime(date: string | null, others: (string | null)[], defaultOffset: string): string | null {
  if (date === null || !/(?:Z|[+-]00:00)$/.test(date)) return date;
  const instant = Date.parse(date);
  for (const raw of others) {
    const iso = raw ? isoFrom(raw, defaultOffset) : null;
    if (iso && /[+-](?!00:00)\d{2}:\d{2}$/.test(iso) && Date.parse(iso) === instant) return iso;
  }
  return date;
}

function rank(node: Record<string, unknown>): number {
  const t = types(node);
  if (t.some((x) => /Article|BlogPosting|Posting|Report/.test(x))) return node.headline ? 0 : 1;
  return node.headline ? 2 : 3;
}

// Longer forms first: "Bài và ảnh:" must not stop at "Bài".
const BYLINE_PREFIX = /^(?:Tin và ảnh|Bài và ảnh|Tin, ảnh|Bài, ảnh|Tin|Bài|Ảnh|Nhóm PV|PV|By|Bởi|Theo|Tác giả|Author|Written by|Von|Por|Par|Di)\s*:?\s+/iu;

/** Person names in a byline text: leading separators, prefixes (By, Theo, Bài:) and a trailing (note) dropped, lists split (outlets are filtered by the caller). */
function splitNames(text: string): string[] {
  return decodeEntities(text)
    .replace(/^[\s/|·•–—-]+/u, '')
    .replace(BYLINE_PREFIX, '')
    .replace(/\s*[(|].*$/u, '')
    // ` / ` parts names, or a name from the date in a byline box (`/ Cory Doctorow / 10:08 am Fri Jul 19, 2013`).
    .split(/\s*(?:,|;|\s[-–—&/]\s|\sand\s|\svà\s|\sund\s|\sy\s|\set\s)\s*/)
    // The list's last name after a serial comma: "Chien-Ming Wang, and Tom Watkins".
    .map((n) => n.trim().replace(/^(?:and|und|và|et)\s+/iu, ''))
    .filter((n) => /^\p{L}[\p{L}\p{M}.' -]*$/u.test(n) && n.split(' ').length <= 5);
}

function squash(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

function authorsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const names: string[] = [];
  for (const a of list.slice(0, 20)) {
    // Organization and its kinds (NewsMediaOrganization, Corporation): an outlet, not a writer.
    if (a && typeof a === 'object' && types(a as Record<string, unknown>).some((t) => /Organi[sz]ation$|^Corporation$/.test(t))) continue;
    const name = str(a);
    if (name) names.push(...splitNames(name));
  }
  return names;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function hostOf(url: string | null): string | null {
  const m = url ? /^https?:\/\/(?:www\.)?([^/:?#]+)/i.exec(url) : null;
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * A title without the site name a <title> or og:title appends (`Headline - VnExpress`).
 * When the page has an h1 that the candidate starts with, the h1 is the headline.
 */
function cleanTitle(raw: string | null, site: string | null, h1: string | null, rules: HtmlRules): string | null {
  if (!raw) return h1;
  // The visible headline wins over a structured variant of it (reworded for search engines).
  // An h1 that only adds a kicker ("Minderheit in Syrien") to the structured title is not preferred.
  if (h1 && raw !== h1 && !h1.includes(raw) && (raw.startsWith(h1) || wordOverlap(raw, h1) >= rules.titleH1Overlap)) return h1;
  const parts = raw.split(rules.titleSeparators);
  if (parts.length < 2) return raw;
  const siteLower = site?.toLowerCase().replace(/^www\./, '');
  const kept = parts.filter((p) => {
    const lower = p.toLowerCase();
    return !(siteLower && (lower === siteLower || lower.replace(/\s+/g, '') === siteLower.replace(/\s+/g, '') || siteLower.startsWith(lower) || lower.includes(siteLower)));
  });
  if (kept.length === parts.length) {
    // No part names the site: drop a short last part only when the page's h1 confirms the rest.
    const first = parts.slice(0, -1).join(' - ');
    return h1 && h1 === first ? h1 : raw;
  }
  return kept.length > 0 ? kept.join(' - ') : raw;
}

/** Share of the shorter title's words found in the other. */
function wordOverlap(a: string, b: string): number {
  const wa = a.toLowerCase().split(/\s+/);
  const wb = new Set(b.toLowerCase().split(/\s+/));
  const shared = wa.filter((w) => wb.has(w)).length;
  return shared / Math.max(1, Math.min(wa.length, wb.size));
}

/** An ISO 8601 date or date-time from the forms pages use; null when it is none. */
export function isoFrom(raw: string, defaultOffset: string): string | null {
  const s = raw.trim();
  const direct = parseDate(s, defaultOffset);
  if (direct) return direct;
  // 2024-09-30T11:00:00.000+0700, 2024-09-30T11:00+07:00 and other ISO variants parseDate leaves out.
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*(Z|[+-]\d{2}:?\d{2}|[A-Z]{3,4}(?![\w+-]))?)?/.exec(s);
  if (m) {
    const time = m[4] ? `${m[4]}:${m[5]}:${m[6] ?? '00'}` : null;
    // A zone named by its abbreviation (lsm.lv: `2021-01-03T17:40:00EET`) has its offset; an unknown one the default.
    const offset = !m[7] ? defaultOffset : m[7] === 'Z' ? 'Z' : /^[A-Z]/.test(m[7]) ? (ZONES[m[7]] ?? defaultOffset) : `${m[7].slice(0, 3)}:${m[7].slice(-2)}`;
    return parseDate(time ? `${m[1]}-${m[2]}-${m[3]}T${time}${offset}` : `${m[1]}-${m[2]}-${m[3]}`, defaultOffset);
  }
  // Day first (`30/10/2025 22:26`, `30-10-2025`, `30.10.2025 10:26 PM`), or year first with slashes (`2022/11/16`).
  const ymd = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?!\d)/.exec(s);
  const vn = ymd ? null : /(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\D{1,3}(\d{1,2})[:h](\d{2})(?::\d{2})?(?:\s*([AaPp])\.?[Mm]\.?)?)?/.exec(s);
  if (ymd) return parseDate(`${ymd[3]}/${ymd[2]}/${ymd[1]}`, defaultOffset);
  if (vn) {
    const hour = vn[4] === undefined ? null : vn[6] ? (+vn[4] % 12) + (/p/i.test(vn[6]) ? 12 : 0) : +vn[4];
    // The offset the page prints after the time: VnExpress's `13/1/2021, 00:00 (GMT+7)`.
    const gmt = hour === null ? null : /(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?/.exec(s.slice(vn.index + vn[0].length));
    // One no zone has (`GMT+99`) is a typo: the sites' own offset, not an invalid date.
    const offset = (gmt && isoOffset(`${gmt[1]}${gmt[2]!.padStart(2, '0')}:${gmt[3] ?? '00'}`)) || defaultOffset;
    return parseDate(hour === null ? `${vn[1]}/${vn[2]}/${vn[3]}` : `${vn[1]}/${vn[2]}/${vn[3]} ${hour}:${vn[5]}`, offset);
  }
  // Java's Date.toString(), which some CMSs put in JSON-LD (faz.net: `Fri Apr 28 19:20:36 CEST 2023`).
  const java = /^[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ([A-Z]{3,4}) (\d{4})$/.exec(s);
  if (java) return parseDate(`${java[2]} ${java[1]} ${java[7]} ${java[3]}:${java[4]}:${java[5]}`, ZONES[java[6]!] ?? defaultOffset);
  // English, month first, as pages show it: `Jan 26, 2016`, `Monday, December 29, 2014, 3:02 PM`.
  const en = MONTH_FIRST.exec(s);
  if (en) {
    const [, month, day, year, h, min, half] = en;
    const hour = h === undefined ? null : (+h % 12) + (/^p/i.test(half ?? '') ? 12 : /^a/i.test(half ?? '') ? 0 : +h >= 12 ? 12 : 0);
    return parseDate(hour === null ? `${day} ${month} ${year}` : `${day} ${month} ${year} ${hour}:${min}`, defaultOffset);
  }
  return null;
}

/** Time-zone abbreviations pages write after a time, those with one meaning (not CST, IST). */
const ZONES: Record<string, string> = {
  UTC: 'Z', GMT: 'Z', WET: 'Z', WEST: '+01:00', BST: '+01:00', CET: '+01:00', CEST: '+02:00', EET: '+02:00', EEST: '+03:00', MSK: '+03:00',
  ICT: '+07:00', JST: '+09:00', KST: '+09:00', EST: '-05:00', EDT: '-04:00', PST: '-08:00', PDT: '-07:00',
};

const MONTH_FIRST = /^(?:[A-Za-z]+,?\s+)?(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b(?:,?\s*(?:at\s+)?(\d{1,2}):(\d{2})\s*([AaPp]\.?[Mm]\.?)?)?/;
