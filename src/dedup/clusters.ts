import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { estimatedJaccard, jaccard, MinHasher, type DedupSettings } from './minhash.js';

/** One document as the dedup pass sees it. */
export interface DedupEntry {
  source: string;
  id: string;
  /** ISO date (metadata.date) or null. */
  date: string | null;
  text: string;
}

/** A document of an earlier export, from its signature index: it always stays, later copies of it go. */
export interface PriorEntry {
  source: string;
  id: string;
  signature: Int32Array;
}

export interface DedupResult {
  /** Per document added, in order: the source of the document its cluster keeps, or null when it is the one kept. */
  duplicateOf: (string | null)[];
  /** Per document: how many documents its cluster has (1 alone), counting earlier exports' ones. */
  clusterSize: number[];
  /** Documents left as copies of a text seen before (identical clean text). */
  exact: number;
  /** Documents left as near duplicates (their signatures agree on at least dedup.threshold of the hashes). */
  near: number;
  /** Of those, documents whose cluster keeps a document of an earlier export. */
  prior: number;
  /** Sizes of the clusters with more than one document of this export, largest first. */
  clusterSizes: number[];
}

/**
 * Exact and near-duplicate clusters over one export (or batch): documents are added in
 * the folder's order; each gets a hash of its text (exact copies join at once) and a
 * MinHash signature whose LSH band keys meet earlier documents with the same band. A
 * pair sharing a band is a candidate; `verify` joins it to one cluster (union-find)
 * when the exact Jaccard similarity of the two shingle sets is at least `threshold`,
 * so that a pair sharing one band by chance is not a duplicate (on short texts the
 * 112-hash estimate errs by about 0.04 around 0.8). Candidates against an earlier
 * export, whose texts are gone, are checked on their signatures. Per cluster one
 * document stays, by a stated rule: a document of an earlier export first, then the
 * earliest date, then the longest text, then the first in name order. Same documents
 * in, same clusters out, in any run.
 *
 * Memory: a signature (448 B by default) and a band key per band per document, and the
 * shingles of the candidates while they are verified.
 */
export class Deduplicator {
  private readonly hasher: MinHasher;
  private readonly parent: number[] = [];
  private readonly nodes: { source: string; id: string; prior: boolean; date: number; length: number; order: number }[] = [];
  private readonly signatures: (Int32Array | null)[] = [];
  private readonly buckets: Map<number, number[]>[];
  private readonly exactFirst = new Map<string, number>();
  private readonly exactCopy: boolean[] = [];
  private readonly candidates = new Map<number, [number, number]>();
  private added = 0;

  constructor(readonly settings: DedupSettings, prior: PriorEntry[] = []) {
    this.hasher = new MinHasher(settings);
    this.buckets = Array.from({ length: settings.bands }, () => new Map());
    for (const p of prior) this.node({ source: p.source, id: p.id, prior: true, date: -Infinity, length: 0 }, p.signature, null);
  }

  /** The signatures of the documents added, in order (null for an empty text): the index of this export. */
  addedSignatures(): (Int32Array | null)[] {
    return this.signatures.slice(this.nodes.length - this.added);
  }

  add(entry: DedupEntry): void {
    const hash = entry.text === '' ? null : createHash('sha256').update(entry.text).digest('base64');
    const date = entry.date === null ? NaN : Date.parse(entry.date);
    const signature = entry.text === '' ? null : this.hasher.signature(entry.text);
    this.node({ source: entry.source, id: entry.id, prior: false, date: Number.isNaN(date) ? Infinity : date, length: entry.text.length }, signature, hash);
    this.added++;
  }

  private node(meta: { source: string; id: string; prior: boolean; date: number; length: number }, signature: Int32Array | null, hash: string | null): void {
    const i = this.nodes.length;
    this.nodes.push({ ...meta, order: i });
    this.parent.push(i);
    this.signatures.push(signature);
    this.exactCopy.push(false);
    if (hash !== null) {
      const first = this.exactFirst.get(hash);
      if (first === undefined) this.exactFirst.set(hash, i);
      else {
        this.exactCopy[i] = true;
        this.union(first, i);
        return;
      }
    }
    if (!signature) return;
    const keys = this.hasher.bandKeys(signature);
    let joined = false;
    for (let band = 0; band < keys.length; band++) {
      const bucket = this.buckets[band]!;
      const members = bucket.get(keys[band]!);
      if (!members) {
        bucket.set(keys[band]!, [i]);
        continue;
      }
      for (const m of members) {
        if (this.nodes[m]!.prior) {
          if (!joined && estimatedJaccard(signature, this.signatures[m]!) >= this.settings.threshold) {
            this.union(m, i);
            joined = true;
          }
        } else {
          this.candidates.set(m * 2 ** 26 + i, [m, i]);
        }
      }
      // A bucket keeps a few members to pair with: a text repeated in hundreds of documents
      // is found through its first ones without pairing every two of them.
      if (members.length < 8) members.push(i);
    }
  }

  /** The documents (numbered as added, from 0) in candidate pairs: their shingles are what `verify` needs. */
  candidateDocuments(): Set<number> {
    const first = this.nodes.length - this.added;
    const docs = new Set<number>();
    for (const [a, b] of this.candidates.values()) {
      docs.add(a - first);
      docs.add(b - first);
    }
    return docs;
  }

