import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../src/config.js';

describe('review: config errors name the setting and the place it came from', () => {
  it('refuses an empty records.textFields (every record would fail as having no text field)', () => {
    expect(() => loadConfig(undefined, { records: { textFields: [] } })).toThrow(/records\.textFields: must list at least 1$/);
  });

  it('blames a bad --encoding on the command line, not on config/default.json', () => {
    let message = '';
    try {
      loadConfig(undefined, { decode: { encoding: 'latin-9' } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^config error in the command-line options: decode\.encoding: "latin-9" is none of utf-8/);
    expect(message).not.toContain(DEFAULT_CONFIG_FILE);
  });
});

describe('review: a setting renamed this version', () => {
  it('says where shards.textField went, not only that it is unknown', () => {
    expect(() => loadConfig(undefined, { shards: { textField: 'content' } })).toThrow(
      /shards\.textField: renamed to records\.textFields, a list of fields in order of preference: \["content"\]$/,
    );
  });
});
