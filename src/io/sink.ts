import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DocumentError, UsageError } from '../errors.js';
import { isInside, OutputFolder, UpToDateCheck, type Maker } from './files.js';
import type { OutputFormat } from './output-shard.js';
import { ShardSink } from './shard-sink.js';

/**
 * Where cleaned documents go. A sink derives each output's place from the input's key
 * alone, writes atomically, and knows whether an output is up to date.
 */
export interface Sink {
  readonly sharded: false;
  /** The output's location, recorded with the batch. */
  readonly root: string;
  /** Where the output of `key` lives, for people (logs, status). Throws DocumentError for a key it cannot hold. */
  locate(key: string): string;
  /** Written after the input last changed, by this vnpipe under these settings (and a file, not a folder in the way). */
  isUpToDate(key: string, inputMtimeMs: number, maker: Maker): Promise<boolean>;
  /** Replaces the output of `key` as a whole: readers see the old one or the new, never a part. */
  write(key: string, content: string): void;
  /** Removes what a writer killed mid-write left for `key`: called before a document that ran before is written again. */
  removeLeftovers(key: string): void;
}

/** One JSON file per input, or output shards: what a batch writes. */
export type AnySink = Sink | ShardSink;

/**
 * The sink that writes a batch's output to `location`: a folder of JSON files for a
 * folder of files; output shards (a local folder or `s3://`) for shards of records.
 */
export function openSink(location: string, shards: { recordsPerJob: number; outputFormat?: OutputFormat } | null = null): AnySink {
  // A folder as a URL: `#`, `%` and `?` in its name are escaped, not read as URL syntax.
  if (shards) return new ShardSink(/^(?:file|s3):\/\//i.test(location) ? location : pathToFileURL(resolve(location)).href, shards.recordsPerJob, shards.outputFormat);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) throw new UsageError(`${location}: a folder of files is written to a folder (output shards on S3 need shards as input)`);
  return new JsonFileSink(location);
}

/**
 * One JSON file per input: `<out>/<key>.json`. The name keeps the input's extension,
 * so it depends on the key alone: `a.txt` and `a.md` in one folder cannot collide,
 * and `status` finds an output without knowing the input's neighbours.
 */
export class JsonFileSink implements Sink {
  readonly sharded = false;
  readonly root: string;
  private readonly folder: OutputFolder;
  private readonly upToDate = new UpToDateCheck();

  constructor(root: string) {
    this.root = resolve(root);
    this.folder = new OutputFolder(this.root);
  }

  locate(key: string): string {
    const path = resolve(this.root, `${key}.json`);
    if (!isInside(this.root, path) || path === this.root) {
      throw new DocumentError('unsafe-output', `output path ${path} would leave the output folder ${this.root}`);
    }
    return path;
  }

  isUpToDate(key: string, inputMtimeMs: number, maker: Maker): Promise<boolean> {
    return this.upToDate.check(this.locate(key), inputMtimeMs, maker);
  }

  write(key: string, content: string): void {
    this.folder.write(this.locate(key), content);
  }

  removeLeftovers(key: string): void {
    this.folder.removeLeftovers(this.locate(key));
  }
}
