import { detectLanguage } from '../text/language.js';
import type { Stage } from './stage.js';

/** The document's language and score, and per-paragraph labels, on the cleaned body only. */
export const languageStage: Stage = {
  name: 'language',
  run(draft, { config }) {
    draft.language = detectLanguage(draft.paragraphs.join('\n\n'), config.language);
  },
};
