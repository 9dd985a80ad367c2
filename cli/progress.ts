// The progress line on stderr while a script runs, only when stderr is a
// terminal. The script shares that terminal, so the line must never mix with
// its output: once the script has been silent for a second (and its last
// print ended its line, so no `input()` prompt is pending), the bottom row of
// the terminal is reserved with a scroll region (as apt does) and the line is
// drawn there; the script's output scrolls above it. The region is reset and
// the row cleared when the run ends.
import type { TraceStore } from '../trace/store';

const ESC = '\x1b';

export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private reserved = 0;
  private midLine = false;
  private quietUntil: number;
  private readonly t0 = Date.now();
  private readonly onResize = () => {
    if (this.reserved) {
      this.release();
      this.draw();
    }
  };

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly store: () => TraceStore,
    private readonly name: string,
  ) {
    this.quietUntil = Date.now() + 1000;
  }

  static forStderr(enabled: boolean, store: () => TraceStore, name: string): Progress | undefined {
    return enabled && process.stderr.isTTY && process.env.TERM !== 'dumb' ? new Progress(process.stderr, store, name) : undefined;
  }

  start(): void {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
    this.out.on('resize', this.onResize);
  }

  /** The script printed something; `endsLine`: its last print ended with a newline. */
  scriptPrinted(endsLine: boolean): void {
    this.quietUntil = Date.now() + 1000;
    this.midLine = !endsLine;
  }

  private draw(): void {
    const rows = this.out.rows || 0;
    if (rows < 4) return;
    if (!this.reserved) {
      if (Date.now() < this.quietUntil || this.midLine) return;
      // Make room at the bottom, then confine scrolling to the rows above it.
      this.out.write(`\n${ESC}[1A${ESC}7${ESC}[1;${rows - 1}r${ESC}8`);
      this.reserved = rows;
    }
    const s = this.store();
    const secs = ((Date.now() - this.t0) / 1000).toFixed(1);
    const line = `coroscope: ${this.name} · ${s.length.toLocaleString('en-US')} events · ${s.tasks.length} tasks · ${secs} s`;
    const cols = this.out.columns || 80;
    this.out.write(`${ESC}7${ESC}[${this.reserved};1H${ESC}[2K${ESC}[2m${line.slice(0, cols - 1)}${ESC}[0m${ESC}8`);
  }

  private release(): void {
    if (!this.reserved) return;
    // Reset the scroll region (this homes the cursor, hence save/restore) and clear our row.
    this.out.write(`${ESC}7${ESC}[r${ESC}[${this.reserved};1H${ESC}[2K${ESC}8`);
    this.reserved = 0;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.out.off('resize', this.onResize);
    this.release();
  }
}
