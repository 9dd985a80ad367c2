// Indexing a saved trace file for paging (the panel's paging mode, trace/page-index.ts): the file is read once in
// slices of whole lines into a store that lets each slice's rows go, so a trace of any size is indexed in the
// memory of a slice or two. Pure Node.
import { PageIndex } from '../trace/page-index';
import { TraceStore } from '../trace/store';
import { readLines } from './page-read';

/** Bytes per slice: ~1,500 of the runtime's lines, as the live decoder's slices (session/core.ts). */
const SLICE = 256 * 1024;

/** Reads `file` up to `upTo` bytes into a fresh PageIndex. `cancelled()` stops it early (a newer trace replaced it). */
export async function scanPages(
  file: string,
  upTo: number,
  cancelled: () => boolean = () => false,
  index = new PageIndex(),
  slice = SLICE,
): Promise<PageIndex> {
  const store = new TraceStore();
  let sliceStart = 0;
  // (whole lines, the last one possibly unterminated: readLines gives the file's tail as it is)
  for await (const piece of readLines(file, 0, upTo, slice)) {
    if (cancelled()) break;
    const first = store.length;
    store.appendBytes(piece);
    if (piece[piece.length - 1] !== 10) store.end();
    index.addRows(store, first, store.length - first, sliceStart, sliceStart + piece.length);
    store.releaseBefore(store.length);
    sliceStart += piece.length;
  }
  return index;
}
