// What the App's helpers (viewport.ts, input.ts, export-image.ts) may use of it: its view state, the DOM they draw
// or listen on, and the calls that end a change. A separate type so the helpers do not import app.ts (no cycle).

import type { WebviewMessage } from '../protocol/messages';
import type { TraceStore } from '../trace/store';
import type { DiagramModel } from './model';
import type { View } from './render';
import type { EventTable } from './table';
import type { Theme } from './theme';

export interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
  getState(): unknown;
  setState(s: unknown): void;
}

export interface AppSurface {
  readonly store: TraceStore;
  readonly model: DiagramModel;
  readonly view: View;
  readonly theme: Theme;
  follow: boolean;
  readonly vscode: VsCodeApi;
  readonly canvas: HTMLCanvasElement;
  readonly mini: HTMLCanvasElement;
  readonly diagram: HTMLDivElement;
  readonly tooltip: HTMLDivElement;
  readonly table: EventTable;
  /** Save the view, sync the toolbar, redraw. */
  changed(): void;
  scheduleRender(): void;
  selectRow(r: number, fromTable?: boolean): void;
  activateRow(r: number): void;
  reveal(e: number): void;
  /** What a click on the event's row does, for the tooltip. */
  clickWords(e: number): string;
  /** Paging mode: the view is at the window's first (-1) or last (1) row and the user scrolls on: load the neighbouring events. */
  pageEdge(dir: -1 | 1): void;
  /** The step cursor (replay.ts): arrows, Home/End and Space are its keys. */
  readonly replay: { key(e: KeyboardEvent): boolean };
}
