import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DocumentError } from '../../src/errors.js';
import { readDocument } from '../../src/io/files.js';

const dir = mkdtempSync(join(tmpdir(), 'vnpipe-read-'));
const article = readFileSync(new URL('../fixtures/encodings/paragraph.utf8.txt', import.meta.url));
const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

function refusal(path: string, maxBytes = 1 << 20): DocumentError {
  try {
    readDocument(path, maxBytes);
  } catch (err) {
    expect(err).toBeInstanceOf(DocumentError);
    return err as DocumentError;
  }
  throw new Error(`${path} was read`);
}

describe('readDocument', () => {
  it('reads a regular file whole', () => {
    const path = join(dir, 'bai-viet.txt');
    writeFileSync(path, article);
    expect(readDocument(path, 1 << 20).equals(article)).toBe(true);
  });

  it('refuses a FIFO at once, with no writer on the other end, instead of blocking in open()', () => {
    const path = join(dir, 'swapped.txt');
    execFileSync('mkfifo', [path]);
    const started = performance.now();
    const err = refusal(path);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(err.reason).toBe('special-file');
    expect(err.message).toBe(`a FIFO (named pipe), not a regular file: ${path}`);
  });

  it('does not follow a symbolic link, even to a readable file', () => {
    const target = join(dir, 'target.txt');
    writeFileSync(target, article);
    const link = join(dir, 'link.txt');
    symlinkSync(target, link);
    const err = refusal(link);
    expect(err.reason).toBe('special-file');
    expect(err.message).toBe(`a symbolic link (not followed), not a regular file: ${link}`);
    const etc = join(dir, 'etc-hostname.txt');
    symlinkSync('/etc/hostname', etc);
    expect(refusal(etc).reason).toBe('special-file');
  });

  it('refuses a directory and a character device, naming each', () => {
    const folder = join(dir, 'folder.txt');
    mkdirSync(folder);
    expect(refusal(folder)).toMatchObject({ reason: 'unreadable', message: `a folder, not a file: ${folder}` });
    expect(refusal('/dev/zero')).toMatchObject({ reason: 'special-file', message: 'a character device, not a regular file: /dev/zero' });
  });

  it('refuses a socket', async () => {
    const path = join(dir, 'listening.sock');
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    // Linux will not open() a socket at all (ENXIO).
    expect(refusal(path)).toMatchObject({ reason: 'special-file', message: `a socket or device, not a regular file: ${path}` });
  });

  it('refuses a file over the limit from its size alone', () => {
    const path = join(dir, 'big.txt');
    writeFileSync(path, Buffer.concat([article, article]));
    const err = refusal(path, article.length);
    expect(err.reason).toBe('too-large');
    expect(err.message).toBe(`${article.length * 2} bytes is over the limit of ${article.length} (limits.maxFileBytes)`);
    expect(readDocument(path, article.length * 2).length).toBe(article.length * 2);
  });

  it('says a vanished file is missing', () => {
    expect(refusal(join(dir, 'gone.txt')).reason).toBe('missing');
  });
});
