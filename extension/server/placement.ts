// Where a run's per-line stats belong in a document that the user keeps
// editing. The stats name lines of the file as it ran; a line map follows
// each of those lines through every edit, and a line whose statement was
// removed or split loses its stats rather than showing them on the wrong line.
import type { DefinitionStats, FileStats, LineMark, YieldPointStats } from '../../protocol/lsp';

/** An edit in 0-based rows/UTF-16 columns of the text before it, replaced by text with `newlines` line breaks. */
export interface LineEdit {
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
  newlines: number;
}

/** What the edit needs to know about a line of the text before the edit. */
export interface LineShape {
  firstNonSpace: number;
  contentEnd: number;
}

export function lineShape(text: string): LineShape {
  const m = /\S/.exec(text);
  if (!m) return { firstNonSpace: text.length, contentEnd: 0 };
  return { firstNonSpace: m.index, contentEnd: text.replace(/\s+$/, '').length };
}

/**
 * Follows rows of a snapshot ("original" rows, as the run saw the file)
 * through edits. `map[orig]` is the current row, or -1 once the row's
 * statement was deleted, merged or split.
 */
export class LineMap {
  private map: Int32Array;

  constructor(lineCount: number) {
    this.map = new Int32Array(Math.max(0, lineCount));
    for (let i = 0; i < this.map.length; i++) this.map[i] = i;
  }

  /** Current row of an original row, or -1 when it can no longer be placed. */
  current(orig: number): number {
    return orig >= 0 && orig < this.map.length ? this.map[orig] : -1;
  }

  /**
   * Apply one edit. `shape(row)` describes the row in the text before the edit.
   * The start row keeps its identity when the edit begins after its content
   * (typing Enter at the end of a line); the end row's content moves to its new
   * row when the edit ends before its content (Enter or a paste at the start).
   * An edit within one line that adds no line keeps that line. Anything else
   * the edit touched is dropped.
   */
  apply(e: LineEdit, shape: (row: number) => LineShape): void {
    const delta = e.newlines - (e.endLine - e.startLine);
    if (delta === 0 && e.startLine === e.endLine) return; // within one line: nothing moves
    const s = shape(e.startLine);
    const startSurvives = e.startCol >= s.contentEnd;
    const endShape = e.endLine === e.startLine ? s : shape(e.endLine);
    const endMovesTo = e.endCol <= endShape.firstNonSpace ? e.startLine + e.newlines : -1;
    const m = this.map;
    for (let i = 0; i < m.length; i++) {
      const r = m[i];
      if (r < 0 || r < e.startLine) continue;
      if (r > e.endLine) {
        m[i] = r + delta;
        continue;
      }
      if (r === e.startLine && startSurvives) continue;
      if (r === e.endLine && endMovesTo >= 0 && !(r === e.startLine && startSurvives)) {
        m[i] = endMovesTo;
        continue;
      }
      m[i] = -1;
    }
  }
}

export interface Placed<T> {
  line: number;
  stats: T;
}

/** One file's stats from one run, placed on the current rows (0-based). */
export interface PlacedStats {
  runId: string;
  live: boolean;
  durationNs: number | undefined;
  yields: Map<number, YieldPointStats>;
  defs: Map<number, DefinitionStats>;
  /** Defs the run names without a line (`byName`: gevent.spawn targets, pool calls): matched to a def by name. */
  named: DefinitionStats[];
  marks: Map<number, LineMark[]>;
}

/** Stats of one run for one document, and the line map that follows its edits. */
export class StatsPlacement {
  private lines: LineMap;

  constructor(
    public runId: string,
    lineCount: number,
    public file: FileStats,
    public live: boolean,
    public durationNs?: number,
  ) {
    this.lines = new LineMap(lineCount);
  }

  /** New stats of the same run (a live run): same original rows, same map. */
  update(file: FileStats, live: boolean, durationNs?: number): void {
    this.file = file;
    this.live = live;
    this.durationNs = durationNs;
  }

  edit(e: LineEdit, shape: (row: number) => LineShape): void {
    this.lines.apply(e, shape);
  }

  /** Current 0-based row of a 1-based line as the run saw it, or -1 when it can no longer be placed. */
  currentRow(line1: number): number {
    return this.lines.current(line1 - 1);
  }

  /** Stats keyed by current 0-based row; stats on rows that no longer exist are left out. */
  placed(): PlacedStats {
    const at = (line1: number) => this.lines.current(line1 - 1);
    const yields = new Map<number, YieldPointStats>();
    for (const y of this.file.yields) {
      const r = at(y.line);
      if (r >= 0) yields.set(r, y);
    }
    const defs = new Map<number, DefinitionStats>();
    const named: DefinitionStats[] = [];
    for (const d of this.file.defs) {
      if (d.byName) {
        named.push(d);
        continue;
      }
      const r = at(d.line);
      if (r < 0) continue;
      const prev = defs.get(r);
      defs.set(r, prev ? mergeDefs(prev, d) : d);
    }
    const marks = new Map<number, LineMark[]>();
    for (const mk of this.file.marks) {
      const r = at(mk.line);
      if (r < 0) continue;
      const l = marks.get(r);
      if (l) l.push(mk);
      else marks.set(r, [mk]);
    }
    return { runId: this.runId, live: this.live, durationNs: this.durationNs, yields, defs, named, marks };
  }
}

/** Two summaries of one def (two code sites on one row, or lanes and pool calls of one function). */
export function mergeDefs(a: DefinitionStats, b: DefinitionStats): DefinitionStats {
  const sum = (x?: number, y?: number) => (x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0));
  const out: DefinitionStats = {
    ...a,
    kind: a.tasks > 0 || b.tasks === 0 ? a.kind : b.kind,
    tasks: a.tasks + b.tasks,
    switches: a.switches + b.switches,
    outcomes: [...new Set([...a.outcomes, ...b.outcomes])],
    firstEvent: Math.min(a.firstEvent, b.firstEvent),
  };
  const waits = sum(a.waits, b.waits),
    transfers = sum(a.transfers, b.transfers),
    calls = sum(a.calls, b.calls);
  if (waits !== undefined) out.waits = waits;
  if (transfers !== undefined) out.transfers = transfers;
  if (calls !== undefined) out.calls = calls;
  // One function run in two pools reads `in ThreadPoolExecutor#1, ProcessPoolExecutor#2`.
  const via = a.via !== undefined && b.via !== undefined && a.via !== b.via ? `${a.via}, ${b.via}` : (a.via ?? b.via),
    last = b.lastResult ?? a.lastResult;
  if (via !== undefined) out.via = via;
  if (last !== undefined) out.lastResult = last;
  return out;
}
