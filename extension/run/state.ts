// What the run feature's commands share: the current run, the trace Export uses, the `coroscope.running` context key.
import * as vscode from 'vscode';
import type { TraceStore } from '../../trace/store';
import type { RunSession } from './session';

/** A trace Export can write: the last run's, or the last opened one (its store is loaded on first need). */
export interface ExportSource {
  file: string;
  store?: TraceStore;
  title: string;
  live: () => boolean;
}

export class RunState implements vscode.Disposable {
  /** The current or last run in this window. */
  current: RunSession | undefined;
  exportSource: ExportSource | undefined;

  setRunning(on: boolean): void {
    void vscode.commands.executeCommand('setContext', 'coroscope.running', on);
  }

  /** Stop: ends the current run's whole process group, if it is running. */
  async stop(): Promise<void> {
    const s = this.current;
    if (!s?.running) return;
    vscode.window.setStatusBarMessage(`Coroscope: stopping ${s.name}…`, 3000);
    await s.stop();
  }

  /** Closing VS Code (or disabling the extension) ends the run and its whole process group. */
  dispose(): void {
    this.current?.dispose();
    this.current = undefined;
  }
}
