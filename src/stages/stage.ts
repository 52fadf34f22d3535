import type { Config } from '../config.js';
import type { HtmlRemoval } from '../html/extract.js';
import type { Caption } from '../text/boilerplate.js';
import type { Encoding } from '../text/decode.js';
import type { LearnedLines } from '../text/learned.js';
import type { LanguageResult } from '../text/language.js';
import type { Line, Removal } from '../text/lines.js';
import type { Header } from '../text/metadata.js';
import type { QualitySignals } from '../text/quality.js';

/**
 * One document on its way through the stages. Each stage reads the fields earlier
 * stages filled and fills its own; nothing outside the draft changes, so the same
 * bytes, source and config give the same document wherever it runs.
 */
export interface Draft {
  /** The document's key: its path relative to the source root. */
  readonly source: string;
  readonly bytes: Uint8Array;
  /** The decoded text (decode), then the article text when the input was HTML (extract). */
  text: string;
  /** The encoding decode found, or the label a page declared for bytes no Vietnamese encoding reads. */
  encoding: Encoding | string | null;
  encodingConfidence: number;
  replacements: number;
  /** Set when the input was an HTML page: the extractor found what the text stages would guess. */
  html: boolean;
  /** Normalised non-empty lines (normalize), then those below the header (metadata). */
  lines: Line[];
  /** Title, date, category, authors, url and site, from the page or the head of the text. */
  header: Header;
  /** What a crawler record's fields say (record): it wins over `header` in the output. */
  record: Header | null;
  /** The article's paragraphs (boilerplate). */
  paragraphs: string[];
  captions: Caption[];
  /** Authors and category found in the body (bylines, a category footer). */
  bodyAuthors: string[];
  /** Outlets the article credits (`Theo TTXVN`), apart from its authors. */
  sources: string[];
  bodyCategory: string | null;
  sentences: string[];
  language: LanguageResult | null;
  /** Quality signals of the body (quality). */
  quality: QualitySignals | null;
  /** What left the text and why: the text stages' removals and the HTML extractor's. */
  removed: (Removal | HtmlRemoval)[];
}

/** What every stage may read besides the draft. */
export interface StageContext {
  config: Config;
  /** A compiled boilerplate profile: lines to remove per source. */
  learned?: LearnedLines | undefined;
  /** A shard record's fields besides its text (url, title, date, author ...). */
  recordFields?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A text stage: a name (for timings, metrics and `until`) and a pure function over one
 * draft. Adding a stage is one module exporting one of these and one line in
 * src/stages/index.ts.
 */
export interface Stage {
  readonly name: string;
  run(draft: Draft, context: StageContext): void;
}

export function newDraft(bytes: Uint8Array, source: string): Draft {
  return {
    source,
    bytes,
    text: '',
    encoding: null,
    encodingConfidence: 0,
    replacements: 0,
    html: false,
    lines: [],
    header: { title: null, date: null, category: null, authors: [], url: null, site: null },
    record: null,
    paragraphs: [],
    captions: [],
    bodyAuthors: [],
    sources: [],
    bodyCategory: null,
    sentences: [],
    language: null,
    quality: null,
    removed: [],
  };
}
