// TraceStore: the append-only, columnar in-memory trace shared by the host,
// the CLI and the webview — the rows, the lanes, and the accessors everything
// downstream reads. Pure TypeScript: no Node, no DOM, no vscode.
//
// Budget (issue 5): 1,000,000 events in ≤ 64 bytes each, decoded in well under
// a second. So:
// - columns live in fixed-size chunks (no doubling slack, no copy on growth);
// - an event costs 41 bytes of columns: type 1, ts 8, a 4, b 4, reason 4,
//   value 4, site 4, resume site 4, num 8;
// - (file, line) and (toFile, toLine, frame) are interned as sites
//   (sites.ts), low-cardinality strings (reasons, files, channels, task ids)
//   are interned (strings.ts), and values (which may all differ) are copied
//   into a byte arena with a small dedup cache (arena.ts) instead of becoming
//   JS strings;
// - JSON Lines are cut into lines by line-framing.ts and the hot event types
//   are decoded by hand-written scanners (byte-scanner.ts, text-scanner.ts)
//   into registers (scan-state.ts) that `commit` turns into a row with no
//   intermediate objects; anything unusual (headers, task declarations,
//   unknown fields, malformed lines) takes the generic path (JSON.parse +
//   validateEvent), so every path accepts exactly the same input.

import {
  type EventType,
  type GenStepsEvent,
  type HeaderEvent,
  type TaskEvent,
  type TraceEvent,
  type TraceLine,
  SCHEMA_VERSION,
  assertNever,
  expandCompact,
  isCompact,
  runValue,
  unfoldTransfer,
  validateEvent,
} from '../protocol/events';
import { ARENA_MAX, ValueArena } from './arena';
import { ByteScanner } from './byte-scanner';
import { LineFramer } from './line-framing';
import { LocalsTable } from './locals';
import {
  K_CHANNEL,
  K_COUNT,
  K_DEPTH,
  K_DETAIL,
  K_DUR,
  K_FILE,
  K_FRAME,
  K_FROM,
  K_KIND,
  K_LINE,
  K_MESSAGE,
  K_MS,
  K_MSG,
  K_ON,
  K_OUTCOME,
  K_REASON,
  K_STEPLINE,
  K_AT,
  K_SENT,
  K_STEPTS,
  K_STREAM,
  K_TASK,
  K_TEXT,
  K_TO,
  K_TOFILE,
  K_TOLINE,
  K_TS,
  K_TYPE,
  K_VALUE,
  ALLOWED,
  REQUIRED,
} from './scan-keys';
import { ScanState } from './scan-state';
import { SiteTable } from './sites';
import { StringTable } from './strings';
import { TextScanner } from './text-scanner';
import { COMPACT_NAMES, GRESUME, GYIELD, LAST_TYPE, RESUME, STEP, SUSPEND, TYPE_CODES, TYPE_NAMES } from './type-codes';

export { TYPE_NAMES } from './type-codes';
export const TYPE = TYPE_CODES;

/** Fields held in columns; anything else on an event goes to the sparse `rest` map. */
const COLUMN_FIELDS = new Set([
  'type',
  'ts',
  'id',
  'from',
  'to',
  'task',
  'reason',
  'outcome',
  'on',
  'channel',
  'stream',
  'kind',
  'value',
  'detail',
  'text',
  'message',
  'file',
  'line',
  'toFile',
  'toLine',
  'frame',
  'depth',
  'msg',
  'ms',
  'count',
  'exitCode',
  'dur',
]);

export interface DecodeProblem {
  line: number;
  message: string;
}

const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;
/** Rows per column chunk: `columnsAt(i)` holds row i at `i & (ROWS_PER_CHUNK - 1)`. */
export const ROWS_PER_CHUNK = CHUNK;

/** One chunk of the row columns (read only outside the store; see `columnsAt`). */
export type RowColumns = Readonly<Columns>;

export interface Columns {
  type: Uint8Array;
  ts: Float64Array;
  a: Int32Array;
  b: Int32Array;
  reason: Int32Array;
  value: Int32Array;
  site: Int32Array;
  site2: Int32Array;
  num: Float64Array;
}

function newChunk(): Columns {
  return {
    type: new Uint8Array(CHUNK),
    ts: new Float64Array(CHUNK),
    a: new Int32Array(CHUNK),
    b: new Int32Array(CHUNK),
    reason: new Int32Array(CHUNK),
    value: new Int32Array(CHUNK),
    site: new Int32Array(CHUNK),
    site2: new Int32Array(CHUNK),
    num: new Float64Array(CHUNK),
  };
}
const COLUMN_BYTES = 1 + 8 + 4 * 7 + 8;

/**
 * Rows as the column codec (trace/column-block.ts) decodes them, with the table entries they refer to that this
 * store has not seen yet, in the order the encoding store made them (so every id means the same here).
 */
export interface ImportedRows {
  /** Interned names from id `stringsFrom` on. */
  strings: string[];
  stringsFrom: number;
  /** Sites from id `siteCount` on: (file id, line, frame id) per site. */
  sites: number[];
  /** Lanes new or changed since the last block: [lane, its declaration]. */
  tasks: [number, TaskEvent][];
  header?: HeaderEvent;
  t0: number;
  switchCount: number;
  unknownCount: number;
  problemCount: number;
  /** Problems after the ones already given. */
  problems: DecodeProblem[];
  /** Sparse extras: [row offset in this block, fields]. */
  rest: [number, Record<string, unknown>][];
  rows: number;
  /** The columns of the rows, as the block holds them: copied (and widened) straight into the store's chunks. */
  cols: ImportedColumns;
}

