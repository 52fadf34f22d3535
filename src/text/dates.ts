/**
 * Dates as ISO 8601. A date with a time keeps the offset the source gives, or the
 * configured default offset (the sites' local time) when it gives none; a date
 * known only to the month stays `YYYY-MM`.
 */

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};

export function isoDate(year: number, month: number, day?: number, time?: { h: number; m: number; s: number }, offset?: string): string | null {
  if (year < 1900 || year > 2200 || month < 1 || month > 12) return null;
  const ym = `${year}-${pad(month)}`;
  if (day === undefined) return ym;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return null;
  const ymd = `${ym}-${pad(day)}`;
  if (!time) return ymd;
  if (time.h > 23 || time.m > 59 || time.s > 59) return null;
  return `${ymd}T${pad(time.h)}:${pad(time.m)}:${pad(time.s)}${offset ?? ''}`;
}

/** `+0700`, `+07:00`, `Z`, `GMT` to `+07:00` / `Z`; null when it is none of them, or no zone's (past ±14:00, minutes past 59). */
export function isoOffset(raw: string): string | null {
  if (raw === 'Z' || raw === 'GMT' || raw === 'UTC') return 'Z';
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(raw);
  return m && +m[2]! <= 14 && +m[3]! <= 59 ? `${m[1]}${m[2]}:${m[3]}` : null;
}

/**
 * Parse the date forms found in scraped news front matter and meta lines:
 * RFC 2822 (`Mon, 30 Sep 2024 11:00:00 +0700`), ISO (`2024-09-30`,
 * `2024-09-30 11:00:00 +0700`, `2024-09-30T11:00:00Z`), Vietnamese day-first
 * (`28/10/2022`, `28/10/2022 15:00`, `15:00 28/10/2022`) and `2023-12`.
 */
export function parseDate(raw: string, defaultOffset: string): string | null {
  const s = raw.trim().replace(/^["']|["']$/g, '');
  let m = /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?(?:\s+(\S+))?$/.exec(s);
  if (m) {
    const month = MONTHS[m[2]!.toLowerCase()];
    if (!month) return null;
    const time = m[4] ? { h: +m[4], m: +m[5]!, s: +(m[6] ?? 0) } : undefined;
    const offset = m[7] ? isoOffset(m[7]) : defaultOffset;
    if (offset === null) return null;
    return isoDate(+m[3]!, month, +m[1]!, time, offset);
  }
  m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(\S+)?)?$/.exec(s);
  if (m) {
    const time = m[4] ? { h: +m[4], m: +m[5]!, s: +(m[6] ?? 0) } : undefined;
    const offset = m[7] ? isoOffset(m[7]) : defaultOffset;
    if (offset === null) return null;
    return isoDate(+m[1]!, +m[2]!, +m[3]!, time, offset);
  }
  m = /^(\d{4})-(\d{2})$/.exec(s);
  if (m) return isoDate(+m[1]!, +m[2]!);
  m = /^(?:(\d{1,2}):(\d{2})\s+)?(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?$/.exec(s);
  if (m) {
    const h = m[1] ?? m[6];
    const min = m[2] ?? m[7];
    const time = h !== undefined ? { h: +h, m: +min!, s: 0 } : undefined;
    return isoDate(+m[5]!, +m[4]!, +m[3]!, time, defaultOffset);
  }
  return null;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
