// Replay: what every task is doing at one step of a trace, as a debugger would
// show it — its state, where it is paused (or runs), what it waits on and what
// will wake it, the last values it received and sent, its await/yield-from
// chain and its creator. Pure over a TraceStore, incremental (`update()` takes
// in appended events) and fast at any step of a big trace:
//
// - each lane keeps the indices of the events that concern it (an Int32 list:
//   about two entries per event);
// - every K-th entry of that list carries a checkpoint: the lane's state before
//   it (a few event indices and flags, `R` Int32s);
// - the state after step i is the checkpoint before the lane's last entry ≤ i
//   (binary search) plus a forward scan of < K entries; a lane whose last entry
//   is ≤ i reads its live state directly.
// A step therefore costs O(lanes × (log n + K)), whatever the trace's length.

import type { TaskKind } from '../protocol/events';
import type { FrameLocals } from './locals';
import { TYPE, type TraceStore } from './store';

export const TASK_STATES = ['not-started', 'running', 'suspended', 'blocked', 'done'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** What a blocked task waits on, and (the run's future is known) what woke it. */
export interface Wait {
  on: string;
  detail?: string;
  /** The `wake` that ended this block, after the step (absent: it never woke in the trace). */
  cause?: string;
  by?: string;
  byName?: string;
  byFile?: string;
  byLine?: number;
}

export interface TaskAtStep {
  lane: number;
  id: string;
  name: string;
  kind: TaskKind;
  state: TaskState;
  /** The id of the task whose OS thread this one runs in (main, a thread or a process lane). */
  thread: string;
  /** running: the line it runs; suspended/blocked: where it is paused; done: where it ended (when known). */
  file?: string;
  line?: number;
  /** blocked: what on. */
  waits?: Wait;
  /** suspended (not blocked): how it gave control away (`yield`, `switch`, `sleep`…) and to whom. */
  paused?: { reason: string; to: string };
  /** Last value that came into it (sent, switched with, an awaited result, a received item) and that it gave out. */
  received?: string;
  sent?: string;
  /** Innermost first: delegated frames (`yield from`/`await`) and, last, the task's own code. */
  chain: string[];
  creator?: { id: string; name: string; file?: string; line?: number; firstRun: boolean };
  /** done: the end's outcome and value (`unfinished` when the program ended with it still alive). */
  outcome?: string;
  value?: string;
  /** The task's latest event at or before the step (-1: none). */
  event: number;
  /** Its frame's local variables at its last switch at or before the step (traces recorded with `--locals`). */
  locals?: FrameLocals;
}

/** Entries between checkpoints. */
const K = 32;
// State record fields.
const FLAGS = 0,
  POS = 1,
  BLOCK = 2,
  RECV = 3,
  SENT = 4,
  DEPTH = 5,
  WAKE = 6,
  END = 7,
  OUT = 8,
  R = 9;
const STARTED = 1,
  HOLDS = 2,
  DONE = 4;
/** Kinds that are an OS thread of their own: they run from their declaration, without a switch into them. */
const ROOT_KINDS = new Set<string>(['main', 'thread', 'process']);
/** Switch reasons by which the `from` lane gives up control from inside delegation: `depth`/`frame` describe it. */
const FROM_SIDE = new Set<string>(['yield', 'return', 'raise']);

class Lane {
  ev = new Int32Array(16);
  len = 0;
  /** Checkpoint j: the state before entry j × K. */
  cps = new Int32Array(R * 2);
  cur = Int32Array.from({ length: R }, (_, k) => (k === FLAGS ? 0 : -1));
}

export class ReplayIndex {
  private readonly lanes: Lane[] = [];
  /** Lane → the lane of the OS thread it runs in (-1 unknown yet). */
  private readonly root: number[] = [];
  private processed = 0;
  /** The last `finish` (-1 none): after the program's end every task is done. */
  private lastFinish = -1;
  /** Per interned reason id: 1 when `depth`/`frame` describe the switch's `from` lane, 2 when its `to` (0: not looked up yet). */
  private side = new Int8Array(64);

  constructor(readonly store: TraceStore) {}

  /** Take in the events appended since the last call. */
  update(): void {
    const s = this.store;
    const n = s.length;
    for (let i = this.processed; i < n; i++) {
      const t = s.typeCode(i);
      if (t === TYPE.finish) {
        this.lastFinish = i;
        continue;
      }
      if (t === TYPE.mark) continue;
      const a = s.a(i);
      if (a >= 0) this.add(a, i);
      if (t === TYPE.switch) {
        const b = s.b(i);
        if (b >= 0 && b !== a) this.add(b, i);
        if (b >= 0 && a >= 0 && this.rootOf(b) < 0) this.root[b] = this.rootOf(a) >= 0 ? this.rootOf(a) : a;
      } else if (t === TYPE.task && a >= 0 && ROOT_KINDS.has(s.reason(i))) this.root[a] = a;
    }
    this.processed = n;
  }

  private rootOf(lane: number): number {
    return this.root[lane] ?? -1;
  }

  private add(lane: number, i: number): void {
    let l = this.lanes[lane];
    if (!l) {
      while (this.lanes.length <= lane) this.lanes.push(undefined as unknown as Lane);
      l = this.lanes[lane] = new Lane();
    }
    const q = l.len;
    if (q === l.ev.length) {
      const e = new Int32Array(q * 2);
      e.set(l.ev);
      l.ev = e;
    }
    if (q % K === 0) {
      const j = q / K;
      if ((j + 1) * R > l.cps.length) {
        const c = new Int32Array(l.cps.length * 2);
        c.set(l.cps);
        l.cps = c;
      }
      l.cps.set(l.cur, j * R);
    }
    l.ev[q] = i;
    l.len = q + 1;
    this.apply(l.cur, lane, i);
  }

  /** One event's effect on a lane's state record. */
  private apply(st: Int32Array, lane: number, i: number): void {
    const s = this.store;
    switch (s.typeCode(i)) {
      case TYPE.task:
        if (ROOT_KINDS.has(s.reason(i)) && !(st[FLAGS] & STARTED)) st[FLAGS] |= STARTED | HOLDS;
        break;
      case TYPE.switch: {
        const a = s.a(i),
          b = s.b(i);
        if (a === b) break;
        const fromSide = this.isFromSide(s.reasonId(i));
        if (b === lane) {
          st[FLAGS] |= STARTED | HOLDS;
          st[BLOCK] = -1; // running: whatever it waited on is over (older traces may lack the wake)
          if (s.toLine(i) > 0) st[POS] = 2 * i + 1;
          if (s.valueId(i) !== -1) st[RECV] = i;
          if (!fromSide) st[DEPTH] = s.num(i) > 0 ? i : -1;
        } else {
          st[FLAGS] &= ~HOLDS;
          st[OUT] = i;
          if (s.siteId(i) >= 0) st[POS] = 2 * i;
          if (s.valueId(i) !== -1) st[SENT] = i;
          if (fromSide) st[DEPTH] = s.num(i) > 0 ? i : -1;
        }
        break;
      }
      case TYPE.end:
        st[FLAGS] = (st[FLAGS] | DONE) & ~HOLDS;
        st[END] = i;
        if (s.siteId(i) >= 0) st[POS] = 2 * i;
        break;
      case TYPE.block:
        st[BLOCK] = i;
        if (s.siteId(i) >= 0) st[POS] = 2 * i;
        break;
      case TYPE.wake:
        st[BLOCK] = -1;
        st[WAKE] = i;
        break;
      case TYPE.send:
        if (s.valueId(i) !== -1) st[SENT] = i;
        if (s.siteId(i) >= 0) st[POS] = 2 * i;
        break;
      case TYPE.recv:
        if (s.valueId(i) !== -1) st[RECV] = i;
        if (s.siteId(i) >= 0) st[POS] = 2 * i;
        break;
      case TYPE.output:
        if (s.siteId(i) >= 0) st[POS] = 2 * i;
        break;
      default:
        break;
    }
  }

  private isFromSide(rid: number): boolean {
    if (rid < 0) return false;
    if (rid >= this.side.length) {
      const x = new Int8Array(Math.max(rid + 1, this.side.length * 2));
      x.set(this.side);
      this.side = x;
    }
    if (this.side[rid] === 0) this.side[rid] = FROM_SIDE.has(this.store.string(rid)) ? 1 : 2;
    return this.side[rid] === 1;
  }

  /** Index of the lane's last entry whose event is ≤ i (-1: none). */
  private entryAt(l: Lane, i: number): number {
    let lo = 0,
      hi = l.len - 1;
    if (hi < 0 || l.ev[0] > i) return -1;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (l.ev[m] <= i) lo = m;
      else hi = m - 1;
    }
    return lo;
  }

  /** The lane's state record after event i, or null if the lane has no event yet. `out` is reused. */
  private stateAt(lane: number, i: number, out: Int32Array): { l: Lane; p: number } | null {
    const l = this.lanes[lane];
    if (!l) return null;
    const p = this.entryAt(l, i);
    if (p < 0) return null;
    if (p === l.len - 1) {
      out.set(l.cur);
      return { l, p };
    }
    const j = Math.floor(p / K);
    out.set(l.cps.subarray(j * R, j * R + R));
    for (let q = j * K; q <= p; q++) this.apply(out, lane, l.ev[q]);
    return { l, p };
  }

  /** Every task that exists after event i (declared or named by then), in lane order. */
  tasksAt(i: number, names?: (lane: number) => string): TaskAtStep[] {
    const s = this.store;
    const out: TaskAtStep[] = [];
    const st = new Int32Array(R);
    const ended = this.lastFinish >= 0 && i >= this.lastFinish;
    const nameOf = names ?? ((lane: number) => s.tasks[lane]?.name ?? s.taskId(lane));
    for (let lane = 0; lane < this.lanes.length; lane++) {
      const at = this.stateAt(lane, i, st);
      if (!at) continue;
      const decl = s.tasks[lane];
      const flags = st[FLAGS];
      const state: TaskState =
        flags & DONE || ended ? 'done' : st[BLOCK] >= 0 ? 'blocked' : !(flags & STARTED) ? 'not-started' : flags & HOLDS ? 'running' : 'suspended';
      const root = this.threadOf(lane);
      const t: TaskAtStep = {
        lane,
        id: s.taskId(lane),
        name: nameOf(lane),
        kind: decl?.kind ?? 'main',
        state,
        thread: s.taskId(root),
        chain: [],
        event: at.l.ev[at.p],
      };
      if (state !== 'not-started') this.place(t, lane, st[POS]);
      if (state === 'blocked') t.waits = this.waitOf(at.l, at.p, lane, st[BLOCK], nameOf);
      if (state === 'suspended' && st[OUT] >= 0) t.paused = { reason: s.reason(st[OUT]), to: nameOf(s.b(st[OUT])) };
      if (st[RECV] >= 0) t.received = s.value(st[RECV]);
      if (st[SENT] >= 0) t.sent = s.value(st[SENT]);
      if (state === 'done') {
        if (st[END] >= 0) {
          t.outcome = s.reason(st[END]);
          t.value = s.value(st[END]);
        } else t.outcome = 'unfinished';
      } else if (state !== 'not-started') t.chain = this.chainOf(at.l, at.p, lane, st[DEPTH]);
      const loc = s.locals?.at(lane, i);
      if (loc) t.locals = loc;
      if (decl?.parent) {
        const pl = s.laneOf(decl.parent);
        t.creator = {
          id: decl.parent,
          name: pl === undefined ? decl.parent : nameOf(pl),
          file: decl.file,
          line: decl.line,
          firstRun: decl.site === 'first-run',
        };
      }
      out.push(t);
    }
    return out;
  }

  /** The lane of the OS thread a lane runs in: learnt from who first switched into it, else its loop's or creator's. */
  threadOf(lane: number): number {
    const s = this.store;
    let l = lane;
    for (let hop = 0; hop < 64; hop++) {
      const r = this.rootOf(l);
      if (r >= 0) return r;
      const d = s.tasks[l];
      const next = d?.loop !== undefined ? s.laneOf(d.loop) : d?.parent ? s.laneOf(d.parent) : undefined;
      if (next === undefined || next === l) return l;
      l = next;
    }
    return l;
  }

  private place(t: TaskAtStep, lane: number, pos: number): void {
    const s = this.store;
    const decl = s.tasks[lane];
    if (pos < 0) {
      // Not seen anywhere yet: it is at the start of its code.
      if (decl?.codeLine) {
        t.file = decl.codeFile;
        t.line = decl.codeLine;
      }
      return;
    }
    const e = pos >> 1;
    const to = (pos & 1) === 1;
    const line = to ? s.toLine(e) : s.line(e);
    const file = (to ? s.toFile(e) : s.file(e)) ?? decl?.codeFile;
    if (line > 0) {
      t.line = line;
      t.file = file;
    }
  }

  private waitOf(l: Lane, p: number, lane: number, block: number, nameOf: (lane: number) => string): Wait {
    const s = this.store;
    const w: Wait = { on: s.reason(block) };
    const d = s.value(block);
    if (d !== undefined) w.detail = d;
    // The wake that ends this block comes later in the lane's list (a blocked task does little else meanwhile).
    for (let q = p + 1; q < l.len && q <= p + 4 * K; q++) {
      const e = l.ev[q];
      const ty = s.typeCode(e);
      if (ty === TYPE.wake) {
        const x = s.extra(e) ?? {};
        if (typeof x.cause === 'string') w.cause = x.cause;
        if (typeof x.by === 'string') {
          w.by = x.by;
          const bl = s.laneOf(x.by);
          w.byName = bl === undefined ? x.by : nameOf(bl);
        }
        if (typeof x.byFile === 'string') w.byFile = x.byFile;
        if (typeof x.byLine === 'number') w.byLine = x.byLine;
        break;
      }
      if (ty === TYPE.switch && s.b(e) === lane) break;
      if (ty === TYPE.end) break;
    }
    return w;
  }

  /** Innermost first: the frame at the switch's depth, the frames seen at lower depths shortly before, the task's own code. */
  private chainOf(l: Lane, p: number, lane: number, depthEv: number): string[] {
    const s = this.store;
    const own = s.tasks[lane]?.name ?? s.taskId(lane);
    if (depthEv < 0) return [own];
    const d = Math.min(64, s.num(depthEv));
    const frames: (string | undefined)[] = new Array(d);
    frames[d - 1] = s.frame(depthEv);
    let missing = d - 1;
    for (let q = p; q >= 0 && q > p - 4 * K && missing > 0; q--) {
      const e = l.ev[q];
      if (s.typeCode(e) !== TYPE.switch) continue;
      const fromSide = this.isFromSide(s.reasonId(e));
      if ((fromSide ? s.a(e) : s.b(e)) !== lane) continue;
      const k = s.num(e);
      if (k > 0 && k < d && frames[k - 1] === undefined) {
        frames[k - 1] = s.frame(e);
        missing--;
      }
    }
    const chain: string[] = [];
    for (let k = d - 1; k >= 0; k--) chain.push(frames[k] ?? '…');
    chain.push(own);
    return chain;
  }

  /** The lane's event nearest to i (ties: the earlier), or -1. */
  nearestEvent(lane: number, i: number): number {
    const l = this.lanes[lane];
    if (!l || l.len === 0) return -1;
    const p = this.entryAt(l, i);
    if (p < 0) return l.ev[0];
    if (p === l.len - 1) return l.ev[p];
    return i - l.ev[p] <= l.ev[p + 1] - i ? l.ev[p] : l.ev[p + 1];
  }

  /** The lane's next (dir 1) or previous (dir -1) switch strictly after / before event i, or -1. */
  switchOf(lane: number, i: number, dir: 1 | -1): number {
    const l = this.lanes[lane];
    if (!l) return -1;
    const s = this.store;
    let p = this.entryAt(l, i);
    if (dir > 0) {
      for (p = p + 1; p < l.len; p++) if (s.typeCode(l.ev[p]) === TYPE.switch) return l.ev[p];
    } else {
      if (p >= 0 && l.ev[p] === i) p--;
      for (; p >= 0; p--) if (s.typeCode(l.ev[p]) === TYPE.switch) return l.ev[p];
    }
    return -1;
  }
}

/** A one-line summary a learner reads beside the paused line: `⏸ consumer — waiting at yield, last got 2`. */
export function stepNote(t: TaskAtStep): string {
  const got = t.received !== undefined ? `, last got ${t.received}` : '';
  switch (t.state) {
    case 'running':
      return `▶ ${t.name} — running${got}`;
    case 'blocked': {
      const w = t.waits!;
      const what = w.detail ? `${w.on} ${w.detail}` : w.on;
      const wake = w.cause ? `, woken by ${w.cause}${w.byName ? ` from ${w.byName}` : ''}` : '';
      return `⏸ ${t.name} — blocked on ${what}${wake}${got}`;
    }
    case 'suspended': {
      const how = !t.paused ? 'paused' : t.paused.reason === 'yield' ? 'waiting at yield' : `waiting for ${t.paused.to} (${t.paused.reason})`;
      return `⏸ ${t.name} — ${how}${got}`;
    }
    case 'not-started':
      return `${t.name} — not started`;
    case 'done':
      return `✓ ${t.name} — done${t.outcome ? ` (${t.outcome}${t.value !== undefined ? ` ${t.value}` : ''})` : ''}`;
    default:
      return t.state satisfies never;
  }
}
