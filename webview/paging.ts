// Paging mode in the panel (issue 19 part 2): the page holds a window of a huge run, the host holds the rest on
// disk (extension/panel/paging.ts). This strip above the diagram says so and shows the overview of the whole run
// (a row per busy lane, a column per slice of its time, the held window outlined); a click on the overview, or the
// Earlier / Later / Newest buttons, ask the host for another range (`wantRange`). It also maps the window's local
// rows (the store's indices: first the prelude's lane declarations, then the window's rows) to the run's global
// event indices and back.
import type { HostMessage, PageOverview, WebviewMessage } from '../protocol/messages';

/** The host's answer to a whole-run search (`searchHits` without its type). */
export type SearchHits = Omit<Extract<HostMessage, { type: 'searchHits' }>, 'type'>;
import { button, el } from './dom';

export class PageStrip {
  readonly root: HTMLDivElement;
  /** In paging mode (a `page` message since the last `reset`). */
  on = false;
  base = 0;
  prelude = 0;
  total = 0;
  follow = false;
  private overview: PageOverview | null = null;
  /** Rows of the window held (the store's length minus the prelude), updated by the app. */
  held = 0;
  private readonly text: HTMLSpanElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly earlier: HTMLButtonElement;
  private readonly later: HTMLButtonElement;
  private readonly newest: HTMLButtonElement;
  /** A global event the host asked to focus that lies outside the window: focused once a window holding it arrives. */
  pendingFocus = -1;
  /** Whether the pending focus selects the event (a jump) or only scrolls to it (scrolling past the window's edge). */
  private pendingSelect = true;
  /** A range was asked for and has not arrived (no second ask while scrolling on against an edge). */
  private asking = false;
  /** What the overview canvas shows (redrawn only when it changes: `update` runs on every frame). */
  private drawn = '';
  private overviewGen = 0;

  /**
   * The search over the whole run (the host reads the trace file: `wantSearch` → `searchHits`): kept across the
   * windows of one trace, dropped when the query or the trace changes.
   */
  search: SearchHits | undefined;
  /** The title of the trace the search is of (each window of one trace comes with the same `reset` title). */
  private traceTitle = '';

  constructor(private readonly post: (m: WebviewMessage) => void) {
    this.text = el('span', { class: 'paging-text' });
    // What works where, said once: the window's limits are not silent (issue 19).
    const note = el('span', { class: 'paging-note' });
    note.textContent =
      'Search counts and jumps across the whole run (Enter, with the filter on too); the filter shows, and folds, the step cursor and row numbers work on, the events in detail only.';
    // Why, for whoever wonders (docs/architecture.md, "Memory budget and paging mode").
    note.title =
      'The rest of the run stays in the trace file: showing only its matches would mean holding them all (a common query matches most events) or reading the file again for every window and every change of the query.';
    this.earlier = button('arrow-up', 'Show the earlier events (read from the trace file)', 'Earlier');
    this.later = button('arrow-down', 'Show the later events (read from the trace file)', 'Later');
    this.newest = button('debug-step-over', 'Show the newest events', 'Newest');
    this.canvas = el('canvas', { class: 'paging-overview', role: 'img' });
    this.canvas.title = 'Overview of the whole run: click to show that part';
    this.root = el(
      'div',
      { class: 'paging', id: 'coroscope-paging' },
      el('div', { class: 'paging-bar' }, this.text, this.earlier, this.later, this.newest),
      note,
      this.canvas,
    );
    this.root.hidden = true;
    this.earlier.addEventListener('click', () => this.ask(this.base - this.windowRows(), this.base));
    this.later.addEventListener('click', () => this.ask(this.base + this.held, this.base + this.held + this.windowRows()));
    this.newest.addEventListener('click', () => this.ask(Math.max(0, this.total - this.windowRows()), this.total));
    this.canvas.addEventListener('click', (e) => {
      const r = this.canvas.getBoundingClientRect();
      const at = this.indexAtFraction((e.clientX - r.left) / Math.max(1, r.width));
      const w = this.windowRows();
      this.ask(at - Math.floor(w / 2), at + Math.ceil(w / 2));
    });
  }

  /** A window's rows count as at least this many for the buttons' steps. */
  private windowRows(): number {
    return Math.max(1000, this.held);
  }

