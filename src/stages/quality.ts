import { qualitySignals } from '../text/quality.js';
import type { Stage } from './stage.js';

/** Quality signals of the cleaned body (metadata.quality): measured, never applied; export --filter applies a preset. */
export const qualityStage: Stage = {
  name: 'quality',
  run(draft, { config }) {
    draft.quality = qualitySignals(draft.paragraphs.join('\n\n'), config.quality.stopWords);
  },
};
