import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { declaredCharset, extractArticle } from '../../src/html/extract.js';
import { stripBoilerplate } from '../../src/text/boilerplate.js';
import { splitLines } from '../../src/text/lines.js';
import { processDocument } from '../../src/text/pipeline.js';

// The text stages after `extract` on real pages of the HTML dev set (test/fixtures/html/dev,
// sources in SOURCES.md): they must keep what the extractor chose by markup. Tone marks are
// kept as written, as in `npm run eval:html`, so that tokens compare with the hand-made truth.
const DEV = 'test/fixtures/html/dev';
const config = loadConfig(undefined, { normalize: { toneStyle: 'keep' } });

const page = (id: string) => readFileSync(join(DEV, `${id}.html`));
/** The page as text, by its declared charset as the eval reads it, for the extractor alone. */
const html = (id: string) => {
  const bytes = page(id);
  const label = declaredCharset(bytes);
  return label && label !== 'utf-8' && label !== 'utf8' && iconv.encodingExists(label) ? iconv.decode(bytes, label) : bytes.toString('utf8');
};
const pipelineText = (id: string) => processDocument(page(id), `${id}.html`, config).text;
const removedByText = (id: string) => {
  const doc = processDocument(page(id), `${id}.html`, config);
  return doc.metadata.removed.slice(extractArticle(html(id), config.html).removed.length);
};

function tokens(text: string): Map<string, number> {
  const bag = new Map<string, number>();
  for (const t of text.normalize('NFC').split(/\s+/)) if (t) bag.set(t, (bag.get(t) ?? 0) + 1);
  return bag;
}
/** Token F1 against the truth, as bench/eval-html.ts scores it. */
function f1(text: string, truth: string): number {
  const got = tokens(text);
  const want = tokens(truth);
  let tp = 0;
  for (const [t, c] of got) tp += Math.min(c, want.get(t) ?? 0);
  const size = (b: Map<string, number>) => [...b.values()].reduce((a, b) => a + b, 0);
  const p = tp / (size(got) || 1);
  const r = tp / (size(want) || 1);
  return p + r ? (2 * p * r) / (p + r) : 0;
}

describe('stripBoilerplate with fromMarkup', () => {
  // Paragraphs 15-19 of pcgamer-com-01 as the extractor gives them (a subheading between two
  // paragraphs), then the copyright line that closes washingtontimes-com-01.
  const lines = splitLines(
    [
      "I am musing this, and examining some stones, when I realise I've lost him. Shit, run! No, sneak! No, there he is!",
      'Just as I reach him, a wolf collides with the side of my face. Ow! Save me Hadvar!',
      'Hadvar hacks the wolf down easily, then turns to me. "I\'m glad you decided to join me." I narrow my eyes.',
      'Reaching Riverwood',
      "Soon, though, we've made it to Riverwood, and Hadvar's uncle welcomes us, coos at our story, and says we're welcome to everything he has. After an evening meal of everything he has, I cross the street to the Riverwood Trader to see if I can actually acquire any Illusion spells.",
      'Copyright © 2023 The Washington Times, LLC.',
    ].join('\n\n'),
  );

  it('keeps a sentence that opens with Ảnh hưởng (influence), on extracted HTML and in a crawl dump alike', () => {
    // Written for this test (no fixture has the short form): `Ảnh` + a short lower-case rest
    // after a sentence, which the caption rules of a dump once read as `... Ảnh: T.Bình` without its colon.
    const text = splitLines(
      [
        'Tỷ lệ người dân tham gia các dịch vụ công trực tuyến còn thấp, khoảng 30%.',
        'Nhiều địa phương cho biết hạ tầng mạng còn yếu. Ảnh hưởng rất rõ. Người dân vẫn phải đến trực tiếp cơ quan nhà nước để làm thủ tục.',
      ].join('\n\n'),
    );
    expect(stripBoilerplate(text, config.boilerplate).removed).toEqual([]);
    expect(stripBoilerplate(text, config.boilerplate, undefined, { fromMarkup: true }).removed).toEqual([]);
  });

  it('keeps a name-shaped English subheading (a byline needs a Vietnamese syllable), and still applies the configured markers', () => {
    const plain = stripBoilerplate(lines, config.boilerplate);
    expect(plain.paragraphs).toContain('Reaching Riverwood');
    const extracted = stripBoilerplate(lines, config.boilerplate, undefined, { fromMarkup: true });
    expect(extracted.paragraphs).toContain('Reaching Riverwood');
    expect(extracted.removed).toEqual([{ reason: 'marker', text: 'Copyright © 2023 The Washington Times, LLC.' }]);
  });
});

