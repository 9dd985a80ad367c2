// Per-line statistics for the yield-point lens, computed from the columnar
// store in one pass, or incrementally while a run streams (StatsBuilder): what happened at each line where a task gave up control,
// a lane summary per code site, and the runtime's marks with a line.
// Pure TypeScript: no Node, no vscode.
import type { DefinitionStats, FileStats, LineMark, ResumeSite, StatsParams, YieldPointStats } from '../protocol/lsp';
import { TYPE, type TraceStore } from './store';

const MAX_SPANS = 64;
/** Switch reasons after which the `from` task is finished, not suspended. */
const ENDING = new Set(['return', 'raise']);
/**
 * Reasons that may be a task's last move rather than a suspension (a closed
 * generator's exit switch carries `close`): if the task ends before anything
 * resumes it, that switch is not counted as a suspension.
 */
const MAYBE_FINAL = new Set(['close', 'kill', 'throw', 'exit']);
/**
 * Resuming lanes that are plain code rather than a coroutine object: the lens
 * names such a resumer by the function enclosing its resume site (`produce`),
 * not by the lane (`main`). Their resume sites go out as `resumedFrom`.
 */
const SITE_RESUMER_KINDS = new Set(['main', 'thread', 'process']);
/** At most this many resume sites per yield point. */
const MAX_RESUME_SITES = 16;
/** Lanes that stand for the runtime's machinery, not a def in the user's code. */
const NO_DEF_KINDS = new Set(['main', 'event-loop', 'hub', 'process']);

interface YieldAcc {
  fileId: number; line: number;
  suspends: number; resumes: number; suspendedNs: number; longestNs: number;
  /** Resuming lane (-1: unknown) → count; names are looked up at snapshot time (a lane may be renamed later). */
  resumedBy: Map<number, number>;
  /** Resuming lane → resume site (fileId·2³² + line) → count: where the resumer gave up control. */
  resumedFrom: Map<number, Map<number, number>>;
  reasons: Map<string, number>;
  lastSent?: string; lastYielded?: string; firstEvent: number;
  /** Flat [start, end, start, end, …], absolute ns. */
  spans: number[];
}

interface MarkAcc {
  fileId: number; line: number; kind: string; firstEvent: number; count: number;
  /** The longest occurrence so far (the first one until one has a larger finite ms). */
  ms: number; shownMs: number; lane: number; value: string | undefined;
}

interface DefAcc { fileId: number; file: string; line: number; lanes: number[]; firstEvent: number }

const inc = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);
const byCount = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);

/** At most MAX_SPANS spans: consecutive spans are merged into equal groups. */
function compactSpans(flat: number[], t0: number): [number, number][] {
  const n = flat.length / 2;
  const out: [number, number][] = [];
  if (n <= MAX_SPANS) { for (let i = 0; i < n; i++) out.push([flat[2 * i] - t0, flat[2 * i + 1] - t0]); return out; }
  for (let g = 0; g < MAX_SPANS; g++) {
    const a = Math.floor((g * n) / MAX_SPANS), b = Math.floor(((g + 1) * n) / MAX_SPANS) - 1;
    if (b >= a) out.push([flat[2 * a] - t0, flat[2 * b + 1] - t0]);
  }
  return out;
}

function outcomeText(outcome: string, value: string | undefined): string {
  switch (outcome) {
    case 'return': return value === undefined ? 'returned' : `returned ${value}`;
    case 'exception': return value === undefined ? 'raised' : `raised ${value}`;
    case 'cancelled': return 'cancelled';
    case 'killed': return value === 'GeneratorExit' ? 'closed' : 'killed';
    case 'exit': return value === undefined ? 'exited' : `exited ${value}`;
    default: return value === undefined ? outcome : `${outcome} ${value}`;
  }
}

const siteKey = (fileId: number, line: number) => fileId * 4294967296 + line;

/**
 * Per-line stats built incrementally over one growing TraceStore: `update`
 * consumes only the events appended since its last call, `snapshot` turns the
 * accumulators into StatsParams. Anything that depends on a lane's final
 * name or kind (a task may be re-declared later) is looked up at snapshot
 * time, so the result equals one pass over the whole store
 * (`computeStats`), however the events arrived.
 */
export class StatsBuilder {
  private store: TraceStore | undefined;
  private next = 0;
  private lastTs = -Infinity;
  // Per lane: where it last suspended (accumulator, time, reason, the value yielded before).
  private readonly pendingAcc: (YieldAcc | undefined)[] = [];
  private readonly pendingAt: number[] = [];
  private readonly pendingReason: string[] = [];
  private readonly pendingPrevYielded: (string | undefined)[] = [];
  private readonly laneSwitches: number[] = [];
  private readonly laneEnd: (string | undefined)[] = [];
  private readonly laneTaskEvent: number[] = [];
  private readonly yields = new Map<number, YieldAcc>();
  private readonly marks = new Map<string, MarkAcc>();

  /** Events consumed so far. */
  get consumed(): number { return this.next; }