  reset(title: string): void {
    if (title !== this.traceTitle) this.search = undefined;
    this.traceTitle = title;
    this.on = false;
    this.base = this.prelude = this.total = this.held = 0;
    this.overview = null;
    this.overviewGen++;
    this.root.hidden = true;
  }

  set(base: number, prelude: number, total: number, follow: boolean, overview: PageOverview | null): void {
    this.on = true;
    this.base = base;
    this.prelude = prelude;
    this.total = total;
    this.follow = follow;
    this.overview = overview;
    this.overviewGen++;
    this.asking = false;
    this.root.hidden = false;
  }

  /** Scrolling on against the window's first (-1) or last (1) row: a window centred on that row, which stays in view. */
  edge(dir: -1 | 1): void {
    if (!this.on || this.asking) return;
    const end = this.base + this.held;
    if (dir < 0 ? this.base === 0 : end >= this.total) return;
    const at = dir < 0 ? this.base : end - 1;
    this.pendingFocus = at;
    this.pendingSelect = false;
    const w = this.windowRows();
    this.ask(at - Math.floor(w / 2), at + Math.ceil(w / 2));
  }

  setTotal(total: number, overview: PageOverview | null): void {
    this.total = total;
    if (overview) {
      this.overview = overview;
      this.overviewGen++;
    }
  }

  /**
   * Asks the host for global rows [from, to), clamped to the run; a range reaching the end of the run as the page
   * knows it asks for everything after `from` (the host then follows the newest rows: a live run has more by now).
   */
  ask(from: number, to: number): void {
    const a = Math.max(0, Math.min(from, this.total - 1));
    const b = to >= this.total ? Number.MAX_SAFE_INTEGER : Math.max(a + 1, to);
    this.asking = true;
    this.post({ type: 'wantRange', from: a, to: b });
  }

  /** Asks the host to search the whole run for `query` ('' stops), unless that search is already running or done. */
  askSearch(query: string): void {
    if (!this.on) return;
    const q = query.trim();
    if (!q) {
      if (this.search) this.post({ type: 'wantSearch', query: '' });
      this.search = undefined;
      return;
    }
    if (this.search?.query === q) return;
    this.search = { query: q, count: 0, hits: [], scanned: 0, total: this.total, done: false };
    this.post({ type: 'wantSearch', query: q });
  }

  /** The host's `searchHits`; false when they are for another query than the one asked last. */
  gotHits(h: SearchHits): boolean {
    if (!this.search || h.query !== this.search.query) return false;
    this.search = h;
    return true;
  }

