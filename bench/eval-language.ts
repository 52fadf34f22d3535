/**
 * npm run eval:language: vnpipe's language identification beside franc as the project
 * used it before (franc 6, the old candidates list), franc-all (414 languages),
 * fastText lid.176 (fasttext.wasm.js ships the model; nothing is downloaded), eld and
 * cld3-asm, on test/fixtures/language/items.tsv and treebank-items.tsv (public text, see
 * SOURCES.md): accuracy by form, length and language (also with close languages merged:
 * Bosnian/Croatian/Serbian, Bokmål/Nynorsk, Malay/Indonesian), confidently wrong answers
 * (score >= 0.9), calibration, what a score threshold buys, and documents/s.
 *
 *   npm run eval:language -- [--split dev|heldout] [--tools vnpipe,franc-old,...] [--errors N]
 *
 * `--errors N` prints N of vnpipe's wrong answers, on dev only: held-out items are
 * scored, never read while tuning.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { francAll } from 'franc';
import { francAll as francAllLanguages } from 'franc-all';
import { loadConfig, PACKAGE_ROOT } from '../src/config.js';
import { detectLanguage } from '../src/text/language.js';
import {
  bucketOf, calibrationTable, ISO1_TO_3, LENGTH_BUCKETS, parseItems, sameLanguage, sameLanguageGroup, splitOf, type LanguageItem, type ScoredAnswer,
} from '../src/text/language-eval.js';

interface Answer {
  language: string;
  score: number;
  /** The detector says the text is not clean language (mojibake, non-words). */
  flagged: boolean;
}
type Detector = (text: string) => Answer | Promise<Answer>;

// The candidates config/default.json held before issue 17.
const OLD_CANDIDATES = ['vie', 'eng', 'fra', 'deu', 'spa', 'por', 'ita', 'ind', 'tgl', 'cmn', 'jpn', 'kor', 'tha', 'khm', 'lao', 'rus'];

/** franc's relative scores (best = 1) as a 0..1 confidence, the way the old detector read them. */
function francAnswer(ranked: [string, number][]): Answer {
  const [best, second] = ranked;
  if (!best || best[0] === 'und') return { language: 'und', score: 0, flagged: false };
  return { language: best[0], score: Math.min(1, 0.5 + (second ? best[1] - second[1] : 1) * 5), flagged: false };
}

async function detectors(names: string[]): Promise<[string, Detector][]> {
  const rules = loadConfig().language;
  const all: Record<string, () => Promise<Detector>> = {
    vnpipe: async () => (text) => {
      const r = detectLanguage(text, rules);
      return { language: r.language, score: r.score, flagged: r.quality !== 'ok' };
    },
    'franc-old': async () => (text) => francAnswer(francAll(text, { minLength: 1, only: OLD_CANDIDATES })),
    franc: async () => (text) => francAnswer(francAll(text, { minLength: 1 })),
    'franc-all': async () => (text) => francAnswer(francAllLanguages(text, { minLength: 1 })),
    fasttext: async () => {
      const { getLIDModel } = await import('fasttext.wasm.js');
      const model = await getLIDModel();
      await model.load();
      return async (text) => {
        // lid.176 reads one line.
        const r = await model.identify(text.replace(/\n+/g, ' '));
        return { language: r.alpha3 ?? 'und', score: r.possibility, flagged: false };
      };
    },
    eld: async () => {
      const { eld } = await import('eld/large');
      return (text) => {
        const r = eld.detect(text);
        const language = r.language ? (ISO1_TO_3[r.language] ?? r.language) : 'und';
        return { language, score: r.language ? (r.getScores()[r.language] ?? 0) : 0, flagged: false };
      };
    },
    cld3: async () => {
      const { loadModule } = await import('cld3-asm');
      const identifier = (await loadModule()).create(0, 4096);
      return (text) => {
        const r = identifier.findLanguage(text);
        const code = r.language.split('-')[0]!;
        return { language: code === 'und' ? 'und' : (ISO1_TO_3[code] ?? code), score: r.probability, flagged: false };
      };
    },
  };
  return Promise.all(names.map(async (name) => [name, await all[name]!()] as [string, Detector]));
}

