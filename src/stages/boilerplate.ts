import { stripBoilerplate } from '../text/boilerplate.js';
import { draftSource, learnedFor } from '../text/learned.js';
import type { Stage } from './stage.js';

/**
 * What is not article text leaves (configured and learned lines, captions, bylines, teasers,
 * repeats); paragraphs remain. An HTML page's article was chosen by its markup: there only
 * configured markers, learned lines and repeats go, not what the rules infer from a text.
 */
export const boilerplateStage: Stage = {
  name: 'boilerplate',
  run(draft, { config, learned }) {
    const profile = learnedFor(draft.lines, learned?.get(draftSource(draft)), config.learn);
    const body = stripBoilerplate(draft.lines, config.boilerplate, profile, { fromMarkup: draft.html });
    draft.paragraphs = body.paragraphs;
    draft.captions.push(...body.captions);
    draft.bodyAuthors = body.authors;
    draft.sources = body.sources;
    draft.bodyCategory = body.category;
    draft.removed.push(...body.removed);
  },
};
