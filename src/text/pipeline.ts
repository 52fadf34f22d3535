import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { DocumentError } from '../errors.js';
import { stripBoilerplate, type Caption } from './boilerplate.js';
import { decode, type Encoding } from './decode.js';
import { sourceOf, type LearnedLines } from './learned.js';
import { detectLanguage, type LanguageLabel } from './language.js';
import { splitLines, type Removal } from './lines.js';
import { extractMetadata } from './metadata.js';
import { normalizeText } from './normalize.js';
import { segmentSentences } from './sentences.js';

/** One output document: Dolma/datatrove top level (`id`, `text`, `source`, `metadata`) plus sentences. */
export interface VnDocument {
  id: string;
  text: string;
  sentences: string[];
  source: string;
  metadata: DocumentMetadata;
}

export interface DocumentMetadata {
  title: string | null;
  date: string | null;
  category: string | null;
  authors: string[];
  captions: Caption[];
  url: string | null;
  site: string | null;
  language: string;
  languageScore: number;
  /** Per paragraph of `text`, when they are not all in `language` (a quoted English paragraph); else null. */
  paragraphLanguages: LanguageLabel[] | null;
  encoding: Encoding;
  /** 0..1: how sure the encoding detection is (1 for a BOM, valid UTF-8 or --encoding). */
  encodingConfidence: number;
  /** Invalid byte sequences that decoding replaced with U+FFFD. */
  replacements: number;
  /** SHA-256 of the input bytes, for exact deduplication. */
  sha256: string;
  bytes: number;
  removed: Removal[];
}

/**
 * The whole text pipeline: decode, normalise, metadata, boilerplate, language,
 * sentences. Pure and deterministic: the same bytes and source give the same
 * document wherever it runs. `learned` is a compiled boilerplate profile (lines to
 * remove per source). Throws DocumentError for input that is not text, and
 * as `internal-error` when a stage fails.
 */
export function processDocument(bytes: Uint8Array, source: string, config: Config, learned?: LearnedLines): VnDocument {
  return processDocumentTimed(bytes, source, config, learned).doc;
}

/** Milliseconds per stage, for metrics. */
export type StageTimings = Record<'decode' | 'normalize' | 'metadata' | 'boilerplate' | 'sentences' | 'language', number>;

/** processDocument, and how long each stage took. */
export function processDocumentTimed(
  bytes: Uint8Array,
  source: string,
  config: Config,
  learned?: LearnedLines,
): { doc: VnDocument; timings: StageTimings } {
  try {
    return runStages(bytes, source, config, learned);
  } catch (err) {
    if (err instanceof DocumentError) throw err;
    // A pure stage that throws will throw again on a retry: a bug to report, with its file.
    throw new DocumentError('internal-error', `${(err as Error).name}: ${(err as Error).message}`);
  }
}

function runStages(bytes: Uint8Array, source: string, config: Config, learned?: LearnedLines): { doc: VnDocument; timings: StageTimings } {
  let t = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - t;
    t = now;
    return ms;
  };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const decoded = decode(bytes, config.decode);
  const decodeMs = lap();
  const lines = splitLines(normalizeText(decoded.text, config.normalize.toneStyle));
  const normalizeMs = lap();
  const { header, lines: bodyLines, removed: headRemoved } = extractMetadata(lines, config.metadata.timezone);
  const metadataMs = lap();
  const body = stripBoilerplate(bodyLines, config.boilerplate, learned?.get(sourceOf(header, source)));
  const text = body.paragraphs.join('\n\n');
  const boilerplateMs = lap();
  const sentences = body.paragraphs.flatMap((p) => segmentSentences(p, config.sentences));
  const sentencesMs = lap();
  const language = detectLanguage(text, config.language);
  const timings: StageTimings = {
    decode: decodeMs,
    normalize: normalizeMs,
    metadata: metadataMs,
    boilerplate: boilerplateMs,
    sentences: sentencesMs,
    language: lap(),
  };

  const doc: VnDocument = {
    id: createHash('sha256').update(source).update('\0').update(sha256).digest('hex').slice(0, 32),
    text,
    sentences,
    source,
    metadata: {
      title: header.title,
      date: header.date,
      category: header.category ?? body.category,
      authors: header.authors.length > 0 ? header.authors : body.authors,
      captions: body.captions,
      url: header.url,
      site: header.site,
      language: language.language,
      languageScore: language.score,
      paragraphLanguages: language.paragraphs.some((p) => p.language !== 'und' && p.language !== language.language)
        ? language.paragraphs
        : null,
      encoding: decoded.encoding,
      encodingConfidence: decoded.confidence,
      replacements: decoded.replacements,
      sha256,
      bytes: bytes.length,
      removed: [...headRemoved, ...body.removed],
    },
  };
  return { doc, timings };
}
