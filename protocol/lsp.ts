// Custom LSP messages between the extension (language client) and the
// Coroscope language server, and the per-line statistics they carry.

/** Client → server notification: what the last run saw, per source line. */
export const STATS_NOTIFICATION = 'coroscope/stats';
/** Command a CodeLens runs: opens the diagram at an event. Argument: `RevealEventArgs`. */
export const REVEAL_EVENT_COMMAND = 'coroscope.revealEvent';

export interface RevealEventArgs {
  index: number;
}

/** What happened at one yield point (a line where tasks suspended). */
export interface YieldPointStats {
  /** 1-based line. */
  line: number;
  /** How many times a task suspended here. */
  suspends: number;
  /** How many times it was resumed after suspending here. */
  resumes: number;
  /** Total and longest time suspended here, ns. */
  suspendedNs: number;
  longestNs: number;
  /** Names of the tasks that resumed it, most frequent first. */
  resumedBy: string[];
  /** Last value sent in (resume value) and last value yielded out, as reprs. */
  lastSent?: string;
  lastYielded?: string;
  /** Reasons seen here (yield, await, switch, sleep…). */
  reasons: string[];
  /** Index of the first event at this line (for "open in diagram"). */
  firstEvent: number;
  /** Up to 64 suspend intervals [startNs, endNs] relative to the trace start, for the hover's timeline. */
  spans: [number, number][];
  /**
   * Where plain code resumed it: for resumers on `main`/`thread`/`process`
   * lanes (whose lane name says little), the sites where the resumer gave up
   * control (e.g. the `c.send(n)` call), most frequent first, at most 16. The
   * language server names such a resumer by the def enclosing the site
   * (`resumed by produce`) instead of `task`.
   */
  resumedFrom?: ResumeSite[];
  /**
   * Waits at this line that were not a switch (a thread, process or main lane
   * in `block` until its `wake`: `queue.get()`, `t.join()`, a lock): how many
   * ended, the time waited in all and the longest, what they waited on, who
   * woke them (`wake.by`, names), and how many were still waiting at the end.
   */
  waits?: number;
  waitedNs?: number;
  longestWaitNs?: number;
  waitOn?: string[];
  wokenBy?: string[];
  stillWaiting?: number;
  /** Values put on (`send`) / taken from (`recv`) a queue, channel or pool here, the channels, the last values. */
  puts?: number;
  gets?: number;
  channels?: string[];
  lastPut?: string;
  lastGot?: string;
  /**
   * Suspensions that passed through this line to a delegate (`yield from inner()`, `await fetch()`: the task
   * suspended deeper, in the delegate's code, while its own frame waited here): how many, the time, the
   * delegates (the innermost frame, most frequent first), and the value the last delegate that returned here gave
   * back (what the `yield from` expression evaluated to).
   */
  through?: number;
  throughNs?: number;
  delegates?: string[];
  returned?: string;
}

/** A resume site: the resuming task (as named in `resumedBy`) gave up control at file:line `count` times. */
export interface ResumeSite {
  file: string;
  /** 1-based line. */
  line: number;
  task: string;
  count: number;
}

/** A lane summary for a def line (generator/coroutine/function a task ran). */
export interface DefinitionStats {
  line: number;
  name: string;
  kind: string;
  tasks: number;
  switches: number;
  /** e.g. "returned 3", "raised ValueError('x')" (the exception's repr as the runtime writes it), "cancelled". */
  outcomes: string[];
  firstEvent: number;
  /**
   * The lanes' code site was not in the program's files (a function run by
   * `gevent.spawn` reports gevent's own code) or the function ran as pool calls:
   * `line` is 0 and the language server finds the def by `name` in this file.
   */
  byName?: boolean;
  /** Waits (block → wake) and queue/channel transfers of these lanes, when they did not switch. */
  waits?: number;
  transfers?: number;
  /** Calls of this function run by a pool or executor (`submit`, `map`, `apply_async`), and the pool's channel. */
  calls?: number;
  via?: string;
  /** The last call's result (the worker's answer), as a repr. */
  lastResult?: string;
}

/** A runtime finding at a line, e.g. the blocking detector's loop-blocked mark. */
export interface LineMark {
  line: number;
  kind: string;
  message: string;
  firstEvent: number;
}

export interface FileStats {
  /** Absolute path as the runtime reported it. */
  file: string;
  yields: YieldPointStats[];
  defs: DefinitionStats[];
  marks: LineMark[];
}

export interface StatsParams {
  /** Identifies the run; lenses show "(last run)" data until the next one. */
  runId: string;
  /** Ended or still running. */
  live: boolean;
  files: FileStats[];
  /** Trace length so far, ns (the hover's timeline spans 0 → durationNs). */
  durationNs?: number;
}

/**
 * The language server's settings: sent as `initializationOptions` and, on
 * change, as `workspace/didChangeConfiguration` `{ settings: { coroscope: … } }`.
 * Mirrors coroscope.lens/hover/diagnostics.enabled.
 */
export interface LensServerSettings {
  lens: { enabled: boolean };
  hover: { enabled: boolean };
  diagnostics: { enabled: boolean };
}
