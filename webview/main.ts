// Entry of the diagram bundle (dist/webview/webview.js): the same code runs in
// the VS Code panel and in the CLI's standalone report, whose boot script
// defines acquireVsCodeApi and posts the embedded trace as messages.
import type { VsCodeApi } from './app';
import { App } from './app';
import { handleHostMessage } from './messages';
import { SOURCES_ELEMENT_ID } from './page';
import { REPORT_ELEMENT_ID } from './report-config';

declare function acquireVsCodeApi(): VsCodeApi;

const vscode: VsCodeApi =
  typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };
const root = document.getElementById('coroscope-root') ?? document.body.appendChild(document.createElement('div'));
// The CLI's report carries its config block (after this bundle in the page): no editor to open there.
const app = new App(root, vscode, () => document.getElementById(REPORT_ELEMENT_ID) !== null);
(window as unknown as { coroscope?: App }).coroscope = app;
window.addEventListener('message', (e: MessageEvent) => handleHostMessage(app, vscode, e.data));
// The report embeds the program's source files: the Tasks pane's line texts and the source pane.
const embedded = document.getElementById(SOURCES_ELEMENT_ID);
if (embedded?.textContent) {
  try {
    const v = JSON.parse(embedded.textContent) as unknown;
    handleHostMessage(app, vscode, { type: 'sources', pane: true, ...(typeof v === 'object' && v !== null ? v : {}) });
  } catch {
    /* a damaged page keeps working without its sources */
  }
}
vscode.postMessage({ type: 'ready' });
