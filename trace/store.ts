// TraceStore: the append-only, columnar in-memory trace shared by the host,
// the CLI and the webview. One event costs a few typed-array slots (~40 bytes)
// plus its strings, which are interned, so a million events fit in tens of MB
// and can be scanned without touching JS objects. Pure TypeScript: no Node, no
// DOM, no vscode.

import {
  type EventType, type HeaderEvent, type TaskEvent, type TraceEvent, type TraceLine,
  SCHEMA_VERSION, assertNever, validateEvent,
} from '../protocol/events';

const TYPE_CODES: Record<EventType, number> = {
  task: 0, switch: 1, end: 2, block: 3, wake: 4, send: 5, recv: 6, output: 7, mark: 8, finish: 9,
};
export const TYPE_NAMES: readonly EventType[] = ['task', 'switch', 'end', 'block', 'wake', 'send', 'recv', 'output', 'mark', 'finish'];
export const TYPE = TYPE_CODES;

/** Fields kept in columns for every event; anything else goes to the sparse `rest` map. */
const COLUMN_FIELDS = new Set(['type', 'ts', 'id', 'from', 'to', 'task', 'reason', 'outcome', 'on', 'channel', 'stream', 'kind',
  'value', 'detail', 'text', 'message', 'file', 'line', 'depth', 'msg', 'ms', 'count', 'exitCode']);

export interface DecodeProblem { line: number; message: string }

export class TraceStore {
  header: HeaderEvent | undefined;
  /** Lanes in order of declaration; a lane's number is its index here. */
  readonly tasks: TaskEvent[] = [];
  /** Parse or validation problems, the first 100 (see `problemCount`). */
  readonly problems: DecodeProblem[] = [];
  problemCount = 0;
  /** Events of types this reader does not know (the schema allows extensions). */
  unknownCount = 0;

  private readonly laneIds = new Map<string, number>();
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly rest = new Map<number, Record<string, unknown>>();
  private n = 0;
  private cap = 0;
  private col = {
    type: new Uint8Array(0), ts: new Float64Array(0), a: new Int32Array(0), b: new Int32Array(0),
    reason: new Int32Array(0), value: new Int32Array(0), file: new Int32Array(0), line: new Int32Array(0), num: new Float64Array(0),
  };
  private pending = '';
  private lineNo = 0;
  private t0 = NaN;

  get length(): number { return this.n; }

  /** Feed raw JSON Lines text; partial trailing lines are kept until the next call. Returns events added. */
  appendText(chunk: string): number {
    const text = this.pending + chunk;
    const lastNl = text.lastIndexOf('\n');
    if (lastNl < 0) { this.pending = text; return 0; }
    this.pending = text.slice(lastNl + 1);
    return this.appendLines(text.slice(0, lastNl));
  }

  /** Flush a final line that had no trailing newline (end of file or stream). */
  end(): number {
    const rest = this.pending;
    this.pending = '';
    return rest.trim() ? this.appendLines(rest) : 0;
  }

  private appendLines(block: string): number {
    const before = this.n;
    const lines = block.split('\n');
    // One JSON.parse over the whole batch is several times faster than one per
    // line; on any syntax error fall back to per-line parsing to locate it.
    let parsed: unknown[] | undefined;
    try {
      parsed = JSON.parse('[' + lines.filter((l) => l.trim() !== '').join(',') + ']') as unknown[];
    } catch { parsed = undefined; }
    if (parsed) {
      for (const raw of parsed) { this.lineNo++; this.appendRaw(raw); }
      this.lineNo += lines.length - parsed.length;
    } else {
      for (const l of lines) {
        this.lineNo++;
        if (!l.trim()) continue;
        let raw: unknown;
        try { raw = JSON.parse(l); } catch (e) { this.problem(`not JSON: ${(e as Error).message}`); continue; }
        this.appendRaw(raw);
      }
    }
    return this.n - before;
  }

  private appendRaw(raw: unknown): void {
    const ev = validateEvent(raw);
    if (typeof ev === 'string') {
      if (ev.startsWith('unknown event type')) this.unknownCount++;
      else this.problem(ev);
      return;
    }
    this.append(ev);
  }

  private problem(message: string): void {
    this.problemCount++;
    if (this.problems.length < 100) this.problems.push({ line: this.lineNo, message });
  }

