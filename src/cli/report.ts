import type { CorpusStats } from '../io/corpus-stats.js';
import type { SourceReport } from '../io/removal-report.js';
import type { BatchRecord } from '../queue/batches.js';
import type { BatchStatus, DocumentStatus, QueueCounts, StatusReport } from '../queue/status.js';

/** `1 shard`, `2 shards`, `0 shards`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What `vnpipe status` prints: one batch or the list, the queue, and who works on it. */
export function formatStatus(report: StatusReport): string {
  const head = report.batch ? formatBatch(report.batch) : formatBatchList(report.batches ?? []);
  return [head, formatQueue(report.queue), ...workersLine(report)].join('\n');
}

function workersLine({ workers, queue, batch }: StatusReport): string[] {
  if (workers === null) return [];
  const pending = queue.waiting + queue.active + queue.delayed + queue.prioritized > 0 || (batch !== undefined && batch.finishedAt === null);
  if (workers > 0) return [`workers: ${workers} connected`];
  return [pending ? 'workers: none connected, so nothing moves: start one with `vnpipe worker` (same REDIS_URL and VNPIPE_PREFIX)' : 'workers: none connected'];
}

export function formatBatch(s: BatchStatus): string {
  const state = batchState(s);
  const mb = s.bytes / 1e6;
  const secs = s.elapsedMs / 1000;
  const lines = [
    `batch ${s.id}  ${state}`,
    `  input     ${s.root}`,
    `  output    ${s.out}`,
    ...learningLines(s),
    `  files     ${plural(s.found, 'file')} found, ${s.queued} queued, ${s.skipped} skipped (up to date or already queued)`,
    `  documents ${s.completed} completed, ${s.failed} failed, ${s.active} active, ${s.waiting} waiting` +
      (s.cancelled > 0 ? `, ${s.cancelled} cancelled` : ''),
    `  elapsed   ${secs.toFixed(1)} s, ${s.rate.toFixed(1)} docs/s${s.finishedAt ? '' : ' (last minute)'}, ${secs > 0 ? (mb / secs).toFixed(2) : '0.00'} MB/s` +
      (s.etaMs !== null ? `, about ${formatDuration(s.etaMs)} left` : ''),
  ];
  if (s.failures.length > 0) {
    lines.push(`  failures${s.failures.length < s.failed ? ` (first ${s.failures.length} of ${s.failed})` : ''}:`);
    for (const f of s.failures) lines.push(`    ${printable(f.rel)}  ${f.reason}  ${printable(f.message)}`);
  }
  return lines.join('\n');
}

/** Whether and what the batch learned: its profile's size, its counting pass under way, or learning off. */
function learningLines(s: BatchStatus): string[] {
  const size = (p: { lines: number; sources: number }) => `${plural(p.lines, 'line')} in ${plural(p.sources, 'source')}`;
  if (s.profile?.learned) return [`  learned   boilerplate: ${size(s.profile)}`];
  if (s.countQueued > 0 && s.counted < s.countQueued) return [`  learning  ${s.counted} of ${s.countQueued} documents counted`];
  if (s.profile) return [`  profile   boilerplate: ${size(s.profile)}, given with --profile (not learned)`];
  return s.learn ? [] : ['  learned   nothing: learning off (--no-learn or learn.enabled false)'];
}

