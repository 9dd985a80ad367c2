// Host → webview message handling: validated with isHostMessage, dispatched
// exhaustively. Anything that is not a valid message is ignored. Tests' messages
// (protocol/test-messages.ts) are answered apart, by handleTestMessage.

import { isHostMessage, type HostMessage } from '../protocol/messages';
import { isTestHostMessage, type TestHostMessage, type TestWebviewMessage } from '../protocol/test-messages';
import { assertNever } from '../protocol/events';
import type { App, VsCodeApi } from './app';

export function handleHostMessage(app: App, vscode: VsCodeApi, raw: unknown): void {
  if (isTestHostMessage(raw)) {
    handleTestMessage(app, vscode, raw);
    return;
  }
  if (!isHostMessage(raw)) return;
  const m: HostMessage = raw;
  switch (m.type) {
    case 'reset':
      app.reset(m.title, m.live);
      break;
    case 'appendBytes':
      try {
        app.appendBytes(m.bytes);
      } finally {
        // Taken even if the page failed on them: the host must never wait for bytes the page will not count.
        took(vscode, m.bytes.byteLength);
      }
      break;
    case 'appendColumns':
      app.appendColumns(m.bytes);
      break;
    case 'status':
      app.status(m.state, m.exitCode, typeof m.message === 'string' ? m.message : undefined);
      break;
    case 'highlight':
      app.highlight(m.file, m.line);
      break;
    case 'focus':
      if (Number.isInteger(m.index)) app.focusGlobal(m.index);
      break;
    case 'cursorTo':
      app.replay.goToTask(m.task);
      break;
    case 'sources':
      app.replay.setSources(m.files, m.capped, m.pane);
      app.scheduleRender();
      break;
    case 'captureLocals':
      app.replay.showCaptureLocals(m.on);
      break;
    case 'page':
      app.setPage(m.base, m.prelude, m.total, m.follow, m.overview);
      break;
    case 'pageTotal':
      app.setPageTotal(m.total, m.overview);
      break;
    case 'searchHits':
      app.setSearchHits({ query: m.query, count: m.count, hits: m.hits, scanned: m.scanned, total: m.total, done: m.done });
      break;
    default:
      assertNever(m, 'host message');
  }
}

/** `appendBytes` bytes taken since the page loaded, and whether a `received` is due (flow control: protocol/messages.ts). */
let taken = 0;
let receiptDue = false;

/** Acknowledges bytes taken, once for the messages handled in a row (the host waits for it past a few MB in flight). */
function took(vscode: VsCodeApi, n: number): void {
  taken += n;
  if (receiptDue) return;
  receiptDue = true;
  setTimeout(() => {
    receiptDue = false;
    vscode.postMessage({ type: 'received', bytes: taken });
  }, 0);
}

/** The test reply travels on the product's channel; VsCodeApi types only the product's messages. */
function postTest(vscode: VsCodeApi, m: TestWebviewMessage): void {
  (vscode as unknown as { postMessage(m: TestWebviewMessage): void }).postMessage(m);
}

function handleTestMessage(app: App, vscode: VsCodeApi, m: TestHostMessage): void {
  switch (m.type) {
    case 'test.append':
      app.append(m.chunk);
      break;
    case 'test.query':
      postTest(vscode, { type: 'test.summary', summary: app.summary() });
      break;
    case 'test.search':
      app.searchFor(m.query, m.next);
      break;
    default:
      assertNever(m, 'test message');
  }
}