  /** The hit after (dir 1) or before (-1) the run's event `at` (wrapping around), or -1: none listed. */
  nextHit(at: number, dir: 1 | -1): number {
    const hits = this.search?.hits ?? [];
    if (!hits.length) return -1;
    // First hit > at.
    let lo = 0;
    let hi = hits.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hits[mid] <= at) lo = mid + 1;
      else hi = mid;
    }
    if (dir > 0) return hits[lo < hits.length ? lo : 0];
    // Last hit < at: before the first hit ≥ at.
    let k = lo - 1;
    if (k >= 0 && hits[k] === at) k--;
    return hits[k >= 0 ? k : hits.length - 1];
  }

  /** What the search box's count says of the whole run's search. */
  searchText(): string {
    const h = this.search;
    if (!h) return '';
    const f = (n: number) => n.toLocaleString('en-US');
    const scanning = h.done ? '' : ` so far (searching the trace file: ${f(h.scanned)} of ${f(Math.max(h.total, h.scanned))} events)`;
    // A live run goes on after its file was searched: say which part was.
    const where = h.done && h.scanned < this.total ? `in the first ${f(h.scanned)} events (searched before the newest came)` : 'in the whole run';
    if (h.done && h.count === 0) return `no match ${where}`;
    const listed = h.count > h.hits.length && h.done ? `; Enter goes through the first ${f(h.hits.length)}` : '';
    return `${f(h.count)} ${h.count === 1 ? 'match' : 'matches'} ${where}${scanning}${listed}`;
  }

  /** The run's event index of a local row (-1: a prelude declaration). */
  toGlobal(local: number): number {
    return !this.on ? local : local < this.prelude ? -1 : local - this.prelude + this.base;
  }

  /** The local row of a run's event index (-1: outside the window). */
  toLocal(global: number): number {
    if (!this.on) return global;
    const l = global - this.base + this.prelude;
    return global >= this.base && l < this.prelude + this.held ? l : -1;
  }

  /** The host wants event `global` focused: here if held, else ask for a window around it (focused when it arrives). */
  focus(global: number, focusLocal: (i: number) => void): void {
    const l = this.toLocal(global);
    if (l >= 0) {
      this.pendingFocus = -1;
      focusLocal(l);
      return;
    }
    this.pendingFocus = global;
    this.pendingSelect = true;
    const w = this.windowRows();
    this.ask(global - Math.floor(w / 2), global + Math.ceil(w / 2));
  }

  /** After new rows: the held count, the pending focus, the text and the overview. */
  update(storeLength: number, focusLocal: (i: number, select: boolean) => void, root: HTMLElement): void {
    const ds = root.dataset;
    if (!this.on) {
      if (this.drawn) {
        this.drawn = '';
        for (const k of ['paging', 'pageBase', 'pageEnd', 'pageTotal', 'pageFollow']) delete ds[k];
      }
      return;
    }
    this.held = Math.max(0, storeLength - this.prelude);
    const end = this.base + this.held;
    if (this.pendingFocus >= 0) {
      const l = this.toLocal(this.pendingFocus);
      if (l >= 0) {
        this.pendingFocus = -1;
        focusLocal(l, this.pendingSelect);
      }
    }
    const key = `${this.base}:${end}:${this.total}:${this.follow}:${this.overviewGen}`;
    if (key === this.drawn) return;
    this.drawn = key;
    ds.paging = 'on';
    ds.pageBase = String(this.base);
    ds.pageEnd = String(end);
    ds.pageTotal = String(this.total);
    ds.pageFollow = String(this.follow);
    const f = (n: number) => n.toLocaleString('en-US');
    this.text.textContent = `Paging from disk: events ${f(this.base + 1)}–${f(end)} of ${f(this.total)} in detail${this.follow ? ' (the newest)' : ''}`;
    this.earlier.disabled = this.base === 0;
    this.later.disabled = end >= this.total;
    this.newest.disabled = this.follow && end >= this.total;
    this.draw(end);
  }

  /** The run's event index at a fraction of the overview's width (through the running sum of events per bin). */
  private indexAtFraction(x: number): number {
    const o = this.overview;
    if (!o || o.bins === 0) return Math.floor(x * this.total);
    const bin = Math.max(0, Math.min(o.bins - 1, Math.floor(x * o.bins)));
    let sum = 0;
    for (let b = 0; b < bin; b++) sum += o.total[b] ?? 0;
    return Math.min(this.total - 1, sum);
  }

  private binOf(index: number): number {
    const o = this.overview;
    if (!o) return 0;
    let sum = 0;
    for (let b = 0; b < o.bins; b++) {
      sum += o.total[b] ?? 0;
      if (sum > index) return b;
    }
    return Math.max(0, o.bins - 1);
  }

  private draw(end: number): void {
    const o = this.overview;
    const c = this.canvas;
    const bins = Math.max(1, o?.bins ?? 1);
    const lanes = o?.lanes ?? [];
    const rowH = Math.max(1, Math.min(4, Math.floor(48 / Math.max(1, lanes.length))));
    c.width = bins;
    c.height = Math.max(8, lanes.length * rowH);
    c.dataset.bins = String(bins);
    c.dataset.window = `${this.base}-${end}`;
    c.setAttribute('aria-label', `Overview of the whole run: ${this.total.toLocaleString('en-US')} events; outlined: the events shown in detail`);
    const g = c.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, c.width, c.height);
    let max = 1;
    for (const l of lanes) for (const n of l.counts) if (n > max) max = n;
    lanes.forEach((l, row) => {
      l.counts.forEach((n, b) => {
        if (!n) return;
        const a = 0.25 + (0.75 * Math.log1p(n)) / Math.log1p(max);
        g.fillStyle = `rgba(80,120,200,${a.toFixed(3)})`;
        g.fillRect(b, row * rowH, 1, rowH >= 3 ? rowH - 1 : rowH);
      });
    });
    const b0 = this.binOf(this.base);
    const b1 = this.binOf(Math.max(this.base, end - 1));
    g.fillStyle = 'rgba(255,190,0,0.35)';
    g.fillRect(b0, 0, Math.max(1, b1 - b0 + 1), c.height);
  }
}
