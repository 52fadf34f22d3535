import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { CLI, ROOT, SAMPLES, tempDir, testEnv } from '../support/cli.js';

const redisUrl = inject('redisUrl');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README's fenced shell blocks: `sh test` ones are recipes this file runs. */
const blocks = [...README.matchAll(/^```(sh|bash)( test)?\n([\s\S]*?)^```$/gm)].map((m) => ({ tested: m[2] !== undefined, body: m[3]! }));

/**
 * Shell blocks not run, by their first line, and why: a new recipe is either run here or
 * named here, never silently untested.
 */
const NOT_RUN: Record<string, string> = {
  'npm run demo   # installs what is missing, processes samples/ into out/, prints the summary': 'installs packages and runs the whole test suite',
  'mkdir -p out                      # the workers run as uid 1000 and write here': 'needs a Docker engine (the compose file is checked in monitoring.test.ts)',
  'npm ci': 'the development loop: installs, builds and runs every test',
  'vnpipe stats out/': 'run by export.test.ts on outputs of its own, with a second batch for --against',
  'export REDIS_CLUSTER_NODES=redis-1:6379,redis-2:6379,redis-3:6379  # or REDIS_URL=redis+cluster://user:pass@redis-1:6379,redis-2:6379':
    'run by cluster.test.ts with the nodes of a local three-node cluster',
  'export AWS_ENDPOINT_URL=http://127.0.0.1:9000 AWS_REGION=us-east-1 VNPIPE_S3_PATH_STYLE=1': 'run by shards.test.ts against a local s3rver',
};

describe("the README's recipes", () => {
  it('marks every shell block as run here or names why not', () => {
    expect(blocks.filter((b) => b.tested).length).toBeGreaterThan(0);
    const untested = blocks.filter((b) => !b.tested).map((b) => b.body.split('\n')[0]!);
    expect(untested.sort()).toEqual(Object.keys(NOT_RUN).sort());
  });

  it.each(blocks.filter((b) => b.tested).map((b, i) => [i + 1, b.body] as const))('recipe %i runs as written, in a clone with vnpipe on the PATH', async (_, body) => {
    const dir = tempDir('readme');
    cpSync(SAMPLES, join(dir, 'samples'), { recursive: true });
    const bin = join(dir, '.bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'vnpipe'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
    chmodSync(join(bin, 'vnpipe'), 0o755);
    const env = { ...process.env, ...testEnv(redisUrl), PATH: `${bin}:${process.env.PATH}`, LOG_LEVEL: '' };
    // As a user pastes it: each line in turn, stopping at the first that fails.
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('bash', ['-e', '-o', 'pipefail', '-c', body], { cwd: dir, env, timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      ),
    );
    expect(result.stderr).not.toContain('unexpected error');
    expect(result.code, result.stderr).toBe(0);
    // What the round trip promises.
    if (body.includes('corpus.jsonl')) {
      const corpus = readFileSync(join(dir, 'corpus.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(corpus).toHaveLength(5);
      const one = JSON.parse(readFileSync(join(dir, 'one.jsonl'), 'utf8'));
      expect(corpus.find((d) => d.source === one.source)).toEqual(one);
      expect(existsSync(join(dir, 'shards', 'shard-00000.jsonl.gz'))).toBe(true);
      expect(result.stdout).toMatch(/finished {2}5 completed {2}0 failed {2}5 queued/);
    }
  });

  it('npx vnpipe runs the clone\'s own command (built by prepare, as npm ci does)', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.prepare).toBe('bash scripts/prepare.sh');
    const version = await new Promise<string>((resolve, reject) =>
      execFile('npx', ['--offline', '--no-install', 'vnpipe', '--version'], { cwd: ROOT, timeout: 60_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    expect(version).toBe(`vnpipe ${pkg.version}\n`);
    // Where it cannot build (no sources: the Docker build stage; no TypeScript: --omit=dev), it lets the install go on and says why.
    const bare = tempDir('prepare');
    mkdirSync(join(bare, 'scripts'));
    cpSync(join(ROOT, 'scripts', 'prepare.sh'), join(bare, 'scripts', 'prepare.sh'));
    const prepare = () =>
      new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile('bash', [join(bare, 'scripts', 'prepare.sh')], (err, _out, stderr) => resolve({ code: err ? 1 : 0, stderr })),
      );
    expect(await prepare()).toEqual({ code: 0, stderr: '' });
    mkdirSync(join(bare, 'src', 'cli'), { recursive: true });
    writeFileSync(join(bare, 'src', 'cli', 'main.ts'), '');
    expect(await prepare()).toEqual({ code: 0, stderr: 'vnpipe: TypeScript is not installed here, so dist/ is not built: run npm ci in this folder first\n' });
    // The built command is executable by itself: npx chmods it only when it first caches a
    // folder, so a clone rebuilt at a path npx cached before (a CI checkout) got a 0644 file.
    const tsc = join(bare, 'node_modules', 'typescript', 'bin', 'tsc');
    mkdirSync(join(tsc, '..'), { recursive: true });
    writeFileSync(tsc, "const fs = require('fs'); fs.mkdirSync('dist/src/cli', { recursive: true }); fs.writeFileSync('dist/src/cli/main.js', '', { mode: 0o644 });");
    expect(await prepare()).toEqual({ code: 0, stderr: '' });
    expect(statSync(join(bare, pkg.bin.vnpipe)).mode & 0o111).toBe(0o111);
  });
});
