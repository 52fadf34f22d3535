import { describe, expect, it } from 'vitest';
import { isoFrom } from '../../src/html/metadata.js';
import { parseDate } from '../../src/text/dates.js';

// A date written out must be valid ISO 8601: an offset past ±14:00 or with more than 59
// minutes is no offset (DuckDB, Arrow and Date.parse refuse the whole value).
describe('offsets a page prints that no zone has', () => {
  it('keeps the offset VnExpress prints, and takes the default for one out of range', () => {
    expect(isoFrom('13/1/2021, 00:00 (GMT+7)', '+07:00')).toBe('2021-01-13T00:00:00+07:00');
    expect(isoFrom('13/1/2021, 09:30 (GMT+5:30)', '+07:00')).toBe('2021-01-13T09:30:00+05:30');
    expect(isoFrom('13/1/2021, 00:00 (GMT+99)', '+07:00')).toBe('2021-01-13T00:00:00+07:00');
    expect(isoFrom('13/1/2021, 00:00 (GMT+7:75)', '+07:00')).toBe('2021-01-13T00:00:00+07:00');
  });

  it('refuses an ISO date whose offset is out of range, as it refuses one that is no offset', () => {
    expect(parseDate('2024-09-30T11:00:00+07:00', '')).toBe('2024-09-30T11:00:00+07:00');
    expect(parseDate('2024-09-30T11:00:00-12:00', '')).toBe('2024-09-30T11:00:00-12:00');
    expect(parseDate('2024-09-30T11:00:00+99:00', '')).toBeNull();
    expect(parseDate('2024-09-30T11:00:00+07:60', '')).toBeNull();
    expect(isoFrom('2024-09-30T11:00:00.000+9900', '')).toBeNull();
  });

  it('gives only dates that Date.parse reads', () => {
    for (const raw of ['13/1/2021, 00:00 (GMT+25)', '2024-09-30T11:00:00+1500', 'Fri Apr 28 19:20:36 CEST 2023', '2021-01-03T17:40:00EET']) {
      const iso = isoFrom(raw, '+07:00');
      if (iso !== null) expect(Number.isNaN(Date.parse(iso)), `${raw} → ${iso}`).toBe(false);
    }
  });
});
