// A sparse byte-offset index of a trace file: for some rows, the byte offset of the line that makes the row, so a
// reader can read the rows [from, to) of a huge trace from disk without holding them (the VS Code panel's paging
// mode). Entries come in row order (one per decoded slice of whole lines); memory is bounded: past `cap` entries,
// every other one is dropped and only entries at least twice as far apart are taken, so a run of any length keeps
// at most `cap` entries (a few hundred KB) and the stride between entries stays within about twice the smallest
// that fits. Pure: no Node, no DOM.

export interface RowOffset {
  /** The first row the line at `byte` makes (rows: the store's event indices, header and `locals` lines excluded). */
  row: number;
  /** Byte offset in the trace file of the line that makes `row` (a line start). */
  byte: number;
  /** That row's absolute `ts` (ns), to date what is placed before it. */
  ts: number;
  /** Lanes declared before `row`: lanes [0, lanes) exist when the line at `byte` is read. */
  lanes: number;
}

export class RowOffsets {
  private rows: Float64Array;
  private bytes: Float64Array;
  private tss: Float64Array;
  private laneCounts: Uint32Array;
  private n = 0;
  /** Entries closer than this many rows to the last one are skipped. */
  private stride: number;

  constructor(
    private readonly cap = 16384,
    minStride = 512,
  ) {
    this.rows = new Float64Array(cap);
    this.bytes = new Float64Array(cap);
    this.tss = new Float64Array(cap);
    this.laneCounts = new Uint32Array(cap);
    this.stride = minStride;
  }

  get count(): number {
    return this.n;
  }

  /** Rows between two entries at least (grows as the run does). */
  get minRows(): number {
    return this.stride;
  }

  /** Row `row`'s line starts at byte `byte`. Calls come in row and byte order; a row with no new line (0 rows added) is ignored. */
  add(row: number, byte: number, ts: number, lanes: number): void {
    const n = this.n;
    if (n > 0 && row - this.rows[n - 1] < this.stride) return;
    if (n === this.cap) {
      this.thin();
      this.add(row, byte, ts, lanes);
      return;
    }
    this.rows[n] = row;
    this.bytes[n] = byte;
    this.tss[n] = ts;
    this.laneCounts[n] = lanes;
    this.n = n + 1;
  }

  /** Keeps every other entry (the first always) and doubles the stride. */
  private thin(): void {
    let k = 0;
    for (let j = 0; j < this.n; j += 2, k++) {
      this.rows[k] = this.rows[j];
      this.bytes[k] = this.bytes[j];
      this.tss[k] = this.tss[j];
      this.laneCounts[k] = this.laneCounts[j];
    }
    this.n = k;
    this.stride *= 2;
  }

  /** The entry at or before `row` (the first entry if `row` is before it); undefined when empty. */
  atOrBefore(row: number): RowOffset | undefined {
    if (this.n === 0) return undefined;
    let lo = 0,
      hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.rows[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return this.entry(lo);
  }

  /** The first entry at or after `row`; undefined when `row` is past the last one. */
  atOrAfter(row: number): RowOffset | undefined {
    let lo = 0,
      hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid] < row) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.n ? this.entry(lo) : undefined;
  }

  private entry(k: number): RowOffset {
    return { row: this.rows[k], byte: this.bytes[k], ts: this.tss[k], lanes: this.laneCounts[k] };
  }

  /** Bytes held (for budgets). */
  get byteLength(): number {
    return this.rows.byteLength * 3 + this.laneCounts.byteLength;
  }
}
