import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputPathFor } from '../../src/io/files.js';
import { walkFiles } from '../../src/io/walk.js';

async function collect(root: string, exclude: string[] = []): Promise<{ rels: string[]; skipped: string[] }> {
  const rels: string[] = [];
  const skipped: string[] = [];
  for await (const f of walkFiles(root, { exclude, onSkip: (rel, reason) => skipped.push(`${rel}: ${reason}`) })) rels.push(f.rel);
  return { rels, skipped };
}

describe('walkFiles', () => {
  it('yields each folder\'s files in name order before its subfolders, leaving hidden entries out', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vnpipe-walk-'));
    for (const f of ['b.txt', 'a.txt', '.hidden.txt', 'sub/z.txt', 'sub/deeper/y.txt', '.git/config', 'c d.txt']) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), 'x');
    }
    expect((await collect(root)).rels).toEqual(['a.txt', 'b.txt', 'c d.txt', 'sub/z.txt', 'sub/deeper/y.txt']);
  });

  it('walks a folder reached twice through a link loop once, and says so', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vnpipe-walk-'));
    writeFileSync(join(root, 'a.txt'), 'x');
    symlinkSync(root, join(root, 'loop'));
    const { rels, skipped } = await collect(root);
    expect(rels).toEqual(['a.txt']);
    expect(skipped).toEqual(['loop: folder already walked (symbolic link loop)']);
  });

  it('leaves out the excluded output folder and reports dangling links', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vnpipe-walk-'));
    writeFileSync(join(root, 'a.txt'), 'x');
    mkdirSync(join(root, 'out'));
    writeFileSync(join(root, 'out', 'a.json'), '{}');
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
    const { rels, skipped } = await collect(root, [join(root, 'out')]);
    expect(rels).toEqual(['a.txt']);
    expect(skipped).toEqual(['dangling: cannot stat: ENOENT']);
  });

  it('walks a folder of more files than one stat slice in order', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vnpipe-walk-'));
    const names = Array.from({ length: 600 }, (_, i) => `f${String(i).padStart(4, '0')}.txt`);
    for (const n of names) writeFileSync(join(root, n), 'x');
    expect((await collect(root)).rels).toEqual(names);
  });
});

describe('outputPathFor', () => {
  it('swaps the extension for .json, or keeps it when the stem is taken', () => {
    expect(outputPathFor('/out', 'a/b.txt')).toBe('/out/a/b.json');
    expect(outputPathFor('/out', 'a/b.md', true)).toBe('/out/a/b.md.json');
    expect(outputPathFor('/out', 'README')).toBe('/out/README.json');
  });

  it('refuses a path that would leave the output folder', () => {
    expect(() => outputPathFor('/out', '../etc/passwd')).toThrow(expect.objectContaining({ reason: 'unsafe-output' }));
    expect(() => outputPathFor('/out', '/etc/passwd')).toThrow(expect.objectContaining({ reason: 'unsafe-output' }));
  });
});