  /** Consume the events appended to `store` since the last call (a different or shorter store starts over). */
  update(store: TraceStore): this {
    if (store !== this.store || store.length < this.next) this.reset(store);
    const n = store.length;
    const { pendingAcc, pendingAt, pendingReason, pendingPrevYielded, laneSwitches, laneEnd, laneTaskEvent, yields, marks } = this;
    let lastTs = this.lastTs;
    for (let i = this.next; i < n; i++) {
      const type = store.typeCode(i);
      const ts = store.ts(i);
      if (ts > lastTs) lastTs = ts;
      if (type === TYPE.switch) {
        const from = store.a(i), to = store.b(i);
        if (from >= 0) laneSwitches[from] = (laneSwitches[from] ?? 0) + 1;
        if (to >= 0 && to !== from) laneSwitches[to] = (laneSwitches[to] ?? 0) + 1;
        const fileId = store.fileId(i), line = store.line(i);
        // The task switched into resumes from wherever it last suspended.
        if (to >= 0) {
          const acc = pendingAcc[to];
          if (acc) {
            const at = pendingAt[to];
            const d = Math.max(0, ts - at);
            acc.resumes++;
            acc.suspendedNs += d;
            if (d > acc.longestNs) acc.longestNs = d;
            const by = from >= 0 ? from : -1;
            inc(acc.resumedBy, by);
            if (by >= 0 && fileId >= 0 && line > 0) {
              let sites = acc.resumedFrom.get(by);
              if (!sites) { sites = new Map(); acc.resumedFrom.set(by, sites); }
              inc(sites, siteKey(fileId, line));
            }
            const v = store.value(i);
            if (v !== undefined) acc.lastSent = v;
            acc.spans.push(at, ts);
            pendingAcc[to] = undefined;
          }
        }
        if (from < 0) continue;
        const reason = store.reason(i);
        if (ENDING.has(reason) || fileId < 0 || line <= 0) { pendingAcc[from] = undefined; continue; }
        const k = siteKey(fileId, line);
        let acc = yields.get(k);
        if (!acc) {
          acc = { fileId, line, suspends: 0, resumes: 0, suspendedNs: 0, longestNs: 0, resumedBy: new Map(), resumedFrom: new Map(),
            reasons: new Map(), firstEvent: i, spans: [] };
          yields.set(k, acc);
        }
        acc.suspends++;
        inc(acc.reasons, reason);
        const v = store.value(i);
        pendingPrevYielded[from] = acc.lastYielded;
        if (v !== undefined) acc.lastYielded = v;
        pendingAcc[from] = acc;
        pendingAt[from] = ts;
        pendingReason[from] = reason;
      } else if (type === TYPE.task) {
        const lane = store.a(i);
        if (lane >= 0 && laneTaskEvent[lane] === undefined) laneTaskEvent[lane] = i;
      } else if (type === TYPE.end) {
        const lane = store.a(i);
        if (lane >= 0) {
          laneEnd[lane] = outcomeText(store.reason(i), store.value(i));
          const acc = pendingAcc[lane];
          if (acc && MAYBE_FINAL.has(pendingReason[lane])) {
            acc.suspends--;
            const r = pendingReason[lane];
            const left = (acc.reasons.get(r) ?? 1) - 1;
            if (left > 0) acc.reasons.set(r, left); else acc.reasons.delete(r);
            acc.lastYielded = pendingPrevYielded[lane];
          }
          pendingAcc[lane] = undefined;
        }
      } else if (type === TYPE.mark) {
        const fileId = store.fileId(i), line = store.line(i);
        if (fileId < 0 || line <= 0) continue;
        const kind = store.reason(i);
        const ms = store.num(i);
        const mk = `${fileId}:${line}:${kind}`;
        const prev = marks.get(mk);
        if (!prev) {
          marks.set(mk, { fileId, line, kind, firstEvent: i, count: 1, ms: Number.isFinite(ms) ? ms : 0, shownMs: ms, lane: store.a(i), value: store.value(i) });
        } else {
          prev.count++;
          if (Number.isFinite(ms) && ms > prev.ms) { prev.ms = ms; prev.shownMs = ms; prev.lane = store.a(i); prev.value = store.value(i); }
        }
      }
    }
    this.lastTs = lastTs;
    this.next = n;
    return this;
  }

  private reset(store: TraceStore): void {
    this.store = store;
    this.next = 0;
    this.lastTs = -Infinity;
    for (const a of [this.pendingAcc, this.pendingAt, this.pendingReason, this.pendingPrevYielded, this.laneSwitches, this.laneEnd, this.laneTaskEvent]) a.length = 0;
    this.yields.clear();
    this.marks.clear();
  }

