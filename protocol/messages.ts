// Messages between the extension host (or the CLI's HTML report shell) and the
// diagram webview. Both directions are discriminated unions; the receiver
// validates with the guards below before use. What only tests send or read
// (text chunks, summaries) is in test-messages.ts.

// webview/app.ts builds the summary the test API reads; it imports the type from here.
export type { DiagramSummary } from './test-messages';

/** Host → webview. */
export type HostMessage =
  /** Start a new trace (clears the diagram). */
  | { type: 'reset'; title: string; live: boolean }
  /**
   * Whole JSON Lines of the trace, in order (header included in the first chunk), as UTF-8 bytes exactly as the
   * runtime wrote them: the webview scans bytes without a decode or a string copy. A typed array travels through
   * VS Code's postMessage as a buffer, not as text.
   */
  | { type: 'appendBytes'; bytes: Uint8Array }
  /** The run's state changed. */
  | { type: 'status'; state: RunState; exitCode?: number | null; message?: string }
  /** The editor's selection moved to this line: highlight its events. `line` is 1-based; 0 clears. */
  | { type: 'highlight'; file: string; line: number }
  /** Scroll to and select the event with this index (0-based, header excluded). */
  | { type: 'focus'; index: number };

export type RunState = 'running' | 'exited' | 'stopped' | 'failed' | 'loaded';

/** Webview → host. */
export type WebviewMessage =
  /** The page has loaded and wants the current trace replayed. */
  | { type: 'ready' }
  /** The user clicked an event: open its source. `line` is 1-based. */
  | { type: 'reveal'; file: string; line: number; index: number }
  /** The user exported the visible diagram; `data` is SVG text or a PNG data: URL. */
  | { type: 'saveImage'; format: 'svg' | 'png'; data: string }
  /** The user pressed Stop in the panel. */
  | { type: 'stop' };

const HOST_TYPES = new Set(['reset', 'appendBytes', 'status', 'highlight', 'focus']);
const WEBVIEW_TYPES = new Set(['ready', 'reveal', 'saveImage', 'stop']);

function hasType(m: unknown, types: Set<string>): m is { type: string } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && types.has((m as { type: string }).type);
}

export function isHostMessage(m: unknown): m is HostMessage {
  if (!hasType(m, HOST_TYPES)) return false;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'reset': return typeof o.title === 'string' && typeof o.live === 'boolean';
    case 'appendBytes': return o.bytes instanceof Uint8Array;
    case 'status': return typeof o.state === 'string';
    case 'highlight': return typeof o.file === 'string' && typeof o.line === 'number';
    case 'focus': return typeof o.index === 'number';
    default: return true;
  }
}

export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (!hasType(m, WEBVIEW_TYPES)) return false;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'reveal': return typeof o.file === 'string' && typeof o.line === 'number' && typeof o.index === 'number';
    case 'saveImage': return (o.format === 'svg' || o.format === 'png') && typeof o.data === 'string';
    default: return true;
  }
}
