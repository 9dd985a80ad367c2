// The raw JSON Lines trace of a run, written as it arrives (exact bytes, so a
// saved trace reopens and exports identically). Pure Node. Without a file (the
// CLI without --trace) it only counts bytes, so batch byte ranges still hold.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TraceStore } from '../trace/store';

export class TraceFile {
  /** Bytes handed to `write` so far (the file's length once `written()` resolves). */
  enqueued = 0;
  /** Bytes handed to `write` and on disk. */
  private done = 0;
  private handle: Promise<fs.promises.FileHandle> | undefined;
  private tail: Promise<unknown>;
  private error: Error | undefined;

  constructor(readonly file: string | undefined) {
    if (file === undefined) {
      this.tail = Promise.resolve();
      return;
    }
    const handle = fs.promises.mkdir(path.dirname(file), { recursive: true }).then(() => fs.promises.open(file, 'w'));
    this.handle = handle;
    this.tail = handle;
    this.tail.catch((e: Error) => {
      this.error = e;
    });
  }

  /** Appends in order; failures are kept in `failure` (a full disk must not stop the run). */
  write(buf: Buffer): void {
    this.enqueued += buf.length;
    const handle = this.handle;
    if (!handle) return;
    this.tail = this.tail
      .then(async () => {
        if (!this.error) await (await handle).write(buf);
        this.done += buf.length;
      })
      .catch((e: Error) => {
        this.error ??= e;
      });
  }

  /** Bytes handed to `write` not yet on disk (the decoder waits when they pile up). */
  get pendingBytes(): number {
    return this.handle && !this.error ? this.enqueued - this.done : 0;
  }

  get failure(): Error | undefined {
    return this.error;
  }

  /** Resolves when everything enqueued so far is on disk (never rejects). */
  written(): Promise<void> {
    return this.tail.then(
      () => undefined,
      () => undefined,
    );
  }

  async close(): Promise<void> {
    await this.written();
    try {
      await (await this.handle)?.close();
    } catch {
      /* never opened */
    }
  }
}

/** `<dir>/<script>-<YYYYMMDD-HHMMSS>.jsonl`, unique in `dir`. */
export function traceFileName(dir: string, script: string, now = new Date()): string {
  const base =
    path
      .basename(script)
      .replace(/\.[^.]*$/, '')
      .replace(/[^\w.-]+/g, '_') || 'trace';
  const p2 = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p2(now.getMonth() + 1)}${p2(now.getDate())}-${p2(now.getHours())}${p2(now.getMinutes())}${p2(now.getSeconds())}`;
  let name = path.join(dir, `${base}-${stamp}.jsonl`);
  for (let i = 2; fs.existsSync(name); i++) name = path.join(dir, `${base}-${stamp}-${i}.jsonl`);
  return name;
}

/** Keeps the newest `keep` traces in `dir` (saved traces accumulate otherwise). */
export function pruneTraces(dir: string, keep: number, except?: string): void {
  let files: { p: string; t: number }[];
  try {
    files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => {
        const p = path.join(dir, f);
        return { p, t: fs.statSync(p).mtimeMs };
      });
  } catch {
    return;
  }
  files.sort((a, b) => b.t - a.t);
  for (const f of files.slice(keep))
    if (f.p !== except) {
      try {
        fs.unlinkSync(f.p);
      } catch {
        /* in use or gone */
      }
    }
}

/**
 * Reads a saved trace into a store, yielding between chunks so the host stays
 * responsive (Open Trace…, Export Trace…, `coroscope report`). `onChunk` runs
 * after each chunk (the CLI checks the schema as soon as the header is in);
 * what it throws stops the read and is thrown.
 */
export async function loadStore(file: string, onChunk?: (store: TraceStore) => void, chunkBytes = 512 * 1024): Promise<TraceStore> {
  // Bytes straight to the store's byte scanner (no UTF-8 → string step; characters cut between chunks are kept whole).
  return feedStore(fs.createReadStream(file, { highWaterMark: chunkBytes }), onChunk);
}

/** Feeds a stream of JSON Lines (UTF-8 bytes, or text) into a new store, yielding between chunks; see `loadStore`. */
export async function feedStore(source: AsyncIterable<Uint8Array | string>, onChunk?: (store: TraceStore) => void): Promise<TraceStore> {
  const store = new TraceStore();
  for await (const chunk of source) {
    if (typeof chunk === 'string') store.appendText(chunk);
    else store.appendBytes(chunk);
    onChunk?.(store);
    await new Promise((r) => setImmediate(r));
  }
  store.end();
  return store;
}
