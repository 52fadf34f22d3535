import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OutputUnit, Validator as SchemaValidator } from '@cfworker/json-schema';
import { UsageError } from './errors.js';
import type { HtmlRemoval } from './html/extract.js';
import type { HtmlRules } from './html/rules.js';
import type { BoilerplateRules } from './text/boilerplate.js';
import type { Encoding } from './text/decode.js';
import type { LanguageRules } from './text/language.js';
import type { LearnConfig } from './text/learned.js';
import type { ToneSetting } from './text/normalize.js';
import type { RecordRules } from './text/record.js';
import type { SentenceRules } from './text/sentences.js';
import { SIGNAL_NAMES, type QualityPreset, type QualityRules } from './text/quality.js';
import type { DedupSettings } from './dedup/minhash.js';

/** Everything the text pipeline and the queue read from config/, validated and compiled. */
export interface Config {
  limits: { maxFileBytes: number; documentTimeoutMs: number; threadHeapMb: number };
  decode: { maxReplacementRatio: number; encoding?: Encoding };
  normalize: { toneStyle: ToneSetting };
  metadata: { timezone: string };
  /** Which fields of a JSON crawler record hold the text and the metadata (src/text/record.ts). */
  records: RecordRules;
  boilerplate: BoilerplateRules;
  learn: LearnConfig;
  language: LanguageRules;
  sentences: SentenceRules;
  /** The HTML article extractor's rules (their meaning: src/html/rules.ts). */
  html: HtmlRules;
  queue: { attempts: number; backoffMs: number; keepCompleted: number; keepFailedSeconds: number; enqueueWindow: number; documentsPerJob: number; shards: number };
  /** Quality signals' stop words and the export filter presets (src/text/quality.ts). */
  quality: QualityRules;
  /** Near-duplicate detection at export (src/dedup/minhash.ts). */
  dedup: DedupSettings;
  /** outputFormat: how output shards are written (src/io/output-shard.ts). */
  shards: { recordsPerJob: number; outputFormat: 'jsonl.gz' | 'parquet' };
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
    // Filter presets and dedup settings are read by export only, queue shards place jobs, and
    // the output format only packs the documents: changing them rebuilds no document (and
    // outputs made before `queue.shards` or `shards.outputFormat` keep their hash). Whether a
    // batch learns is its choice, like the profile it is given, not a rule of the text:
    // `process`, `run --no-learn` and a learning run make outputs of one hash.
    const { shards: _shards, ...queue } = config.queue;
    const { outputFormat: _format, ...shards } = config.shards;
    const { enabled: _learns, ...learn } = config.learn;
    const documentSettings = { ...config, queue, shards, learn, quality: { stopWords: config.quality.stopWords }, dedup: undefined };
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
  // An error names where the settings came from: a bad --encoding is no fault of config/default.json.
  const source = [userFile, overrides && 'the command-line options'].filter(Boolean).join(' and ') || DEFAULT_CONFIG_FILE;
  return { config: compileConfig(raw, source), raw };
}

/**
 * config/schema.json is the one description of the settings: editors read it to check a
 * user's file, and every load validates the merged settings against it before they are
 * compiled (patterns to RegExps, word lists to Sets). A user's file sets only what it
 * changes, so the file leaves `required` out; the merged settings (and a batch's stored
 * ones, possibly from an older version) must hold every setting config/default.json
 * holds, which `requireDefaults` adds at load.
 */
const SCHEMA_FILE = join(PACKAGE_ROOT, 'config', 'schema.json');
let schema: { validator: SchemaValidator; root: JsonObject } | undefined;

// @cfworker/json-schema interprets the schema (about 10 ms), where ajv generates code for
// it (300-900 ms measured here): every CLI start and every document thread loads a config.
function validateSchema(raw: JsonObject, source: string): void {
  if (!schema) {
    const root = requireDefaults(readJson(SCHEMA_FILE), readJson(DEFAULT_CONFIG_FILE));
    schema = { validator: new SchemaValidator(root, '2020-12', true), root };
  }
  const { valid, errors } = schema.validator.validate(raw);
  if (!valid) throw new UsageError(`config error in ${source}: ${explain(errors, schema.root, raw)}`);
}

/** The schema with every object that config/default.json fills requiring the keys it has there. */
function requireDefaults(node: JsonObject, defaults: JsonObject): JsonObject {
  const properties = node.properties as Record<string, JsonObject> | undefined;
  if (!properties) return node;
  const withDefaults: Record<string, JsonObject> = {};
  for (const [key, child] of Object.entries(properties)) {
    const value = defaults[key];
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    withDefaults[key] = isObject ? requireDefaults(child, value) : child;
  }
  return { ...node, properties: withDefaults, required: Object.keys(defaults).filter((k) => k !== '$schema') };
}

interface SchemaNode {
  type?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  pattern?: string;
  enum?: Json[];
  properties?: Record<string, unknown>;
  patternProperties?: Record<string, unknown>;
}

/**
 * The innermost schema violation (the validator lists the chain from the top) as
 * `path: what is wrong`, in the words of the setting, not of JSON Schema.
 */