describe('the text stages on extracted HTML pages', () => {
  it('keep subheadings that have the shape of a name (they are not bylines)', () => {
    expect(pipelineText('pcgamer-com-01')).toContain('\n\nReaching Riverwood\n\n');
    expect(pipelineText('lestimes-com-01')).toContain('\n\nFlawed Approach\n\n');
    const turkish = pipelineText('ntv-com-tr-01');
    expect(turkish).toContain('EN GOLCÜ TÜRK, AYTAÇ KARA');
    expect(turkish).toContain('DAKİKA BAŞINA GOLDE BATSHUAYI ZİRVEDE');
  });

  it('keep a paragraph that opens with a » quote (Danish), which a crawl dump would read as a related link', () => {
    expect(pipelineText('jyllands-posten-dk-01')).toContain('»Vi vil vise aarhusianerne, at det mellemøstlige køkken kan meget mere end rullekebab.');
  });

  it('keep an interview line shaped like the caption of a portrait (`OW Fitz.`)', () => {
    expect(pipelineText('bostonherald-com-01')).toContain('OW Fitz.');
  });

  it('still remove configured marker lines and a repeated paragraph', () => {
    expect(removedByText('washingtontimes-com-01')).toContainEqual({ reason: 'marker', text: 'Copyright © 2023 The Washington Times, LLC.' });
    const repeated = removedByText('rp-pl-01');
    expect(repeated.map((r) => r.reason)).toEqual(['duplicate']);
    expect(repeated[0]!.text).toMatch(/^Na trzy tygodnie przed wyborami parlamentarnymi w Niemczech/);
  });

  it('keep Icelandic eth in words (normalisation reads ð as đ only where a Vietnamese syllable starts)', () => {
    const text = pipelineText('mbl-is-01');
    expect(text).toContain('Sigurðardóttir');
    expect(text).not.toContain('đ');
  });

  it('keep the tone marks of a page in another language under the default tone style (corriere-it-01: più)', () => {
    const text = processDocument(page('corriere-it-01'), 'corriere-it-01.html', loadConfig()).text;
    expect(text).toContain('più');
    expect(text).not.toContain('pìu');
  });

  it('score at least what the extractor scores, over the whole dev set', () => {
    const ids = readdirSync(DEV)
      .filter((f) => f.endsWith('.html'))
      .map((f) => f.slice(0, -5));
    let extractor = 0;
    let pipeline = 0;
    const worse: string[] = [];
    for (const id of ids) {
      const truth = readFileSync(join(DEV, `${id}.txt`), 'utf8');
      const e = f1(extractArticle(html(id), config.html).paragraphs.join('\n'), truth);
      let p = 0;
      try {
        p = f1(pipelineText(id), truth);
      } catch {
        // A page the pipeline fails scores nothing, as in the eval.
      }
      extractor += e;
      pipeline += p;
      if (p < e - 0.002) worse.push(`${id} ${e.toFixed(3)} -> ${p.toFixed(3)}`);
    }
    expect(pipeline / ids.length).toBeGreaterThanOrEqual(extractor / ids.length - 0.002);
    // bostonherald-com-01: its truth keeps the page's soft hyphens (`emo\u00adtional`), which
    // normalisation removes as invisible (other truths, mbl-is-01 and taz-de-01, have none).
    // dailymaverick-co-za-01 repeats its standfirst as a closing paragraph, which its truth
    // keeps twice; the repeat rule stays on HTML because it removes a repeated lead or
    // teaser (rp-pl-01) more often than an author repeats a paragraph.
    expect(worse).toEqual(['bostonherald-com-01 1.000 -> 0.996', 'dailymaverick-co-za-01 0.973 -> 0.963']);
  }, 60_000);
});
