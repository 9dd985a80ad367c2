// The yield-point lens inside the real VS Code (code-server): the language
// server starts for a Python file, its lenses reach the editor, and after a
// real run they show what the run saw. The workspace holds test/fixtures/ as fixtures/.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, fixture, sleep, until } from './helpers';

/** Lens titles by 1-based line, as the editor gets them from every provider. */
async function titles(uri: vscode.Uri): Promise<Map<number, string[]>> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  const m = new Map<number, string[]>();
  for (const l of lenses) m.set(l.range.start.line + 1, [...(m.get(l.range.start.line + 1) ?? []), l.command?.title ?? '']);
  return m;
}

/** Polls until `ok` holds for the lenses of `uri` (the server starts and re-computes asynchronously). */
async function lensesWhere(uri: vscode.Uri, ok: (t: Map<number, string[]>) => boolean, what: string, tries = 120): Promise<Map<number, string[]>> {
  let last = new Map<number, string[]>();
  for (let i = 0; i < tries; i++) {
    last = await titles(uri);
    if (ok(last)) return last;
    await sleep(250);
  }
  assert.fail(`${what}; lenses were: ${JSON.stringify([...last])}`);
}

describe('lens: yield-point CodeLens in VS Code', function () {
  this.timeout(120000);

  it('shows what kind of yield point each line is before a run', async () => {
    await api();
    // Whatever ran before in this window, the lens now has the stats of another program's trace only.
    await vscode.commands.executeCommand('coroscope.openTrace', fixture('traces', 'cli-pingpong.jsonl'));
    const uri = fixture('lens', 'producer_consumer.py');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const t = await lensesWhere(uri, (m) => (m.get(4) ?? []).join(' | ') === '⏸ yield — run to trace', 'the yield line has the lens of a line no run has seen');
    assert.ok(
      t.get(1)?.some((x) => /^generator consumer — /.test(x)),
      `def lens: ${t.get(1)}`,
    );
  });

  it('reports the blocking time.sleep inside async def as a diagnostic with a quick fix', async () => {
    const uri = fixture('lens', 'async_blocked.py');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    let diags: vscode.Diagnostic[] = [];
    await until(() => (diags = vscode.languages.getDiagnostics(uri)).some((d) => d.source === 'coroscope'), 'coroscope diagnostics for async_blocked.py');
    const d = diags.find((x) => x.source === 'coroscope' && x.code === 'sleep-in-async');
    assert.ok(d, `diagnostics: ${JSON.stringify(diags.map((x) => x.message))}`);
    assert.equal(d.range.start.line, 11);
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range);
    assert.ok(
      actions.some((a) => a.title === 'Replace with await asyncio.sleep(…)'),
      `actions: ${actions.map((a) => a.title)}`,
    );
  });

  it('turning coroscope.lens.enabled off removes the lenses, and on brings them back', async () => {
    const uri = fixture('lens', 'constructs.py');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await lensesWhere(uri, (m) => m.size > 0, 'lenses on constructs.py');
    const cfg = vscode.workspace.getConfiguration('coroscope');
    await cfg.update('lens.enabled', false, vscode.ConfigurationTarget.Global);
    try {
      await lensesWhere(uri, (m) => m.size === 0, 'no lenses once coroscope.lens.enabled is false');
    } finally {
      await cfg.update('lens.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
    await lensesWhere(uri, (m) => m.size > 0, 'lenses back once the setting is reset');
  });

  it('after Run Current File, the yield line shows how often it suspended and who resumed it', async () => {
    const a = await api();
    const uri = fixture('lens', 'producer_consumer.py');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), vscode.ViewColumn.One);
    await vscode.commands.executeCommand('coroscope.run');
    const info = await a.waitForSessionEnd();
    assert.ok(info, 'a session ran');
    assert.equal(info.exitCode, 0, info.message);
    const t = await lensesWhere(
      uri,
      (m) => (m.get(4) ?? []).some((x) => x.startsWith('⇄ ')),
      'the yield line shows run stats ' + '(the run feature publishes stats through bus.publishStats(StatsBuilder…snapshot(...)))',
      60,
    );
    const y = t.get(4)!.find((x) => x.startsWith('⇄ '))!;
    assert.match(
      y,
      /^⇄ 6× · \S+ \S+ suspended \(max \S+ \S+\) · resumed by produce · last sent 5 · last yielded '200 OK'$/,
      'the consumer is resumed by produce(), which runs on the main lane',
    );
    assert.ok(
      t.get(1)?.some((x) => /^consumer: 1 task · \d+ switches · closed$/.test(x)),
      `def lens after the run: ${t.get(1)}`,
    );
  });
});
