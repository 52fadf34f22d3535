import { constants as fsConstants } from 'node:fs';
import { lstat, mkdir, open, opendir, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DocumentError, UsageError } from '../errors.js';
import { assertOpenedInside, isInside } from './files.js';

/** One object of a store: a file below a folder, or an object under an S3 prefix. */
export interface StoredObject {
  /** Its name below the store's root, with `/`. */
  key: string;
  size: number;
  mtimeMs: number;
}

/**
 * Where shards live: a local folder (`file:///data/cc`) or an S3-compatible bucket and
 * prefix (`s3://bucket/cc`). Keys are checked against the root (assertStoreKey) before
 * anything is read or written, so a key from a job never names anything outside it.
 */
export interface ObjectStore {
  /** The location as the user gave it, normalised: what the batch records. */
  readonly location: string;
  /** The object the location names itself (a single shard), or null for a folder or prefix. */
  single(): Promise<StoredObject | null>;
  /** Every object below the root, sorted by key. */
  list(): AsyncGenerator<StoredObject>;
  /** One object's bytes as a stream. Throws DocumentError('missing') when it is gone. */
  stream(key: string): Promise<Readable>;
  /** Bytes [start, end) of one object: Parquet reads its footer and column chunks this way. */
  slice(key: string, start: number, end: number): Promise<Uint8Array>;
  /** An object's size and time, or null. */
  info(key: string): Promise<StoredObject | null>;
  /** A small object's bytes, or null when there is none. */
  get(key: string): Promise<Buffer | null>;
  /** Replaces an object as a whole: readers see the old one or the new, never a part. */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** For people: where a key lives. */
  locate(key: string): string;
}

/** A key names something below the root: relative, no `.` or `..` segment, no NUL, no empty segment. */
export function assertStoreKey(key: string, root: string): void {
  const bad =
    key === '' || key.includes('\0') || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.' || part === '');
  if (bad) throw new DocumentError('unsafe-path', `${JSON.stringify(key)} is not a name inside ${root}`);
}

/** `file://` and `s3://` locations are stores; anything else is no store. */
export function isStoreLocation(location: string): boolean {
  return /^(?:file|s3):\/\//i.test(location);
}

