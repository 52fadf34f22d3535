import type { Block } from './blocks.js';
import type { HtmlRemoval } from './extract.js';
import type { HtmlRules } from './rules.js';
import type { HtmlElement } from './tree.js';

type Reason = HtmlRemoval['reason'];

/** What each block is, before the article container is chosen. */
const enum Kind {
  /** Long, or a sentence, with little link text: what articles are made of. */
  Good,
  /** Short unlinked text: labels, dates, headings, list items; kept by its neighbours. */
  Short,
  /** Mostly link text, or under a boilerplate element. */
  Bad,
  /** Much link text, but prose around it: a small cost to a container, like short text, and stays between article text (a paragraph of linked names). */
  Linky,
}

export interface Selection {
  /** Kept blocks in reading order. */
  kept: Block[];
  captions: Block[];
  /** Blocks dropped as bylines (the caller reads author names from them). */
  bylines: Block[];
  removed: { block: Block; reason: Reason }[];
}

/** Tags that are boilerplate wherever they stand, with the reason recorded. */
const TAG_REASONS: Record<string, Reason> = { nav: 'navigation', footer: 'footer', aside: 'aside', form: 'form', menu: 'navigation' };

interface Hint {
  el: HtmlElement;
  reason: Reason;
}

/** Class/id hints and tags of one element, computed once. */
interface ElementHints {
  boiler: Reason | null;
  content: boolean;
  caption: boolean;
  byline: boolean;
  date: boolean;
}

