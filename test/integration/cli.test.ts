import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../support/cli.js';

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
