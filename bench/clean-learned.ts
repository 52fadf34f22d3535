/**
 * What `vnpipe run <folder>` does to a folder by default, in process: count every
 * document's lines, build the profile the producer builds from those counts, and clean
 * each document with it (the boilerplate stage applies `learn.copyShare`). eval:boilerplate
 * scores exactly this, and test/integration/learn-eval.test.ts checks it against `vnpipe run`.
 */
import type { Config } from '../src/config.js';
import { buildProfile, compileProfile, documentLines, LineCounter } from '../src/text/learned.js';
import { processDocument, type VnDocument } from '../src/text/pipeline.js';

export interface InputDocument {
  rel: string;
  bytes: Uint8Array;
}

/** Learns from every document of `docs`, then cleans those `clean` selects (all by default), by rel. */
export function cleanWithLearning<D extends InputDocument>(docs: D[], config: Config, clean: (d: D) => boolean = () => true): Map<string, VnDocument> {
  const counter = new LineCounter(config.learn);
  for (const d of docs) counter.add(documentLines(d.bytes, d.rel, config));
  const learned = compileProfile(buildProfile(counter.counts(), config.learn));
  return new Map(docs.filter(clean).map((d) => [d.rel, processDocument(d.bytes, d.rel, config, learned)]));
}