/**
 * Columns as a column block holds them (trace/column-block.ts): integer columns as i16 or i32, `ts` absolute or as
 * deltas from `ts0` (the first delta 0), `num` dense or sparse (the rows that have one, ascending, and their values),
 * `value` as indices into `valueKeys` (≥ 0; -1 none, ≤ -2 an interned name).
 */
export interface ImportedColumns {
  type: Uint8Array;
  ts: Float64Array | Int32Array;
  tsDelta: boolean;
  ts0: number;
  num: Float64Array | { rows: Uint32Array; values: Float64Array };
  a: Int32Array | Int16Array;
  b: Int32Array | Int16Array;
  reason: Int32Array | Int16Array;
  value: Int32Array | Int16Array;
  valueKeys: Int32Array;
  site: Int32Array | Int16Array;
  site2: Int32Array | Int16Array;
}

export class TraceStore {
  header: HeaderEvent | undefined;
  /** Lanes in order of declaration; a lane's number is its index here. */
  readonly tasks: TaskEvent[] = [];
  /** Parse or validation problems, the first 100 (see `problemCount`). */
  readonly problems: DecodeProblem[] = [];
  problemCount = 0;
  /** Events of types this reader does not know (the schema allows extensions). */
  unknownCount = 0;
  /** Number of `switch` events held. */
  switchCount = 0;
  /** The trace's `locals` lines (`--locals`), attached to rows; made at the first one. */
  locals: LocalsTable | undefined;

  private readonly laneIds = new Map<string, number>();
  /** Interned strings; ids 0..10 are the event type names (id = type code), 11..16 the compact ones. */
  private readonly names = new StringTable();
  private readonly strings = this.names.list;
  /** String id → lane, for task ids seen by the scanner (-1 unknown). */
  private readonly laneOfStr = this.names.lane;
  private readonly sites = new SiteTable();
  private readonly rest = new Map<number, Record<string, unknown>>();
  private chunks: (Columns | undefined)[] = [];
  private n = 0;
  /** Column chunks let go, for reuse. */
  private readonly spare: Columns[] = [];
  /** Rows below this index were let go (`releaseBefore`): their columns, extras and (mostly) values are gone. */
  private firstKept = 0;
  private readonly arena = new ValueArena();
  private t0 = NaN;
  private readonly st = new ScanState();
  private readonly framer: LineFramer;

  constructor() {
    for (const t of TYPE_NAMES) this.intern(t);
    for (const t of COMPACT_NAMES) this.intern(t);
    const commit = (seen: number, s: string | null) => this.commit(seen, s);
    this.framer = new LineFramer(this.st, new ByteScanner(this.st, this.names, commit), new TextScanner(this.st, this.names, commit), (line) =>
      this.slowLine(line),
    );
  }

  get length(): number {
    return this.n;
  }

  /** Feed raw JSON Lines text; partial trailing lines are kept until the next call. Returns events added. */
  appendText(chunk: string): number {
    const before = this.n;
    this.framer.appendText(chunk);
    return this.n - before;
  }

  /**
   * Feed raw JSON Lines as UTF-8 bytes (a socket's, a file's, a message's), scanned without decoding them to a
   * string; same semantics as `appendText`: a partial trailing line (even one cut inside a multi-byte character)
   * is kept until the next call, `end()` flushes it. The caller may reuse `chunk` afterwards. Returns events added.
   */
  appendBytes(chunk: Uint8Array): number {
    const before = this.n;
    this.framer.appendBytes(chunk);
    return this.n - before;
  }

  /** Flush a final line that had no trailing newline (end of file or stream). */
  end(): number {
    const before = this.n;
    this.framer.end();
    return this.n - before;
  }

  private slowLine(line: string): void {
    if (!line.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      this.problem(`not JSON: ${(e as Error).message}`);
      return;
    }
    this.appendRaw(raw);
  }

