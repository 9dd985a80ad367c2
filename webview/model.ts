// The diagram's layout model over a TraceStore: which event each row shows
// (steps scale, folding, filtering), where each lane begins and ends, which
// lanes are running at any event (activation bars, with delegation depth), and
// the compressed time axis. Pure and incremental: `update()` after appends costs
// time proportional to the new events. No DOM.

import { ROWS_PER_CHUNK, TYPE, type TraceStore } from '../trace/store';
import { type Fold, findFolds, foldEnd, stepKey } from '../trace/fold';

/** A run of rows: either one row per event of [ev, evEnd), or one fold row standing for [ev, evEnd). */
export interface Segment {
  row: number;
  fold: number;
  ev: number;
  evEnd: number;
}

/** Events between activation snapshots. */
const CP = 1024;
/** Bounds of the gap threshold (ns): gaps longer than 8 × the typical step are compressed to it on the time scale. */
export const GAP_MIN_NS = 2e3;
export const GAP_MAX_NS = 5e6;
/** A blank at least this long (ns) between the main task's start and the program's first event is the start-up. */
export const STARTUP_MIN_NS = 5e6;
/** The start-up is drawn as this share of the program's own span (about 45 px at Fit: room for its words between the main task's row and the first), not to scale. */
const STARTUP_SHARE = 1 / 16;
/** Events after which the gap threshold is fixed for the trace (before, it is recomputed as events arrive). */
const GAP_SAMPLE = 256;

/**
 * A row fold: a repeated pattern (trace/fold.ts), or `shutdown`: asyncio.run's own closing of its loop (the loop run
 * again for `shutdown_asyncgens` and `shutdown_default_executor`, the `Thread-N (_do_shutdown)` thread, the executor's
 * workers ending), one range of `period` events (`count` 1), folded into one row unless shown.
 */
export interface RowFold extends Fold {
  shutdown?: true;
}

/** An event loop run (main → loop `run` … loop → main `return`) still open: whether it only ran asyncio's own machinery. */
interface OpenRun {
  start: number;
  caller: number;
  machinery: boolean;
}

export interface ModelOptions {
  maxPeriod?: number;
  minCount?: number;
}

export class DiagramModel {
  /** Pattern folds and asyncio.run shutdowns, sorted by start, never overlapping. */
  folds: RowFold[] = [];
  foldingOn = true;
  /** Show asyncio.run's shutdown machinery as rows (the toolbar's Shutdown toggle); folded into one row by default. */
  showShutdown = false;
  /** Every lane's creation and end events, in order: drawn on the Time scale even where a pixel holds many rows. */
  readonly lifeEvents: number[] = [];
  /** Lanes that live only inside a folded shutdown (`Thread-1 (_do_shutdown)`): not drawn while it is folded. */
  hiddenLanes = new Set<number>();
  /**
   * Time scale: compress gaps longer than `gapNs` (an explicit, visible option). Off by default, so a `sleep(0.3)`
   * is drawn three times as long as a `sleep(0.1)`.
   */
  compressGaps = false;
  /** Starts of folds the user expanded. */
  readonly expanded = new Set<number>();
  /** First event of each lane (its declaration or first mention); -1 until seen. */
  readonly laneStart: number[] = [];
  /** The lane's `end` event; -1 while it lives. */
  readonly laneEnd: number[] = [];
  /** The last `finish` event (-1: none yet). A multi-process trace can hold one per process; only the last ends the program. */
  lastFinish = -1;

