import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { DocumentError } from '../../src/errors.js';
import { processDocument } from '../../src/text/pipeline.js';

const config = loadConfig();
const samples = new URL('../../samples/', import.meta.url);
const names = readdirSync(samples).sort();

describe('processDocument', () => {
  it('is deterministic: same bytes and source, same document', () => {
    for (const name of names) {
      const bytes = readFileSync(new URL(name, samples));
      expect(processDocument(bytes, name, config)).toEqual(processDocument(Buffer.from(bytes), name, loadConfig()));
    }
  });

  it('gives a stable id that depends on the source path and the content', () => {
    const bytes = readFileSync(new URL(names[0]!, samples));
    const a = processDocument(bytes, 'a.txt', config).id;
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(processDocument(bytes, 'a.txt', config).id).toBe(a);
    expect(processDocument(bytes, 'b.txt', config).id).not.toBe(a);
    expect(processDocument(Buffer.concat([bytes, Buffer.from('\nThêm.')]), 'a.txt', config).id).not.toBe(a);
  });

  it('leaves nothing it removed in the text, and keeps every sentence in it', () => {
    for (const name of names) {
      const doc = processDocument(readFileSync(new URL(name, samples)), name, config);
      for (const { reason, text } of doc.metadata.removed) {
        if (reason === 'teaser' || reason === 'duplicate') continue; // their words stand again in the body
        for (const line of text.split('\n')) expect(doc.text.includes(line), `${name}: ${reason}: ${line}`).toBe(false);
      }
      for (const sentence of doc.sentences) expect(doc.text).toContain(sentence);
      expect(doc.text).not.toMatch(/\n{3,}| {2,}|\u00a0/);
    }
  });

  it('reports a stage that throws as internal-error, not as a crash', () => {
    const broken = { ...config, language: { ...config.language, get candidates(): string[] { throw new TypeError('boom'); } } };
    const english = Buffer.from('The committee met on Tuesday to discuss the budget and the new rules for public schools.');
    let error: unknown;
    try {
      processDocument(english, 'en.txt', broken as Config);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DocumentError);
    expect(error).toMatchObject({ reason: 'internal-error', message: 'TypeError: boom' });
  });

  it('passes input errors through with their own reason', () => {
    expect(() => processDocument(Buffer.alloc(0), 'e.txt', config)).toThrow(expect.objectContaining({ reason: 'empty' }));
  });
});
