// CodeLens texts: what kind of yield point a line is before a run, what
// happened there after one. Pure: analysis + placed stats in, lens data out.
import type { DefinitionStats, YieldPointStats } from '../../protocol/lsp';
import { REVEAL_EVENT_COMMAND } from '../../protocol/lsp';
import type { Analysis, Definition, PointKind, YieldPoint } from './analysis';
import { pointsByLine } from './analysis';
import { duration, plural, short } from './format';
import { mergeDefs, type PlacedStats } from './placement';

export const RUN_COMMAND = 'coroscope.run';

export interface LensCommand {
  title: string;
  command: string;
  arguments?: unknown[];
}
export interface Lens {
  line: number;
  col: number;
  command: LensCommand;
}

const SYMBOL = { suspend: '⏸', switch: '⇄' } as const;

/** "yield", "await asyncio.sleep, yield" — the distinct labels of a line's points. */
export function pointsTitle(points: readonly YieldPoint[]): string {
  const labels = [...new Set(points.map((p) => p.label))];
  const fam = points.some((p) => p.family === 'suspend') ? 'suspend' : 'switch';
  return `${SYMBOL[fam]} ${labels.slice(0, 3).join(', ')}${labels.length > 3 ? ', …' : ''}`;
}

const DEF_WORDS: Record<Definition['kind'], string> = {
  generator: 'generator',
  coroutine: 'coroutine',
  'async-generator': 'async generator',
  function: 'function',
  lambda: 'lambda',
};

/**
 * Reasons after which the value sent in is what a `yield` expression received: the lens says "last sent" /
 * "last yielded". Anything else (an `await`, a greenlet switch, `c.send(n)` from the caller's side) got a value
 * back: "got back" / "passed".
 */
const YIELD_REASONS = new Set(['yield']);

/**
 * Points that always give up control when they run (a `yield`, a switch, a send into a generator): with no event
 * there, the run did not reach them. Others (`await`, `join`, `get`, `put`, patched I/O) may run without waiting,
 * and the runtime records only the waits: no event there means no wait, not "not reached".
 */
export const ALWAYS_SWITCH: ReadonlySet<PointKind> = new Set<PointKind>([
  'yield',
  'greenlet-switch',
  'greenlet-throw',
  'generator-throw',
  'generator-send',
  'next',
  'channel-send',
  'channel-receive',
  'schedule',
]);

function names(list: readonly string[], max = 2): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} +${list.length - max}`;
}

const isPool = (channel: string) => /^(ThreadPoolExecutor|ProcessPoolExecutor|Pool|ThreadPool)#/.test(channel);

/** `⇣ took 6 from Queue#1 (last None)`, `⇡ put 4 on Queue#1 (last 3)`, `⇡ submitted 4 calls to Pool#1 (last square(4))`. */
function transferParts(s: YieldPointStats): string[] {
  const out: string[] = [];
  const ch = s.channels?.length ? names(s.channels, 1) : 'a queue';
  if (s.gets) out.push(`⇣ took ${s.gets} from ${ch}${s.lastGot !== undefined ? ` (last ${short(s.lastGot, 32)})` : ''}`);
  if (s.puts) {
    out.push(
      s.channels?.length && s.channels.every(isPool)
        ? `⇡ submitted ${plural(s.puts, 'call')} to ${ch}${s.lastPut !== undefined ? ` (last ${short(s.lastPut, 32)})` : ''}`
        : `⇡ put ${s.puts} on ${ch}${s.lastPut !== undefined ? ` (last ${short(s.lastPut, 32)})` : ''}`,
    );
  }
  return out;
}

/** `⏸ waited 2× · 1.0 ms (max 0.6 ms) · woken by main · 1 still waiting` */
function waitParts(s: YieldPointStats, live: boolean): string[] {
  if (!s.waits && !s.stillWaiting) return [];
  const out: string[] = [];
  if (s.waits)
    out.push(`⏸ waited ${s.waits}×${s.waitedNs ? ` · ${duration(s.waitedNs)}${s.waits > 1 ? ` (max ${duration(s.longestWaitNs ?? 0)})` : ''}` : ''}`);
  if (s.wokenBy?.length) out.push(`woken by ${names(s.wokenBy)}`);
  if (s.stillWaiting) out.push(`${s.stillWaiting} ${live ? 'waiting now' : 'still waiting at the end'}`);
  return out;
}