  /** StatsParams for everything consumed so far. Does not change the accumulators. */
  snapshot(runId: string, live: boolean): StatsParams {
    const store = this.store;
    if (!store) return { runId, live, files: [] };
    const t0 = store.startTs;
    const tasks = store.tasks;
    const laneName = (lane: number) => (lane >= 0 && lane < tasks.length ? tasks[lane].name : '?');
    const hub = tasks.some((t) => t.kind === 'hub');

    // Definitions: one summary per code site (or creation site), over all lanes that ran it.
    const defs = new Map<number, DefAcc>();
    const fileIds = new Map<string, number>();
    const fileIdOf = (f: string) => { let id = fileIds.get(f); if (id === undefined) { id = -2 - fileIds.size; fileIds.set(f, id); } return id; };
    tasks.forEach((t, lane) => {
      if (NO_DEF_KINDS.has(t.kind)) return;
      const file = t.codeFile ?? t.file, line = t.codeLine ?? t.line;
      if (!file || !line || line <= 0) return;
      const fid = fileIdOf(file);
      const k = siteKey(-fid, line);
      const acc = defs.get(k);
      const first = this.laneTaskEvent[lane] ?? 0;
      if (acc) { acc.lanes.push(lane); acc.firstEvent = Math.min(acc.firstEvent, first); }
      else defs.set(k, { fileId: fid, file, line, lanes: [lane], firstEvent: first });
    });

    const files = new Map<string, FileStats>();
    const fileOf = (name: string): FileStats => {
      let f = files.get(name);
      if (!f) { f = { file: name, yields: [], defs: [], marks: [] }; files.set(name, f); }
      return f;
    };
    for (const a of this.yields.values()) {
      if (a.suspends <= 0) continue;
      const by = new Map<string, number>();
      for (const [lane, c] of a.resumedBy) { const name = laneName(lane); by.set(name, (by.get(name) ?? 0) + c); }
      const y: YieldPointStats = {
        line: a.line, suspends: a.suspends, resumes: a.resumes, suspendedNs: a.suspendedNs, longestNs: a.longestNs,
        resumedBy: byCount(by), reasons: byCount(a.reasons), firstEvent: a.firstEvent, spans: compactSpans(a.spans, t0),
      };
      if (a.lastSent !== undefined) y.lastSent = a.lastSent;
      if (a.lastYielded !== undefined) y.lastYielded = a.lastYielded;
      const from = resumeSites(a, store);
      if (from.length) y.resumedFrom = from;
      fileOf(store.string(a.fileId)).yields.push(y);
    }
    for (const d of defs.values()) {
      const first = tasks[d.lanes[0]];
      const outcomes = new Map<string, number>();
      let switches = 0;
      for (const lane of d.lanes) {
        switches += this.laneSwitches[lane] ?? 0;
        const o = this.laneEnd[lane];
        if (o !== undefined) inc(outcomes, o);
      }
      const ds: DefinitionStats = {
        line: d.line, name: first.name, kind: first.kind, tasks: d.lanes.length, switches,
        outcomes: byCount(outcomes).map((o) => (outcomes.get(o)! > 1 ? `${outcomes.get(o)}× ${o}` : o)), firstEvent: d.firstEvent,
      };
      fileOf(d.file).defs.push(ds);
    }
    for (const m of this.marks.values()) {
      const who = m.lane >= 0 ? laneName(m.lane) : '';
      const message = m.kind === 'loop-blocked' && Number.isFinite(m.shownMs)
        ? `${who ? who + ' ' : ''}blocked the ${hub ? 'gevent hub' : 'event loop'} for ${Math.round(m.shownMs)} ms`
        : m.value ?? m.kind;
      const mark: LineMark = { line: m.line, kind: m.kind, message: m.count > 1 ? `${message} (${m.count} times; longest shown)` : message, firstEvent: m.firstEvent };
      fileOf(store.string(m.fileId)).marks.push(mark);
    }
    for (const f of files.values()) {
      f.yields.sort((a, b) => a.line - b.line);
      f.defs.sort((a, b) => a.line - b.line);
      f.marks.sort((a, b) => a.line - b.line);
    }
    const out: StatsParams = { runId, live, files: [...files.values()] };
    if (this.next > 0 && Number.isFinite(t0)) out.durationNs = Math.max(0, Math.max(this.lastTs, t0) - t0);
    return out;
  }
}

/** Resume sites of plain-code resumers (main/thread/process lanes), most frequent first. */
function resumeSites(a: YieldAcc, store: TraceStore): ResumeSite[] {
  const out: ResumeSite[] = [];
  for (const [lane, sites] of a.resumedFrom) {
    const t = store.tasks[lane];
    if (!t || !SITE_RESUMER_KINDS.has(t.kind)) continue;
    for (const [k, count] of sites) {
      const fileId = Math.floor(k / 4294967296);
      out.push({ file: store.string(fileId), line: k - fileId * 4294967296, task: t.name, count });
    }
  }
  out.sort((x, y) => y.count - x.count || (x.file < y.file ? -1 : x.file > y.file ? 1 : x.line - y.line) || (x.task < y.task ? -1 : x.task > y.task ? 1 : 0));
  return out.length > MAX_RESUME_SITES ? out.slice(0, MAX_RESUME_SITES) : out;
}

/** Stats of the whole store in one pass. */
export function computeStats(store: TraceStore, runId: string, live: boolean): StatsParams {
  return new StatsBuilder().update(store).snapshot(runId, live);
}
