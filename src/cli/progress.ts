/**
 * One progress line: redrawn in place on a terminal, printed every few seconds
 * (and at the end) when the output is a file or a pipe.
 */
export class Progress {
  private lastPlain = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 2000,
  ) {}

  update(done: number, total: number, detail: string, final = false): void {
    const line = `${bar(done, total)} ${done}/${total} ${detail}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
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

function bar(done: number, total: number, width = 24): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(share * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(share * 100)).padStart(3)}%`;
}
