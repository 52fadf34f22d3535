import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

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
    ['{"limits": {"maxFileBytes": "big"}}', /limits\.maxFileBytes: must be a number$/],
    ['{"limits": {"maxFilebytes": 5}}', /limits\.maxFilebytes: unknown setting \(known: maxFileBytes, documentTimeoutMs, threadHeapMb\)/],
    ['{"metadata": {"timezone": "ICT"}}', /metadata\.timezone: must be "Z" or an offset like "\+07:00", not "ICT"/],
    ['{"language": {"candidates": ["vi"]}}', /language\.candidates\[0\]: "vi" is not an ISO 639-3 code/],
    ['{"decode": {"maxReplacementRatio": 2}}', /decode\.maxReplacementRatio: must be between 0 and 1, not 2/],
    ['{"limits": ', /not valid JSON/],
    ['{"decode": {"encoding": "latin9"}}', /decode\.encoding: "latin9" is none of utf-8, utf-8-bom/],
    ['{"normalize": {"toneStyle": "modern"}}', /normalize\.toneStyle: must be "old" \(hòa, thủy\), "new" \(hoà, thuỷ\) or "keep", not "modern"/],
  ])('rejects %s with a message that names the setting', (content, message) => {
    const file = userConfig(content);
    expect(() => loadConfig(file)).toThrow(message);
    expect(() => loadConfig(file)).toThrow(file);
  });

  it('takes command-line overrides over the file', () => {
    expect(loadConfig(undefined, { decode: { encoding: 'tcvn3' } }).decode.encoding).toBe('tcvn3');
    expect(loadConfig().decode.encoding).toBeUndefined();
  });

  it('names a config file that cannot be read', () => {
    expect(() => loadConfig('/no/such/vnpipe.json')).toThrow('cannot read config file /no/such/vnpipe.json: ENOENT');
  });
});
