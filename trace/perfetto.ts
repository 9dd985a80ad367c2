// Perfetto / chrome://tracing export: Chrome Trace Event JSON
// (`{"traceEvents":[...],"displayTimeUnit":"ns"}`). Pure over a TraceStore so
// the CLI and the extension's Export Trace command share it; no Node imports.
//
// Mapping: every task is a thread track (tid = lane + 1) inside its process
// (pid = task.pid, else the header's pid); a task's running spans are complete
// ("X") slices; every switch is a flow arrow ("s" on the task that gave up
// control, "f" with bp:"e" on the task that got it, same id); a queue/channel
// send → recv (threads, processes, pools) and a wake's cause (`by`) are flows
// too (cats `transfer`, `cause`); a block → wake is a "waits on …" slice; marks,
// prints, blocks, wakes, channel transfers and ends are also instant ("i") events. Times
// are microseconds (float) since the trace start.

import type { SwitchEvent } from '../protocol/events';
import { delegateReturn } from './delegation';
import { TYPE, type TraceStore } from './store';
import { recvWords, sendWords, transferOp } from './transfer-words';

export interface ChromeTraceEvent {
  name: string;
  ph: 'M' | 'X' | 's' | 'f' | 'i';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: number;
  bp?: 'e';
  s?: 'g' | 'p' | 't';
  args?: Record<string, string | number | boolean | null>;
}

/** Kinds that are running from the moment they are declared (others start at their first switch in). */
const RUNNING_AT_BIRTH = new Set(['main', 'thread', 'process', 'event-loop', 'hub']);

const us = (ns: number): number => Math.round(ns) / 1000;

function site(file: string | undefined, line: number): string | undefined {
  if (file === undefined) return undefined;
  return line ? `${file}:${line}` : file;
}

function label(reason: string, value: string | undefined): string {
  return value === undefined || value === '' ? reason : `${reason} ${value}`;
}

/** The events, in trace order (metadata first). Yields objects so callers can stream them. */
export function* perfettoEvents(store: TraceStore): Generator<ChromeTraceEvent> {
  const s = new PerfettoStream(store);
  yield* s.events(0, store.length);
  yield* s.end();
}

/**
 * The Perfetto events of a store fed in pieces: `events(from, to)` for each range of rows as they arrive (the
 * rows may be let go afterwards: state is per lane and per open transfer), `end()` once at the end.
 */
export class PerfettoStream {
  private readonly rootPid: number;
  private readonly named = new Set<number>();
  private metaDone = 0;
  /** Open running span per lane: start (ns, relative) and what started it. */
  private readonly open = new Map<number, { start: number; why: string; site: string | undefined }>();
  private flowId = 0;
  private last = 0;
  /** Transfers as flows: a send's flow id by `channel\0msg`, bound by its recv on the receiver's track. */
  /** Sends not yet received, by channel and msg: a flow is written when its recv comes (a send never received, or
   * received out of order, draws no dangling arrow). */
  private readonly sendFlows = new Map<string, ChromeTraceEvent>();
  /** Open blocks per lane (start, what): drawn as a "waits on …" slice when the wake comes. */
  private readonly blocks = new Map<number, { start: number; name: string }>();
  /** The last running slice closed per lane (relative ns): where a cause flow leaves from when the lane is not running. */
  private readonly lastRun = new Map<number, { start: number; end: number }>();
  /** Per lane, who killed or cancelled it by its last wake (that wake's cause flow is the end's too). */
  private readonly endingWake = new Map<number, number>();

  constructor(private readonly store: TraceStore) {
    this.rootPid = store.header?.pid ?? 1;
  }

  private pidOf(lane: number): number {
    return (lane >= 0 ? this.store.tasks[lane]?.pid : undefined) ?? this.rootPid;
  }

