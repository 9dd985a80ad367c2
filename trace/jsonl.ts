// A store back to JSON Lines (header first), in chunks, for the HTML report
// and the extension's exports. Pure: no Node, no DOM.
import { TYPE_CODES } from './type-codes';
import type { TraceStore } from './store';

/** Event index ranges [from, to) a page holds; outside them only lane declarations and renames are kept. */
export type EventRanges = readonly (readonly [number, number])[];

/** JSON Lines of a store (header first), in chunks of about `chunkEvents` lines; with `ranges`, only the events in them (plus every lane's declaration). */
export function* jsonlChunks(store: TraceStore, chunkEvents = 8192, ranges?: EventRanges): Generator<string> {
  if (store.header) yield JSON.stringify(store.header) + '\n';
  yield* jsonlRows(store, 0, store.length, chunkEvents, ranges);
}

/**
 * The JSON Lines of rows [from, to) (no header), as `jsonlChunks` writes them; for a store fed and let go in pieces,
 * `cursor` carries the next `locals` line to write from one call to the next (a line can attach to a row of the
 * previous piece).
 */
export function* jsonlRows(
  store: TraceStore,
  from: number,
  to: number,
  chunkEvents = 8192,
  ranges?: EventRanges,
  cursor: { locals: number } = { locals: 0 },
): Generator<string> {
  let buf: string[] = [];
  let r = 0;
  // the `locals` lines (--locals) after the row each is attached to
  const locals = store.locals;
  let k = cursor.locals;
  if (locals && from > 0) {
    while (k < locals.count && locals.rowAt(k) < from - 1) k++;
    // lines attached to the previous piece's last row that came with this piece: before this piece's rows
    for (; k < locals.count && locals.rowAt(k) < from; k++) buf.push(JSON.stringify(locals.event(k, store.taskId(locals.laneAt(k)))));
  }
  for (let i = from; i < to; i++) {
    if (ranges) {
      while (r < ranges.length && i >= ranges[r][1]) r++;
      const inside = r < ranges.length && i >= ranges[r][0];
      if (!inside) {
        const t = store.typeCode(i);
        if (t !== TYPE_CODES.task && t !== TYPE_CODES.rename) {
          if (locals) while (k < locals.count && locals.rowAt(k) <= i) k++;
          continue;
        }
      }
    }
    buf.push(JSON.stringify(store.event(i)));
    if (locals) for (; k < locals.count && locals.rowAt(k) <= i; k++) buf.push(JSON.stringify(locals.event(k, store.taskId(locals.laneAt(k)))));
    cursor.locals = k;
    if (buf.length >= chunkEvents) {
      yield buf.join('\n') + '\n';
      buf = [];
    }
  }
  if (buf.length) yield buf.join('\n') + '\n';
}
