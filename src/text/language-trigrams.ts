/**
 * franc-all's answer (its 414 trigram models, the same distances, order and scores as
 * `francAll(text, { minLength: 1, only })`), computed from the other side: franc walks
 * every candidate's model for every trigram of the text (329 Latin-script models: about
 * 1.4 ms for 40 characters); here each trigram of the text looks up the few models that
 * hold it (an inverted index built once), so hundreds of candidates cost about what a
 * dozen cost franc. Scripts with few languages go to franc itself.
 */
import { francAll } from 'franc-all';
import { data } from 'franc-all/data.js';
import { expressions } from 'franc-all/expressions.js';

// franc's constants: a trigram a model lacks costs this much; the text is read up to this length.
const MAX_DIFFERENCE = 300;
const MAX_LENGTH = 2048;

interface ScriptIndex {
  languages: string[];
  /** Per trigram: pairs of (language index, rank in that language's model). */
  postings: Map<string, number[]>;
}

const INDEXED_SCRIPTS = new Set(Object.entries(data).filter(([, languages]) => Object.keys(languages).length > 12).map(([s]) => s));
const indexes = new Map<string, ScriptIndex>();

function indexOf(script: string): ScriptIndex {
  let index = indexes.get(script);
  if (!index) {
    const models = (data as Record<string, Record<string, string>>)[script]!;
    const languages = Object.keys(models);
    const postings = new Map<string, number[]>();
    languages.forEach((language, l) => {
      const model = models[language]!.split('|');
      // franc keeps the first rank of a trigram listed twice (it assigns from the end).
      const seen = new Set<string>();
      model.forEach((trigram, rank) => {
        if (seen.has(trigram)) return;
        seen.add(trigram);
        let list = postings.get(trigram);
        if (!list) postings.set(trigram, (list = []));
        list.push(l, rank);
      });
    });
    index = { languages, postings };
    indexes.set(script, index);
  }
  return index;
}

/** franc's script choice: the script whose expression matches most of the text. */
function topScript(text: string): [string | undefined, number] {
  let top: string | undefined;
  let topCount = -1;
  for (const [script, expression] of Object.entries(expressions)) {
    const count = (text.match(expression)?.length ?? 0) / text.length || 0;
    if (count > topCount) {
      topCount = count;
      top = script;
    }
  }
  return [top, topCount];
}

/** franc's trigrams of a text (trigram-utils): with their counts, least frequent first, ties in order of appearance. */
function trigramCounts(text: string): [string, number][] {
  const clean = ` ${text.replace(/[\u0021-\u0040]+/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase()} `;
  const counts = new Map<string, number>();
  for (let i = 0; i + 3 <= clean.length; i++) {
    const trigram = clean.slice(i, i + 3);
    counts.set(trigram, (counts.get(trigram) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => a[1] - b[1]);
}

/**
 * Languages ranked as `francAll(text, { minLength: 1, only })` ranks them: [language,
 * score 0..1], best first; the best `limit` of them (the rest are rarely read and
 * sorting them cost more than the distances).
 */
export function rankLanguages(text: string, only: readonly string[] = [], limit = Infinity): [string, number][] {
  if (!text) return [['und', 1]];
  const value = text.slice(0, MAX_LENGTH);
  const [script] = topScript(value);
  if (!script || !INDEXED_SCRIPTS.has(script)) return francAll(value, { minLength: 1, only: [...only] }).slice(0, limit);
  const { languages, postings } = indexOf(script);
  const trigrams = trigramCounts(value);
  // Every language starts as if it held none of the text's trigrams; each one it holds takes back the difference.
  const distance = new Float64Array(languages.length).fill(trigrams.length * MAX_DIFFERENCE);
  for (const [trigram, count] of trigrams) {
    const list = postings.get(trigram);
    if (!list) continue;
    for (let k = 0; k < list.length; k += 2) distance[list[k]!]! -= MAX_DIFFERENCE - Math.abs(count - list[k + 1]! - 1);
  }
  const allowed = only.length > 0 ? new Set(only) : undefined;
  // The best `limit`, in franc's order (by distance, ties in the models' order): an insertion into a short sorted list.
  const top: number[] = [];
  for (let l = 0; l < languages.length; l++) {
    if (allowed && !allowed.has(languages[l]!)) continue;
    if (top.length >= limit && distance[l]! >= distance[top[top.length - 1]!]!) continue;
    let at = top.length;
    while (at > 0 && distance[top[at - 1]!]! > distance[l]!) at--;
    top.splice(at, 0, l);
    if (top.length > limit) top.pop();
  }
  if (top.length === 0) return [['und', 1]];
  // franc's normalisation: the best 1, the others by how much farther they are.
  const min = distance[top[0]!]!;
  const max = value.length * MAX_DIFFERENCE - min;
  return top.map((l) => [languages[l]!, 1 - (distance[l]! - min) / max || 0]);
}
