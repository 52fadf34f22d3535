import { mkdirSync, mkdtempSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFileSink } from '../../src/io/sink.js';
import { FolderSource } from '../../src/io/source.js';
import { walkFiles } from '../../src/io/walk.js';

async function collect(root: string, exclude: string[] = [], followLinks = true): Promise<{ rels: string[]; skipped: string[] }> {
  const rels: string[] = [];
  const skipped: string[] = [];
  for await (const f of walkFiles(root, { exclude, followLinks, onSkip: (rel, reason) => skipped.push(`${rel}: ${reason}`) })) rels.push(f.rel);
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

  it('by default lists no symbolic link, so nothing outside the root (a link to /etc) enters the corpus', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vnpipe-walk-'));
    writeFileSync(join(root, 'a.txt'), 'x');
    symlinkSync('/etc', join(root, 'etc'));
    symlinkSync('/etc/hostname', join(root, 'host.txt'));
    const { rels, skipped } = await collect(root, [], false);
    expect(rels).toEqual(['a.txt']);
    expect(skipped).toEqual([
      'etc: symbolic link, not followed (--follow-links follows links)',
      'host.txt: symbolic link, not followed (--follow-links follows links)',
    ]);
  });

  it('walks a folder of more files than one stat slice in order', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vnpipe-walk-'));
    const names = Array.from({ length: 600 }, (_, i) => `f${String(i).padStart(4, '0')}.txt`);
    for (const n of names) writeFileSync(join(root, n), 'x');
    expect((await collect(root)).rels).toEqual(names);
  });
});

describe('JsonFileSink', () => {
  it('names an output after the whole key, so that a.txt, a.md and a.txt.json cannot collide', () => {
    const sink = new JsonFileSink('/out');
    expect(['a/b.txt', 'a/b.md', 'a/b.txt.json', 'README'].map((k) => sink.locate(k))).toEqual([
      '/out/a/b.txt.json', '/out/a/b.md.json', '/out/a/b.txt.json.json', '/out/README.json',
    ]);
  });

  it('refuses a key that would leave the output folder', () => {
    const sink = new JsonFileSink('/out');
    expect(() => sink.locate('../etc/passwd')).toThrow(expect.objectContaining({ reason: 'unsafe-output' }));
    expect(() => sink.locate('/etc/passwd')).toThrow(expect.objectContaining({ reason: 'unsafe-output' }));
  });
});

describe('links swapped in mid-batch', () => {
  it('a source that has read a folder refuses it once it becomes a link out of the root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vnpipe-source-'));
    const outside = mkdtempSync(join(tmpdir(), 'vnpipe-outside-'));
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'a.txt'), 'Xin chào');
    writeFileSync(join(outside, 'a.txt'), 'bí mật');
    const source = new FolderSource(root);
    expect(Buffer.from(await source.read('sub/a.txt', 100)).toString()).toBe('Xin chào');
    renameSync(join(root, 'sub'), join(root, 'old'));
    symlinkSync(outside, join(root, 'sub'));
    await expect(source.read('sub/a.txt', 100)).rejects.toThrow(expect.objectContaining({ reason: 'unsafe-path' }));
  });

  it('an output folder that has written a subfolder refuses it once it becomes a link out of the root', () => {
    const out = mkdtempSync(join(tmpdir(), 'vnpipe-out-'));
    const outside = mkdtempSync(join(tmpdir(), 'vnpipe-outside-'));
    const sink = new JsonFileSink(out);
    sink.write('d/a.txt', '{}\n');
    renameSync(join(out, 'd'), join(out, 'old'));
    symlinkSync(outside, join(out, 'd'));
    expect(() => sink.write('d/b.txt', '{}\n')).toThrow(expect.objectContaining({ reason: 'unsafe-output' }));
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('FolderSource', () => {
  it('reads a key below its root and refuses keys that are not plain relative paths', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vnpipe-source-'));
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'a.txt'), 'Xin chào');
    const source = new FolderSource(root);
    expect(Buffer.from(await source.read('sub/a.txt', 100)).toString()).toBe('Xin chào');
    for (const key of ['', '/etc/hostname', '../x', 'sub/../sub/a.txt', './sub/a.txt', 'sub//a.txt', 'a\0b']) {
      await expect(source.read(key, 100), key).rejects.toThrow(expect.objectContaining({ reason: 'unsafe-path' }));
    }
  });

  it('refuses a folder link out of the root that was swapped in after the listing, unless links are followed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vnpipe-source-'));
    const outside = mkdtempSync(join(tmpdir(), 'vnpipe-outside-'));
    writeFileSync(join(outside, 'a.txt'), 'bí mật');
    symlinkSync(outside, join(root, 'sub'));
    await expect(new FolderSource(root).read('sub/a.txt', 100)).rejects.toThrow(expect.objectContaining({ reason: 'unsafe-path' }));
    expect(Buffer.from(await new FolderSource(root, { followLinks: true }).read('sub/a.txt', 100)).toString()).toBe('bí mật');
  });
});