export function formatBatchList(batches: BatchRecord[]): string {
  if (batches.length === 0) return 'no batches yet';
  const rows = batches.map((b) => [
    b.id,
    batchState(b),
    `${b.completed} completed`,
    `${b.failed} failed`,
    `${b.queued} queued`,
    b.root,
  ]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n');
}

export function formatQueue(c: QueueCounts): string {
  return `queue: ${c.waiting} waiting, ${c.active} active, ${c.delayed} delayed (retrying), ${c.completed} completed, ${c.failed} failed (kept jobs)`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function batchState(b: BatchRecord): string {
  if (b.cancelRequested) return b.finishedAt ? 'cancelled' : 'cancelling';
  if (!b.walked && !b.producerAlive) return `interrupted (its enqueue stopped mid-walk: vnpipe enqueue ${quoted(b.root)} --out ${quoted(b.out)} --resume ${b.id}, with the same --config)`;
  return b.finishedAt ? 'finished' : b.walked ? 'running' : 'enqueueing';
}

/** A file name or message as a terminal may print it: control characters (ANSI escapes, line breaks) shown as escapes. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function quoted(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

export function formatDocument(d: DocumentStatus): string {
  return [
    printable(d.path),
    `  batch     ${d.batch ?? '-'}`,
    `  state     ${d.state}${d.attempts > 0 ? ` (${d.attempts} attempts)` : ''}`,
    ...(d.output ? [`  output    ${printable(d.output)}`] : []),
    ...(d.error ? [`  error     ${printable(d.error)}`] : []),
  ].join('\n');
}

export function formatReport(report: SourceReport[]): string {
  if (report.length === 0) return 'no documents in the output folder';
  const lines: string[] = [];
  for (const s of report) {
    lines.push(`${s.source}: ${plural(s.documents, 'document')}, ${(s.removedShare * 100).toFixed(1)} % of characters removed`);
    for (const t of s.top) {
      const text = t.text.length > 100 ? `${t.text.slice(0, 97).replace(/\n/g, ' / ')}...` : t.text.replace(/\n/g, ' / ');
      lines.push(`  ${String(t.count).padStart(7)}  ${t.reason.padEnd(14)} ${text}`);
    }
    if (s.heavy.length > 0) {
      lines.push(`  more than half removed (${s.heavy.length}):`);
      for (const h of s.heavy.slice(0, 20)) lines.push(`    ${(h.removedShare * 100).toFixed(0)} %  ${h.source}`);
    }
  }
  return lines.join('\n');
}

/** `vnpipe stats`: the numbers of an output folder, with text histograms. */
export function formatStats(s: CorpusStats): string {
  const table = (t: Record<string, number>) =>
    Object.entries(t)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  const d = s.duplicates;
  const lines = [
    `${s.folder}: ${s.documents} documents${s.skipped > 0 ? ` (${s.skipped} files that are not documents)` : ''}`,
    `  languages   ${table(s.languages)}`,
    `  readable    ${table(s.languageQuality)}`,
    `  duplicates  ${d.exact} exact, ${d.near} near, in ${d.clusters} clusters${d.filter ? ` (among what ${d.filter} keeps)` : ''}` +
      (d.clusters > 0 ? `; sizes ${Object.entries(d.sizes).map(([size, n]) => `${size}: ${n}`).join(', ')}; largest ${d.largest.join(', ')}` : ''),
    '  filters (documents kept; dropped, by the first rule each breaks):',
  ];
  const width = Math.max(...Object.keys(s.presets).map((p) => p.length));
  for (const [name, p] of Object.entries(s.presets)) {
    const dropped = Object.values(p.dropped).reduce((a, b) => a + b, 0);
    lines.push(`    ${name.padEnd(width)}  kept ${p.kept}, dropped ${dropped}${dropped > 0 ? `: ${table(p.dropped)}` : ''}`);
  }
  for (const h of s.distributions) {
    const total = h.counts.reduce((a, b) => a + b, 0);
    lines.push('', `  ${h.name}  (p10 ${round(h.p10)}, median ${round(h.p50)}, p90 ${round(h.p90)}${h.missing > 0 ? `; ${h.missing} without it` : ''})`);
    const labels = h.edges.map((e, i) => (i + 1 < h.edges.length ? `${round(e)}-${round(h.edges[i + 1]!)}` : `>= ${round(e)}`));
    const labelWidth = Math.max(...labels.map((l) => l.length));
    const most = Math.max(1, ...h.counts);
    h.counts.forEach((c, i) => lines.push(`    ${labels[i]!.padStart(labelWidth)}  ${'█'.repeat(Math.round((40 * c) / most)).padEnd(40)} ${c}${total > 0 ? ` (${((100 * c) / total).toFixed(1)} %)` : ''}`));
  }
  return lines.join('\n');
}

function round(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}