function explain(errors: OutputUnit[], root: JsonObject, raw: JsonObject): string {
  let error = errors[errors.length - 1]!;
  // An unknown key is reported as "additionalProperties" and then as the `false` schema it met.
  if (error.keyword === 'false' && errors.length > 1) error = errors[errors.length - 2]!;
  const node = schemaNode(root, error.keywordLocation);
  const keys = error.instanceLocation.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const path = keys.map((k, i) => (/^\d+$/.test(k) ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
  const at = (key: string) => (path ? `${path}.${key}` : key);
  const named = /"([^"]*)"/.exec(error.error)?.[1] ?? '';
  const data = keys.reduce<Json | undefined>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, Json>)[key] : undefined), raw);
  switch (error.keyword) {
    case 'additionalProperties': {
      const renamed = RENAMED[at(named)];
      if (renamed) return `${at(named)}: renamed to ${renamed(data !== null && typeof data === 'object' ? (data as Record<string, Json>)[named] : undefined)}`;
      const known = [...Object.keys(node.properties ?? {}).filter((k) => k !== '$schema'), ...Object.keys(node.patternProperties ?? {})];
      return `${at(named)}: unknown setting (known: ${known.join(', ')})`;
    }
    case 'required':
      return `${at(named)}: missing`;
    case 'type': {
      if (node.type === 'integer' && typeof data === 'number') return `${path}: must be a whole number, not ${data}`;
      const noun: Record<string, string> = { integer: 'a whole number', number: 'a number', string: 'a string', array: 'a list', object: 'an object', boolean: 'true or false' };
      return `${path}: must be ${noun[node.type ?? ''] ?? node.type}`;
    }
    case 'minimum':
    case 'maximum':
      return `${path}: must be between ${node.minimum ?? -Infinity} and ${node.maximum ?? Infinity}, not ${String(data)}`;
    case 'enum':
      return `${path}: ${JSON.stringify(data)} is none of ${(node.enum ?? []).join(', ')}`;
    case 'pattern':
      if (error.keywordLocation.includes('/propertyNames/')) return `${path}: the name does not match ${node.pattern}`;
      return `${path}: ${JSON.stringify(data)} does not match ${node.pattern}`;
    case 'format':
      return `${path}: invalid regular expression: ${regexError(String(data))}`;
    case 'minLength':
      return `${path}: must not be empty`;
    case 'minItems':
      return `${path}: must list at least ${node.minItems}`;
    default:
      return `${path || '(top level)'}: ${error.error}`;
  }
}

/**
 * A batch's stored settings, as the vnpipe that queued it merged them: a setting added
 * since takes its default and a renamed one its new name, so that workers upgraded while
 * a batch runs (or `status` reading an old batch) go on instead of failing its documents.
 */
export function compileStoredConfig(stored: JsonObject | null, source: string): Config {
  const migrated: JsonObject = { ...(stored ?? {}) };
  const shards = migrated.shards;
  if (shards !== null && typeof shards === 'object' && !Array.isArray(shards) && typeof shards.textField === 'string') {
    const { textField, ...rest } = shards;
    migrated.shards = rest;
    const records = migrated.records !== null && typeof migrated.records === 'object' && !Array.isArray(migrated.records) ? migrated.records : {};
    migrated.records = { ...records, textFields: [textField] };
  }
  return compileConfig(merge(readJson(DEFAULT_CONFIG_FILE), migrated), source);
}

/** Settings an earlier version had, and what says the same now (a user's file or a batch stored before). */
const RENAMED: Record<string, (value: Json | undefined) => string> = {
  'shards.textField': (value) => `records.textFields, a list of fields in order of preference: ${JSON.stringify([value])}`,
};

