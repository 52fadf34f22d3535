import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './errors.js';
import type { HtmlRemoval } from './html/extract.js';
import type { HtmlRules } from './html/rules.js';
import type { BoilerplateRules } from './text/boilerplate.js';
import { ENCODINGS, type Encoding } from './text/decode.js';
import type { LanguageRules } from './text/language.js';
import type { LearnSettings } from './text/learned.js';
import type { ToneSetting } from './text/normalize.js';
import type { SentenceRules } from './text/sentences.js';
import { SIGNAL_NAMES, type QualityPreset, type QualityRules } from './text/quality.js';
import type { DedupSettings } from './dedup/minhash.js';

/** Everything the text pipeline and the queue read from config/, validated and compiled. */
export interface Config {
  limits: { maxFileBytes: number; documentTimeoutMs: number; threadHeapMb: number };
  decode: { maxReplacementRatio: number; encoding?: Encoding };
  normalize: { toneStyle: ToneSetting };
  metadata: { timezone: string };
  boilerplate: BoilerplateRules;
  learn: LearnSettings;
  language: LanguageRules;
  sentences: SentenceRules;
  /** The HTML article extractor's rules (their meaning: src/html/rules.ts). */
  html: HtmlRules;
  queue: { attempts: number; backoffMs: number; keepCompleted: number; keepFailedSeconds: number; enqueueWindow: number; documentsPerJob: number; shards: number };
  /** Quality signals' stop words and the export filter presets (src/text/quality.ts). */
  quality: QualityRules;
  /** Near-duplicate detection at export (src/dedup/minhash.ts). */
  dedup: DedupSettings;
  shards: { textField: string; recordsPerJob: number };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The folder that holds package.json, config/ and samples/. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const DEFAULT_CONFIG_FILE = join(PACKAGE_ROOT, 'config', 'default.json');

/** vnpipe's version (package.json), recorded in every output. */
export const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const HASHES = new WeakMap<Config, string>();

/**
 * 16 hex digits that change when any setting changes: recorded in every output, so a
 * re-run under other settings rebuilds the outputs instead of taking them for up to date.
 */
export function configHash(config: Config): string {
  let hash = HASHES.get(config);
  if (hash === undefined) {
    // Filter presets and dedup settings are read by export only, and queue shards place jobs:
    // changing them rebuilds no document (and outputs made before `queue.shards` keep their hash).
    const { shards: _shards, ...queue } = config.queue;
    const documentSettings = { ...config, queue, quality: { stopWords: config.quality.stopWords }, dedup: undefined };
    const text = JSON.stringify(documentSettings, (_, value: unknown) => {
      // Sets (abbreviations, stop words) would serialise as {}: changing them must change the hash.
      if (value instanceof Set) return [...(value as Set<unknown>)].sort();
      return value instanceof RegExp ? `/${value.source}/${value.flags}` : value;
    });
    hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
    HASHES.set(config, hash);
  }
  return hash;
}

/**
 * The default config, with the user's file merged over it when one is given
 * (objects merge key by key, arrays and values replace). Any error names the file
 * and the setting.
 */
export function loadConfig(userFile?: string, overrides?: JsonObject): Config {
  return loadConfigWithSource(userFile, overrides).config;
}

/**
 * The compiled config and the merged JSON it came from (a batch stores the JSON for
 * its workers). `overrides` (from command-line flags) merge over the user's file.
 */
export function loadConfigWithSource(userFile?: string, overrides?: JsonObject): { config: Config; raw: JsonObject } {
  let raw = readJson(DEFAULT_CONFIG_FILE);
  if (userFile) raw = merge(raw, readJson(resolve(userFile)));
  if (overrides) raw = merge(raw, overrides);
  return { config: compileConfig(raw, userFile ?? DEFAULT_CONFIG_FILE), raw };
}

export function compileConfig(raw: JsonObject, source: string): Config {
  const v = new Validator(source);
  const root = v.object(raw, '', ['$schema', 'limits', 'decode', 'normalize', 'metadata', 'boilerplate', 'learn', 'language', 'sentences', 'html', 'queue', 'quality', 'dedup', 'shards']);
  const limits = v.object(root.limits, 'limits', ['maxFileBytes', 'documentTimeoutMs', 'threadHeapMb']);
  const decode = v.object(root.decode, 'decode', ['maxReplacementRatio', 'encoding'], ['encoding']);
  const encoding = decode.encoding === undefined ? undefined : v.string(decode.encoding, 'decode.encoding');
  if (encoding !== undefined && !(ENCODINGS as readonly string[]).includes(encoding)) {
    v.fail('decode.encoding', `"${encoding}" is none of ${ENCODINGS.join(', ')}`);
  }
  const normalize = v.object(root.normalize, 'normalize', ['toneStyle']);
  const metadata = v.object(root.metadata, 'metadata', ['timezone']);
  const toneStyle = v.string(normalize.toneStyle, 'normalize.toneStyle');
  if (toneStyle !== 'old' && toneStyle !== 'new' && toneStyle !== 'keep') {
    v.fail('normalize.toneStyle', `must be "old" (hòa, thủy), "new" (hoà, thuỷ) or "keep", not "${toneStyle}"`);
  }
  const bp = v.object(root.boilerplate, 'boilerplate', [
    'imageArtifacts', 'markers', 'trailingBlocks', 'relatedLinks', 'creditedCaptions', 'captionCues', 'bylines', 'sourceCredits', 'outlets',
    'callsToAction', 'captionMaxLength',
  ]);
  const learn = v.object(root.learn, 'learn', ['minDocuments', 'minShare', 'minDocumentsAnyShare', 'sentenceWords', 'protectLength', 'protectShare', 'maxLinesPerSource']);
  const language = v.object(root.language, 'language', ['candidates', 'minLetters', 'vietnameseWordShare', 'shortParagraphLetters']);
  const sentences = v.object(root.sentences, 'sentences', ['abbreviations', 'letterNouns', 'plainNameSyllables', 'nameIntroducers']);
  const queue = v.object(root.queue, 'queue', ['attempts', 'backoffMs', 'keepCompleted', 'keepFailedSeconds', 'enqueueWindow', 'documentsPerJob', 'shards']);
  const quality = v.object(root.quality, 'quality', ['stopWords', 'presets']);
  const dedup = v.object(root.dedup, 'dedup', ['ngram', 'bands', 'rows', 'threshold']);
  const shards = v.object(root.shards, 'shards', ['textField', 'recordsPerJob']);
  const textField = v.string(shards.textField, 'shards.textField');
  if (textField === '') v.fail('shards.textField', 'must name a field');

  const timezone = v.string(metadata.timezone, 'metadata.timezone');
  if (!/^(?:Z|[+-]\d{2}:\d{2})$/.test(timezone)) v.fail('metadata.timezone', `must be "Z" or an offset like "+07:00", not "${timezone}"`);
  const candidates = v.strings(language.candidates, 'language.candidates');
  candidates.forEach((c, i) => /^[a-z]{3}$/.test(c) || v.fail(`language.candidates[${i}]`, `"${c}" is not an ISO 639-3 code`));

  return {
    limits: {
      maxFileBytes: v.integer(limits.maxFileBytes, 'limits.maxFileBytes', 1, 2 ** 31 - 1),
      documentTimeoutMs: v.integer(limits.documentTimeoutMs, 'limits.documentTimeoutMs', 10, 3_600_000),
      threadHeapMb: v.integer(limits.threadHeapMb, 'limits.threadHeapMb', 64, 65_536),
    },
    decode: {
      maxReplacementRatio: v.number(decode.maxReplacementRatio, 'decode.maxReplacementRatio', 0, 1),
      ...(encoding ? { encoding: encoding as Encoding } : {}),
    },
    normalize: { toneStyle: toneStyle as ToneSetting },
    metadata: { timezone },
    boilerplate: {
      imageArtifacts: v.patterns(bp.imageArtifacts, 'boilerplate.imageArtifacts', 'u'),
      markers: v.patterns(bp.markers, 'boilerplate.markers', 'iu'),
      trailingBlocks: v.patterns(bp.trailingBlocks, 'boilerplate.trailingBlocks', 'iu'),
      relatedLinks: v.patterns(bp.relatedLinks, 'boilerplate.relatedLinks', 'iu'),
      creditedCaptions: v.patterns(bp.creditedCaptions, 'boilerplate.creditedCaptions', 'u'),
      captionCues: v.patterns(bp.captionCues, 'boilerplate.captionCues', 'u'),
      bylines: v.patterns(bp.bylines, 'boilerplate.bylines', 'u'),
      sourceCredits: v.patterns(bp.sourceCredits, 'boilerplate.sourceCredits', 'u'),
      outlets: v.patterns(bp.outlets, 'boilerplate.outlets', 'u'),
      callsToAction: v.patterns(bp.callsToAction, 'boilerplate.callsToAction', 'u'),
      captionMaxLength: v.number(bp.captionMaxLength, 'boilerplate.captionMaxLength', 1),
    },
    learn: {
      minDocuments: v.number(learn.minDocuments, 'learn.minDocuments', 2),
      minShare: v.number(learn.minShare, 'learn.minShare', 0, 1),
      minDocumentsAnyShare: v.number(learn.minDocumentsAnyShare, 'learn.minDocumentsAnyShare', 2),
      sentenceWords: v.number(learn.sentenceWords, 'learn.sentenceWords', 1),
      protectLength: v.number(learn.protectLength, 'learn.protectLength', 0),
      protectShare: v.number(learn.protectShare, 'learn.protectShare', 0, 1),
      maxLinesPerSource: v.number(learn.maxLinesPerSource, 'learn.maxLinesPerSource', 100),
    },
    language: {
      candidates,
      minLetters: v.number(language.minLetters, 'language.minLetters', 0),
      vietnameseWordShare: v.number(language.vietnameseWordShare, 'language.vietnameseWordShare', 0, 1),
      shortParagraphLetters: v.number(language.shortParagraphLetters, 'language.shortParagraphLetters', 0),
    },
    sentences: {
      abbreviations: new Set(v.strings(sentences.abbreviations, 'sentences.abbreviations')),
      letterNouns: new Set(v.strings(sentences.letterNouns, 'sentences.letterNouns')),
      plainNameSyllables: new Set(v.strings(sentences.plainNameSyllables, 'sentences.plainNameSyllables')),
      nameIntroducers: new Set(v.strings(sentences.nameIntroducers, 'sentences.nameIntroducers')),
    },
    html: compileHtmlRules(v, root.html),
    queue: {
      // Bounded so that BullMQ never receives a value it mishandles (1e300 jobs kept, a backoff of years).
      attempts: v.integer(queue.attempts, 'queue.attempts', 1, 100),
      backoffMs: v.integer(queue.backoffMs, 'queue.backoffMs', 0, 3_600_000),
      keepCompleted: v.integer(queue.keepCompleted, 'queue.keepCompleted', 0, 1_000_000),
      keepFailedSeconds: v.integer(queue.keepFailedSeconds, 'queue.keepFailedSeconds', 0, 31_536_000),
      enqueueWindow: v.integer(queue.enqueueWindow, 'queue.enqueueWindow', 1000, 10_000_000),
      documentsPerJob: v.integer(queue.documentsPerJob, 'queue.documentsPerJob', 1, 1000),
      shards: v.integer(queue.shards, 'queue.shards', 1, 64),
    },
    quality: {
      stopWords: v.strings(quality.stopWords, 'quality.stopWords').map((w) => w.toLowerCase()),
      presets: compilePresets(v, quality.presets),
    },
    dedup: {
      ngram: v.integer(dedup.ngram, 'dedup.ngram', 1, 64),
      bands: v.integer(dedup.bands, 'dedup.bands', 1, 256),
      rows: v.integer(dedup.rows, 'dedup.rows', 1, 64),
      threshold: v.number(dedup.threshold, 'dedup.threshold', 0, 1),
    },
    shards: { textField, recordsPerJob: v.integer(shards.recordsPerJob, 'shards.recordsPerJob', 1, 100_000) },
  };
}

/** `quality.presets`: per name, a description, optional languages and languageQualityOk, and min/max bounds on signals. */
function compilePresets(v: Validator, raw: Json | undefined): Record<string, QualityPreset> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) v.fail('quality.presets', 'must be an object of named presets');
  const presets: Record<string, QualityPreset> = {};
  for (const [name, value] of Object.entries(raw)) {
    const path = `quality.presets.${name}`;
    if (!/^[a-z][a-z0-9-]*$/.test(name)) v.fail(path, 'a preset name is lower-case letters, digits and dashes');
    if (value === null || typeof value !== 'object' || Array.isArray(value)) v.fail(path, 'must be an object');
    const preset: QualityPreset = { description: v.string(value.description, `${path}.description`), bounds: [] };
    for (const [key, bound] of Object.entries(value)) {
      if (key === 'description') continue;
      if (key === 'languages') preset.languages = v.strings(bound, `${path}.languages`);
      else if (key === 'languageQualityOk') {
        if (typeof bound !== 'boolean') v.fail(`${path}.languageQualityOk`, 'must be true or false');
        preset.languageQualityOk = bound;
      } else {
        const m = /^(min|max)([A-Z]\w*)$/.exec(key);
        const signal = m ? `${m[2]![0]!.toLowerCase()}${m[2]!.slice(1)}` : '';
        if (!m || !(signal === 'languageScore' || (SIGNAL_NAMES as readonly string[]).includes(signal))) {
          v.fail(`${path}.${key}`, `is no bound: use min or max and a signal (languageScore, ${SIGNAL_NAMES.join(', ')})`);
        }
        preset.bounds.push({ name: key, signal: signal as QualityPreset['bounds'][number]['signal'], kind: m[1] as 'min' | 'max', value: v.number(bound, `${path}.${key}`, 0) });
      }
    }
    presets[name] = preset;
  }
  return presets;
}

