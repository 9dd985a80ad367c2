// CodeLens texts: what kind of yield point a line is before a run, what
// happened there after one. Pure: analysis + placed stats in, lens data out.
import type { DefinitionStats, YieldPointStats } from '../../protocol/lsp';
import { REVEAL_EVENT_COMMAND } from '../../protocol/lsp';
import type { Analysis, Definition, YieldPoint } from './analysis';
import { pointsByLine } from './analysis';
import { duration, plural, short } from './format';
import type { PlacedStats } from './placement';

export const RUN_COMMAND = 'coroscope.run';

export interface LensCommand { title: string; command: string; arguments?: unknown[] }
export interface Lens { line: number; col: number; command: LensCommand }

const SYMBOL = { suspend: '⏸', switch: '⇄' } as const;

/** "yield", "await asyncio.sleep, yield" — the distinct labels of a line's points. */
export function pointsTitle(points: readonly YieldPoint[]): string {
  const labels = [...new Set(points.map((p) => p.label))];
  const fam = points.some((p) => p.family === 'suspend') ? 'suspend' : 'switch';
  return `${SYMBOL[fam]} ${labels.slice(0, 3).join(', ')}${labels.length > 3 ? ', …' : ''}`;
}

const DEF_WORDS: Record<Definition['kind'], string> = {
  generator: 'generator', coroutine: 'coroutine', 'async-generator': 'async generator', function: 'function', lambda: 'lambda',
};

/** Reasons whose values read as "sent in"/"yielded out"; others read as "passed"/"got back". */
const YIELD_REASONS = new Set(['yield', 'await', 'step', 'future']);

function names(list: readonly string[], max = 2): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} +${list.length - max}`;
}

/** `⇄ 5× · 1.0 s suspended (max 0.2 s) · resumed by produce · last sent 5 · last yielded '200 OK'` */
export function yieldStatsTitle(s: YieldPointStats, live: boolean): string {
  const parts = [`⇄ ${s.suspends}×`];
  if (s.suspendedNs > 0) parts.push(`${duration(s.suspendedNs)} suspended${s.resumes > 1 ? ` (max ${duration(s.longestNs)})` : ''}`);
  const pending = s.suspends - s.resumes;
  if (pending > 0) parts.push(live ? `${pending} waiting` : `${pending} never resumed`);
  if (s.resumedBy.length) parts.push(`resumed by ${names(s.resumedBy)}`);
  const yieldish = s.reasons.length === 0 || YIELD_REASONS.has(s.reasons[0]);
  if (s.lastSent !== undefined) parts.push(`${yieldish ? 'last sent' : 'got back'} ${short(s.lastSent)}`);
  if (s.lastYielded !== undefined) parts.push(`${yieldish ? 'last yielded' : 'passed'} ${short(s.lastYielded)}`);
  return parts.join(' · ');
}

/** `consumer: 1 task · 12 switches · returned '200 OK'` */
export function defStatsTitle(d: DefinitionStats, name: string, live: boolean): string {
  const parts = [`${name}: ${plural(d.tasks, 'task')}`, plural(d.switches, 'switch', 'switches')];
  if (d.outcomes.length) parts.push(d.outcomes.slice(0, 2).map((o) => short(o, 48)).join(', ') + (d.outcomes.length > 2 ? ', …' : ''));
  else if (live) parts.push('running');
  return parts.join(' · ');
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

  // Definitions: generators and coroutines always; any def a traced task ran.
  const defStats = new Map<number, DefinitionStats>();
  if (stats) {
    for (const [row, ds] of stats.defs) {
      // A decorated def's code site is its first decorator's row (co_firstlineno).
      const d = a.defs.find((x) => x.kind !== 'lambda' && x.headLine <= row && row <= x.line && (x.headLine === row || x.line === row));
      const at = d ? d.line : row;
      if (!defStats.has(at)) defStats.set(at, ds);
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
      const title = stats ? `${DEF_WORDS[d.kind]} ${d.name} — ${live ? 'not started yet' : 'did not run in the last run'}`
        : `${DEF_WORDS[d.kind]} ${d.name} — run Coroscope: Run Current File to trace`;
      lenses.push({ line: d.line, col: d.span.col, command: { title, ...(stats ? noCommand : { command: RUN_COMMAND }) } });
    }
  }
  // Creation sites and defs the parser did not see (e.g. half-typed code).
  for (const [row, ds] of defStats) {
    if (seen.has(row)) continue;
    seen.add(row);
    lenses.push({ line: row, col: 0, command: { title: defStatsTitle(ds, ds.name, live), ...reveal(ds.firstEvent) } });
  }

  // Yield points, plus lines where the runtime saw a switch that the analysis does not know.
  const rows = new Set<number>(byLine.keys());
  if (stats) for (const r of stats.yields.keys()) rows.add(r);
  for (const row of [...rows].sort((x, y) => x - y)) {
    const pts = byLine.get(row);
    const ys = stats?.yields.get(row);
    const col = pts ? pts[0].col : 0;
    if (ys) lenses.push({ line: row, col, command: { title: yieldStatsTitle(ys, live), ...reveal(ys.firstEvent) } });
    else if (pts && stats) lenses.push({ line: row, col, command: { title: `${pointsTitle(pts)} — ${notReached}`, ...noCommand } });
    else if (pts) lenses.push({ line: row, col, command: { title: `${pointsTitle(pts)} — run to trace`, command: RUN_COMMAND } });
  }
  lenses.sort((x, y) => x.line - y.line);
  return lenses;
}
