// Host → webview message handling: validated with isHostMessage, dispatched
// exhaustively. Anything that is not a valid message is ignored.

import { isHostMessage, type HostMessage } from '../protocol/messages';
import { assertNever } from '../protocol/events';
import type { App, VsCodeApi } from './app';

export function handleHostMessage(app: App, vscode: VsCodeApi, raw: unknown): void {
  if (!isHostMessage(raw)) return;
  const m: HostMessage = raw;
  switch (m.type) {
    case 'reset': app.reset(m.title, m.live); break;
    case 'append': app.append(m.chunk); break;
    case 'appendBytes': app.appendBytes(m.bytes); break;
    case 'status': app.status(m.state, m.exitCode, typeof m.message === 'string' ? m.message : undefined); break;
    case 'highlight': app.highlight(m.file, m.line); break;
    case 'focus': if (Number.isInteger(m.index)) app.focusEvent(m.index); break;
    case 'query': vscode.postMessage({ type: 'summary', summary: app.summary() }); break;
    case 'cursorTo': app.replay.goToTask(m.task); break;
    case 'sources': app.replay.setSources(m.files, m.capped, m.pane); app.scheduleRender(); break;
    default: assertNever(m, 'host message');
  }
}
