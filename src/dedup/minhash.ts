/**
 * MinHash signatures over Vietnamese syllable n-grams, and their LSH band keys
 * (Broder 1997; the banding of Leskovec, Rajaraman and Ullman, ch. 3). FineWeb and
 * FineWeb-2 use 14 bands of 8 hashes over word 5-grams (huggingface/fineweb-2
 * fineweb-2-pipeline.py, MinhashConfig): a pair of Jaccard similarity s shares a band
 * with probability 1 - (1 - s^8)^14, 0.92 at s = 0.8 and 0.9997 at s = 0.9.
 *
 * Written by hand for speed (npm run bench:dedup): syllables are hashed as the text is
 * read, each shingle once (FNV-1a over its syllables' hashes, then murmur3's
 * finaliser), and the signature is one permutation hashing (below), all in 32-bit
 * integer arithmetic on typed arrays: no big integers, no strings per hash.
 */
export interface DedupSettings {
  /** Syllables per shingle. */
  ngram: number;
  bands: number;
  /** Hashes per band. */
  rows: number;
  /** A candidate pair (sharing a band) is a near duplicate when its shingle sets' Jaccard similarity is at least this. */
  threshold: number;
}

/** A fixed seed, so that signatures compare across runs and machines. */
const SEED = 0x5eed_1a2b;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** An empty bin: above every value (values are even and below 2^31 - 1). */
const EMPTY = 0x7fffffff;

const SYLLABLE = /[\p{L}\p{M}\p{N}]+/gu;
const SYLLABLE_CHARACTER = /^[\p{L}\p{M}\p{N}]$/u;

let wordTable: Uint8Array | null = null;

/** Per UTF-16 code unit: 1 for a letter, mark or digit (what SYLLABLE matches), built once. */
function wordCharacters(): Uint8Array {
  if (!wordTable) {
    wordTable = new Uint8Array(65536);
    for (let c = 0; c < 65536; c++) if ((c < 0xd800 || c > 0xdfff) && SYLLABLE_CHARACTER.test(String.fromCharCode(c))) wordTable[c] = 1;
  }
  return wordTable;
}

/** murmur3's finaliser: every input bit moves every output bit. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class MinHasher {
  readonly size: number;

  constructor(readonly settings: DedupSettings) {
    this.size = settings.bands * settings.rows;
  }

  /**
   * The 32-bit hashes of a text's shingles: lower-cased syllables (runs of letters,
   * marks and digits, as `syllablesOf` finds them; punctuation dropped) in runs of n; a
   * text with fewer syllables than n is one shingle, one without any has none (null).
   * One pass over the characters, hashing as it goes: no regular expression, no substrings.
   */
  shingles(text: string): Int32Array | null {
    const lower = text.toLowerCase();
    const word = wordCharacters();
    const hashes = new Int32Array((lower.length >> 1) + 1);
    let count = 0;
    let h = FNV_OFFSET;
    let inWord = false;
    for (let i = 0; i < lower.length; i++) {
      let c = lower.charCodeAt(i);
      let isWord: boolean;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < lower.length) {
        c = lower.codePointAt(i)!;
        isWord = SYLLABLE_CHARACTER.test(String.fromCodePoint(c));
        if (isWord) {
          h = Math.imul(h ^ lower.charCodeAt(i), FNV_PRIME);
          i++;
          c = lower.charCodeAt(i);
        }
      } else {
        isWord = word[c] === 1;
      }
      if (isWord) {
        h = Math.imul(h ^ c, FNV_PRIME);
        inWord = true;
      } else if (inWord) {
        hashes[count++] = h;
        h = FNV_OFFSET;
        inWord = false;
      }
    }
    if (inWord) hashes[count++] = h;
    if (count === 0) return null;
    const n = Math.min(this.settings.ngram, count);
    const shingles = new Int32Array(count - n + 1);
    for (let start = 0; start < shingles.length; start++) {
      let g = FNV_OFFSET;
      for (let j = start; j < start + n; j++) g = Math.imul(g ^ hashes[j]!, FNV_PRIME);
      shingles[start] = mix(g);
    }
    return shingles;
  }

  /**
   * The signature of a text (null without shingles): one permutation hashing with
   * optimal densification (Li, Owen and Zhang 2012; Shrivastava 2017). Each shingle
   * hash picks one of the bands x rows bins by its high bits and offers a second hash
   * of itself to that bin's minimum; an empty bin (a text with fewer shingles than bins)
   * copies the bin a fixed hash of (bin, attempt) points to. Two texts' values agree
   * in a bin with probability their Jaccard similarity, as with 112 hash functions, at
   * O(shingles + 112) per text instead of O(112 x shingles).
   */
  signature(text: string): Int32Array | null {
    const shingles = this.shingles(text);
    if (!shingles) return null;
    const { size } = this;
    const sig = new Int32Array(size).fill(EMPTY);
    for (let s = 0; s < shingles.length; s++) {
      const h = shingles[s]!;
      const bin = Math.floor(((h >>> 0) * size) / 4294967296);
      const v = mix(h ^ SEED) & 0x7ffffffe;
      if (v < sig[bin]!) sig[bin] = v;
    }
    for (let bin = 0; bin < size; bin++) {
      if (sig[bin] !== EMPTY) continue;
      for (let attempt = 1; ; attempt++) {
        const from = Math.floor(((mix(Math.imul(bin + 1, 0x9e3779b1) ^ Math.imul(attempt, 0x85ebca6b)) >>> 0) * size) / 4294967296);
        const v = sig[from]!;
        // A value copied this round is told from one found by its shingles: only found ones are copied.
        if (v !== EMPTY && (v & 1) === 0) {
          sig[bin] = v | 1;
          break;
        }
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

/** The Jaccard similarity of two shingle sets (`shingleSet`), exactly, by a merge. */
export function jaccard(a: Int32Array, b: Int32Array): number {
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

/** A text's shingles (`MinHasher.shingles`) as a set: sorted, each once. */
export function shingleSet(x: Int32Array): Int32Array {
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
