// The progress line on stderr while a script runs, only when stderr is a
// terminal. The script shares that terminal, so the line steps aside: it is
// erased whenever the script prints (an `output` event arrives) and stays
// away for a second after, and it never ends with a newline.
import type { TraceStore } from '../trace/store';

export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private quietUntil = 0;
  private readonly t0 = Date.now();

  constructor(private readonly out: NodeJS.WriteStream, private readonly store: () => TraceStore, private readonly name: string) {}

  static forStderr(enabled: boolean, store: () => TraceStore, name: string): Progress | undefined {
    return enabled && process.stderr.isTTY ? new Progress(process.stderr, store, name) : undefined;
  }

  start(): void {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  /** The script printed something: get out of its way. */
  scriptPrinted(): void {
    this.quietUntil = Date.now() + 1000;
    this.clear();
  }

  private draw(): void {
    if (Date.now() < this.quietUntil) return;
    const s = this.store();
    const secs = ((Date.now() - this.t0) / 1000).toFixed(1);
    const line = `coroscope: ${this.name} · ${s.length.toLocaleString('en-US')} events · ${s.tasks.length} tasks · ${secs} s`;
    const cols = this.out.columns || 80;
    this.out.write(`\r\x1b[2K\x1b[2m${line.slice(0, cols - 1)}\x1b[0m`);
    this.shown = true;
  }

  private clear(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }
}
