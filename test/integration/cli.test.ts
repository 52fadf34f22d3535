import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { copySamples, ROOT, runCli, spawnWorker, tempDir, testEnv, waitFor, exitOf } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const redisUrl = inject('redisUrl');

describe('one command line per command', () => {
  it.each([
    [['status', '--wtach'], /^vnpipe: unknown option '--wtach' \(did you mean --watch\?\) \(try: vnpipe status --help\)\n$/],
    [['process', 'x.txt', '--watch'], /^vnpipe: --watch does not apply to process \(it is an option of status\)/],
    [['process', 'x.txt', '--shard-size', 'banana'], /^vnpipe: --shard-size does not apply to process \(it is an option of export\)/],
    [['enqueue'], /^vnpipe: missing required argument 'folder'/],
    [['enqueue', '--no-learn', 'a', 'b', '--out', 'x'], /^vnpipe: too many arguments for 'enqueue'/],
  ])('refuses %j in one line, exit 2', async (args, message) => {
    const r = await runCli(args, {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('gives each command its own --help, listing only its options', async () => {
    const r = await runCli(['status', '--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: vnpipe status \[options\] \[batch\]/);
    expect(r.stdout).toContain('--watch');
    expect(r.stdout).not.toContain('--shard-size');
  });
});

describe('vnpipe config and --version', () => {
  it('prints the version of package.json', async () => {
    const r = await runCli(['--version'], {});
    expect(r).toMatchObject({ code: 0, stdout: `vnpipe ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n` });
  });

  it('prints the effective settings: defaults, the file and the flags merged', async () => {
    const file = join(tempDir('config'), 'mine.json');
    writeFileSync(file, JSON.stringify({ normalize: { toneStyle: 'new' }, queue: { documentsPerJob: 8 } }));
    const r = await runCli(['config', '--config', file, '--encoding', 'tcvn3'], {});
    expect(r.code).toBe(0);
    const effective = JSON.parse(r.stdout);
    expect(effective.normalize.toneStyle).toBe('new');
    expect(effective.queue).toMatchObject({ documentsPerJob: 8, attempts: 3 });
    expect(effective.decode.encoding).toBe('tcvn3');
  });

  it('refuses a bad setting with the setting named, before anything runs', async () => {
    const file = join(tempDir('config'), 'bad.json');
    writeFileSync(file, JSON.stringify({ limits: { documentTimeoutMs: 2.5 } }));
    const r = await runCli(['config', '--config', file], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/limits\.documentTimeoutMs/);
  });
});

describe('vnpipe process and the queue', () => {
  it('give the same id and source for a file, however its path is typed, with the same limits', async () => {
    const input = copySamples();
    mkdirSync(join(input, 'sub'));
    cpSync(join(input, '001_cfab3d3de795dabf.txt'), join(input, 'sub', 'nested.txt'));
    symlinkSync('/etc/hostname', join(input, 'link.txt'));
    const env = testEnv(redisUrl);
    const out = tempDir('out');
    const batch = (await runCli(['enqueue', '--no-learn', input, '--out', out], env)).stdout.trim();
    const worker = spawnWorker(env, 1);
    await waitFor(async () => {
      const s = await runCli(['status', batch, '--json'], env);
      return s.code === 0 && JSON.parse(s.stdout).batch.finishedAt;
    });
    worker.kill('SIGTERM');
    await exitOf(worker);
    const queued = (key: string) => JSON.parse(readFileSync(join(out, `${key}.json`), 'utf8'));

    const file = join(input, '000_e15030ee0d383edd.txt');
    for (const typed of [file, relative(process.cwd(), file), `${input}/./000_e15030ee0d383edd.txt`]) {
      const r = await runCli(['process', typed], {});
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.source).toBe('000_e15030ee0d383edd.txt');
      expect(doc).toEqual(queued('000_e15030ee0d383edd.txt'));
    }
    // Below a subfolder, the key is relative to the folder enqueued: --root names it.
    const nested = await runCli(['process', join(input, 'sub', 'nested.txt'), '--root', input], {});
    expect(JSON.parse(nested.stdout)).toEqual(queued('sub/nested.txt'));
    const outside = await runCli(['process', file, '--root', join(input, 'sub')], {});
    expect(outside).toMatchObject({ code: 2, stderr: `vnpipe: ${file} is not below --root ${join(input, 'sub')}\n` });
    // The worker's limits: a link is not followed, a file over limits.maxFileBytes is refused.
    const link = await runCli(['process', join(input, 'link.txt')], {});
    expect(link.code).toBe(3);
    expect(link.stderr).toMatch(/link\.txt: special-file: /);
    const small = join(tempDir('config'), 'small.json');
    writeFileSync(small, JSON.stringify({ limits: { maxFileBytes: 1000 } }));
    const big = await runCli(['process', file, '--config', small], {});
    expect(big.code).toBe(3);
    expect(big.stderr).toMatch(/000_e15030ee0d383edd\.txt: too-large: /);
  });
});
