// Indexing a saved trace file for paging (the panel's paging mode, trace/page-index.ts): the file is read once in
// slices of whole lines into a store that lets each slice's rows go, so a trace of any size is indexed in the
// memory of a slice or two. Pure Node.
import * as fs from 'node:fs';
import { PageIndex } from '../trace/page-index';
import { TraceStore } from '../trace/store';

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
  const fh = await fs.promises.open(file, 'r');
  try {
    let pos = 0;
    let carry = new Uint8Array(0);
    let sliceStart = 0;
    while (pos < upTo && !cancelled()) {
      const want = Math.min(slice, upTo - pos);
      const buf = new Uint8Array(carry.length + want);
      buf.set(carry);
      const { bytesRead } = await fh.read(buf, carry.length, want, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const filled = carry.length + bytesRead;
      const nl = buf.lastIndexOf(10, filled - 1);
      if (nl < 0) {
        carry = buf.subarray(0, filled);
        continue;
      }
      const first = store.length;
      store.appendBytes(buf.subarray(0, nl + 1));
      index.addRows(store, first, store.length - first, sliceStart, sliceStart + nl + 1);
      store.releaseBefore(store.length);
      sliceStart += nl + 1;
      carry = buf.slice(nl + 1, filled);
    }
    if (carry.length && !cancelled()) {
      const first = store.length;
      store.appendBytes(carry);
      store.end();
      index.addRows(store, first, store.length - first, sliceStart, sliceStart + carry.length);
    }
  } finally {
    await fh.close();
  }
  return index;
}
