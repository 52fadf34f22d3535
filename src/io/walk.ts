import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

const STAT_SLICE = 256;

export interface FoundFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the walked root, with `/` separators. */
  rel: string;
  size: number;
  mtimeMs: number;
}

export interface WalkOptions {
  /** Absolute folders to leave out (the output folder when it lies inside the input). */
  exclude?: string[];
  /** Follow symbolic links (off: a link is reported to onSkip and left out, so nothing outside the root is read). */
  followLinks?: boolean;
  /** Told about each folder or entry that could not be read; the walk goes on. */
  onSkip?: (rel: string, reason: string) => void;
}

/**
 * Every regular file below `root`, depth first, each folder's files in name order
 * before its subfolders, so the order is the same on every run. Streams: only one
 * folder's listing is held at a time. Hidden entries (`.name`) are left out. Symbolic
 * links are left out unless `followLinks`; followed, a folder reached twice (a link
 * loop) is walked once.
 */
export async function* walkFiles(root: string, options: WalkOptions = {}): AsyncGenerator<FoundFile> {
  const exclude = new Set(options.exclude ?? []);
  const seen = new Set<string>();
  const onSkip = options.onSkip ?? (() => {});

  async function* walkDir(dir: string): AsyncGenerator<FoundFile> {
    const real = await realpath(dir);
    if (seen.has(real)) {
      onSkip(relOf(dir), 'folder already walked (symbolic link loop)');
      return;
    }
    seen.add(real);
    let names: string[];
    try {
      names = [];
      for await (const entry of await opendir(dir)) {
        if (!entry.name.startsWith('.')) names.push(entry.name);
      }
    } catch (err) {
      onSkip(relOf(dir), `cannot list folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return;
    }
    names.sort();
    const subdirs: string[] = [];
    // Stat a slice of names at once: one at a time, the walk was the enqueue's bottleneck.
    for (let i = 0; i < names.length; i += STAT_SLICE) {
      const paths = names.slice(i, i + STAT_SLICE).map((name) => join(dir, name));
      const look = options.followLinks ? stat : lstat;
      const infos = await Promise.all(paths.map((path) => look(path).catch((err: NodeJS.ErrnoException) => err)));
      for (let j = 0; j < paths.length; j++) {
        const path = paths[j]!;
        const info = infos[j]!;
        if (info instanceof Error) {
          // Node reads a name that is not UTF-8 with U+FFFD in it: no path reaches that file again.
          const why = path.includes('\ufffd') ? 'its name is not valid UTF-8 (rename it to process it)' : `cannot stat: ${(info as NodeJS.ErrnoException).code ?? info.message}`;
          onSkip(relOf(path), why);
        } else if (info.isSymbolicLink()) {
          onSkip(relOf(path), 'symbolic link, not followed (--follow-links follows links)');
        } else if (info.isDirectory()) {
          if (!exclude.has(path)) subdirs.push(path);
        } else if (info.isFile()) {
          yield { path, rel: relOf(path), size: info.size, mtimeMs: info.mtimeMs };
        } else {
          onSkip(relOf(path), 'not a regular file');
        }
      }
    }
    for (const sub of subdirs) yield* walkDir(sub);
  }

  function relOf(path: string): string {
    return relative(root, path).split(sep).join('/');
  }

  yield* walkDir(root);
}
