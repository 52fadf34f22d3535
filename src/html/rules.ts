import type { HtmlRemoval } from './extract.js';

/** Every tunable of the HTML article extractor. */
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

const word = (alternatives: string) => new RegExp(`(?:^|[\\s_-])(?:${alternatives})(?:$|[\\s_-])`, 'i');

export const DEFAULT_HTML_RULES: HtmlRules = {
  maxInputChars: 6_000_000,
  maxDepth: 400,
  maxLinkDensity: 0.45,
  maxProseLinkDensity: 0.8,
  goodMinChars: 80,
  sentenceMinChars: 30,
  shortTextWeight: 0.3,
  badTextWeight: 1,
  contentHintBonus: 0.25,
  contentHints: /article|content|body|detail|entry|post|story|main|text|news|noidung|noi-dung|chitiet|chi-tiet|cms|fck/i,
  boilerplateHints: [
    { reason: 'comments', pattern: /comment(?!ary|ator|aire)|binh-?luan|binhluan|disqus|y-?kien|reply|fb-comments/i },
    { reason: 'share', pattern: /share|sharing|social|print-?btn|chia-?se|toolbar|addthis|zalo-share|like-?box/i },
    { reason: 'ad', pattern: word('ads?|adv|advert\\w*|banner\\w*|sponsor\\w*|quang-?cao|qc|adsbygoogle|dfp|promo\\w*|gpt') },
    { reason: 'related', pattern: /relate|lien-?quan|lienquan|tin-?moi|tinmoi|latest|xem-?nhieu|xemnhieu|most-?viewed|xem-?them|xemthem|more-?news|other-?news|tin-?khac|tinkhac|read-?more|recommend|suggest|most-?read|popular|trending|doc-?nhieu|docnhieu|same-?cat|cung-?chuyen-?muc|box-?news|list-?news|news-?list/i },
    // `tag-happiness` and `category-diy` are WordPress's classes of the post itself, not tag lists.
    { reason: 'navigation', pattern: /(?:^|[\s_-])(?:nav\w*|menu\w*|breadcrumbs?|pagination|pager|keywords?|topics?|skip-?link)(?:$|[\s_-])|(?:^|\s)(?:[\w-]*[_-])?tags?(?:[_-](?:list|cloud|box|wrap\w*|container|links?))?(?:$|\s)/i },
    { reason: 'header', pattern: word('header|site-?header|masthead|topbar|top-?bar|logo') },
    { reason: 'footer', pattern: word('footer|site-?footer|copyright|foot') },
    { reason: 'aside', pattern: word('sidebar|side-?bar|widget\\w*|aside|right-?col|col-?right|left-?col|col-?left|sidebar-?\\w+') },
    { reason: 'form', pattern: /newsletter|subscribe|sign-?up|login|search-?(?:box|form)/i },
    { reason: 'other', pattern: word('video\\w*|player\\w*|media-?embed|jwplayer|vjs\\w*|podcast\\w*|audio-?player') },
    { reason: 'hidden', pattern: word('hidden|d-none|hide|sr-only|visually-hidden|screen-reader-text') },
  ],
  overridableReasons: ['navigation', 'header', 'footer', 'aside', 'form', 'ad', 'hidden', 'share', 'other'],
  hintOverrideShare: 0.5,
  strongHintOverrideShare: 0.9,
  captionHints: /caption|figcaption|chu-?thich|photo-?desc|image-?desc|img-?desc|pic-?desc|desc-?img|expNoEdit|^image$|wp-caption-text|credit/i,
  bylineHints: /author|byline|tac-?gia|tacgia|writer|reporter|nguon|source-?name/i,
  dateHints: /(?:^|[\s_-])(?:date|time|datetime|publish\w*|posted\w*|ngay|thoi-?gian|timestamp)(?:$|[\s_-])/i,
  captionMaxChars: 300,
  captionCredits: [
    /\s*[-–—]\s*(?:Ảnh|Photo|Nguồn)\s*:\s*(?<credit>[^()]{1,80})$/u,
    /\s*\((?:Ảnh|Nguồn ảnh|Nguồn|Photo|Photograph|Image)\s*:\s*(?<credit>[^()]{1,80})\)$/iu,
    /\s*(?:Ảnh|Photo|Photograph)\s*:\s*(?<credit>[^.:]{1,60})$/u,
    /\s*\((?<credit>(?:Photo|Image) by [^()]{1,80}|[^()]{1,60}\/(?:Getty Images|AFP|Reuters|AP|Shutterstock|TTXVN|VNA))\)$/iu,
  ],
  bylineForms: [
    /^(?:Tin|Bài|Tin và ảnh|Bài và ảnh|Tin, ảnh|Bài, ảnh|Ảnh|Nhóm PV|PV|By|Theo)\s*:?\s*\p{Lu}[\p{L} .,&-]{1,60}$/u,
    /^\(?Theo (?:\p{Lu}[^().,;:!?]{1,60})\)?$/u,
  ],
  // One to four names (Hà Thu; Minh Anh - Hoàng Long), a note in brackets after them (tổng hợp).
  bylineNames: [/^\p{Lu}[\p{L}.]*(?: \p{Lu}[\p{L}.]*){1,4}(?:\s*(?:[-–,&]|và|and)\s*\p{Lu}[\p{L}.]*(?: \p{Lu}[\p{L}.]*){1,4}){0,3}(?: \([^()]{1,40}\))?$/u],
  bylineMaxChars: 60,
  bylineBoxMaxChars: 120,
  dateLines: [
    /^(?:(?:Thứ (?:hai|ba|tư|năm|sáu|bảy)|Chủ nhật|Thứ \d),?\s*)?\d{1,2}\/\d{1,2}\/\d{4}(?:,?\s*(?:\d{1,2}[:h]\d{2}(?::\d{2})?)?\s*(?:\(?GMT\s*\+\s*7\)?)?)?$/iu,
    /^\d{1,2}[:h]\d{2}(?::\d{2})?\s*(?:[-|,]\s*)?(?:ngày\s*)?\d{1,2}\/\d{1,2}\/\d{4}$/iu,
    /^(?:Cập nhật|Đăng|Ngày đăng|Published|Updated|Posted)(?: lúc| ngày| on)?\s*:?\s*.{4,40}$/iu,
    /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*,? .{0,30}\d{4}.{0,20}$/u,
    /^(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}.{0,25}$/u,
    /^\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}.{0,25}$/u,
  ],
  dateLineMaxChars: 60,
  fallbackShare: 0.4,
  leadWindow: 50,
  titleH1Overlap: 0.5,
  titleSeparators: /\s+(?:[|\-–—:·»]|::)\s+/u,
  outletAuthors: /^(?:báo|tạp chí|đài|cổng thông tin|ttxvn|vna|reuters|afp|ap|associated press|staff|admin|ban biên tập|bbt|pv|phóng viên|nhóm phóng viên|facebook|twitter|x|instagram|linkedin|youtube|tiktok|zalo|email|e-mail|share|follow)\b|\.(?:vn|com|net|org)\b|\b(?:news|online|media|times|post|press|magazine|newspaper)$/iu,
  breadcrumbHome: /^(?:trang chủ|home|homepage|trang chu|tin tức|news)$/iu,
  defaultOffset: '',
  removalTextMax: 300,
};
