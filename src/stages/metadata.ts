import { extractMetadata } from '../text/metadata.js';
import type { Stage } from './stage.js';

/**
 * Title, date, category and links from the head of a text (front matter, meta lines,
 * datelines). An HTML page's header came from its markup, and its first paragraph is
 * the lead, not a title line: it is left alone.
 */
export const metadataStage: Stage = {
  name: 'metadata',
  run(draft, { config }) {
    if (draft.html) return;
    const { header, lines, removed } = extractMetadata(draft.lines, config.metadata.timezone);
    draft.header = header;
    draft.lines = lines;
    draft.removed.push(...removed);
  },
};