const HTML_NUMBERS = [
  'maxInputChars', 'maxDepth', 'maxLinkDensity', 'maxProseLinkDensity', 'goodMinChars', 'sentenceMinChars', 'shortTextWeight', 'badTextWeight',
  'contentHintBonus', 'hintOverrideShare', 'strongHintOverrideShare', 'teaserHeadingLinkShare', 'teaserMaxChars', 'teaserMinCards', 'buttonBoxMaxChars', 'captionMaxChars', 'bylineMaxChars', 'bylineBoxMaxChars', 'dateLineMaxChars',
  'fallbackShare', 'leadWindow', 'titleH1Overlap', 'removalTextMax',
] as const;
const HTML_PATTERNS = ['contentHints', 'captionHints', 'bylineHints', 'dateHints', 'titleSeparators', 'outletAuthors', 'breadcrumbHome'] as const;
const HTML_PATTERN_LISTS = ['captionCredits', 'bylineForms', 'bylineNames', 'dateLines'] as const;
const HTML_REASONS: readonly HtmlRemoval['reason'][] = [
  'navigation', 'related', 'comments', 'share', 'ad', 'script', 'style', 'form', 'header', 'footer', 'aside', 'hidden', 'caption', 'byline',
  'low-density', 'title', 'date', 'other',
];

