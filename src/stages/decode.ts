import { decode } from '../text/decode.js';
import type { Stage } from './stage.js';

/** Bytes to text: BOM, UTF-8, UTF-16, mojibake undone, legacy Vietnamese encodings detected. */
export const decodeStage: Stage = {
  name: 'decode',
  run(draft, { config }) {
    const decoded = decode(draft.bytes, config.decode);
    draft.text = decoded.text;
    draft.encoding = decoded.encoding;
    draft.encodingConfidence = decoded.confidence;
    draft.replacements = decoded.replacements;
  },
};
