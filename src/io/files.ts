import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, fstatSync, mkdirSync, openSync, readdirSync, readSync, realpathSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { threadId } from 'node:worker_threads';
import { DocumentError } from '../errors.js';

// Reading and writing documents is synchronous on purpose: it runs in a worker thread
// that has nothing else to do meanwhile, and the promise API's thread-pool hops made
// a 6 KB read cost 0.4 ms and a write 0.7 ms, more than the text pipeline itself.

/**
 * Reads one input document, turning file-system failures into DocumentErrors with a
 * reason `status` can show. Other errors (EIO, EMFILE ...) are thrown as they are: the
 * queue retries them. Only a regular file is read: a symbolic link is not followed
 * (O_NOFOLLOW), and O_NONBLOCK makes opening a FIFO return at once instead of waiting
 * for a writer, so fstat can refuse it (and a device or socket) before any read.
 * With `within`, the file actually opened must lie in that (real) folder: checked on
 * the open descriptor, so a folder link swapped in at any moment is caught.
 */
export function readDocument(path: string, maxBytes: number, within?: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (err) {
    throw fileError(err, path);
  }
  try {
    if (within !== undefined) assertOpenedInside(fd, path, within, 'unsafe-path');
    const info = fstatSync(fd);
    if (info.isDirectory()) throw new DocumentError('unreadable', `a folder, not a file: ${path}`);
    if (!info.isFile()) throw new DocumentError('special-file', `${specialKind(info)}, not a regular file: ${path}`);
    if (info.size > maxBytes) {
      throw new DocumentError('too-large', `${info.size} bytes is over the limit of ${maxBytes} (limits.maxFileBytes)`);
    }
    const bytes = Buffer.allocUnsafe(info.size);
    let read = 0;
    while (read < info.size) {
      const n = readSync(fd, bytes, read, info.size - read, read);
      if (n === 0) break; // the file shrank while we read it
      read += n;
    }
    return read === info.size ? bytes : bytes.subarray(0, read);
  } catch (err) {
    throw fileError(err, path);
  } finally {
    closeSync(fd);
  }
}

/** Where an open descriptor really leads (Linux's /proc; elsewhere the path's real path, checked a moment earlier). */
function realPathOf(fd: number, path: string): string {
  try {
    return realpathSync(`/proc/self/fd/${fd}`);
  } catch {
    return realpathSync(path);
  }
}

export function assertOpenedInside(fd: number, path: string, root: string, reason: 'unsafe-path' | 'unsafe-output'): void {
  const real = realPathOf(fd, path);
  if (!isInside(root, real)) throw new DocumentError(reason, `${path} leads outside ${root} (it is ${real})`);
}

function specialKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'a special file';
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
    case 'ENXIO': // open() of a socket, or of a device with no driver behind it
      return new DocumentError('special-file', `a socket or device, not a regular file: ${path}`);
    case 'ELOOP': // O_NOFOLLOW met a symbolic link
      return new DocumentError('special-file', `a symbolic link (not followed), not a regular file: ${path}`);
    default:
      return err;
  }
}

// Temporary names unique to this thread (worker containers all run as pid 1, so the
// pid alone is not) without a random draw per write.
const TEMP_TAG = `${process.pid}.${threadId}.${randomBytes(4).toString('hex')}`;
let tempCount = 0;
/** What a temporary name adds to its output's name. */
const TEMP_NAME = /^\.\d+\.\d+\.[0-9a-f]{8}\.\d+\.tmp$/;

/**
 * The output folder of a batch. Writes are atomic (temporary file, then rename), so a
 * reader sees the old document or the new, never a part. A path that a symbolic link
 * inside the folder would send elsewhere is refused. Folders already checked and
 * created are remembered: a batch writes thousands of files into few folders.
 */
export class OutputFolder {
  private readonly root: string;
  private readonly safeDirs = new Set<string>();
  private real: string | null = null;

  constructor(root: string) {
    this.root = resolve(root);
  }