/** Right when the language matches, or for text that is no language when the answer is `und` or flagged. */
function isRight(item: LanguageItem, a: Answer, same = sameLanguage): boolean {
  if (item.expected === 'und') return a.language === 'und' || a.flagged;
  return same(a.language, item.expected);
}

const pct = (n: number, d: number) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);

async function main(): Promise<void> {
  const program = new Command()
    .option('--split <split>', 'dev, heldout or all', 'dev')
    .option('--tools <names>', 'comma-separated', 'vnpipe,franc-old,franc,franc-all,fasttext,eld,cld3')
    .option('--errors <n>', "print n of vnpipe's wrong answers (dev only)", '0')
    .parse();
  const opts = program.opts<{ split: string; tools: string; errors: string }>();
  if (Number(opts.errors) > 0 && opts.split !== 'dev') throw new Error('--errors reads dev items only');
  const files = ['items.tsv', 'treebank-items.tsv'].map((f) => join(PACKAGE_ROOT, 'test', 'fixtures', 'language', f));
  const items = files
    .flatMap((file) => parseItems(readFileSync(file, 'utf8')))
    .filter((it) => opts.split === 'all' || splitOf(it.group) === opts.split);
  console.log(`${files.join(', ')}: ${items.length} ${opts.split} items, ${new Set(items.map((it) => it.expected)).size} labels\n`);

  const forms = [...new Set(items.map((it) => it.form))];
  const buckets = [...LENGTH_BUCKETS.map(([lo, hi]) => bucketOf(hi === Infinity ? lo : hi)), 'all'];
  const summary: string[] = [];
  // Per tool, per expected language: right and total on items of 50+ characters.
  const byLanguage = new Map<string, Map<string, [number, number]>>();
  for (const [name, detect] of await detectors(opts.tools.split(','))) {
    const answers: Answer[] = [];
    for (const it of items) answers.push(await detect(it.text));
    const right = items.map((it, i) => isRight(it, answers[i]!));
    // Bosnian/Croatian/Serbian, Bokmål/Nynorsk and Malay/Indonesian each taken as one answer.
    const rightMerged = items.map((it, i) => isRight(it, answers[i]!, sameLanguageGroup));
    const scored: ScoredAnswer[] = answers.map((a, i) => ({ right: right[i]!, score: a.language === 'und' && !a.flagged ? 0 : a.score }));
    console.log(`== ${name}`);
    console.log(`  ${'form'.padEnd(10)}${buckets.map((b) => b.padStart(14)).join('')}`);
    for (const form of forms) {
      const cells = buckets.map((b) => {
        const idx = items.flatMap((it, i) => (it.form === form && (b === 'all' || bucketOf(it.text.length) === b) ? [i] : []));
        return (idx.length ? `${pct(idx.filter((i) => right[i]).length, idx.length)} ${idx.length}` : '-').padStart(14);
      });
      console.log(`  ${form.padEnd(10)}${cells.join('')}`);
    }
    const perLanguage = new Map<string, [number, number]>();
    items.forEach((it, i) => {
      if (it.text.length < 50) return;
      const cell = perLanguage.get(it.expected) ?? [0, 0];
      cell[0] += right[i] ? 1 : 0;
      cell[1]++;
      perLanguage.set(it.expected, cell);
    });
    byLanguage.set(name, perLanguage);
    // Languages below 95 % on items of 50+ characters, with what they were taken for.
    const weak: string[] = [];
    for (const language of [...new Set(items.map((it) => it.expected))].sort()) {
      const idx = items.flatMap((it, i) => (it.expected === language && it.text.length >= 50 ? [i] : []));
      const ok = idx.filter((i) => right[i]).length;
      if (idx.length === 0 || ok / idx.length >= 0.95) continue;
      const taken = new Map<string, number>();
      for (const i of idx.filter((i) => !right[i])) taken.set(answers[i]!.language, (taken.get(answers[i]!.language) ?? 0) + 1);
      weak.push(`${language} ${ok}/${idx.length} (${[...taken].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([l, n]) => `${l} ${n}`).join(', ')})`);
    }
    console.log(`  languages under 95 % at 50+ characters: ${weak.join('; ') || 'none'}`);
    const confidentlyWrong = scored.filter((s) => !s.right && s.score >= 0.9).length;
    const confidentlyWrongMerged = scored.filter((s, i) => !rightMerged[i] && s.score >= 0.9).length;
    console.log(
      `  confidently wrong (score >= 0.9 and wrong): ${confidentlyWrong} of ${items.length} (${pct(confidentlyWrong, items.length)}); ` +
        `close languages merged ${confidentlyWrongMerged} (${pct(confidentlyWrongMerged, items.length)})`,
    );
    console.log(`  calibration (score bucket: accuracy, answers): ${calibrationTable(scored).filter((b) => b.total > 0).map((b) => `${b.from.toFixed(1)}: ${pct(b.right, b.total)} ${b.total}`).join(' | ')}`);
    const thresholds = [0.5, 0.7, 0.8, 0.9, 0.95].map((t) => {
      const kept = scored.filter((s) => s.score >= t);
      return `>= ${t}: keeps ${pct(kept.length, scored.length)}, ${pct(kept.filter((s) => s.right).length, kept.length)} right`;
    });
    console.log(`  thresholds: ${thresholds.join(' | ')}`);

    // Speed on whole documents: Vietnamese news articles and documents of other languages,
    // per second of this process's CPU time (the machine may be shared: wall time lies).
    const speed = async (docs: string[]) => {
      if (docs.length === 0) return 0;
      let n = 0;
      const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
      const start = cpu();
      while (cpu() - start < 1) for (const d of docs) (await detect(d), n++);
      return n / (cpu() - start);
    };
    const documents = items.filter((it) => /:document(?::\d+)?$/.test(it.id));
    const vieRate = await speed(documents.filter((it) => it.form === 'vie').map((it) => it.text));
    const otherRate = await speed(documents.filter((it) => it.form === 'other').map((it) => it.text));
    console.log(`  speed: ${vieRate.toFixed(0)} Vietnamese documents/s, ${otherRate.toFixed(0)} other documents/s (one core, CPU time)\n`);

    const long = items.flatMap((it, i) => (it.text.length >= 50 ? [i] : []));
    summary.push(
      `${name.padEnd(10)} all ${pct(right.filter(Boolean).length, items.length).padStart(6)}  50+ chars ${pct(long.filter((i) => right[i]).length, long.length).padStart(6)}` +
        ` (close merged ${pct(long.filter((i) => rightMerged[i]).length, long.length).padStart(6)})` +
        `  confidently wrong ${pct(confidentlyWrong, items.length).padStart(5)}  vie docs/s ${vieRate.toFixed(0).padStart(6)}  other docs/s ${otherRate.toFixed(0).padStart(6)}`,
    );
    if (name === 'vnpipe') {
      const wrong = items.flatMap((it, i) => (right[i] ? [] : [[it, answers[i]!] as const]));
      for (const [it, a] of wrong.slice(0, Number(opts.errors))) {
        console.log(`  ${it.id} ${it.expected} -> ${a.language} ${a.score}${a.flagged ? ' flagged' : ''}: ${it.text.slice(0, 160).replace(/\n/g, ' / ')}`);
      }
    }
  }
  const tools = [...byLanguage.keys()];
  console.log(`accuracy by language, items of 50+ characters (${opts.split}):`);
  console.log(`  ${'language'.padEnd(9)}${tools.map((t) => t.padStart(10)).join('')}`);
  for (const language of [...new Set(items.map((it) => it.expected))].sort()) {
    const cells = tools.map((t) => {
      const [ok, n] = byLanguage.get(t)!.get(language) ?? [0, 0];
      return (n ? pct(ok, n) : '-').padStart(10);
    });
    console.log(`  ${language.padEnd(9)}${cells.join('')}`);
  }
  console.log(`\nsummary (${opts.split}):\n${summary.join('\n')}`);
}

await main();