  /** Store the scanned line (fields in fStr/fNum/fStart…; values in `s`, or in `bytes` when s is null) if it is a plain event. */
  private commit(seen: number, s: string | null): boolean {
    const fStr = this.st.fStr,
      fNum = this.st.fNum;
    if ((seen & 1) === 0) return false;
    const type = fStr[K_TYPE];
    if (type > LAST_TYPE) return false; // not a known event type: generic path decides
    const allowed = ALLOWED[type];
    if (allowed === undefined || (seen & ~allowed) !== 0 || (seen & REQUIRED[type]) !== REQUIRED[type]) return false;
    if (type >= RESUME) {
      const ts = fNum[K_TS];
      if (Number.isNaN(this.t0)) this.t0 = ts;
      const lane = this.laneOfString(fStr[K_TASK]);
      const line = fNum[K_LINE];
      if (type >= GRESUME) {
        // generator switches with the declaring lane (protocol: gresume / gyield / gstep)
        if (type === GYIELD) this.gyieldRow(ts, lane, line, fNum[K_TOLINE], this.val(K_VALUE, s));
        else if (type === GRESUME) this.gresumeRow(ts, lane, line, fNum[K_TOLINE], (seen & (1 << K_VALUE)) !== 0 ? this.val(K_VALUE, s) : -1);
        else {
          const at = fNum[K_AT];
          this.gresumeRow(ts, lane, at, fNum[K_TOLINE], (seen & (1 << K_SENT)) !== 0 ? this.val(K_SENT, s) : -1);
          this.gyieldRow(ts + fNum[K_DUR], lane, line, at, this.val(K_VALUE, s));
        }
        return true;
      }
      if (type === SUSPEND) this.suspendRow(ts, lane, line);
      else {
        this.resumeRow(ts, lane, type === STEP && (seen & (1 << K_TOLINE)) !== 0 ? fNum[K_TOLINE] : line);
        if (type === STEP) this.suspendRow(ts + fNum[K_DUR], lane, line);
      }
      return true;
    }
    if (type === TYPE_CODES.mark && seen & (1 << K_MS) && seen & (1 << K_COUNT)) return false;
    if (type === TYPE_CODES.output) {
      const st = this.strings[fStr[K_STREAM]];
      if (st !== 'stdout' && st !== 'stderr') return false;
    }

    if ((seen & ((1 << K_STEPTS) | (1 << K_STEPLINE))) !== 0) {
      // a send/recv carrying the start of its task's step: that resume first (protocol: unfoldTransfer)
      if ((seen & ((1 << K_STEPTS) | (1 << K_STEPLINE))) !== ((1 << K_STEPTS) | (1 << K_STEPLINE))) return false;
      if (Number.isNaN(this.t0)) this.t0 = fNum[K_STEPTS];
      this.resumeRow(fNum[K_STEPTS], this.laneOfString(fStr[K_TASK]), fNum[K_STEPLINE]);
    }
    const ts = fNum[K_TS];
    if (Number.isNaN(this.t0)) this.t0 = ts;
    const i = this.n;
    const ch = i & MASK;
    if (ch === 0) this.chunks.push(this.freshChunk());
    const col = this.chunks[i >>> SHIFT]!;
    this.n++;
    col.type[ch] = type;
    col.ts[ch] = ts;
    col.a[ch] = -1;
    col.b[ch] = -1;
    col.value[ch] = -1;
    col.num[ch] = NaN;
    const has = (k: number) => (seen & (1 << k)) !== 0;
    const line = has(K_LINE) ? fNum[K_LINE] : 0;
    // a transfer's line without a file is in its task's own code file (protocol: unfoldTransfer)
    const fileId = has(K_FILE)
      ? fStr[K_FILE]
      : has(K_LINE) && (type === TYPE_CODES.send || type === TYPE_CODES.recv)
        ? this.codeOf(this.laneOfString(fStr[K_TASK]))
        : -1;
    col.site[ch] = fileId < 0 && line === 0 ? -1 : this.siteOf(fileId, line);
    col.site2[ch] = -1;
    switch (type) {
      case 1: // switch
        this.switchCount++;
        col.a[ch] = this.laneOfString(fStr[K_FROM]);
        col.b[ch] = this.laneOfString(fStr[K_TO]);
        col.reason[ch] = fStr[K_REASON];
        if (has(K_VALUE)) col.value[ch] = this.val(K_VALUE, s);
        if (has(K_DEPTH)) col.num[ch] = fNum[K_DEPTH];
        if (has(K_TOFILE) || has(K_TOLINE) || has(K_FRAME)) {
          col.site2[ch] = this.site2Of(has(K_TOFILE) ? fStr[K_TOFILE] : -1, has(K_TOLINE) ? fNum[K_TOLINE] : 0, has(K_FRAME) ? fStr[K_FRAME] : -1);
        }
        break;
      case 2: // end
        col.a[ch] = this.laneOfString(fStr[K_TASK]);
        col.reason[ch] = fStr[K_OUTCOME];
        if (has(K_VALUE)) col.value[ch] = this.val(K_VALUE, s);
        break;
      case 3:
      case 4: // block, wake
        col.a[ch] = this.laneOfString(fStr[K_TASK]);
        col.reason[ch] = fStr[K_ON];
        if (has(K_DETAIL)) col.value[ch] = this.val(K_DETAIL, s);
        break;
      case 5:
      case 6: // send, recv
        col.a[ch] = this.laneOfString(fStr[K_TASK]);
        col.reason[ch] = fStr[K_CHANNEL];
        if (has(K_VALUE)) col.value[ch] = this.val(K_VALUE, s);
        if (has(K_MSG)) col.num[ch] = fNum[K_MSG];
        break;
      case 7: // output
        col.a[ch] = this.laneOfString(fStr[K_TASK]);
        col.reason[ch] = fStr[K_STREAM];
        col.value[ch] = this.val(K_TEXT, s);
        break;
      case 8: // mark
        if (has(K_TASK)) col.a[ch] = this.laneOfString(fStr[K_TASK]);
        col.reason[ch] = fStr[K_KIND];
        col.value[ch] = this.val(K_MESSAGE, s);
        if (has(K_MS)) col.num[ch] = fNum[K_MS];
        else if (has(K_COUNT)) col.num[ch] = fNum[K_COUNT];
        break;
      default:
        return true;
    }
    return true;
  }

  private freshChunk(): Columns {
    const c = this.spare.pop();
    if (!c) return newChunk();
    for (const col of Object.values(c)) (col as Uint8Array).fill(0);
    return c;
  }

  /** Intern a JS string. */
  intern(str: string): number {
    return this.names.intern(str);
  }

  private laneOfString(strId: number): number {
    const l = this.laneOfStr[strId];
    if (l >= 0) return l;
    const lane = this.lane(this.strings[strId]);
    this.laneOfStr[strId] = lane;
    return lane;
  }

