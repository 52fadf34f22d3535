import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';

/**
 * The issue-18 soak (`npm run soak:shards`), small: 20,000 records of JSONL.gz on a local
 * s3rver through two workers, one killed with SIGKILL and Redis restarted mid-batch. The
 * script brings its own s3rver and redis-server; the million-record run is the same
 * script with `--records 1000000`.
 */
describe('npm run soak:shards -- --records 20000', () => {
  it('puts every record in the output shards exactly once through a SIGKILL and a Redis restart, with Redis under 64 MB', async () => {
    const script = join(PACKAGE_ROOT, 'dist', 'bench', 'soak-shards.js');
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [script, '--records', '20000', '--per-shard', '5000'], { timeout: 540_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
    expect(run.stderr).not.toMatch(/soak:shards: /); // the script's own error line
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ records: 20000, queued: 20000, completed: 20000, failed: 0, recordsOut: 20000, missing: 0, doubled: 0, stray: 0, problems: [], exactlyOnce: true });
    expect(result.events.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining(['worker killed (SIGKILL) and started again', 'Redis restarted (SIGTERM, AOF, down 500 ms)']),
    );
    // Every output shard is one unit of 256 records, or a shard's last (5000 = 19 × 256 + 136).
    expect(result.outputShards).toBe(4 * 20);
    expect(result.redisPeakMb).toBeGreaterThan(0);
    expect(result.redisPeakMb).toBeLessThan(64);
    expect(run.code).toBe(0);
  }, 600_000);
});
