// The panel's paging mode (issue 19 part 2): above `coroscope.paging.thresholdEvents` rows the webview holds only a
// window of the run (about `coroscope.paging.windowEvents` rows) plus the overview of all of it; the host keeps no
// rows either (its store lets them go after each batch), only the sparse byte-offset index (trace/page-index.ts),
// and reads the window's bytes from the trace file when the page asks for a range. Here: the settings, the window
// chosen for a request, reading its bytes, and the status bar item that says the panel is paging.
import * as vscode from 'vscode';
import type { PagingSettings } from '../../session/page-read';

export { planFor, readLines, readPlanned, type PageRequest, type PagingSettings } from '../../session/page-read';

export const DEFAULT_THRESHOLD = 2_000_000;
export const DEFAULT_WINDOW = 250_000;

export function pagingSettings(): PagingSettings {
  const c = vscode.workspace.getConfiguration('coroscope.paging');
  const n = (k: string, d: number, min: number) => {
    const v = c.get<number>(k);
    return typeof v === 'number' && Number.isFinite(v) ? Math.max(min, Math.floor(v)) : d;
  };
  return { threshold: n('thresholdEvents', DEFAULT_THRESHOLD, 1000), window: n('windowEvents', DEFAULT_WINDOW, 1000) };
}

/** `20.0M`, `150k`: a row count in a few characters. */
export function shortCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  return n.toLocaleString('en-US');
}

/** The status bar item shown while the panel pages: "Coroscope: paging 20.0M events from disk". */
export class PagingStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('coroscope.paging', vscode.StatusBarAlignment.Left, 49);
  /** What it says now ('' when hidden), for the test API. */
  text = '';

  constructor() {
    this.item.name = 'Coroscope paging';
    this.item.command = 'coroscope.showDiagram';
  }

  show(total: number, window: { base: number; end: number }, s: PagingSettings): void {
    this.text = `Coroscope: paging ${shortCount(total)} events from disk`;
    this.item.text = `$(database) ${this.text}`;
    this.item.tooltip = new vscode.MarkdownString(
      `The trace has ${total.toLocaleString('en-US')} events, more than \`coroscope.paging.thresholdEvents\` (${s.threshold.toLocaleString('en-US')}): ` +
        `the diagram keeps the overview of the whole run and events ${window.base.toLocaleString('en-US')}–${window.end.toLocaleString('en-US')} in detail, ` +
        'and reads other parts from the trace file as you move to them.',
    );
    this.item.show();
  }

  hide(): void {
    this.text = '';
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
