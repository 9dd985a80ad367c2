// Run Current File inside the real VS Code (code-server): the command, the
// real runtime, the diagram webview's own account of what it received, Stop and
// cleanup. The workspace is a copy of examples/ plus test/fixtures/ (as fixtures/).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CoroscopeTestApi } from '../../extension/run/test-api';
import { api, fixture, sleep, ws, until } from './helpers';
import type { DiagramSummary } from '../../protocol/test-messages';

const example = (name: string) => vscode.Uri.file(path.join(ws, 'examples', name));

/** Opens the file in an editor and runs the command from it, as a user would. */
async function runFile(uri: vscode.Uri): Promise<unknown> {
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  return vscode.commands.executeCommand('coroscope.run');
}

/** Asks the webview until it holds `events` events (it renders asynchronously). */
async function summaryWith(a: CoroscopeTestApi, events: number): Promise<DiagramSummary> {
  let last: DiagramSummary | undefined;
  for (let i = 0; i < 40; i++) {
    last = await a.panelSummary(1500);
    if (last && last.events >= events) return last;
    await sleep(250);
  }
  assert.fail(`the diagram never reported ${events} events (webview loads: ${a.panelLoads()}, last answer: ${JSON.stringify(last)?.slice(0, 300)})`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('run: Run Current File in VS Code', function () {
  this.timeout(120000);

  afterEach(async () => {
    const a = await api();
    if (a.lastSession()?.state === 'running') {
      await vscode.commands.executeCommand('coroscope.stop');
      await a.waitForSessionEnd();
    }
  });

  it('runs examples/producer_consumer.py and the diagram shows consumer, the switches and their values', async () => {
    const a = await api();
    await runFile(example('producer_consumer.py'));
    const info = await a.waitForSessionEnd();
    assert.ok(info, 'a session ran');
    assert.equal(info.state, 'exited', info.message);
    assert.equal(info.exitCode, 0, info.message);
    assert.ok(info.tasks.includes('consumer'), `tasks: ${info.tasks}`);
    assert.ok(fs.existsSync(info.traceFile), 'the trace is saved under the workspace storage');
    assert.equal(a.panelOpen(), true, 'the diagram panel opened');
    const s = await summaryWith(a, info.events);
    assert.equal(s.events, info.events, 'the webview got every event exactly once');
    const names = s.tasks.map((t) => t.name);
    assert.ok(names.includes('consumer'), `lanes: ${names}`);
    assert.ok(
      names.some((n) => /produce|main/.test(n)),
      `a producer/main lane: ${names}`,
    );
    assert.ok(s.switches >= 10, `switches: ${s.switches}`);
    for (const v of ['1', '2', '3', '4', '5'])
      assert.ok(
        s.labels.some((l) => new RegExp(`\\b${v}\\b`).test(l)),
        `an arrow carries ${v}: ${s.labels.join(' | ')}`,
      );
    assert.ok(
      s.labels.some((l) => l.includes("'200 OK'")),
      `an arrow carries '200 OK': ${s.labels.join(' | ')}`,
    );
  });

  it('Stop ends a never-ending script and every process it started; closing the panel did not', async () => {
    const a = await api();
    const pidFile = path.join(ws, 'fixtures', 'run', 'forever.pids');
    fs.rmSync(pidFile, { force: true });
    await runFile(fixture('run', 'forever.py'));
    await until(() => fs.existsSync(pidFile) && (a.lastSession()?.events ?? 0) > 50, 'the script started its child and sent events');
    const pids = fs.readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    for (const p of pids) assert.ok(alive(p), `process ${p} runs`);
    a.closePanel();
    // The close is handled (the panel's onClosed ran), then the run goes on producing events: it was not stopped.
    await until(() => !a.panelOpen(), 'the panel closed');
    const atClose = a.lastSession()!.events;
    await until(() => a.lastSession()!.events >= atClose + 200, 'events keep coming after the panel closed');
    assert.equal(a.lastSession()?.state, 'running', 'closing the diagram does not stop the run by default');
    // Reopened mid-run: the page gets the file so far, then the live batches, with no gap and no duplicate.
    await vscode.commands.executeCommand('coroscope.showDiagram');
    const atReopen = a.lastSession()!.events;
    await until(() => a.lastSession()!.events >= atReopen + 200, 'live events after the reopen');
    const mid = await summaryWith(a, atReopen + 1);
    assert.ok(mid.events > atReopen, 'live events keep arriving after the replay');
    await vscode.commands.executeCommand('coroscope.stop');
    const info = await a.waitForSessionEnd();
    assert.equal(info?.state, 'stopped');
    for (const p of [...pids, ...(info?.pids ?? [])]) assert.throws(() => process.kill(p, 0), `process ${p} is gone after Stop`);
    assert.ok((info?.events ?? 0) > 50, 'the events so far are kept');
    const s = await summaryWith(a, info!.events);
    assert.equal(s.events, info!.events, 'replay + live batches = every event exactly once');
  });

  it('a syntax error: a clear message, and the trace is kept', async () => {
    const a = await api();
    await runFile(fixture('run', 'syntax_error.py'));
    const info = await a.waitForSessionEnd();
    assert.equal(info?.exitCode, 1);
    assert.match(info!.message, /SyntaxError/);
    assert.ok(fs.existsSync(info!.traceFile));
    const first = JSON.parse(fs.readFileSync(info!.traceFile, 'utf8').split('\n')[0]);
    assert.equal(first.type, 'header');
  });

  it('refuses a file that is not Python, and an untitled one, without starting anything', async () => {
    const a = await api();
    const before = a.lastSession()?.id;
    const txt = path.join(os.tmpdir(), `coroscope-not-python-${process.pid}.txt`);
    fs.writeFileSync(txt, 'print(1)\n');
    assert.equal(await runFile(vscode.Uri.file(txt)), undefined);
    const untitled = await vscode.workspace.openTextDocument({ language: 'python', content: 'print(1)\n' });
    await vscode.window.showTextDocument(untitled);
    assert.equal(await vscode.commands.executeCommand('coroscope.run'), undefined);
    assert.equal(a.lastSession()?.id, before, 'no run started');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('saves unsaved changes before running', async () => {
    const a = await api();
    const file = path.join(ws, 'fixtures', 'run', 'edited.py');
    fs.writeFileSync(file, "print('before')\n");
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.replace(new vscode.Range(0, 0, 1, 0), "def g():\n    yield 'after edit'\n\nprint(next(g()))\n"));
    assert.equal(doc.isDirty, true);
    // (as the editor title's Run button does, with the file's URI: under load 30 the palette's active editor was
    // once still the previous test's closed untitled one when the command read it, and nothing ran)
    await vscode.commands.executeCommand('coroscope.run', doc.uri);
    const info = await a.waitForSessionEnd();
    assert.equal(doc.isDirty, false, `saved before the run (the run: ${info?.script})`);
    assert.match(fs.readFileSync(file, 'utf8'), /after edit/);
    assert.equal(info?.exitCode, 0, info?.message);
    const lines = fs.readFileSync(info!.traceFile, 'utf8');
    assert.match(lines, /after edit/, 'the saved version ran');
  });

  it('Open Trace… shows a saved trace; Export Trace… writes JSON Lines, Perfetto and Mermaid', async () => {
    const a = await api();
    const trace = fixture('traces', 'run-producer-consumer.jsonl');
    await vscode.commands.executeCommand('coroscope.openTrace', trace);
    assert.equal(a.panelTrace()?.file, trace.fsPath);
    const events = fs.readFileSync(trace.fsPath, 'utf8').split('\n').filter(Boolean).length - 1;
    const s = await summaryWith(a, events);
    assert.equal(s.events, events);
    assert.ok(s.tasks.some((t) => t.name === 'consumer'));

    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'coroscope-export-'));
    await vscode.commands.executeCommand('coroscope.exportTrace', 'jsonl', vscode.Uri.file(path.join(out, 't.jsonl')));
    assert.equal(fs.readFileSync(path.join(out, 't.jsonl'), 'utf8'), fs.readFileSync(trace.fsPath, 'utf8'));
    await vscode.commands.executeCommand('coroscope.exportTrace', 'perfetto', vscode.Uri.file(path.join(out, 't.json')));
    const perfetto = JSON.parse(fs.readFileSync(path.join(out, 't.json'), 'utf8')) as { traceEvents: unknown[] };
    assert.ok(Array.isArray(perfetto.traceEvents) && perfetto.traceEvents.length > 0);
    await vscode.commands.executeCommand('coroscope.exportTrace', 'mermaid', vscode.Uri.file(path.join(out, 't.mmd')));
    const mmd = fs.readFileSync(path.join(out, 't.mmd'), 'utf8');
    assert.match(mmd, /^sequenceDiagram/m);
    assert.match(mmd, /consumer/);
  });

  it('refuses a file that is not a trace with a reason, and keeps the panel as it was', async () => {
    const a = await api();
    const before = a.panelTrace()?.file;
    const bad = path.join(os.tmpdir(), `coroscope-bad-${process.pid}.jsonl`);
    fs.writeFileSync(bad, 'this is not json\n');
    await vscode.commands.executeCommand('coroscope.openTrace', vscode.Uri.file(bad));
    assert.equal(a.panelTrace()?.file, before);
  });
  it("the program's input() gets what is typed in its terminal", async () => {
    const a = await api();
    await runFile(fixture('run', 'ask_name.py'));
    const term = vscode.window.terminals.find((t) => t.name === 'Coroscope: ask_name.py');
    assert.ok(term, `a terminal for the run (terminals: ${vscode.window.terminals.map((t) => t.name)})`);
    await until(() => (a.lastSession()?.events ?? 0) > 0, 'the script started');
    term.sendText('Ada', true);
    const info = await a.waitForSessionEnd();
    assert.equal(info?.exitCode, 0, info?.message);
    assert.match(fs.readFileSync(info!.traceFile, 'utf8'), /hello, Ada/, 'the program printed the typed name');
  });

  it('Ctrl+C in the terminal interrupts the program and its children', async () => {
    const a = await api();
    const pidFile = path.join(ws, 'fixtures', 'run', 'forever.pids');
    fs.rmSync(pidFile, { force: true });
    await runFile(fixture('run', 'forever.py'));
    await until(() => fs.existsSync(pidFile), 'the script started its child');
    const pids = fs.readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    // This run's terminal: an earlier run's of the same script may still be listed, already disposed.
    const term = vscode.window.terminals.filter((t) => t.name === 'Coroscope: forever.py').pop();
    assert.ok(term);
    term.sendText('\x03', false);
    const info = await a.waitForSessionEnd();
    assert.notEqual(info?.state, 'running');
    assert.notEqual(info?.exitCode, 0);
    await until(() => !pids.some(alive), `every process was interrupted (${pids.filter(alive)} still alive)`);
  });

  it('a loop-blocked mark from the runtime is reported with its place in the trace', async () => {
    const a = await api();
    await runFile(fixture('run', 'blocks_loop.py'));
    const info = await a.waitForSessionEnd();
    assert.equal(info?.exitCode, 0, info?.message);
    const mark = info!.marks.find((m) => m.kind === 'loop-blocked');
    assert.ok(mark, `marks: ${JSON.stringify(info!.marks)}`);
    assert.match(mark.message, /rude/);
    assert.equal(mark.line, 13);
    // "Show in Diagram" runs this: the panel opens at that event.
    await vscode.commands.executeCommand('coroscope.revealEvent', { index: mark.index });
    assert.equal(a.panelOpen(), true);
  });

  it('child processes connect too: multiprocessing_queue.py shows every process in one trace', async () => {
    const a = await api();
    await runFile(example('multiprocessing_queue.py'));
    const info = await a.waitForSessionEnd();
    assert.equal(info?.exitCode, 0, info?.message);
    assert.ok(info!.pids.length >= 2, `processes that connected: ${info!.pids}`);
    const s = await summaryWith(a, info!.events);
    assert.equal(s.events, info!.events);
    assert.ok(s.tasks.filter((t) => t.kind === 'process').length >= 2, `process lanes: ${JSON.stringify(s.tasks)}`);
  });

  it('a second Run while one is running: restart stops the first (setting), refuse keeps it', async () => {
    const a = await api();
    const conf = vscode.workspace.getConfiguration('coroscope');
    const pidFile = path.join(ws, 'fixtures', 'run', 'forever.pids');
    try {
      await conf.update('onRunWhileRunning', 'restart', vscode.ConfigurationTarget.Workspace);
      fs.rmSync(pidFile, { force: true });
      await runFile(fixture('run', 'forever.py'));
      await until(() => fs.existsSync(pidFile), 'the first run started its child');
      const first = a.lastSession()!;
      const firstPids = fs.readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
      await runFile(example('producer_consumer.py'));
      for (const p of firstPids) assert.equal(alive(p), false, `first run's process ${p} was stopped`);
      assert.notEqual(a.lastSession()?.id, first.id);
      await a.waitForSessionEnd();

      await conf.update('onRunWhileRunning', 'refuse', vscode.ConfigurationTarget.Workspace);
      await runFile(fixture('run', 'forever.py'));
      const running = a.lastSession()!;
      assert.equal(await runFile(example('producer_consumer.py')), undefined);
      assert.equal(a.lastSession()?.id, running.id);
      assert.equal(a.lastSession()?.state, 'running');
    } finally {
      await conf.update('onRunWhileRunning', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
  it('a click on an event (reveal) opens its file at its line; malformed messages are ignored', async () => {
    const a = await api();
    const file = fixture('run', 'crash.py').fsPath;
    await a.panelMessage({ type: 'reveal', file, line: 7, index: 0 });
    const ed = vscode.window.activeTextEditor;
    assert.equal(ed?.document.uri.fsPath, file);
    assert.equal(ed?.selection.active.line, 6, 'line 7 (1-based) is selected');
    await a.panelMessage({ type: 'reveal', file: 42, line: 'x' });
    await a.panelMessage({ type: '<script>' });
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, file, 'nothing else happened');
  });
  it('passes the arguments from coroscope.args to the script', async () => {
    const a = await api();
    const conf = vscode.workspace.getConfiguration('coroscope');
    try {
      await conf.update('args', ['two words', '--flag'], vscode.ConfigurationTarget.Workspace);
      await runFile(fixture('run', 'echo_args.py'));
      const info = await a.waitForSessionEnd();
      assert.equal(info?.exitCode, 0, info?.message);
      assert.deepEqual(info?.args, ['two words', '--flag']);
      assert.match(fs.readFileSync(info!.traceFile, 'utf8'), /args: \['two words', '--flag'\]/);
    } finally {
      await conf.update('args', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
