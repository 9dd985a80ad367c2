// Entry of the diagram bundle (dist/webview/webview.js): the same code runs in
// the VS Code panel and in the CLI's standalone report, whose boot script
// defines acquireVsCodeApi and posts the embedded trace as messages.
import type { VsCodeApi } from './app';
import { App } from './app';
import { handleHostMessage } from './messages';

declare function acquireVsCodeApi(): VsCodeApi;

const vscode: VsCodeApi = typeof acquireVsCodeApi === 'function'
  ? acquireVsCodeApi()
  : { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };
const root = document.getElementById('coroscope-root') ?? document.body.appendChild(document.createElement('div'));
const app = new App(root, vscode);
(window as unknown as { coroscope?: App }).coroscope = app;
window.addEventListener('message', (e: MessageEvent) => handleHostMessage(app, vscode, e.data));
vscode.postMessage({ type: 'ready' });
