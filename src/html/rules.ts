import { loadConfig } from '../config.js';
import type { HtmlRemoval } from './extract.js';

/** Every tunable of the HTML article extractor; the values live in config/default.json, section `html`. */
export interface HtmlRules {
  /** Characters of a page parsed at most; the rest is dropped (a 50 MB page costs a bounded time). */
  maxInputChars: number;
  /** Deepest element nesting kept; deeper tags add their text to the element at this depth. */
  maxDepth: number;
  /** A block whose linked characters exceed this share of its text is navigation or a list of links. */
  maxLinkDensity: number;
  /** Up to this share of link text, a block between article paragraphs is still prose (linked names, a sentence with links). */
  maxProseLinkDensity: number;
  /** A block with at least this many characters (and little link text) is article-like text. */
  goodMinChars: number;
  /** A shorter block counts as article-like text too when it ends a sentence and has at least this many characters. */
  sentenceMinChars: number;
  /** Weight of short unlinked text (labels, dates, menus without links) and of prose with many links when a container is scored: a small cost. */
  shortTextWeight: number;
  /** Weight of link-dense or boilerplate-hinted text when a container is scored (a cost per character). */
  badTextWeight: number;
  /** Bonus, as a share of its article-like characters, for a container whose class or id says it holds the article. */
  contentHintBonus: number;
  /** Class/id words of elements that hold the article (a bonus, never a requirement). */
  contentHints: RegExp;
  /** Class/id words of boilerplate elements, each with the reason recorded when its text is dropped; first match wins. */
  boilerplateHints: { reason: HtmlRemoval['reason']; pattern: RegExp }[];
  /** Boilerplate hints with these reasons are ignored on an element that holds at least `hintOverrideShare` of the page's article-like text (a theme's "has-sidebar" wrapper around everything). */
  overridableReasons: HtmlRemoval['reason'][];
  /** See `overridableReasons`. */
  hintOverrideShare: number;
  /** Any boilerplate hint is ignored on an element that holds at least this share of all the page's article-like text. */
  strongHintOverrideShare: number;
  /** Class/id words of photo captions (PhotoCMS_Caption, figcaption-like divs, vnexpress's p.Image). */
  captionHints: RegExp;
  /** Class/id words of bylines and author boxes. */
  bylineHints: RegExp;
  /** Class/id words of publication dates shown on the page. */
  dateHints: RegExp;
  /** A heading with at least this share of link text may be a teaser card's title. */
  teaserHeadingLinkShare: number;
  /** Most characters of a teaser card besides its heading. */
  teaserMaxChars: number;
  /** Fewest like boxes with a linked heading that make a row of teaser cards. */
  teaserMinCards: number;
  /** Most characters of a box around a button that is dropped as a promo, paywall or newsletter box. */
  buttonBoxMaxChars: number;
  /** Text next to an image (in the same small box) up to this length is its caption. */
  captionMaxChars: number;
  /** The credit that ends a caption (named group `credit`); the caption is what precedes it. */
  captionCredits: RegExp[];
  /** Byline forms (`Bài: X`, `Theo X`, `By X`): a short line of the article container matching one is a byline. */
  bylineForms: RegExp[];
  /** A bare person's name: a byline only as the last short line after the article's last paragraph. */
  bylineNames: RegExp[];
  /** Longest byline line, in characters. */
  bylineMaxChars: number;
  /** Longest text of an element whose class says byline or author that is dropped as a byline (longer: an author bio, left to the other rules). */
  bylineBoxMaxChars: number;
  /** A short line that is only a date (and time) is dropped as the page's date line. */
  dateLines: RegExp[];
  /** Longest date line, in characters. */
  dateLineMaxChars: number;
  /** When the best container keeps less than this share of the page's article-like text, the page-wide selection is used instead. */
  fallbackShare: number;
  /** Blocks between the headline and the article container searched for the lead (sapo). */
  leadWindow: number;
  /** An h1 sharing at least this share of words with the structured title is the title (the headline as shown). */
  titleH1Overlap: number;
  /** Separators between a page title and the site name in <title> / og:title. */
  titleSeparators: RegExp;
  /** Author names that are outlets or share buttons, not persons (checked after the page's own site/publisher names). */
  outletAuthors: RegExp;
  /** Breadcrumb items that are not a category (home links). */
  breadcrumbHome: RegExp;
  /** Offset given to page times that state none ('' keeps them as the page states them, without one). */
  defaultOffset: string;
  /** Longest text kept per removal record. */
  removalTextMax: number;
}

let defaults: HtmlRules | null = null;

/** The rules of config/default.json (section `html`): what the extractor uses when given none. */
export function defaultHtmlRules(): HtmlRules {
  return (defaults ??= loadConfig().html);
}
