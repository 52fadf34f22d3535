import type { DestinationStream } from 'pino';
import { formatDuration, plural, printable } from './report.js';

/** Where a batch stands, as the progress line shows it. */
export interface ProgressState {
  /** Documents with an outcome (completed or failed). */
  finished: number;
  failed: number;
  /** Documents queued so far: final once `walked`. */
  queued: number;
  walked: boolean;
  /** Documents per second. */
  rate: number;
  etaMs: number | null;
  elapsedMs: number;
}

/**
 * One progress line: redrawn in place on a terminal, printed every few seconds
 * (and at the end) when the output is a file or a pipe. A bar only once the total
 * is known: while the walk goes on, or when nothing was queued, words say so.
 */
export class Progress {
  private lastPlain = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 2000,
  ) {}

  update(state: ProgressState, final = false): void {
    const line = progressLine(state, final);
    if (this.stream.isTTY) {
      // Cut to the terminal's width: a wrapped line cannot be redrawn in place.
      const width = this.stream.columns || 80;
      this.stream.write(`\r\x1b[K${line.length >= width ? `${line.slice(0, width - 2)}…` : line}${final ? '\n' : ''}`);
      this.drawn = !final;
    } else if (final || Date.now() - this.lastPlain >= this.plainEveryMs) {
      this.stream.write(`${line}\n`);
      this.lastPlain = Date.now();
    }
  }

  /** Ends a redrawn line so the next output starts on its own line. */
  clear(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

export function progressLine(s: ProgressState, final = false): string {
  const failed = `${s.failed} failed`;
  const rate = `${s.rate.toFixed(1)} docs/s`;
  if (s.walked && s.queued === 0) return 'nothing to process: every file was skipped (up to date or already queued)';
  if (!s.walked) return `walking the input: ${plural(s.queued, 'document')} queued, ${s.finished} done, ${failed}, ${rate}`;
  const time = final ? `in ${formatDuration(s.elapsedMs)}` : `ETA ${s.etaMs !== null ? formatDuration(s.etaMs) : '--'}`;
  return `${bar(s.finished, s.queued)} ${s.finished}/${s.queued} documents, ${rate}, ${time}, ${failed}`;
}

function bar(done: number, total: number, width = 20): string {
  const share = Math.min(1, done / total);
  const full = Math.round(share * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(share * 100)).padStart(3)}%`;
}

interface LogEntry {
  level: number;
  msg: string;
  reason?: string;
  doc?: string;
  final?: boolean;
}

/**
 * The worker's log lines while a progress bar runs: kept, not printed into the bar,
 * and told after it in a few lines (document failures by reason; other messages once
 * each, with how often).
 */
export class WarningLog implements DestinationStream {
  private readonly entries: LogEntry[] = [];

  write(line: string): void {
    try {
      this.entries.push(JSON.parse(line) as LogEntry);
    } catch {
      this.entries.push({ level: 40, msg: line.trim() });
    }
  }

  summary(): string[] {
    const failedBy = new Map<string, number>();
    const retried = new Set<string>();
    const others = new Map<string, number>();
    for (const e of this.entries) {
      if (e.doc !== undefined && e.reason !== undefined && e.final) failedBy.set(e.reason, (failedBy.get(e.reason) ?? 0) + 1);
      else if (e.doc !== undefined && e.final === false) retried.add(e.doc);
      else others.set(e.msg, (others.get(e.msg) ?? 0) + 1);
    }
    const lines: string[] = [];
    const failed = [...failedBy.values()].reduce((a, b) => a + b, 0);
    if (failed > 0) {
      const reasons = [...failedBy].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n} ${reason}`);
      lines.push(`vnpipe: ${plural(failed, 'document')} failed (${reasons.join(', ')}): listed below`);
    }
    if (retried.size > 0) lines.push(`vnpipe: ${plural(retried.size, 'document')} met an error of the machine, not of the document, and ran again`);
    for (const [msg, n] of others) lines.push(`vnpipe: ${printable(msg)}${n > 1 ? ` (${n} times)` : ''}`);
    return lines;
  }
}