/** A sentence's end, closing quotes and brackets after it allowed. */
const SENTENCE_END = /[.!?…。！？][”"'’»」』)\]]*$/u;

/**
 * Chooses the article: every block is scored (article-like text counts for, links and
 * boilerplate-hinted text against), each element gets the sum of its blocks, and the
 * element with the highest sum is the article container (the subtree that holds the
 * most article text and the least boilerplate). Inside it, short blocks stay when
 * their neighbours are article text (jusText's context rule), captions, bylines,
 * dates and the headline go aside. When the container holds too little of the page's
 * article-like text (an article split across table cells), the page-wide selection
 * is used instead: trafilatura's fallback, compared by length.
 */
export function selectArticle(blocks: Block[], imageHolders: Set<HtmlElement>, buttons: HtmlElement[], title: string | null, rules: HtmlRules): Selection {
  // Per element id (sparse arrays: only the ancestors of text are ever touched).
  const hintCache: ElementHints[] = [];
  const nameCache = new Map<string, NameHints>();
  const hintsOf = (el: HtmlElement): ElementHints => (hintCache[el.id] ??= elementHints(el, rules, nameCache));

  // Characters under each element that holds text: a byline or date box is small, whatever wraps it.
  const charsUnder = new Float64Array(idBound(blocks));
  for (const b of blocks) for (let el: HtmlElement | null = b.owner; el; el = el.parent) charsUnder[el.id]! += b.chars;
  const cards = teaserCards(blocks, charsUnder, rules);
  // The page's headline: the article's own header (headline, lead, share buttons) is no promo box, and a footer that outweighs a short article is still a footer.
  const titleKey = title ? squash(title) : null;
  const headlines = blocks
    .filter((b) => (b.heading === 1 && !insideTag(b.owner, 'nav')) || (titleKey !== null && b.chars < 2 * titleKey.length && squash(b.text).includes(titleKey)))
    .map((b) => b.owner);
  // Every element around a headline, once: asking each headline per element cost headlines x boxes.
  const aroundHeadline = new Set<HtmlElement>();
  for (const h of headlines) for (let el: HtmlElement | null = h; el && !aroundHeadline.has(el); el = el.parent) aroundHeadline.add(el);
  const holdsHeadline = (el: HtmlElement) => aroundHeadline.has(el);
  const promos = buttonBoxes(buttons, charsUnder, holdsHeadline, rules);

  // Per block: the boilerplate-hinted ancestors (nearest first) and the caption/byline/date flags.
  const hints: Hint[][] = [];
  // Elements around the <main>: page wrappers, whatever their class says.
  const wrappers = new Set<HtmlElement>();
  const flags: { caption: boolean; byline: boolean; date: boolean }[] = [];
  for (let bi = 0; bi < blocks.length; bi++) {
    const b = blocks[bi]!;
    const list: Hint[] = [];
    const f = { caption: false, byline: false, date: false };
    let depth = 0;
    let wrapped = false;
    for (let el: HtmlElement | null = b.owner; el && el.tag !== '#root'; el = el.parent, depth++) {
      if (wrapped) wrappers.add(el);
      // Only <main> marks the page's wrappers: lists of related stories wrap <article> items too.
      if (el.tag === 'main') wrapped = true;
      const h = hintsOf(el);
      if (h.boiler) list.push({ el, reason: h.boiler });
      else if (cards.has(el)) list.push({ el, reason: 'related' });
      else if (promos.has(el)) list.push({ el, reason: 'ad' });
      if (depth < 6) {
        f.caption ||= h.caption;
        // `author-anonymous` on the whole <article> names no byline box: only a small element does.
        const small = charsUnder[el.id]! <= rules.bylineBoxMaxChars;
        f.byline ||= h.byline && small;
        f.date ||= h.date && small;
      }
      if (depth > 0 && depth < 4 && imageHolders.has(el) && !f.caption && b.heading === 0 && b.chars <= rules.captionMaxChars) {
        f.caption = isImageBox(el, blocks, bi, rules);
      }
    }
    hints.push(list);
    flags.push(f);
  }

  const raw = blocks.map((b) => rawKind(b, rules));
  // Article-like characters under each hinted element decide whether its hint holds.
  const goodUnder = new Float64Array(charsUnder.length);
  let pageGood = 0;
  let allGood = 0;
  blocks.forEach((b, i) => {
    if (raw[i] !== Kind.Good) return;
    allGood += b.chars;
    // Text under a hint that always holds (comments, related) is not the article's.
    if (!hints[i]!.some((h) => !rules.overridableReasons.includes(h.reason))) pageGood += b.chars;
    for (const h of hints[i]!) goodUnder[h.el.id]! += b.chars;
  });
  const activeReason = (i: number): Reason | null => {
    for (const h of hints[i]!) {
      const structural = h.el.tag === 'body' || h.el.tag === 'html' || h.el.tag === 'article' || h.el.tag === 'main';
      if (structural || wrappers.has(h.el)) continue;
      const under = goodUnder[h.el.id]!;
      const overridable = rules.overridableReasons.includes(h.reason) && (h.reason !== 'footer' || headlines.length === 0 || holdsHeadline(h.el));
      if (overridable && pageGood > 0 && under >= rules.hintOverrideShare * pageGood) continue;
      // Even a comments or related hint gives way on the element holding nearly all of the page's text (`news-content related-on`).
      if (allGood > 0 && under >= rules.strongHintOverrideShare * allGood) continue;
      return h.reason;
    }
    return null;
  };
  const reasons = blocks.map((_, i) => activeReason(i));
  const kinds = raw.map((k, i) => (reasons[i] !== null || flags[i]!.caption ? Kind.Bad : k));

  const container = bestContainer(blocks, kinds, hintsOf, rules);
  const inContainer = blocks.map((b) => isInside(b.owner, container));
  // Captions and in-article ads do not separate a subheading from the paragraphs around it.
  const transparent = blocks.map((_, i) => flags[i]!.caption || reasons[i] === 'ad' || reasons[i] === 'hidden');
  let chosen = selectInside(blocks, kinds, transparent, inContainer, rules);
  chosen.push(...leadBefore(blocks, kinds, inContainer, title, rules));
  chosen.sort((x, y) => x - y);

  const keptChars = chosen.reduce((n, i) => n + (kinds[i] === Kind.Good ? blocks[i]!.chars : 0), 0);
  const availableGood = kinds.reduce((n, k, i) => n + (k === Kind.Good ? blocks[i]!.chars : 0), 0);
  if (keptChars < rules.fallbackShare * availableGood) chosen = selectInside(blocks, kinds, transparent, blocks.map(() => true), rules);

  return finish(blocks, kinds, reasons, flags, new Set(chosen), inContainer, title, rules);
}

/**
 * Teaser cards: the "next stories" and "related" grids that carry no telling class. A
 * card is a box around a heading that is nearly all link text, with little other
 * text; it counts only when its parent holds at least `teaserMinCards` boxes of the
 * same tag and class that are cards too (one linked heading is a headline, a row of
 * them is a list of other articles).
 */
function teaserCards(blocks: Block[], charsUnder: Float64Array, rules: HtmlRules): Set<HtmlElement> {
  const candidates = new Map<HtmlElement, Set<HtmlElement>>();
  const siblings = new SiblingCounts();
  for (const b of blocks) {
    if (b.heading < 2 || b.linkChars < rules.teaserHeadingLinkShare * b.chars) continue;
    // The card is the nearest box around the heading that has siblings like it.
    for (let el: HtmlElement | null = b.owner, up = 0; el?.parent && up <= TEASER_LEVELS; el = el.parent, up++) {
      if (siblings.like(el) < rules.teaserMinCards) continue;
      if (charsUnder[el.id]! - b.chars <= rules.teaserMaxChars) {
        const list = candidates.get(el.parent) ?? new Set<HtmlElement>();
        list.add(el);
        candidates.set(el.parent, list);
      }
      break;
    }
  }
  const cards = new Set<HtmlElement>();
  for (const list of candidates.values()) if (list.size >= rules.teaserMinCards) for (const el of list) cards.add(el);
  return cards;
}

/**
 * Promo, paywall and newsletter boxes ("Jetzt unterstützen", "Suscríbete") rarely have
 * a telling class, but they are built around a button: the largest box around a
 * button, a few levels up, whose text stays short and that does not hold the headline
 * (the article's header has share buttons) is one of them. An article body is far
 * longer than `buttonBoxMaxChars`, so a button inside it takes at most its own
 * paragraph along.
 */
function buttonBoxes(buttons: HtmlElement[], charsUnder: Float64Array, holdsHeadline: (el: HtmlElement) => boolean, rules: HtmlRules): Set<HtmlElement> {
  const boxes = new Set<HtmlElement>();
  for (const button of buttons) {
    let box: HtmlElement | null = null;
    for (let el: HtmlElement | null = button.parent, up = 0; el && el.tag !== 'body' && up <= BUTTON_BOX_LEVELS; el = el.parent, up++) {
      if ((charsUnder[el.id] ?? 0) > rules.buttonBoxMaxChars || holdsHeadline(el)) break;
      box = el;
    }
    if (box && (charsUnder[box.id] ?? 0) > 0) boxes.add(box);
  }
  return boxes;
}

/** Levels above a button searched for the box it belongs to. */
const BUTTON_BOX_LEVELS = 4;

/** Levels above a linked heading searched for its card. */
const TEASER_LEVELS = 3;

/**
 * How many element children of `el`'s parent share its tag and class (itself included),
 * counted once per parent: a live blog's thousand entries would otherwise each count
 * the thousand.
 */
class SiblingCounts {
  private readonly byParent = new Map<HtmlElement, Map<string, number>>();

  like(el: HtmlElement): number {
    let counts = this.byParent.get(el.parent!);
    if (!counts) {
      counts = new Map();
      for (const c of el.parent!.children) if (typeof c !== 'string') counts.set(kindKey(c), (counts.get(kindKey(c)) ?? 0) + 1);
      this.byParent.set(el.parent!, counts);
    }
    return counts.get(kindKey(el))!;
  }
}

/** Tag and class (an absent class apart from an empty one). */
function kindKey(el: HtmlElement): string {
  return el.attrs.class === undefined ? el.tag : `${el.tag} .${el.attrs.class}`;
}

/**
 * The lead (sapo) often sits outside the body's container, between the headline and
 * the body: article-like blocks there, a few blocks at most, belong to the article.
 */
function leadBefore(blocks: Block[], kinds: Kind[], inContainer: boolean[], title: string | null, rules: HtmlRules): number[] {
  const first = inContainer.indexOf(true);
  if (first <= 0) return [];
  const titleKey = title ? squash(title) : null;
  let headline = -1;
  for (let i = first - 1; i >= Math.max(0, first - rules.leadWindow); i--) {
    const b = blocks[i]!;
    if (b.heading === 1 || (titleKey !== null && b.chars < 4 * titleKey.length && squash(b.text) === titleKey)) {
      headline = i;
      break;
    }
  }
  const lead: number[] = [];
  if (headline < 0) return lead;
  for (let i = headline + 1; i < first; i++) if (kinds[i] === Kind.Good) lead.push(i);
  return lead;
}

/** What class/id names say, whatever the element: computed once per distinct names string (pages repeat them). */
interface NameHints {
  /** The first boilerplate hint that matches. */
  boiler: Reason | null;
  content: boolean;
  caption: boolean;
  byline: boolean;
  date: boolean;
}

function nameHints(names: string, rules: HtmlRules): NameHints {
  let boiler: Reason | null = null;
  for (const { reason, pattern } of rules.boilerplateHints) {
    if (pattern.test(names)) {
      boiler = reason;
      break;
    }
  }
  return {
    boiler,
    content: rules.contentHints.test(names),
    caption: rules.captionHints.test(names),
    byline: rules.bylineHints.test(names),
    date: rules.dateHints.test(names),
  };
}

const NO_NAMES: NameHints = { boiler: null, content: false, caption: false, byline: false, date: false };

function elementHints(el: HtmlElement, rules: HtmlRules, nameCache: Map<string, NameHints>): ElementHints {
  const names = el.attrs.class === undefined && el.attrs.id === undefined ? '' : `${el.attrs.class ?? ''} ${el.attrs.id ?? ''}`.trim();
  let byName = NO_NAMES;
  if (names !== '') {
    const cached = nameCache.get(names);
    byName = cached ?? nameHints(names, rules);
    if (!cached) nameCache.set(names, byName);
  }
  let boiler: Reason | null = TAG_REASONS[el.tag] ?? null;
  if (el.tag === 'header' && !insideArticle(el)) boiler = 'header';
  if (boiler === null && byName.boiler !== null) {
    boiler = byName.boiler;
    // A heading's or paragraph's own class is styling (`widget-title`, `article--header`); the boxes around it say what it is.
    if (boiler !== 'hidden' && /^(?:h[1-6]|p)$/.test(el.tag)) boiler = null;
    // `article__header` inside the article is its headline box, like a <header> there.
    else if (boiler === 'header' && insideArticle(el)) boiler = null;
  }
  const itemprop = el.attrs.itemprop ?? '';
  return {
    boiler,
    content: byName.content || el.tag === 'article' || /articleBody/i.test(itemprop),
    caption: byName.caption || el.tag === 'figcaption',
    byline: byName.byline || el.attrs.rel === 'author' || /author/i.test(itemprop),
    date: byName.date || el.tag === 'time' || /date/i.test(itemprop),
  };
}

function insideTag(el: HtmlElement, tag: string): boolean {
  for (let up: HtmlElement | null = el; up; up = up.parent) if (up.tag === tag) return true;
  return false;
}

function insideArticle(el: HtmlElement): boolean {
  for (let up = el.parent; up; up = up.parent) if (up.tag === 'article' || up.tag === 'main') return true;
  return false;
}

function rawKind(b: Block, rules: HtmlRules): Kind {
  if (b.linkChars > rules.maxLinkDensity * b.chars) return b.linkChars <= rules.maxProseLinkDensity * b.chars && b.heading === 0 ? Kind.Linky : Kind.Bad;
  // A long "heading" that ends a sentence is a lead set in <h2> (tuoitre, nld): text, not a title.
  if (b.heading > 0) return b.chars >= rules.goodMinChars && SENTENCE_END.test(b.text) ? Kind.Good : Kind.Short;
  if (b.chars >= rules.goodMinChars) return Kind.Good;
  if (b.chars >= rules.sentenceMinChars && SENTENCE_END.test(b.text)) return Kind.Good;
  return Kind.Short;
}

/**
 * Whether `el`, which holds an image, is an image box whose text (around block `start`)
 * is a caption: short in all (a caption, a credit, a teaser card's title and line), and
 * not two unlinked paragraphs (a short section that happens to hold a picture).
 */
function isImageBox(el: HtmlElement, blocks: Block[], start: number, rules: HtmlRules): boolean {
  let chars = 0;
  let paragraphs = 0;
  const add = (b: Block) => {
    chars += b.chars;
    if (b.chars >= rules.goodMinChars && b.linkChars === 0) paragraphs++;
  };
  // The blocks under `el` are contiguous around `start`; counting stops once the box is too big.
  for (let i = start; i >= 0 && chars <= rules.captionMaxChars && isInside(blocks[i]!.owner, el); i--) add(blocks[i]!);
  for (let i = start + 1; i < blocks.length && chars <= rules.captionMaxChars && isInside(blocks[i]!.owner, el); i++) add(blocks[i]!);
  return chars <= rules.captionMaxChars && paragraphs < 2;
}

/**
 * One more than the largest id of an element holding a block, or an ancestor of one
 * (ancestors are numbered before their descendants): the size of per-element typed
 * arrays, which a big page needs (a sparse array of its ids turns into a slow dictionary).
 */
function idBound(blocks: Block[]): number {
  let n = 1;
  for (const b of blocks) n = Math.max(n, b.owner.id + 1);
  return n;
}

function isInside(el: HtmlElement, container: HtmlElement): boolean {
  for (let up: HtmlElement | null = el; up; up = up.parent) if (up === container) return true;
  return false;
}

function bestContainer(blocks: Block[], kinds: Kind[], hintsOf: (el: HtmlElement) => ElementHints, rules: HtmlRules): HtmlElement {
  const score = new Float64Array(idBound(blocks));
  const good = new Float64Array(score.length);
  const seen = new Uint8Array(score.length);
  const elements: HtmlElement[] = [];
  blocks.forEach((b, i) => {
    const kind = kinds[i]!;
    const value = kind === Kind.Good ? b.chars : kind === Kind.Bad ? -rules.badTextWeight * b.chars : -rules.shortTextWeight * b.chars;
    for (let el: HtmlElement | null = b.owner; el; el = el.parent) {
      const id = el.id;
      if (seen[id] === 0) {
        seen[id] = 1;
        elements.push(el);
      }
      score[id]! += value;
      if (kind === Kind.Good) good[id]! += b.chars;
    }
  });
  let best: HtmlElement | null = null;
  let bestScore = -Infinity;
  for (const el of elements) {
    const total = score[el.id]! + (hintsOf(el).content ? rules.contentHintBonus * good[el.id]! : 0);
    // Equal scores: the deeper element (seen first, blocks add their owner before its ancestors) wins.
    if (total > bestScore) {
      best = el;
      bestScore = total;
    }
  }
  return best ?? blocks[0]?.owner ?? { id: -1, tag: '#root', attrs: {}, children: [], parent: null };
}

/** Short and linky blocks are kept or dropped by their neighbours. */
function isContextual(kind: Kind): boolean {
  return kind === Kind.Short || kind === Kind.Linky;
}

/** Indexes of the blocks kept among the candidates: article-like ones, and short ones between article-like text. */
function selectInside(blocks: Block[], kinds: Kind[], transparent: boolean[], candidate: boolean[], rules: HtmlRules): number[] {
  const kept: number[] = [];
  const n = blocks.length;
  // Nearest non-short candidate kind before and after each block.
  const before: (Kind | null)[] = new Array(n).fill(null);
  const after: (Kind | null)[] = new Array(n).fill(null);
  let last: Kind | null = null;
  for (let i = 0; i < n; i++) {
    if (!candidate[i]) {
      last = null;
      continue;
    }
    before[i] = last;
    if (!isContextual(kinds[i]!) && !transparent[i]) last = kinds[i]!;
  }
  last = null;
  for (let i = n - 1; i >= 0; i--) {
    if (!candidate[i]) {
      last = null;
      continue;
    }
    after[i] = last;
    if (!isContextual(kinds[i]!) && !transparent[i]) last = kinds[i]!;
  }
  for (let i = 0; i < n; i++) {
    if (!candidate[i]) continue;
    const kind = kinds[i]!;
    if (kind === Kind.Good) kept.push(i);
    else if (isContextual(kind)) {
      const b = blocks[i]!;
      const heading = b.heading > 0 || (b.bold && b.chars <= rules.goodMinChars);
      // The container's last sentences stay too; a trailing name or label does not.
      const endsArticle = after[i] === null && before[i] === Kind.Good && !heading && SENTENCE_END.test(b.text);
      if ((after[i] === Kind.Good && (before[i] === Kind.Good || heading)) || endsArticle) kept.push(i);
    }
  }
  return kept;
}

function finish(
  blocks: Block[],
  kinds: Kind[],
  reasons: (Reason | null)[],
  flags: { caption: boolean; byline: boolean; date: boolean }[],
  chosen: Set<number>,
  inContainer: boolean[],
  title: string | null,
  rules: HtmlRules,
): Selection {
  const sel: Selection = { kept: [], captions: [], bylines: [], removed: [] };
  const titleKey = title ? squash(title) : null;
  let titleSeen = false;
  let lastChosen = -1;
  for (const i of chosen) lastChosen = Math.max(lastChosen, i);
  blocks.forEach((b, i) => {
    const f = flags[i]!;
    if (f.caption && reasons[i] === null) {
      // The article's pictures are in its container (a lead photo's figcaption may sit just outside).
      if (inContainer[i] || b.owner.tag === 'figcaption') sel.captions.push(b);
      sel.removed.push({ block: b, reason: 'caption' });
      return;
    }
    if (!titleSeen && b.heading > 0 && titleKey !== null && squash(b.text) === titleKey) {
      titleSeen = true;
      sel.removed.push({ block: b, reason: 'title' });
      return;
    }
    if (!chosen.has(i)) {
      // After the article's last paragraph, a name-like line is its byline; elsewhere only an explicit form (Bài: X) is.
      const forms = i > lastChosen ? [...rules.bylineForms, ...rules.bylineNames] : rules.bylineForms;
      const byline = (f.byline && b.text.length <= rules.bylineBoxMaxChars) || (inContainer[i]! && b.text.length <= rules.bylineMaxChars && forms.some((re) => re.test(b.text)));
      const reason = reasons[i] ?? (byline ? 'byline' : isDateLine(b.text, rules) ? 'date' : kinds[i] === Kind.Bad ? 'navigation' : 'low-density');
      if (reason === 'byline') sel.bylines.push(b);
      sel.removed.push({ block: b, reason });
      return;
    }
    if (f.byline && b.text.length <= rules.bylineBoxMaxChars) {
      sel.bylines.push(b);
      sel.removed.push({ block: b, reason: 'byline' });
      return;
    }
    if (isDateLine(b.text, rules)) {
      sel.removed.push({ block: b, reason: 'date' });
      return;
    }
    sel.kept.push(b);
  });
  // A short name-like line ending the article is its byline.
  const lastKept = sel.kept[sel.kept.length - 1];
  const isByline = (text: string) => [...rules.bylineForms, ...rules.bylineNames].some((re) => re.test(text));
  if (lastKept && lastKept.text.length <= rules.bylineMaxChars && lastKept.heading === 0 && isByline(lastKept.text)) {
    sel.kept.pop();
    sel.bylines.push(lastKept);
    sel.removed.push({ block: lastKept, reason: 'byline' });
  }
  return sel;
}

function isDateLine(text: string, rules: HtmlRules): boolean {
  return text.length <= rules.dateLineMaxChars && rules.dateLines.some((re) => re.test(text));
}

function squash(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}
