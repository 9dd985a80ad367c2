// Flow control of the trace bytes posted to the diagram page (issue 19 part 2). VS Code's postMessage never pushes
// back: a page (or a workbench) slower than the run let every `appendBytes` pile up in the extension host — the
// remote connection keeps each message until the other side acknowledges it — which grew the host by the trace's
// own rate (3 GB at 14.3M events in code-server). So the page acknowledges what it has taken (`received`, a running
// count of `appendBytes` bytes since it loaded), and the host keeps at most `limit` bytes posted and not yet taken:
// a replay waits for room; live batches that find none are not posted, and the page catches up from the trace file
// later (extension/panel/index.ts). Pure (no vscode): unit-tested in plain Node.

/** Bytes posted and not yet taken by the page above which the host waits (a few replay chunks: the pipe stays full). */
export const MAX_IN_FLIGHT = 8 * 1024 * 1024;

export class PageFlow {
  private posted = 0;
  private taken = 0;
  private waiters: (() => void)[] = [];
  /** The most bytes ever in flight for this page (benchmarks, tests). */
  maxInFlight = 0;

  constructor(public limit = MAX_IN_FLIGHT) {}

  /** Bytes posted to this page since it loaded. */
  get sentTotal(): number {
    return this.posted;
  }

  get inFlight(): number {
    return this.posted - this.taken;
  }

  /** Whether another post may go now. */
  get hasRoom(): boolean {
    return this.inFlight < this.limit;
  }

  /** `n` bytes were posted to the page. */
  sent(n: number): void {
    this.posted += n;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  /** Tests: the page's counts are kept, not applied, while held (a page that does not keep up); `hold(false)` applies them. */
  private held: number | undefined;
  hold(on: boolean): void {
    const last = this.held;
    this.held = on ? (last ?? this.taken) : undefined;
    if (!on && last !== undefined) this.received(last);
  }

  /** The page has taken `total` bytes since it loaded (a running count: a lost or late acknowledgement is covered by the next). */
  received(total: number): void {
    if (this.held !== undefined) {
      if (total > this.held) this.held = total;
      return;
    }
    if (!(total > this.taken)) return;
    this.taken = Math.min(total, this.posted);
    if (this.hasRoom) this.release();
  }

  /** A fresh page (or none): nothing is in flight; whoever waits goes on (and finds its replay superseded). */
  reset(): void {
    this.posted = 0;
    this.taken = 0;
    if (this.held !== undefined) this.held = 0;
    this.release();
  }

  /** Resolves when a post may go. */
  room(): Promise<void> {
    if (this.hasRoom) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