  /** Append one validated event. */
  append(ev: TraceLine): void {
    if (ev.type === 'header') {
      // Child processes send their own headers; the first one is the trace's.
      if (!this.header) {
        this.header = ev;
        this.t0 = ev.ts;
        if (ev.schema !== SCHEMA_VERSION) this.problem(`trace schema ${ev.schema}, this reader expects ${SCHEMA_VERSION}`);
      }
      return;
    }
    if (Number.isNaN(this.t0)) this.t0 = ev.ts;
    const i = this.grow();
    const c = this.col;
    c.type[i] = TYPE_CODES[ev.type];
    c.ts[i] = ev.ts;
    c.a[i] = -1; c.b[i] = -1; c.reason[i] = -1; c.value[i] = -1; c.file[i] = -1; c.line[i] = 0; c.num[i] = NaN;
    if ('file' in ev && ev.file !== undefined) c.file[i] = this.intern(ev.file);
    if ('line' in ev && ev.line !== undefined) c.line[i] = ev.line;
    switch (ev.type) {
      case 'task': {
        let lane = this.laneIds.get(ev.id);
        if (lane === undefined) {
          lane = this.tasks.length;
          this.laneIds.set(ev.id, lane);
          this.tasks.push(ev);
        } else {
          this.tasks[lane] = ev; // a re-declaration (rename) updates the lane
        }
        c.a[i] = lane;
        c.reason[i] = this.intern(ev.kind);
        c.value[i] = this.intern(ev.name);
        break;
      }
      case 'switch':
        c.a[i] = this.lane(ev.from); c.b[i] = this.lane(ev.to);
        c.reason[i] = this.intern(ev.reason);
        if (ev.value !== undefined) c.value[i] = this.intern(ev.value);
        if (ev.depth !== undefined) c.num[i] = ev.depth;
        break;
      case 'end':
        c.a[i] = this.lane(ev.task); c.reason[i] = this.intern(ev.outcome);
        if (ev.value !== undefined) c.value[i] = this.intern(ev.value);
        break;
      case 'block':
      case 'wake':
        c.a[i] = this.lane(ev.task); c.reason[i] = this.intern(ev.on);
        if (ev.detail !== undefined) c.value[i] = this.intern(ev.detail);
        break;
      case 'send':
      case 'recv':
        c.a[i] = this.lane(ev.task); c.reason[i] = this.intern(ev.channel);
        if (ev.value !== undefined) c.value[i] = this.intern(ev.value);
        if (ev.msg !== undefined) c.num[i] = ev.msg;
        break;
      case 'output':
        c.a[i] = this.lane(ev.task); c.reason[i] = this.intern(ev.stream); c.value[i] = this.intern(ev.text);
        break;
      case 'mark':
        if (ev.task !== undefined) c.a[i] = this.lane(ev.task);
        c.reason[i] = this.intern(ev.kind); c.value[i] = this.intern(ev.message);
        if (ev.ms !== undefined) c.num[i] = ev.ms;
        else if (ev.count !== undefined) c.num[i] = ev.count;
        break;
      case 'finish':
        c.num[i] = ev.exitCode ?? NaN;
        break;
      default:
        assertNever(ev, 'event');
    }
    let extra: Record<string, unknown> | undefined;
    for (const k in ev) {
      if (COLUMN_FIELDS.has(k)) continue;
      (extra ??= {})[k] = (ev as unknown as Record<string, unknown>)[k];
    }
    if (ev.type === 'mark' && ev.ms !== undefined && ev.count !== undefined) (extra ??= {}).count = ev.count;
    if (extra) this.rest.set(i, extra);
  }

  /** Lane number of a task id, declaring an anonymous lane for ids never declared (tolerates lossy traces). */
  lane(id: string): number {
    const lane = this.laneIds.get(id);
    if (lane !== undefined) return lane;
    return this.declareImplicit(id);
  }

  laneOf(id: string): number | undefined { return this.laneIds.get(id); }

  private declareImplicit(id: string): number {
    const lane = this.tasks.length;
    this.laneIds.set(id, lane);
    this.tasks.push({ type: 'task', ts: 0, id, kind: 'main', name: `task ${id}`, parent: null });
    return lane;
  }

