import { boilerplateStage } from './boilerplate.js';
import { decodeStage } from './decode.js';
import { extractStage } from './extract.js';
import { languageStage } from './language.js';
import { metadataStage } from './metadata.js';
import { normalizeStage } from './normalize.js';
import { qualityStage } from './quality.js';
import { recordStage } from './record.js';
import { sentencesStage } from './sentences.js';
import { unwrapStage } from './unwrap.js';
import type { Stage } from './stage.js';

/**
 * The pipeline, in order: the one list that `process`, the workers, `learn`, the bench
 * and the per-stage metrics read. A new stage is a module in this folder and a line here.
 */
export const PIPELINE: readonly Stage[] = [decodeStage, recordStage, unwrapStage, extractStage, normalizeStage, metadataStage, boilerplateStage, sentencesStage, languageStage, qualityStage];
