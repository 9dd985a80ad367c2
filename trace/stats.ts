// Per-line statistics for the yield-point lens, computed from the columnar
// store in one pass, or incrementally while a run streams (StatsBuilder): what happened at each line where a task gave up control,
// a lane summary per code site, and the runtime's marks with a line.
// Pure TypeScript: no Node, no vscode.
import type { DefinitionStats, FileStats, LineMark, ResumeSite, StatsParams, YieldPointStats } from '../protocol/lsp';
import { delegateReturn } from './delegation';
import { TYPE, type TraceStore } from './store';

const MAX_SPANS = 64;
/** Switch reasons after which the `from` task is finished, not suspended. */
const ENDING = new Set(['return', 'raise']);
/**
 * Reasons that may be a task's last move rather than a suspension (a closed
 * generator's exit switch carries `close`): if the task ends before anything
 * resumes it, that switch is not counted as a suspension.
 */
const MAYBE_FINAL = new Set(['close', 'kill', 'throw', 'exit', 'cancelled']);
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
  fileId: number;
  line: number;
  suspends: number;
  resumes: number;
  suspendedNs: number;
  longestNs: number;
  /** Resuming lane (-1: unknown) → count; names are looked up at snapshot time (a lane may be renamed later). */
  resumedBy: Map<number, number>;
  /** Resuming lane → resume site (fileId·2³² + line) → count: where the resumer gave up control. */
  resumedFrom: Map<number, Map<number, number>>;
  reasons: Map<string, number>;
  lastSent?: string;
  lastYielded?: string;
  firstEvent: number;
  /** Flat [start, end, start, end, …], absolute ns; each stored span covers `spanW` of the yield point's spans (see addSpan). */
  spans: number[];
  spanW: number;
  /** Spans in the last stored one (< spanW: it still takes the next ones). */
  spanFill: number;
  // Waits that were not switches (block → wake on a thread/process/main lane), and transfers (send/recv).
  waits: number;
  waitedNs: number;
  longestWaitNs: number;
  waitOn: Map<string, number>;
  /** Waking lane (wake.by; -1 unknown) → count. */
  wokenBy: Map<number, number>;
  puts: number;
  gets: number;
  channels: Map<string, number>;
  lastPut?: string;
  lastGot?: string;
  // Suspensions that passed through this line to a delegate (the task's own frame waited here), and what a delegate
  // that returned here gave back.
  through: number;
  throughNs: number;
  delegates: Map<string, number>;
  returned?: string;
}

/** A block not yet woken: where, when, on what. Dropped when its lane switches out (the switch tells that story). */
interface PendingBlock {
  fileId: number;
  line: number;
  at: number;
  on: string;
  event: number;
}

/** A function run as pool calls: how many, where submitted, the last answer. */
interface CallAcc {
  name: string;
  fileId: number;
  calls: number;
  channel: string;
  firstEvent: number;
  lastResult?: string;
}

interface MarkAcc {
  fileId: number;
  line: number;
  kind: string;
  firstEvent: number;
  count: number;
  /** The longest occurrence so far (the first one until one has a larger finite ms). */
  ms: number;
  shownMs: number;
  lane: number;
  value: string | undefined;
}

interface DefAcc {
  fileId: number;
  file: string;
  line: number;
  lanes: number[];
  firstEvent: number;
  byName?: boolean;
}

const inc = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);
const byCount = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);

/**
 * Spans kept per yield point: above this many, neighbours are merged in pairs (and later spans go into groups of as
 * many), so a long run's stats cost the host the same memory whatever its length (issue 19: the host keeps no rows).
 * Below it the result is exactly the full pass's; above, `compactSpans` groups merged spans of equal weight.
 */
const SPAN_CAP = 4096;

/** One span [at, ts] of a yield point, within SPAN_CAP stored spans. */
function addSpan(acc: YieldAcc, at: number, ts: number): void {
  const f = acc.spans;
  if (acc.spanFill < acc.spanW && f.length > 0) {
    f[f.length - 1] = ts;
    acc.spanFill++;
  } else {
    f.push(at, ts);
    acc.spanFill = 1;
  }
  if (f.length <= 2 * SPAN_CAP) return;
  const n = f.length / 2;
  let k = 0;
  for (let j = 0; j < n; j += 2, k++) {
    f[2 * k] = f[2 * j];
    f[2 * k + 1] = j + 1 < n ? f[2 * j + 3] : f[2 * j + 1];
  }
  f.length = 2 * k;
  // The last merged span holds a full one and the partial last (n even), or the partial last alone (n odd).
  if (n % 2 === 0) acc.spanFill += acc.spanW;
  acc.spanW *= 2;
}

