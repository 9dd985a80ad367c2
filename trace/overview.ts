// The overview of a whole run, small whatever its length: per lane, how many
// events touched it in each of BINS equal slices of the run's time span. It is
// built while the trace streams (the span is not known in advance: when an
// event falls past the last bin, neighbouring bins are merged in pairs and the
// bin width doubles), so a page or panel that keeps only a window of a huge
// trace can still draw where and when every lane was busy.
import { TYPE, type TraceStore } from './store';

export const OVERVIEW_BINS = 512;

/** What a page is given: per lane, event counts per bin (bin b covers [b·binNs, (b+1)·binNs) ns after the start). */
export interface OverviewData {
  binNs: number;
  /** Bins in use (the last one holding the run's end). */
  bins: number;
  /** Events per bin, all lanes together (also maps event indices to time: their running sum). */
  total: number[];
  /** The busiest lanes (at most `maxLanes`), by lane index; the others' events are still in `total`. */
  lanes: { lane: number; id: string; name: string; counts: number[] }[];
  /** Lanes left out of `lanes`. */
  more: number;
}

export class Overview {
  binNs = 1024;
  /** Highest bin used + 1. */
  bins = 0;
  readonly total = new Uint32Array(OVERVIEW_BINS);
  private readonly perLane: Uint32Array[] = [];

  /** Counts rows [from, store.length). */
  update(store: TraceStore, from: number): void {
    const n = store.length;
    for (let i = from; i < n; i++) {
      let t = store.rel(i);
      if (!(t > 0)) t = 0;
      while (t >= OVERVIEW_BINS * this.binNs) this.halve();
      const b = Math.floor(t / this.binNs);
      if (b + 1 > this.bins) this.bins = b + 1;
      this.total[b]++;
      this.add(store.a(i), b);
      if (store.typeCode(i) === TYPE.switch) {
        const to = store.b(i);
        if (to !== store.a(i)) this.add(to, b);
      }
    }
  }

  private add(lane: number, b: number): void {
    if (lane < 0) return;
    let c = this.perLane[lane];
    if (!c) {
      for (let l = this.perLane.length; l <= lane; l++) this.perLane.push(new Uint32Array(0));
      c = this.perLane[lane] = new Uint32Array(OVERVIEW_BINS);
    } else if (c.length === 0) c = this.perLane[lane] = new Uint32Array(OVERVIEW_BINS);
    c[b]++;
  }

  /** Twice as wide bins: bin k becomes bins 2k and 2k+1 merged. */
  private halve(): void {
    const merge = (a: Uint32Array) => {
      if (a.length === 0) return;
      for (let k = 0; k < OVERVIEW_BINS / 2; k++) a[k] = a[2 * k] + a[2 * k + 1];
      a.fill(0, OVERVIEW_BINS / 2);
    };
    merge(this.total);
    for (const c of this.perLane) merge(c);
    this.binNs *= 2;
    this.bins = Math.ceil(this.bins / 2);
  }

  /** Events per bin of one lane (zeros when it had none). */
  laneCounts(lane: number): Uint32Array {
    const c = this.perLane[lane];
    return c?.length ? c : new Uint32Array(OVERVIEW_BINS);
  }

  /** For a page: the `maxLanes` busiest lanes in lane order, counts as plain numbers. */
  data(store: TraceStore, maxLanes = 200): OverviewData {
    const sum = (c: Uint32Array) => {
      let s = 0;
      for (let k = 0; k < this.bins; k++) s += c[k];
      return s;
    };
    const used = this.perLane.map((c, lane) => ({ lane, n: c.length ? sum(c) : 0 })).filter((x) => x.n > 0);
    const kept = [...used]
      .sort((x, y) => y.n - x.n || x.lane - y.lane)
      .slice(0, maxLanes)
      .sort((x, y) => x.lane - y.lane);
    return {
      binNs: this.binNs,
      bins: this.bins,
      total: Array.from(this.total.subarray(0, this.bins)),
      lanes: kept.map(({ lane }) => ({
        lane,
        id: store.taskId(lane),
        name: store.tasks[lane]?.name ?? '',
        counts: Array.from(this.perLane[lane].subarray(0, this.bins)),
      })),
      more: used.length - kept.length,
    };
  }
}