  write(path: string, content: string): void {
    const dir = dirname(resolve(path));
    if (!this.safeDirs.has(dir)) {
      this.assertInside(dir, path);
      mkdirSync(dir, { recursive: true });
      this.safeDirs.add(dir);
    }
    const temp = `${path}.${TEMP_TAG}.${++tempCount}.tmp`;
    try {
      // A new file (never through a link someone left), checked where it really is
      // before anything is written: a folder link swapped in after the check above is caught.
      const fd = openSync(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o644);
      try {
        assertOpenedInside(fd, temp, this.realRoot(), 'unsafe-output');
        writeFileSync(fd, content);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, path);
    } catch (err) {
      try {
        unlinkSync(temp);
      } catch {
        // never written
      }
      if (err instanceof DocumentError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        throw new DocumentError('unwritable', `cannot write ${path}: ${code}`);
      }
      if (code === 'ENAMETOOLONG') throw new DocumentError('unwritable', `the output name is too long for the file system: ${path}`);
      if (code === 'ENOENT') this.safeDirs.delete(dir); // removed under us: the retry makes it again
      throw err;
    }
  }

  /**
   * Removes the temporary files a killed writer left beside `path`: called before a
   * document that ran before (its job stalled or failed) is written again.
   */
  removeLeftovers(path: string): void {
    const dir = dirname(path);
    const name = basename(path);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // no folder yet: nothing was left
    }
    for (const entry of names) {
      if (!entry.startsWith(name) || !TEMP_NAME.test(entry.slice(name.length))) continue;
      try {
        unlinkSync(join(dir, entry));
      } catch {
        // gone already
      }
    }
  }

  /** Checked before creating anything, so that mkdir never follows a link out of the folder. */
  /** The output folder's real path, made once (the folder itself may be reached through a link). */
  private realRoot(): string {
    if (this.real === null) {
      mkdirSync(this.root, { recursive: true });
      this.real = realpathSync(this.root);
    }
    return this.real;
  }

  private assertInside(dir: string, path: string): void {
    if (!isInside(this.root, dir)) throw new DocumentError('unsafe-output', `output path ${path} is outside the output folder ${this.root}`);
    const realRoot = this.realRoot();
    for (let d = dir; isInside(this.root, d); d = dirname(d)) {
      let real: string;
      try {
        real = realpathSync(d);
      } catch {
        continue; // not there yet: its nearest existing parent decides
      }
      if (!isInside(realRoot, real)) {
        throw new DocumentError('unsafe-output', `output path ${path} leads outside the output folder ${this.root} (${d} is ${real})`);
      }
      return;
    }
  }
}

/** `path` is `folder` or lies below it (both absolute and resolved). */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Which vnpipe and which settings made an output: the last field of each JSON output. */
export interface Maker {
  version: string;
  config: string;
}

const MAKER_TAIL_BYTES = 160;
const MAKER = /"vnpipe":\{"version":"([^"]*)","config":"([0-9a-f]+)"\}\}\}\s*$/;

/**
 * Make's rule for "already done": the output exists, is a file, is at least as new
 * as the input, and was made by this vnpipe under these settings (its last bytes say). A walk's outputs come a folder at a time, and on a first run their
 * folder does not exist yet: that is one stat for the folder instead of a failed stat
 * per file.
 */
export class UpToDateCheck {
  private dir = '';
  private dirExists: Promise<boolean> = Promise.resolve(false);

  async check(output: string, inputMtimeMs: number, maker: Maker): Promise<boolean> {
    const dir = dirname(output);
    if (dir !== this.dir) {
      this.dir = dir;
      this.dirExists = stat(dir).then((s) => s.isDirectory(), () => false);
    }
    if (!(await this.dirExists)) return false;
    let file: FileHandle | null = null;
    try {
      const info = await stat(output);
      // A folder by the output's name is in the way, not the output.
      if (!info.isFile() || info.mtimeMs < inputMtimeMs) return false;
      file = await open(output, 'r');
      const tail = Buffer.alloc(Math.min(MAKER_TAIL_BYTES, info.size));
      await file.read(tail, 0, tail.length, info.size - tail.length);
      const made = MAKER.exec(tail.toString('utf8'));
      return made !== null && made[1] === maker.version && made[2] === maker.config;
    } catch {
      return false;
    } finally {
      await file?.close();
    }
  }
}
