// Per-line stats for the lens (the language server), published on the bus from the run's or the opened trace's store.
import type * as vscode from 'vscode';
import type { CoroscopeBus } from '../bus';
import type { TraceStore } from '../../trace/store';
import { StatsBuilder } from '../../trace/stats';
import type { StatsParams } from '../../protocol/lsp';

/**
 * Per-line stats for the lens: at the end of a run, and while live about once
 * a second whatever the trace's size. A StatsBuilder consumes each batch's new
 * events as it arrives (~0.1 µs/event, see bench:stats), so no slice of the
 * host's thread pays for more than its own batch; the timer only snapshots
 * (per yield point and lane, not per event). The interval stretches so
 * snapshots never take over 2% of it.
 */
export class StatsPublisher implements vscode.Disposable {
  private lastLive = 0;
  private lastMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private builder = new StatsBuilder();
  /** The run whose final stats are published, or whose builder failed on rows already let go: nothing more to do. */
  private doneRun: string | undefined;
  constructor(
    private readonly bus: CoroscopeBus,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  publishLive(store: TraceStore, runId: string): void {
    if (this.doneRun === runId) return;
    try {
      this.builder.update(store);
    } catch (e) {
      this.failed(e, store, runId);
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.lastLive + Math.max(LIVE_STATS_INTERVAL_MS, this.lastMs * 50) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastLive = Date.now();
      this.publish(store, runId, true);
    }, wait);
  }

  publish(store: TraceStore, runId: string, live: boolean): void {
    if (!live && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // A run's state changes more than once after it ends (its end, then the session's report): its final stats were
    // built from each batch as it came, and its rows are gone by now, so a fresh builder could not read them again.
    if (this.doneRun === runId) return;
    try {
      const t0 = Date.now();
      const s = this.builder.update(store).snapshot(runId, live);
      this.lastMs = Date.now() - t0;
      // A finished run's stats are final: let go of its store and accumulators.
      if (!live) {
        this.builder = new StatsBuilder();
        this.doneRun = runId;
      }
      this.bus.publishStats(s);
    } catch (e) {
      this.failed(e, store, runId);
    }
  }

  /** Final stats built elsewhere (an opened trace, read in chunks that are let go). */
  publishSnapshot(s: StatsParams): void {
    this.bus.publishStats(s);
  }

  /**
   * A builder that threw part-way may hold half an event: start over from the store's first event next time — unless
   * the store has let rows go (a run's store keeps none), when starting over cannot work: the lens keeps the stats
   * last published for this run, and the log says so once.
   */
  private failed(e: unknown, store: TraceStore, runId: string): void {
    this.builder = new StatsBuilder();
    const gone = store.released > 0;
    if (gone) this.doneRun = runId;
    this.log.warn(`could not compute per-line stats: ${(e as Error).message}${gone ? ' (the lens keeps the last stats of this run)' : ''}`);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

const LIVE_STATS_INTERVAL_MS = 1000;
