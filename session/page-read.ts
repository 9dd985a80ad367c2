// Paging a trace file (the panel's paging mode, extension/panel/paging.ts; bench:panel): which rows a request gets
// (the window rule) and reading their bytes from disk as whole lines. Pure Node, no vscode.
import * as fs from 'node:fs';
import type { PageIndex, PagePlan } from '../trace/page-index';

export interface PagingSettings {
  /** Above this many rows the panel pages. */
  threshold: number;
  /** Rows a window holds (a following window grows to twice this, then moves). */
  window: number;
}

/** What the page shows in paging mode: rows [from, to) asked for, and whether it follows the newest rows. */
export interface PageRequest {
  from: number;
  to: number;
}

/** The plan for a request: clamped to `2 × window` rows; a range reaching the end follows (the last `window` rows). */
export function planFor(index: PageIndex, req: PageRequest | undefined, s: PagingSettings): { plan: PagePlan; follow: boolean } | undefined {
  const total = index.total;
  let from: number;
  let to: number;
  let follow: boolean;
  if (!req || req.to >= total) {
    follow = true;
    to = total;
    from = Math.max(0, total - s.window);
    if (req && req.from < from && req.from >= total - 2 * s.window) from = req.from;
  } else {
    follow = false;
    from = req.from;
    to = Math.min(req.to, from + 2 * s.window);
    if (to - from < s.window) {
      // A small request gets a whole window around it, so a scroll has room either way.
      const mid = Math.floor((from + to) / 2);
      from = Math.max(0, mid - Math.floor(s.window / 2));
      to = Math.min(total, from + s.window);
    }
  }
  const plan = index.plan(from, to);
  return plan ? { plan, follow: follow || plan.end >= total } : undefined;
}

/** A trace file being written: `written()` resolves once every byte handed to it so far is on disk. */
export interface FileBeingWritten {
  file: string;
  written(): Promise<void>;
}

/**
 * A plan's bytes, once they are on disk, in pieces of whole lines. A live run's index takes each batch as it is
 * decoded while the trace file is written behind it (session/core.ts lets the writes lag by up to 8 MB), so the newest
 * rows a window is planned on may not be in the file yet: read at once, the window came short, or empty when even its
 * first byte was not there (a loaded machine: the page showed the newest window with no rows, and nothing after it at
 * the end of a run). Every byte the index covers was handed to the file before it was indexed (RunCore.decode), so
 * waiting for what the file has been handed now covers the plan.
 */
export async function* readPlanned(trace: FileBeingWritten, plan: PagePlan, chunk?: number): AsyncGenerator<Uint8Array> {
  await trace.written();
  yield* readLines(trace.file, plan.byteStart, plan.byteEnd, chunk);
}

/** The file's bytes [start, end) in pieces of whole lines of about `chunk` bytes (each its own buffer: they are transferred). */
export async function* readLines(file: string, start: number, end: number, chunk = 1024 * 1024): AsyncGenerator<Uint8Array> {
  const fh = await fs.promises.open(file, 'r');
  try {
    let pos = start;
    let carry = new Uint8Array(0);
    while (pos < end) {
      const want = Math.min(chunk, end - pos);
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
      carry = buf.slice(nl + 1, filled);
      yield nl + 1 === buf.length ? buf : buf.slice(0, nl + 1);
    }
    if (carry.length) yield carry.byteOffset === 0 && carry.byteLength === carry.buffer.byteLength ? carry : new Uint8Array(carry);
  } finally {
    await fh.close();
  }
}
