import { qualitySignals } from '../text/quality.js';
import type { Stage } from './stage.js';

/** One set of stop words per config: the signals cache their case forms by it. */
const STOP_WORDS = new WeakMap<readonly string[], ReadonlySet<string>>();

/** Quality signals of the cleaned body (metadata.quality): measured, never applied; export --filter applies a preset. */
export const qualityStage: Stage = {
  name: 'quality',
  run(draft, { config }) {
    let stopWords = STOP_WORDS.get(config.quality.stopWords);
    if (!stopWords) STOP_WORDS.set(config.quality.stopWords, (stopWords = new Set(config.quality.stopWords)));
    draft.quality = qualitySignals(draft.paragraphs.join('\n\n'), stopWords);
  },
};
