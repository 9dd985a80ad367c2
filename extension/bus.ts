import * as vscode from 'vscode';
import type { StatsParams } from '../protocol/lsp';

/**
 * What one feature tells another, without importing it: the run session
 * publishes per-line stats after (and during) a run; the lens feature forwards
 * them to the language server.
 */
export class CoroscopeBus implements vscode.Disposable {
  private readonly stats = new vscode.EventEmitter<StatsParams>();
  readonly onStats = this.stats.event;
  /** The latest stats, for features that start listening late. */
  lastStats: StatsParams | undefined;

  publishStats(s: StatsParams): void {
    this.lastStats = s;
    this.stats.fire(s);
  }

  dispose(): void {
    this.stats.dispose();
  }
}
