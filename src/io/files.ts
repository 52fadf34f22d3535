import { randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { DocumentError } from '../errors.js';

/**
 * Reads one input document, turning file-system failures into DocumentErrors with a
 * reason `status` can show. Other errors (EIO, EMFILE ...) are left as they are: the
 * queue retries them.
 */
export async function readDocument(path: string, maxBytes: number): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new DocumentError('unreadable', `not a regular file: ${path}`);
    if (info.size > maxBytes) {
      throw new DocumentError('too-large', `${info.size} bytes is over the limit of ${maxBytes} (limits.maxFileBytes)`);
    }
    return await readFile(path);
  } catch (err) {
    throw fileError(err, path);
  }
}

function fileError(err: unknown, path: string): unknown {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new DocumentError('missing', `the file is gone (deleted or moved after it was enqueued): ${path}`);
    case 'EACCES':
    case 'EPERM':
      return new DocumentError('unreadable', `permission denied: ${path}`);
    case 'EISDIR':
      return new DocumentError('unreadable', `a folder, not a file: ${path}`);
    default:
      return err;
  }
}

/**
 * Where the output of `rel` goes: `<outDir>/<rel without its extension>.json`, or
 * `<rel>.json` when the caller says the stem is taken (`a.txt` and `a.md` in one
 * folder). Refuses a path that would leave `outDir`.
 */
export function outputPathFor(outDir: string, rel: string, keepExtension = false): string {
  const base = keepExtension || extname(rel) === '' ? rel : rel.slice(0, -extname(rel).length);
  const path = resolve(outDir, `${base}.json`);
  if (path === resolve(outDir) || !isInside(resolve(outDir), path)) {
    throw new DocumentError('unsafe-output', `output path ${path} would leave the output folder ${outDir}`);
  }
  return path;
}

/**
 * Refuses an output path that a symbolic link inside the output folder would send
 * elsewhere: the real path of its nearest existing folder at or below the output
 * folder must lie inside the real output folder.
 */
export async function assertInsideFolder(folder: string, path: string): Promise<void> {
  const root = resolve(folder);
  for (let dir = dirname(resolve(path)); isInside(root, dir); dir = dirname(dir)) {
    const real = await realpath(dir).catch(() => null);
    if (real === null) continue;
    const realRoot = await realpath(root);
    if (!isInside(realRoot, real)) {
      throw new DocumentError('unsafe-output', `output path ${path} leads outside the output folder ${folder} (${dir} is ${real})`);
    }
    return;
  }
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Writes a file so that readers see the old content or the new, never a part: temp file, then rename. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new DocumentError('unwritable', `cannot write ${path}: ${code}`);
    }
    throw err;
  }
}

/** Whether `output` exists and is at least as new as the input: make's rule for "already done". */
export async function isUpToDate(output: string, inputMtimeMs: number): Promise<boolean> {
  try {
    return (await stat(output)).mtimeMs >= inputMtimeMs;
  } catch {
    return false;
  }
}
