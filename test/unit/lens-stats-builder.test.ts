import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeStats, isLibraryFile, StatsBuilder } from '../../trace/stats';
import type { DefinitionStats, FileStats, LineMark, StatsParams, YieldPointStats } from '../../protocol/lsp';
import { TraceStore, TYPE } from '../../trace/store';
import { loadTrace, ROOT } from './lens-helpers';

const FIXTURES = [
  'lens-producer-consumer.jsonl',
  'lens-asyncio-blocked.jsonl',
  'lens-runtime-producer-consumer.jsonl',
  'lens-runtime-asyncio.jsonl',
  'lens-runtime-threads.jsonl',
  'lens-runtime-gevent.jsonl',
];
const text = (name: string) => readFileSync(join(ROOT, 'test/fixtures/traces', name), 'utf8');

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- The one-pass computeStats as it was before StatsBuilder (resumedFrom aside), kept as the reference. ----
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
  fileId: number;
  line: number;
  suspends: number;
  resumes: number;
  suspendedNs: number;
  longestNs: number;
  resumedBy: Map<string, number>;
  reasons: Map<string, number>;
  lastSent?: string;
  lastYielded?: string;
  firstEvent: number;
  /** Flat [start, end, start, end, …] relative to the trace start. */
  spans: number[];
}

interface DefAcc {
  fileId: number;
  file: string;
  line: number;
  lanes: number[];
  firstEvent: number;
}

const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const byCount = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);

/** At most MAX_SPANS spans: consecutive spans are merged into equal groups. */
function compactSpans(flat: number[]): [number, number][] {
  const n = flat.length / 2;
  const out: [number, number][] = [];
  if (n <= MAX_SPANS) {
    for (let i = 0; i < n; i++) out.push([flat[2 * i], flat[2 * i + 1]]);
    return out;
  }
  for (let g = 0; g < MAX_SPANS; g++) {
    const a = Math.floor((g * n) / MAX_SPANS),
      b = Math.floor(((g + 1) * n) / MAX_SPANS) - 1;
    if (b >= a) out.push([flat[2 * a], flat[2 * b + 1]]);
  }
  return out;
}

function outcomeText(outcome: string, value: string | undefined): string {
  switch (outcome) {
    case 'return':
      return value === undefined ? 'returned' : `returned ${value}`;
    case 'exception':
      return value === undefined ? 'raised' : `raised ${value}`;
    case 'cancelled':
      return 'cancelled';
    case 'killed':
      return value === 'GeneratorExit' ? 'closed' : 'killed';
    case 'exit':
      return value === undefined ? 'exited' : `exited ${value}`;
    default:
      return value === undefined ? outcome : `${outcome} ${value}`;
  }
}

