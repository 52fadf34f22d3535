import { splitLines } from '../text/lines.js';
import { normalizeText } from '../text/normalize.js';
import type { Stage } from './stage.js';

/** NFC, one tone-mark style, invisible characters and spaces, then the text as lines. */
export const normalizeStage: Stage = {
  name: 'normalize',
  run(draft, { config }) {
    draft.lines = splitLines(normalizeText(draft.text, config.normalize.toneStyle));
  },
};
