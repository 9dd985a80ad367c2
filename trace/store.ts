// TraceStore: the append-only, columnar in-memory trace shared by the host,
// the CLI and the webview. Pure TypeScript: no Node, no DOM, no vscode.
//
// Budget (issue 5): 1,000,000 events in ≤ 64 bytes each, decoded in well under
// a second. So:
// - columns live in fixed-size chunks (no doubling slack, no copy on growth);
// - an event costs 41 bytes of columns: type 1, ts 8, a 4, b 4, reason 4,
//   value 4, site 4, resume site 4, num 8;
// - (file, line) and (toFile, toLine, frame) are interned as "sites" (a program
//   has few yield points), low-cardinality strings (reasons, files, channels,
//   task ids) are interned, and values (which may all differ) are copied into a
//   byte arena with a small dedup cache instead of becoming JS strings;
// - the hot event types are decoded by a hand-written scanner straight into
//   the columns (no intermediate objects); anything unusual (headers, task
//   declarations, unknown fields, malformed lines) takes the generic path
//   (JSON.parse + validateEvent), so both paths accept exactly the same input.

import {
  type CompactEvent, type EventType, type HeaderEvent, type TaskEvent, type TraceEvent, type TraceLine,
  SCHEMA_VERSION, assertNever, expandCompact, unfoldTransfer, validateEvent,
} from '../protocol/events';

export const TYPE_NAMES: readonly EventType[] = ['task', 'switch', 'end', 'block', 'wake', 'send', 'recv', 'output', 'mark', 'finish', 'rename'];
const TYPE_CODES: Record<EventType, number> = {
  task: 0, switch: 1, end: 2, block: 3, wake: 4, send: 5, recv: 6, output: 7, mark: 8, finish: 9, rename: 10,
};
export const TYPE = TYPE_CODES;
/** Compact asyncio step events (protocol: `resume`, `suspend`, `step`): scanned like the others, stored as switches. */
const RESUME = 11, SUSPEND = 12, STEP = 13, LAST_TYPE = STEP;
const COMPACT_NAMES: readonly CompactEvent['type'][] = ['resume', 'suspend', 'step'];
/** Key-prediction row of a line whose type is not known yet. */
const NO_TYPE = LAST_TYPE + 1;

/** Fields held in columns; anything else on an event goes to the sparse `rest` map. */
const COLUMN_FIELDS = new Set(['type', 'ts', 'id', 'from', 'to', 'task', 'reason', 'outcome', 'on', 'channel', 'stream', 'kind',
  'value', 'detail', 'text', 'message', 'file', 'line', 'toFile', 'toLine', 'frame', 'depth', 'msg', 'ms', 'count', 'exitCode', 'dur']);

export interface DecodeProblem { line: number; message: string }

const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;
const ARENA_SHIFT = 20;
const ARENA_CHUNK = 1 << ARENA_SHIFT;
const ARENA_MASK = ARENA_CHUNK - 1;
/** Longest value kept in the arena (UTF-16 code units); longer ones are interned. */
const ARENA_MAX = 0x7fff;
const DEDUP_SIZE = 1 << 13;
/** Text is encoded to bytes in windows of about this many UTF-16 code units (whole lines). */
const WINDOW = 1 << 16;
/** Longer windows (a single huge line) are scanned as strings. */
const MAX_WINDOW = 1 << 24;
/** Room after the encoded bytes: the sentinel, and the byte name candidates peek at. */
const CAND_MAX = 256;
const BYTE_SLACK = CAND_MAX + 64;
/** Names remembered per field by the byte scanner. */
const WAYS = 4;

interface Columns {
  type: Uint8Array; ts: Float64Array; a: Int32Array; b: Int32Array; reason: Int32Array;
  value: Int32Array; site: Int32Array; site2: Int32Array; num: Float64Array;
}

function newChunk(): Columns {
  return {
    type: new Uint8Array(CHUNK), ts: new Float64Array(CHUNK), a: new Int32Array(CHUNK), b: new Int32Array(CHUNK),
    reason: new Int32Array(CHUNK), value: new Int32Array(CHUNK), site: new Int32Array(CHUNK), site2: new Int32Array(CHUNK),
    num: new Float64Array(CHUNK),
  };
}
const COLUMN_BYTES = 1 + 8 + 4 * 7 + 8;

// Field slots of the fast scanner.
const K_TYPE = 0, K_TS = 1, K_FROM = 2, K_TO = 3, K_REASON = 4, K_VALUE = 5, K_FILE = 6, K_LINE = 7, K_TOFILE = 8,
  K_TOLINE = 9, K_DEPTH = 10, K_FRAME = 11, K_TASK = 12, K_OUTCOME = 13, K_ON = 14, K_DETAIL = 15, K_CHANNEL = 16,
  K_MSG = 17, K_STREAM = 18, K_TEXT = 19, K_KIND = 20, K_MESSAGE = 21, K_MS = 22, K_COUNT = 23, K_DUR = 24,
  K_STEPTS = 25, K_STEPLINE = 26, NKEYS = 27;
