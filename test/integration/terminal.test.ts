import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalRedis, type LocalRedis } from '../../src/cli/local-redis.js';
import { CLI, copySamples, runCli, tempDir, testEnv, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const redisUrl = inject('redisUrl');
const HAS_TMUX = (() => {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

const tmux = (socket: string, ...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * What a user sees: `vnpipe <args>` run in a real terminal (tmux, 100 columns), the
 * screen as it stands when the command has ended (redrawn lines drawn over, as on a
 * screen), trailing blank lines left out. `whileRunning` is called once the command
 * has started (to send keys, say).
 */
async function onScreen(args: string[], env: NodeJS.ProcessEnv, whileRunning?: (keys: (k: string) => void) => Promise<void>): Promise<string[]> {
  const socket = `vnpipe-test-${randomBytes(4).toString('hex')}`;
  const exports = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v ?? '')}`).join(' ');
  const command = `env ${exports} ${shellQuote(process.execPath)} ${shellQuote(CLI)} ${args.map(shellQuote).join(' ')}; echo "[exit $?]"; tmux wait-for -S ended`;
  tmux(socket, 'new-session', '-d', '-x', '100', '-y', '50', 'bash', '--norc', '--noprofile', '-c', `${command}; sleep 60`);
  try {
    if (whileRunning) await whileRunning((k) => tmux(socket, 'send-keys', '-t', '0', k));
    tmux(socket, 'wait-for', 'ended');
    // -J: a line the terminal wrapped comes back whole.
    const screen = tmux(socket, 'capture-pane', '-p', '-J', '-t', '0').split('\n');
    while (screen.length > 0 && screen.at(-1)!.trim() === '') screen.pop();
    return screen;
  } finally {
    tmux(socket, 'kill-server');
  }
}

describe.skipIf(!HAS_TMUX)('what a terminal shows', () => {
  // A Redis without AOF, so that vnpipe has something to warn about.
  let plain: LocalRedis;
  beforeAll(async () => {
    plain = await startLocalRedis({ appendOnly: false });
  });
  afterAll(async () => plain?.stop());

  it('run: one progress line with rate, time and failures; the failures summed up after it; the AOF warning once', async () => {
    const env = { ...testEnv(plain.url), LOG_LEVEL: '' };
    const input = copySamples();
    writeFileSync(join(input, 'zero.txt'), '');
    const first = await onScreen(['run', input, '--out', tempDir('out'), '--concurrency', '1'], env);
    expect(first[0]).toBe('vnpipe: warning: Redis runs without AOF (appendonly no): a Redis crash loses queued jobs');
    // Learning is the default: the counting pass says what it waits for, its progress is drawn over, then what it learned.
    expect(first[1]).toBe('learning boilerplate: workers count the lines of 6 documents first, then cleaning is queued (--no-learn skips this pass)');
    expect(first[2]).toMatch(/^learned boilerplate: \d+ lines? in \d+ sources?$/);
    expect(first[3]).toMatch(/^batch \S+: 6 files found, 6 queued, 0 skipped$/);
    // The bar, drawn over in place: one line, at 100 %, with the rate, the time taken and the failures.
    expect(first[4]).toMatch(/^\[#{20}\] 100% 6\/6 documents, \d+\.\d docs\/s, in \d+ s, 1 failed$/);
    expect(first[5]).toBe('vnpipe: 1 document failed (1 empty): listed below');
    expect(first[6]).toMatch(/^batch \S+ {2}finished$/);
    expect(first[9]).toMatch(/^ {2}learned {3}boilerplate: \d+ lines? in \d+ sources?$/);
    expect(first.slice(-3)).toEqual(['  failures:', '    zero.txt  empty  the file is empty (0 bytes)', '[exit 3]']);
    expect(first.join('\n')).not.toMatch(/WARN|"reason"|\{/);
    expect(first).toHaveLength(16);

    // Again on the same Redis, nothing to do: no warning said twice, no 0/0 bar.
    const again = await onScreen(['run', input, '--out', tempDir('out'), '--concurrency', '1'], env);
    expect(again.join('\n')).not.toContain('warning');
    const second = await onScreen(['run', copySamples(), '--out', tempDir('out2'), '--concurrency', '1'], env);
    expect(second[2]).toMatch(/^batch \S+: 5 files found, 5 queued, 0 skipped$/);
  });

  it('run: with every output up to date, says there is nothing to process (no 0/0 bar)', async () => {
    const env = { ...testEnv(redisUrl), LOG_LEVEL: '' };
    const input = copySamples();
    const out = tempDir('out');
    expect((await runCli(['run', input, '--out', out], env)).code).toBe(0);
    const screen = await onScreen(['run', input, '--out', out], env);
    // Learning (the default) is skipped when nothing is left to clean.
    expect(screen[0]).toBe('vnpipe: every output is up to date: nothing to clean, so no counting pass (learning skipped)');
    expect(screen[1]).toMatch(/^batch \S+: 5 files found, 0 queued, 5 skipped$/);
    expect(screen[2]).toBe('nothing to process: every file was skipped (up to date or already queued)');
    expect(screen.join('\n')).not.toContain('0/0');
    expect(screen.at(-1)).toBe('[exit 0]');
  });

  it('worker: a few lines, one per event, none per document', async () => {
    const env = { ...testEnv(redisUrl), LOG_LEVEL: '' };
    const batch = (await runCli(['enqueue', '--no-learn', copySamples(), '--out', tempDir('out')], env)).stdout.trim();
    const screen = await onScreen(['worker', '--concurrency', '1'], env, async (keys) => {
      await waitFor(async () => {
        const s = await runCli(['status', batch, '--json'], env);
        return s.code === 0 && JSON.parse(s.stdout).batch.finishedAt;
      });
      keys('C-c');
    });
    // The terminal echoes Ctrl-C as ^C before the next line.
    const log = screen.map((l) => l.replace(/^\^C/, '')).filter((l) => /^\[\d\d:\d\d:\d\d\] /.test(l));
    expect(log.map((l) => l.replace(/^\[\d\d:\d\d:\d\d\] INFO: /, ''))).toEqual([
      expect.stringMatching(/^1 thread on redis:\/\/127\.0\.0\.1:\d+; SIGINT or SIGTERM stops it$/),
      'SIGINT: finishing active jobs',
      expect.stringMatching(/^5 completed, 0 failed in the last \d+ s \([\d.]+ docs\/s\)$/),
      '5 documents completed and 0 failed since the worker started',
      'stopped',
    ]);
  });

  it('status: says when no worker is connected to move a batch', async () => {
    const env = testEnv(redisUrl);
    const batch = (await runCli(['enqueue', '--no-learn', copySamples(), '--out', tempDir('out')], env)).stdout.trim();
    const screen = await onScreen(['status', batch], env);
    expect(screen).toContain('  documents 0 completed, 0 failed, 0 active, 5 waiting');
    expect(screen).toContain('workers: none connected, so nothing moves: start one with `vnpipe worker` (same REDIS_URL and VNPIPE_PREFIX)');
    await runCli(['cancel', batch], env);
  });
});
