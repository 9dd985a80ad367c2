// The trace event schema: the contract between the Python runtime and every
// TypeScript reader (host, CLI, webview, language server). docs/protocol.md is
// its prose twin; change both together and bump SCHEMA_VERSION on any
// incompatible change. No imports: this module must stay dependency-free.

export const SCHEMA_VERSION = 1;

/** Task ids are strings, unique in one trace: "1", "2"… in the root process, "<pid>:<n>" in child processes. */
export type TaskId = string;

export const TASK_KINDS = [
  'main',
  'generator',
  'coroutine',
  'async-generator',
  'asyncio-task',
  'greenlet',
  'tasklet',
  'thread',
  'process',
  'event-loop',
  'hub',
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** Why control moved. Readers must accept reasons not listed here (shown as-is). */
export const SWITCH_REASONS = [
  'start',
  'resume',
  'yield',
  'return',
  'raise',
  'switch',
  'throw',
  'close',
  'schedule',
  'channel',
  'io-wait',
  'sleep',
  'join',
  'queue',
  'lock',
  'await',
  'step',
  'kill',
  'dns',
  'thread',
  'future',
] as const;
export type SwitchReason = (typeof SWITCH_REASONS)[number] | (string & {});

/** What a task blocks on / wakes from. */
export const WAIT_KINDS = ['fd', 'timer', 'future', 'channel', 'queue', 'lock', 'task', 'thread', 'process', 'dns', 'event'] as const;
export type WaitKind = (typeof WAIT_KINDS)[number] | (string & {});

/** `unfinished`: the task was still alive (paused or blocked) when the program ended; the end says where. */
export const END_OUTCOMES = ['return', 'exception', 'cancelled', 'killed', 'exit', 'unfinished'] as const;
export type EndOutcome = (typeof END_OUTCOMES)[number];

/**
 * Why a blocked task woke up (`wake.cause`). Readers must accept causes not listed here (shown as-is).
 * `timer`: its sleep/timeout elapsed; `fd`: a socket/pipe became ready; `cancel`: another task cancelled it;
 * `timeout`: a `wait_for`/`asyncio.timeout`/`gevent.Timeout` fired; `set`: an event was set; `release`: a lock or
 * semaphore was released; `notify`: a condition was notified; `put`/`get`: a queue got an item/room;
 * `send`/`receive`: a channel or generator transfer; `done`: a future/AsyncResult/joined task, thread or process
 * finished; `signal`: the waking call was made by a signal handler (`wake.signal` names the signal), or a signal
 * handler's exception ended a sleep; `kill`: the task was killed.
 */
export const WAKE_CAUSES = ['timer', 'fd', 'cancel', 'timeout', 'set', 'release', 'notify', 'put', 'get', 'send', 'receive', 'done', 'signal', 'kill'] as const;
export type WakeCause = (typeof WAKE_CAUSES)[number] | (string & {});

export const MARK_KINDS = ['loop-blocked', 'events-dropped', 'runtime-error', 'truncated', 'info'] as const;
export type MarkKind = (typeof MARK_KINDS)[number] | (string & {});

export interface HeaderEvent {
  type: 'header';
  schema: number;
  /** "coroscope <version>" of the runtime that wrote the trace. */
  runtime: string;
  python: string;
  /** "monitoring" (sys.monitoring, 3.12+) or "settrace". */
  capture: 'monitoring' | 'settrace';
  script: string;
  argv: string[];
  cwd: string;
  pid: number;
  /** Wall-clock start, milliseconds since the Unix epoch. */
  start: number;
  /** Monotonic ns at `start`; every later `ts` is on the same clock. */
  ts: number;
  /** "emulated" when the program imported `stackless` and the runtime supplied its own (no real Stackless Python). */
  stackless?: 'emulated';
}

/** Declares a lane. Emitted before any event that names the task. */
export interface TaskEvent {
  type: 'task';
  ts: number;
  id: TaskId;
  kind: TaskKind;
  name: string;
  parent: TaskId | null;
  /** Creation site. */
  file?: string;
  line?: number;
  /** Code site (the def of the generator/coroutine/function the task runs). */
  codeFile?: string;
  codeLine?: number;
  pid?: number;
  /** asyncio tasks: the lane of the event loop that runs their steps (what `step`/`resume`/`suspend` switch with). */
  loop?: TaskId;
  /**
   * What `file`/`line` are: "create" (the call that created the task, the default when absent) or "first-run"
   * (the runtime could not see the creation cheaply; the site is where the task first ran). Readers must not call a
   * "first-run" site a creation.
   */
  site?: 'create' | 'first-run';
  /**
   * Safe, capped summary of the arguments a spawned callable was given, e.g. "(1, 'a')"; for an asyncio task, its
   * coroutine's parameters as the call would show them (`create_task(fetch(1))` → "(1)").
   */
  args?: string;
  /** Tasklets of the runtime's own `stackless` module (no real Stackless Python): "emulated". */
  stackless?: 'emulated';
}

/** The program renamed a task (`task.set_name`, `thread.name = …`): its display name from here on. */
export interface RenameEvent {
  type: 'rename';
  ts: number;
  task: TaskId;
  name: string;
}

/** Control passes from task `from` to task `to`. */
export interface SwitchEvent {
  type: 'switch';
  ts: number;
  from: TaskId;
  to: TaskId;
  reason: SwitchReason;
  /** Short safe repr of the value that crossed (sent, yielded, returned, switched with). */
  value?: string;
  /** Where `from` gave up control (its yield/await/switch/send site). */
  file?: string;
  line?: number;
  /** Where `to` resumes, when known. */
  toFile?: string;
  toLine?: number;
  /** Delegation depth inside `to` after the switch (0 = the task's own frame; `yield from`/`await` nesting adds 1 per level). */
  depth?: number;
  /** Innermost delegated code running in `to` (e.g. the sub-generator's name) when depth > 0. */
  frame?: string;
  /** `value` is the tuple of positional arguments of a call such as `g.switch(2, 3)`: draw it as `(2, 3)` arguments. */
  args?: boolean;
  /** On a `return` within one lane (`from` = `to`): the delegated generator/coroutine that returned (`inner`), not the lane. */
  delegate?: string;
}

export interface EndEvent {
  type: 'end';
  ts: number;
  task: TaskId;
  outcome: EndOutcome;
  /** Return value repr, or the exception's repr (`ValueError('bad 1')`); for a process, its exit code. */
  value?: string;
  /** Where it ended; for `unfinished`, where it is paused. */
  file?: string;
  line?: number;
  /** For `unfinished`: what it waits on, in words (e.g. "queue q", "Event ready"). */
  waits?: string;
  /** For `killed` (gevent greenlets): the task that killed it (`g.kill()`, `gevent.killall`), and its call there. */
  by?: TaskId;
  byFile?: string;
  byLine?: number;
}

export interface BlockEvent {
  type: 'block';
  ts: number;
  task: TaskId;
  on: WaitKind;
  /** e.g. "fd=7 read", "0.01 s", "Future pending", "channel#2". */
  detail?: string;
  file?: string;
  line?: number;
}

export interface WakeEvent {
  type: 'wake';
  ts: number;
  task: TaskId;
  on: WaitKind;
  detail?: string;
  /** Why it woke (see WAKE_CAUSES). Absent in traces of older runtimes. */
  cause?: WakeCause;
  /** The task that caused the wake (the setter, putter, canceller…), when there is one. */
  by?: TaskId;
  /** The call site in `by` that caused it (e.g. the `event.set()` line). */
  byFile?: string;
  byLine?: number;
  /**
   * With cause `signal`: the signal whose handler made the waking call (`"SIGUSR1"`; several joined by `/` when one
   * handler serves them). Absent in traces of older runtimes.
   */
  signal?: string;
  /** With cause `timeout`: the timeout's length in seconds, as the program gave it (`wait_for(…, 0.02)`), when known. */
  after?: number;
}

/** What a `send` and its `recv` both carry. */
interface TransferFields {
  ts: number;
  task: TaskId;
  /** Channel/queue identity, e.g. "channel#1", "Queue#2". */
  channel: string;
  value?: string;
  /** Pairs a `send` with its `recv` (same channel, same msg). */
  msg?: number;
  /**
   * The method the program called, as written: on `send` `put`, `put_nowait`, `send`, ...; on `recv` `get`,
   * `get_nowait`, `recv`, `receive`, .... Absent in traces of older runtimes: read as `send`/`receive`.
   */
  op?: string;
  file?: string;
  line?: number;
  /**
   * Compact forms (asyncio): `line` without `file` is in the task's `codeFile`; the task's step began at `stepTs`, resuming at `stepLine`, and nothing else
   * happened before this transfer — the `resume` event folded into this line (`unfoldTransfer`).
   */
  stepTs?: number;
  stepLine?: number;
}

/** A value put on a channel or queue. */
export interface SendEvent extends TransferFields {
  type: 'send';
}

/** A value taken from a channel or queue. */
export interface RecvEvent extends TransferFields {
  type: 'recv';
}

export interface OutputEvent {
  type: 'output';
  ts: number;
  task: TaskId;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface MarkEvent {
  type: 'mark';
  ts: number;
  kind: MarkKind;
  message: string;
  task?: TaskId;
  /** For loop-blocked: how long, in ms. */
  ms?: number;
  /** For events-dropped: how many. */
  count?: number;
  file?: string;
  line?: number;
}

/** The last line of a complete trace (absent when the process died abruptly). */
export interface FinishEvent {
  type: 'finish';
  ts: number;
  exitCode: number | null;
  /** Events the runtime could not deliver. */
  dropped: number;
  /** The signal that ended the process, when one did (e.g. "SIGINT"). */
  signal?: string;
}

export type TraceEvent =
  | TaskEvent
  | SwitchEvent
  | EndEvent
  | BlockEvent
  | WakeEvent
  | SendEvent
  | RecvEvent
  | OutputEvent
  | MarkEvent
  | FinishEvent
  | RenameEvent;

/**
 * Compact forms of the two switches of an asyncio task's commonest step: the event loop resumes the task
 * with nothing (reason "step"), and the task gives control back with `await asyncio.sleep(0)` (reason
 * "sleep", value "0"), both in the task's own coroutine (its declaration's `codeFile`). The runtime writes
 * them this way because they are most of a busy asyncio program's trace; readers expand them with
 * `expandCompact` and never see them otherwise.
 */
export interface ResumeEvent {
  type: 'resume';
  ts: number;
  task: TaskId;
  /** Where the task resumes. */
  line: number;
}

export interface SuspendEvent {
  type: 'suspend';
  ts: number;
  task: TaskId;
  /** Where the task gave control back. */
  line: number;
}

/** A whole step with nothing else in between: a `resume` at `ts` and a `suspend` at `ts + dur`. */
export interface StepEvent {
  type: 'step';
  ts: number;
  task: TaskId;
  dur: number;
  /** Where the task gave control back. */
  line: number;
  /** Where it resumed, when not `line`. */
  toLine?: number;
}

/**
 * Compact forms of a generator's steady-state switches with the lane that declared it: resumed (next/send/for)
 * from its declared site's lane and file (`parent`, `file` of its `task` line), and yielding back there. The
 * runtime writes them this way because a loop driving a generator makes two switches per turn; readers expand
 * them with `expandCompact`.
 */
export interface GenResumeEvent {
  type: 'gresume';
  ts: number;
  task: TaskId;
  /** The resuming line, in the task's declared `file`. */
  line: number;
  /** Where the generator resumes, in its `codeFile`. */
  toLine: number;
  /** The value sent, when known. */
  value?: string;
}

export interface GenYieldEvent {
  type: 'gyield';
  ts: number;
  task: TaskId;
  /** The yield, in the task's `codeFile`. */
  line: number;
  /** Where the resumer goes on, in the task's declared `file`. */
  toLine: number;
  value: string;
}

/** A `gresume` at `ts` (line `at`, to `toLine`, value `sent`) and its `gyield` at `ts + dur` (line `line`, to `at`, value `value`). */
export interface GenStepEvent {
  type: 'gstep';
  ts: number;
  dur: number;
  task: TaskId;
  line: number;
  toLine: number;
  at: number;
  sent?: string;
  value: string;
}

/**
 * A run of `gstep`s of one generator at the same sites (`line`, `toLine`, `at`) with nothing else in between: turn k
 * is a `gresume` (value `sent[k]`) and its `gyield` (value `value[k]`). `dur` holds the differences between the ts
 * of consecutive switches (resume 0, yield 0, resume 1, …: 2n − 1 numbers for n turns), the first at `ts`. A value
 * is a JSON number for an int (its decimal text), a string for anything else, `null` in `sent` when not known;
 * `sent` is left out when no value sent is known.
 */
export interface GenStepsEvent {
  type: 'gsteps';
  ts: number;
  dur: number[];
  task: TaskId;
  line: number;
  toLine: number;
  at: number;
  sent?: (number | string | null)[];
  value: (number | string)[];
}

export type CompactEvent = ResumeEvent | SuspendEvent | StepEvent | GenResumeEvent | GenYieldEvent | GenStepEvent | GenStepsEvent;
export const COMPACT_TYPES: readonly CompactEvent['type'][] = ['resume', 'suspend', 'step', 'gresume', 'gyield', 'gstep', 'gsteps'];

/** A value of a `gsteps` run as the switch's value: an int's decimal text, a string as it is, null: unknown. */
export function runValue(v: number | string | null | undefined): string | undefined {
  return v === null || v === undefined ? undefined : typeof v === 'number' ? String(v) : v;
}

/** Whether a line is one of the compact forms `expandCompact` expands. */
export function isCompact(ev: TraceLine): ev is CompactEvent {
  switch (ev.type) {
    case 'resume':
    case 'suspend':
    case 'step':
    case 'gresume':
    case 'gyield':
    case 'gstep':
    case 'gsteps':
      return true;
    default:
      return false;
  }
}

/**
 * The local variables of a task's frame (opt-in: `coroscope run --locals`), written right after the switch (or
 * asyncio step) where the task gave up control, or at a generator's start (its arguments). Not an event of its own
 * for readers: they attach it to the line before it (in the store: the last row so far) and show, for a task at a
 * step, the last `locals` of that task at or before the step. A task whose locals did not change gets no new line.
 */
export interface LocalsEvent {
  type: 'locals';
  ts: number;
  task: TaskId;
  /** The qualified name of the frame whose locals these are (the generator, coroutine, or a greenlet's innermost user frame). */
  frame: string;
  /** Variable name → safe repr (capped: 80 characters a value, 24 variables and 1,500 characters a line). */
  vars: Record<string, string>;
  /** How many variables were left out by the caps. */
  more?: number;
}

export type TraceLine = HeaderEvent | TraceEvent | CompactEvent | LocalsEvent;

/** The switch events a compact event stands for; `task` is the declaration of its task (undefined: not declared). */
export function expandCompact(ev: CompactEvent, task: TaskEvent | undefined): SwitchEvent[] {
  const loop = task?.loop ?? task?.parent ?? '?';
  const file = task?.codeFile;
  const resume = (ts: number, line: number): SwitchEvent => ({
    type: 'switch',
    ts,
    from: loop,
    to: ev.task,
    reason: 'step',
    ...(file !== undefined ? { toFile: file } : {}),
    toLine: line,
  });
  const suspend = (ts: number, line: number): SwitchEvent => ({
    type: 'switch',
    ts,
    from: ev.task,
    to: loop,
    reason: 'sleep',
    value: '0',
    ...(file !== undefined ? { file } : {}),
    line,
  });
  // generators: from / to the declaring lane, at its declared site's file
  const parent = task?.parent ?? '?';
  const site = task?.file;
  const gresume = (ts: number, line: number, toLine: number, value: string | undefined): SwitchEvent => ({
    type: 'switch',
    ts,
    from: parent,
    to: ev.task,
    reason: 'resume',
    ...(value !== undefined ? { value } : {}),
    ...(site !== undefined ? { file: site } : {}),
    line,
    ...(file !== undefined ? { toFile: file } : {}),
    toLine,
  });
  const gyield = (ts: number, line: number, toLine: number, value: string): SwitchEvent => ({
    type: 'switch',
    ts,
    from: ev.task,
    to: parent,
    reason: 'yield',
    value,
    ...(file !== undefined ? { file } : {}),
    line,
    ...(site !== undefined ? { toFile: site } : {}),
    toLine,
  });
  switch (ev.type) {
    case 'resume':
      return [resume(ev.ts, ev.line)];
    case 'suspend':
      return [suspend(ev.ts, ev.line)];
    case 'step':
      return [resume(ev.ts, ev.toLine ?? ev.line), suspend(ev.ts + ev.dur, ev.line)];
    case 'gresume':
      return [gresume(ev.ts, ev.line, ev.toLine, ev.value)];
    case 'gyield':
      return [gyield(ev.ts, ev.line, ev.toLine, ev.value)];
    case 'gstep':
      return [gresume(ev.ts, ev.at, ev.toLine, ev.sent), gyield(ev.ts + ev.dur, ev.line, ev.at, ev.value)];
    case 'gsteps': {
      const out: SwitchEvent[] = [];
      let ts = ev.ts;
      for (let k = 0; k < ev.value.length; k++) {
        if (k > 0) ts += ev.dur[2 * k - 1] ?? 0;
        out.push(gresume(ts, ev.at, ev.toLine, runValue(ev.sent?.[k])));
        ts += ev.dur[2 * k] ?? 0;
        out.push(gyield(ts, ev.line, ev.at, runValue(ev.value[k]) ?? ''));
      }
      return out;
    }
    default:
      return assertNever(ev, 'compact event');
  }
}

/**
 * A transfer as written compactly: a `line` without a `file` is in its task's `codeFile`, and a transfer that
 * carries the start of its task's step stands for that `resume` (as a switch) first, then the transfer itself.
 */
export function unfoldTransfer<T extends SendEvent | RecvEvent>(ev: T, task: TaskEvent | undefined): { resume: SwitchEvent[]; transfer: T } {
  const { stepTs, stepLine, ...rest } = ev;
  const transfer = rest as T;
  if (transfer.file === undefined && transfer.line !== undefined && task?.codeFile !== undefined) transfer.file = task.codeFile;
  const resume = stepTs === undefined ? [] : expandCompact({ type: 'resume', ts: stepTs, task: ev.task, line: stepLine ?? 0 }, task);
  return { resume, transfer };
}

/** A `gsteps` line's shape: n ≥ 1 turns, 2n − 1 finite durations, n values (and n sent values, when present). */
function validSteps(o: Record<string, unknown>): boolean {
  if (typeof o.task !== 'string' || typeof o.line !== 'number' || typeof o.toLine !== 'number' || typeof o.at !== 'number') return false;
  const { dur, value, sent } = o;
  if (!Array.isArray(value) || value.length === 0 || !Array.isArray(dur) || dur.length !== 2 * value.length - 1) return false;
  if (!dur.every((d) => typeof d === 'number' && Number.isFinite(d))) return false;
  const isValue = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v));
  if (!value.every(isValue)) return false;
  return sent === undefined || (Array.isArray(sent) && sent.length === value.length && sent.every((v) => v === null || isValue(v)));
}

