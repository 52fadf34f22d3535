import { readRecord, recordHeader } from '../text/record.js';
import type { Stage } from './stage.js';

/**
 * A document that is one crawler record in JSON (news-please, a Scrapy item) becomes
 * its text field, and the record's title, date, author, url and category fields its
 * metadata (they win over what later stages guess from the text). A shard's record
 * comes with its fields apart: they say the same. Other text passes.
 */
export const recordStage: Stage = {
  name: 'record',
  run(draft, { config, recordFields }) {
    if (recordFields) {
      draft.record = recordHeader(recordFields, config.records, config.metadata.timezone).header;
      return;
    }
    const record = readRecord(draft.text, config.records, config.metadata.timezone);
    if (!record) return;
    draft.text = record.text;
    draft.record = record.header;
  },
};