function fullPassReference(store: TraceStore, runId: string, live: boolean): StatsParams {
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
      const from = store.a(i),
        to = store.b(i);
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
      const fileId = store.fileId(i),
        line = store.line(i);
      if (ENDING.has(reason) || fileId < 0 || line <= 0) {
        pendingAcc[from] = undefined;
        continue;
      }
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
          if (left > 0) acc.reasons.set(r, left);
          else acc.reasons.delete(r);
          acc.lastYielded = pendingPrevYielded[lane];
        }
        pendingAcc[lane] = undefined;
      }
    } else if (type === TYPE.mark) {
      const fileId = store.fileId(i),
        line = store.line(i);
      if (fileId < 0 || line <= 0) continue;
      const kind = store.reason(i);
      const ms = store.num(i);
      const mk = `${fileId}:${line}:${kind}`;
      const prev = marks.get(mk);
      const lane = store.a(i);
      const who = lane >= 0 ? store.tasks[lane].name : '';
      const message =
        kind === 'loop-blocked' && Number.isFinite(ms)
          ? `${who ? who + ' ' : ''}blocked the ${hub ? 'gevent hub' : 'event loop'} for ${Math.round(ms)} ms`
          : (store.value(i) ?? kind);
      if (!prev) marks.set(mk, { fileId, line, kind, message, firstEvent: i, count: 1, ms: Number.isFinite(ms) ? ms : 0 });
      else {
        prev.count++;
        if (Number.isFinite(ms) && ms > prev.ms) {
          prev.ms = ms;
          prev.message = message;
        }
      }
    }
  }

  // Definitions: one summary per code site (or creation site), over all lanes that ran it.
  const defs = new Map<number, DefAcc>();
  const fileIds = new Map<string, number>();
  const fileIdOf = (f: string) => {
    let id = fileIds.get(f);
    if (id === undefined) {
      id = -2 - fileIds.size;
      fileIds.set(f, id);
    }
    return id;
  };
  store.tasks.forEach((t, lane) => {
    if (NO_DEF_KINDS.has(t.kind)) return;
    const file = t.codeFile ?? t.file,
      line = t.codeLine ?? t.line;
    if (!file || !line || line <= 0) return;
    const fid = fileIdOf(file);
    const k = key(-fid, line);
    const acc = defs.get(k);
    const first = Math.max(laneTaskEvent[lane], 0);
    if (acc) {
      acc.lanes.push(lane);
      acc.firstEvent = Math.min(acc.firstEvent, first);
    } else defs.set(k, { fileId: fid, file, line, lanes: [lane], firstEvent: first });
  });

  const files = new Map<string, FileStats>();
  const fileOf = (name: string): FileStats => {
    let f = files.get(name);
    if (!f) {
      f = { file: name, yields: [], defs: [], marks: [] };
      files.set(name, f);
    }
    return f;
  };
  for (const a of yields.values()) {
    if (a.suspends <= 0) continue;
    const y: YieldPointStats = {
      line: a.line,
      suspends: a.suspends,
      resumes: a.resumes,
      suspendedNs: a.suspendedNs,
      longestNs: a.longestNs,
      resumedBy: byCount(a.resumedBy),
      reasons: byCount(a.reasons),
      firstEvent: a.firstEvent,
      spans: compactSpans(a.spans),
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
      line: d.line,
      name: first.name,
      kind: first.kind,
      tasks: d.lanes.length,
      switches,
      outcomes: byCount(outcomes).map((o) => (outcomes.get(o)! > 1 ? `${outcomes.get(o)}× ${o}` : o)),
      firstEvent: d.firstEvent,
    };
    fileOf(d.file).defs.push(ds);
  }
  for (const m of marks.values()) {
    const mark: LineMark = {
      line: m.line,
      kind: m.kind,
      message: m.count > 1 ? `${m.message} (${m.count} times; longest shown)` : m.message,
      firstEvent: m.firstEvent,
    };
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

/**
 * The reference predates resume sites, waits and transfers outside switches, defs found by name (gevent.spawn
 * targets, pool calls) and the rule that library code is no def: compare what it knows.
 */
function withoutSites(s: StatsParams, moved = new Set<string>()): StatsParams {
  const files = s.files.map((f) => ({
    ...f,
    yields: f.yields
      .filter((y) => y.suspends > 0)
      .map((y) => {
        const c = { ...y };
        // A transfer or wait on the line may come before its first switch: the line's first event moves there.
        if (moved.has(`${f.file}:${y.line}`)) c.firstEvent = -1;
        for (const k of [
          'resumedFrom',
          'waits',
          'waitedNs',
          'longestWaitNs',
          'waitOn',
          'wokenBy',
          'stillWaiting',
          'puts',
          'gets',
          'channels',
          'lastPut',
          'lastGot',
        ] as const)
          delete c[k];
        return c;
      }),
    defs: f.defs
      .filter((d) => !d.byName)
      .map((d) => {
        const c = { ...d };
        delete c.waits;
        delete c.transfers;
        return c;
      }),
  }));
  return { ...s, files: files.filter((f) => f.yields.length || f.defs.length || f.marks.length) };
}
function referenceKnown(s: StatsParams, snap: StatsParams): StatsParams {
  const files = s.files.map((f) => ({ ...f, defs: isLibraryFile(f.file) ? [] : f.defs }));
  return withoutSites({ ...s, files }, movedFirst(snap));
}
function movedFirst(snap: StatsParams): Set<string> {
  const out = new Set<string>();
  for (const f of snap.files) for (const y of f.yields) if (y.puts || y.gets || y.waits) out.add(`${f.file}:${y.line}`);
  return out;
}

describe('lens: StatsBuilder (incremental stats) equals the full pass', () => {
  for (const name of FIXTURES) {
    it(`${name}: fed in random chunks, every snapshot equals computeStats over the same events`, () => {
      const all = text(name);
      for (const seed of [1, 2, 3, 4, 5]) {
        const r = rng(seed);
        const store = new TraceStore();
        const b = new StatsBuilder();
        let at = 0,
          checks = 0;
        while (at < all.length) {
          // Cut anywhere, mid-line included: the store keeps the partial line until its end arrives.
          const len = 1 + Math.floor(r() * Math.min(all.length - at, 1 + all.length / 4));
          store.appendText(all.slice(at, at + len));
          at += len;
          b.update(store);
          assert.equal(b.consumed, store.length);
          const snap = b.snapshot('r', true);
          assert.deepEqual(snap, computeStats(store, 'r', true), `seed ${seed}, after ${at} chars (${store.length} events)`);
          assert.deepEqual(
            withoutSites(snap, movedFirst(snap)),
            referenceKnown(fullPassReference(store, 'r', true), snap),
            `reference, seed ${seed}, after ${at} chars`,
          );
          checks++;
        }
        store.end();
        b.update(store);
        assert.deepEqual(b.snapshot('r', false), computeStats(store, 'r', false));
        assert.deepEqual(b.snapshot('r', false), computeStats(loadTrace(name), 'r', false), 'same as loading the file at once');
        assert.ok(checks > 1);
      }
    });
  }

  it('one event at a time over a real runtime trace, and calling update twice consumes nothing new', () => {
    const store = new TraceStore();
    const b = new StatsBuilder();
    for (const line of text('lens-runtime-gevent.jsonl').split('\n')) {
      store.appendText(line + '\n');
      b.update(store);
      b.update(store);
      assert.deepEqual(b.snapshot('g', true), computeStats(store, 'g', true));
    }
    assert.ok(
      b.snapshot('g', true).files.some((f) => f.yields.length > 0),
      'the gevent trace has yield points',
    );
  });

  it('a lane renamed after it resumed something is named by its final name, as in the full pass', () => {
    const store = new TraceStore();
    const b = new StatsBuilder();
    store.appendText(
      [
        '{"type":"header","schema":1,"runtime":"coroscope 0","python":"3","capture":"settrace","script":"/s.py","argv":[],"cwd":"/","pid":1,"start":0,"ts":0}',
        '{"type":"task","ts":0,"id":"1","kind":"main","name":"main","parent":null}',
        '{"type":"task","ts":1,"id":"2","kind":"asyncio-task","name":"Task-1","parent":"1","codeFile":"/s.py","codeLine":3}',
        '{"type":"switch","ts":2,"from":"2","to":"1","reason":"await","file":"/s.py","line":4}',
        '{"type":"switch","ts":5,"from":"1","to":"2","reason":"step","file":"/s.py","line":9}',
        '',
      ].join('\n'),
    );
    b.update(store);
    assert.deepEqual(b.snapshot('x', true).files[0].yields.find((y) => y.line === 4)?.resumedBy, ['main']);
    store.appendText('{"type":"task","ts":6,"id":"1","kind":"main","name":"loop-runner","parent":null}\n');
    b.update(store);
    const s = b.snapshot('x', true);
    assert.deepEqual(s, computeStats(store, 'x', true));
    assert.deepEqual(s.files[0].yields.find((y) => y.line === 4)?.resumedBy, ['loop-runner']);
  });

  it('a new store starts over', () => {
    const b = new StatsBuilder();
    b.update(loadTrace('lens-producer-consumer.jsonl'));
    const other = loadTrace('lens-asyncio-blocked.jsonl');
    assert.deepEqual(b.update(other).snapshot('a', false), computeStats(other, 'a', false));
  });
});