  /** Lanes can be declared implicitly mid-trace, so metadata is emitted as lanes appear. */
  private *meta(): Generator<ChromeTraceEvent> {
    const store = this.store;
    const tidOf = (lane: number): number => lane + 1;
    for (; this.metaDone < store.tasks.length; this.metaDone++) {
      const metaDone = this.metaDone;
      const t = store.tasks[metaDone];
      const pid = this.pidOf(metaDone);
      if (!this.named.has(pid)) {
        this.named.add(pid);
        const script = store.header?.script;
        const pname = pid === this.rootPid && script ? `${script} (pid ${pid})` : `pid ${pid}`;
        yield { name: 'process_name', ph: 'M', pid, tid: 0, args: { name: pname } };
        yield { name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: this.named.size } };
      }
      yield { name: 'thread_name', ph: 'M', pid, tid: tidOf(metaDone), args: { name: `${t.name} [${t.kind}] #${t.id}` } };
      yield { name: 'thread_sort_index', ph: 'M', pid, tid: tidOf(metaDone), args: { sort_index: metaDone } };
    }
  }

  private close(lane: number, end: number): ChromeTraceEvent | undefined {
    const o = this.open.get(lane);
    if (!o) return undefined;
    this.open.delete(lane);
    this.lastRun.set(lane, { start: o.start, end });
    const t = this.store.tasks[lane];
    // Task id and kind are on the track's name; keep slices small (a million of them is common).
    const args: Record<string, string> = { 'resumed by': o.why };
    if (o.site) args.site = o.site;
    return {
      name: t?.name ?? `lane ${lane}`,
      cat: 'running',
      ph: 'X',
      pid: this.pidOf(lane),
      tid: lane + 1,
      ts: us(o.start),
      dur: us(end) - us(o.start),
      args,
    };
  }

  /**
   * Where a cause flow leaves the causing lane `by` at time t, and its slice when it needs one: a flow start binds to
   * the slice around it on its track: the causing lane's running slice now, else the one it last ran in (where it set
   * the event / put the item / called kill(): an asyncio task, a greenlet are not running when the loop or hub wakes
   * the other), else a mark of its own (a lane that never ran, e.g. a timer).
   */
  private *causeStart(by: number, t: number, name: string): Generator<ChromeTraceEvent, number> {
    const run = this.open.get(by);
    const prev = this.lastRun.get(by);
    if (run) return t - run.start >= 1 ? us(t - 1) : us(t);
    if (prev) return prev.end - prev.start >= 1 ? us(prev.end - 1) : us(prev.end);
    yield this.pin(`${name} (cause)`, by, us(t));
    return us(t);
  }

  /**
   * A slice of its own (0.001 µs) on `lane`'s track at `ts` (µs), for a cause flow's start or finish to bind to
   * where the lane has no slice there: the viewer drops a flow with no slice around either end.
   */
  private pin(name: string, lane: number, ts: number): ChromeTraceEvent {
    return { name, cat: 'cause', ph: 'X', pid: this.pidOf(lane), tid: lane + 1, ts, dur: 0.001, args: {} };
  }

  /** The events of rows [from, to). */
  *events(from: number, to: number): Generator<ChromeTraceEvent> {
    const store = this.store;
    const rootPid = this.rootPid;
    const pidOf = (lane: number): number => this.pidOf(lane);
    const tidOf = (lane: number): number => lane + 1;
    const open = this.open;
    const close = (lane: number, end: number) => this.close(lane, end);
    const sendFlows = this.sendFlows;
    const blocks = this.blocks;
    for (let i = from; i < to; i++) {
      yield* this.meta();
      const t = store.rel(i);
      if (t > this.last) this.last = t;
      const a = store.a(i);
      const f = site(store.file(i), store.line(i));
      const value = store.value(i);
      const instant = (lane: number, name: string, cat: string, args: Record<string, string | number>): ChromeTraceEvent => {
        if (f) args.site = f;
        return lane >= 0
          ? { name, cat, ph: 'i', s: 't', pid: pidOf(lane), tid: tidOf(lane), ts: us(t), args }
          : { name, cat, ph: 'i', s: 'g', pid: rootPid, tid: 0, ts: us(t), args };
      };
      switch (store.typeCode(i)) {
        case TYPE.task: {
          const kind = store.reason(i);
          if (RUNNING_AT_BIRTH.has(kind) && !open.has(a)) open.set(a, { start: t, why: 'start', site: f });
          break;
        }
        case TYPE.switch: {
          const b = store.b(i);
          const reason = store.reason(i);
          // A delegate's return within a lane names who returned to whom (trace/delegation.ts): the lane goes on.
          const sub = a === b ? delegateReturn(store, i) : undefined;
          const name = sub
            ? `${label(`${sub.returner ?? 'a delegate'} returned`, value ?? 'None')} to ${sub.delegator ?? store.tasks[a]?.name ?? ''}`
            : label(reason, value);
          // Who and why are in the tracks and the name; args carry what is not.
          const args: Record<string, string | number> = {};
          if (value !== undefined) args.value = value;
          if (f) args.site = f;
          // The resume site, through event() so this works whichever columns the store keeps it in.
          const sw = store.event(i) as SwitchEvent;
          const toSite = site(sw.toFile, sw.toLine ?? 0);
          if (toSite) args['resumes at'] = toSite;
          const depth = store.num(i);
          if (!Number.isNaN(depth)) args.depth = depth;
          const from = open.get(a);
          const closed = a !== b ? close(a, t) : undefined;
          if (closed) yield closed;
          const id = ++this.flowId;
          // The flow start must fall inside the slice it leaves from; nudge it
          // 1 ns back when that slice has any length.
          const sTs = from && t - from.start >= 1 ? us(t - 1) : us(t);
          yield { name, cat: 'switch', ph: 's', id, pid: pidOf(a), tid: tidOf(a), ts: sTs, args };
          if (!open.has(b)) open.set(b, { start: t, why: name, site: toSite ?? f });
          // The args are on the flow's start; the finish only needs to bind.
          yield { name, cat: 'switch', ph: 'f', bp: 'e', id, pid: pidOf(b), tid: tidOf(b), ts: us(t) };
          break;
        }
        case TYPE.end: {
          const closed = close(a, t);
          if (closed) yield closed;
          const args: Record<string, string | number> = { outcome: store.reason(i), ...(value !== undefined ? { value } : {}) };
          // Who killed or cancelled it (docs/protocol.md `end`): in its args, and a `cause` flow from the killer.
          const x = store.extra(i);
          const by = x && typeof x.by === 'string' ? store.laneOf(x.by) : undefined;
          if (by !== undefined && by !== a && a >= 0) {
            args.by = store.tasks[by]?.name ?? x?.by ?? '';
            if (typeof x?.byLine === 'number') args['caused at'] = site(typeof x.byFile === 'string' ? x.byFile : undefined, x.byLine) ?? x.byLine;
          }
          yield instant(a, label(`end ${store.reason(i)}`, value), 'end', args);
          // (one flow per cause: a task killed or cancelled in its wait got it with its wake)
          if (by !== undefined && by !== a && a >= 0 && this.endingWake.get(a) !== by) {
            const id = ++this.flowId;
            const name = store.reason(i) === 'cancelled' ? 'cancel' : 'kill';
            const sTs = yield* this.causeStart(by, t, name);
            // The finish binds to the ended task's last running slice (it just closed, or it ended while the hub or
            // loop ran), else a mark of its own (a task killed before it ever ran).
            const prev = this.lastRun.get(a);
            let fTs = us(t);
            if (prev && prev.end <= t && us(prev.end) >= sTs) fTs = us(prev.end);
            else yield this.pin(`${name} (end)`, a, fTs);
            yield { name, cat: 'cause', ph: 's', id, pid: pidOf(by), tid: tidOf(by), ts: sTs, args };
            yield { name, cat: 'cause', ph: 'f', bp: 'e', id, pid: pidOf(a), tid: tidOf(a), ts: fTs };
          }
          break;
        }
        case TYPE.block:
        case TYPE.wake: {
          const kind = store.type(i);
          const x = kind === 'wake' ? store.extra(i) : undefined;
          const args: Record<string, string | number> = { on: store.reason(i), ...(value !== undefined ? { detail: value } : {}) };
          if (x && typeof x.cause === 'string') args.cause = x.cause;
          if (x && typeof x.byLine === 'number') args['caused at'] = site(typeof x.byFile === 'string' ? x.byFile : undefined, x.byLine) ?? x.byLine;
          yield instant(a, label(`${kind} ${store.reason(i)}`, value), kind, args);
          if (kind === 'block' && a >= 0) blocks.set(a, { start: t, name: `waits on ${value ?? store.reason(i)}` });
          if (kind === 'wake' && a >= 0) {
            const b = blocks.get(a);
            blocks.delete(a);
            // The wait as a slice on the waiting task's track (nested in its running slice on threads).
            if (b)
              yield {
                name: b.name,
                cat: 'wait',
                ph: 'X',
                pid: pidOf(a),
                tid: tidOf(a),
                ts: us(b.start),
                dur: us(t) - us(b.start),
                args: { on: store.reason(i) },
              };
            // The cause as a flow: from the task that woke it (the setter, putter, canceller) to the woken task.
            const by = x && typeof x.by === 'string' ? store.laneOf(x.by) : undefined;
            if (by !== undefined && by !== a && (x?.cause === 'kill' || x?.cause === 'cancel')) this.endingWake.set(a, by);
            else this.endingWake.delete(a);
            if (by !== undefined && by !== a) {
              const id = ++this.flowId;
              const name = `${typeof x?.cause === 'string' ? x.cause : 'wake'}`;
              const sTs = yield* this.causeStart(by, t, name);
              // (a flow's finish binds to the slice around it: the wait's, else one of its own, as an end's; a wake
              // whose block the trace lacks had none, and the viewer dropped its arrow)
              if (!b) yield this.pin(`${name} (wake)`, a, us(t));
              yield { name, cat: 'cause', ph: 's', id, pid: pidOf(by), tid: tidOf(by), ts: sTs, args };
              yield { name, cat: 'cause', ph: 'f', bp: 'e', id, pid: pidOf(a), tid: tidOf(a), ts: us(t) };
            }
          }
          break;
        }
        case TYPE.send:
        case TYPE.recv: {
          const kind = store.type(i);
          const args: Record<string, string | number> = { channel: store.reason(i) };
          if (value !== undefined) args.value = value;
          const msg = store.num(i);
          if (!Number.isNaN(msg)) args.msg = msg;
          // the call as written (`q.put(5)`, `q.get() → 5`) when the runtime says which it was
          const op = transferOp(store, i);
          if (op !== undefined) args.op = op;
          const words = op === undefined ? undefined : kind === 'send' ? sendWords(store.reason(i), op, value) : recvWords(store.reason(i), op, value);
          yield instant(a, words ?? label(`${kind} ${store.reason(i)}`, value), kind, args);
          // A queue/channel/pool transfer as a flow from the sender's track to the receiver's (threads, processes).
          if (!Number.isNaN(msg) && a >= 0) {
            const key = `${store.reason(i)}\u0000${msg}`;
            if (kind === 'send') {
              sendFlows.set(key, { name: label(store.reason(i), value), cat: 'transfer', ph: 's', id: 0, pid: pidOf(a), tid: tidOf(a), ts: us(t), args });
            } else {
              const s = sendFlows.get(key);
              if (s !== undefined) {
                sendFlows.delete(key);
                const id = ++this.flowId;
                yield { ...s, id };
                yield { name: s.name, cat: 'transfer', ph: 'f', bp: 'e', id, pid: pidOf(a), tid: tidOf(a), ts: us(t) };
              }
            }
          }
          break;
        }
        case TYPE.output:
          yield instant(a, `${store.reason(i)}: ${truncate(value ?? '', 80)}`, 'output', { stream: store.reason(i), text: value ?? '' });
          break;
        case TYPE.mark: {
          const args: Record<string, string | number> = { kind: store.reason(i), message: value ?? '' };
          const num = store.num(i);
          if (!Number.isNaN(num)) args[store.reason(i) === 'events-dropped' ? 'count' : 'ms'] = num;
          yield instant(a, `${store.reason(i)}: ${truncate(value ?? '', 80)}`, 'mark', args);
          break;
        }
        case TYPE.finish: {
          const code = store.num(i);
          yield instant(-1, 'finish', 'finish', { exitCode: Number.isNaN(code) ? 'none' : code });
          break;
        }
        default:
          break;
      }
    }
  }

  /** What is left open at the end: the metadata of late lanes, the running spans. */
  *end(): Generator<ChromeTraceEvent> {
    yield* this.meta();
    for (const lane of [...this.open.keys()]) {
      const closed = this.close(lane, this.last);
      if (closed) yield closed;
    }
  }
}

