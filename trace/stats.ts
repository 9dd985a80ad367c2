// Per-line statistics for the yield-point lens, computed from the columnar
// store in one pass: what happened at each line where a task gave up control,
// a lane summary per code site, and the runtime's marks with a line.
// Pure TypeScript: no Node, no vscode.
import type { DefinitionStats, FileStats, LineMark, StatsParams, YieldPointStats } from '../protocol/lsp';
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
/** Lanes that stand for the runtime's machinery, not a def in the user's code. */
const NO_DEF_KINDS = new Set(['main', 'event-loop', 'hub', 'process']);

interface YieldAcc {
  fileId: number; line: number;
  suspends: number; resumes: number; suspendedNs: number; longestNs: number;
  resumedBy: Map<string, number>; reasons: Map<string, number>;
  lastSent?: string; lastYielded?: string; firstEvent: number;
  /** Flat [start, end, start, end, …] relative to the trace start. */
  spans: number[];
}

interface DefAcc { fileId: number; file: string; line: number; lanes: number[]; firstEvent: number }

const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const byCount = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);

/** At most MAX_SPANS spans: consecutive spans are merged into equal groups. */
function compactSpans(flat: number[]): [number, number][] {
  const n = flat.length / 2;
  const out: [number, number][] = [];
  if (n <= MAX_SPANS) { for (let i = 0; i < n; i++) out.push([flat[2 * i], flat[2 * i + 1]]); return out; }
  for (let g = 0; g < MAX_SPANS; g++) {
    const a = Math.floor((g * n) / MAX_SPANS), b = Math.floor(((g + 1) * n) / MAX_SPANS) - 1;
    if (b >= a) out.push([flat[2 * a], flat[2 * b + 1]]);
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

export function computeStats(store: TraceStore, runId: string, live: boolean): StatsParams {
  const n = store.length;
  const t0 = store.startTs;
  const laneCount = store.tasks.length;
  // Where each lane last suspended: the accumulator and the suspending event.
  const pendingAcc: (YieldAcc | undefined)[] = new Array(laneCount);
  const pendingAt = new Float64Array(laneCount);
  const pendingReason: string[] = new Array(laneCount);
  const pendingPrevYielded: (string | undefined)[] = new Array(laneCount);
  const laneSwitches = new Int32Array(laneCount);
  const laneEnd: (string | undefined)[] = new Array(laneCount);
  const laneTaskEvent = new Int32Array(laneCount).fill(-1);
  const yields = new Map<number, YieldAcc>();
  const marks = new Map<string, { fileId: number; line: number; kind: string; message: string; firstEvent: number; count: number; ms: number }>();
  const key = (fileId: number, line: number) => fileId * 4294967296 + line;
  const hub = store.tasks.some((t) => t.kind === 'hub');
  let lastTs = t0;

  for (let i = 0; i < n; i++) {
    const type = store.typeCode(i);
    const ts = store.ts(i);
    if (ts > lastTs) lastTs = ts;
    if (type === TYPE.switch) {
      const from = store.a(i), to = store.b(i);
      if (from >= 0) laneSwitches[from]++;
      if (to >= 0 && to !== from) laneSwitches[to]++;
      // The task switched into resumes from wherever it last suspended.
      if (to >= 0) {
        const acc = pendingAcc[to];
        if (acc) {
          const d = Math.max(0, ts - pendingAt[to]);
          acc.resumes++;
          acc.suspendedNs += d;
          if (d > acc.longestNs) acc.longestNs = d;
          inc(acc.resumedBy, from >= 0 ? store.tasks[from].name : '?');
          const v = store.value(i);
          if (v !== undefined) acc.lastSent = v;
          acc.spans.push(pendingAt[to] - t0, ts - t0);
          pendingAcc[to] = undefined;
        }
      }
      if (from < 0) continue;
      const reason = store.reason(i);
      const fileId = store.fileId(i), line = store.line(i);
      if (ENDING.has(reason) || fileId < 0 || line <= 0) { pendingAcc[from] = undefined; continue; }
      const k = key(fileId, line);
      let acc = yields.get(k);
      if (!acc) {
        acc = { fileId, line, suspends: 0, resumes: 0, suspendedNs: 0, longestNs: 0, resumedBy: new Map(), reasons: new Map(), firstEvent: i, spans: [] };
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
      if (lane >= 0 && laneTaskEvent[lane] < 0) laneTaskEvent[lane] = i;
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
      const lane = store.a(i);
      const who = lane >= 0 ? store.tasks[lane].name : '';
      const message = kind === 'loop-blocked' && Number.isFinite(ms)
        ? `${who ? who + ' ' : ''}blocked the ${hub ? 'gevent hub' : 'event loop'} for ${Math.round(ms)} ms`
        : store.value(i) ?? kind;
      if (!prev) marks.set(mk, { fileId, line, kind, message, firstEvent: i, count: 1, ms: Number.isFinite(ms) ? ms : 0 });
      else {
        prev.count++;
        if (Number.isFinite(ms) && ms > prev.ms) { prev.ms = ms; prev.message = message; }
      }
    }
  }

  // Definitions: one summary per code site (or creation site), over all lanes that ran it.
  const defs = new Map<number, DefAcc>();
  const fileIds = new Map<string, number>();
  const fileIdOf = (f: string) => { let id = fileIds.get(f); if (id === undefined) { id = -2 - fileIds.size; fileIds.set(f, id); } return id; };
  store.tasks.forEach((t, lane) => {
    if (NO_DEF_KINDS.has(t.kind)) return;
    const file = t.codeFile ?? t.file, line = t.codeLine ?? t.line;
    if (!file || !line || line <= 0) return;
    const fid = fileIdOf(file);
    const k = key(-fid, line);
    const acc = defs.get(k);
    const first = laneTaskEvent[lane] >= 0 ? laneTaskEvent[lane] : 0;
    if (acc) { acc.lanes.push(lane); acc.firstEvent = Math.min(acc.firstEvent, first); }
    else defs.set(k, { fileId: fid, file, line, lanes: [lane], firstEvent: first });
  });

  const files = new Map<string, FileStats>();
  const fileOf = (name: string): FileStats => {
    let f = files.get(name);
    if (!f) { f = { file: name, yields: [], defs: [], marks: [] }; files.set(name, f); }
    return f;
  };
  for (const a of yields.values()) {
    if (a.suspends <= 0) continue;
    const y: YieldPointStats = {
      line: a.line, suspends: a.suspends, resumes: a.resumes, suspendedNs: a.suspendedNs, longestNs: a.longestNs,
      resumedBy: byCount(a.resumedBy), reasons: byCount(a.reasons), firstEvent: a.firstEvent, spans: compactSpans(a.spans),
    };
    if (a.lastSent !== undefined) y.lastSent = a.lastSent;
    if (a.lastYielded !== undefined) y.lastYielded = a.lastYielded;
    fileOf(store.string(a.fileId)).yields.push(y);
  }
  for (const d of defs.values()) {
    const first = store.tasks[d.lanes[0]];
    const outcomes = new Map<string, number>();
    let switches = 0;
    for (const lane of d.lanes) {
      switches += laneSwitches[lane];
      const o = laneEnd[lane];
      if (o !== undefined) inc(outcomes, o);
    }
    const ds: DefinitionStats = {
      line: d.line, name: first.name, kind: first.kind, tasks: d.lanes.length, switches,
      outcomes: byCount(outcomes).map((o) => (outcomes.get(o)! > 1 ? `${outcomes.get(o)}× ${o}` : o)), firstEvent: d.firstEvent,
    };
    fileOf(d.file).defs.push(ds);
  }
  for (const m of marks.values()) {
    const mark: LineMark = { line: m.line, kind: m.kind, message: m.count > 1 ? `${m.message} (${m.count} times; longest shown)` : m.message, firstEvent: m.firstEvent };
    fileOf(store.string(m.fileId)).marks.push(mark);
  }
  for (const f of files.values()) {
    f.yields.sort((a, b) => a.line - b.line);
    f.defs.sort((a, b) => a.line - b.line);
    f.marks.sort((a, b) => a.line - b.line);
  }
  const out: StatsParams = { runId, live, files: [...files.values()] };
  if (n > 0 && Number.isFinite(t0)) out.durationNs = Math.max(0, lastTs - t0);
  return out;
}
