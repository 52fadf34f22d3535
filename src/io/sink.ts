import { resolve } from 'node:path';
import { DocumentError, UsageError } from '../errors.js';
import { isInside, OutputFolder, UpToDateCheck, type Maker } from './files.js';
import { URL_SCHEME } from './source.js';

/**
 * Where cleaned documents go. A sink derives each output's place from the input's key
 * alone, writes atomically, and knows whether an output is up to date.
 */
export interface Sink {
  /** The output's location, recorded with the batch (a folder today). */
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

/**
 * The kinds of sink, by the locations they write; the first that accepts a location
 * opens it. A new kind (sharded JSONL, Parquet, S3) is one module and one line here.
 */
const SINK_KINDS: { kind: string; accepts(location: string): boolean; open(location: string): Sink }[] = [
  { kind: 'json-files', accepts: (location) => !URL_SCHEME.test(location), open: (location) => new JsonFileSink(location) },
];

/** The sink that writes to `location` (a batch's recorded output). */
export function openSink(location: string): Sink {
  const kind = SINK_KINDS.find((k) => k.accepts(location));
  if (!kind) throw new UsageError(`no sink writes to ${location} (kinds: ${SINK_KINDS.map((k) => k.kind).join(', ')})`);
  return kind.open(location);
}

/**
 * One JSON file per input: `<out>/<key>.json`. The name keeps the input's extension,
 * so it depends on the key alone: `a.txt` and `a.md` in one folder cannot collide,
 * and `status` finds an output without knowing the input's neighbours.
 */
export class JsonFileSink implements Sink {
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
