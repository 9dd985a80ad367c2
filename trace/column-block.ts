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
//   u32 magic 'CSC1', u32 rows, u32 meta bytes, u32 value bytes,
//   meta (UTF-8 JSON, `BlockMeta`), padding to 4,
//   u32 value count, the values' raw arena entries, padding to 8,
//   f64 ts[rows] (deltas from the previous row when `tsDelta`), f64 num[rows],
//   i32 a, b, reason, value, site, site2 [rows] (value: -1 none, ≤ -2 an interned
//   name, ≥ 0 an index into this block's values), u8 type[rows], padding to 8.
import type { HeaderEvent, TaskEvent } from '../protocol/events';
import type { Columns, DecodeProblem, TraceStore } from './store';

const MAGIC = 0x31435343; // 'CSC1'
const HEAD = 16;

interface BlockMeta {
  strings: string[];
  stringsFrom: number;
  sites: number[];
  tasks: [number, TaskEvent][];
  header?: HeaderEvent;
  t0: number;
  switchCount: number;
  unknownCount: number;
  problemCount: number;
  problems: DecodeProblem[];
  rest: [number, Record<string, unknown>][];
  tsDelta: boolean;
}

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
    let tsDelta = true;
    let prev = 0;
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
      ts[k] = t - prev;
      // Deltas only when every row comes back exactly (ns integers do; a hostile float might not).
      if (prev + ts[k] !== t) tsDelta = false;
      prev = t;
    }
    if (!tsDelta) for (let k = 0; k < rows; k++) ts[k] = store.ts(from + k);
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
      tsDelta,
    };
    if (store.header) this.headerSent = true;
    const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
    const valuesAt = pad(HEAD + metaBytes.length, 4);
    const colsAt = pad(valuesAt + valueBytes, 8);
    const total = pad(colsAt + rows * (8 * 2 + 4 * 6 + 1), 8);
    const out = new Uint8Array(total);
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
    new Float64Array(out.buffer, p, rows).set(ts);
    p += rows * 8;
    const num = new Float64Array(out.buffer, p, rows);
    p += rows * 8;
    const i32 = (fill: (k: number) => number) => {
      const a = new Int32Array(out.buffer, p, rows);
      for (let k = 0; k < rows; k++) a[k] = fill(from + k);
      p += rows * 4;
    };
    for (let k = 0; k < rows; k++) num[k] = store.num(from + k);
    i32((i) => store.a(i));
    i32((i) => store.b(i));
    i32((i) => store.reasonId(i));
    new Int32Array(out.buffer, p, rows).set(value);
    p += rows * 4;
    i32((i) => store.siteId(i));
    i32((i) => store.site2Id(i));
    for (let k = 0; k < rows; k++) out[p + k] = store.typeCode(from + k);
    return out;
  }
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
    const end = at + pad(c - at + rows * (8 * 2 + 4 * 6 + 1), 8);
    if (end > buf.length) throw new Error('column block cut short');
    const f64 = () => {
      const a = new Float64Array(buf.buffer, buf.byteOffset + c, rows);
      c += rows * 8;
      return a;
    };
    const i32 = () => {
      const a = new Int32Array(buf.buffer, buf.byteOffset + c, rows);
      c += rows * 4;
      return a;
    };
    const ts = f64();
    if (meta.tsDelta) for (let k = 1; k < rows; k++) ts[k] += ts[k - 1];
    const num = f64();
    const a = i32();
    const b = i32();
    const reason = i32();
    const value = i32();
    for (let k = 0; k < rows; k++) if (value[k] >= 0) value[k] = keys[value[k]];
    const site = i32();
    const site2 = i32();
    const type = buf.subarray(c, c + rows);
    const cols: Columns = { type, ts, a, b, reason, value, site, site2, num };
    store.importRows({ ...meta, rows, cols });
    added += rows;
    at = end;
  }
  return added;
}
