// Messages between the extension host (or the CLI's HTML report shell) and the
// diagram webview. Both directions are discriminated unions; the receiver
// validates with the guards below before use. What only tests send or read
// (text chunks, summaries) is in test-messages.ts.

// webview/app.ts builds the summary the test API reads; it imports the type from here.
export type { DiagramSummary } from './test-messages';

/** Host → webview. */
export type HostMessage =
  /** Start a new trace (clears the diagram). */
  | { type: 'reset'; title: string; live: boolean }
  /**
   * Whole JSON Lines of the trace, in order (header included in the first chunk), as UTF-8 bytes exactly as the
   * runtime wrote them: the webview scans bytes without a decode or a string copy. A typed array travels through
   * VS Code's postMessage as a buffer, not as text.
   */
  | { type: 'appendBytes'; bytes: Uint8Array }
  /**
   * Rows as column blocks (trace/column-block.ts: a store's columns and the names, sites, lanes and values they use),
   * imported in order into a store that got nothing else since `reset`. Only the CLI's HTML report sends it.
   */
  | { type: 'appendColumns'; bytes: Uint8Array }
  /** The run's state changed. */
  | { type: 'status'; state: RunState; exitCode?: number | null; message?: string }
  /** The editor's selection moved to this line: highlight its events. `line` is 1-based; 0 clears. */
  | { type: 'highlight'; file: string; line: number }
  /** Scroll to and select the event with this index (0-based, header excluded). */
  | { type: 'focus'; index: number }
  /** Move the step cursor to this task's event nearest to the cursor (a click on its decorated line in the editor). */
  | { type: 'cursorTo'; task: string }
  /**
   * The program's own source files the trace names (never the standard library's), for the Tasks pane's line texts
   * and, with `pane`, a source pane (the report). `capped`: some files were left out to keep the page small.
   */
  | { type: 'sources'; files: { file: string; text: string }[]; capped: boolean; pane: boolean }
  /** Whether the next run records locals (the `coroscope.captureLocals` setting): the toolbar's Locals toggle shows it. Only VS Code sends it. */
  | { type: 'captureLocals'; on: boolean }
  /**
   * Paging mode (a trace above `coroscope.paging.thresholdEvents`): sent right after `reset`, the page holds a window
   * of the run. The `appendBytes` that follow are first `prelude` rows (the declarations of the lanes declared before
   * the window, plus the header line), then the run's rows from global index `base` on; `total` rows exist so far.
   * `follow`: the window is the newest part, and a live run's batches keep arriving after it. Only VS Code sends it.
   */
  | { type: 'page'; base: number; prelude: number; total: number; follow: boolean; overview: PageOverview | null }
  /** Paging mode, live: the run has `total` rows now (the window does not grow unless it follows). */
  | { type: 'pageTotal'; total: number; overview: PageOverview | null }
  /**
   * Paging mode: the answer to `wantSearch` over the whole run (the trace file), sent as the scan goes (`done` last):
   * `count` matches among the first `scanned` of `total` rows, the first `hits` of them (global indices, ascending,
   * at most 10,000). Only VS Code sends it.
   */
  | { type: 'searchHits'; query: string; count: number; hits: number[]; scanned: number; total: number; done: boolean };

/**
 * The whole run, small (trace/overview.ts `OverviewData`): per lane, events per bin of `binNs` ns; `total` per bin
 * for all lanes (their running sum maps a time to an event index).
 */
export interface PageOverview {
  binNs: number;
  bins: number;
  total: number[];
  lanes: { lane: number; id: string; name: string; counts: number[] }[];
  more: number;
}

export type RunState = 'running' | 'exited' | 'stopped' | 'failed' | 'loaded';

/** Webview → host. */
export type WebviewMessage =
  /** The page has loaded and wants the current trace replayed. */
  | { type: 'ready' }
  /** The user clicked an event: open its source. `line` is 1-based. */
  | { type: 'reveal'; file: string; line: number; index: number }
  /** The user exported the visible diagram; `data` is SVG text or a PNG data: URL. */
  | { type: 'saveImage'; format: 'svg' | 'png'; data: string }
  /** The user pressed Stop in the panel. */
  | { type: 'stop' }
  /**
   * The step cursor moved (`step`: the gutter's row number, 0 = no cursor; `index`: its event, -1 = none): the tasks
   * that are somewhere in the source at that step, for the editor's decorations.
   */
  | { type: 'cursor'; step: number; index: number; tasks: CursorTask[] }
  /** The trace names these program files the page has no text of: the host answers with `sources` (what it may read). */
  | { type: 'wantSources'; files: string[] }
  /** The user toggled Locals: the next run records locals (`on`) or not; the host saves it as the setting. */
  | { type: 'setCaptureLocals'; on: boolean }
  /**
   * Paging mode: show the run's rows [from, to) (global event indices). The host answers with `reset`, `page` and the
   * bytes; a range reaching the run's end (`to` ≥ its rows; the page sends Number.MAX_SAFE_INTEGER) follows the newest rows.
   */
  | { type: 'wantRange'; from: number; to: number }
  /** Paging mode: search the whole run for this query (webview/query.ts syntax; '' stops a search). Answered by `searchHits`. */
  | { type: 'wantSearch'; query: string }
  /**
   * Flow control: the page has taken `bytes` bytes of `appendBytes` since it loaded (a running count). The host keeps
   * only a few MB posted and not yet taken (extension/panel/flow.ts).
   */
  | { type: 'received'; bytes: number };

