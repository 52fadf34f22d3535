/** Sentence-boundary scores of a segmenter against hand-split text. */
export interface BoundaryScores {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Share of predicted boundaries that are real; 1 when nothing was predicted. */
  precision: number;
  /** Share of real boundaries that were predicted; 1 when there were none. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
}

/**
 * Parses a gold file: one sentence per line, a blank line between paragraphs.
 * Lines are trimmed; runs of blank lines count as one.
 */
export function parseGold(text: string): string[][] {
  const paragraphs: string[][] = [];
  let current: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line !== '') current.push(line);
    else if (current.length > 0) {
      paragraphs.push(current);
      current = [];
    }
  }
  if (current.length > 0) paragraphs.push(current);
  return paragraphs;
}

/**
 * Where each sentence after the first starts, counted in non-white-space
 * characters from the start of the paragraph. Counting that way makes segmenters
 * comparable whatever they do with the spaces between sentences (ICU keeps them
 * at the end of a segment, ours trims them).
 */
export function boundaryOffsets(sentences: readonly string[]): number[] {
  const offsets: number[] = [];
  let seen = 0;
  for (const sentence of sentences) {
    const length = nonSpaceLength(sentence);
    if (length === 0) continue;
    if (seen > 0) offsets.push(seen);
    seen += length;
  }
  return offsets;
}

/**
 * Boundary precision, recall and F1 over paragraphs: `gold[i]` and `predicted[i]`
 * are the same paragraph's sentences, split by hand and by the segmenter. The end
 * of a paragraph is not a boundary (every segmenter gets it free). Throws when a
 * prediction does not hold the same text as its gold paragraph.
 */
export function boundaryScores(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): BoundaryScores {
  if (gold.length !== predicted.length) throw new Error(`${gold.length} gold paragraphs but ${predicted.length} predicted`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  gold.forEach((sentences, i) => {
    const { missed, extra, found } = compareParagraph(sentences, predicted[i]!);
    tp += found;
    fp += extra.length;
    fn += missed.length;
  });
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, precision, recall, f1 };
}

/**
 * One paragraph's errors as character indices into `gold.join(' ')`: boundaries
 * the segmenter missed, and boundaries it put where the gold has none (each index
 * is where the next sentence would start).
 */
export function boundaryErrors(gold: readonly string[], predicted: readonly string[]): { missed: number[]; extra: number[] } {
  const { missed, extra } = compareParagraph(gold, predicted);
  const text = gold.join(' ');
  const index = charIndexOfNonSpace(text);
  return { missed: missed.map(index), extra: extra.map(index) };
}

function compareParagraph(gold: readonly string[], predicted: readonly string[]): { missed: number[]; extra: number[]; found: number } {
  if (gold.join('').replace(/\s+/g, '') !== predicted.join('').replace(/\s+/g, '')) {
    throw new Error(`prediction does not hold the text of the paragraph "${gold.join(' ').slice(0, 60)}..."`);
  }
  const want = new Set(boundaryOffsets(gold));
  const got = new Set(boundaryOffsets(predicted));
  const missed = [...want].filter((b) => !got.has(b));
  const extra = [...got].filter((b) => !want.has(b));
  return { missed, extra, found: want.size - missed.length };
}

function nonSpaceLength(s: string): number {
  let n = 0;
  for (const ch of s) if (!/\s/.test(ch)) n++;
  return n;
}

/** Maps a count of non-white-space characters to the index in `text` where the next one stands. */
function charIndexOfNonSpace(text: string): (count: number) => number {
  const starts: number[] = [];
  let i = 0;
  for (const ch of text) {
    if (!/\s/.test(ch)) starts.push(i);
    i += ch.length;
  }
  return (count) => starts[count] ?? text.length;
}
