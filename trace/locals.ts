// The `locals` lines of a trace recorded with `--locals` (protocol: LocalsEvent), kept beside the store's rows,
// never as rows: each is attached to the row before it (the switch or step where its task gave up control) and
// answers "the locals of task T at step i" = its last entry at or before row i (a binary search per lane).
// A store makes one only when a trace has such lines: a trace without them costs nothing more.

import type { LocalsEvent } from '../protocol/events';

export interface FrameLocals {
  /** The frame whose variables these are (its qualified name). */
  frame: string;
  /** [name, safe repr] in the frame's order. */
  vars: [string, string][];
  /** Variables left out by the runtime's caps. */
  more: number;
  /** The row this state was recorded after. */
  row: number;
}

/** Growable Int32 list. */
class Ints {
  a = new Int32Array(16);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

const SEP = '\u0000';

export class LocalsTable {
  /** Entries in the order read (rows never decrease): the row each follows, its lane, ts, and its text's value id. */
  private readonly rowOf = new Ints();
  private readonly laneOf = new Ints();
  private readonly textOf = new Ints();
  private ts: number[] = [];
  /** Per lane: its entries' indices, in order. */
  private readonly byLane: Ints[] = [];

  /** `put` stores a string and returns a key, `get` reads it back (the store's value arena: repeated states cost little). */
  constructor(
    private readonly put: (s: string) => number,
    private readonly get: (key: number) => string | undefined,
  ) {}

  get count(): number {
    return this.rowOf.n;
  }

  add(lane: number, row: number, ev: LocalsEvent): void {
    let text = `${ev.frame}${SEP}${ev.more ?? 0}`;
    for (const k in ev.vars) text += `${SEP}${k}${SEP}${ev.vars[k]}`;
    const e = this.rowOf.n;
    this.rowOf.push(row);
    this.laneOf.push(lane);
    this.textOf.push(this.put(text));
    this.ts.push(ev.ts);
    (this.byLane[lane] ??= new Ints()).push(e);
  }

  /** The lane's locals at row `row`: its last entry attached at or before it. */
  at(lane: number, row: number): FrameLocals | undefined {
    const l = this.byLane[lane];
    if (!l || l.n === 0) return undefined;
    const rows = this.rowOf.a;
    let lo = 0,
      hi = l.n - 1,
      found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[l.a[mid]] <= row) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : this.entry(l.a[found]);
  }

  /** Entry k (in the order read). */
  entry(k: number): FrameLocals {
    const parts = (this.get(this.textOf.a[k]) ?? '').split(SEP);
    const vars: [string, string][] = [];
    for (let j = 2; j + 1 < parts.length; j += 2) vars.push([parts[j], parts[j + 1]]);
    return { frame: parts[0], more: Number(parts[1]) || 0, vars, row: this.rowOf.a[k] };
  }

  /** The row entry k follows. */
  rowAt(k: number): number {
    return this.rowOf.a[k];
  }

  /** Entry k as the trace line it was read from (without the task id: the caller names the lane). */
  event(k: number, task: string): LocalsEvent {
    const f = this.entry(k);
    const ev: LocalsEvent = { type: 'locals', ts: this.ts[k], task, frame: f.frame, vars: Object.fromEntries(f.vars) };
    if (f.more) ev.more = f.more;
    return ev;
  }

  laneAt(k: number): number {
    return this.laneOf.a[k];
  }
}
