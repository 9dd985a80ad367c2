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

/** The JSON Lines of rows [from, to) (no header), as `jsonlChunks` writes them; for a store fed and let go in pieces. */
export function* jsonlRows(store: TraceStore, from: number, to: number, chunkEvents = 8192, ranges?: EventRanges): Generator<string> {
  let buf: string[] = [];
  let r = 0;
  for (let i = from; i < to; i++) {
    if (ranges) {
      while (r < ranges.length && i >= ranges[r][1]) r++;
      const inside = r < ranges.length && i >= ranges[r][0];
      if (!inside) {
        const t = store.typeCode(i);
        if (t !== TYPE_CODES.task && t !== TYPE_CODES.rename) continue;
      }
    }
    buf.push(JSON.stringify(store.event(i)));
    if (buf.length >= chunkEvents) {
      yield buf.join('\n') + '\n';
      buf = [];
    }
  }
  if (buf.length) yield buf.join('\n') + '\n';
}
