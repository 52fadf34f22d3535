import { pipeline, Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { DocumentError } from '../errors.js';
import { objectRecord } from './jsonl.js';
import { decompressed, type ShardFormat } from './shards.js';

/**
 * CSV and TSV tables of records, plain or compressed (`.csv`, `.tsv`, `.gz`, `.zst`):
 * the first row names the columns, each other row is a record whose document is the
 * text column (records.textFields) (csv-parse, streaming: quoted cells over many lines, a BOM,
 * stray quotes in unquoted cells as crawlers write them). A row over the size limit or
 * broken quoting ends the table with a failed record that names the row.
 */
export const CSV: ShardFormat = {
  kind: 'csv',
  matches: (name) => /\.[ct]sv(?:\.gz|\.zst)?$/i.test(name),
  async *records(store, shard, options) {
    const from = options.from ?? 0;
    const to = options.to ?? Infinity;
    // pipeline, not pipe: a broken stored stream (a connection reset) fails the read instead of leaving the parser waiting for ever.
    const rows = pipeline(
      Readable.from(decompressed(store, shard)),
      parse({
        bom: true,
        columns: true,
        delimiter: /\.tsv/i.test(shard.key) ? '\t' : ',',
        relax_quotes: true,
        relax_column_count: true,
        skip_empty_lines: true,
        // csv-parse takes a whole number only; 0 is its "no limit" (a count with no limit passes Infinity).
        max_record_size: Number.isFinite(options.maxBytes) ? options.maxBytes : 0,
      }),
      () => {},
    );
    let index = 0;
    try {
      for await (const row of rows as AsyncIterable<Record<string, string>>) {
        if (index >= to) return;
        if (index >= from) yield objectRecord(index, row, options.textFields);
        index++;
      }
    } catch (err) {
      if (!(err instanceof CsvError)) throw err;
      // One failed record, not an error: the rows before it are still counted (enqueue) and cleaned.
      if (index >= from && index < to) yield { index, error: new DocumentError('bad-record', `record ${index} and after cannot be read as CSV: ${err.message}`) };
    } finally {
      rows.destroy();
    }
  },
};
