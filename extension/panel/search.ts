// Search over the whole run in paging mode (issue 19): the page holds a window, so its own search sees only that;
// the host reads the trace file once per query in slices of whole lines into a store that lets each slice's rows go
// (as session/page-scan.ts indexes it) and tests every row with the page's own predicate (webview/query.ts), so a
// hit here is a hit there. Rows are numbered as the paging index numbers them: a hit's index is its global row.
// Node only (no vscode): unit-tested in plain Node.
import { readLines } from '../../session/page-read';
import { TraceStore } from '../../trace/store';
import { compileQuery, isEmptyQuery, parseQuery } from '../../webview/query';

/** Hits listed at most (the count goes on). */
export const MAX_HITS = 10_000;
const SLICE = 256 * 1024;

export interface SearchResult {
  count: number;
  /** The first `MAX_HITS` matching rows, ascending. */
  hits: number[];
  /** Rows read so far. */
  scanned: number;
  done: boolean;
}

/**
 * Searches `file` up to byte `upTo` for `query`; `progress` gets the result so far about every `everyMs` and the
 * final one (`done`, unless `cancelled()` stopped it first: then nothing more).
 */
export async function searchFile(
  file: string,
  upTo: number,
  query: string,
  progress: (r: SearchResult) => void,
  cancelled: () => boolean = () => false,
  everyMs = 500,
  slice = SLICE,
): Promise<SearchResult> {
  const q = parseQuery(query);
  const r: SearchResult = { count: 0, hits: [], scanned: 0, done: false };
  if (isEmptyQuery(q)) {
    r.done = true;
    progress(r);
    return r;
  }
  const store = new TraceStore();
  let lanes = -1;
  let pred: (i: number) => boolean = () => false;
  let last = Date.now();
  for await (const piece of readLines(file, 0, upTo, slice)) {
    if (cancelled()) return r;
    const first = store.length;
    store.appendBytes(piece);
    if (piece[piece.length - 1] !== 10) store.end();
    // The predicate's per-lane tables (names, kinds) are made once per lane count.
    if (store.tasks.length !== lanes) {
      lanes = store.tasks.length;
      pred = compileQuery(store, q);
    }
    for (let i = first; i < store.length; i++) {
      if (!pred(i)) continue;
      if (r.hits.length < MAX_HITS) r.hits.push(i);
      r.count++;
    }
    store.releaseBefore(store.length);
    r.scanned = store.length;
    if (Date.now() - last >= everyMs) {
      last = Date.now();
      progress({ ...r, hits: [...r.hits] });
    }
  }
  if (cancelled()) return r;
  r.done = true;
  progress(r);
  return r;
}