  private siteOf(fileId: number, line: number): number {
    return this.sites.of(fileId, line);
  }
  private site2Of(fileId: number, line: number, frameId: number): number {
    return this.sites.of2(fileId, line, frameId);
  }

  /** The value column entry for value slot k of the scanned line (in `s`, or in the byte window when s is null). */
  private val(k: number, s: string | null): number {
    const st = this.st;
    if (s !== null) return this.storeValue(s, st.fStart[k], st.fEnd[k]);
    if (st.fEsc[k]) {
      st.unescapeBytes(st.bytes, st.fStart[k]);
      return this.storeScratchValue(st.scratchLen);
    }
    const from = st.fStart[k],
      to = st.fEnd[k];
    if (to - from > ARENA_MAX) return -2 - this.names.internBytes(st.bytes, from, to, st.fHash[k]);
    return this.arena.storeAscii(st.bytes, from, to, st.fHash[k]);
  }

  /** Store the JSON string s[from, |to|) as a value (`to` negative: it has escapes); returns the value column entry. */
  private storeValue(s: string, from: number, to: number): number {
    const st = this.st;
    if (to < 0) {
      st.unescape(s, from, -to + 1);
      return this.storeScratchValue(st.scratchLen);
    }
    const len = to - from;
    // A huge value (a hostile 100 MB line) is interned straight from the line: no scratch copy of it.
    if (len > ARENA_MAX) return -2 - this.names.internRange(s, from, to);
    const buf = st.scratchFor(len);
    let h = 0x811c9dc5;
    for (let k = 0; k < len; k++) {
      const c = s.charCodeAt(from + k);
      buf[k] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    st.scratchHash = h | 0;
    return this.storeScratchValue(len);
  }

  /** Store scratch[0, len) (hash in scratchHash) as a value. */
  private storeScratchValue(len: number): number {
    const st = this.st;
    if (len > ARENA_MAX) return -2 - this.names.internUnits(st.scratch, len, st.scratchHash);
    return this.arena.storeUnits(st.scratch, len, st.scratchHash);
  }

  private valueOf(v: number): string | undefined {
    if (v === -1) return undefined;
    if (v < -1) return this.strings[-2 - v];
    return this.arena.string(v);
  }

  /** Store a JS string as a value (generic path). */
  private valueFromString(str: string): number {
    if (str.length > ARENA_MAX) return -2 - this.intern(str);
    const st = this.st;
    const buf = st.scratchFor(str.length);
    let h = 0x811c9dc5;
    for (let k = 0; k < str.length; k++) {
      const c = str.charCodeAt(k);
      buf[k] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    st.scratchHash = h | 0;
    return this.storeScratchValue(str.length);
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
    if (this.problems.length < 100) this.problems.push({ line: this.framer.lineNo, message });
  }

  /** The loop lane (loopOf) and code file (codeOf) of an asyncio task lane, from its declaration (cached). */
  private readonly laneLoop: (number | undefined)[] = [];
  private readonly laneCode: (number | undefined)[] = [];
  private zeroValue = -1;

  private loopOf(lane: number): number {
    const known = this.laneLoop[lane];
    if (known !== undefined) return known;
    const t = this.tasks[lane];
    return (this.laneLoop[lane] = this.lane(t.loop ?? t.parent ?? '?'));
  }

  /** The code file (interned, -1: none) of a task lane, from its declaration (cached). */
  private codeOf(lane: number): number {
    const known = this.laneCode[lane];
    if (known !== undefined) return known;
    const file = this.tasks[lane].codeFile;
    return (this.laneCode[lane] = file !== undefined ? this.intern(file) : -1);
  }

  /** A row of a new switch event (compact events; the same columns `append` gives the switch they stand for). */
  private switchRow(ts: number, a: number, b: number, reason: string, value: number, site: number, site2: number): void {
    const i = this.n;
    const ch = i & MASK;
    if (ch === 0) this.chunks.push(this.freshChunk());
    const c = this.chunks[i >>> SHIFT]!;
    this.n++;
    this.switchCount++;
    c.type[ch] = TYPE_CODES.switch;
    c.ts[ch] = ts;
    c.a[ch] = a;
    c.b[ch] = b;
    c.reason[ch] = this.intern(reason);
    c.value[ch] = value;
    c.site[ch] = site;
    c.site2[ch] = site2;
    c.num[ch] = NaN;
  }

  private resumeRow(ts: number, lane: number, line: number): void {
    const loop = this.loopOf(lane);
    this.switchRow(ts, loop, lane, 'step', -1, -1, this.site2Of(this.codeOf(lane), line, -1));
  }

  private suspendRow(ts: number, lane: number, line: number): void {
    const loop = this.loopOf(lane);
    if (this.zeroValue === -1) this.zeroValue = this.valueFromString('0');
    const file = this.codeOf(lane);
    this.switchRow(ts, lane, loop, 'sleep', this.zeroValue, file < 0 && line === 0 ? -1 : this.siteOf(file, line), -1);
  }

  /** The declaring lane (its parent) and declared site file (interned, -1: none) of a generator lane (cached). */
  private readonly laneParent: (number | undefined)[] = [];
  private readonly laneSite: (number | undefined)[] = [];

  private parentOf(lane: number): number {
    const known = this.laneParent[lane];
    if (known !== undefined) return known;
    return (this.laneParent[lane] = this.lane(this.tasks[lane].parent ?? '?'));
  }

  private siteFileOf(lane: number): number {
    const known = this.laneSite[lane];
    if (known !== undefined) return known;
    const file = this.tasks[lane].file;
    return (this.laneSite[lane] = file !== undefined ? this.intern(file) : -1);
  }

  private gresumeRow(ts: number, lane: number, line: number, toLine: number, value: number): void {
    const file = this.siteFileOf(lane);
    this.switchRow(
      ts,
      this.parentOf(lane),
      lane,
      'resume',
      value,
      file < 0 && line === 0 ? -1 : this.siteOf(file, line),
      this.site2Of(this.codeOf(lane), toLine, -1),
    );
  }

  private gyieldRow(ts: number, lane: number, line: number, toLine: number, value: number): void {
    const file = this.codeOf(lane);
    this.switchRow(
      ts,
      lane,
      this.parentOf(lane),
      'yield',
      value,
      file < 0 && line === 0 ? -1 : this.siteOf(file, line),
      this.site2Of(this.siteFileOf(lane), toLine, -1),
    );
  }

  private gstepsRows(ev: GenStepsEvent): void {
    const lane = this.lane(ev.task);
    const { dur, sent, value } = ev;
    let ts = ev.ts;
    for (let k = 0; k < value.length; k++) {
      if (k > 0) ts += dur[2 * k - 1] ?? 0;
      const sv = runValue(sent?.[k]);
      this.gresumeRow(ts, lane, ev.at, ev.toLine, sv === undefined ? -1 : this.valueFromString(sv));
      ts += dur[2 * k] ?? 0;
      this.gyieldRow(ts, lane, ev.line, ev.at, this.valueFromString(runValue(value[k]) ?? ''));
    }
  }

  /** Append one validated event. */
  append(ev: TraceLine): void {
    if (ev.type === 'locals') {
      // not a row: the state of its task after the row before it (protocol: LocalsEvent)
      this.locals ??= new LocalsTable(
        (str) => this.valueFromString(str),
        (key) => this.valueOf(key),
      );
      this.locals.add(this.lane(ev.task), Math.max(0, this.n - 1), ev);
      return;
    }
    if (ev.type === 'gsteps') {
      // a run of a generator's turns (protocol: gsteps): rows straight from its arrays, as a gstep line's
      if (Number.isNaN(this.t0)) this.t0 = ev.ts;
      this.gstepsRows(ev);
      return;
    }
    if (isCompact(ev)) {
      if (Number.isNaN(this.t0)) this.t0 = ev.ts;
      for (const sw of expandCompact(ev, this.tasks[this.lane(ev.task)])) this.append(sw);
      return;
    }
    if (ev.type === 'send' || ev.type === 'recv') {
      const { resume, transfer } = unfoldTransfer(ev, this.tasks[this.lane(ev.task)]);
      for (const sw of resume) this.append(sw);
      ev = transfer;
    }
    if (ev.type === 'header') {
      // Child processes send their own headers; the first one is the trace's.
      if (!this.header) {
        this.header = ev;
        if (Number.isNaN(this.t0) && typeof ev.ts === 'number') this.t0 = ev.ts;
        if (ev.schema !== SCHEMA_VERSION) this.problem(`trace schema ${ev.schema}, this reader expects ${SCHEMA_VERSION}`);
      }
      return;
    }
    if (Number.isNaN(this.t0)) this.t0 = ev.ts;
    const i = this.n;
    const ch = i & MASK;
    if (ch === 0) this.chunks.push(this.freshChunk());
    const c = this.chunks[i >>> SHIFT]!;
    this.n++;
    c.type[ch] = TYPE_CODES[ev.type];
    c.ts[ch] = ev.ts;
    c.a[ch] = -1;
    c.b[ch] = -1;
    c.reason[ch] = -1;
    c.value[ch] = -1;
    c.site[ch] = -1;
    c.site2[ch] = -1;
    c.num[ch] = NaN;
    const file = 'file' in ev && ev.file !== undefined ? this.intern(ev.file) : -1;
    const line = 'line' in ev && ev.line !== undefined ? ev.line : 0;
    if (file >= 0 || line) c.site[ch] = this.siteOf(file, line);
    switch (ev.type) {
      case 'task': {
        let lane = this.laneIds.get(ev.id);
        if (lane === undefined) {
          lane = this.tasks.length;
          this.laneIds.set(ev.id, lane);
          this.tasks.push(ev);
        } else {
          this.tasks[lane] = ev; // a re-declaration (rename) updates the lane
          this.laneLoop[lane] = undefined;
          this.laneCode[lane] = undefined;
          this.laneParent[lane] = undefined;
          this.laneSite[lane] = undefined;
        }
        c.a[ch] = lane;
        c.reason[ch] = this.intern(ev.kind);
        c.value[ch] = -2 - this.intern(ev.name);
        break;
      }
      case 'switch':
        this.switchCount++;
        c.a[ch] = this.lane(ev.from);
        c.b[ch] = this.lane(ev.to);
        c.reason[ch] = this.intern(ev.reason);
        if (ev.value !== undefined) c.value[ch] = this.valueFromString(ev.value);
        if (ev.depth !== undefined) c.num[ch] = ev.depth;
        if (ev.toFile !== undefined || ev.toLine !== undefined || ev.frame !== undefined) {
          c.site2[ch] = this.site2Of(
            ev.toFile !== undefined ? this.intern(ev.toFile) : -1,
            ev.toLine ?? 0,
            ev.frame !== undefined ? this.intern(ev.frame) : -1,
          );
        }
        break;
      case 'end':
        c.a[ch] = this.lane(ev.task);
        c.reason[ch] = this.intern(ev.outcome);
        if (ev.value !== undefined) c.value[ch] = this.valueFromString(ev.value);
        break;
      case 'block':
      case 'wake':
        c.a[ch] = this.lane(ev.task);
        c.reason[ch] = this.intern(ev.on);
        if (ev.detail !== undefined) c.value[ch] = this.valueFromString(ev.detail);
        break;
      case 'send':
      case 'recv':
        c.a[ch] = this.lane(ev.task);
        c.reason[ch] = this.intern(ev.channel);
        if (ev.value !== undefined) c.value[ch] = this.valueFromString(ev.value);
        if (ev.msg !== undefined) c.num[ch] = ev.msg;
        break;
      case 'output':
        c.a[ch] = this.lane(ev.task);
        c.reason[ch] = this.intern(ev.stream);
        c.value[ch] = this.valueFromString(ev.text);
        break;
      case 'mark':
        if (ev.task !== undefined) c.a[ch] = this.lane(ev.task);
        c.reason[ch] = this.intern(ev.kind);
        c.value[ch] = this.valueFromString(ev.message);
        if (ev.ms !== undefined) c.num[ch] = ev.ms;
        else if (ev.count !== undefined) c.num[ch] = ev.count;
        break;
      case 'finish':
        c.num[ch] = ev.exitCode ?? NaN;
        break;
      case 'rename': {
        // The lane reads its newest name from here on; the event keeps the name it was given (in `rest`).
        const lane = this.lane(ev.task);
        c.a[ch] = lane;
        const t = this.tasks[lane];
        if (t) this.tasks[lane] = { ...t, name: ev.name };
        break;
      }
      default:
        assertNever(ev, 'event');
    }
    let extra: Record<string, unknown> | undefined;
    for (const k in ev) {
      if (COLUMN_FIELDS.has(k)) continue;
      (extra ??= {})[k] = (ev as unknown as Record<string, unknown>)[k];
    }
    if (ev.type === 'mark' && ev.ms !== undefined && ev.count !== undefined) (extra ??= {}).count = ev.count;
    if (ev.type === 'task') extra = undefined; // the declaration itself is kept in `tasks`
    if (extra) this.rest.set(i, extra);
  }

  /** Lane number of a task id, declaring an anonymous lane for ids never declared (tolerates lossy traces). */
  lane(id: string): number {
    const lane = this.laneIds.get(id);
    if (lane !== undefined) return lane;
    return this.declareImplicit(id);
  }

  laneOf(id: string): number | undefined {
    return this.laneIds.get(id);
  }

  private declareImplicit(id: string): number {
    const lane = this.tasks.length;
    this.laneIds.set(id, lane);
    this.tasks.push({ type: 'task', ts: 0, id, kind: 'main', name: `task ${id}`, parent: null });
    return lane;
  }

  // Column accessors (index i in [0, length)).
  type(i: number): EventType {
    return TYPE_NAMES[this.chunks[i >>> SHIFT]!.type[i & MASK]];
  }
  typeCode(i: number): number {
    return this.chunks[i >>> SHIFT]!.type[i & MASK];
  }
  /**
   * The column chunk holding row i (at `i & (ROWS_PER_CHUNK - 1)`), for loops over many consecutive rows (the
   * layout's activation walk): typed-array loads instead of an accessor call per field per row. Read only.
   */
  columnsAt(i: number): RowColumns {
    return this.chunks[i >>> SHIFT]!;
  }
  /** Absolute monotonic ns. */
  ts(i: number): number {
    return this.chunks[i >>> SHIFT]!.ts[i & MASK];
  }
  /** ns since the trace start. */
  rel(i: number): number {
    return this.chunks[i >>> SHIFT]!.ts[i & MASK] - this.t0;
  }
  get startTs(): number {
    return this.t0;
  }
  /** Acting lane: `from` of a switch, `task` of the others (the declared lane for `task`); -1 if none. */
  a(i: number): number {
    return this.chunks[i >>> SHIFT]!.a[i & MASK];
  }
  /** `to` lane of a switch, else -1. */
  b(i: number): number {
    return this.chunks[i >>> SHIFT]!.b[i & MASK];
  }
  /** reason / outcome / on / channel / stream / mark kind / task kind, by type. */
  reason(i: number): string {
    const r = this.chunks[i >>> SHIFT]!.reason[i & MASK];
    return r < 0 ? '' : this.strings[r];
  }
  /** Interned id of `reason(i)` (see `string(id)`); -1 if none. */
  reasonId(i: number): number {
    return this.chunks[i >>> SHIFT]!.reason[i & MASK];
  }
  /** value / detail / text / message / task name, by type. */
  value(i: number): string | undefined {
    return this.valueOf(this.chunks[i >>> SHIFT]!.value[i & MASK]);
  }
  /** An opaque key of `value(i)`: equal keys mean equal values (not the converse); -1 if none. */
  valueId(i: number): number {
    return this.chunks[i >>> SHIFT]!.value[i & MASK];
  }
  file(i: number): string | undefined {
    const s = this.siteId(i);
    if (s < 0) return undefined;
    const f = this.sites.file[s];
    return f < 0 ? undefined : this.strings[f];
  }
  /** Interned id of `file(i)`; -1 if none. */
  fileId(i: number): number {
    const s = this.siteId(i);
    return s < 0 ? -1 : this.sites.file[s];
  }
  line(i: number): number {
    const s = this.siteId(i);
    return s < 0 ? 0 : this.sites.line[s];
  }
  /** Site (file, line) id of event i; -1 if none. Few distinct sites exist: use it to group events by place. */
  siteId(i: number): number {
    return this.chunks[i >>> SHIFT]!.site[i & MASK];
  }
  /** Where `to` resumes (switch only). */
  toFile(i: number): string | undefined {
    const s = this.site2Id(i);
    if (s < 0) return undefined;
    const f = this.sites.file[s];
    return f < 0 ? undefined : this.strings[f];
  }
  /** String id of `toFile` (as `fileId`); -1 if none. */
  toFileId(i: number): number {
    const s = this.site2Id(i);
    return s < 0 ? -1 : this.sites.file[s];
  }
  toLine(i: number): number {
    const s = this.site2Id(i);
    return s < 0 ? 0 : this.sites.line[s];
  }
  /** Innermost delegated frame running in `to` after a switch (when depth > 0). */
  frame(i: number): string | undefined {
    const s = this.site2Id(i);
    if (s < 0) return undefined;
    const f = this.sites.frame[s];
    return f < 0 ? undefined : this.strings[f];
  }
  site2Id(i: number): number {
    return this.chunks[i >>> SHIFT]!.site2[i & MASK];
  }
  /** depth / msg / ms|count / exitCode, by type; NaN if absent. */
  num(i: number): number {
    return this.chunks[i >>> SHIFT]!.num[i & MASK];
  }
  extra(i: number): Readonly<Record<string, unknown>> | undefined {
    return this.rest.get(i);
  }
  string(id: number): string {
    return this.strings[id];
  }
  taskId(lane: number): string {
    return this.tasks[lane]?.id ?? '';
  }
  /** Site ids whose file and line match (file compared as given, and by trailing path when one side is relative). */
  sitesAt(file: string, line: number): Set<number> {
    return this.sites.at(file, line, this.strings);
  }
  get siteCount(): number {
    return this.sites.count;
  }

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
      case 'task':
        ev = { ...this.tasks[this.a(i)] };
        break;
      case 'switch': {
        const sw: Record<string, unknown> = {
          type,
          ts,
          from: id(this.a(i)),
          to: id(this.b(i)),
          reason: this.reason(i),
          ...(value !== undefined ? { value } : {}),
          ...site,
        };
        const tf = this.toFile(i),
          tl = this.toLine(i),
          fr = this.frame(i);
        if (tf !== undefined) sw.toFile = tf;
        if (tl) sw.toLine = tl;
        if (!Number.isNaN(num)) sw.depth = num;
        if (fr !== undefined) sw.frame = fr;
        ev = sw as unknown as TraceEvent;
        break;
      }
      case 'end':
        ev = { type, ts, task: id(this.a(i)), outcome: this.reason(i) as never, ...(value !== undefined ? { value } : {}), ...site };
        break;
      case 'block':
      case 'wake':
        ev = { type, ts, task: id(this.a(i)), on: this.reason(i), ...(value !== undefined ? { detail: value } : {}), ...site } as TraceEvent;
        break;
      case 'send':
      case 'recv':
        ev = {
          type,
          ts,
          task: id(this.a(i)),
          channel: this.reason(i),
          ...(value !== undefined ? { value } : {}),
          ...(Number.isNaN(num) ? {} : { msg: num }),
          ...site,
        } as TraceEvent;
        break;
      case 'output':
        ev = { type, ts, task: id(this.a(i)), stream: this.reason(i) as 'stdout' | 'stderr', text: value ?? '' };
        break;
      case 'mark': {
        const m: Record<string, unknown> = { type, ts, kind: this.reason(i), message: value ?? '', ...site };
        if (this.a(i) >= 0) m.task = id(this.a(i));
        if (!Number.isNaN(num)) {
          if (this.reason(i) === 'events-dropped') m.count = num;
          else m.ms = num;
        }
        ev = m as unknown as TraceEvent;
        break;
      }
      case 'finish':
        ev = { type, ts, exitCode: Number.isNaN(num) ? null : num, dropped: 0 };
        break;
      case 'rename':
        ev = { type, ts, task: id(this.a(i)), name: '' };
        break;
      default:
        return assertNever(type, 'event type');
    }
    return Object.assign(ev, extra) as TraceEvent;
  }

