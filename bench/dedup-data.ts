/**
 * The near-duplicate evaluation set: Vietnamese news headlines and lead paragraphs
 * (sapo) from 500+ outlets over the same weeks of September-October 2021, where
 * syndicated copies occur as they do in the wild, from the DANeS dataset
 * (github.com/dataset-vn/DANeS, commit 37dedab157a69b59478c0d52bd2c11aabd16775f):
 *
 * - annotated_data/annotated_data_batch_#1.json (CC BY 4.0): stored, as id, url, outlet
 *   and text (headline, blank line, description), in test/fixtures/dedup/danes-annotated-1.jsonl.gz;
 * - raw_data/DANeS_batch_#8.json (its README: the texts belong to their authors): not
 *   stored; read from scratch/dedup/ after `--fetch` downloads it from the pinned commit
 *   and checks its SHA-256.
 *
 * Held out: the outlets whose name hashes to 0 mod 3 (a third of the sites), never
 * looked at while choosing settings or labelling.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PACKAGE_ROOT } from '../src/config.js';

export interface EvalDoc {
  id: string;
  url: string;
  outlet: string;
  text: string;
  heldOut: boolean;
}

const COMMIT = '37dedab157a69b59478c0d52bd2c11aabd16775f';
const BATCH8 = { path: 'raw_data/DANeS_batch_#8.json', sha256: '2595d713716d22030f8201f5cdfca0ffdf60b4e945d444c7d0583e90d07011d7' };
const LOCAL = join(PACKAGE_ROOT, 'scratch', 'dedup', 'DANeS_batch_#8.json');

export function heldOut(outlet: string): boolean {
  return createHash('sha256').update(outlet).digest()[0]! % 3 === 0;
}

export async function fetchBatch8(): Promise<void> {
  const url = `https://raw.githubusercontent.com/dataset-vn/DANeS/${COMMIT}/${BATCH8.path.replace('#', '%23')}`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  check(bytes);
  mkdirSync(join(PACKAGE_ROOT, 'scratch', 'dedup'), { recursive: true });
  writeFileSync(LOCAL, bytes);
}

function check(bytes: Buffer): void {
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== BATCH8.sha256) throw new Error(`${BATCH8.path}: SHA-256 ${sha}, expected ${BATCH8.sha256} (commit ${COMMIT})`);
}

/** The stored annotated batch, and batch 8 when it has been fetched (else null, with the reason). */
export function loadEvalSet(): { docs: EvalDoc[]; missing: string | null } {
  const stored = gunzipSync(readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'dedup', 'danes-annotated-1.jsonl.gz')))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Omit<EvalDoc, 'heldOut'>);
  const docs: EvalDoc[] = stored.map((d) => ({ ...d, heldOut: heldOut(d.outlet) }));
  if (!existsSync(LOCAL)) return { docs, missing: `${BATCH8.path} not fetched (run with --fetch)` };
  const bytes = readFileSync(LOCAL);
  check(bytes);
  const raw = JSON.parse(bytes.toString('utf8')) as { text?: string; meta?: { description?: string; uri?: string } }[];
  raw.forEach((r, i) => {
    const text = [r.text?.trim() ?? '', r.meta?.description?.trim() ?? ''].filter(Boolean).join('\n\n');
    if (!text) return;
    const url = r.meta?.uri ?? '';
    let outlet = '';
    try {
      outlet = new URL(url).hostname.replace(/^www\./, '');
    } catch {
      outlet = 'unknown';
    }
    docs.push({ id: `b8-${i}`, url, outlet, text, heldOut: heldOut(outlet) });
  });
  return { docs, missing: null };
}
