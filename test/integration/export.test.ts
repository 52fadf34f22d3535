import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { processDocument } from '../../src/text/pipeline.js';
import { runCli, SAMPLES, tempDir } from '../support/cli.js';

/** The documents of an export's JSON-lines shards, in order. */
function readShards(to: string): any[] {
  return readdirSync(to)
    .filter((f) => /^shard-\d{5}\.jsonl\.gz$/.test(f))
    .sort()
    .flatMap((s) => gunzipSync(readFileSync(join(to, s))).toString('utf8').trim().split('\n').map((l) => JSON.parse(l)));
}

/** An output folder as workers leave it: the five samples, one of them in a subfolder. */
function outputFolder(): string {
  const out = tempDir('export-in');
  mkdirSync(join(out, 'sub'));
  const config = loadConfig();
  for (const [i, name] of readdirSync(SAMPLES).sort().entries()) {
    const doc = processDocument(readFileSync(join(SAMPLES, name)), name, config);
    writeFileSync(join(out, i === 4 ? 'sub' : '', name.replace('.txt', '.json')), `${JSON.stringify(doc)}\n`);
  }
  writeFileSync(join(out, 'notes.json'), '{"not": "a document"}');
  return out;
}

describe('vnpipe export', () => {
  it('writes gzip JSON lines shards of the size asked, every document once', async () => {
    const to = tempDir('export-out');
    const r = await runCli(['export', outputFolder(), '--to', to, '--shard-size', '20KB'], {});
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('skipped notes.json: not a vnpipe document');
    const files = readdirSync(to).sort();
    expect(files.filter((f) => !f.startsWith('shard-'))).toEqual(['README.md', 'manifest.json', 'minhash-signatures.idx.gz']);
    expect(files.filter((f) => f.startsWith('shard-')).every((s) => /^shard-\d{5}\.jsonl\.gz$/.test(s))).toBe(true);
    expect(files.length).toBeGreaterThan(4);
    const docs = readShards(to);
    expect(docs.map((d) => d.source)).toEqual([
      '000_e15030ee0d383edd.txt', '001_cfab3d3de795dabf.txt', '002_96ecd948de8e48bb.txt', '003_7161b19aceaccb0d.txt', '004_2d82f93cebf0d4a1.txt',
    ]);
    for (const d of docs) expect(Object.keys(d)).toEqual(['id', 'text', 'sentences', 'source', 'metadata']);
    expect(r.stdout).toMatch(/^5 documents in \d+ shards:/);
  });

  it('leaves out a later exact copy of a document (a syndicated article), or marks it with --keep-duplicates', async () => {
    const from = outputFolder();
    // The same article republished by another outlet: another file, another byline line, the same clean text.
    const sample = readFileSync(join(SAMPLES, '001_cfab3d3de795dabf.txt'), 'utf8');
    const copy = processDocument(Buffer.from(`${sample}\n\nTheo TTXVN\n`), 'z-copy/001.txt', loadConfig());
    mkdirSync(join(from, 'z-copy'));
    writeFileSync(join(from, 'z-copy', '001.txt.json'), `${JSON.stringify(copy)}\n`);
    const read = readShards;

    const to = tempDir('export-dedup');
    const r = await runCli(['export', from, '--to', to], {});
    expect(r.stdout).toMatch(/^5 documents in 1 shard \(1 exact duplicate left out\):/);
    expect(read(to).map((d) => d.source)).not.toContain('z-copy/001.txt');

    const kept = tempDir('export-dedup-kept');
    expect((await runCli(['export', from, '--to', kept, '--keep-duplicates'], {})).code).toBe(0);
    const marked = read(kept).find((d) => d.source === 'z-copy/001.txt');
    expect(marked.metadata.duplicateOf).toBe('001_cfab3d3de795dabf.txt');
  });

  it('writes plain text: one sentence a line, a blank line between documents', async () => {
    const to = tempDir('export-txt');
    const r = await runCli(['export', outputFolder(), '--to', to, '--format', 'txt'], {});
    expect(r.code).toBe(0);
    const text = readFileSync(join(to, 'shard-00000.txt'), 'utf8');
    const documents = text.trim().split('\n\n');
    expect(documents).toHaveLength(5);
    expect(documents[3]!.split('\n')[0]).toBe(
      'Sáng ngày 28/10, tại Hà Nội, Đảng ủy Công an Trung ương tổ chức Hội nghị thông báo kết quả Hội nghị lần thứ 6 Ban Chấp hành Trung ương khóa XIII; nghiên cứu, học tập, quán triệt Nghị quyết số 56-NQ/TW ngày 05/3/2020 của Bộ Chính trị và Chỉ thị số 15-CT/TW ngày 10/8/2022 của Ban Bí thư nhằm phổ biến, quán triệt đến cán bộ chủ chốt Công an các đơn vị, địa phương, kịp thời phục vụ sự lãnh đạo, chỉ đạo của cấp ủy, lãnh đạo, chỉ huy Công an các cấp, tạo sự thống nhất về tư tưởng trong tổ chức thực hiện.',
    );
  });

  it('refuses a bad size or format in one line', async () => {
    expect((await runCli(['export', SAMPLES, '--to', tempDir('x'), '--shard-size', 'big'], {})).stderr).toBe(
      'vnpipe: --shard-size must be a size like 256MB or 1GB, not "big"\n',
    );
    expect((await runCli(['export', SAMPLES, '--to', tempDir('x'), '--format', 'csv'], {})).stderr).toBe(
      'vnpipe: --format must be jsonl.gz, txt, parquet, not "csv"\n',
    );
  });

  it('reads back with Python\'s gzip and json modules, as corpus tools do', async () => {
    const to = tempDir('export-py');
    await runCli(['export', outputFolder(), '--to', to], {});
    const count = execFileSync('python3', ['-c', `import gzip,json,glob\nprint(sum(1 for f in glob.glob('${to}/shard-*.jsonl.gz') for l in gzip.open(f,'rt',encoding='utf-8') if json.loads(l)['text']))`]);
    expect(count.toString().trim()).toBe('5');
  });

  it('leaves out a near duplicate (an aggregator reworded the lead and added its credit), keeping the earliest', async () => {
    const from = outputFolder();
    const original = JSON.parse(readFileSync(join(from, '001_cfab3d3de795dabf.json'), 'utf8'));
    const paragraphs: string[] = original.text.split('\n\n');
    // Republished by an aggregator with an earlier date: the lead's first words reworded, a credit line added.
    const rewritten = [paragraphs[0]!.replace(/^\S+ \S+/, 'Chiều qua'), ...paragraphs.slice(1), 'Theo Báo Công an Nhân dân'];
    const copy = { ...original, id: 'copy', source: 'aggregator/x.txt', text: rewritten.join('\n\n'), metadata: { ...original.metadata, date: '2020-01-01T08:00:00+07:00' } };
    mkdirSync(join(from, 'aggregator'));
    writeFileSync(join(from, 'aggregator', 'x.txt.json'), JSON.stringify(copy));
    const to = tempDir('export-near');
    const r = await runCli(['export', from, '--to', to, '--keep-duplicates'], {});
    expect(r.stdout).toMatch(/^6 documents in 1 shard \(1 near duplicate marked metadata\.duplicateOf\):/);
    const docs = readShards(to);
    // The earlier date wins: the outlet's own copy is the duplicate.
    expect(docs.find((d) => d.source === '001_cfab3d3de795dabf.txt').metadata.duplicateOf).toBe('aggregator/x.txt');
    expect(docs.find((d) => d.source === 'aggregator/x.txt').metadata).toMatchObject({ duplicateOf: null, clusterSize: 2 });
    const manifest = JSON.parse(readFileSync(join(to, 'manifest.json'), 'utf8'));
    expect(manifest.dedup).toMatchObject({ exact: 0, near: 1, clusters: 1, largestClusters: [2], bands: 14, rows: 8, ngram: 5 });

    // A later export checked against this one: the copy is known, whatever its date.
    const later = outputFolder();
    writeFileSync(join(later, 'again.json'), JSON.stringify({ ...copy, source: 'again.txt', metadata: { ...copy.metadata, date: '2019-01-01T00:00:00+07:00' } }));
    const to2 = tempDir('export-against');
    const r2 = await runCli(['export', later, '--to', to2, '--against', to], {});
    expect(r2.code).toBe(0);
    const second = JSON.parse(readFileSync(join(to2, 'manifest.json'), 'utf8'));
    // All six: the four other samples, the outlet's copy and the aggregator's again.
    expect(second.dedup.againstEarlier).toBe(6);
    expect(second.documents).toBe(0);
    const notAnExport = await runCli(['export', later, '--to', tempDir('x'), '--against', later], {});
    expect(notAnExport.stderr).toBe(`vnpipe: --against ${later}: no minhash-signatures.idx.gz (not a vnpipe export, or one made before signature indexes)\n`);
  });

  it('refuses a non-empty target, replaces an earlier export only with --overwrite, never a folder of other files', async () => {
    const from = outputFolder();
    const to = tempDir('export-twice');
    expect((await runCli(['export', from, '--to', to], {})).code).toBe(0);
    const again = await runCli(['export', from, '--to', to], {});
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/holds an export of 5 documents \(.*\); --overwrite replaces it\n$/);
    const over = await runCli(['export', from, '--to', to, '--overwrite', '--format', 'parquet'], {});
    expect(over.code).toBe(0);
    expect(readdirSync(to).filter((f) => f.startsWith('shard-'))).toEqual(['shard-00000.parquet']);
    const mine = tempDir('export-mine');
    writeFileSync(join(mine, 'thesis.tex'), 'x');
    const refused = await runCli(['export', from, '--to', mine, '--overwrite'], {});
    expect(refused.stderr).toMatch(/is not empty and holds no vnpipe export \(no manifest\.json\); export into a new or empty folder\n$/);
    expect(existsSync(join(mine, 'thesis.tex'))).toBe(true);
  });

  it('writes a manifest: documents, bytes, shards with their hashes, version, config hashes and source runs', async () => {
    const from = outputFolder();
    const to = tempDir('export-manifest');
    await runCli(['export', from, '--to', to, '--shard-size', '20KB'], {});
    const m = JSON.parse(readFileSync(join(to, 'manifest.json'), 'utf8'));
    const { VERSION, configHash } = await import('../../src/config.js');
    expect(m).toMatchObject({ vnpipe: VERSION, format: 'jsonl.gz', documents: 5, filter: null });
    expect(m.config).toMatch(/^[0-9a-f]{16}$/);
    expect(m.source).toMatchObject({ folder: from, documents: 5, skipped: 1, runs: [{ version: VERSION, config: configHash(loadConfig()), documents: 5 }] });
    expect(m.bytes).toBe(m.shards.reduce((n: number, s: { bytes: number }) => n + s.bytes, 0));
    const { createHash } = await import('node:crypto');
    for (const s of m.shards) expect(createHash('sha256').update(readFileSync(join(to, s.file))).digest('hex')).toBe(s.sha256);
  });

  it('gives every record of every shard the same fields of the same types, and names the types for Hugging Face', async () => {
    // Shards of one document: the first two documents have no url, the later ones one.
    const from = outputFolder();
    for (const [i, name] of readdirSync(from).filter((f) => f.endsWith('.json') && f !== 'notes.json').sort().entries()) {
      const doc = JSON.parse(readFileSync(join(from, name), 'utf8'));
      doc.metadata.url = i < 2 ? null : `https://example.vn/${i}`;
      if (i === 0) delete doc.metadata.quality; // written by an older vnpipe
      writeFileSync(join(from, name), JSON.stringify(doc));
    }
    const to = tempDir('export-types');
    await runCli(['export', from, '--to', to, '--shard-size', '1KB'], {});
    const docs = readShards(to);
    expect(docs).toHaveLength(5);
    const keys = (d: any) => Object.keys(d.metadata);
    for (const d of docs) expect(keys(d)).toEqual(keys(docs[0]));
    // One type per field across shards (null aside): a list is never a null, a number never a string.
    for (const k of keys(docs[0])) {
      const types = new Set(docs.map((d) => d.metadata[k]).filter((v) => v !== null).map((v) => (Array.isArray(v) ? 'list' : typeof v)));
      expect(types.size, k).toBeLessThanOrEqual(1);
    }
    expect(docs[0].metadata.url).toBeNull();
    expect(docs[0].metadata.quality).toBeNull();
    expect(docs[1].metadata.paragraphLanguages).toEqual([]);
    const card = readFileSync(join(to, 'README.md'), 'utf8');
    expect(card).toContain('data_files: "shard-*.jsonl.gz"');
    expect(card).toMatch(/    - name: url\n      dtype: string\n/);
    expect(card).toMatch(/    - name: quality\n      struct:\n      - name: words\n        dtype: float64/);
  });

  it('--fields chooses the columns; Parquet shards share one typed schema, nulls typed as strings', async () => {
    const from = outputFolder();
    const to = tempDir('export-fields');
    expect((await runCli(['export', from, '--to', to, '--fields', 'id,text,metadata.url,languageScore'], {})).code).toBe(0);
    for (const d of readShards(to)) {
      expect(Object.keys(d)).toEqual(['id', 'text', 'metadata']);
      expect(Object.keys(d.metadata)).toEqual(['url', 'languageScore']);
    }
    expect((await runCli(['export', from, '--to', tempDir('x'), '--fields', 'id,body'], {})).stderr).toMatch(
      /^vnpipe: --fields: no field "body"; the fields are id, text, sentences, source, metadata, title, date/,
    );

    const pq = tempDir('export-parquet');
    expect((await runCli(['export', from, '--to', pq, '--format', 'parquet', '--shard-size', '1KB'], {})).code).toBe(0);
    const { parquetMetadata, parquetReadObjects, parquetSchema } = await import('hyparquet');
    const files = readdirSync(pq).filter((f) => f.endsWith('.parquet')).sort();
    expect(files).toHaveLength(5);
    const schemas = files.map((f) => {
      const buf = readFileSync(join(pq, f));
      const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      return parquetSchema(parquetMetadata(ab)).children.map((c) => `${c.element.name}:${c.element.type ?? c.element.converted_type}:${c.element.repetition_type}`);
    });
    for (const s of schemas) expect(s).toEqual(schemas[0]);
    expect(schemas[0]).toContain('url:BYTE_ARRAY:OPTIONAL');
    expect(schemas[0]).toContain('sentences:LIST:REQUIRED');
    expect(schemas[0]).toContain('quality_words:DOUBLE:OPTIONAL');
    const buf = readFileSync(join(pq, files[3]!));
    const rows = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) });
    expect(rows[0]).toMatchObject({ source: '003_7161b19aceaccb0d.txt', language: 'vie', duplicateOf: null, clusterSize: 1 });
    expect(rows[0]!.sentences[0]).toMatch(/^Sáng ngày 28\/10/);
    // JSON columns hold the lists themselves, not a JSON string of them.
    expect(rows[0]!.removed).toEqual(expect.arrayContaining([expect.objectContaining({ reason: expect.any(String), text: expect.any(String) })]));
    expect(Array.isArray(rows[0]!.captions)).toBe(true);
  });

  it('--filter applies a named preset and counts what each rule dropped', async () => {
    const from = outputFolder();
    const config = loadConfig();
    const english = processDocument(Buffer.from(`${'The committee met on Tuesday to discuss the budget, and members agreed that the plan needs more work before the vote. '.repeat(3)}\n\nThey will meet again next week.`), 'en.txt', config);
    writeFileSync(join(from, 'en.txt.json'), JSON.stringify(english));
    const to = tempDir('export-filter');
    const r = await runCli(['export', from, '--to', to, '--filter', 'strict'], {});
    expect(r.stdout).toMatch(/^5 documents in 1 shard \(1 dropped by strict\):/);
    expect(JSON.parse(readFileSync(join(to, 'manifest.json'), 'utf8')).filter).toMatchObject({ preset: 'strict', dropped: { language: 1 } });
    expect((await runCli(['export', from, '--to', tempDir('x'), '--filter', 'lenient'], {})).stderr).toBe(
      'vnpipe: --filter: no preset "lenient" in config quality.presets (fineweb2-vie, strict)\n',
    );
  });

  it('runs the README recipes of "Corpus export, duplicates and quality"', async () => {
    const readme = readFileSync(join(SAMPLES, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Corpus export, duplicates and quality'));
    const recipes = /```sh\n([\s\S]*?)```/.exec(section)![1]!.trim().split('\n');
    expect(recipes).toHaveLength(3);
    const paths: Record<string, string> = { 'out/': outputFolder(), 'out-2/': outputFolder(), 'corpus/': join(tempDir('readme'), 'corpus'), 'corpus-2/': join(tempDir('readme'), 'corpus-2') };
    for (const line of recipes) {
      const args = line.split(' ').slice(1).map((a) => paths[a] ?? a);
      const r = await runCli(args, {});
      expect(r.code, `${line}\n${r.stderr}`).toBe(0);
      if (args[0] === 'stats') expect(r.stdout).toMatch(/: 5 documents \(1 files that are not documents\)\n  languages   vie 5\n/);
    }
    expect(readdirSync(paths['corpus/']!).filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
    const second = JSON.parse(readFileSync(join(paths['corpus-2/']!, 'manifest.json'), 'utf8'));
    expect(second).toMatchObject({ documents: 0, dedup: { againstEarlier: 5 }, fields: { top: ['id', 'text', 'source'], metadata: ['date', 'url'] } });
  });

  it('stats: duplicates and what each preset drops, as text and JSON', async () => {
    const from = outputFolder();
    const config = loadConfig();
    const english = processDocument(Buffer.from(`${'The committee met on Tuesday to discuss the budget, and members agreed that the plan needs more work before the vote. '.repeat(3)}`), 'en.txt', config);
    writeFileSync(join(from, 'en.txt.json'), JSON.stringify(english));
    writeFileSync(join(from, 'copy.json'), readFileSync(join(from, '002_96ecd948de8e48bb.json')).toString().replace('"source":"002_96ecd948de8e48bb.txt"', '"source":"copy.txt"'));
    const r = await runCli(['stats', from, '--json'], {});
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ documents: 7, skipped: 1, languages: { vie: 6, eng: 1 }, duplicates: { exact: 1, near: 0, clusters: 1, sizes: { 2: 1 } } });
    expect(s.presets.strict).toEqual({ kept: 6, dropped: { language: 1 } });
    expect(s.distributions.find((h: { name: string }) => h.name === 'syllables').counts.reduce((a: number, b: number) => a + b, 0)).toBe(7);
    const text = await runCli(['stats', from], {});
    expect(text.stdout).toContain('  duplicates  1 exact, 0 near, in 1 clusters; sizes 2: 1; largest 2\n');
    expect(text.stdout).toMatch(/\n {4}strict +kept 6, dropped 1: language 1\n/);
  });
});
