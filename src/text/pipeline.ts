import { createHash } from 'node:crypto';
import { configHash, VERSION, type Config } from '../config.js';
import { DocumentError } from '../errors.js';
import type { HtmlRemoval } from '../html/extract.js';
import { PIPELINE } from '../stages/index.js';
import { newDraft, type Draft, type Stage, type StageContext } from '../stages/stage.js';
import type { Caption } from './boilerplate.js';
import type { Encoding } from './decode.js';
import type { LearnedLines } from './learned.js';
import type { LanguageLabel, LanguageQuality } from './language.js';
import { withRecordHeader } from './record.js';
import type { Removal } from './lines.js';
import type { QualitySignals } from './quality.js';

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
  /** Outlets the article credits (`Theo TTXVN`, `Nguồn: VnExpress`), kept apart from its authors. */
  sources: string[];
  captions: Caption[];
  url: string | null;
  site: string | null;
  language: string;
  /** 0..1, calibrated on held-out data (README, Language): threshold it to keep a language. */
  languageScore: number;
  /** `ok`, or what makes the text unreadable as language (mojibake, replacement characters, garbled letters); then the score is low. */
  languageQuality: LanguageQuality;
  /** Per paragraph of `text`, when they are not all in `language` (a quoted English paragraph); else null. */
  paragraphLanguages: LanguageLabel[] | null;
  /** Gopher, FineWeb and repetition signals of `text` (src/text/quality.ts); `vnpipe export --filter` thresholds them. */
  quality: QualitySignals | null;
  /** What decode found (`utf-8`, `tcvn3` ...), or the charset an HTML page declared for bytes no Vietnamese encoding reads. */
  encoding: Encoding | string;
  /** 0..1: how sure the encoding detection is (1 for a BOM, valid UTF-8 or --encoding). */
  encodingConfidence: number;
  /** Invalid byte sequences that decoding replaced with U+FFFD. */
  replacements: number;
  /** SHA-256 of the input bytes, for exact deduplication. */
  sha256: string;
  bytes: number;
  removed: (Removal | HtmlRemoval)[];
  /** Which vnpipe and which settings made this output: a re-run under others rebuilds it. Always the last field. */
  vnpipe: { version: string; config: string };
}

/**
 * The declared pipeline (src/stages/index.ts) over one document. Pure and
 * deterministic: the same bytes and source give the same document wherever it runs.
 * `learned` is a compiled boilerplate profile (lines to remove per source). Throws
 * DocumentError for input that is not text, and as `internal-error` when a stage fails.
 */
export function processDocument(bytes: Uint8Array, source: string, config: Config, learned?: LearnedLines): VnDocument {
  return processDocumentTimed(bytes, source, config, learned).doc;
}

/** Milliseconds per stage, by stage name, for metrics. */
export type StageTimings = Record<string, number>;

/** processDocument, and how long each stage took; a shard record's other fields come as `recordFields`. */
export function processDocumentTimed(
  bytes: Uint8Array,
  source: string,
  config: Config,
  learned?: LearnedLines,
  recordFields?: Readonly<Record<string, unknown>>,
): { doc: VnDocument; timings: StageTimings } {
  const { draft, timings } = runStages(bytes, source, { config, learned, recordFields });
  return { doc: toDocument(draft, configHash(config)), timings };
}

/**
 * Runs the pipeline's stages on one document, up to and including the stage named
 * `until` (the learning pass stops after `metadata`).
 */
export function runStages(
  bytes: Uint8Array,
  source: string,
  context: StageContext,
  until?: string,
  stages: readonly Stage[] = PIPELINE,
): { draft: Draft; timings: StageTimings } {
  if (until !== undefined && !stages.some((s) => s.name === until)) throw new Error(`no stage named ${until}`);
  const draft = newDraft(bytes, source);
  const timings: StageTimings = {};
  let t = performance.now();
  for (const stage of stages) {
    try {
      stage.run(draft, context);
    } catch (err) {
      if (err instanceof DocumentError) throw err;
      // A pure stage that throws will throw again on a retry: a bug to report, with its stage.
      throw new DocumentError('internal-error', `${stage.name}: ${(err as Error).name}: ${(err as Error).message}`);
    }
    const now = performance.now();
    timings[stage.name] = now - t;
    t = now;
    if (stage.name === until) break;
  }
  return { draft, timings };
}

function toDocument(draft: Draft, config: string): VnDocument {
  const sha256 = createHash('sha256').update(draft.bytes).digest('hex');
  const language = draft.language ?? { language: 'und', score: 0, paragraphs: [], quality: 'ok' as const };
  const header = withRecordHeader(draft.header, draft.record);
  return {
    id: createHash('sha256').update(draft.source).update('\0').update(sha256).digest('hex').slice(0, 32),
    text: draft.paragraphs.join('\n\n'),
    sentences: draft.sentences,
    source: draft.source,
    metadata: {
      title: header.title,
      date: header.date,
      category: header.category ?? draft.bodyCategory,
      authors: header.authors.length > 0 ? header.authors : draft.bodyAuthors,
      sources: draft.sources,
      captions: draft.captions,
      url: header.url,
      site: header.site,
      language: language.language,
      languageScore: language.score,
      languageQuality: language.quality,
      paragraphLanguages: language.paragraphs.some((p) => p.language !== 'und' && p.language !== language.language)
        ? language.paragraphs
        : null,
      quality: draft.quality,
      encoding: draft.encoding!,
      encodingConfidence: draft.encodingConfidence,
      replacements: draft.replacements,
      sha256,
      bytes: draft.bytes.length,
      removed: draft.removed,
      vnpipe: { version: VERSION, config },
    },
  };
}
