/**
 * MinHash signatures over Vietnamese syllable n-grams, and their LSH band keys
 * (Broder 1997; the banding of Leskovec, Rajaraman and Ullman, ch. 3). FineWeb and
 * FineWeb-2 use 14 bands of 8 hashes over word 5-grams (huggingface/fineweb-2
 * fineweb-2-pipeline.py, MinhashConfig): a pair of Jaccard similarity s shares a band
 * with probability 1 - (1 - s^8)^14, 0.92 at s = 0.8 and 0.9997 at s = 0.9.
 *
 * Written by hand for speed: each shingle is hashed once (FNV-1a over its syllables'
 * hashes, then a murmur3 finaliser), and each of the bands x rows hash functions is one
 * 32-bit multiply-add on it (h_i(x) = a_i x + b_i mod 2^32, a_i odd), compared as signed
 * integers in an Int32Array: no big integers, no strings per hash. The minimum under any
 * fixed order of the values is as good a MinHash as under the usual one.
 */
export interface DedupSettings {
  /** Syllables per shingle. */
  ngram: number;
  bands: number;
  /** Hashes per band. */
  rows: number;
  /** A candidate pair (sharing a band) is a near duplicate when its signatures agree on at least this share of hashes. */
  threshold: number;
}

/** A, B of the hash functions: a fixed seed, so that signatures compare across runs and machines. */
const SEED = 0x5eed_1a2b;

const SYLLABLE = /[\p{L}\p{M}\p{N}]+/gu;

export class MinHasher {
  readonly size: number;
  private readonly a: Int32Array;
  private readonly b: Int32Array;

  constructor(readonly settings: DedupSettings) {
    this.size = settings.bands * settings.rows;
    this.a = new Int32Array(this.size);
    this.b = new Int32Array(this.size);
    let state = SEED;
    const next = () => {
      // splitmix32: a reproducible stream of well-mixed 32-bit words.
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return z ^ (z >>> 16);
    };
    for (let i = 0; i < this.size; i++) {
      this.a[i] = next() | 1;
      this.b[i] = next();
    }
  }

  /**
   * The 32-bit hashes of a text's shingles: lower-cased syllables (letters, marks,
   * digits; punctuation dropped) in runs of n; a text with fewer syllables than n is one
   * shingle, one without any has none (null).
   */
  shingles(text: string): Int32Array | null {
    const syllables = syllablesOf(text);
    if (!syllables) return null;
    const hashes = new Int32Array(syllables.length);
    for (let i = 0; i < syllables.length; i++) hashes[i] = fnv(syllables[i]!);
    const n = Math.min(this.settings.ngram, hashes.length);
    const shingles = new Int32Array(hashes.length - n + 1);
    for (let start = 0; start < shingles.length; start++) {
      let h = 0x811c9dc5 | 0;
      for (let j = start; j < start + n; j++) h = Math.imul(h ^ hashes[j]!, 0x01000193);
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      shingles[start] = h ^ (h >>> 16);
    }
    return shingles;
  }

  /** The signature of a text: per hash function, the minimum over its shingles (null without any). */
  signature(text: string): Int32Array | null {
    const shingles = this.shingles(text);
    if (!shingles) return null;
    const sig = new Int32Array(this.size).fill(0x7fffffff);
    const { a, b, size } = this;
    for (let s = 0; s < shingles.length; s++) {
      const h = shingles[s]!;
      for (let k = 0; k < size; k++) {
        const v = (Math.imul(a[k]!, h) + b[k]!) | 0;
        if (v < sig[k]!) sig[k] = v;
      }
    }
    return sig;
  }

  /** One key per band: its rows hashed to a 52-bit number (a false collision among 10^7 documents is about a 1 % chance). */
  bandKeys(sig: Int32Array): number[] {
    const { bands, rows } = this.settings;
    const keys: number[] = [];
    for (let band = 0; band < bands; band++) {
      let h1 = 0x811c9dc5 | 0;
      let h2 = 0x3c6ef372 | 0;
      for (let r = band * rows; r < (band + 1) * rows; r++) {
        h1 = Math.imul(h1 ^ sig[r]!, 0x01000193);
        h2 = Math.imul(h2 ^ sig[r]!, 0x5bd1e995);
        h2 ^= h2 >>> 15;
      }
      keys.push((h1 >>> 0) * 0x100000 + (h2 & 0xfffff));
    }
    return keys;
  }
}

/** The lower-cased syllables (letters, marks, digits) signatures are made of, or null for none. */
export function syllablesOf(text: string): string[] | null {
  return text.toLowerCase().match(SYLLABLE);
}

/** The Jaccard similarity of two texts' shingle sets (from `shingles`), exactly: both sorted and de-duplicated, then merged. */
export function jaccard(x: Int32Array, y: Int32Array): number {
  const a = uniqueSorted(x);
  const b = uniqueSorted(y);
  let i = 0;
  let j = 0;
  let both = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! === b[j]!) {
      both++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return both / (a.length + b.length - both);
}

function uniqueSorted(x: Int32Array): Int32Array {
  const s = Int32Array.from(x).sort();
  let n = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[n - 1]) s[n++] = s[i]!;
  return s.subarray(0, n);
}

/** The share of hash functions on which two signatures agree: an unbiased estimate of the Jaccard similarity of their shingle sets. */
export function estimatedJaccard(x: Int32Array, y: Int32Array): number {
  let same = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === y[i]) same++;
  return same / x.length;
}

function fnv(text: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}