/** The `html` section: numbers, patterns (a leading `(?i)` ignores case) and the class/id hints with their removal reasons. */
function compileHtmlRules(v: Validator, raw: Json | undefined): HtmlRules {
  const keys = [...HTML_NUMBERS, ...HTML_PATTERNS, ...HTML_PATTERN_LISTS, 'boilerplateHints', 'overridableReasons', 'defaultOffset'];
  const html = v.object(raw, 'html', keys);
  const reason = (value: Json | undefined, path: string) => {
    const r = v.string(value, path);
    if (!(HTML_REASONS as readonly string[]).includes(r)) v.fail(path, `"${r}" is none of ${HTML_REASONS.join(', ')}`);
    return r as HtmlRemoval['reason'];
  };
  const hints = html.boilerplateHints;
  if (!Array.isArray(hints)) v.fail('html.boilerplateHints', 'must be a list of {"reason", "pattern"}');
  const defaultOffset = v.string(html.defaultOffset, 'html.defaultOffset');
  if (!/^(?:|Z|[+-]\d{2}:\d{2})$/.test(defaultOffset)) v.fail('html.defaultOffset', `must be "", "Z" or an offset like "+07:00", not "${defaultOffset}"`);
  const reasons = v.strings(html.overridableReasons, 'html.overridableReasons');
  return {
    ...(Object.fromEntries(HTML_NUMBERS.map((k) => [k, v.number(html[k], `html.${k}`, 0)])) as Record<(typeof HTML_NUMBERS)[number], number>),
    ...(Object.fromEntries(HTML_PATTERNS.map((k) => [k, v.pattern(html[k], `html.${k}`)])) as Record<(typeof HTML_PATTERNS)[number], RegExp>),
    ...(Object.fromEntries(HTML_PATTERN_LISTS.map((k) => [k, v.strings(html[k], `html.${k}`).map((p, i) => v.pattern(p, `html.${k}[${i}]`))])) as Record<
      (typeof HTML_PATTERN_LISTS)[number],
      RegExp[]
    >),
    boilerplateHints: hints.map((h, i) => {
      const hint = v.object(h, `html.boilerplateHints[${i}]`, ['reason', 'pattern']);
      return { reason: reason(hint.reason, `html.boilerplateHints[${i}].reason`), pattern: v.pattern(hint.pattern, `html.boilerplateHints[${i}].pattern`) };
    }),
    overridableReasons: reasons.map((r, i) => reason(r, `html.overridableReasons[${i}]`)),
    defaultOffset,
  };
}