  private segs: Segment[] = [];
  private list: Int32Array | null = null;
  private listLen = 0;
  private filter: ((i: number) => boolean) | null = null;
  private processed = 0;
  private foldScanned = 0;
  private patterns: Fold[] = [];
  private readonly shutdowns: RowFold[] = [];
  private readonly runs = new Map<number, OpenRun>();
  private readonly cps: Int8Array[] = [];
  private cur: number[] = [];
  private readonly gapAt: number[] = [];
  private readonly gapRemoved: number[] = [];
  /**
   * The start-up (Time scale): the blank between the main task's start (the interpreter's) and the program's first
   * event, at least `STARTUP_MIN_NS` — Python starting, the runtime, the imports, the module's code before any
   * task, timer or output. Its event index (the program's first event) and its real length; 0 when there is none.
   * The Time scale draws it short and marked (`startupBreak`), so the program's own events fill the view at Fit.
   */
  startupAt = 0;
  startupNs = 0;
  private readonly maxPeriod: number;
  private readonly minCount: number;

  constructor(
    readonly store: TraceStore,
    opts: ModelOptions = {},
  ) {
    this.maxPeriod = opts.maxPeriod ?? 8;
    this.minCount = opts.minCount ?? 8;
  }

  get filtered(): boolean {
    return this.filter !== null;
  }

  /** Take in the events appended since the last call. */
  update(): void {
    const s = this.store;
    const n = s.length;
    const from = this.processed;
    if (n === from) return;
    // Chunk by chunk over the store's columns (every event passes here once, as it arrives).
    const cur = this.cur,
      laneStart = this.laneStart;
    for (let i = from; i < n; ) {
      const c = s.columnsAt(i);
      const base = i - (i & (ROWS_PER_CHUNK - 1));
      const end = Math.min(n, base + ROWS_PER_CHUNK);
      const type = c.type,
        ca = c.a,
        cb = c.b,
        num = c.num;
      for (; i < end; i++) {
        const j = i - base;
        if ((i & (CP - 1)) === 0) this.cps[i / CP] = Int8Array.from(cur);
        const t = type[j];
        const a = ca[j];
        if (a >= 0 && (laneStart[a] === undefined || laneStart[a] < 0)) this.touchLane(a, i);
        if (t === TYPE.task || t === TYPE.end) this.lifeEvents.push(i);
        if (t === TYPE.switch) {
          const b = cb[j];
          if (b >= 0 && (laneStart[b] === undefined || laneStart[b] < 0)) this.touchLane(b, i);
          if (a >= 0) cur[a] = 0;
          if (b >= 0) {
            const d = num[j];
            cur[b] = 1 + (d > 0 ? Math.min(d, 100) : 0);
          }
        } else if (t === TYPE.end && a >= 0) {
          cur[a] = 0;
          this.laneEnd[a] = i;
        } else if (t === TYPE.finish) this.lastFinish = i;
      }
    }
    if (from < 2 && n >= 2) {
      const main = s.typeCode(0) === TYPE.task && s.tasks[s.a(0)]?.kind === 'main';
      const blank = s.ts(1) - s.ts(0);
      this.startupAt = main && blank >= STARTUP_MIN_NS ? 1 : 0;
      this.startupNs = this.startupAt ? blank : 0;
    }
    if (from < GAP_SAMPLE) {
      // Decide (or revise, while the trace is young) how long a gap must be to be compressed.
      const dts: number[] = [];
      for (let i = 1; i < Math.min(n, GAP_SAMPLE * 4); i++) {
        const d = s.ts(i) - s.ts(i - 1);
        if (d > 0) dts.push(d);
      }
      dts.sort((x, y) => x - y);
      const median = dts.length ? dts[dts.length >> 1] : GAP_MAX_NS;
      this.gapNs = Math.min(GAP_MAX_NS, Math.max(GAP_MIN_NS, 8 * median));
      this.gapAt.length = 0;
      this.gapRemoved.length = 0;
      this.scanGaps(1, n);
    } else this.scanGaps(from, n);
    this.scanShutdowns(from, n);
    this.processed = n;
    this.updateFolds();
    if (this.filter) {
      const f = this.filter;
      for (let i = from; i < n; i++) if (f(i)) this.pushList(i);
    }
    this.rebuildSegments();
  }

  /** Gaps longer than this (ns) are compressed to it on the time scale. */
  gapNs = GAP_MAX_NS;