/** A task placed in the source at the cursor's step. `note`: the after-line text, e.g. `⏸ consumer — waiting at yield, last got 2`. */
export interface CursorTask {
  id: string;
  name: string;
  state: 'running' | 'suspended' | 'blocked';
  file: string;
  line: number;
  note: string;
}

const HOST_TYPES = new Set([
  'reset',
  'appendBytes',
  'appendColumns',
  'status',
  'highlight',
  'focus',
  'cursorTo',
  'sources',
  'captureLocals',
  'page',
  'pageTotal',
  'searchHits',
]);
const WEBVIEW_TYPES = new Set(['ready', 'reveal', 'saveImage', 'stop', 'cursor', 'wantSources', 'setCaptureLocals', 'wantRange', 'wantSearch', 'received']);

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

function isPageOverview(o: unknown): o is PageOverview | null {
  if (o === null) return true;
  if (typeof o !== 'object') return false;
  const v = o as Record<string, unknown>;
  return (
    typeof v.binNs === 'number' &&
    isCount(v.bins) &&
    Array.isArray(v.total) &&
    v.total.every((n) => typeof n === 'number') &&
    Array.isArray(v.lanes) &&
    v.lanes.every((l: unknown) => {
      const x = l as Record<string, unknown> | null;
      return typeof x === 'object' && x !== null && isCount(x.lane) && typeof x.id === 'string' && typeof x.name === 'string' && Array.isArray(x.counts);
    }) &&
    isCount(v.more)
  );
}

function hasType(m: unknown, types: Set<string>): m is { type: string } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && types.has((m as { type: string }).type);
}

export function isHostMessage(m: unknown): m is HostMessage {
  if (!hasType(m, HOST_TYPES)) return false;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'reset':
      return typeof o.title === 'string' && typeof o.live === 'boolean';
    case 'appendBytes':
    case 'appendColumns':
      return o.bytes instanceof Uint8Array;
    case 'status':
      return typeof o.state === 'string';
    case 'highlight':
      return typeof o.file === 'string' && typeof o.line === 'number';
    case 'focus':
      return typeof o.index === 'number';
    case 'cursorTo':
      return typeof o.task === 'string';
    case 'captureLocals':
      return typeof o.on === 'boolean';
    case 'page':
      return isCount(o.base) && isCount(o.prelude) && isCount(o.total) && typeof o.follow === 'boolean' && isPageOverview(o.overview);
    case 'pageTotal':
      return isCount(o.total) && isPageOverview(o.overview);
    case 'searchHits':
      return (
        typeof o.query === 'string' &&
        isCount(o.count) &&
        Array.isArray(o.hits) &&
        o.hits.every(isCount) &&
        isCount(o.scanned) &&
        isCount(o.total) &&
        typeof o.done === 'boolean'
      );
    case 'sources':
      return (
        Array.isArray(o.files) &&
        o.files.every(
          (f: unknown) =>
            typeof f === 'object' && f !== null && typeof (f as { file?: unknown }).file === 'string' && typeof (f as { text?: unknown }).text === 'string',
        ) &&
        typeof o.capped === 'boolean' &&
        typeof o.pane === 'boolean'
      );
    default:
      return true;
  }
}

export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (!hasType(m, WEBVIEW_TYPES)) return false;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'reveal':
      return typeof o.file === 'string' && typeof o.line === 'number' && typeof o.index === 'number';
    case 'saveImage':
      return (o.format === 'svg' || o.format === 'png') && typeof o.data === 'string';
    case 'wantSources':
      return Array.isArray(o.files) && o.files.every((f: unknown) => typeof f === 'string');
    case 'setCaptureLocals':
      return typeof o.on === 'boolean';
    case 'wantRange':
      return isCount(o.from) && isCount(o.to) && (o.to as number) >= (o.from as number);
    case 'wantSearch':
      return typeof o.query === 'string' && o.query.length <= 1000;
    case 'received':
      return isCount(o.bytes);
    case 'cursor':
      return Number.isInteger(o.step) && Number.isInteger(o.index) && Array.isArray(o.tasks) && o.tasks.every(isCursorTask);
    default:
      return true;
  }
}

const CURSOR_STATES = new Set(['running', 'suspended', 'blocked']);
function isCursorTask(t: unknown): t is CursorTask {
  if (typeof t !== 'object' || t === null) return false;
  const o = t as Record<string, unknown>;
  return (
    typeof o.id === 'string' &&
    typeof o.name === 'string' &&
    typeof o.state === 'string' &&
    CURSOR_STATES.has(o.state) &&
    typeof o.file === 'string' &&
    Number.isInteger(o.line) &&
    (o.line as number) > 0 &&
    typeof o.note === 'string'
  );
}
