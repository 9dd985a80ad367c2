// Helpers shared by the unit tests of the trace store and of what is made from it.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TraceStore } from '../../trace/store';
import { TextScanner } from '../../trace/text-scanner';

/** The repository root (the tests run from out/test/unit). */
export const ROOT = resolve(__dirname, '../../..');

/** The text of test/fixtures/traces/`name`. */
export const traceFixture = (name: string) => readFileSync(join(ROOT, 'test/fixtures/traces', name), 'utf8');

/** A store fed `data` — JSON Lines text (appendText) or its UTF-8 bytes (appendBytes) — in pieces ending at each of `cuts`, then end(). */
export function feed(data: string | Uint8Array, cuts: number[] = []): TraceStore {
  const s = new TraceStore();
  const piece = (from: number, to?: number) => {
    if (typeof data === 'string') s.appendText(data.slice(from, to));
    else s.appendBytes(data.subarray(from, to));
  };
  let at = 0;
  for (const c of cuts) {
    piece(at, c);
    at = c;
  }
  piece(at);
  s.end();
  return s;
}

/** A path as the runtime writes it, and a header line, for hand-written traces. */
export const FILE = '/home/someone/projects/app/src/worker.py';
export const HEADER =
  '{"type":"header","schema":1,"runtime":"coroscope 0.1.0","python":"3.11.7","capture":"settrace","script":"/x.py","argv":[],"cwd":"/","pid":1,"start":0,"ts":1000}';

/** A store holding test/fixtures/traces/`name`. */
export const fixtureStore = (name: string) => feed(traceFixture(name));

/** Runs `decode`, counting the lines that went past the byte scanner to the text scanner (TextScanner.scan). */
export function countingStringScans<T>(decode: () => T): { result: T; calls: number } {
  const proto = TextScanner.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const orig = proto.scan;
  let calls = 0;
  proto.scan = function (this: unknown, ...a: unknown[]) {
    calls++;
    return orig.apply(this, a);
  };
  try {
    const result = decode();
    return { result, calls };
  } finally {
    proto.scan = orig;
  }
}