  private scanGaps(from: number, to: number): void {
    const s = this.store;
    for (let i = Math.max(1, from); i < to; i++) {
      const dt = s.ts(i) - s.ts(i - 1);
      // (the start-up is drawn short on its own, compressed or not)
      if (dt > this.gapNs && i !== this.startupAt) {
        const prev = this.gapRemoved.length ? this.gapRemoved[this.gapRemoved.length - 1] : 0;
        this.gapAt.push(i);
        this.gapRemoved.push(prev + dt - this.gapNs);
      }
    }
  }

  private touchLane(lane: number, i: number): void {
    while (this.laneStart.length <= lane) {
      this.laneStart.push(-1);
      this.laneEnd.push(-1);
      this.cur.push(0);
    }
    this.laneStart[lane] = i;
  }

  private updateFolds(): void {
    const s = this.store;
    const n = s.length;
    const margin = this.maxPeriod * this.minCount;
    let scanFrom = Math.max(0, this.foldScanned - margin);
    // A loop still running: extend its fold while the new events repeat its pattern.
    const last = this.patterns[this.patterns.length - 1];
    if (last && foldEnd(last) >= scanFrom) {
      let end = foldEnd(last);
      while (end + last.period <= n) {
        let same = true;
        for (let k = 0; k < last.period && same; k++) same = stepKey(s, end + k) === stepKey(s, last.start + k);
        if (!same) break;
        last.count++;
        end += last.period;
      }
      scanFrom = Math.max(scanFrom, end);
    }
    while (this.patterns.length && this.patterns[this.patterns.length - 1].start >= scanFrom) this.patterns.pop();
    const found = findFolds(s, { from: scanFrom, to: n, maxPeriod: this.maxPeriod, minCount: this.minCount });
    for (const f of found) this.patterns.push(f);
    this.foldScanned = n;
    this.mergeFolds();
  }

  /** The row folds: shutdowns, and the patterns that do not overlap one. */
  private mergeFolds(): void {
    if (!this.shutdowns.length) {
      this.folds = this.patterns;
      return;
    }
    const sd = this.shutdowns;
    const out: RowFold[] = [];
    let k = 0;
    for (const f of this.patterns) {
      while (k < sd.length && foldEnd(sd[k]) <= f.start) out.push(sd[k++]);
      const end = foldEnd(f);
      if (sd.some((x) => x.start < end && f.start < foldEnd(x))) continue;
      out.push(f);
    }
    while (k < sd.length) out.push(sd[k++]);
    this.folds = out;
  }

  /**
   * asyncio.run's shutdown: loop runs (main → loop `run` … loop → main `return`) in which the loop steps no task
   * (only its own coroutines: shutdown_asyncgens, shutdown_default_executor) and nothing happens but threads made
   * or ending (the `_do_shutdown` thread, the default executor's workers joined). Consecutive such runs are one range.
   */
  private scanShutdowns(from: number, to: number): void {
    const s = this.store;
    const kind = (l: number) => (l >= 0 ? s.tasks[l]?.kind : undefined);
    for (let i = from; i < to; i++) {
      if (this.runs.size === 0 && s.typeCode(i) !== TYPE.switch) continue;
      const t = s.typeCode(i);
      const a = s.a(i),
        b = s.b(i);
      if (t === TYPE.switch && kind(b) === 'event-loop' && s.reason(i) === 'run') {
        this.runs.set(b, { start: i, caller: a, machinery: true });
        continue;
      }
      if (t === TYPE.switch && kind(a) === 'event-loop' && this.runs.get(a)?.caller === b && s.reason(i) === 'return') {
        const run = this.runs.get(a)!;
        this.runs.delete(a);
        if (!run.machinery) continue;
        const last = this.shutdowns[this.shutdowns.length - 1];
        if (last && foldEnd(last) === run.start) last.period = i + 1 - last.start;
        else this.shutdowns.push({ start: run.start, period: i + 1 - run.start, count: 1, shutdown: true });
        continue;
      }
      // Threads made or ending keep a run asyncio's own; anything else (a task stepped, a print, a transfer) is the program's.
      const own = (t === TYPE.task || t === TYPE.end) && kind(a) === 'thread';
      if (!own) for (const r of this.runs.values()) r.machinery = false;
    }
  }

