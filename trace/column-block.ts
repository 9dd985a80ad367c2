// The column codec: a TraceStore's rows as the store holds them (its typed
// columns, plus the names, sites, lanes and values they refer to), so a reader
// with a store of its own appends them without scanning a line of JSON. The
// CLI's HTML report embeds these blocks instead of JSON Lines (cli/report-html.ts)
// and the page's store imports them (webview: `appendColumns`): opening a report
// then costs an inflate and a few typed-array copies instead of a JSON scan.
//
// A block encodes rows [from, to) of the encoding store and the table entries
// made since the previous block of the same encoder, in the order that store
// made them: blocks must be imported in order into a store that got nothing
// else (ids then mean the same on both sides; `importRows` checks it). Values
// (the arena's entries) are sent once per block and re-stored by the reader.
//
// Layout (little-endian, as the typed arrays of every platform that runs this;
// each block's length a multiple of 8, so blocks can be concatenated):
//   u32 magic 'CSC2', u32 rows, u32 meta bytes, u32 value bytes,
//   meta (UTF-8 JSON, `BlockMeta`), padding to 4,
//   u32 value count, the values' raw arena entries, padding to 8,
//   the columns, each as narrow as its values allow (`meta.enc`; inflating is
//   most of a page's load, so fewer bytes count): ts as exact deltas from the
//   previous row (i32 when they are whole and small, else f64; f64 values when
//   deltas would not give them back), num dense (f64) or sparse (f64 values,
//   u32 rows) when mostly absent, then a, b, reason, value, site, site2 as i16
//   or i32 (value: -1 none, ≤ -2 an interned name, ≥ 0 an index into this
//   block's values), then u8 type; wider before narrower, so each is aligned;
//   padding to 8.
import type { TaskEvent } from '../protocol/events';
import type { ImportedRows, TraceStore } from './store';

const MAGIC = 0x32435343; // 'CSC2'
const HEAD = 16;

/** The block's JSON part: the table entries and counts `importRows` takes, and how the columns are written. */
type BlockMeta = Omit<ImportedRows, 'rows' | 'cols'> & { enc: Encoding };

/** How a block's columns are written: ts, num, and the bytes per element of a, b, reason, value, site, site2. */
interface Encoding {
  ts: 'i32-delta' | 'f64-delta' | 'f64';
  /** The first row's ts, which the deltas start from. */
  ts0: number;
  /** Rows with a num (sparse), or -1: dense. */
  num: number;
  ints: (2 | 4)[];
}

const INT_COLUMNS = ['a', 'b', 'reason', 'value', 'site', 'site2'] as const;

const pad = (n: number, to: number) => (n + to - 1) & ~(to - 1);

/** Encodes a store's rows block by block (one encoder per store; blocks in order). */
export class ColumnBlockEncoder {
  private strings = 0;
  private sites = 0;
  private problems = 0;
  private headerSent = false;
  private readonly tasks: (TaskEvent | undefined)[] = [];