class Validator {
  constructor(private readonly source: string) {}

  fail(path: string, message: string): never {
    throw new UsageError(`config error in ${this.source}: ${path || '(top level)'}: ${message}`);
  }

  object(value: Json | undefined, path: string, keys: string[], optional: string[] = []): JsonObject {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) this.fail(path ? `${path}.${key}` : key, `unknown setting (known: ${keys.join(', ')})`);
    }
    for (const key of keys) {
      if (key !== '$schema' && !optional.includes(key) && !(key in value)) this.fail(path ? `${path}.${key}` : key, 'missing');
    }
    return value;
  }

  number(value: Json | undefined, path: string, min: number, max = Infinity): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(path, 'must be a number');
    if (value < min || value > max) this.fail(path, `must be between ${min} and ${max}, not ${value}`);
    return value;
  }

  integer(value: Json | undefined, path: string, min: number, max = Infinity): number {
    const n = this.number(value, path, min, max);
    if (!Number.isInteger(n)) this.fail(path, `must be a whole number, not ${n}`);
    return n;
  }

  string(value: Json | undefined, path: string): string {
    if (typeof value !== 'string') this.fail(path, 'must be a string');
    return value;
  }

  strings(value: Json | undefined, path: string): string[] {
    if (!Array.isArray(value)) this.fail(path, 'must be a list of strings');
    return value.map((item, i) => this.string(item, `${path}[${i}]`));
  }

  /** A Unicode pattern; a leading `(?i)` makes it ignore case. */
  pattern(value: Json | undefined, path: string): RegExp {
    const text = this.string(value, path);
    const ignoreCase = text.startsWith('(?i)');
    try {
      return new RegExp(ignoreCase ? text.slice(4) : text, ignoreCase ? 'iu' : 'u');
    } catch (err) {
      return this.fail(path, `invalid regular expression: ${(err as Error).message}`);
    }
  }

  patterns(value: Json | undefined, path: string, flags: string): RegExp[] {
    return this.strings(value, path).map((source, i) => {
      try {
        return new RegExp(source, flags);
      } catch (err) {
        return this.fail(`${path}[${i}]`, `invalid regular expression: ${(err as Error).message}`);
      }
    });
  }
}

function readJson(file: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as Json;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level must be an object');
    return value;
  } catch (err) {
    throw new UsageError(`config error in ${file}: not valid JSON: ${(err as Error).message}`);
  }
}

function merge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    const bothObjects = [current, value].every((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
    out[key] = bothObjects ? merge(current as JsonObject, value as JsonObject) : value;
  }
  return out;
}

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'config', 'default.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`vnpipe: cannot find the package root above ${from}`);
  }
}
