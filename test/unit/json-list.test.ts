import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonElements } from '../../src/io/json-list.js';

const dir = new URL('../fixtures/records/', import.meta.url);
const real = ['015_dao-tao-boi-duong-nha-giao-va-can-bo-quan-ly-gdmn-giai-doan-2018-2025-dat-nhieu-thanh-tuu-post255548_gd.json', '005_tu-chuan-hoa-den-nang-tam-doi-ngu-post919412_html.json'].map(
  (name) => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Record<string, unknown>,
);

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function elements(text: string, size = 1 << 20, maxBytes = 1 << 20): Promise<{ values: unknown[]; error: string | null }> {
  const values: unknown[] = [];
  try {
    for await (const el of jsonElements(chunked(text, size), maxBytes, 'dump.json')) {
      values.push(el.bytes === null ? { tooLarge: el.length } : (() => { try { return JSON.parse(el.bytes.toString('utf8')); } catch { return 'unparsable'; } })());
    }
  } catch (err) {
    return { values, error: (err as Error).message };
  }
  return { values, error: null };
}

describe('jsonElements: the records of a JSON list file, streamed', () => {
  // Two real news-please records, one with brackets, commas and escaped quotes in its strings.
  const tricky = { title: 'a ] b }, "c" [d', content: 'x\\"]}, {' };
  const list = JSON.stringify([...real, tricky], null, 2);

  it.each([1, 7, 4096, 1 << 20])('yields each record whole, whatever the chunk size (%i bytes)', async (size) => {
    expect(await elements(list, size)).toEqual({ values: [...real, tricky], error: null });
  });

  it('reads a file that is one record as record 0, and a BOM and white space before it', async () => {
    expect(await elements(`\uFEFF \n${JSON.stringify(real[0])}\n`, 5)).toEqual({ values: [real[0]], error: null });
  });

  it('gives a record over the limit as its length alone, and the next records still come', async () => {
    const big = { content: 'x'.repeat(5000) };
    const { values } = await elements(JSON.stringify([real[1], big, real[1]]), 256, 2000);
    expect(values).toEqual([real[1], { tooLarge: JSON.stringify(big).length }, real[1]]);
  });

  it('passes scalars and nested lists through as elements (the record reader says they are no objects)', async () => {
    expect(await elements('[1, "a,]", [2, [3]], null ,{"k": {"n": [1]}}]', 3)).toEqual({ values: [1, 'a,]', [2, [3]], null, { k: { n: [1] } }], error: null });
  });

  it('says when a file is cut: the records before the cut come, the cut one fails alone', async () => {
    const cut = list.slice(0, list.length - 40);
    const { values, error } = await elements(cut, 64);
    expect(values.slice(0, 2)).toEqual(real);
    expect(values[2]).toBe('unparsable');
    expect(error).toBe('dump.json: the JSON ends before its list closes (a cut file?)');
  });

  it('refuses a file that is no JSON list or record, and an empty one', async () => {
    expect((await elements('title,content\nA,B')).error).toMatch(/^dump\.json: neither a JSON list of records nor one record \(it starts with "t"\)/);
    expect((await elements('  \n')).error).toBe('dump.json: an empty JSON file');
  });
});
