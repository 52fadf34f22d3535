import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../support/cli.js';

describe('one command line per command', () => {
  it.each([
    [['status', '--wtach'], /^vnpipe: unknown option '--wtach' \(did you mean --watch\?\) \(try: vnpipe status --help\)\n$/],
    [['process', 'x.txt', '--watch'], /^vnpipe: --watch does not apply to process \(it is an option of status\)/],
    [['process', 'x.txt', '--shard-size', 'banana'], /^vnpipe: --shard-size does not apply to process \(it is an option of export\)/],
    [['enqueue'], /^vnpipe: missing required argument 'folder'/],
    [['enqueue', 'a', 'b', '--out', 'x'], /^vnpipe: too many arguments for 'enqueue'/],
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
