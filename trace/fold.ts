// Folding of repeated switch patterns: a loop of 200,000 identical yields is
// one pattern of `period` events repeated `count` times. A pure function over
// the store, shared by the diagram and the Mermaid exporter.
//
// Two events are "the same step" when they have the same type, lanes, reason
// and source site; values are ignored on purpose (`send(1)`, `send(2)`… in a
// loop are one step repeated). Runs shorter than `minCount` repetitions stay
// unfolded so short stories (five sends) read in full.

import { ROWS_PER_CHUNK, type TraceStore } from './store';

export interface Fold {
  /** First event of the first repetition. */
  start: number;
  /** Events per repetition. */
  period: number;
  /** Repetitions (≥ minCount). The fold covers events [start, start + period * count). */
  count: number;
}

export interface FoldOptions {
  /** Longest pattern looked for, in events (default 8). */
  maxPeriod?: number;
  /** Fewest repetitions worth folding (default 8). */
  minCount?: number;
  /** Event range to look at (default the whole store). */
  from?: number;
  to?: number;
}

/** The identity of one step for pattern matching (a hash; equal steps have equal keys). */
export function stepKey(store: TraceStore, i: number): number {
  let h = 0x811c9dc5;
  h = Math.imul(h ^ store.typeCode(i), 0x01000193);
  h = Math.imul(h ^ (store.a(i) + 1), 0x01000193);
  h = Math.imul(h ^ (store.b(i) + 1), 0x01000193);
  h = Math.imul(h ^ (store.reasonId(i) + 1), 0x01000193);
  h = Math.imul(h ^ (store.siteId(i) + 1), 0x01000193);
  return h | 0;
}

/** `stepKey` of events [from, to), walking the store's column chunks (the diagram keys every event as it arrives). */
function stepKeys(store: TraceStore, from: number, to: number): Int32Array {
  const keys = new Int32Array(to - from);
  for (let i = from; i < to; ) {
    const c = store.columnsAt(i);
    const base = i - (i & (ROWS_PER_CHUNK - 1));
    const end = Math.min(to, base + ROWS_PER_CHUNK);
    const type = c.type,
      ca = c.a,
      cb = c.b,
      reason = c.reason,
      site = c.site;
    for (let j = i - base, k = i - from; j < end - base; j++, k++) {
      let h = 0x811c9dc5;
      h = Math.imul(h ^ type[j], 0x01000193);
      h = Math.imul(h ^ (ca[j] + 1), 0x01000193);
      h = Math.imul(h ^ (cb[j] + 1), 0x01000193);
      h = Math.imul(h ^ (reason[j] + 1), 0x01000193);
      h = Math.imul(h ^ (site[j] + 1), 0x01000193);
      keys[k] = h | 0;
    }
    i = end;
  }
  return keys;
}

/** Non-overlapping folds in [from, to), sorted by start. Linear in the range length times maxPeriod. */
export function findFolds(store: TraceStore, opts: FoldOptions = {}): Fold[] {
  const maxPeriod = Math.max(1, opts.maxPeriod ?? 8);
  const minCount = Math.max(2, opts.minCount ?? 8);
  const from = Math.max(0, opts.from ?? 0);
  const to = Math.min(store.length, opts.to ?? store.length);
  const n = to - from;
  if (n < minCount) return [];
  const keys = stepKeys(store, from, to);

  const cand: Fold[] = [];
  for (let p = 1; p <= maxPeriod && p * minCount <= n; p++) {
    let run = 0;
    const flush = (j: number) => {
      const count = Math.floor((run + p) / p);
      if (count >= minCount) cand.push({ start: from + j - run - p, period: p, count });
      run = 0;
    };
    for (let j = p; j < n; j++) {
      if (keys[j] === keys[j - p]) run++;
      else if (run) flush(j);
    }
    if (run) flush(n);
  }
  if (cand.length === 0) return [];
  // Widest coverage first; on a tie the shorter pattern (ABAB is AB×2, not ABAB×1).
  cand.sort((x, y) => y.period * y.count - x.period * x.count || x.period - y.period || x.start - y.start);
  const taken: Fold[] = [];
  for (const c of cand) {
    const end = c.start + c.period * c.count;
    if (taken.some((t) => c.start < t.start + t.period * t.count && t.start < end)) continue;
    // A period made of a shorter repeated period is that shorter fold (AAAA as (AA)×2 is A×4).
    if (c.period > 1 && isRepeat(keys, c.start - from, c.period)) continue;
    taken.push(c);
  }
  return taken.sort((x, y) => x.start - y.start);
}

function isRepeat(keys: Int32Array, at: number, period: number): boolean {
  for (let q = 1; q < period; q++) {
    if (period % q) continue;
    let same = true;
    for (let k = q; k < period && same; k++) same = keys[at + k] === keys[at + k - q];
    if (same) return true;
  }
  return false;
}

/** Events of fold f (end exclusive). */
export function foldEnd(f: Fold): number {
  return f.start + f.period * f.count;
}
