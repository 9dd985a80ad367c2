// How a queue/channel transfer reads: as the program wrote the call (`q.put(5)`, `q.get_nowait() → 5`,
// `conn.recv() → 'hi'`), from the send/recv event's optional `op` (protocol: SendEvent.op). Traces of runtimes
// that do not write `op` keep the generic words `q.send(5)` / `q.receive() → 5`.
import type { TraceStore } from './store';

// A method name (the runtime writes a fixed set; anything else is not drawn as code).
const METHOD = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** The method a send/recv row's program called, or undefined (older trace, or not a method name). */
export function transferOp(store: TraceStore, i: number): string | undefined {
  const op = store.extra(i)?.op;
  return typeof op === 'string' && METHOD.test(op) ? op : undefined;
}

/** `q.put(5)`: a send as written (`q.send(5)` without an op). */
export function sendWords(channel: string, op: string | undefined, value: string | undefined): string {
  return `${channel}.${op ?? 'send'}(${value ?? ''})`;
}

/** `q.get() → 5`: a recv as written (`q.receive() → 5` without an op). */
export function recvWords(channel: string, op: string | undefined, value: string | undefined): string {
  return `${channel}.${op ?? 'receive'}()${value !== undefined ? ` → ${value}` : ''}`;
}