// Which JSON kind each slot must hold: 1 string, 2 number.
const KEY_KIND = [1, 2, 1, 1, 1, 1, 1, 2, 1, 2, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 2, 2, 2, 2, 2];
// String slots whose text is a value (arena), not an interned name.
const IS_VALUE_SLOT = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0];
/** Fields each fast-path type may carry (bit per slot); anything else goes the generic way. */
const bits = (...k: number[]) => k.reduce((m, x) => m | (1 << x), 0);
const SITE = bits(K_TYPE, K_TS, K_FILE, K_LINE);
const ALLOWED: number[] = [];
ALLOWED[TYPE_CODES.switch] = SITE | bits(K_FROM, K_TO, K_REASON, K_VALUE, K_TOFILE, K_TOLINE, K_DEPTH, K_FRAME);
ALLOWED[TYPE_CODES.end] = SITE | bits(K_TASK, K_OUTCOME, K_VALUE);
ALLOWED[TYPE_CODES.block] = SITE | bits(K_TASK, K_ON, K_DETAIL);
ALLOWED[TYPE_CODES.wake] = SITE | bits(K_TASK, K_ON, K_DETAIL);
ALLOWED[TYPE_CODES.send] = SITE | bits(K_TASK, K_CHANNEL, K_VALUE, K_MSG, K_STEPTS, K_STEPLINE);
ALLOWED[TYPE_CODES.recv] = ALLOWED[TYPE_CODES.send];
ALLOWED[TYPE_CODES.output] = SITE | bits(K_TASK, K_STREAM, K_TEXT);
ALLOWED[TYPE_CODES.mark] = SITE | bits(K_KIND, K_MESSAGE, K_TASK, K_MS, K_COUNT);
const REQUIRED: number[] = [];
REQUIRED[TYPE_CODES.switch] = bits(K_TS, K_FROM, K_TO, K_REASON);
REQUIRED[TYPE_CODES.end] = bits(K_TS, K_TASK, K_OUTCOME);
REQUIRED[TYPE_CODES.block] = bits(K_TS, K_TASK, K_ON);
REQUIRED[TYPE_CODES.wake] = REQUIRED[TYPE_CODES.block];
REQUIRED[TYPE_CODES.send] = bits(K_TS, K_TASK, K_CHANNEL);
REQUIRED[TYPE_CODES.recv] = REQUIRED[TYPE_CODES.send];
REQUIRED[TYPE_CODES.output] = bits(K_TS, K_TASK, K_STREAM, K_TEXT);
REQUIRED[TYPE_CODES.mark] = bits(K_TS, K_KIND, K_MESSAGE);
ALLOWED[RESUME] = REQUIRED[RESUME] = bits(K_TYPE, K_TS, K_TASK, K_LINE);
ALLOWED[SUSPEND] = REQUIRED[SUSPEND] = ALLOWED[RESUME];
REQUIRED[STEP] = bits(K_TYPE, K_TS, K_TASK, K_DUR, K_LINE);
ALLOWED[STEP] = REQUIRED[STEP] | bits(K_TOLINE);

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

  private readonly laneIds = new Map<string, number>();
  /** Interned strings; ids 0..9 are the event type names (id = type code). */
  private readonly strings: string[] = [];
  private strHashes: number[] = [];
  private strTable = new Int32Array(1024).fill(-1);
  /** String id → lane, for task ids seen by the scanner (-1 unknown). */
  private laneOfStr: number[] = [];
  // Sites: (file string id, line) and (toFile, toLine, frame).
  private readonly siteFile: number[] = [];
  private readonly siteLine: number[] = [];
  private readonly siteFrame: number[] = [];
  private readonly siteIds = new Map<number, number>();
  private readonly site2Ids = new Map<number, number>();
  private readonly rest = new Map<number, Record<string, unknown>>();
  private chunks: Columns[] = [];
  private n = 0;
  // The value arena: entries are a 16-bit header (length, bit 15 = two bytes per code unit) then the code units.
  private arena: Uint8Array[] = [];
  private arenaPos = ARENA_CHUNK; // forces a first chunk
  private readonly dedup = new Int32Array(DEDUP_SIZE).fill(-1);
  private scratch = new Uint16Array(256);
  private pending = '';
  /** appendBytes: the partial trailing line's bytes (pieces, joined when its newline arrives). */
  private pendingBytes: Uint8Array[] = [];
  private pendingByteLen = 0;
  private lineNo = 0;
  private t0 = NaN;
  // Scanner state, reused per line.
  private readonly fStart = new Int32Array(NKEYS);
  private readonly fEnd = new Int32Array(NKEYS);
  private readonly fNum = new Float64Array(NKEYS);
  private readonly fStr = new Int32Array(NKEYS);
  private readonly fHash = new Int32Array(NKEYS);
  private readonly fEsc = new Uint8Array(NKEYS);
  private bytes = new Uint8Array(3 * WINDOW + BYTE_SLACK);
  /** Views for comparing 4 bytes at a time. */
  private bytesView = new DataView(this.bytes.buffer);
  private readonly enc = new TextEncoder();
  /** Lines the byte scanner hands to the string paths (BOM kept, as in text). */
  private readonly dec = new TextDecoder('utf-8', { ignoreBOM: true });
  // The byte scanner's recent names: WAYS per field, their bytes (CAND_MAX each), length (0: empty) and string id.
  private readonly candBuf = new Uint8Array(NKEYS * WAYS * CAND_MAX);
  private readonly candView = new DataView(this.candBuf.buffer);
  private readonly candLen = new Int32Array(NKEYS * WAYS);
  private readonly candId = new Int32Array(NKEYS * WAYS);
  private readonly candNext = new Uint8Array(NKEYS);
  private readonly lastStr: string[] = new Array<string>(NKEYS).fill('\u0000');
  private readonly lastId = new Int32Array(NKEYS);
  /** Byte scanner: the last two keys that followed key k (-1: the line's start) in lines of type t (10: before "type"), at ((t × (NKEYS + 1)) + k + 1) × 2. */
  private readonly keyPred = new Int8Array((NO_TYPE + 1) * (NKEYS + 1) * 2).fill(-1);
  /** Key slot seen at each position of the last line of each type (index type × NKEYS + position; type 10: before "type"). */
  private readonly keyOrder = new Int8Array((NO_TYPE + 1) * NKEYS).fill(-1);

  constructor() {
    for (const t of TYPE_NAMES) this.intern(t);
    for (const t of COMPACT_NAMES) this.intern(t);
  }

  get length(): number { return this.n; }

  /** Feed raw JSON Lines text; partial trailing lines are kept until the next call. Returns events added. */
  appendText(chunk: string): number {
    if (this.pendingByteLen > 0) this.pending += this.dec.decode(this.takePendingBytes());
    const before = this.n;
    const firstNl = chunk.indexOf('\n');
    if (firstNl < 0) { this.pending += chunk; return 0; }
    if (this.pending) {
      const head = this.pending + chunk.slice(0, firstNl);
      this.pending = '';
      this.scanLines(head, 0, head.length);
    } else {
      this.scanLines(chunk, 0, firstNl);
    }
    const lastNl = chunk.lastIndexOf('\n');
    if (lastNl > firstNl) this.scanLines(chunk, firstNl + 1, lastNl);
    // Copy the tail so the pending text does not keep the whole chunk alive.
    this.pending = lastNl + 1 < chunk.length ? (' ' + chunk.slice(lastNl + 1)).slice(1) : '';
    return this.n - before;
  }

  /**
   * Feed raw JSON Lines as UTF-8 bytes (a socket's, a file's, a message's), scanned without decoding them to a
   * string; same semantics as `appendText`: a partial trailing line (even one cut inside a multi-byte character)
   * is kept until the next call, `end()` flushes it. The caller may reuse `chunk` afterwards. Returns events added.
   */
  appendBytes(chunk: Uint8Array): number {
    if (this.pending) {
      // A partial line left by appendText: carry it on as bytes.
      const head = this.enc.encode(this.pending);
      this.pending = '';
      this.pendingBytes.push(head);
      this.pendingByteLen += head.length;
    }
    const len = chunk.length;
    const firstNl = chunk.indexOf(10);
    if (firstNl < 0) {
      if (len > 0) { this.pendingBytes.push(copyBytes(chunk, 0, len)); this.pendingByteLen += len; }
      return 0;
    }
    const before = this.n;
    if (this.pendingByteLen > 0) {
      const head = this.takePendingBytes(firstNl);
      head.set(chunk.subarray(0, firstNl), head.length - firstNl);
      this.scanByteLines(head, 0, head.length);
    } else {
      this.scanByteLines(chunk, 0, firstNl);
    }
    const lastNl = chunk.lastIndexOf(10);
    if (lastNl > firstNl) this.scanByteLines(chunk, firstNl + 1, lastNl);
    if (lastNl + 1 < len) {
      // Copied: the caller's buffer may be reused.
      this.pendingBytes.push(copyBytes(chunk, lastNl + 1, len));
      this.pendingByteLen = len - lastNl - 1;
    }
    return this.n - before;
  }

  /** The pending bytes joined, with `extra` bytes of room at the end; clears them. */
  private takePendingBytes(extra = 0): Uint8Array {
    const parts = this.pendingBytes;
    let out: Uint8Array;
    if (parts.length === 1 && extra === 0) out = parts[0];
    else {
      out = new Uint8Array(this.pendingByteLen + extra);
      let at = 0;
      for (const p of parts) { out.set(p, at); at += p.length; }
    }
    this.pendingBytes = [];
    this.pendingByteLen = 0;
    return out;
  }

  /** The lines of bytes src[from, to), `to` being a newline or the end: in windows of whole lines copied to `bytes`. */
  private scanByteLines(src: Uint8Array, from: number, to: number): void {
    let p = from;
    for (;;) {
      let we = to;
      if (to - p > WINDOW) {
        const e = src.indexOf(10, p + WINDOW);
        if (e >= 0 && e < to) we = e;
      }
      this.scanByteWindow(src, p, we);
      if (we >= to) break;
      p = we + 1;
    }
  }

  /** The lines of src[ws, we): each through the byte scanner, else (decoded) the string scanner, else JSON.parse. */
  private scanByteWindow(src: Uint8Array, ws: number, we: number): void {
    const len = we - ws;
    let b = this.bytes;
    if (len + BYTE_SLACK > b.length) {
      if (len > MAX_WINDOW) { const t = this.dec.decode(src.subarray(ws, we)); this.bsNext = -2; this.scanStringLines(t, 0, t.length); return; }
      this.bytes = b = new Uint8Array(len + BYTE_SLACK);
      this.bytesView = new DataView(b.buffer);
    }
    b.set(src.subarray(ws, we), 0);
    b[len] = 10; // sentinel: every scan loop stops at a control byte
    let bp = 0;
    for (;;) {
      this.lineNo++;
      let be = this.fastBytes(b, bp);
      if (be < 0) {
        be = b.indexOf(10, bp);
        if (be > len) be = len;
        let le = be;
        if (le > bp && b[le - 1] === 13) le--;
        if (le > bp) {
          // The string scanner then JSON.parse decide, on the line decoded (UTF-8, even split across chunks: lines end at a newline byte).
          const line = this.dec.decode(b.subarray(bp, le));
          this.bsNext = -2;
          if (!this.fastLine(line, 0, line.length)) this.slowLine(line);
        }
      }
      if (be >= len) break;
      bp = be + 1;
    }
  }

  /** Flush a final line that had no trailing newline (end of file or stream). */
  end(): number {
    if (this.pendingByteLen > 0) this.pending += this.dec.decode(this.takePendingBytes());
    const rest = this.pending;
    this.pending = '';
    if (!rest.trim()) return 0;
    const before = this.n;
    this.scanLines(rest, 0, rest.length);
    return this.n - before;
  }

  /** The lines of text[from, to), `to` being a newline or the end of the text. */
  private scanLines(text: string, from: number, to: number): void {
    this.bsNext = -2; // unknown: the string scanner looks for backslashes lazily
    let p = from;
    for (;;) {
      // Windows of whole lines, encoded to bytes (ASCII text — all the runtime writes — is a plain copy).
      let we = to;
      if (to - p > WINDOW) {
        const e = text.indexOf('\n', p + WINDOW);
        if (e >= 0 && e < to) we = e;
      }
      this.scanWindow(text, p, we);
      if (we >= to) break;
      p = we + 1;
    }
  }

  /** The lines of text[ws, we): each through the byte scanner, else the string scanner, else JSON.parse. */
  private scanWindow(text: string, ws: number, we: number): void {
    const len = we - ws;
    let b = this.bytes;
    if (len * 3 + BYTE_SLACK > b.length) {
      if (len > MAX_WINDOW) { this.scanStringLines(text, ws, we); return; }
      this.bytes = b = new Uint8Array(len * 3 + BYTE_SLACK);
      this.bytesView = new DataView(b.buffer);
    }
    const n = len === 0 ? 0 : this.enc.encodeInto(ws === 0 && we === text.length ? text : text.slice(ws, we), b).written;
    b[n] = 10; // sentinel: every scan loop stops at a control byte
    const ascii = n === len;
    let sp = ws, bp = 0;
    for (;;) {
      this.lineNo++;
      let be = this.fastBytes(b, bp);
      let se: number;
      if (be >= 0 && ascii) se = ws + be;
      else {
        se = text.indexOf('\n', sp);
        if (se < 0 || se > we) se = we;
      }
      if (be < 0) {
        if (ascii) be = se - ws;
        else { be = b.indexOf(10, bp); if (be < 0 || be > n) be = n; }
        let sle = se;
        if (sle > sp && text.charCodeAt(sle - 1) === 13) sle--;
        if (sle > sp && !this.fastLine(text, sp, sle)) this.slowLine(text.slice(sp, sle));
      }
      if (se >= we) break;
      sp = se + 1;
      bp = be + 1;
    }
  }

  /** Lines of a window too big to encode (one huge line): the string scanner alone. */
  private scanStringLines(text: string, from: number, to: number): void {
    let p = from;
    for (;;) {
      let e = text.indexOf('\n', p);
      if (e < 0 || e > to) e = to;
      this.lineNo++;
      let le = e;
      if (le > p && text.charCodeAt(le - 1) === 13) le--;
      if (le > p && !this.fastLine(text, p, le)) this.slowLine(text.slice(p, le));
      if (e >= to) break;
      p = e + 1;
    }
  }

  private slowLine(line: string): void {
    if (!line.trim()) return;
    let raw: unknown;
    try { raw = JSON.parse(line); } catch (e) { this.problem(`not JSON: ${(e as Error).message}`); return; }
    this.appendRaw(raw);
  }

  /**
   * The byte scanner, for the runtime's lines (UTF-8 bytes from b[p] to a line feed or the sentinel): compact
   * JSON, ASCII only (the runtime escapes the rest), plain integers. Keys are predicted from the last line
   * of the same type; names (type, task ids, reasons, files…) are compared in place with the last few seen
   * in that field before any hashing; values are hashed while scanned and copied straight into the arena.
   * Returns the index of the line's line feed (or of the sentinel) when it stored the event, else -1:
   * anything else (whitespace, non-ASCII, fractions, unknown keys…) goes to the string scanner, then
   * JSON.parse, so every path accepts exactly what JSON.parse + validateEvent accept.
   */
  private fastBytes(b: Uint8Array, p: number): number {
    if (b[p] !== 123 /* { */) return -1;
    p++;
    const fStart = this.fStart, fEnd = this.fEnd, fNum = this.fNum, fStr = this.fStr, fHash = this.fHash, fEsc = this.fEsc;
    const keyPred = this.keyPred, candLen = this.candLen, candBuf = this.candBuf, candId = this.candId, candView = this.candView;
    const dv = this.bytesView;
    let seen = 0;
    let prev = -1;
    for (;;) {
      let c = b[p];
      if (c === 125 /* } */) { p++; break; }
      if (seen !== 0) {
        if (c !== 44 /* , */) return -1;
        c = b[++p];
      }
      if (c !== 34 /* " */) return -1;
      // The key: the runtime writes the keys of a type in one order, optional ones left out, so try the
      // two keys that followed the previous key in lines of this type (`"name":` compared 4 bytes at a time).
      const oi = (((seen & 1 ? fStr[K_TYPE] : NO_TYPE) * (NKEYS + 1)) + prev + 1) * 2;
      let key = -1;
      for (let w = 0; w < 2; w++) {
        const guess = keyPred[oi + w];
        if (guess < 0 || (seen & (1 << guess)) !== 0) continue;
        // Three big-endian words, the bytes past the key masked off (the buffer has slack after the line).
        if (dv.getInt32(p) === KEY_W0[guess] && (dv.getInt32(p + 4) & KEY_M1[guess]) === KEY_W1[guess]
          && (dv.getInt32(p + 8) & KEY_M2[guess]) === KEY_W2[guess]) { key = guess; p += KEY_LEN[guess]; break; }
      }
      if (key < 0) {
        const ks = ++p;
        let kh = 0;
        let x = b[p];
        while (PLAIN[x] === 1) { kh = (kh * 33 + x) | 0; x = b[++p]; }
        if (x !== 34) return -1;
        key = KEY_TABLE[(kh ^ (kh >>> KEY_SHIFT)) & KEY_MASK];
        if (key < 0 || (seen & (1 << key)) !== 0 || !sameKeyBytes(b, ks, p, key)) return -1;
        keyPred[oi + 1] = keyPred[oi];
        keyPred[oi] = key;
        if (b[++p] !== 58 /* : */) return -1;
        p++;
      }
      prev = key;
      c = b[p];
      if (c === 34) {
        if (KEY_KIND[key] !== 1) return -1;
        const vs = ++p;
        if (IS_VALUE_SLOT[key]) {
          let h = 0x811c9dc5;
          let x = b[p];
          while (PLAIN[x] === 1) { h = Math.imul(h ^ x, 0x01000193); x = b[++p]; }
          fStart[key] = vs;
          if (x === 34) { fEnd[key] = p; fHash[key] = h; fEsc[key] = 0; }
          else if (x === 92) {
            const close = this.scanStringBytes(b, vs);
            if (close < 0) return -1;
            fEnd[key] = p = close;
            fEsc[key] = 1;
          } else return -1;
          p++;
        } else {
          // A name: compare in place with the last few of this field (a quick look at the byte that
          // must be the closing quote first), then hash + intern on a miss.
          let id = -1;
          const base = key * WAYS;
          for (let j = 0; j < WAYS; j++) {
            const len = candLen[base + j];
            if (len === 0 || b[p + len] !== 34) continue;
            const off = (base + j) * CAND_MAX;
            let k = 0;
            while (k + 4 <= len && dv.getInt32(p + k) === candView.getInt32(off + k)) k += 4;
            while (k < len && b[p + k] === candBuf[off + k]) k++;
            if (k === len) { id = candId[base + j]; p += len + 1; break; }
          }
          if (id < 0) {
            let h = 0x811c9dc5;
            let x = b[p];
            while (PLAIN[x] === 1) { h = Math.imul(h ^ x, 0x01000193); x = b[++p]; }
            if (x === 34) {
              id = this.internBytes(b, vs, p, h | 0);
              this.remember(key, b, vs, p, id);
            } else if (x === 92) {
              const close = this.scanStringBytes(b, vs);
              if (close < 0) return -1;
              id = this.internScratch(this.scratchLen);
              p = close;
            } else return -1;
            p++;
          }
          fStr[key] = id;
          if (key === K_TYPE && id > LAST_TYPE) return -1; // header, unknown types: the generic path decides
        }
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        if (KEY_KIND[key] !== 2) return -1;
        const neg = c === 45;
        if (neg) p++;
        const ds = p;
        let v = 0;
        let d = b[p] - 48;
        while (d >= 0 && d <= 9) { v = v * 10 + d; d = b[++p] - 48; }
        const nd = p - ds;
        // Fractions, exponents, long or malformed numbers: the string scanner.
        if (nd === 0 || nd > 15 || (nd > 1 && b[ds] === 48) || d === 46 - 48 || d === 101 - 48 || d === 69 - 48) return -1;
        fNum[key] = neg ? -v : v;
      } else {
        return -1; // whitespace, null, booleans, objects, arrays
      }
      seen |= 1 << key;
    }
    let c = b[p];
    if (c === 13) c = b[++p];
    if (c !== 10 || !this.commit(seen, null)) return -1;
    return p;
  }

  /** Decode the JSON string whose text starts at b[p] into `scratch`; returns the closing quote's index or -1 (also for non-ASCII). */
  private scanStringBytes(b: Uint8Array, p: number): number {
    let buf = this.scratch;
    let n = 0;
    let h = 0x811c9dc5;
    for (;;) {
      let c = b[p++];
      if (c === 34) { this.scratchLen = n; this.scratchHash = h | 0; return p - 1; }
      if (c < 32 || c >= 128) return -1;
      if (c === 92) {
        const e = b[p++];
        switch (e) {
          case 34: c = 34; break; case 92: c = 92; break; case 47: c = 47; break;
          case 98: c = 8; break; case 102: c = 12; break; case 110: c = 10; break; case 114: c = 13; break; case 116: c = 9; break;
          case 117: {
            c = 0;
            for (let k = 0; k < 4; k++) {
              const x = b[p++];
              const d = x >= 48 && x <= 57 ? x - 48 : x >= 97 && x <= 102 ? x - 87 : x >= 65 && x <= 70 ? x - 55 : -1;
              if (d < 0) return -1;
              c = c * 16 + d;
            }
            break;
          }
          default: return -1;
        }
      }
      if (n === buf.length) { const nb = new Uint16Array(buf.length * 2); nb.set(buf); this.scratch = buf = nb; }
      buf[n++] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
  }

  /** Intern the ASCII bytes b[from, to) (FNV hash h, as `intern` computes it) without making a string unless it is new. */
  private internBytes(b: Uint8Array, from: number, to: number, h: number): number {
    const len = to - from;
    const table = this.strTable;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const id = table[slot];
      if (id < 0) break;
      if (this.strHashes[id] === h) {
        const str = this.strings[id];
        if (str.length === len) {
          let k = 0;
          while (k < len && str.charCodeAt(k) === b[from + k]) k++;
          if (k === len) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    return this.addString(scratchString(b.subarray(from, to), len), h);
  }

  /** Keep name bytes b[from, to) (interned as id) among the last WAYS of field `key`. */
  private remember(key: number, b: Uint8Array, from: number, to: number, id: number): void {
    const len = to - from;
    if (len === 0 || len > CAND_MAX) return;
    const j = key * WAYS + this.candNext[key];
    this.candNext[key] = (this.candNext[key] + 1) % WAYS;
    const buf = this.candBuf, off = j * CAND_MAX;
    for (let k = 0; k < len; k++) buf[off + k] = b[from + k];
    this.candLen[j] = len;
    this.candId[j] = id;
  }

  /** The scanner: true when the line was a plain event it could store; false sends it the generic way. */
  private fastLine(s: string, p: number, end: number): boolean {
    while (p < end && isWs(s.charCodeAt(p))) p++;
    if (p >= end) return true;
    if (s.charCodeAt(p) !== 123 /* { */) return false;
    p++;
    const fStart = this.fStart, fEnd = this.fEnd, fNum = this.fNum, fStr = this.fStr;
    let seen = 0;
    let pos = 0;
    for (;;) {
      while (p < end && isWs(s.charCodeAt(p))) p++;
      let c = s.charCodeAt(p);
      if (c === 125 /* } */) { p++; break; }
      if (seen !== 0) {
        if (c !== 44 /* , */) return false;
        p++;
        while (p < end && isWs(s.charCodeAt(p))) p++;
        c = s.charCodeAt(p);
      }
      if (c !== 34 /* " */) return false;
      // Key: the runtime writes the keys of a type in one order, so first try the key that
      // came at this position in the last line of the same type (one native compare of
      // `"name":`); otherwise hash while looking for the closing quote and verify the spelling.
      const oi = (seen & 1 ? fStr[K_TYPE] : NO_TYPE) * NKEYS + pos;
      const guess = this.keyOrder[oi];
      let key: number;
      if (guess >= 0 && (seen & (1 << guess)) === 0 && s.startsWith(KEY_QUOTED[guess], p)) {
        key = guess;
        p += KEY_QUOTED[guess].length;
      } else {
        const ks = ++p;
        let kh = 0;
        while (p < end) { const x = s.charCodeAt(p); if (x === 34 || x === 92) break; kh = (kh * 33 + x) | 0; p++; }
        if (s.charCodeAt(p) !== 34) return false;
        const ke = p;
        key = KEY_TABLE[(kh ^ (kh >>> KEY_SHIFT)) & KEY_MASK];
        if (key < 0 || (seen & (1 << key)) !== 0 || !sameKey(s, ks, ke, key)) return false;
        if (oi < this.keyOrder.length) this.keyOrder[oi] = key;
        p = ke + 1;
        while (p < end && isWs(s.charCodeAt(p))) p++;
        if (s.charCodeAt(p) !== 58 /* : */) return false;
        p++;
      }
      pos++;
      while (p < end && isWs(s.charCodeAt(p))) p++;
      c = s.charCodeAt(p);
      if (c === 34) {
        if (KEY_KIND[key] !== 1) return false;
        let close = s.indexOf('"', p + 1);
        if (close < 0 || close >= end) return false;
        if (this.bsNext !== -1 && this.bsNext < p) this.bsNext = s.indexOf('\\', p);
        const escaped = this.bsNext !== -1 && this.bsNext < close;
        if (escaped) {
          close = this.scanString(s, p + 1, end);
          if (close < 0) return false;
          if (!IS_VALUE_SLOT[key]) {
            fStr[key] = this.internScratch(this.scratchLen);
            if (key === K_TYPE && fStr[key] > LAST_TYPE) return false;
          }
        } else {
          // Raw control characters are not JSON.
          for (let k = p + 1; k < close; k++) if (s.charCodeAt(k) < 32) return false;
        }
        if (!escaped && !IS_VALUE_SLOT[key]) {
          // Names repeat from line to line (type, reason, file, task ids): compare with the last one first.
          const last = this.lastStr[key];
          if (last.length === close - p - 1 && s.startsWith(last, p + 1)) fStr[key] = this.lastId[key];
          else {
            const id = this.internRange(s, p + 1, close);
            fStr[key] = id;
            this.lastStr[key] = this.strings[id];
            this.lastId[key] = id;
          }
          if (key === K_TYPE && fStr[key] > LAST_TYPE) return false; // header, unknown types: the generic path decides
        }
        if (IS_VALUE_SLOT[key]) { fStart[key] = p + 1; fEnd[key] = escaped ? -close : close; }
        p = close + 1;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        if (KEY_KIND[key] !== 2) return false;
        let q = p;
        let v = 0;
        let neg = false;
        if (c === 45) { neg = true; q++; }
        const ds = q;
        while (q < end) { const d = s.charCodeAt(q); if (d < 48 || d > 57) break; v = v * 10 + (d - 48); q++; }
        if (q === ds) return false;
        const d = s.charCodeAt(q);
        if (d === 46 || d === 101 || d === 69 || q - ds > 15 || (q - ds > 1 && s.charCodeAt(ds) === 48)) {
          // Fractions, exponents and very long integers: let the engine parse them exactly (JSON's grammar only).
          while (q < end) { const x = s.charCodeAt(q); if (!((x >= 48 && x <= 57) || x === 46 || x === 101 || x === 69 || x === 43 || x === 45)) break; q++; }
          if (!isJsonNumber(s, p, q)) return false;
          v = Number(s.slice(p, q));
          if (!Number.isFinite(v)) return false;
        } else if (neg) v = -v;
        fNum[key] = v;
        p = q;
      } else {
        return false; // null, booleans, objects, arrays: rare here, generic path
      }
      seen |= 1 << key;
    }
    while (p < end && isWs(s.charCodeAt(p))) p++;
    if (p !== end) return false;
    return this.commit(seen, s);
  }

  /** Store the scanned line (fields in fStr/fNum/fStart…; values in `s`, or in `bytes` when s is null) if it is a plain event. */
  private commit(seen: number, s: string | null): boolean {
    const fStr = this.fStr, fNum = this.fNum;
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
      if (type === SUSPEND) this.suspendRow(ts, lane, line);
      else {
        this.resumeRow(ts, lane, type === STEP && (seen & (1 << K_TOLINE)) !== 0 ? fNum[K_TOLINE] : line);
        if (type === STEP) this.suspendRow(ts + fNum[K_DUR], lane, line);
      }
      return true;
    }
    if (type === TYPE_CODES.mark && (seen & (1 << K_MS)) && (seen & (1 << K_COUNT))) return false;
    if (type === TYPE_CODES.output) {
      const st = this.strings[fStr[K_STREAM]];
      if (st !== 'stdout' && st !== 'stderr') return false;
    }

    if ((seen & (1 << K_STEPTS | 1 << K_STEPLINE)) !== 0) {
      // a send/recv carrying the start of its task's step: that resume first (protocol: unfoldTransfer)
      if ((seen & (1 << K_STEPTS | 1 << K_STEPLINE)) !== (1 << K_STEPTS | 1 << K_STEPLINE)) return false;
      if (Number.isNaN(this.t0)) this.t0 = fNum[K_STEPTS];
      this.resumeRow(fNum[K_STEPTS], this.laneOfString(fStr[K_TASK]), fNum[K_STEPLINE]);
    }
    const ts = fNum[K_TS];
    if (Number.isNaN(this.t0)) this.t0 = ts;
    const i = this.n;
    const ch = i & MASK;
    if (ch === 0) this.chunks.push(newChunk());
    const col = this.chunks[i >>> SHIFT];
    this.n++;
    col.type[ch] = type;
    col.ts[ch] = ts;
    col.a[ch] = -1; col.b[ch] = -1; col.value[ch] = -1; col.num[ch] = NaN;
    const has = (k: number) => (seen & (1 << k)) !== 0;
    const line = has(K_LINE) ? fNum[K_LINE] : 0;
    // a transfer's line without a file is in its task's own code file (protocol: unfoldTransfer)
    const fileId = has(K_FILE) ? fStr[K_FILE]
      : has(K_LINE) && (type === TYPE_CODES.send || type === TYPE_CODES.recv) ? this.codeOf(this.laneOfString(fStr[K_TASK])) : -1;
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
      case 3: case 4: // block, wake
        col.a[ch] = this.laneOfString(fStr[K_TASK]);
        col.reason[ch] = fStr[K_ON];
        if (has(K_DETAIL)) col.value[ch] = this.val(K_DETAIL, s);
        break;
      case 5: case 6: // send, recv
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

  private scratchLen = 0;
  /** Next backslash at or after the scan position in `bsText` (-1: none), so escape-free strings skip decoding. */
  private bsNext = -1;
  private scratchHash = 0;

  /** Decode the JSON string starting after its opening quote into `scratch`; returns the closing quote's index or -1. */
  private scanString(s: string, p: number, end: number): number {
    let buf = this.scratch;
    let n = 0;
    let h = 0x811c9dc5;
    while (p < end) {
      let c = s.charCodeAt(p++);
      if (c === 34) { this.scratchLen = n; this.scratchHash = h | 0; return p - 1; }
      if (c === 92) {
        if (p >= end) return -1;
        const e = s.charCodeAt(p++);
        switch (e) {
          case 34: c = 34; break; case 92: c = 92; break; case 47: c = 47; break;
          case 98: c = 8; break; case 102: c = 12; break; case 110: c = 10; break; case 114: c = 13; break; case 116: c = 9; break;
          case 117: {
            if (p + 4 > end) return -1;
            c = 0;
            for (let k = 0; k < 4; k++) {
              const x = s.charCodeAt(p++);
              const d = x >= 48 && x <= 57 ? x - 48 : x >= 97 && x <= 102 ? x - 87 : x >= 65 && x <= 70 ? x - 55 : -1;
              if (d < 0) return -1;
              c = c * 16 + d;
            }
            break;
          }
          default: return -1;
        }
      } else if (c < 32) return -1;
      if (n === buf.length) { const nb = new Uint16Array(buf.length * 2); nb.set(buf); this.scratch = buf = nb; }
      buf[n++] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    return -1;
  }

  /** Intern the string in scratch[0, len) (hash in scratchHash). */
  private internScratch(len: number): number {
    const h = this.scratchHash;
    const buf = this.scratch;
    const table = this.strTable;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const id = table[slot];
      if (id < 0) break;
      if (this.strHashes[id] === h) {
        const str = this.strings[id];
        if (str.length === len) {
          let k = 0;
          while (k < len && str.charCodeAt(k) === buf[k]) k++;
          if (k === len) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    return this.addString(scratchString(buf, len), h);
  }

  private addString(str: string, h: number): number {
    const id = this.strings.length;
    this.strings.push(str);
    this.strHashes.push(h);
    this.laneOfStr.push(-1);
    if (this.strings.length * 2 > this.strTable.length) {
      const t = new Int32Array(this.strTable.length * 2).fill(-1);
      const m = t.length - 1;
      for (let j = 0; j < this.strings.length; j++) {
        let slot = this.strHashes[j] & m;
        while (t[slot] >= 0) slot = (slot + 1) & m;
        t[slot] = j;
      }
      this.strTable = t;
    } else {
      const m = this.strTable.length - 1;
      let slot = h & m;
      while (this.strTable[slot] >= 0) slot = (slot + 1) & m;
      this.strTable[slot] = id;
    }
    return id;
  }

  /** Intern a JS string. */
  intern(str: string): number {
    let h = 0x811c9dc5;
    for (let k = 0; k < str.length; k++) h = Math.imul(h ^ str.charCodeAt(k), 0x01000193);
    h |= 0;
    const table = this.strTable;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const id = table[slot];
      if (id < 0) break;
      if (this.strHashes[id] === h && this.strings[id] === str) return id;
      slot = (slot + 1) & mask;
    }
    return this.addString(str, h);
  }

  private laneOfString(strId: number): number {
    const l = this.laneOfStr[strId];
    if (l >= 0) return l;
    const lane = this.lane(this.strings[strId]);
    this.laneOfStr[strId] = lane;
    return lane;
  }

  /** Direct-mapped cache in front of `siteIds` (a trace revisits the same few sites). */
  private readonly siteCache = new Int32Array(4096).fill(-1);
  private readonly site2Cache = new Int32Array(4096).fill(-1);

  private siteOf(fileId: number, line: number): number {
    const slot = (Math.imul(fileId + 1, 0x9e3779b1) ^ line) & 4095;
    const c = this.siteCache[slot];
    if (c >= 0 && this.siteLine[c] === line && this.siteFile[c] === fileId && this.siteFrame[c] === -1) return c;
    const id = this.siteOfSlow(fileId, line);
    this.siteCache[slot] = id;
    return id;
  }

  private siteOfSlow(fileId: number, line: number): number {
    const key = (fileId + 1) * 4294967296 + (line >>> 0);
    let id = this.siteIds.get(key);
    if (id === undefined) {
      id = this.siteFile.length;
      this.siteFile.push(fileId); this.siteLine.push(line); this.siteFrame.push(-1);
      this.siteIds.set(key, id);
    }
    return id;
  }

  private site2Of(fileId: number, line: number, frameId: number): number {
    const base = this.siteOf(fileId, line);
    if (frameId < 0) return base;
    const slot = (Math.imul(base + 1, 0x85ebca6b) ^ frameId) & 4095;
    const c = this.site2Cache[slot];
    if (c >= 0 && this.siteFrame[c] === frameId && this.siteLine[c] === line && this.siteFile[c] === fileId) return c;
    const key = base * 2097152 + frameId;
    let id = this.site2Ids.get(key);
    if (id === undefined) {
      id = this.siteFile.length;
      this.siteFile.push(fileId); this.siteLine.push(line); this.siteFrame.push(frameId);
      this.site2Ids.set(key, id);
    }
    this.site2Cache[slot] = id;
    return id;
  }

  /** The value column entry for value slot k of the scanned line (in `s`, or in `bytes` when s is null). */
  private val(k: number, s: string | null): number {
    if (s !== null) return this.storeValue(s, this.fStart[k], this.fEnd[k]);
    if (this.fEsc[k]) {
      this.scanStringBytes(this.bytes, this.fStart[k]);
      return this.storeScratchValue(this.scratchLen);
    }
    return this.storeBytesValue(this.bytes, this.fStart[k], this.fEnd[k], this.fHash[k]);
  }

  /** Store the ASCII bytes b[from, to) (FNV hash h) as a value: dedup, then a straight copy into the arena. */
  private storeBytesValue(b: Uint8Array, from: number, to: number, h: number): number {
    const len = to - from;
    if (len > ARENA_MAX) return -2 - this.internBytes(b, from, to, h);
    const slot = (h ^ (h >>> 13)) & (DEDUP_SIZE - 1);
    const prev = this.dedup[slot];
    if (prev >= 0) {
      const pa = this.arena[prev >>> ARENA_SHIFT];
      let q = prev & ARENA_MASK;
      if ((pa[q] | (pa[q + 1] << 8)) === len) {
        q += 2;
        let k = 0;
        while (k < len && pa[q + k] === b[from + k]) k++;
        if (k === len) return prev;
      }
    }
    if (this.arenaPos + 2 + len > ARENA_CHUNK) { this.arena.push(new Uint8Array(ARENA_CHUNK)); this.arenaPos = 0; }
    const ci = this.arena.length - 1;
    const a = this.arena[ci];
    const p = this.arenaPos;
    const off = ci * ARENA_CHUNK + p;
    a[p] = len & 255; a[p + 1] = len >>> 8;
    if (len < 16) for (let k = 0; k < len; k++) a[p + 2 + k] = b[from + k];
    else a.set(b.subarray(from, to), p + 2);
    this.arenaPos = p + 2 + len;
    this.dedup[slot] = off;
    return off;
  }

  /** Store the JSON string s[from, |to|) as a value (`to` negative: it has escapes); returns the value column entry. */
  private storeValue(s: string, from: number, to: number): number {
    if (to < 0) {
      this.scanString(s, from, -to + 1);
      return this.storeScratchValue(this.scratchLen);
    }
    const len = to - from;
    if (len > this.scratch.length) this.scratch = new Uint16Array(len * 2);
    const buf = this.scratch;
    let h = 0x811c9dc5;
    for (let k = 0; k < len; k++) { const c = s.charCodeAt(from + k); buf[k] = c; h = Math.imul(h ^ c, 0x01000193); }
    this.scratchHash = h | 0;
    return this.storeScratchValue(len);
  }

  /** Intern s[from, to) (no escapes in it) without making a string unless it is new. */
  private internRange(s: string, from: number, to: number): number {
    let h = 0x811c9dc5;
    for (let k = from; k < to; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
    h |= 0;
    const len = to - from;
    const table = this.strTable;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const id = table[slot];
      if (id < 0) break;
      if (this.strHashes[id] === h) {
        const str = this.strings[id];
        if (str.length === len && s.startsWith(str, from)) return id;
      }
      slot = (slot + 1) & mask;
    }
    // A fresh flat copy: a slice would keep the whole chunk alive.
    return this.addString((' ' + s.slice(from, to)).slice(1), h);
  }

  private storeScratchValue(len: number): number {
    const buf = this.scratch;
    if (len > ARENA_MAX) return -2 - this.internScratch(len);
    const h = this.scratchHash;
    const slot = (h ^ (h >>> 13)) & (DEDUP_SIZE - 1);
    const prev = this.dedup[slot];
    if (prev >= 0 && this.arenaEquals(prev, buf, len)) return prev;
    let wide = false;
    for (let k = 0; k < len; k++) if (buf[k] > 255) { wide = true; break; }
    const bytes = 2 + (wide ? len * 2 : len);
    if (this.arenaPos + bytes > ARENA_CHUNK) { this.arena.push(new Uint8Array(ARENA_CHUNK)); this.arenaPos = 0; }
    const ci = this.arena.length - 1;
    const a = this.arena[ci];
    let p = this.arenaPos;
    const off = ci * ARENA_CHUNK + p;
    const hdr = len | (wide ? 0x8000 : 0);
    a[p++] = hdr & 255; a[p++] = hdr >>> 8;
    if (wide) for (let k = 0; k < len; k++) { a[p++] = buf[k] & 255; a[p++] = buf[k] >>> 8; }
    else for (let k = 0; k < len; k++) a[p++] = buf[k];
    this.arenaPos = p;
    this.dedup[slot] = off;
    return off;
  }

  private arenaEquals(off: number, buf: Uint16Array, len: number): boolean {
    const a = this.arena[off >>> ARENA_SHIFT];
    let p = off & ARENA_MASK;
    const hdr = a[p] | (a[p + 1] << 8);
    p += 2;
    if ((hdr & 0x7fff) !== len) return false;
    if (hdr & 0x8000) { for (let k = 0; k < len; k++, p += 2) if ((a[p] | (a[p + 1] << 8)) !== buf[k]) return false; }
    else for (let k = 0; k < len; k++) if (a[p + k] !== buf[k]) return false;
    return true;
  }

  private arenaString(off: number): string {
    const a = this.arena[off >>> ARENA_SHIFT];
    let p = off & ARENA_MASK;
    const hdr = a[p] | (a[p + 1] << 8);
    p += 2;
    const len = hdr & 0x7fff;
    if (hdr & 0x8000) {
      const u = new Uint16Array(len);
      for (let k = 0; k < len; k++, p += 2) u[k] = a[p] | (a[p + 1] << 8);
      return scratchString(u, len);
    }
    return scratchString(a.subarray(p, p + len), len);
  }

  private valueOf(v: number): string | undefined {
    if (v === -1) return undefined;
    if (v < -1) return this.strings[-2 - v];
    return this.arenaString(v);
  }

  /** Store a JS string as a value (generic path). */
  private valueFromString(str: string): number {
    if (str.length > ARENA_MAX) return -2 - this.intern(str);
    if (str.length > this.scratch.length) this.scratch = new Uint16Array(str.length * 2);
    let h = 0x811c9dc5;
    for (let k = 0; k < str.length; k++) { const c = str.charCodeAt(k); this.scratch[k] = c; h = Math.imul(h ^ c, 0x01000193); }
    this.scratchHash = h | 0;
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
    if (this.problems.length < 100) this.problems.push({ line: this.lineNo, message });
  }

  /** The loop lane (loopOf) and code file (codeOf) of an asyncio task lane, from its declaration (cached). */
  private readonly laneLoop: (number | undefined)[] = [];
  private readonly laneCode: (number | undefined)[] = [];
  private zeroValue = -1;

  private loopOf(lane: number): number {
    const known = this.laneLoop[lane];
    if (known !== undefined) return known;
    const t = this.tasks[lane];
    return this.laneLoop[lane] = this.lane(t.loop ?? t.parent ?? '?');
  }

  /** The code file (interned, -1: none) of a task lane, from its declaration (cached). */
  private codeOf(lane: number): number {
    const known = this.laneCode[lane];
    if (known !== undefined) return known;
    const file = this.tasks[lane].codeFile;
    return this.laneCode[lane] = file !== undefined ? this.intern(file) : -1;
  }

  /** A row of a new switch event (compact events; the same columns `append` gives the switch they stand for). */
  private switchRow(ts: number, a: number, b: number, reason: string, value: number, site: number, site2: number): void {
    const i = this.n;
    const ch = i & MASK;
    if (ch === 0) this.chunks.push(newChunk());
    const c = this.chunks[i >>> SHIFT];
    this.n++;
    this.switchCount++;
    c.type[ch] = TYPE_CODES.switch;
    c.ts[ch] = ts;
    c.a[ch] = a; c.b[ch] = b; c.reason[ch] = this.intern(reason); c.value[ch] = value;
    c.site[ch] = site; c.site2[ch] = site2; c.num[ch] = NaN;
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

  /** Append one validated event. */
  append(ev: TraceLine): void {
    if (ev.type === 'resume' || ev.type === 'suspend' || ev.type === 'step') {
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
    if (ch === 0) this.chunks.push(newChunk());
    const c = this.chunks[i >>> SHIFT];
    this.n++;
    c.type[ch] = TYPE_CODES[ev.type];
    c.ts[ch] = ev.ts;
    c.a[ch] = -1; c.b[ch] = -1; c.reason[ch] = -1; c.value[ch] = -1; c.site[ch] = -1; c.site2[ch] = -1; c.num[ch] = NaN;
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
        }
        c.a[ch] = lane;
        c.reason[ch] = this.intern(ev.kind);
        c.value[ch] = -2 - this.intern(ev.name);
        break;
      }
      case 'switch':
        this.switchCount++;
        c.a[ch] = this.lane(ev.from); c.b[ch] = this.lane(ev.to);
        c.reason[ch] = this.intern(ev.reason);
        if (ev.value !== undefined) c.value[ch] = this.valueFromString(ev.value);
        if (ev.depth !== undefined) c.num[ch] = ev.depth;
        if (ev.toFile !== undefined || ev.toLine !== undefined || ev.frame !== undefined) {
          c.site2[ch] = this.site2Of(ev.toFile !== undefined ? this.intern(ev.toFile) : -1, ev.toLine ?? 0, ev.frame !== undefined ? this.intern(ev.frame) : -1);
        }
        break;
      case 'end':
        c.a[ch] = this.lane(ev.task); c.reason[ch] = this.intern(ev.outcome);
        if (ev.value !== undefined) c.value[ch] = this.valueFromString(ev.value);
        break;
      case 'block':
      case 'wake':
        c.a[ch] = this.lane(ev.task); c.reason[ch] = this.intern(ev.on);
        if (ev.detail !== undefined) c.value[ch] = this.valueFromString(ev.detail);
        break;
      case 'send':
      case 'recv':
        c.a[ch] = this.lane(ev.task); c.reason[ch] = this.intern(ev.channel);
        if (ev.value !== undefined) c.value[ch] = this.valueFromString(ev.value);
        if (ev.msg !== undefined) c.num[ch] = ev.msg;
        break;
      case 'output':
        c.a[ch] = this.lane(ev.task); c.reason[ch] = this.intern(ev.stream); c.value[ch] = this.valueFromString(ev.text);
        break;
      case 'mark':
        if (ev.task !== undefined) c.a[ch] = this.lane(ev.task);
        c.reason[ch] = this.intern(ev.kind); c.value[ch] = this.valueFromString(ev.message);
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

  laneOf(id: string): number | undefined { return this.laneIds.get(id); }

  private declareImplicit(id: string): number {
    const lane = this.tasks.length;
    this.laneIds.set(id, lane);
    this.tasks.push({ type: 'task', ts: 0, id, kind: 'main', name: `task ${id}`, parent: null });
    return lane;
  }

  // Column accessors (index i in [0, length)).
  type(i: number): EventType { return TYPE_NAMES[this.chunks[i >>> SHIFT].type[i & MASK]]; }
  typeCode(i: number): number { return this.chunks[i >>> SHIFT].type[i & MASK]; }
  /** Absolute monotonic ns. */
  ts(i: number): number { return this.chunks[i >>> SHIFT].ts[i & MASK]; }
  /** ns since the trace start. */
  rel(i: number): number { return this.chunks[i >>> SHIFT].ts[i & MASK] - this.t0; }
  get startTs(): number { return this.t0; }
  /** Acting lane: `from` of a switch, `task` of the others (the declared lane for `task`); -1 if none. */
  a(i: number): number { return this.chunks[i >>> SHIFT].a[i & MASK]; }
  /** `to` lane of a switch, else -1. */
  b(i: number): number { return this.chunks[i >>> SHIFT].b[i & MASK]; }
  /** reason / outcome / on / channel / stream / mark kind / task kind, by type. */
  reason(i: number): string { const r = this.chunks[i >>> SHIFT].reason[i & MASK]; return r < 0 ? '' : this.strings[r]; }
  /** Interned id of `reason(i)` (see `string(id)`); -1 if none. */
  reasonId(i: number): number { return this.chunks[i >>> SHIFT].reason[i & MASK]; }
  /** value / detail / text / message / task name, by type. */
  value(i: number): string | undefined { return this.valueOf(this.chunks[i >>> SHIFT].value[i & MASK]); }
  /** An opaque key of `value(i)`: equal keys mean equal values (not the converse); -1 if none. */
  valueId(i: number): number { return this.chunks[i >>> SHIFT].value[i & MASK]; }
  file(i: number): string | undefined { const s = this.siteId(i); if (s < 0) return undefined; const f = this.siteFile[s]; return f < 0 ? undefined : this.strings[f]; }
  /** Interned id of `file(i)`; -1 if none. */
  fileId(i: number): number { const s = this.siteId(i); return s < 0 ? -1 : this.siteFile[s]; }
  line(i: number): number { const s = this.siteId(i); return s < 0 ? 0 : this.siteLine[s]; }
  /** Site (file, line) id of event i; -1 if none. Few distinct sites exist: use it to group events by place. */
  siteId(i: number): number { return this.chunks[i >>> SHIFT].site[i & MASK]; }
  /** Where `to` resumes (switch only). */
  toFile(i: number): string | undefined { const s = this.site2Id(i); if (s < 0) return undefined; const f = this.siteFile[s]; return f < 0 ? undefined : this.strings[f]; }
  toLine(i: number): number { const s = this.site2Id(i); return s < 0 ? 0 : this.siteLine[s]; }
  /** Innermost delegated frame running in `to` after a switch (when depth > 0). */
  frame(i: number): string | undefined { const s = this.site2Id(i); if (s < 0) return undefined; const f = this.siteFrame[s]; return f < 0 ? undefined : this.strings[f]; }
  site2Id(i: number): number { return this.chunks[i >>> SHIFT].site2[i & MASK]; }
  /** depth / msg / ms|count / exitCode, by type; NaN if absent. */
  num(i: number): number { return this.chunks[i >>> SHIFT].num[i & MASK]; }
  extra(i: number): Readonly<Record<string, unknown>> | undefined { return this.rest.get(i); }
  string(id: number): string { return this.strings[id]; }
  taskId(lane: number): string { return this.tasks[lane]?.id ?? ''; }
  /** Site ids whose file and line match (file compared as given, and by trailing path when one side is relative). */
  sitesAt(file: string, line: number): Set<number> {
    const out = new Set<number>();
    const norm = (f: string) => f.replace(/\\/g, '/');
    const want = norm(file);
    for (let s = 0; s < this.siteFile.length; s++) {
      if (this.siteLine[s] !== line || this.siteFile[s] < 0) continue;
      const f = norm(this.strings[this.siteFile[s]]);
      if (f === want || f.endsWith('/' + want) || want.endsWith('/' + f)) out.add(s);
    }
    return out;
  }
  get siteCount(): number { return this.siteFile.length; }

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
      case 'switch': {
        const sw: Record<string, unknown> = { type, ts, from: id(this.a(i)), to: id(this.b(i)), reason: this.reason(i), ...(value !== undefined ? { value } : {}), ...site };
        const tf = this.toFile(i), tl = this.toLine(i), fr = this.frame(i);
        if (tf !== undefined) sw.toFile = tf;
        if (tl) sw.toLine = tl;
        if (!Number.isNaN(num)) sw.depth = num;
        if (fr !== undefined) sw.frame = fr;
        ev = sw as unknown as TraceEvent;
        break;
      }
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
      case 'rename': ev = { type, ts, task: id(this.a(i)), name: '' }; break;
      default: return assertNever(type, 'event type');
    }
    return Object.assign(ev, extra) as TraceEvent;
  }

  /** Bytes held: columns, value arena, strings (2 bytes/char worst case), sites, sparse extras — for benchmarks and budgets. */
  approxBytes(): number {
    let strBytes = 0;
    for (const s of this.strings) strBytes += 32 + 2 * s.length;
    return this.chunks.length * CHUNK * COLUMN_BYTES + this.arena.length * ARENA_CHUNK + strBytes
      + this.siteFile.length * 48 + this.rest.size * 96 + this.strTable.byteLength;
  }
}

const KEY_NAMES = ['type', 'ts', 'from', 'to', 'reason', 'value', 'file', 'line', 'toFile', 'toLine', 'depth', 'frame', 'task',
  'outcome', 'on', 'detail', 'channel', 'msg', 'stream', 'text', 'kind', 'message', 'ms', 'count', 'dur', 'stepTs', 'stepLine'];
const KEY_QUOTED = KEY_NAMES.map((k) => `"${k}":`);
const KEY_MASK = 255;
let KEY_SHIFT = 0;
/** A collision-free hash table of the scanner's keys (the shift is chosen once, at load). */
const KEY_TABLE = new Int8Array(KEY_MASK + 1);
for (KEY_SHIFT = 0; KEY_SHIFT < 32; KEY_SHIFT++) {
  KEY_TABLE.fill(-1);
  let ok = true;
  KEY_NAMES.forEach((k, slot) => {
    let h = 0;
    for (let j = 0; j < k.length; j++) h = (h * 33 + k.charCodeAt(j)) | 0;
    const at = (h ^ (h >>> KEY_SHIFT)) & KEY_MASK;
    if (KEY_TABLE[at] >= 0) ok = false; else KEY_TABLE[at] = slot;
  });
  if (ok) break;
}

/** `"name":` (at most 12 bytes) as three big-endian words and masks, for the byte scanner. */
const KEY_W0 = new Int32Array(KEY_QUOTED.length), KEY_W1 = new Int32Array(KEY_QUOTED.length), KEY_W2 = new Int32Array(KEY_QUOTED.length);
const KEY_M1 = new Int32Array(KEY_QUOTED.length), KEY_M2 = new Int32Array(KEY_QUOTED.length), KEY_LEN = new Int32Array(KEY_QUOTED.length);
KEY_QUOTED.forEach((k, i) => {
  const word = (at: number): [number, number] => {
    let w = 0, m = 0;
    for (let j = 0; j < 4; j++) {
      const on = at + j < k.length;
      w = (w << 8) | (on ? k.charCodeAt(at + j) : 0);
      m = (m << 8) | (on ? 255 : 0);
    }
    return [w | 0, m | 0];
  };
  if (k.length > 12 || k.length < 5) throw new Error(`key ${k}`);
  KEY_W0[i] = word(0)[0];
  [KEY_W1[i], KEY_M1[i]] = word(4);
  [KEY_W2[i], KEY_M2[i]] = word(8);
  KEY_LEN[i] = k.length;
});

function sameKeyBytes(b: Uint8Array, from: number, to: number, slot: number): boolean {
  const k = KEY_NAMES[slot];
  if (k.length !== to - from) return false;
  for (let j = 0; j < k.length; j++) if (b[from + j] !== k.charCodeAt(j)) return false;
  return true;
}

/** Bytes that can stand for themselves inside a JSON string in the byte scanner (not a quote, backslash, control or non-ASCII byte). */
const PLAIN = new Uint8Array(256);
for (let c = 32; c < 128; c++) PLAIN[c] = c === 34 || c === 92 ? 0 : 1;

/** JSON whitespace inside a line. */
function isWs(c: number): boolean { return c === 32 || c === 9 || c === 13; }

/** s[from, to) is a JSON number (-?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?). */
function isJsonNumber(s: string, from: number, to: number): boolean {
  let p = from;
  const digits = () => { const q = p; while (p < to) { const c = s.charCodeAt(p); if (c < 48 || c > 57) break; p++; } return p - q; };
  if (s.charCodeAt(p) === 45) p++;
  if (s.charCodeAt(p) === 48) p++;
  else if (digits() === 0) return false;
  if (p < to && s.charCodeAt(p) === 46) { p++; if (digits() === 0) return false; }
  if (p < to && (s.charCodeAt(p) === 101 || s.charCodeAt(p) === 69)) {
    p++;
    if (p < to && (s.charCodeAt(p) === 43 || s.charCodeAt(p) === 45)) p++;
    if (digits() === 0) return false;
  }
  return p === to;
}

function sameKey(s: string, from: number, to: number, slot: number): boolean {
  const k = KEY_NAMES[slot];
  if (k.length !== to - from) return false;
  for (let j = 0; j < k.length; j++) if (s.charCodeAt(from + j) !== k.charCodeAt(j)) return false;
  return true;
}

/** A copy of src[from, to) as a plain Uint8Array (a Node Buffer's `slice` would be a view). */
function copyBytes(src: Uint8Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from);
  out.set(src.subarray(from, to));
  return out;
}

/** A flat string from UTF-16 code units (chunked: `apply` has an argument limit). */
function scratchString(buf: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, len: number): string {
  if (len <= 4096) return String.fromCharCode.apply(null, buf.subarray(0, len) as unknown as number[]);
  let out = '';
  for (let k = 0; k < len; k += 4096) out += String.fromCharCode.apply(null, buf.subarray(k, Math.min(len, k + 4096)) as unknown as number[]);
  return out;
}
