// Run Current File: checks what the user asked to run (saved, on disk, Python, trusted workspace, another run going),
// finds the Python and the arguments, then starts a RunSession that feeds the terminal, the panel and the lens.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiagramPanel } from '../panel';
import { pruneTraces, traceFileName } from '../../session/trace-file';
import { argsFor } from './args';
import { findPython } from './python';
import { RunSession, type SessionInfo } from './session';
import type { RunState } from './state';
import type { StatsPublisher } from './stats-publisher';
import { captureLocals } from '../replay/locals-setting';

/** Trace files kept per workspace (the oldest are removed before a run). */
const KEEP_TRACES = 30;

export interface RunCommandDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  panel: DiagramPanel;
  status: vscode.StatusBarItem;
  state: RunState;
  stats: StatsPublisher;
}

/** From the editor title/context menu (URI), the explorer (URI) or the palette (active editor). */
export function runCommand(d: RunCommandDeps): (arg?: unknown) => Promise<SessionInfo | undefined> {
  const { context, log, panel, status, state, stats } = d;
  return async (arg) => {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      void vscode.window.showWarningMessage('Coroscope: open a Python file to run it.');
      return undefined;
    }
    if (!(await runnable(uri))) return undefined;
    const cfg = vscode.workspace.getConfiguration('coroscope', uri);

    const current = state.current;
    if (current?.running) {
      const mode = cfg.get<string>('onRunWhileRunning') ?? 'ask';
      if (mode === 'refuse') {
        void vscode.window.showInformationMessage(`Coroscope: ${current.name} is still running. Stop it first.`);
        return undefined;
      }
      if (mode === 'ask') {
        const a = await vscode.window.showWarningMessage(`${current.name} is still running.`, { modal: true }, 'Stop and Restart');
        if (a !== 'Stop and Restart') return undefined;
      }
      await state.stop();
    }

    const python = await findPython(uri, log);
    if (!python) return undefined;
    const args = await argsFor(context, uri);
    if (args === undefined) return undefined;
    const storage = (context.storageUri ?? context.globalStorageUri).fsPath;
    const traceDir = path.join(storage, 'traces');
    fs.mkdirSync(traceDir, { recursive: true });
    pruneTraces(traceDir, KEEP_TRACES - 1);
    const traceFile = traceFileName(traceDir, uri.fsPath);

    state.current?.dispose(); // the previous (finished) run's terminal and leftovers
    const session = new RunSession(
      {
        python: python.command,
        runtimeDir: path.join(context.extensionUri.fsPath, 'runtime'),
        script: uri.fsPath,
        args,
        cwd: path.dirname(uri.fsPath),
        blockingMs: cfg.get<number>('blockingThresholdMs') ?? 100,
        locals: captureLocals(),
        traceFile,
        // The host keeps no rows of the run (the stats builder and the panel's paging index read each batch first):
        // a run of any length costs the extension host the same memory. The webview holds the rows it shows.
        releaseRows: true,
      },
      {
        log,
        panel,
        status,
        onChange: (s) => {
          if (s !== state.current) return;
          state.setRunning(s.running);
          if (!s.running) stats.publish(s.core.store, s.id, false);
        },
        onBatch: (s) => stats.publishLive(s.core.store, s.id),
      },
    );
    state.current = session;
    // No store: the session's lets its rows go, so an export reads the trace file (as for an opened trace).
    state.exportSource = { file: traceFile, title: session.name, live: () => session.running };
    state.setRunning(true);
    await session.start();
    return session.info();
  };
}

/** Whether `uri` is a saved Python file on disk in a trusted workspace; says why not when it is not. */
async function runnable(uri: vscode.Uri): Promise<boolean> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (uri.scheme === 'untitled' || doc?.isUntitled) {
    // Never await a notification in the command's path: it stays until the user answers.
    void vscode.window.showWarningMessage('Coroscope runs a script from disk: save this file first.', 'Save As…').then((a) => {
      if (a === 'Save As…') void vscode.commands.executeCommand('workbench.action.files.saveAs');
    });
    return false;
  }
  if (uri.scheme !== 'file') {
    void vscode.window.showWarningMessage(`Coroscope can only run files on this machine's disk (this one is ${uri.scheme}:).`);
    return false;
  }
  const isPython = doc ? doc.languageId === 'python' : /\.pyw?$/i.test(uri.fsPath);
  if (!isPython) {
    void vscode.window.showWarningMessage(`Coroscope runs Python scripts; ${path.basename(uri.fsPath)} is not a Python file.`);
    return false;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window
      .showWarningMessage(
        'Coroscope: running a script executes code from this workspace, so it is disabled until you trust the workspace. Opening saved traces still works.',
        'Manage Workspace Trust',
      )
      .then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.trust.manage');
      });
    return false;
  }
  if (doc?.isDirty && !(await doc.save())) {
    void vscode.window.showWarningMessage(`Coroscope: ${path.basename(uri.fsPath)} could not be saved; not running it.`);
    return false;
  }
  if (!fs.existsSync(uri.fsPath)) {
    void vscode.window.showWarningMessage(`Coroscope: ${uri.fsPath} does not exist.`);
    return false;
  }
  return true;
}
