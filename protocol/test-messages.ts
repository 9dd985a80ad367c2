// Test-only messages to and from the diagram webview: what tests and benchmarks use to feed it text and to ask what
// it holds. They are not part of the host ↔ webview protocol (messages.ts): the product never sends them; the
// extension's test API (extension/run/test-api.ts) and the browser tests (test/e2e) do. Every type starts `test.`.

/** Test → webview. */
export type TestHostMessage =
  /** Whole JSON Lines as text (the product sends `appendBytes`); tests build traces as text. */
  | { type: 'test.append'; chunk: string }
  /** Ask for a `test.summary` reply. */
  | { type: 'test.query' }
  /** Type `query` into the search box, as a user does; with `next`, then press Enter (1) or Shift+Enter (-1). */
  | { type: 'test.search'; query: string; next?: 1 | -1 };

/** Webview → test. */
export type TestWebviewMessage =
  /** What the diagram currently holds, in reply to `test.query`. */
  { type: 'test.summary'; summary: DiagramSummary };

export interface DiagramSummary {
  events: number;
  /** `label`: the name as the diagram shows it (a name shared by several tasks gets ` #k`, `output #3`). */
  tasks: { id: string; name: string; kind: string; label?: string }[];
  switches: number;
  /** Arrow labels as drawn (`send(1)`, `yield '200 OK'`…), first 500; a folded row contributes its own label (`↻ 9,998 more repetitions…`). */
  labels: string[];
  /** Rows the diagram has (after folding and filtering). */
  rows?: number;
  /** Repeated patterns found: events [start, start + period × count); `collapsed` when shown as one row. */
  folds?: { start: number; period: number; count: number; collapsed: boolean; shutdown?: boolean }[];
  /** Ids of the tasks whose lanes are not drawn (made and ended inside a folded asyncio.run shutdown). */
  hiddenLanes?: string[];
  /**
   * Paging mode: the window held (global rows from `base`, `held` of them, after `prelude` lane declarations), the
   * run's `total`, and the first and last rows held with their global index, absolute `ts` and type (to compare with the trace file).
   */
  page?: {
    base: number;
    prelude: number;
    total: number;
    follow: boolean;
    held: number;
    first?: { index: number; ts: number; type: string };
    last?: { index: number; ts: number; type: string };
    /** The selected event's global index (-1: none). */
    selected: number;
    /** The whole run's search as the page has it (the host's `searchHits`): the first 50 hits (global indices). */
    search?: { query: string; count: number; hits: number[]; scanned: number; done: boolean };
  };
}

function typed(m: unknown): Record<string, unknown> | undefined {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' ? (m as Record<string, unknown>) : undefined;
}

export function isTestHostMessage(m: unknown): m is TestHostMessage {
  const o = typed(m);
  return (
    (o?.type === 'test.append' && typeof o.chunk === 'string') ||
    o?.type === 'test.query' ||
    (o?.type === 'test.search' && typeof o.query === 'string' && (o.next === undefined || o.next === 1 || o.next === -1))
  );
}

export function isTestWebviewMessage(m: unknown): m is TestWebviewMessage {
  const o = typed(m);
  return o?.type === 'test.summary' && typeof o.summary === 'object' && o.summary !== null;
}
