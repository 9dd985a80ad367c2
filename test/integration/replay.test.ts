// The editor follows the diagram's step cursor, in the real VS Code (code-server): after a real run of
// examples/producer_consumer.py, moving the cursor decorates the running line and the paused task's line (gutter
// icon + after-line note) in the visible editor, the decorations follow the cursor, and go away with the panel.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CoroscopeTestApi as CoroscopeApi } from '../../extension/run/test-api';
import { api, sleep, ws } from './helpers';
import { traceRowsOf } from '../trace-rows';

const file = path.join(ws, 'examples', 'producer_consumer.py');
const lines = () => fs.readFileSync(file, 'utf8').split('\n');

/** Polls what the editors show until `ok` holds (the webview answers asynchronously). */
async function decorationsWhere(a: CoroscopeApi, ok: (d: ReturnType<CoroscopeApi['stepDecorations']>) => boolean, what: string) {
  let last: ReturnType<CoroscopeApi['stepDecorations']> = [];
  for (let i = 0; i < 80; i++) {
    last = a.stepDecorations();
    if (ok(last)) return last;
    await sleep(100);
  }
  const editors = vscode.window.visibleTextEditors.map((e) => `${e.viewColumn}:${e.document.uri.toString()}`);
  assert.fail(`${what}; the editors show ${JSON.stringify(last)}; visible: ${JSON.stringify(editors)}; summary: ${JSON.stringify(await a.panelSummary(1500))}`);
}

/** Asks the launcher for a picture of the workbench and waits until the file is there. */
async function screenshot(name: string): Promise<void> {
  const out = path.join(process.env.COROSCOPE_REPO ?? path.resolve(__dirname, '../../..'), 'test-results', name);
  fs.rmSync(out, { force: true });
  console.log(`@@coroscope-screenshot ${name}`);
  for (let i = 0; i < 100 && !fs.existsSync(out); i++) await sleep(100);
}

describe('replay: the editor follows the step cursor', function () {
  this.timeout(120000);

  it('decorates the running and the paused lines, follows the cursor, and clears when the panel closes', async () => {
    const a = await api();
    // A panel left open by an earlier test may share the editor's group; this test's run opens its own beside it.
    a.closePanel();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('coroscope.run');
    const info = await a.waitForSessionEnd();
    assert.equal(info?.exitCode, 0, info?.message);
    // The diagram has every event before the cursor is moved.
    for (let i = 0; i < 40 && ((await a.panelSummary(1500))?.events ?? 0) < info!.events; i++) await sleep(250);
    // (the rows as the store makes them: the file's compact generator lines are the switches they stand for)
    const trace = traceRowsOf(fs.readFileSync(info!.traceFile, 'utf8')) as unknown as Record<string, unknown>[];
    const send2 = trace.findIndex((e) => e.type === 'switch' && e.value === '2');
    const yield2 = trace.findIndex((e, i) => i > send2 && e.type === 'switch' && e.reason === 'yield');
    const src = lines();

    // Step: the producer sent 2. The consumer runs (its line highlighted), the producer waits at its send.
    a.panelPost({ type: 'focus', index: send2 });
    const d1 = await decorationsWhere(
      a,
      (d) => d.some((f) => f.running.length === 1 && f.paused.length === 1 && /c\.send\(n\)/.test(src[f.paused[0][0] - 1])),
      'the producer paused at c.send(n)',
    );
    const f1 = d1.find((f) => path.resolve(f.file) === path.resolve(file))!;
    assert.match(src[f1.running[0] - 1], /yield r/, 'the consumer runs from its yield');
    assert.match(f1.paused[0][1], /^⏸ main — /);

    // Next step of the consumer: it yielded back; it is paused at its yield with the note a learner reads.
    a.panelPost({ type: 'focus', index: yield2 });
    const d2 = await decorationsWhere(a, (d) => d.some((f) => f.paused.some(([, n]) => n.startsWith('⏸ consumer'))), 'the consumer paused');
    const f2 = d2.find((f) => path.resolve(f.file) === path.resolve(file))!;
    assert.deepEqual(f2.paused, [[10, '⏸ consumer — waiting at yield, last got 2']]);
    assert.match(src[f2.running[0] - 1], /c\.send\(n\)/, 'the producer runs again from its send');
    await screenshot('replay-editor-decorations.png');

    // Closing the panel removes them.
    a.closePanel();
    await decorationsWhere(a, (d) => d.length === 0, 'no decorations after the panel closed');
  });

  it('the Locals toggle saves coroscope.captureLocals, and the next run records locals (none without it)', async () => {
    const a = await api();
    const cfg = () => vscode.workspace.getConfiguration('coroscope');
    const localsOf = async () => {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
      await vscode.commands.executeCommand('coroscope.run');
      const info = await a.waitForSessionEnd();
      assert.equal(info?.exitCode, 0, info?.message);
      return fs
        .readFileSync(info!.traceFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; frame?: string; vars?: Record<string, string> })
        .filter((e) => e.type === 'locals');
    };
    try {
      assert.equal(cfg().get('captureLocals'), false, 'off by default');
      // (as the panel's toggle posts it)
      await a.panelMessage({ type: 'setCaptureLocals', on: true });
      assert.equal(cfg().get('captureLocals'), true);
      const on = await localsOf();
      assert.ok(
        on.some((e) => e.frame === 'consumer' && e.vars?.n === '2' && e.vars?.r === "'200 OK'"),
        JSON.stringify(on),
      );
      await a.panelMessage({ type: 'setCaptureLocals', on: false });
      assert.deepEqual(await localsOf(), []);
    } finally {
      await cfg().update('captureLocals', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
