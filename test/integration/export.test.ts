import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { processDocument } from '../../src/text/pipeline.js';
import { runCli, SAMPLES, tempDir } from '../support/cli.js';

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
    const shards = readdirSync(to).sort();
    expect(shards.length).toBeGreaterThan(1);
    expect(shards.every((s) => /^shard-\d{5}\.jsonl\.gz$/.test(s))).toBe(true);
    const docs = shards.flatMap((s) => gunzipSync(readFileSync(join(to, s))).toString('utf8').trim().split('\n').map((l) => JSON.parse(l)));
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
    const read = (to: string) => readdirSync(to).flatMap((s) => gunzipSync(readFileSync(join(to, s))).toString('utf8').trim().split('\n').map((l) => JSON.parse(l)));

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
      'vnpipe: --format must be jsonl.gz or txt, not "csv"\n',
    );
  });

  it('reads back with Python\'s gzip and json modules, as corpus tools do', async () => {
    const to = tempDir('export-py');
    await runCli(['export', outputFolder(), '--to', to], {});
    const count = execFileSync('python3', ['-c', `import gzip,json,glob\nprint(sum(1 for f in glob.glob('${to}/*.jsonl.gz') for l in gzip.open(f,'rt',encoding='utf-8') if json.loads(l)['text']))`]);
    expect(count.toString().trim()).toBe('5');
  });
});