/** `⇄ 5× · 1.0 s suspended (max 0.2 s) · resumed by produce · last sent 5 · last yielded '200 OK'` */
export function yieldStatsTitle(s: YieldPointStats, live: boolean): string {
  const parts: string[] = [];
  if (s.suspends > 0) {
    parts.push(`⇄ ${s.suspends}×`);
    if (s.suspendedNs > 0) parts.push(`${duration(s.suspendedNs)} suspended${s.resumes > 1 ? ` (max ${duration(s.longestNs)})` : ''}`);
    const pending = s.suspends - s.resumes;
    if (pending > 0) parts.push(live ? `${pending} waiting` : `${pending} never resumed`);
    if (s.resumedBy.length) parts.push(`resumed by ${names(s.resumedBy)}`);
    const yieldish = s.reasons.length > 0 && YIELD_REASONS.has(s.reasons[0]);
    // A queue get's step value is not the item: the transfer below says what was taken.
    if (s.lastSent !== undefined && !(s.gets && !yieldish)) parts.push(`${yieldish ? 'last sent' : 'got back'} ${short(s.lastSent)}`);
    if (s.lastYielded !== undefined) parts.push(`${yieldish ? 'last yielded' : 'passed'} ${short(s.lastYielded)}`);
  }
  parts.push(...throughParts(s), ...waitParts(s, live), ...transferParts(s));
  return parts.join(' · ');
}

/**
 * `⇄ 3× in inner · 1.5 ms suspended · got back 60`: a `yield from`/`await` line whose task suspended deeper, in the
 * delegate, and what the delegate gave back when it returned here (the value of the `yield from` expression).
 */
function throughParts(s: YieldPointStats): string[] {
  const out: string[] = [];
  const own = s.suspends > 0;
  if (s.through) {
    out.push(`${own ? '' : '⇄ '}${s.through}× in ${names(s.delegates ?? [])}`);
    if (!own && s.throughNs) out.push(`${duration(s.throughNs)} suspended`);
  }
  if (s.returned !== undefined) out.push(`got back ${short(s.returned)}`);
  return out;
}

const LANE_WORDS: Record<string, [string, string]> = {
  thread: ['thread', 'threads'],
  greenlet: ['greenlet', 'greenlets'],
  process: ['process', 'processes'],
  tasklet: ['tasklet', 'tasklets'],
};

/** `consumer: 1 task · 12 switches · returned '200 OK'`, `worker: 2 threads · 10 transfers · 2× returned`, `square: 4 calls in Pool#1 · last returned 16` */
export function defStatsTitle(d: DefinitionStats, name: string, live: boolean): string {
  const parts: string[] = [];
  if (d.tasks > 0) {
    const [one, many] = LANE_WORDS[d.kind] ?? ['task', 'tasks'];
    parts.push(`${name}: ${plural(d.tasks, one, many)}`);
    if (d.switches > 0 || (!d.waits && !d.transfers)) parts.push(plural(d.switches, 'switch', 'switches'));
    if (d.transfers) parts.push(plural(d.transfers, 'transfer'));
    if (d.waits) parts.push(plural(d.waits, 'wait'));
  } else parts.push(`${name}:`);
  if (d.calls) {
    parts[0] = d.tasks > 0 ? parts[0] : `${name}: ${plural(d.calls, 'call')}${d.via ? ` in ${d.via}` : ''}`;
    if (d.tasks > 0) parts.push(`${plural(d.calls, 'call')}${d.via ? ` in ${d.via}` : ''}`);
    if (d.lastResult !== undefined) parts.push(`last returned ${short(d.lastResult, 32)}`);
  }
  if (d.outcomes.length)
    parts.push(
      d.outcomes
        .slice(0, 2)
        .map((o) => short(o, 48))
        .join(', ') + (d.outcomes.length > 2 ? ', …' : ''),
    );
  else if (live && d.tasks > 0) parts.push('running');
  return parts.join(' · ');
}

/** The def a by-name summary belongs to: the first non-lambda def with that name (top-level defs come first in a file). */
export function defByName(a: Analysis, name: string): Definition | undefined {
  return a.defs.find((x) => x.kind !== 'lambda' && x.name === name);
}

/** Yield stats on rows inside a def's body (a generator that ran delegated by `yield from`, or driven inside another lane). */
function statsInside(d: Definition, stats: PlacedStats): YieldPointStats[] {
  const out: YieldPointStats[] = [];
  for (const [row, y] of stats.yields) if (row > d.line && row <= d.span.endLine) out.push(y);
  return out;
}

const reveal = (index: number): Omit<LensCommand, 'title'> => ({ command: REVEAL_EVENT_COMMAND, arguments: [{ index }] });
// An empty command id makes VS Code show the lens as plain text.
const noCommand = { command: '' };