  /** Rows [from, to) of `store` (held: not yet released) and the table entries made since the last block. */
  encode(store: TraceStore, from: number, to: number): Uint8Array {
    const rows = Math.max(0, to - from);
    const strings: string[] = [];
    const stringsFrom = this.strings;
    for (let id = this.strings; id < store.stringCount; id++) strings.push(store.string(id));
    this.strings = store.stringCount;
    const sites: number[] = [];
    for (let s = this.sites; s < store.siteCount; s++) sites.push(...store.siteParts(s));
    this.sites = store.siteCount;
    const tasks: [number, TaskEvent][] = [];
    store.tasks.forEach((t, lane) => {
      if (this.tasks[lane] !== t) {
        this.tasks[lane] = t;
        tasks.push([lane, t]);
      }
    });
    const problems = store.problems.slice(this.problems);
    this.problems = store.problems.length;
    const rest: [number, Record<string, unknown>][] = [];
    // Values: each arena entry the rows use, once.
    const local = new Map<number, number>();
    const entries: Uint8Array[] = [];
    let valueBytes = 4;
    const value = new Int32Array(rows);
    const ts = new Float64Array(rows);
    // ts as deltas when every row comes back exactly (ns integers do; a hostile float might not); i32 when whole and small.
    let delta = true;
    let small = true;
    // Deltas start from the block's first ts (in the meta), so the first is 0 and the rest can be small.
    const ts0 = rows > 0 ? store.ts(from) : 0;
    let prev = ts0;
    let nums = 0;
    for (let k = 0; k < rows; k++) {
      const i = from + k;
      const extra = store.extra(i);
      if (extra) rest.push([k, extra as Record<string, unknown>]);
      const v = store.valueId(i);
      if (v >= 0) {
        let at = local.get(v);
        if (at === undefined) {
          at = entries.length;
          local.set(v, at);
          const e = store.valueEntry(v);
          entries.push(e);
          valueBytes += e.length;
        }
        value[k] = at;
      } else value[k] = v;
      const t = store.ts(i);
      const d = t - prev;
      if (prev + d !== t) delta = false;
      if (d !== (d | 0)) small = false;
      ts[k] = d;
      prev = t;
      if (!Number.isNaN(store.num(i))) nums++;
    }
    if (!delta) for (let k = 0; k < rows; k++) ts[k] = store.ts(from + k);
    const ints: Int32Array[] = INT_COLUMNS.map((c) => {
      if (c === 'value') return value;
      const col = new Int32Array(rows);
      for (let k = 0; k < rows; k++)
        col[k] =
          c === 'a'
            ? store.a(from + k)
            : c === 'b'
              ? store.b(from + k)
              : c === 'reason'
                ? store.reasonId(from + k)
                : c === 'site'
                  ? store.siteId(from + k)
                  : store.site2Id(from + k);
      return col;
    });
    const enc: Encoding = {
      ts: !delta ? 'f64' : small ? 'i32-delta' : 'f64-delta',
      ts0,
      num: nums * 4 < rows ? nums : -1,
      ints: ints.map((col) => {
        for (let k = 0; k < rows; k++) if (col[k] !== (col[k] << 16) >> 16) return 4;
        return 2;
      }),
    };
    const meta: BlockMeta = {
      strings,
      stringsFrom,
      sites,
      tasks,
      ...(store.header && !this.headerSent ? { header: store.header } : {}),
      t0: store.startTs,
      switchCount: store.switchCount,
      unknownCount: store.unknownCount,
      problemCount: store.problemCount,
      problems,
      rest,
      enc,
    };
    if (store.header) this.headerSent = true;
    const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
    const valuesAt = pad(HEAD + metaBytes.length, 4);
    const colsAt = pad(valuesAt + valueBytes, 8);
    const out = new Uint8Array(pad(colsAt + columnBytes(rows, enc), 8));
    const head = new Uint32Array(out.buffer, 0, 4);
    head[0] = MAGIC;
    head[1] = rows;
    head[2] = metaBytes.length;
    head[3] = valueBytes;
    out.set(metaBytes, HEAD);
    new DataView(out.buffer).setUint32(valuesAt, entries.length, true);
    let p = valuesAt + 4;
    for (const e of entries) {
      out.set(e, p);
      p += e.length;
    }
    p = colsAt;
    // 8-byte columns, then 4-byte, then 2-byte, then bytes: every one aligned.
    if (enc.ts !== 'i32-delta') {
      new Float64Array(out.buffer, p, rows).set(ts);
      p += rows * 8;
    }
    if (enc.num < 0) {
      const num = new Float64Array(out.buffer, p, rows);
      for (let k = 0; k < rows; k++) num[k] = store.num(from + k);
      p += rows * 8;
    } else {
      const vals = new Float64Array(out.buffer, p, enc.num);
      const at = new Uint32Array(out.buffer, p + enc.num * 8, enc.num);
      let n = 0;
      for (let k = 0; k < rows; k++) {
        const x = store.num(from + k);
        if (Number.isNaN(x)) continue;
        vals[n] = x;
        at[n++] = k;
      }
      p += enc.num * 12;
    }
    if (enc.ts === 'i32-delta') {
      new Int32Array(out.buffer, p, rows).set(ts);
      p += rows * 4;
    }
    for (const width of [4, 2] as const)
      ints.forEach((col, c) => {
        if (enc.ints[c] !== width) return;
        (width === 4 ? new Int32Array(out.buffer, p, rows) : new Int16Array(out.buffer, p, rows)).set(col);
        p += rows * width;
      });
    for (let k = 0; k < rows; k++) out[p + k] = store.typeCode(from + k);
    return out;
  }
}

