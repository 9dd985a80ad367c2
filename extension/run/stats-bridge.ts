// Per-line stats for the lens feature, computed from the session's store.
import type { StatsParams } from '../../protocol/lsp';
import type { TraceStore } from '../../trace/store';
import { computeStats } from '../../trace/stats';

export function computeStatsIfAvailable(store: TraceStore, runId: string, live: boolean): StatsParams | undefined {
  return computeStats(store, runId, live);
}
