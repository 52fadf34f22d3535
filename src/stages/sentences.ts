import { segmentSentences } from '../text/sentences.js';
import type { Stage } from './stage.js';

/** Each paragraph split into sentences (a paragraph never shares a sentence with the next). */
export const sentencesStage: Stage = {
  name: 'sentences',
  run(draft, { config }) {
    draft.sentences = draft.paragraphs.flatMap((p) => segmentSentences(p, config.sentences));
  },
};