export function buildLenses(a: Analysis, stats: PlacedStats | undefined): Lens[] {
  const lenses: Lens[] = [];
  const byLine = pointsByLine(a.points);
  const defAt = new Map<number, Definition>();
  for (const d of a.defs) if (d.kind !== 'lambda') defAt.set(d.line, d);
  const live = stats?.live ?? false;
  const notReached = live ? 'not reached yet' : 'not reached in the last run';
  const noWait = live ? 'no wait yet' : 'no wait recorded in the last run';

  // Definitions: generators and coroutines always; any def a traced task ran.
  const defStats = new Map<number, DefinitionStats>();
  if (stats) {
    for (const [row, ds] of stats.defs) {
      // A decorated def's code site is its first decorator's row (co_firstlineno).
      const d = a.defs.find((x) => x.kind !== 'lambda' && x.headLine <= row && row <= x.line && (x.headLine === row || x.line === row));
      const at = d ? d.line : row;
      const prev = defStats.get(at);
      defStats.set(at, prev ? mergeDefs(prev, ds) : ds);
    }
    // Summaries the run could only name (gevent.spawn targets, pool calls): the def of that name.
    for (const ds of stats.named) {
      const d = defByName(a, ds.name);
      if (!d) continue;
      const prev = defStats.get(d.line);
      defStats.set(d.line, prev ? mergeDefs(prev, ds) : ds);
    }
  }
  const seen = new Set<number>();
  for (const d of a.defs) {
    if (d.kind === 'lambda' || seen.has(d.line)) continue;
    const ds = defStats.get(d.line);
    if (ds) {
      seen.add(d.line);
      lenses.push({ line: d.line, col: d.span.col, command: { title: defStatsTitle(ds, d.name, live), ...reveal(ds.firstEvent) } });
    } else if (d.kind !== 'function') {
      seen.add(d.line);
      // No lane of its own, but its yields ran: delegated to by `yield from`/`await`, or driven inside another lane.
      const inside = stats ? statsInside(d, stats) : [];
      const ran = inside.reduce((n, y) => n + y.suspends + (y.through ?? 0) + (y.waits ?? 0) + (y.gets ?? 0) + (y.puts ?? 0), 0);
      const title = !stats
        ? `${DEF_WORDS[d.kind]} ${d.name} — run Coroscope: Run Current File to trace`
        : ran > 0
          ? `${DEF_WORDS[d.kind]} ${d.name} — ran inside another task (${plural(ran, 'switch', 'switches')} at its lines)`
          : d.kind === 'generator'
            ? `${DEF_WORDS[d.kind]} ${d.name} — ${live ? 'not started yet' : 'did not run in the last run'}`
            : // An awaited coroutine has no lane of its own, and one that never waited leaves no event: it may have run.
              `${DEF_WORDS[d.kind]} ${d.name} — ${live ? 'no switch at its lines yet' : 'no switch at its lines in the last run'}`;
      const first = inside.length ? Math.min(...inside.map((y) => y.firstEvent)) : -1;
      lenses.push({ line: d.line, col: d.span.col, command: { title, ...(stats ? (first >= 0 ? reveal(first) : noCommand) : { command: RUN_COMMAND }) } });
    }
  }
  // Creation sites and defs the parser did not see (e.g. half-typed code).
  for (const [row, ds] of defStats) {
    if (seen.has(row)) continue;
    seen.add(row);
    lenses.push({ line: row, col: 0, command: { title: defStatsTitle(ds, ds.name, live), ...reveal(ds.firstEvent) } });
  }

  // Yield points, plus lines where the runtime saw a switch, a wait or a transfer that the analysis does not know.
  const rows = new Set<number>(byLine.keys());
  if (stats) for (const r of stats.yields.keys()) rows.add(r);
  for (const row of [...rows].sort((x, y) => x - y)) {
    const pts = byLine.get(row);
    const ys = stats?.yields.get(row);
    const col = pts ? pts[0].col : 0;
    if (ys) lenses.push({ line: row, col, command: { title: yieldStatsTitle(ys, live), ...reveal(ys.firstEvent) } });
    else if (pts && stats) {
      const always = pts.some((p) => ALWAYS_SWITCH.has(p.kind));
      lenses.push({ line: row, col, command: { title: `${pointsTitle(pts)} — ${always ? notReached : noWait}`, ...noCommand } });
    } else if (pts) lenses.push({ line: row, col, command: { title: `${pointsTitle(pts)} — run to trace`, command: RUN_COMMAND } });
  }
  lenses.sort((x, y) => x.line - y.line);
  return lenses;
}
