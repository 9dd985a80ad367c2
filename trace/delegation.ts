// A `return` within one lane (docs/protocol.md `switch`, `delegate`): a generator or coroutine delegated to by
// `yield from` / `await` returned a value to its delegator, and the lane goes on running. Readers (the diagram's
// labels, the Mermaid export) must say who returned to whom, never that the lane itself returned.
import { TYPE, type TraceStore } from './store';

export interface DelegateReturn {
  /** The delegate that returned (`inner`); undefined when the trace does not say and the lane never named it. */
  returner: string | undefined;
  /** The delegating frame when it is itself delegated (`frame`); undefined: the lane's own code. */
  delegator: string | undefined;
}

/** How far back an older trace (no `delegate` field) is searched for the frame that returned. */
const LOOK_BACK = 256;

/**
 * Event i as a delegate's return within its lane, else undefined. `returner`: the trace's `delegate`, else (traces
 * from before it) the frame the lane last ran one delegation level deeper, when that level was entered before i.
 */
export function delegateReturn(store: TraceStore, i: number): DelegateReturn | undefined {
  if (store.typeCode(i) !== TYPE.switch || store.reason(i) !== 'return') return undefined;
  const lane = store.a(i);
  if (lane < 0 || store.b(i) !== lane) return undefined;
  const d = store.num(i);
  const depth = Number.isNaN(d) ? 0 : d;
  const named = store.extra(i)?.delegate;
  let returner = typeof named === 'string' && named ? named : undefined;
  for (let k = i - 1; returner === undefined && k >= 0 && k >= i - LOOK_BACK; k--) {
    if (store.typeCode(k) !== TYPE.switch || (store.a(k) !== lane && store.b(k) !== lane)) continue;
    const dk = store.num(k);
    // At or above the delegator's depth: the delegation began after this switch, unnamed.
    if (Number.isNaN(dk) || dk <= depth) break;
    if (dk === depth + 1) returner = store.frame(k);
  }
  return { returner, delegator: depth > 0 ? store.frame(i) : undefined };
}