  // The column codec's view (trace/column-block.ts): what an encoder reads, and the import on the page's side.
  get stringCount(): number {
    return this.strings.length;
  }
  /** Site s as (file id, line, frame id). */
  siteParts(s: number): [number, number, number] {
    return [this.sites.file[s], this.sites.line[s], this.sites.frame[s]];
  }
  /** The raw arena entry of a value key ≥ 0 (see `valueId`). */
  valueEntry(v: number): Uint8Array {
    return this.arena.entry(v);
  }
  /** Stores a raw arena entry (as `valueEntry` gives it); returns its value key in this store. */
  storeValueEntry(raw: Uint8Array): number {
    return this.arena.storeEntry(raw);
  }

  /** Appends decoded rows and the table entries they use; throws if the tables do not line up with this store's. */
  importRows(d: ImportedRows): void {
    const out = (what: string) => new Error(`column block out of order: ${what}`);
    d.strings.forEach((str, k) => {
      // Names every store starts with (the event types) come again in a first block.
      const id = d.stringsFrom + k;
      if (id < this.strings.length ? this.strings[id] !== str : this.intern(str) !== id) throw out('string');
    });
    const sites = d.sites;
    for (let k = 0; k + 2 < sites.length; k += 3) {
      const want = this.sites.count;
      const id = sites[k + 2] < 0 ? this.sites.of(sites[k], sites[k + 1]) : this.sites.of2(sites[k], sites[k + 1], sites[k + 2]);
      if (id !== want) throw out('site');
    }
    for (const [lane, t] of d.tasks) {
      if (lane > this.tasks.length) throw out('lane');
      if (lane === this.tasks.length) {
        this.tasks.push(t);
        if (!this.laneIds.has(t.id)) this.laneIds.set(t.id, lane);
      } else this.tasks[lane] = t;
      this.laneLoop[lane] = this.laneCode[lane] = this.laneParent[lane] = this.laneSite[lane] = undefined;
    }
    if (d.header && !this.header) this.header = d.header;
    this.t0 = d.t0;
    this.switchCount = d.switchCount;
    this.unknownCount = d.unknownCount;
    this.problemCount = d.problemCount;
    for (const p of d.problems) if (this.problems.length < 100) this.problems.push(p);
    const base = this.n;
    for (const [k, extra] of d.rest) this.rest.set(base + k, extra);
    const c = d.cols;
    // Straight into the chunks (typed-array `set` widens i16 and i32): a fresh page of memory costs more to touch
    // than the copy itself in a browser's renderer, so no widened temporaries.
    let ts = c.ts0;
    let sparse = 0;
    const keys = c.valueKeys;
    for (let k = 0; k < d.rows; ) {
      const i = this.n;
      const ch = i & MASK;
      if (ch === 0) this.chunks.push(this.freshChunk());
      const col = this.chunks[i >>> SHIFT]!;
      const len = Math.min(CHUNK - ch, d.rows - k);
      const end = k + len;
      col.type.set(c.type.subarray(k, end), ch);
      col.ts.set(c.ts.subarray(k, end), ch);
      if (c.tsDelta) {
        const t = col.ts;
        for (let j = ch; j < ch + len; j++) t[j] = ts += t[j];
      }
      col.a.set(c.a.subarray(k, end), ch);
      col.b.set(c.b.subarray(k, end), ch);
      col.reason.set(c.reason.subarray(k, end), ch);
      const v = c.value;
      const cv = col.value;
      for (let j = k; j < end; j++) {
        const x = v[j];
        cv[ch + j - k] = x >= 0 ? keys[x] : x;
      }
      col.site.set(c.site.subarray(k, end), ch);
      col.site2.set(c.site2.subarray(k, end), ch);
      const num = c.num;
      if (num instanceof Float64Array) col.num.set(num.subarray(k, end), ch);
      else {
        col.num.fill(Number.NaN, ch, ch + len);
        for (; sparse < num.rows.length && num.rows[sparse] < end; sparse++) col.num[ch + num.rows[sparse] - k] = num.values[sparse];
      }
      this.n += len;
      k = end;
    }
  }