  private intern(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  private grow(): number {
    if (this.n === this.cap) {
      const cap = Math.max(1024, this.cap * 2);
      const c = this.col;
      const g = <T extends Uint8Array | Int32Array | Float64Array>(old: T, make: (n: number) => T): T => { const a = make(cap); a.set(old); return a; };
      this.col = {
        type: g(c.type, (k) => new Uint8Array(k)), ts: g(c.ts, (k) => new Float64Array(k)),
        a: g(c.a, (k) => new Int32Array(k)), b: g(c.b, (k) => new Int32Array(k)),
        reason: g(c.reason, (k) => new Int32Array(k)), value: g(c.value, (k) => new Int32Array(k)),
        file: g(c.file, (k) => new Int32Array(k)), line: g(c.line, (k) => new Int32Array(k)),
        num: g(c.num, (k) => new Float64Array(k)),
      };
      this.cap = cap;
    }
    return this.n++;
  }

  // Column accessors (index i in [0, length)).
  type(i: number): EventType { return TYPE_NAMES[this.col.type[i]]; }
  typeCode(i: number): number { return this.col.type[i]; }
  /** Absolute monotonic ns. */
  ts(i: number): number { return this.col.ts[i]; }
  /** ns since the trace start. */
  rel(i: number): number { return this.col.ts[i] - this.t0; }
  get startTs(): number { return this.t0; }
  /** Acting lane: `from` of a switch, `task` of the others; -1 if none. */
  a(i: number): number { return this.col.a[i]; }
  /** `to` lane of a switch, else -1. */
  b(i: number): number { return this.col.b[i]; }
  /** reason / outcome / on / channel / stream / mark kind / task kind, by type. */
  reason(i: number): string { const r = this.col.reason[i]; return r < 0 ? '' : this.strings[r]; }
  reasonId(i: number): number { return this.col.reason[i]; }
  /** value / detail / text / message / task name, by type. */
  value(i: number): string | undefined { const v = this.col.value[i]; return v < 0 ? undefined : this.strings[v]; }
  valueId(i: number): number { return this.col.value[i]; }
  file(i: number): string | undefined { const f = this.col.file[i]; return f < 0 ? undefined : this.strings[f]; }
  fileId(i: number): number { return this.col.file[i]; }
  line(i: number): number { return this.col.line[i]; }
  /** depth / msg / ms|count / exitCode, by type; NaN if absent. */
  num(i: number): number { return this.col.num[i]; }
  extra(i: number): Readonly<Record<string, unknown>> | undefined { return this.rest.get(i); }
  string(id: number): string { return this.strings[id]; }
  taskId(lane: number): string { return this.tasks[lane]?.id ?? ''; }

  /** Rebuild the event object at i (for details, export and tests; not for hot loops). */
  event(i: number): TraceEvent {
    const type = this.type(i);
    const ts = this.ts(i);
    const site: { file?: string; line?: number } = {};
    const f = this.file(i);
    if (f !== undefined) site.file = f;
    if (this.line(i)) site.line = this.line(i);
    const value = this.value(i);
    const num = this.num(i);
    const extra = this.rest.get(i) ?? {};
    const id = (lane: number) => this.taskId(lane);
    let ev: TraceEvent;
    switch (type) {
      case 'task': ev = { ...this.tasks[this.a(i)] }; break;
      case 'switch':
        ev = { type, ts, from: id(this.a(i)), to: id(this.b(i)), reason: this.reason(i), ...(value !== undefined ? { value } : {}), ...site, ...(Number.isNaN(num) ? {} : { depth: num }) };
        break;
      case 'end': ev = { type, ts, task: id(this.a(i)), outcome: this.reason(i) as never, ...(value !== undefined ? { value } : {}), ...site }; break;
      case 'block': case 'wake': ev = { type, ts, task: id(this.a(i)), on: this.reason(i), ...(value !== undefined ? { detail: value } : {}), ...site } as TraceEvent; break;
      case 'send': case 'recv': ev = { type, ts, task: id(this.a(i)), channel: this.reason(i), ...(value !== undefined ? { value } : {}), ...(Number.isNaN(num) ? {} : { msg: num }), ...site } as TraceEvent; break;
      case 'output': ev = { type, ts, task: id(this.a(i)), stream: this.reason(i) as 'stdout' | 'stderr', text: value ?? '' }; break;
      case 'mark': {
        const m: Record<string, unknown> = { type, ts, kind: this.reason(i), message: value ?? '', ...site };
        if (this.a(i) >= 0) m.task = id(this.a(i));
        if (!Number.isNaN(num)) { if (this.reason(i) === 'events-dropped') m.count = num; else m.ms = num; }
        ev = m as unknown as TraceEvent;
        break;
      }
      case 'finish': ev = { type, ts, exitCode: Number.isNaN(num) ? null : num, dropped: 0 }; break;
      default: return assertNever(type, 'event type');
    }
    return Object.assign(ev, extra) as TraceEvent;
  }

  /** Approximate bytes held: columns plus strings (2 bytes/char worst case) — for benchmarks and budgets. */
  approxBytes(): number {
    const colBytes = this.cap * (1 + 8 + 4 * 7 + 8);
    let strBytes = 0;
    for (const s of this.strings) strBytes += 24 + s.length;
    return colBytes + strBytes + this.rest.size * 64;
  }
}