/** The schema object that holds the keyword at `location` (a `#/...` pointer, `$ref`s followed). */
function schemaNode(root: JsonObject, location: string): SchemaNode {
  const keys = location.replace(/^#\/?/, '').split('/').slice(0, -1);
  let node = root as Record<string, unknown>;
  for (const key of keys) {
    node = (key === '$ref' ? schemaNode(root, `${node.$ref as string}/x`) : node[decodeURIComponent(key)]) as Record<string, unknown>;
  }
  return node as SchemaNode;
}

/** Why a pattern does not compile. */
function regexError(text: string): string | undefined {
  try {
    new RegExp(text, 'u');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The merged settings as config/schema.json describes them (validated by `validateSchema`). */
interface RawConfig {
  limits: Config['limits'];
  decode: { maxReplacementRatio: number; encoding?: Encoding };
  normalize: { toneStyle: ToneSetting };
  metadata: { timezone: string };
  records: RecordRules;
  boilerplate: Record<Exclude<keyof BoilerplateRules, 'captionMaxLength'>, string[]> & { captionMaxLength: number };
  learn: LearnConfig;
  language: LanguageRules;
  sentences: Record<keyof SentenceRules, string[]>;
  html: JsonObject;
  queue: Config['queue'];
  quality: { stopWords: string[]; presets: Record<string, Record<string, Json>> };
  dedup: DedupSettings;
  shards: Config['shards'];
}

export function compileConfig(json: JsonObject, source: string): Config {
  validateSchema(json, source);
  const raw = json as unknown as RawConfig;
  const c = new Compiler(source);
  const bp = raw.boilerplate;
  // Boilerplate markers and blocks ignore case; caption, byline and credit forms depend on it.
  const ignoreCase = new Set(['markers', 'trailingBlocks', 'relatedLinks']);
  const { captionMaxLength, ...bpPatterns } = bp;
  return {
    limits: raw.limits,
    decode: raw.decode,
    normalize: raw.normalize,
    metadata: raw.metadata,
    records: raw.records,
    boilerplate: {
      ...(Object.fromEntries(
        Object.entries(bpPatterns).map(([k, list]) => [k, c.patterns(list, `boilerplate.${k}`, ignoreCase.has(k) ? 'iu' : 'u')]),
      ) as Omit<BoilerplateRules, 'captionMaxLength'>),
      captionMaxLength,
    },
    learn: raw.learn,
    language: raw.language,
    sentences: Object.fromEntries(Object.entries(raw.sentences).map(([k, words]) => [k, new Set(words)])) as unknown as SentenceRules,
    html: compileHtmlRules(c, raw.html),
    queue: raw.queue,
    quality: {
      stopWords: raw.quality.stopWords.map((w) => w.toLowerCase()),
      presets: compilePresets(c, raw.quality.presets),
    },
    dedup: raw.dedup,
    shards: raw.shards,
  };
}

/** `quality.presets`: per name, a description, optional languages and languageQualityOk, and min/max bounds on signals. */
function compilePresets(c: Compiler, raw: RawConfig['quality']['presets']): Record<string, QualityPreset> {
  const presets: Record<string, QualityPreset> = {};
  for (const [name, value] of Object.entries(raw)) {
    const path = `quality.presets.${name}`;
    const { description, languages, languageQualityOk, ...bounds } = value;
    const preset: QualityPreset = { description: description as string, bounds: [] };
    if (languages !== undefined) preset.languages = languages as string[];
    if (languageQualityOk !== undefined) preset.languageQualityOk = languageQualityOk as boolean;
    for (const [key, bound] of Object.entries(bounds)) {
      const m = /^(min|max)([A-Z]\w*)$/.exec(key)!;
      const signal = `${m[2]![0]!.toLowerCase()}${m[2]!.slice(1)}`;
      if (!(signal === 'languageScore' || (SIGNAL_NAMES as readonly string[]).includes(signal))) {
        c.fail(`${path}.${key}`, `is no bound: use min or max and a signal (languageScore, ${SIGNAL_NAMES.join(', ')})`);
      }
      preset.bounds.push({ name: key, signal: signal as QualityPreset['bounds'][number]['signal'], kind: m[1] as 'min' | 'max', value: bound as number });
    }
    presets[name] = preset;
  }
  return presets;
}

const HTML_PATTERNS = ['contentHints', 'captionHints', 'bylineHints', 'dateHints', 'titleSeparators', 'outletAuthors', 'breadcrumbHome'] as const;
const HTML_PATTERN_LISTS = ['captionCredits', 'bylineForms', 'bylineNames', 'dateLines'] as const;

/** The `html` section: numbers as they are, patterns (a leading `(?i)` ignores case) compiled, hints with their removal reasons. */
function compileHtmlRules(c: Compiler, html: JsonObject): HtmlRules {
  const hints = html.boilerplateHints as { reason: HtmlRemoval['reason']; pattern: string }[];
  return {
    ...(html as unknown as HtmlRules),
    ...(Object.fromEntries(HTML_PATTERNS.map((k) => [k, c.pattern(html[k] as string, `html.${k}`)])) as Record<(typeof HTML_PATTERNS)[number], RegExp>),
    ...(Object.fromEntries(HTML_PATTERN_LISTS.map((k) => [k, (html[k] as string[]).map((p, i) => c.pattern(p, `html.${k}[${i}]`))])) as Record<
      (typeof HTML_PATTERN_LISTS)[number],
      RegExp[]
    >),
    boilerplateHints: hints.map((h, i) => ({ reason: h.reason, pattern: c.pattern(h.pattern, `html.boilerplateHints[${i}].pattern`) })),
  };
}

/** What the schema cannot say: patterns compiled with their flags, and checks across settings. */
class Compiler {
  constructor(private readonly source: string) {}

  fail(path: string, message: string): never {
    throw new UsageError(`config error in ${this.source}: ${path}: ${message}`);
  }

  /** A Unicode pattern; a leading `(?i)` makes it ignore case. */
  pattern(text: string, path: string): RegExp {
    const ignoreCase = text.startsWith('(?i)');
    return this.compile(ignoreCase ? text.slice(4) : text, ignoreCase ? 'iu' : 'u', path);
  }

  patterns(list: string[], path: string, flags: string): RegExp[] {
    return list.map((source, i) => this.compile(source, flags, `${path}[${i}]`));
  }

  private compile(source: string, flags: string, path: string): RegExp {
    try {
      return new RegExp(source, flags);
    } catch (err) {
      return this.fail(path, `invalid regular expression: ${(err as Error).message}`);
    }
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
