// Per-line stats for the lens feature. trace/stats.ts (computeStats) is
// written by the lens engineer; until it lands, runs publish nothing and the
// lenses keep their "run to trace" text.
import type { StatsParams } from '../../protocol/lsp';
import type { TraceStore } from '../../trace/store';

export function computeStatsIfAvailable(_store: TraceStore, _runId: string, _live: boolean): StatsParams | undefined {
  return undefined;
}
