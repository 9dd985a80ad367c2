// Mermaid export: a `sequenceDiagram` with a participant per task and an
// arrow per switch ("reason value"). Repeated patterns are folded into
// `loop N times` blocks; the text stays within Mermaid's default limits
// (maxTextSize 50,000 characters, maxEdges 500) and a Note says what was
// folded or cut. Pure over a TraceStore; no Node imports.
//
// Folding works in up to two stages, stopping at the first that fits:
//  1. exact: only runs of identical switches (same tasks, reason and value)
//     are folded, so the diagram is lossless;
//  2. by shape: switches with the same tasks and reason fold even when the
//     values differ; a folded arrow then reads `send 1 … 5` (first … last).
// If the folded diagram is still too big, it is cut after the last item that
// fits and a Note gives the number of switches left out.

import { delegateReturn } from './delegation';
import { TYPE, type TraceStore } from './store';
import { sendWords, transferOp } from './transfer-words';

export interface MermaidOptions {
  maxChars?: number;
  maxEdges?: number;
  /** Longest period (in items) searched for repeats. */
  maxPeriod?: number;
  /** Longest label text kept per arrow (characters of the original text). */
  maxLabel?: number;
}

export interface MermaidResult {
  text: string;
  /** Switches in the trace, and how many the diagram stands for (folded ones included). */
  switches: number;
  shown: number;
  /** Arrow lines written. */
  edges: number;
  /** Loops written. */
  loops: number;
  mode: 'exact' | 'shape';
  cut: boolean;
}

interface Edge {
  kind: 'edge';
  /** A switch, a queue/channel transfer (send → recv across lanes), or a note over one lane (a block). */
  what: 'switch' | 'transfer' | 'note';
  key: number;
  from: number;
  to: number;
  reason: string;
  first: string | undefined;
  last: string | undefined;
  varies: boolean;
  /** A transfer's sending call as written (`put`): the arrow reads `q.put(3)`; absent in older traces (`q: 3`). */
  op?: string;
  /** A delegate's return within one lane (trace/delegation.ts): a note `inner returned 'x' to outer`, not an arrow. */
  sub?: { returner: string; delegator: string };
}
interface Loop {
  kind: 'loop';
  key: number;
  count: number;
  body: Item[];
}
type Item = Edge | Loop;

const DEFAULTS = { maxChars: 50_000, maxEdges: 500, maxPeriod: 12, maxLabel: 60 };
const BACK_REASONS = new Set(['yield', 'return', 'raise']);