function truncate(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

/** The JSON document in pieces (for streaming big traces to a file). */
export function* perfettoChunks(store: TraceStore, eventsPerChunk = 4096): Generator<string> {
  const w = new PerfettoText(store, eventsPerChunk);
  yield w.head();
  yield* w.rows(0, store.length);
  yield* w.tail();
}

/** The JSON document of a store fed in pieces: `head()` once the header is in, `rows(from, to)` per range, `tail()`. */
export class PerfettoText {
  private readonly stream: PerfettoStream;
  private first = true;

  constructor(
    private readonly store: TraceStore,
    private readonly eventsPerChunk = 4096,
  ) {
    this.stream = new PerfettoStream(store);
  }

  head(): string {
    return '{"displayTimeUnit":"ns","otherData":' + JSON.stringify(otherData(this.store)) + ',"traceEvents":[\n';
  }

  rows(from: number, to: number): Generator<string> {
    return this.text(this.stream.events(from, to));
  }

  *tail(): Generator<string> {
    yield* this.text(this.stream.end());
    yield '\n]}\n';
  }

  private *text(events: Iterable<ChromeTraceEvent>): Generator<string> {
    let buf: string[] = [];
    for (const ev of events) {
      buf.push(JSON.stringify(ev));
      if (buf.length >= this.eventsPerChunk) {
        yield (this.first ? '' : ',\n') + buf.join(',\n');
        this.first = false;
        buf = [];
      }
    }
    if (buf.length) {
      yield (this.first ? '' : ',\n') + buf.join(',\n');
      this.first = false;
    }
  }
}

/** The whole document as one string. */
export function toPerfetto(store: TraceStore): string {
  let s = '';
  for (const c of perfettoChunks(store)) s += c;
  return s;
}

function otherData(store: TraceStore): Record<string, string | number> {
  const h = store.header;
  const o: Record<string, string | number> = { generator: 'coroscope' };
  if (h) {
    o.script = h.script;
    o.python = h.python;
    o.runtime = h.runtime;
    o.startedAt = new Date(h.start).toISOString();
  }
  return o;
}
