// Placeholder diagram: the tasklet-diagram issue replaces it. It already speaks
// the message protocol and marks the root ready so the test tiers can rely on it.
import { isHostMessage, type WebviewMessage } from '../protocol/messages';
import { TraceStore } from '../trace/store';

declare function acquireVsCodeApi(): { postMessage(m: WebviewMessage): void; getState(): unknown; setState(s: unknown): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('coroscope-root') ?? document.body;
let store = new TraceStore();

function render(): void {
  root.textContent = `${store.tasks.length} tasks, ${store.length} events`;
  root.dataset.coroscopeState = 'ready';
  root.dataset.events = String(store.length);
}

window.addEventListener('message', (e: MessageEvent) => {
  const m: unknown = e.data;
  if (!isHostMessage(m)) return;
  switch (m.type) {
    case 'reset': store = new TraceStore(); break;
    case 'append': store.appendText(m.chunk); break;
    default: break;
  }
  render();
});
render();
vscode.postMessage({ type: 'ready' });