export type EventType = TraceEvent['type'];
export const EVENT_TYPES: readonly EventType[] = ['task', 'switch', 'end', 'block', 'wake', 'send', 'recv', 'output', 'mark', 'finish', 'rename'];

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}

/** Validation at the boundary: returns the event or a reason it is not one. */
export function validateEvent(raw: unknown): TraceLine | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const o = raw as Record<string, unknown>;
  const str = (k: string) => typeof o[k] === 'string';
  const optStr = (k: string) => o[k] === undefined || typeof o[k] === 'string';
  const optNum = (k: string) => o[k] === undefined || typeof o[k] === 'number';
  const type = o.type;
  if (type === 'header') {
    if (typeof o.schema !== 'number') return 'header without schema';
    return o as unknown as HeaderEvent;
  }
  if (typeof type !== 'string') return 'missing "type"';
  if (typeof o.ts !== 'number' || !Number.isFinite(o.ts)) return `${type}: missing numeric "ts"`;
  if (!optStr('file') || !optNum('line')) return `${type}: bad file/line`;
  const t = type as EventType | CompactEvent['type'] | 'locals';
  switch (t) {
    case 'task':
      if (!str('id') || !str('name') || !str('kind')) return 'task: needs id, kind, name';
      if (o.parent !== null && o.parent !== undefined && typeof o.parent !== 'string') return 'task: bad parent';
      if (!optStr('loop') || !optStr('args') || !optStr('site')) return 'task: bad loop/args/site';
      return o as unknown as TaskEvent;
    case 'switch':
      if (!str('from') || !str('to') || !str('reason')) return 'switch: needs from, to, reason';
      if (!optStr('value') || !optStr('toFile') || !optNum('toLine') || !optNum('depth') || !optStr('frame') || !optStr('delegate'))
        return 'switch: bad optional field';
      return o as unknown as SwitchEvent;
    case 'end':
      if (!str('task') || !str('outcome') || !optStr('value') || !optStr('waits')) return 'end: needs task, outcome';
      if (!optStr('by') || !optStr('byFile') || !optNum('byLine')) return 'end: bad by';
      return o as unknown as EndEvent;
    case 'block':
    case 'wake':
      if (!str('task') || !str('on') || !optStr('detail')) return `${t}: needs task, on`;
      if (!optStr('cause') || !optStr('by') || !optStr('byFile') || !optNum('byLine') || !optStr('signal') || !optNum('after')) return `${t}: bad cause/by`;
      return o as unknown as BlockEvent | WakeEvent;
    case 'send':
    case 'recv':
      if (!str('task') || !str('channel') || !optStr('value') || !optNum('msg')) return `${t}: needs task, channel`;
      if (!optStr('op')) return `${t}: bad op`;
      if (o.stepTs !== undefined && (typeof o.stepTs !== 'number' || !Number.isFinite(o.stepTs) || typeof o.stepLine !== 'number')) {
        return `${t}: stepTs needs stepLine`;
      }
      if (o.stepLine !== undefined && o.stepTs === undefined) return `${t}: stepLine without stepTs`;
      return o as unknown as SendEvent | RecvEvent;
    case 'output':
      if (!str('task') || !str('text') || (o.stream !== 'stdout' && o.stream !== 'stderr')) return 'output: needs task, stream, text';
      return o as unknown as OutputEvent;
    case 'mark':
      if (!str('kind') || !str('message') || !optStr('task') || !optNum('ms') || !optNum('count')) return 'mark: needs kind, message';
      return o as unknown as MarkEvent;
    case 'rename':
      if (!str('task') || !str('name')) return 'rename: needs task, name';
      return o as unknown as RenameEvent;
    case 'finish':
      if (!optNum('dropped')) return 'finish: bad dropped';
      return o as unknown as FinishEvent;
    case 'locals': {
      if (!str('task') || !str('frame') || !optNum('more')) return 'locals: needs task, frame';
      const v = o.vars;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'locals: needs vars';
      for (const k in v) if (typeof (v as Record<string, unknown>)[k] !== 'string') return 'locals: a value is not a string';
      return o as unknown as LocalsEvent;
    }
    case 'resume':
    case 'suspend':
    case 'step':
      if (!str('task') || typeof o.line !== 'number') return `${t}: needs task, line`;
      if (t === 'step' && (typeof o.dur !== 'number' || !Number.isFinite(o.dur) || !optNum('toLine'))) return 'step: needs dur';
      return o as unknown as CompactEvent;
    case 'gresume':
    case 'gyield':
    case 'gstep':
      if (!str('task') || typeof o.line !== 'number' || typeof o.toLine !== 'number') return `${t}: needs task, line, toLine`;
      if (t === 'gresume' ? !optStr('value') : !str('value')) return `${t}: bad value`;
      if (t === 'gstep' && (typeof o.dur !== 'number' || !Number.isFinite(o.dur) || typeof o.at !== 'number' || !optStr('sent'))) return 'gstep: needs dur, at';
      return o as unknown as CompactEvent;
    case 'gsteps':
      return validSteps(o) ? (o as unknown as GenStepsEvent) : 'gsteps: needs task, line, toLine, at, dur, value (n turns: 2n - 1 durations, n values)';
    default:
      // Unknown types are allowed by the schema ("extend freely"); readers skip them.
      return `unknown event type "${String(type)}"`;
  }
}
