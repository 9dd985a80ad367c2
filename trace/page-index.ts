// What a viewer that pages a huge trace from disk keeps of the whole run (the VS Code panel's paging mode): the
// sparse byte-offset index (row-offsets.ts), the overview (overview.ts), the lanes and header (from a store that
// lets its rows go), and the row count. `addRows` is called per decoded slice of whole lines, while the slice's
// rows are still held; `plan` says which bytes of the file hold rows [from, to) and `prelude` what must come before
// them (the header and the declarations of the lanes declared earlier) so a fresh store reads them as the same
// lanes. Pure: no Node, no DOM.
import { Overview, type OverviewData } from './overview';
import { RowOffsets } from './row-offsets';
import type { TraceStore } from './store';

/** Which part of the file to read for rows [base, end) and what to put before it. */
export interface PagePlan {
  /** Global index of the first row the bytes make. */
  base: number;
  /** Global index after the last row they make (the run's row count when they go to the end of the file). */
  end: number;
  byteStart: number;
  byteEnd: number;
  /** Lanes declared before `base` (their declarations go first, in the prelude). */
  lanes: number;
  /** `ts` of row `base`, given to the prelude's declarations so the window's time axis starts at its rows. */
  ts: number;
}

export class PageIndex {
  readonly offsets: RowOffsets;
  readonly overview = new Overview();
  /** Rows seen (the store's length after the last `addRows`). */
  total = 0;
  /** Bytes of the file read up to the end of the last slice. */
  bytes = 0;
  private store: TraceStore | undefined;
  /** Lanes existing before the next slice's first row (the store's lane count after the previous slice). */
  private lanesBefore = 0;

  constructor(offsets = new RowOffsets()) {
    this.offsets = offsets;
  }

  /** A slice of whole lines at bytes [startByte, endByte) of the file made rows [first, first + count) of `store`, still held. */
  addRows(store: TraceStore, first: number, count: number, startByte: number, endByte: number): void {
    this.store = store;
    if (count > 0) {
      this.offsets.add(first, startByte, store.ts(first), this.lanesBefore);
      this.overview.update(store, first);
    }
    this.lanesBefore = store.tasks.length;
    this.total = first + count;
    this.bytes = endByte;
  }

  /** The bytes holding rows [from, to) (widened to index entries), within what was indexed. */
  plan(from: number, to: number): PagePlan | undefined {
    const a = this.offsets.atOrBefore(Math.max(0, from));
    if (!a) return undefined;
    const b = this.offsets.atOrAfter(Math.max(to, a.row + 1));
    return { base: a.row, end: b ? b.row : this.total, byteStart: a.byte, byteEnd: b ? b.byte : this.bytes, lanes: a.lanes, ts: a.ts };
  }

  /** JSON Lines to put before the plan's bytes: the header (when the bytes do not start the file) and every lane declared before them. */
  prelude(p: PagePlan): string {
    const s = this.store;
    if (!s || p.byteStart === 0) return '';
    const lines: string[] = [];
    if (s.header) lines.push(JSON.stringify(s.header));
    for (let l = 0; l < p.lanes && l < s.tasks.length; l++) lines.push(JSON.stringify({ ...s.tasks[l], ts: p.ts }));
    return lines.length ? `${lines.join('\n')}\n` : '';
  }

  /** The overview of the whole run so far, for a page. */
  overviewData(): OverviewData | undefined {
    return this.store ? this.overview.data(this.store) : undefined;
  }
}