/** Bytes of a block's columns (before the final padding). */
function columnBytes(rows: number, e: Encoding): number {
  let n = (e.ts === 'i32-delta' ? 4 : 8) * rows + (e.num < 0 ? 8 * rows : 12 * e.num) + rows;
  for (const w of e.ints) n += w * rows;
  return n;
}

/**
 * Appends every block in `buf` (one or more, concatenated; `buf` starts 8-aligned in its buffer) to `store`, in
 * order; returns the rows added. The value column of `buf` is rewritten in place (the caller gives its buffer up).
 */
export function importColumnBlocks(store: TraceStore, bytes: Uint8Array): number {
  // Typed-array views need their element alignment (a Node Buffer may sit anywhere in its pool).
  const buf = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  let at = 0;
  let added = 0;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (at < buf.length) {
    if (buf.length - at < HEAD || view.getUint32(at, true) !== MAGIC) throw new Error('not a column block');
    const rows = view.getUint32(at + 4, true);
    const metaLen = view.getUint32(at + 8, true);
    const valueLen = view.getUint32(at + 12, true);
    const meta = JSON.parse(new TextDecoder().decode(buf.subarray(at + HEAD, at + HEAD + metaLen))) as BlockMeta;
    const valuesAt = at + pad(HEAD + metaLen, 4);
    const count = view.getUint32(valuesAt, true);
    // The block's values stored in this store: local index → this store's value key.
    const keys = new Int32Array(count);
    let p = valuesAt + 4;
    for (let k = 0; k < count; k++) {
      const hdr = buf[p] | (buf[p + 1] << 8);
      const len = 2 + ((hdr & 0x8000) !== 0 ? (hdr & 0x7fff) * 2 : hdr & 0x7fff);
      keys[k] = store.storeValueEntry(buf.subarray(p, p + len));
      p += len;
    }
    let c = at + pad(pad(HEAD + metaLen, 4) + valueLen, 8);
    const e = meta.enc;
    const end = at + pad(c - at + columnBytes(rows, e), 8);
    if (end > buf.length) throw new Error('column block cut short');
    const off = buf.byteOffset;
    const col = <T>(make: new (b: ArrayBufferLike, o: number, n: number) => T, n: number, width: number): T => {
      const v = new make(buf.buffer, off + c, n);
      c += n * width;
      return v;
    };
    const ts8 = e.ts !== 'i32-delta' ? col(Float64Array, rows, 8) : undefined;
    let num: Float64Array | { rows: Uint32Array; values: Float64Array };
    if (e.num < 0) num = col(Float64Array, rows, 8);
    else {
      const values = col(Float64Array, e.num, 8);
      num = { values, rows: col(Uint32Array, e.num, 4) };
    }
    const ts = ts8 ?? col(Int32Array, rows, 4);
    const ints: (Int32Array | Int16Array)[] = new Array(INT_COLUMNS.length);
    for (const width of [4, 2] as const)
      for (let k = 0; k < INT_COLUMNS.length; k++) if (e.ints[k] === width) ints[k] = width === 4 ? col(Int32Array, rows, 4) : col(Int16Array, rows, 2);
    const [a, b, reason, value, site, site2] = ints;
    const type = buf.subarray(c, c + rows);
    store.importRows({ ...meta, rows, cols: { type, ts, tsDelta: e.ts !== 'f64', ts0: e.ts0, num, a, b, reason, value, valueKeys: keys, site, site2 } });
    added += rows;
    at = end;
  }
  return added;
}
