import { WARCParser, type WARCRecord } from 'warcio';
import { DocumentError } from '../errors.js';
import { storeFailure, type RecordFields, type ShardFormat } from './shards.js';
import type { ObjectStore, StoredObject } from './storage.js';

/**
 * The records of a WARC that are documents: a WET file's `conversion` records (the
 * page's text) and a WARC's `response` records that carry an HTTP 200 HTML or text
 * page (the HTML goes through extract). Requests, metadata, revisits, redirects and
 * images are not documents and get no number.
 */
function isDocument(record: WARCRecord): boolean {
  if (record.warcType === 'conversion') return true;
  if (record.warcType !== 'response') return false;
  const info = record.getResponseInfo();
  if (!info) return false;
  const type = info.headers.get('content-type') ?? '';
  return Number(info.status) === 200 && (type === '' || /^(?:text\/|application\/xhtml)/i.test(type));
}

function fieldsOf(record: WARCRecord): RecordFields {
  const fields: RecordFields = { url: record.warcTargetURI ?? null, date: record.warcDate ?? null, id: record.warcHeader('WARC-Record-ID') ?? null };
  const language = record.warcHeader('WARC-Identified-Content-Language');
  if (language) fields.language = language;
  return fields;
}

/** WARC and WET files, plain or gzip (warcio reads both, member by member). */
export const WARC: ShardFormat = {
  kind: 'warc',
  matches: (name) => /\.(?:warc|wet)(?:\.wet)?(?:\.gz)?$/i.test(name),
  async *records(store: ObjectStore, shard: StoredObject, options) {
    const from = options.from ?? 0;
    const to = options.to ?? Infinity;
    const raw = await store.stream(shard.key);
    try {
      let index = 0;
      for await (const record of WARCParser.iterRecords(raw as AsyncIterable<Uint8Array>)) {
        if (!isDocument(record)) continue;
        const i = index++;
        if (i >= to) return;
        if (i < from) continue;
        if (record.warcContentLength > options.maxBytes) {
          yield { index: i, error: new DocumentError('too-large', `record ${i} is ${record.warcContentLength} bytes, over the limit of ${options.maxBytes} (limits.maxFileBytes)`) };
          continue;
        }
        // The payload with its transfer and content encodings undone (chunked, gzip).
        yield { index: i, bytes: await record.readFully(true), fields: fieldsOf(record) };
      }
    } catch (err) {
      if (storeFailure(err)) throw err;
      throw new DocumentError('undecodable', `${shard.key} is not a readable WARC: ${(err as Error).message}`);
    } finally {
      raw.destroy();
    }
  },
};
