import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileConfig, loadConfig, loadConfigWithSource, type JsonObject } from '../../src/config.js';

function userConfig(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vnpipe-config-')), 'config.json');
  writeFileSync(file, content);
  return file;
}

describe('loadConfig', () => {
  it('loads and compiles the defaults', () => {
    const config = loadConfig();
    expect(config.metadata.timezone).toBe('+07:00');
    expect(config.sentences.abbreviations.has('PGS')).toBe(true);
    expect(config.boilerplate.trailingBlocks[0]!.test('TIN CÙNG CHUYÊN MỤC')).toBe(true);
  });

  it('merges a user file over the defaults: objects by key, lists replaced', () => {
    const file = userConfig(JSON.stringify({ boilerplate: { trailingBlocks: ['^Đọc thêm$'] }, limits: { maxFileBytes: 1000 } }));
    const config = loadConfig(file);
    expect(config.boilerplate.trailingBlocks.map((r) => r.source)).toEqual(['^Đọc thêm$']);
    expect(config.boilerplate.markers.length).toBeGreaterThan(0);
    expect(config.limits.maxFileBytes).toBe(1000);
  });

  it.each([
    ['{"boilerplate": {"markers": ["(unclosed"]}}', /boilerplate\.markers\[0\]: invalid regular expression/],
    ['{"limits": {"maxFileBytes": "big"}}', /limits\.maxFileBytes: must be a whole number$/],
    ['{"limits": {"maxFileBytes": 2.5}}', /limits\.maxFileBytes: must be a whole number, not 2\.5$/],
    ['{"boilerplate": {"bylines": "Theo"}}', /boilerplate\.bylines: must be a list$/],
    ['{"html": {"captionCredits": ["(?i)[ảnh"]}}', /html\.captionCredits\[0\]: invalid regular expression/],
    ['{"html": {"boilerplateHints": [{"reason": "menu", "pattern": "nav"}]}}', /html\.boilerplateHints\[0\]\.reason: "menu" is none of navigation, related/],
    ['{"quality": {"presets": {"Strict": {"description": "x"}}}}', /quality\.presets\.Strict: the name does not match \^\[a-z\]/],
    ['{"quality": {"presets": {"mine": {"description": "x", "minBananas": 5}}}}', /quality\.presets\.mine\.minBananas: is no bound: use min or max and a signal/],
    ['{"quality": {"presets": {"mine": {"description": "x", "atLeastWords": 5}}}}', /quality\.presets\.mine\.atLeastWords: unknown setting \(known: description, languages, languageQualityOk, \^\(min\|max\)/],
    ['{"limits": {"maxFilebytes": 5}}', /limits\.maxFilebytes: unknown setting \(known: maxFileBytes, documentTimeoutMs, threadHeapMb\)/],
    ['{"metadata": {"timezone": "ICT"}}', /metadata\.timezone: "ICT" does not match/],
    ['{"language": {"candidates": ["vi"]}}', /language\.candidates\[0\]: "vi" does not match \^\[a-z\]\{3\}\$/],
    ['{"decode": {"maxReplacementRatio": 2}}', /decode\.maxReplacementRatio: must be between 0 and 1, not 2/],
    ['{"limits": ', /not valid JSON/],
    ['{"decode": {"encoding": "latin9"}}', /decode\.encoding: "latin9" is none of utf-8, utf-8-bom/],
    ['{"normalize": {"toneStyle": "modern"}}', /normalize\.toneStyle: "modern" is none of old, new, keep/],
  ])('rejects %s with a message that names the setting', (content, message) => {
    const file = userConfig(content);
    expect(() => loadConfig(file)).toThrow(message);
    expect(() => loadConfig(file)).toThrow(file);
  });

  it("rejects a batch's stored settings that lack a setting the defaults have (a batch from an older version)", () => {
    const { raw } = loadConfigWithSource();
    const { documentsPerJob, ...queue } = raw.queue as JsonObject;
    expect(documentsPerJob).toBe(128);
    expect(() => compileConfig({ ...raw, queue }, 'batch 42')).toThrow('config error in batch 42: queue.documentsPerJob: missing');
    expect(() => compileConfig({ ...raw, queue: { ...queue, documentsPerJob: 64 } }, 'batch 42')).not.toThrow();
  });

  it('takes command-line overrides over the file', () => {
    expect(loadConfig(undefined, { decode: { encoding: 'tcvn3' } }).decode.encoding).toBe('tcvn3');
    expect(loadConfig().decode.encoding).toBeUndefined();
  });

  it('names a config file that cannot be read', () => {
    expect(() => loadConfig('/no/such/vnpipe.json')).toThrow('cannot read config file /no/such/vnpipe.json: ENOENT');
  });
});