  /** Bumped whenever rows may map to other events (appends, folds, expansion, filter): caches of row pictures key on it. */
  rowsVersion = 0;

  /** Recompute the row segments (after folds, expansion or folding changed). */
  rebuildSegments(): void {
    this.rowsVersion++;
    const n = this.store.length;
    const segs: Segment[] = [];
    let row = 0;
    let cursor = 0;
    const push = (fold: number, ev: number, evEnd: number) => {
      if (evEnd <= ev) return;
      segs.push({ row, fold, ev, evEnd });
      row += fold >= 0 ? 1 : evEnd - ev;
    };
    const hidden = new Set<number>();
    if (!this.filter) {
      for (let k = 0; k < this.folds.length; k++) {
        const f = this.folds[k];
        if (f.shutdown) {
          if (this.showShutdown || this.expanded.has(f.start)) continue;
          push(-1, cursor, f.start);
          push(k, f.start, foldEnd(f));
          cursor = foldEnd(f);
          // A lane made and ended inside it (`Thread-1 (_do_shutdown)`) is hidden with it.
          for (let i = f.start; i < cursor; i++) {
            const l = this.store.a(i);
            if (this.store.typeCode(i) === TYPE.task && l >= 0 && (this.laneEnd[l] ?? -1) >= f.start && (this.laneEnd[l] ?? -1) < cursor) hidden.add(l);
          }
          continue;
        }
        if (!this.foldingOn || f.count < 3 || this.expanded.has(f.start)) continue;
        // First repetition, one fold row for the middle, last repetition.
        push(-1, cursor, f.start + f.period);
        push(k, f.start + f.period, f.start + f.period * (f.count - 1));
        cursor = f.start + f.period * (f.count - 1);
      }
    }
    push(-1, cursor, n);
    this.segs = segs;
    this.hiddenLanes = hidden;
  }

  get rowCount(): number {
    if (this.filter) return this.listLen;
    const last = this.segs[this.segs.length - 1];
    return last ? last.row + (last.fold >= 0 ? 1 : last.evEnd - last.ev) : 0;
  }