export function openStore(location: string): ObjectStore {
  if (/^file:\/\//i.test(location)) return new LocalStore(fileURLToPath(location));
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(location);
  if (s3) return new S3Store(s3[1]!, s3[2]!.replace(/\/+$/, ''));
  throw new UsageError(`${location} is no shard location (file:///folder, s3://bucket/prefix)`);
}

/** A folder (or one file) on this machine. Writes go to a temporary name, then rename. */
export class LocalStore implements ObjectStore {
  readonly location: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.location = pathToFileURL(this.root).href;
  }

  async single(): Promise<StoredObject | null> {
    const info = await stat(this.root).catch(() => null);
    if (!info) throw new UsageError(`no such file or folder: ${this.root}`);
    this.singleFile = info.isFile();
    return info.isFile() ? { key: basename(this.root), size: info.size, mtimeMs: info.mtimeMs } : null;
  }

  async *list(): AsyncGenerator<StoredObject> {
    const walk = async function* (dir: string, root: string): AsyncGenerator<StoredObject> {
      const names: string[] = [];
      for await (const entry of await opendir(dir)) if (!entry.name.startsWith('.')) names.push(entry.name);
      names.sort();
      const subdirs: string[] = [];
      for (const name of names) {
        const path = join(dir, name);
        // Symbolic links are not listed, as in a folder of files: nothing outside the folder is read.
        const info = await lstat(path).catch(() => null);
        if (info?.isDirectory()) subdirs.push(path);
        else if (info?.isFile()) yield { key: relative(root, path).split(sep).join('/'), size: info.size, mtimeMs: info.mtimeMs };
      }
      for (const sub of subdirs) yield* walk(sub, root);
    };
    yield* walk(this.root, this.root);
  }

  /** Whether the location is one file (a single shard), looked up once. */
  private singleFile: boolean | null = null;

  private async ready(): Promise<void> {
    if (this.singleFile === null) this.singleFile = (await stat(this.root).catch(() => null))?.isFile() ?? false;
  }

  private path(key: string): string {
    assertStoreKey(key, this.root);
    if (!this.singleFile) return join(this.root, key);
    // A single-file location reads that file only, under its own name.
    if (key !== basename(this.root)) throw new DocumentError('unsafe-path', `${key} is not the shard ${this.root}`);
    return this.root;
  }

  /**
   * Opens a file to read, as a folder of files does: never through a symbolic link
   * (O_NOFOLLOW), and only if what was opened really lies in the folder (a folder link
   * swapped in is caught on the open descriptor).
   */
  private async open(path: string): Promise<FileHandle> {
    const handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new DocumentError('missing', `the shard is gone: ${path}`);
      if (err.code === 'ELOOP') throw new DocumentError('special-file', `a symbolic link (not followed), not a shard: ${path}`);
      throw err;
    });
    try {
      this.realRoot ??= await realpath(this.singleFile ? dirname(this.root) : this.root);
      assertOpenedInside(handle.fd, path, this.realRoot, 'unsafe-path');
      return handle;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  private realRoot: string | null = null;

  async stream(key: string): Promise<Readable> {
    await this.ready();
    const path = this.path(key);
    return (await this.open(path)).createReadStream();
  }

  async slice(key: string, start: number, end: number): Promise<Uint8Array> {
    await this.ready();
    const path = this.path(key);
    const handle = await this.open(path);
    try {
      const bytes = Buffer.allocUnsafe(end - start);
      let read = 0;
      while (read < bytes.length) {
        const { bytesRead } = await handle.read(bytes, read, bytes.length - read, start + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return bytes.subarray(0, read);
    } finally {
      await handle.close();
    }
  }

  async info(key: string): Promise<StoredObject | null> {
    await this.ready();
    const info = await stat(this.path(key)).catch(() => null);
    return info?.isFile() ? { key, size: info.size, mtimeMs: info.mtimeMs } : null;
  }

  async get(key: string): Promise<Buffer | null> {
    await this.ready();
    const path = this.path(key);
    const handle = await this.open(path).catch((err: unknown) => {
      if (err instanceof DocumentError && err.reason === 'missing') return null;
      throw err;
    });
    if (!handle) return null;
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.ready();
    const path = this.path(key);
    // As output files are written (OutputFolder): never through a folder link in the
    // output to somewhere else, checked before a folder is made and on the file opened.
    await mkdir(this.root, { recursive: true });
    const realRoot = (this.realOutRoot ??= await realpath(this.root));
    for (let d = dirname(path); isInside(this.root, d); d = dirname(d)) {
      const real = await realpath(d).catch(() => null);
      if (real === null) continue; // not there yet: its nearest existing parent decides
      if (!isInside(realRoot, real)) throw new DocumentError('unsafe-output', `output path ${path} leads outside the output folder ${this.root} (${d} is ${real})`);
      break;
    }
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o644);
      try {
        assertOpenedInside(handle.fd, temp, realRoot, 'unsafe-output');
        await handle.writeFile(body);
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (err) {
      await unlink(temp).catch(() => {});
      if (err instanceof DocumentError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new DocumentError('unwritable', `cannot write ${path}: ${code}`);
      throw err;
    }
  }

  /** The output folder's real path, for put. */
  private realOutRoot: string | null = null;

  locate(key: string): string {
    assertStoreKey(key, this.root);
    return this.singleFile ? this.root : join(this.root, key);
  }
}

/**
 * S3 or any S3-compatible server (MinIO, R2, GCS interop, s3rver): the standard
 * environment names the endpoint and credentials (AWS_ENDPOINT_URL, AWS_REGION,
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); VNPIPE_S3_PATH_STYLE=1 addresses buckets
 * by path, as MinIO and s3rver need. The SDK loads on first use: commands that never
 * touch S3 do not pay for it.
 */
export class S3Store implements ObjectStore {
  readonly location: string;
  private client: Promise<import('@aws-sdk/client-s3').S3Client> | null = null;

  constructor(
    private readonly bucket: string,
    /** The prefix, without a trailing `/`; empty for the whole bucket. */
    private readonly prefix: string,
  ) {
    this.location = `s3://${bucket}/${prefix}`;
  }

  private sdk(): Promise<typeof import('@aws-sdk/client-s3')> {
    return import('@aws-sdk/client-s3');
  }

  private s3(): Promise<import('@aws-sdk/client-s3').S3Client> {
    this.client ??= this.sdk().then(({ S3Client }) => {
      const endpoint = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
      return new S3Client({
        region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1',
        ...(endpoint ? { endpoint } : {}),
        forcePathStyle: /^(?:1|true|yes)$/i.test(process.env.VNPIPE_S3_PATH_STYLE ?? ''),
        // A transient error (a slow server, a 503) is retried by the SDK before it reaches the queue.
        maxAttempts: 5,
        // A connection that hangs fails (and its job runs again) instead of holding a thread for ever.
        requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
      });
    });
    return this.client;
  }

  private name(key: string): string {
    assertStoreKey(key, this.location);
    if (this.singleKey !== null) {
      if (key !== this.singleKey.split('/').pop()) throw new DocumentError('unsafe-path', `${key} is not the shard ${this.location}`);
      return this.singleKey;
    }
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** The whole key when the location names one object, found by single(). */
  private singleKey: string | null = null;
  private probed: Promise<StoredObject | null> | null = null;

  single(): Promise<StoredObject | null> {
    if (!this.probed) {
      const probed = (async () => {
        if (this.prefix === '') return null;
        const found = await this.head(this.prefix);
        if (!found) return null;
        this.singleKey = this.prefix;
        return { ...found, key: this.prefix.split('/').pop()! };
      })();
      this.probed = probed;
      // A look-up that failed (a reset, a timeout) is not kept: the next read asks again.
      probed.catch(() => {
        if (this.probed === probed) this.probed = null;
      });
    }
    return this.probed;
  }

  private async head(name: string): Promise<Omit<StoredObject, 'key'> | null> {
    const [client, { HeadObjectCommand }] = await Promise.all([this.s3(), this.sdk()]);
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: name }));
      return { size: out.ContentLength ?? 0, mtimeMs: out.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw storeError(err, this.bucket, name);
    }
  }

  async *list(): AsyncGenerator<StoredObject> {
    const [client, { ListObjectsV2Command }] = await Promise.all([this.s3(), this.sdk()]);
    const base = this.prefix ? `${this.prefix}/` : '';
    let token: string | undefined;
    do {
      const out = await client
        .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, ...(token ? { ContinuationToken: token } : {}) }))
        .catch((err: unknown) => {
          throw storeError(err, this.bucket, base);
        });
      // S3 lists keys in UTF-8 binary order: the same order on every run.
      for (const o of out.Contents ?? []) {
        const key = o.Key!.slice(base.length);
        if (key === '' || key.endsWith('/') || key.split('/').some((p) => p.startsWith('.'))) continue;
        yield { key, size: o.Size ?? 0, mtimeMs: o.LastModified?.getTime() ?? 0 };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async stream(key: string): Promise<Readable> {
    await this.single();
    const [client, { GetObjectCommand }] = await Promise.all([this.s3(), this.sdk()]);
    const name = this.name(key);
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: name }));
      return out.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new DocumentError('missing', `the shard is gone: s3://${this.bucket}/${name}`);
      throw storeError(err, this.bucket, name);
    }
  }

  async slice(key: string, start: number, end: number): Promise<Uint8Array> {
    await this.single();
    const [client, { GetObjectCommand }] = await Promise.all([this.s3(), this.sdk()]);
    const name = this.name(key);
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: name, Range: `bytes=${start}-${end - 1}` }));
      return await out.Body!.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) throw new DocumentError('missing', `the shard is gone: s3://${this.bucket}/${name}`);
      throw storeError(err, this.bucket, name);
    }
  }

  async info(key: string): Promise<StoredObject | null> {
    await this.single();
    const found = await this.head(this.name(key));
    return found ? { key, ...found } : null;
  }

  async get(key: string): Promise<Buffer | null> {
    await this.single();
    const [client, { GetObjectCommand }] = await Promise.all([this.s3(), this.sdk()]);
    const name = this.name(key);
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: name }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return null;
      throw storeError(err, this.bucket, name);
    }
  }

  /**
   * lib-storage's Upload: one PUT for a small body, a multipart upload for a large one,
   * completed only once every part is in (and aborted on failure), so the object is
   * the old one or the new one whole.
   */
  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    const [client, { Upload }] = await Promise.all([this.s3(), import('@aws-sdk/lib-storage')]);
    const name = this.name(key);
    try {
      await new Upload({ client, params: { Bucket: this.bucket, Key: name, Body: body, ContentType: contentType }, leavePartsOnError: false }).done();
    } catch (err) {
      throw storeError(err, this.bucket, name);
    }
  }

  locate(key: string): string {
    assertStoreKey(key, this.location);
    return `s3://${this.bucket}/${this.singleKey ?? (this.prefix ? `${this.prefix}/${key}` : key)}`;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

/** Access and bucket errors are the user's to fix (a DocumentError that fails the document); others are retried. */
function storeError(err: unknown, bucket: string, key: string): unknown {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'NoSuchBucket') return new DocumentError('missing', `no bucket ${bucket} (s3://${bucket}/${key})`);
  if (status === 403 || e.name === 'AccessDenied') return new DocumentError('unreadable', `access denied: s3://${bucket}/${key}`);
  return err;
}