/** Mermaid text for anything from the user's program: every character outside a small safe set becomes an entity code (`#59;`). */
export function mermaidText(s: string, max = Infinity): string {
  let t = s.length > max ? s.slice(0, max - 1) + '…' : s;
  t = t.replace(/\r\n|\r|\n/g, '⏎').replace(/\t/g, ' ');
  let out = '';
  for (const ch of t) {
    if (/[A-Za-z0-9 _.,()[\]'=+*/@!?$^|~-]/.test(ch)) out += ch;
    else out += `#${ch.codePointAt(0)};`;
  }
  // Leading/trailing spaces are trimmed by the parser; keep labels non-empty.
  out = out.trim();
  return out === '' ? '#160;' : out;
}

export function toMermaid(store: TraceStore, options: MermaidOptions = {}): MermaidResult {
  const m = new MermaidEdges();
  m.add(store, 0, store.length);
  return m.finish(store, options);
}

/** Most arrows and notes collected for folding (a diagram shows at most maxEdges lines, folded or not). */
export const MERMAID_MAX_COLLECTED = 50_000;

/**
 * The arrows and notes of a store fed in pieces (`add(store, from, to)` per range of rows as they arrive; the
 * rows may be let go afterwards), folded and written by `finish`. Past MERMAID_MAX_COLLECTED items only the
 * switches are counted, so memory stays bounded whatever the trace's length; the diagram then says so.
 */
export class MermaidEdges {
  private readonly edges: Edge[] = [];
  private readonly keys = new Map<string, number>();
  /** Threads and processes tell their story by transfers (a queue's send → recv) and waits, not switches. */
  private readonly senders = new Map<string, number>();
  /** The method each pending send called (`put`, `send`), by `channel\0msg`; absent in older traces. */
  private readonly sendOps = new Map<string, string>();
  private switches = 0;
  /** Switches among the items collected (the rest were only counted). */
  private collectedSwitches = 0;
  /**
   * Past the cap, items that repeat the collected tail's period (by shape: kind, lanes, reason) still count: a
   * ping-pong of 20M switches is one loop. `period` 0: none found; `ext` items matched so far, `lastValues` the
   * newest value at each position of the period, `exact` whether every value equalled the collected one there.
   */
  private period = 0;
  private ext = 0;
  private lastValues: (string | undefined)[] = [];
  /** Per position: the value of the repetition before the newest, the first value past the cap, whether all were equal to it. */
  private prevValues: (string | undefined)[] = [];
  private extFirst: (string | undefined)[] = [];
  private extSame: boolean[] = [];
  private exact = true;
  /** An item broke the pattern past the cap: the rest is only counted. */
  private stopped = false;

  constructor(private readonly maxCollected = MERMAID_MAX_COLLECTED) {}

  readonly keyOf = (k: string): number => {
    let id = this.keys.get(k);
    if (id === undefined) {
      id = this.keys.size;
      this.keys.set(k, id);
    }
    return id;
  };

  /** Rows [from, to). */
  add(store: TraceStore, from: number, to: number): void {
    const senders = this.senders,
      keyOf = this.keyOf;
    for (let i = from; i < to; i++) {
      const type = store.typeCode(i);
      if (type === TYPE.switch) this.switches++;
      if (this.stopped) continue;
      if (type === TYPE.switch) {
        const from = store.a(i),
          to = store.b(i),
          value = store.value(i);
        const d = from === to ? delegateReturn(store, i) : undefined;
        const sub = d ? { returner: d.returner ?? 'a delegate', delegator: d.delegator ?? store.tasks[from]?.name ?? '' } : undefined;
        // (a delegate's return folds only with returns of the same delegate to the same delegator)
        const reason = sub ? `return\u0000${sub.returner}\u0000${sub.delegator}` : store.reason(i);
        this.take({
          kind: 'edge',
          what: 'switch',
          // Exact keys first; shape keys are computed only if needed.
          key: keyOf(`${from}\u0000${to}\u0000${reason}\u0000${value ?? '\u0001'}`),
          from,
          to,
          reason,
          first: value,
          last: value,
          varies: false,
          sub,
        });
      } else if (type === TYPE.send) {
        const msg = store.num(i);
        if (!Number.isNaN(msg)) {
          senders.set(`${store.reason(i)}\u0000${msg}`, store.a(i));
          // the sender's call as written (`q.put`): the arrow's text
          const op = transferOp(store, i);
          if (op !== undefined) this.sendOps.set(`${store.reason(i)}\u0000${msg}`, op);
        }
      } else if (type === TYPE.recv) {
        const msg = store.num(i),
          to = store.a(i);
        const from = Number.isNaN(msg) ? undefined : senders.get(`${store.reason(i)}\u0000${msg}`);
        const op = Number.isNaN(msg) ? undefined : this.sendOps.get(`${store.reason(i)}\u0000${msg}`);
        if (op !== undefined) this.sendOps.delete(`${store.reason(i)}\u0000${msg}`);
        if (from === undefined || from < 0 || to < 0 || from === to) continue;
        const reason = store.reason(i),
          value = store.value(i);
        this.take({
          kind: 'edge',
          what: 'transfer',
          key: keyOf(`T${from}\u0000${to}\u0000${reason}\u0000${op ?? ''}\u0000${value ?? '\u0001'}`),
          from,
          to,
          reason,
          op,
          first: value,
          last: value,
          varies: false,
        });
      } else if (type === TYPE.block) {
        const lane = store.a(i);
        if (lane < 0) continue;
        const text = `waits on ${store.value(i) ?? store.reason(i)}`;
        this.take({
          kind: 'edge',
          what: 'note',
          key: keyOf(`N${lane}\u0000${text}`),
          from: lane,
          to: lane,
          reason: text,
          first: undefined,
          last: undefined,
          varies: false,
        });
      }
    }
  }

  /** Switches among the repeats matched past the cap. */
  private extSwitches(): number {
    const p = this.period;
    if (p === 0) return 0;
    let n = 0;
    const tail = this.edges.slice(this.edges.length - p);
    for (let j = 0; j < p; j++) if (tail[j].what === 'switch') n += Math.floor(this.ext / p) + (j < this.ext % p ? 1 : 0);
    return n;
  }

  private take(e: Edge): void {
    const edges = this.edges;
    if (edges.length < this.maxCollected) {
      edges.push(e);
      if (e.what === 'switch') this.collectedSwitches++;
      if (edges.length === this.maxCollected) this.period = tailPeriod(edges, DEFAULTS.maxPeriod);
      return;
    }
    const p = this.period;
    const at = edges[edges.length - p + (this.ext % p)];
    if (p === 0 || at.what !== e.what || at.from !== e.from || at.to !== e.to || at.reason !== e.reason) {
      this.stopped = true;
      return;
    }
    if (e.first !== at.first) this.exact = false;
    const j = this.ext % p;
    if (this.ext < p) {
      this.extFirst[j] = e.first;
      this.extSame[j] = true;
    } else if (e.first !== this.extFirst[j]) this.extSame[j] = false;
    this.prevValues[j] = this.lastValues[j];
    this.lastValues[j] = e.first;
    this.ext++;
    if (e.what === 'switch') this.collectedSwitches++;
  }

  /** The folded items, with the repeats seen past the cap added to the last loop (undefined: they do not fit it). */
  private extend(items: Item[], mode: 'exact' | 'shape'): Item[] | undefined {
    const p = this.period;
    if (this.ext === 0) return items;
    if (mode === 'exact' && !this.exact) return undefined;
    const last = items[items.length - 1];
    if (last?.kind !== 'loop' || last.body.length !== p || last.body.some((b) => b.kind !== 'edge')) return undefined;
    const reps = Math.floor(this.ext / p);
    const rest = this.ext % p;
    const tail = this.edges.slice(this.edges.length - p);
    const body = last.body.map((b, j) => {
      const e = b as Edge;
      // The loop's newest value at position j: the last full repetition's (positions < rest went on into the
      // unfinished one drawn after the loop).
      if (reps === 0) return e;
      const newest = j < rest ? this.prevValues[j] : this.lastValues[j];
      return { ...e, last: newest, varies: e.varies || !this.extSame[j] || this.extFirst[j] !== e.first };
    });
    const out: Item[] = [...items.slice(0, -1), { ...last, count: last.count + reps, body }];
    for (let j = 0; j < rest; j++) out.push({ ...tail[j], first: this.lastValues[j], last: this.lastValues[j], varies: false });
    return out;
  }

  /** The diagram (the store gives the lanes; its rows are not read again). */
  finish(store: TraceStore, options: MermaidOptions = {}): MermaidResult {
    const o = { ...DEFAULTS, ...options };
    const { edges, switches, keyOf } = this;
    const folded = (mode: 'exact' | 'shape', list: Edge[]) => {
      const items = fold(list, o.maxPeriod, keyOf);
      const extended = this.extend(items, mode);
      const partial = !this.stopped && extended ? undefined : this.collectedSwitches - (extended ? 0 : this.extSwitches());
      return { items: extended ?? items, partial: this.stopped || extended === undefined ? partial : undefined };
    };
    let mode: 'exact' | 'shape' = 'exact';
    let f = folded(mode, edges);
    let rendered = render(store, f.items, o, switches, mode, f.partial);
    if (rendered.cut) {
      mode = 'shape';
      const shaped = edges.map((e) => ({ ...e, key: keyOf(`${e.what}\u0000${e.from}\u0000${e.to}\u0000${e.reason}`) }));
      f = folded(mode, shaped);
      rendered = render(store, f.items, o, switches, mode, f.partial);
    }
    const partial = f.partial;
    return { ...rendered, switches, mode, cut: rendered.cut || partial !== undefined };
  }
}

/** The shortest period (≤ maxPeriod) the last items repeat by shape at least twice; 0 if none. */
function tailPeriod(edges: Edge[], maxPeriod: number): number {
  const n = edges.length;
  const same = (a: Edge, b: Edge) => a.what === b.what && a.from === b.from && a.to === b.to && a.reason === b.reason;
  for (let p = 1; p <= maxPeriod && 2 * p <= n; p++) {
    let ok = true;
    for (let k = 0; k < p && ok; k++) ok = same(edges[n - 1 - k], edges[n - 1 - k - p]);
    if (ok) return p;
  }
  return 0;
}

/** Repeatedly folds tandem repeats (the same run of items twice or more in a row) into loops. */
function fold(input: Item[], maxPeriod: number, keyOf: (k: string) => number): Item[] {
  let items = input;
  for (let pass = 0; pass < 4; pass++) {
    const out: Item[] = [];
    let changed = false;
    let i = 0;
    while (i < items.length) {
      let bestP = 0,
        bestReps = 1;
      for (let p = 1; p <= maxPeriod && i + 2 * p <= items.length; p++) {
        let reps = 1;
        while (i + (reps + 1) * p <= items.length && sameRun(items, i, i + reps * p, p)) reps++;
        // Prefer the pattern covering the most items; fold only if it saves lines.
        if (reps > 1 && (reps - 1) * p > (bestReps - 1) * bestP && (reps - 1) * p >= 2) {
          bestP = p;
          bestReps = reps;
        }
      }
      if (bestP === 0) {
        out.push(items[i]);
        i++;
        continue;
      }
      const body: Item[] = [];
      for (let j = 0; j < bestP; j++) {
        const group: Item[] = [];
        for (let r = 0; r < bestReps; r++) group.push(items[i + r * bestP + j]);
        body.push(merge(group));
      }
      out.push({ kind: 'loop', key: keyOf(`L${bestReps}:${body.map((b) => b.key).join(',')}`), count: bestReps, body });
      changed = true;
      i += bestP * bestReps;
    }
    items = out;
    if (!changed) break;
  }
  return items;
}

function sameRun(items: Item[], a: number, b: number, p: number): boolean {
  for (let k = 0; k < p; k++) if (items[a + k].key !== items[b + k].key) return false;
  return true;
}

/** One item standing for the same position in every repetition. */
function merge(group: Item[]): Item {
  const first = group[0];
  if (first.kind === 'edge') {
    const last = group[group.length - 1] as Edge;
    let varies = false;
    for (const g of group) {
      const e = g as Edge;
      if (e.varies || e.first !== first.first || e.last !== first.first) {
        varies = true;
        break;
      }
    }
    return { ...first, last: last.last, varies };
  }
  const body: Item[] = first.body.map((_, j) => merge(group.map((g) => (g as Loop).body[j])));
  return { ...first, body };
}

function countSwitches(it: Item): number {
  if (it.kind === 'edge') return it.what === 'switch' ? 1 : 0;
  let n = 0;
  for (const b of it.body) n += countSwitches(b);
  return n * it.count;
}

/** Switches drawn as arrows for an item: a loop's body once, whatever its count. */
function drawnSwitches(it: Item): number {
  if (it.kind === 'edge') return it.what === 'switch' ? 1 : 0;
  return it.body.reduce((s, b) => s + drawnSwitches(b), 0);
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

function render(
  store: TraceStore,
  items: Item[],
  o: typeof DEFAULTS,
  switches: number,
  mode: 'exact' | 'shape',
  /** Switches collected when the trace was too long to collect them all. */
  partial?: number,
): Omit<MermaidResult, 'switches' | 'mode'> {
  const lines: string[] = ['sequenceDiagram'];
  const alias = (lane: number): string => `t${lane}`;
  const declare = (lane: number): string => {
    const t = store.tasks[lane];
    return `participant ${alias(lane)} as ${mermaidText(`${t.name} (${t.kind})`, o.maxLabel)}`;
  };
  // Every task gets a participant up front when they are few; otherwise each
  // is declared just before its first arrow, so a cut diagram names only what it shows.
  const upfront = store.tasks.length <= 100;
  const declared = new Set<number>();
  if (upfront)
    store.tasks.forEach((_, lane) => {
      lines.push(declare(lane));
      declared.add(lane);
    });
  // Room kept for the closing notes.
  const reserve = 600;
  let chars = lines.join('\n').length + 1;
  let edges = 0,
    loops = 0,
    shown = 0,
    drawn = 0;
  let cut = false;
  const body: string[] = [];

  const edgeLine = (e: Edge): string => {
    if (e.what === 'note') return `Note over ${alias(e.from)}: ${mermaidText(e.reason, o.maxLabel)}`;
    if (e.what === 'transfer') {
      // A queue or channel transfer: dashed, open arrowhead, named by the queue (`q: 3`).
      let text = e.op !== undefined ? sendWords(e.reason, e.op, e.first) : e.first === undefined ? e.reason : `${e.reason}: ${e.first}`;
      if (e.varies) text += ` … ${e.last ?? ''}`;
      return `${alias(e.from)}--)${alias(e.to)}: ${mermaidText(text, o.maxLabel * (e.varies ? 2 : 1))}`;
    }
    if (e.sub) {
      // The lane goes on running: a note over it, not an arrow (an arrow back into itself read as the lane returning).
      let text = `${e.sub.returner} returned ${e.first ?? 'None'}`;
      if (e.varies) text += ` … ${e.last ?? 'None'}`;
      return `Note over ${alias(e.from)}: ${mermaidText(`${text} to ${e.sub.delegator}`, o.maxLabel * (e.varies ? 2 : 1))}`;
    }
    const arrow = BACK_REASONS.has(e.reason) ? '-->>' : '->>';
    let text = e.first === undefined ? e.reason : `${e.reason} ${e.first}`;
    if (e.varies) text += ` … ${e.last ?? ''}`;
    return `${alias(e.from)}${arrow}${alias(e.to)}: ${mermaidText(text, o.maxLabel * (e.varies ? 2 : 1))}`;
  };
  const linesOf = (it: Item, out: string[]): number => {
    if (it.kind === 'edge') {
      out.push(edgeLine(it));
      return 1;
    }
    out.push(`loop ${it.count} times`);
    let n = 0;
    for (const b of it.body) n += linesOf(b, out);
    out.push('end');
    return n;
  };
  const countLoops = (it: Item): number => (it.kind === 'edge' ? 0 : 1 + it.body.reduce((s, b) => s + countLoops(b), 0));

  const lanesOf = (it: Item, out: Set<number>): void => {
    if (it.kind === 'edge') {
      out.add(it.from);
      out.add(it.to);
    } else for (const b of it.body) lanesOf(b, out);
  };
  for (const it of items) {
    const block: string[] = [];
    const fresh = new Set<number>();
    if (!upfront) lanesOf(it, fresh);
    for (const lane of fresh) if (!declared.has(lane)) block.push(declare(lane));
    const e = linesOf(it, block);
    const size = block.reduce((s, l) => s + l.length + 1, 0);
    if (edges + e > o.maxEdges || chars + size > o.maxChars - reserve) {
      cut = true;
      break;
    }
    body.push(...block);
    for (const lane of fresh) declared.add(lane);
    chars += size;
    edges += e;
    loops += countLoops(it);
    shown += countSwitches(it);
    drawn += drawnSwitches(it);
  }
  lines.push(...body);

  const lanes = [...declared].sort((a, b) => a - b);
  const first = lanes.length ? alias(lanes[0]) : undefined;
  const last = lanes.length ? alias(lanes[lanes.length - 1]) : undefined;
  const span = first === last ? first : `${first},${last}`;
  const notes: string[] = [];
  if (loops > 0) {
    notes.push(
      mode === 'exact'
        ? `folded: ${plural(loops, 'repeated pattern', 'repeated patterns')} drawn once as loops (${plural(shown - drawn, 'more switch', 'more switches')} not drawn one by one)`
        : `folded by shape: ${plural(loops, 'loop', 'loops')}, arrows show first … last value (${plural(shown - drawn, 'more switch', 'more switches')} not drawn one by one)`,
    );
  }
  if (cut) notes.push(`cut: ${switches - shown} of ${switches} switches not shown (Mermaid limits of ${o.maxEdges} edges, ${o.maxChars} characters)`);
  else if (partial !== undefined)
    notes.push(`cut: drawn from the first ${partial} of ${switches} switches (${switches - shown} not shown: the trace is too long to fold whole)`);
  if (store.tasks.length > lanes.length) notes.push(`${store.tasks.length - lanes.length} tasks not shown`);
  if (switches === 0 && edges === 0) notes.push('no switches, transfers or waits in this trace');
  if (span) for (const n of notes) lines.push(`Note over ${span}: ${mermaidText(n)}`);
  return { text: lines.join('\n') + '\n', shown, edges, loops, cut };
}