  private segAtRow(r: number): Segment | undefined {
    const segs = this.segs;
    let lo = 0,
      hi = segs.length - 1;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (segs[m].row <= r) lo = m;
      else hi = m - 1;
    }
    return segs[lo];
  }

  /** Event shown by row r (for a fold row: the first event it stands for). */
  rowEvent(r: number): number {
    if (this.filter) return this.list![r];
    const g = this.segAtRow(r);
    if (!g) return -1;
    return g.fold >= 0 ? g.ev : g.ev + (r - g.row);
  }

  /** Fold index if row r is a fold row, else -1. */
  rowFold(r: number): number {
    if (this.filter) return -1;
    const g = this.segAtRow(r);
    return g && g.fold >= 0 ? g.fold : -1;
  }

  /** Row that shows event i (the fold row hiding it, or the first row after it when filtered out). */
  eventRow(i: number): number {
    if (this.filter) {
      const l = this.list!;
      let lo = 0,
        hi = this.listLen;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (l[m] < i) lo = m + 1;
        else hi = m;
      }
      return lo;
    }
    const segs = this.segs;
    let lo = 0,
      hi = segs.length - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (segs[m].ev <= i) lo = m;
      else hi = m - 1;
    }
    const g = segs[lo];
    return g.fold >= 0 ? g.row : g.row + Math.min(Math.max(0, i - g.ev), g.evEnd - g.ev - 1);
  }

  /** Fold containing event i (collapsed or not), or -1. */
  foldOf(i: number): number {
    const f = this.folds;
    let lo = 0,
      hi = f.length - 1;
    if (hi < 0) return -1;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (f[m].start <= i) lo = m;
      else hi = m - 1;
    }
    return f[lo].start <= i && i < foldEnd(f[lo]) ? lo : -1;
  }

  /** Make event i visible: expand its fold if it is hidden in one. */
  reveal(i: number): void {
    const r = this.eventRow(i);
    if (this.rowFold(r) >= 0) {
      this.expanded.add(this.folds[this.rowFold(r)].start);
      this.rebuildSegments();
    }
  }

  toggleFold(k: number): void {
    const f = this.folds[k];
    if (!f) return;
    if (f.shutdown && this.showShutdown) {
      // Shown by the toolbar's toggle: a click on one of its rows folds them all again.
      this.setShutdownShown(false);
      return;
    }
    if (this.expanded.has(f.start)) this.expanded.delete(f.start);
    else this.expanded.add(f.start);
    this.rebuildSegments();
  }

  /** Whether a shutdown is in the trace, and whether one is shown as rows (the toolbar toggle's state). */
  get hasShutdown(): boolean {
    return this.shutdowns.length > 0;
  }
  get shutdownShown(): boolean {
    return this.showShutdown || this.shutdowns.some((f) => this.expanded.has(f.start));
  }

  /** The toolbar's Shutdown toggle: every asyncio.run shutdown as rows, or each folded into one row. */
  setShutdownShown(on: boolean): void {
    this.showShutdown = on;
    if (!on) for (const f of this.shutdowns) this.expanded.delete(f.start);
    this.rebuildSegments();
  }

  setFolding(on: boolean): void {
    this.foldingOn = on;
    this.rebuildSegments();
  }

  /** Show only the events the predicate accepts (null: all). */
  setFilter(pred: ((i: number) => boolean) | null): void {
    this.filter = pred;
    this.list = null;
    this.listLen = 0;
    if (pred) {
      this.list = new Int32Array(1024);
      for (let i = 0; i < this.processed; i++) if (pred(i)) this.pushList(i);
    }
    this.rebuildSegments();
  }

  private pushList(i: number): void {
    if (this.listLen === this.list!.length) {
      const l = new Int32Array(this.list!.length * 2);
      l.set(this.list!);
      this.list = l;
    }
    this.list![this.listLen++] = i;
  }

  // Activation: per lane, 0 when not running, else 1 + delegation depth.

  /** Lane states after event i (a fresh array you may advance). */
  stateAfter(i: number): number[] {
    const k = Math.floor(Math.max(0, i) / CP);
    const cp = this.cps[k];
    const st = Array.from(cp ?? []);
    this.advance(st, k * CP - 1, i);
    return st;
  }

  /** Apply events (from, to] to a lane-state array. */
  advance(st: number[], from: number, to: number): void {
    // Chunk by chunk over the store's columns: at Fit on the Time scale the rows drawn are a few hundred events
    // apart, so a redraw walks every event of the trace here.
    const s = this.store;
    const SWITCH = TYPE.switch,
      END = TYPE.end;
    for (let i = from + 1; i <= to; ) {
      const c = s.columnsAt(i);
      const base = i - (i & (ROWS_PER_CHUNK - 1));
      const last = Math.min(to, base + ROWS_PER_CHUNK - 1) - base;
      const type = c.type,
        ca = c.a,
        cb = c.b,
        num = c.num;
      for (let j = i - base; j <= last; j++) {
        const t = type[j];
        if (t === SWITCH) {
          const a = ca[j],
            b = cb[j];
          if (a >= 0) st[a] = 0;
          if (b >= 0) {
            const d = num[j];
            st[b] = 1 + (d > 0 ? Math.min(d, 100) : 0);
          }
        } else if (t === END) {
          const a = ca[j];
          if (a >= 0) st[a] = 0;
        }
      }
      i = base + last + 1;
    }
  }

  /** Activation states for a sequence of increasing events: jumps via snapshots when far apart. */
  statesAlong(events: ArrayLike<number>, each: (k: number, st: number[]) => void): void {
    let st: number[] | null = null;
    let at = -1;
    for (let k = 0; k < events.length; k++) {
      const e = events[k];
      if (st === null || e < at) st = this.stateAfter(e);
      else if (e - at > CP) {
        // Rows far apart (zoomed far out): a pixel stands for thousands of events, so the
        // nearest snapshot is as exact as the picture can show, and costs nothing.
        const cp = this.cps[Math.floor(e / CP)];
        st = cp ? Array.from(cp) : this.stateAfter(e);
      } else this.advance(st, at, e);
      at = e;
      each(k, st);
    }
  }

  // Time scale: ns since start (proportional), or with long gaps compressed to gapNs when compressGaps is on.

  /** Compressed time of event i. */
  ctime(i: number): number {
    const t = this.startupAt && i >= this.startupAt ? this.store.rel(i) - this.startupNs + this.startupKept() : this.store.rel(i);
    if (!this.compressGaps) return t;
    const g = this.gapAt;
    let lo = 0,
      hi = g.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (g[m] <= i) lo = m + 1;
      else hi = m;
    }
    return t - (lo > 0 ? this.gapRemoved[lo - 1] : 0);
  }

  /** How long (ns, on the Time scale) the start-up is drawn: a share of the program's own span as drawn. */
  private startupKept(): number {
    const s = this.store;
    let span = s.length > this.startupAt ? s.ts(s.length - 1) - s.ts(this.startupAt) : 0;
    if (this.compressGaps && this.gapRemoved.length) span -= this.gapRemoved[this.gapRemoved.length - 1];
    return Math.min(this.startupNs, Math.max(this.gapNs, span * STARTUP_SHARE));
  }

  /** The start-up's break when it lies between events e0 and e1: [the program's first event, its real length ns]. */
  startupBreak(e0: number, e1: number): [number, number] | null {
    return this.startupAt && e0 <= this.startupAt && this.startupAt <= e1 ? [this.startupAt, this.startupNs] : null;
  }

  /** Compressed time of row r. */
  rowTime(r: number): number {
    return this.ctime(Math.max(0, this.rowEvent(r)));
  }

  /** First row whose time is ≥ t; `from`: a row every row before which is known to be earlier than t. */
  rowAtTime(t: number, from = 0): number {
    let lo = from,
      hi = this.rowCount;
    // From a known row, gallop (from+1, from+3, from+7…) before halving: a caller walking down the rows (the Time
    // scale's rows a pixel apart at Fit, ~600 events apart on 1M) finds the next near the last, and the probes stay
    // near it in memory (halving over the whole range was cache misses into the store's time column: ~3 ms a frame).
    if (from > 0)
      for (let step = 1; ; step *= 2) {
        const p = lo + step - 1;
        if (p >= hi) break;
        if (this.rowTime(p) < t) lo = p + 1;
        else {
          hi = p;
          break;
        }
      }
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (this.rowTime(m) < t) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** Gaps compressed before event i (index into gap list, for labelling): [event, real gap ns]. */
  gapsBetween(e0: number, e1: number): [number, number][] {
    const out: [number, number][] = [];
    if (!this.compressGaps) return out;
    const g = this.gapAt;
    let lo = 0,
      hi = g.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (g[m] < e0) lo = m + 1;
      else hi = m;
    }
    for (let k = lo; k < g.length && g[k] <= e1; k++) {
      const removed = this.gapRemoved[k] - (k > 0 ? this.gapRemoved[k - 1] : 0);
      out.push([g[k], removed + this.gapNs]);
    }
    return out;
  }

  get totalTime(): number {
    return this.store.length ? this.ctime(this.store.length - 1) : 0;
  }
}
