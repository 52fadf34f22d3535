import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { DocumentError } from '../errors.js';
import { objectRecord } from './jsonl.js';
import { decompressed, type ShardFormat } from './shards.js';

/**
 * CSV and TSV tables of records, plain or compressed (`.csv`, `.tsv`, `.gz`, `.zst`):
 * the first row names the columns, each other row is a record whose document is the
 * text column (records.textFields) (csv-parse, streaming: quoted cells over many lines, a BOM,
 * stray quotes in unquoted cells as crawlers write them). A row over the size limit or
 * broken quoting ends the table with an error that names the row.
 */
export const CSV: ShardFormat = {
  kind: 'csv',
  matches: (name) => /\.[ct]sv(?:\.gz|\.zst)?$/i.test(name),
  async *records(store, shard, options) {
    const from = options.from ?? 0;
    const to = options.to ?? Infinity;
    const rows = Readable.from(decompressed(store, shard)).pipe(
      parse({
        bom: true,
        columns: true,
        delimiter: /\.tsv/i.test(shard.key) ? '\t' : ',',
        relax_quotes: true,
        relax_column_count: true,
        skip_empty_lines: true,
        max_record_size: options.maxBytes,
      }),
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
      throw new DocumentError('bad-record', `${shard.key}: record ${index} and after cannot be read as CSV: ${err.message}`);
    } finally {
      rows.destroy();
    }
  },
};