  /** Index of the first row still held (0 unless `releaseBefore` let rows go). */
  get released(): number {
    return this.firstKept;
  }

  /**
   * Lets go of the rows below `index` (rounded down to a column chunk), for readers that stream a trace and never
   * look back (coroscope report, run): their columns, sparse extras and the value arena chunks only they used. The
   * lanes, header, interned names, sites, counts and problems stay; reading a released row is an error. Memory then
   * stays that of the rows kept, whatever the trace's length.
   */
  releaseBefore(index: number): void {
    const upto = Math.min(index, this.n) >>> SHIFT;
    if (upto <= this.firstKept >>> SHIFT) return;
    for (let c = this.firstKept >>> SHIFT; c < upto; c++) {
      // Kept for the next rows: a streaming reader then allocates (and leaves to the GC) no columns at all.
      if (this.spare.length < 2) this.spare.push(this.chunks[c]!);
      this.chunks[c] = undefined;
    }
    for (const k of this.rest.keys()) if (k < upto << SHIFT) this.rest.delete(k);
    this.firstKept = upto << SHIFT;
    // Values of older arena chunks still used by the rows kept (dedup points back at them) move to the current
    // chunk, so every older chunk can go.
    const arena = this.arena;
    const keepFrom = arena.currentStart;
    const moved = new Map<number, number>();
    const move = (v: number): number => {
      let to = moved.get(v);
      if (to === undefined) moved.set(v, (to = arena.move(v)));
      return to;
    };
    if (this.zeroValue >= 0 && this.zeroValue < keepFrom) this.zeroValue = move(this.zeroValue);
    for (let c = upto; c < this.chunks.length; c++) {
      const v = this.chunks[c]!.value;
      const end = c === this.chunks.length - 1 ? ((this.n - 1) & MASK) + 1 : CHUNK;
      for (let k = 0; k < end; k++) if (v[k] >= 0 && v[k] < keepFrom) v[k] = move(v[k]);
    }
    arena.releaseBefore(keepFrom);
  }

  /** Bytes held: columns, value arena, strings (2 bytes/char worst case), sites, sparse extras — for benchmarks and budgets. */
  approxBytes(): number {
    let strBytes = 0;
    for (const s of this.strings) strBytes += 32 + 2 * s.length;
    return (
      (this.chunks.length - (this.firstKept >>> SHIFT)) * CHUNK * COLUMN_BYTES +
      this.arena.byteLength +
      strBytes +
      this.sites.count * 48 +
      this.rest.size * 96 +
      this.names.tableBytes
    );
  }
}
