// The extension's test API (`testing` on what activate() returns): what the integration tests read and do that no
// user command offers. Nothing in the product calls it; the panel answers its queries with the test messages of
// protocol/test-messages.ts, which are not part of the host ↔ webview protocol.
import type { DiagramPanel, PanelTrace } from '../panel';
import type { DiagramSummary } from '../../protocol/test-messages';
import type { HostMessage } from '../../protocol/messages';
import type { SessionInfo } from './session';
import type { RunState } from './state';

export interface CoroscopeTestApi {
  /** The current or last run, or undefined if none ran in this window. */
  lastSession(): SessionInfo | undefined;
  /** Resolves when the current run (if any) has ended, with its final info. */
  waitForSessionEnd(): Promise<SessionInfo | undefined>;
  /** What the diagram panel holds, from the webview itself (undefined without a panel, or if it does not answer within `timeoutMs`). */
  panelSummary(timeoutMs?: number): Promise<DiagramSummary | undefined>;
  /** How many times the webview has (re)loaded and been replayed the trace. */
  panelLoads(): number;
  /** The trace the panel shows (live run or opened file). */
  panelTrace(): { file: string; title: string; live: boolean } | undefined;
  /** Is the diagram panel open? */
  panelOpen(): boolean;
  /** Closes the diagram panel as the user would (tests: closing it must not stop the run). */
  closePanel(): void;
  /** Handles `m` exactly as if the diagram webview had posted it (validation included). */
  panelMessage(m: unknown): Promise<void>;
  /** Posts `m` to the diagram webview, as the host does (tests move the step cursor with `focus`). */
  panelPost(m: HostMessage): void;
  /** What the step cursor's editor decorations show now: per file, the running lines and the paused lines' notes. */
  stepDecorations(): { file: string; running: number[]; paused: [number, string][] }[];
  /** Paging mode: the window the panel sent (global rows [base, end)) and the paging status bar text ('' when not paging). */
  panelPaging(): { status: string; window: { base: number; end: number; follow: boolean; total: number } | undefined };
  /**
   * Flow control of the bytes posted to the page (extension/panel/flow.ts): the limit (`set.limit` sets it), the bytes
   * posted since the page loaded, the bytes
   * in flight now and at most (since the limit was last set), the live batches held back. `set.hold`: the page's acknowledgements are kept and not
   * applied until `hold: false` (a page that does not keep up, made deterministic).
   */
  panelFlow(set?: { limit?: number; hold?: boolean }): { limit: number; sent: number; inFlight: number; maxInFlight: number; lagged: number };
}

export function testApi(state: RunState, panel: DiagramPanel): CoroscopeTestApi {
  return {
    lastSession: () => state.current?.info(),
    waitForSessionEnd: async () => {
      const s = state.current;
      if (!s) return undefined;
      await s.core.done;
      // Let the session's own end handling (status, panel) run first.
      await new Promise((r) => setTimeout(r, 0));
      return s.info();
    },
    panelSummary: (timeoutMs?: number) => panel.query(timeoutMs),
    panelLoads: () => panel.loads,
    panelTrace: () => {
      const t: PanelTrace | undefined = panel.current;
      return t ? { file: t.file, title: t.title, live: t.live } : undefined;
    },
    panelOpen: () => panel.isOpen,
    closePanel: () => panel.closePanel(),
    panelMessage: (m: unknown) => panel.receive(m),
    panelPost: (m: HostMessage) => panel.send(m),
    panelFlow: (set?: { limit?: number; hold?: boolean }) => {
      const f = panel.flow;
      if (set?.limit !== undefined) {
        f.limit = set.limit;
        f.maxInFlight = f.inFlight; // the most in flight from here on
      }
      if (set?.hold !== undefined) f.hold(set.hold);
      return { limit: f.limit, sent: f.sentTotal, inFlight: f.inFlight, maxInFlight: f.maxInFlight, lagged: panel.lagged };
    },
    panelPaging: () => ({ status: panel.pagingStatus.text, window: panel.paging ? { ...panel.paging } : undefined }),
    stepDecorations: () => [...panel.decorations.shown].map(([file, d]) => ({ file, running: d.running, paused: [...d.paused] })),
  };
}
