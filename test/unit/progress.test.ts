import { describe, expect, it } from 'vitest';
import { progressLine, WarningLog } from '../../src/cli/progress.js';

const running = { finished: 120, failed: 3, queued: 480, walked: true, rate: 12.34, etaMs: 29_200, elapsedMs: 10_000 };

describe('the progress line of run', () => {
  it('shows the bar, the count, the rate, the time left and the failures', () => {
    expect(progressLine(running)).toBe('[#####---------------]  25% 120/480 documents, 12.3 docs/s, ETA 29 s, 3 failed');
    expect(progressLine({ ...running, etaMs: null })).toBe('[#####---------------]  25% 120/480 documents, 12.3 docs/s, ETA --, 3 failed');
    expect(progressLine({ ...running, finished: 480, etaMs: null, elapsedMs: 75_000 }, true)).toBe(
      '[####################] 100% 480/480 documents, 12.3 docs/s, in 1 min 15 s, 3 failed',
    );
  });

  it('draws no bar before the total is known, nor for nothing', () => {
    expect(progressLine({ ...running, walked: false, queued: 1 })).toBe('walking the input: 1 document queued, 120 done, 3 failed, 12.3 docs/s');
    expect(progressLine({ ...running, queued: 0, finished: 0 }, true)).toBe('nothing to process: every file was skipped (up to date or already queued)');
  });
});

describe("the worker's warnings after the bar", () => {
  it('sums document failures by reason and says other messages once with a count', () => {
    const log = new WarningLog();
    const line = (o: object) => log.write(`${JSON.stringify({ level: 40, ...o })}\n`);
    line({ doc: 'a.txt', reason: 'empty', final: true, msg: 'empty: the file is empty (0 bytes)' });
    line({ doc: 'b.txt', reason: 'empty', final: true, msg: 'empty: the file is empty (0 bytes)' });
    line({ doc: 'c.bin', reason: 'not-text', final: true, msg: 'not-text: binary data' });
    line({ doc: 'd.txt', reason: 'failed', final: false, msg: 'thread died' });
    line({ msg: 'Redis connection lost; reconnecting' });
    line({ msg: 'Redis connection lost; reconnecting' });
    expect(log.summary()).toEqual([
      'vnpipe: 3 documents failed (2 empty, 1 not-text): listed below',
      'vnpipe: 1 document met an error of the machine, not of the document, and ran again',
      'vnpipe: Redis connection lost; reconnecting (2 times)',
    ]);
    expect(new WarningLog().summary()).toEqual([]);
  });
});