/** At most MAX_SPANS spans: consecutive spans are merged into equal groups. */
function compactSpans(flat: number[], t0: number): [number, number][] {
  const n = flat.length / 2;
  const out: [number, number][] = [];
  if (n <= MAX_SPANS) {
    for (let i = 0; i < n; i++) out.push([flat[2 * i] - t0, flat[2 * i + 1] - t0]);
    return out;
  }
  for (let g = 0; g < MAX_SPANS; g++) {
    const a = Math.floor((g * n) / MAX_SPANS),
      b = Math.floor(((g + 1) * n) / MAX_SPANS) - 1;
    if (b >= a) out.push([flat[2 * a] - t0, flat[2 * b + 1] - t0]);
  }
  return out;
}

function outcomeText(outcome: string, value: string | undefined, line = 0, waits?: unknown): string {
  switch (outcome) {
    case 'unfinished': {
      const w = typeof waits === 'string' && waits ? ` (waiting for ${waits})` : '';
      return line > 0 ? `unfinished: paused at line ${line}${w}` : `unfinished${w}`;
    }
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

const siteKey = (fileId: number, line: number) => fileId * 4294967296 + line;

/** Channels of pools and executors: a `send` there from a submitting lane is a call, `fn(args)`. */
const POOL_CHANNEL = /^(ThreadPoolExecutor|ProcessPoolExecutor|Pool|ThreadPool)#/;
/** The function of a pool call's value: `square(3)`, `map square(1, 2)`. */
const CALL_NAME = /^(?:map |starmap |imap |imap_unordered )?([A-Za-z_][\w]*)\(/;
/**
 * Code that is not the program's own: a lane whose code site is there (gevent
 * reports its Greenlet.run in `src/gevent/greenlet.py`) is matched to the
 * program's def by its name instead.
 */
export function isLibraryFile(file: string): boolean {
  return !/^([A-Za-z]:)?[\\/]/.test(file) || /[\\/](site-packages|dist-packages)[\\/]|[\\/]lib[\\/]python\d/.test(file);
}
const IDENT = /^[A-Za-z_][\w]*$/;
/** A ProcessPoolExecutor.map chunk as the runtime records it: the function, then the tuple of argument tuples. */
const PROCESS_CHUNK = /^_process_chunk\(<function ([A-Za-z_][\w]*)[^>]*>, (.*)\)$/s;

/** A ProcessPoolExecutor.map chunk as the calls it stands for: `cube(2)`, `cube(0) … (2 calls)`; undefined: not a chunk. */
export function chunkText(v: string): string | undefined {
  const m = PROCESS_CHUNK.exec(v);
  if (!m) return undefined;
  const n = chunkCalls(m[2]);
  const one = /^\(\((.*?),?\),?\)$/s.exec(m[2]);
  return n === 1 && one ? `${m[1]}(${one[1]})` : `${m[1]}(…) ×${n}`;
}

/**
 * The calls in a chunk's argument tuples, `((0,), (1,))` → 2: elements at depth 1, outside string literals. A repr
 * cut by the runtime's cap (no closing bracket at depth 0) counts as one call: the count is then a floor.
 */
export function chunkCalls(args: string): number {
  let depth = 0,
    n = 0,
    quote = '';
  for (let k = 0; k < args.length; k++) {
    const c = args[k];
    if (quote) {
      if (c === '\\') k++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[' || c === '{') {
      if (depth === 1) n++;
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return Math.max(1, n);
    } else if (depth === 1 && !/[\s,]/.test(c) && (k === 0 || /[(,\s]/.test(args[k - 1]))) n++;
  }
  return 1;
}
/** Lane kinds whose def is found by name when their code site is library code. */
const NAMED_KINDS = new Set(['greenlet', 'thread', 'process', 'tasklet']);

function newAcc(fileId: number, line: number, firstEvent: number): YieldAcc {
  return {
    fileId,
    line,
    suspends: 0,
    resumes: 0,
    suspendedNs: 0,
    longestNs: 0,
    resumedBy: new Map(),
    resumedFrom: new Map(),
    reasons: new Map(),
    firstEvent,
    spans: [],
    spanW: 1,
    spanFill: 1,
    waits: 0,
    waitedNs: 0,
    longestWaitNs: 0,
    waitOn: new Map(),
    wokenBy: new Map(),
    puts: 0,
    gets: 0,
    channels: new Map(),
    through: 0,
    throughNs: 0,
    delegates: new Map(),
  };
}

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
  /** Per lane: its waits and transfers (a thread's story has no switches). */
  private readonly laneWaits: number[] = [];
  private readonly laneTransfers: number[] = [];
  /** Per lane: the block it is in, if any. */
  private readonly pendingBlock: (PendingBlock | undefined)[] = [];
  /** Per worker lane: the pool call it took last (its next send on that channel is the answer). */
  private readonly workerCall: (CallAcc | undefined)[] = [];
  /** Pool calls by submitting file and function name. */
  private readonly calls = new Map<string, CallAcc>();
  /** Pool call message ids → the call, so a worker's recv finds which function it runs. */
  private readonly callMsgs = new Map<number, CallAcc>();
  private finished = false;
  private readonly yields = new Map<number, YieldAcc>();
  private readonly marks = new Map<string, MarkAcc>();

  /** Events consumed so far. */
  get consumed(): number {
    return this.next;
  }

  /** Consume the events appended to `store` since the last call (a different or shorter store starts over). */
  update(store: TraceStore): this {
    if (store !== this.store || store.length < this.next) this.reset(store);
    const n = store.length;
    const { pendingAcc, pendingAt, pendingReason, pendingPrevYielded, laneSwitches, laneEnd, laneTaskEvent, yields, marks, pendingBlock } = this;
    const accAt = (fileId: number, line: number, i: number): YieldAcc => {
      const k = siteKey(fileId, line);
      let acc = yields.get(k);
      if (!acc) {
        acc = newAcc(fileId, line, i);
        yields.set(k, acc);
      }
      return acc;
    };
    let lastTs = this.lastTs;
    for (let i = this.next; i < n; i++) {
      const type = store.typeCode(i);
      const ts = store.ts(i);
      if (ts > lastTs) lastTs = ts;
      if (type === TYPE.switch) {
        const from = store.a(i),
          to = store.b(i);
        if (from >= 0) laneSwitches[from] = (laneSwitches[from] ?? 0) + 1;
        if (to >= 0 && to !== from) laneSwitches[to] = (laneSwitches[to] ?? 0) + 1;
        const fileId = store.fileId(i),
          line = store.line(i);
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
              if (!sites) {
                sites = new Map();
                acc.resumedFrom.set(by, sites);
              }
              inc(sites, siteKey(fileId, line));
            }
            const v = store.value(i);
            if (v !== undefined) acc.lastSent = v;
            addSpan(acc, at, ts);
            pendingAcc[to] = undefined;
            // Resumed in a delegate (depth ≥ 1): the task's own frame waited at `toLine` (`yield from inner()`,
            // `await fetch()`) all along; that line has this suspension too.
            const depth = store.num(i);
            const tf = depth >= 1 ? store.toFileId(i) : -1,
              tl = store.toLine(i);
            if (tf >= 0 && tl > 0 && (tf !== acc.fileId || tl !== acc.line)) {
              const outer = accAt(tf, tl, i);
              outer.through++;
              outer.throughNs += d;
              inc(outer.delegates, store.frame(i) ?? '?');
            }
          }
        }
        if (from < 0) continue;
        // A delegate returned to its delegator within the lane: what the `yield from` at `toLine` evaluated to.
        if (from === to) {
          const dr = delegateReturn(store, i);
          const tf = store.toFileId(i),
            tl = store.toLine(i);
          if (dr && tf >= 0 && tl > 0) {
            const v = store.value(i);
            if (v !== undefined) accAt(tf, tl, i).returned = v;
          }
        }
        // A lane that switches out while in a block: the switch is the story (gevent, asyncio), not a second wait.
        pendingBlock[from] = undefined;
        const reason = store.reason(i);
        if (ENDING.has(reason) || fileId < 0 || line <= 0) {
          pendingAcc[from] = undefined;
          continue;
        }
        const acc = accAt(fileId, line, i);
        acc.suspends++;
        inc(acc.reasons, reason);
        const v = store.value(i);
        pendingPrevYielded[from] = acc.lastYielded;
        if (v !== undefined) acc.lastYielded = v;
        pendingAcc[from] = acc;
        pendingAt[from] = ts;
        pendingReason[from] = reason;
      } else if (type === TYPE.block) {
        const lane = store.a(i),
          fileId = store.fileId(i),
          line = store.line(i);
        // A lane suspended by a switch (an asyncio task that gave the loop control) is already counted there.
        if (lane >= 0 && !pendingAcc[lane]) pendingBlock[lane] = { fileId, line, at: ts, on: store.reason(i), event: i };
      } else if (type === TYPE.wake) {
        const lane = store.a(i);
        const b = lane >= 0 ? pendingBlock[lane] : undefined;
        if (b) {
          pendingBlock[lane] = undefined;
          this.laneWaits[lane] = (this.laneWaits[lane] ?? 0) + 1;
          if (b.fileId >= 0 && b.line > 0) {
            const acc = accAt(b.fileId, b.line, b.event);
            const d = Math.max(0, ts - b.at);
            acc.waits++;
            acc.waitedNs += d;
            if (d > acc.longestWaitNs) acc.longestWaitNs = d;
            inc(acc.waitOn, b.on);
            const byId = store.extra(i)?.by;
            inc(acc.wokenBy, typeof byId === 'string' ? (store.laneOf(byId) ?? -1) : -1);
            addSpan(acc, b.at, ts);
          }
        }
      } else if (type === TYPE.send || type === TYPE.recv) {
        const lane = store.a(i),
          fileId = store.fileId(i),
          line = store.line(i);
        const channel = store.reason(i),
          v = store.value(i);
        if (lane >= 0) this.laneTransfers[lane] = (this.laneTransfers[lane] ?? 0) + 1;
        if (fileId >= 0 && line > 0) {
          const acc = accAt(fileId, line, i);
          inc(acc.channels, channel);
          if (type === TYPE.send) {
            acc.puts++;
            if (v !== undefined) acc.lastPut = chunkText(v) ?? v;
          } else {
            acc.gets++;
            if (v !== undefined) acc.lastGot = v;
          }
        }
        if (POOL_CHANNEL.test(channel)) this.poolTransfer(store, i, type === TYPE.send, lane, channel, v);
      } else if (type === TYPE.finish) {
        this.finished = true;
      } else if (type === TYPE.task) {
        const lane = store.a(i);
        if (lane >= 0 && laneTaskEvent[lane] === undefined) laneTaskEvent[lane] = i;
      } else if (type === TYPE.end) {
        const lane = store.a(i);
        if (lane >= 0) {
          laneEnd[lane] = outcomeText(store.reason(i), store.value(i), store.line(i), store.extra(i)?.waits);
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
          pendingBlock[lane] = undefined;
        }
      } else if (type === TYPE.mark) {
        const fileId = store.fileId(i),
          line = store.line(i);
        if (fileId < 0 || line <= 0) continue;
        const kind = store.reason(i);
        const ms = store.num(i);
        const mk = `${fileId}:${line}:${kind}`;
        const prev = marks.get(mk);
        if (!prev) {
          marks.set(mk, {
            fileId,
            line,
            kind,
            firstEvent: i,
            count: 1,
            ms: Number.isFinite(ms) ? ms : 0,
            shownMs: ms,
            lane: store.a(i),
            value: store.value(i),
          });
        } else {
          prev.count++;
          if (Number.isFinite(ms) && ms > prev.ms) {
            prev.ms = ms;
            prev.shownMs = ms;
            prev.lane = store.a(i);
            prev.value = store.value(i);
          }
        }
      }
    }
    this.lastTs = lastTs;
    this.next = n;
    return this;
  }

  /**
   * A transfer on a pool's channel: a call submitted (`send` of `fn(args)`), taken by a worker (`recv` of the
   * same msg), answered (the worker's next `send` there).
   */
  private poolTransfer(store: TraceStore, i: number, isSend: boolean, lane: number, channel: string, v: string | undefined): void {
    const msg = store.num(i);
    if (isSend) {
      const call = v !== undefined ? CALL_NAME.exec(v) : null;
      const working = lane >= 0 ? this.workerCall[lane] : undefined;
      if (working && working.channel === channel) {
        // The worker's answer to the call it took.
        if (v !== undefined) working.lastResult = v;
        this.workerCall[lane] = undefined;
        return;
      }
      if (!call) return;
      // ProcessPoolExecutor.map sends chunks: `_process_chunk(<function cube>, ((0,), (1,)))` is two calls of cube.
      const chunk = v !== undefined ? PROCESS_CHUNK.exec(v) : null;
      const name = chunk ? chunk[1] : call[1];
      const fileId = store.fileId(i);
      const key = `${fileId}\u0000${name}\u0000${channel}`;
      let acc = this.calls.get(key);
      if (!acc) {
        acc = { name, fileId, calls: 0, channel, firstEvent: i };
        this.calls.set(key, acc);
      }
      acc.calls += chunk ? chunkCalls(chunk[2]) : 1;
      if (!Number.isNaN(msg)) this.callMsgs.set(msg, acc);
    } else if (lane >= 0 && !Number.isNaN(msg)) {
      const acc = this.callMsgs.get(msg);
      if (acc) {
        this.workerCall[lane] = acc;
        this.callMsgs.delete(msg);
      }
    }
  }

  private reset(store: TraceStore): void {
    this.store = store;
    this.next = 0;
    this.lastTs = -Infinity;
    for (const a of [
      this.pendingAcc,
      this.pendingAt,
      this.pendingReason,
      this.pendingPrevYielded,
      this.laneSwitches,
      this.laneEnd,
      this.laneTaskEvent,
      this.laneWaits,
      this.laneTransfers,
      this.pendingBlock,
      this.workerCall,
    ])
      a.length = 0;
    this.yields.clear();
    this.marks.clear();
    this.calls.clear();
    this.callMsgs.clear();
    this.finished = false;
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
    const named = new Map<string, DefAcc>();
    const fileIds = new Map<string, number>();
    const fileIdOf = (f: string) => {
      let id = fileIds.get(f);
      if (id === undefined) {
        id = -2 - fileIds.size;
        fileIds.set(f, id);
      }
      return id;
    };
    const script = store.header?.script;
    tasks.forEach((t, lane) => {
      // A process lane is a def only when the runtime names the code it runs (Process(target=…)).
      if (NO_DEF_KINDS.has(t.kind) && !(t.kind === 'process' && t.codeFile && !isLibraryFile(t.codeFile))) return;
      const first = this.laneTaskEvent[lane] ?? 0;
      if (t.codeFile && isLibraryFile(t.codeFile) && NAMED_KINDS.has(t.kind) && IDENT.test(t.name) && script) {
        // gevent.spawn(f): the code site is gevent's; the program's def is found by name in the script.
        const fid = fileIdOf(script);
        const k = `n:${fid}:${t.name}`;
        const acc = named.get(k);
        if (acc) {
          acc.lanes.push(lane);
          acc.firstEvent = Math.min(acc.firstEvent, first);
        } else named.set(k, { fileId: fid, file: script, line: 0, lanes: [lane], firstEvent: first, byName: true });
        return;
      }
      const file = t.codeFile ?? t.file,
        line = t.codeLine ?? t.line;
      if (!file || !line || line <= 0 || isLibraryFile(file)) return;
      const fid = fileIdOf(file);
      const k = siteKey(-fid, line);
      const acc = defs.get(k);
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
    // Blocks still open: the lane was waiting there when the trace ended (or is now, live).
    const stillWaiting = new Map<number, number>();
    const openBlocks: PendingBlock[] = [];
    this.pendingBlock.forEach((b) => {
      if (!b || b.fileId < 0 || b.line <= 0) return;
      const k = siteKey(b.fileId, b.line);
      stillWaiting.set(k, (stillWaiting.get(k) ?? 0) + 1);
      if (!this.yields.has(k)) openBlocks.push(b);
    });
    const accs = [...this.yields.values()];
    for (const b of openBlocks) {
      const k = siteKey(b.fileId, b.line);
      if (!accs.some((a) => siteKey(a.fileId, a.line) === k)) {
        const a = newAcc(b.fileId, b.line, b.event);
        inc(a.waitOn, b.on);
        accs.push(a);
      }
    }
    for (const a of accs) {
      const k = siteKey(a.fileId, a.line);
      const waiting = stillWaiting.get(k) ?? 0;
      if (a.suspends <= 0 && a.waits <= 0 && a.puts <= 0 && a.gets <= 0 && waiting <= 0 && a.through <= 0 && a.returned === undefined) continue;
      const by = new Map<string, number>();
      for (const [lane, c] of a.resumedBy) {
        const name = laneName(lane);
        by.set(name, (by.get(name) ?? 0) + c);
      }
      const y: YieldPointStats = {
        line: a.line,
        suspends: a.suspends,
        resumes: a.resumes,
        suspendedNs: a.suspendedNs,
        longestNs: a.longestNs,
        resumedBy: byCount(by),
        reasons: byCount(a.reasons),
        firstEvent: a.firstEvent,
        spans: compactSpans(a.spans, t0),
      };
      if (a.lastSent !== undefined) y.lastSent = a.lastSent;
      if (a.lastYielded !== undefined) y.lastYielded = a.lastYielded;
      const from = resumeSites(a, store);
      if (from.length) y.resumedFrom = from;
      if (a.waits > 0 || waiting > 0) {
        y.waits = a.waits;
        y.waitedNs = a.waitedNs;
        y.longestWaitNs = a.longestWaitNs;
        y.waitOn = byCount(a.waitOn);
        const woke = new Map<string, number>();
        for (const [lane, c] of a.wokenBy)
          if (lane >= 0) {
            const name = laneName(lane);
            woke.set(name, (woke.get(name) ?? 0) + c);
          }
        y.wokenBy = byCount(woke);
        if (waiting > 0) y.stillWaiting = waiting;
      }
      if (a.puts > 0 || a.gets > 0) {
        y.puts = a.puts;
        y.gets = a.gets;
        y.channels = byCount(a.channels);
        if (a.lastPut !== undefined) y.lastPut = a.lastPut;
        if (a.lastGot !== undefined) y.lastGot = a.lastGot;
      }
      if (a.through > 0) {
        y.through = a.through;
        y.throughNs = a.throughNs;
        y.delegates = byCount(a.delegates);
      }
      if (a.returned !== undefined) y.returned = a.returned;
      fileOf(store.string(a.fileId)).yields.push(y);
    }
    const unfinished = !live && this.finished;
    for (const d of [...defs.values(), ...named.values()]) {
      const first = tasks[d.lanes[0]];
      const outcomes = new Map<string, number>();
      let switches = 0,
        waits = 0,
        transfers = 0;
      for (const lane of d.lanes) {
        switches += this.laneSwitches[lane] ?? 0;
        waits += this.laneWaits[lane] ?? 0;
        transfers += this.laneTransfers[lane] ?? 0;
        const o = this.laneEnd[lane] ?? (unfinished ? 'unfinished' : undefined);
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
      if (d.byName) ds.byName = true;
      if (waits) ds.waits = waits;
      if (transfers) ds.transfers = transfers;
      fileOf(d.file).defs.push(ds);
    }
    for (const c of this.calls.values()) {
      const file = c.fileId >= 0 ? store.string(c.fileId) : script;
      if (!file) continue;
      const ds: DefinitionStats = {
        line: 0,
        name: c.name,
        kind: 'pool call',
        tasks: 0,
        switches: 0,
        outcomes: [],
        firstEvent: c.firstEvent,
        byName: true,
        calls: c.calls,
        via: c.channel,
      };
      if (c.lastResult !== undefined) ds.lastResult = c.lastResult;
      fileOf(file).defs.push(ds);
    }
    for (const m of this.marks.values()) {
      const who = m.lane >= 0 ? laneName(m.lane) : '';
      const message =
        m.kind === 'loop-blocked' && Number.isFinite(m.shownMs)
          ? `${who ? who + ' ' : ''}blocked the ${hub ? 'gevent hub' : 'event loop'} for ${Math.round(m.shownMs)} ms`
          : (m.value ?? m.kind);
      const mark: LineMark = {
        line: m.line,
        kind: m.kind,
        message: m.count > 1 ? `${message} (${m.count} times; longest shown)` : message,
        firstEvent: m.firstEvent,
      };
      fileOf(store.string(m.fileId)).marks.push(mark);
    }
    for (const f of files.values()) {
      f.yields.sort((a, b) => a.line - b.line);
      f.defs.sort((a, b) => a.line - b.line || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.kind < b.kind ? -1 : 1));
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
