import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('review: config errors name the setting and the place it came from', () => {
  it('refuses an empty records.textFields (every record would fail as having no text field)', () => {
    expect(() => loadConfig(undefined, { records: { textFields: [] } })).toThrow(/records\.textFields: must list at least 1$/);
  });

});