  /** Joins the candidate pairs whose shingle sets (`shingleSet` of a document numbered as added) have Jaccard >= threshold. */
  verify(shingles: (index: number) => Int32Array | null): void {
    const first = this.nodes.length - this.added;
    for (const [a, b] of this.candidates.values()) {
      if (this.find(a) === this.find(b)) continue;
      const x = shingles(a - first);
      const y = shingles(b - first);
      if (x && y && jaccard(x, y) >= this.settings.threshold) this.union(a, b);
    }
    this.candidates.clear();
  }

  private find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!;
      i = this.parent[i]!;
    }
    return i;
  }

  private union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }

  finish(): DedupResult {
    const keeper = new Map<number, number>();
    const size = new Map<number, number>();
    const better = (a: number, b: number) => {
      const x = this.nodes[a]!;
      const y = this.nodes[b]!;
      if (x.prior !== y.prior) return x.prior;
      if (x.date !== y.date) return x.date < y.date;
      if (x.length !== y.length) return x.length > y.length;
      return x.order < y.order;
    };
    for (let i = 0; i < this.nodes.length; i++) {
      const root = this.find(i);
      size.set(root, (size.get(root) ?? 0) + 1);
      const k = keeper.get(root);
      if (k === undefined || better(i, k)) keeper.set(root, i);
    }
    const first = this.nodes.length - this.added;
    const result: DedupResult = { duplicateOf: [], clusterSize: [], exact: 0, near: 0, prior: 0, clusterSizes: [] };
    const ownSizes = new Map<number, number>();
    for (let i = first; i < this.nodes.length; i++) {
      const root = this.find(i);
      const k = keeper.get(root)!;
      result.clusterSize.push(size.get(root)!);
      ownSizes.set(root, (ownSizes.get(root) ?? 0) + 1);
      if (k === i) {
        result.duplicateOf.push(null);
        continue;
      }
      result.duplicateOf.push(this.nodes[k]!.source);
      if (this.exactCopy[i]) result.exact++;
      else result.near++;
      if (this.nodes[k]!.prior) result.prior++;
    }
    result.clusterSizes = [...ownSizes.values()].filter((s) => s > 1).sort((a, b) => b - a);
    return result;
  }
}

/** The first line of a signature index: what made it, so that a later export refuses signatures it cannot compare. */
interface IndexHeader {
  vnpipe: 'minhash-signatures';
  ngram: number;
  bands: number;
  rows: number;
}

// Not *.jsonl.gz: a data_files glob over the shards must not take it for one.
export const SIGNATURE_INDEX = 'minhash-signatures.idx.gz';

/** The index lines of an export: a header, then one line per kept document with its signature (base64, 32-bit little-endian). */
export function signatureIndexLines(settings: DedupSettings, kept: { source: string; id: string; signature: Int32Array | null }[]): string[] {
  const header: IndexHeader = { vnpipe: 'minhash-signatures', ngram: settings.ngram, bands: settings.bands, rows: settings.rows };
  const lines = [JSON.stringify(header)];
  for (const k of kept) {
    if (!k.signature) continue;
    lines.push(JSON.stringify({ source: k.source, id: k.id, signature: Buffer.from(k.signature.buffer, k.signature.byteOffset, k.signature.byteLength).toString('base64') }));
  }
  return lines;
}

/** Reads an earlier export's signature index; throws (with the file named) when it is not one or was made with other settings. */
export async function readSignatureIndex(file: string, settings: DedupSettings): Promise<PriorEntry[]> {
  const handle = await open(file);
  // pipeline destroys the gunzip stream with a read or decompression error, which then rejects the loop.
  const input = pipeline(handle.createReadStream(), createGunzip(), () => {});
  input.setEncoding('utf8'); // characters split across chunks are joined, not garbled
  const entries: PriorEntry[] = [];
  let header: IndexHeader | null = null;
  let n = 0;
  let rest = '';
  const lines = async function* () {
    for await (const chunk of input) {
      const parts = (rest + (chunk as string)).split('\n');
      rest = parts.pop()!;
      yield* parts;
    }
    yield rest;
  };
  for await (const line of lines()) {
    n++;
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${n}: not JSON`);
    }
    if (!header) {
      header = value as IndexHeader;
      if (header.vnpipe !== 'minhash-signatures') throw new Error(`${file}: not a vnpipe signature index`);
      if (header.ngram !== settings.ngram || header.bands !== settings.bands || header.rows !== settings.rows) {
        throw new Error(
          `${file}: signatures of ${header.ngram}-grams in ${header.bands} x ${header.rows}; this export uses ${settings.ngram}-grams in ${settings.bands} x ${settings.rows} (config dedup): they cannot be compared`,
        );
      }
      continue;
    }
    const { source, id, signature } = value as { source: string; id: string; signature: string };
    const bytes = Buffer.from(signature, 'base64');
    if (bytes.length !== settings.bands * settings.rows * 4) throw new Error(`${file}:${n}: a signature of ${bytes.length} bytes`);
    entries.push({ source, id, signature: new Int32Array(new Uint8Array(bytes).buffer) });
  }
  if (!header) throw new Error(`${file}: empty`);
  return entries;
}
