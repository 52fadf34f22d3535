/** One non-empty line of a normalised document and the blank lines above it. */
export interface Line {
  text: string;
  gapBefore: number;
}

/** A piece of the input that is not in the output text, and why. */
export interface Removal {
  reason: RemovalReason;
  text: string;
}

export type RemovalReason =
  | 'front-matter'
  | 'markdown-link'
  | 'markdown-image'
  | 'title'
  | 'meta-line'
  | 'dateline'
  | 'image-artifact'
  | 'caption'
  | 'byline'
  | 'marker'
  | 'trailing-block'
  /** A link to another article, or a related-articles block in mid-article. */
  | 'related'
  /** An outlet credit at the end (`Theo TTXVN`): it goes to metadata.sources. */
  | 'source-credit'
  /** A sentence that asks the reader to register, call or follow a link. */
  | 'call-to-action'
  | 'learned'
  | 'teaser'
  | 'duplicate'
  /** The join commas (` , ,`) a dump left after its last block, with nothing after them to join. */
  | 'separator';

export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let gap = 0;
  for (const raw of text.split('\n')) {
    if (raw === '') {
      gap++;
    } else {
      lines.push({ text: raw, gapBefore: gap });
      gap = 0;
    }
  }
  return lines;
}
