// The run feature: commands Run / Stop / Show Diagram / Open Trace / Export
// Trace / Reveal Event, the current RunSession, the diagram panel and the
// status bar. Extension-life disposables go to the returned Disposable (pushed
// on context.subscriptions by activate()); session-life ones live in the session.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PythonExtension, PVSC_EXTENSION_ID } from '@vscode/python-extension';
import type { CoroscopeBus } from '../bus';
import { DiagramPanel, savedTrace, type PanelTrace } from '../panel';
import type { DiagramSummary, HostMessage } from '../../protocol/messages';
import { SCHEMA_VERSION } from '../../protocol/events';
import { TraceStore } from '../../trace/store';
import { discoverPython, probePython, type PythonFound } from '../../session/python';
import { RunSession, type SessionInfo } from './session';
import { loadStore, pruneTraces, traceFileName } from '../../session/trace-file';
import { exportFormats, exportTrace, type ExportFormat } from './export';
import { StatsBuilder } from '../../trace/stats';

/** Test/automation surface of the run feature (returned from activate()). */
export interface RunApi {
  readonly version: string;
  /** The current or last run, or undefined if none ran in this window. */
  lastSession(): SessionInfo | undefined;
  /** Resolves when the current run (if any) has ended, with its final info. */
  waitForSessionEnd(): Promise<SessionInfo | undefined>;
  /** What the diagram panel holds, from the webview itself (undefined without a panel, or if it does not answer within `timeoutMs`). */
  panelSummary(timeoutMs?: number): Promise<DiagramSummary | undefined>;
  /** How many times the webview has (re)loaded and been replayed the trace. */
  panelLoads(): number;
  /** The trace the panel shows (live run or opened file). */
  panelTrace(): { file: string; title: string; live: boolean } | undefined;
  /** Is the diagram panel open? */
  panelOpen(): boolean;
  /** Closes the diagram panel as the user would (tests: closing it must not stop the run). */
  closePanel(): void;
  /** Handles `m` exactly as if the diagram webview had posted it (validation included). */
  panelMessage(m: unknown): Promise<void>;
  /** Posts `m` to the diagram webview, as the host does (tests move the step cursor with `focus`). */
  panelPost(m: HostMessage): void;
  /** What the step cursor's editor decorations show now: per file, the running lines and the paused lines' notes. */
  stepDecorations(): { file: string; running: number[]; paused: [number, string][] }[];
}

const KEEP_TRACES = 30;

export function register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, bus: CoroscopeBus): vscode.Disposable & { api: RunApi } {
  const subs: vscode.Disposable[] = [];
  let current: RunSession | undefined;
  /** The trace Export uses: the last run's, or the last opened one. */
  let exportSource: { file: string; store?: TraceStore; title: string; live: () => boolean } | undefined;

  const setRunning = (on: boolean) => void vscode.commands.executeCommand('setContext', 'coroscope.running', on);
  const status = vscode.window.createStatusBarItem('coroscope.status', vscode.StatusBarAlignment.Left, 50);
  status.name = 'Coroscope';
  subs.push(status);

  const panel = new DiagramPanel(context, log, {
    onStop: () => { void stopRun(); },
    onClosed: () => {
      if (current?.running && vscode.workspace.getConfiguration('coroscope').get<boolean>('stopRunWhenPanelCloses')) {
        log.info('diagram closed: stopping the run (coroscope.stopRunWhenPanelCloses)');
        void stopRun();
      }
    },
  });
  subs.push(panel);

  const cfg = (uri?: vscode.Uri) => vscode.workspace.getConfiguration('coroscope', uri);

  async function findPython(resource: vscode.Uri): Promise<PythonFound | undefined> {
    const setting = (cfg(resource).get<string>('pythonPath') ?? '').trim();
    const r = await discoverPython({
      setting: setting ? expandHome(setting) : '',
      selected: () => selectedInterpreter(resource, log),
      probe: (c) => probePython(c),
    });
    if (r.ok) { log.info(`python: ${r.command} ${r.version.join('.')} (from ${r.source})`); return r; }
    log.error(r.message);
    void vscode.window.showErrorMessage(`Coroscope: ${r.message}`, 'Open Settings').then((choice) => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'coroscope.pythonPath');
    });
    return undefined;
  }

  async function argsFor(uri: vscode.Uri): Promise<string[] | undefined> {
    const fromSetting = cfg(uri).get<string[]>('args') ?? [];
    if (!cfg(uri).get<boolean>('askForArgs')) return fromSetting.map(String);
    const key = `coroscope.args:${uri.toString()}`;
    const last = context.workspaceState.get<string>(key) ?? fromSetting.map(quoteForPrompt).join(' ');
    const text = await vscode.window.showInputBox({
      title: `Arguments for ${path.basename(uri.fsPath)}`,
      prompt: 'Separated by spaces; quote an argument that contains spaces.',
      value: last,
      ignoreFocusOut: true,
    });
    if (text === undefined) return undefined;
    await context.workspaceState.update(key, text);
    return splitArgs(text);
  }

  /** Run Current File: from the editor title/context menu (URI), the explorer (URI) or the palette (active editor). */
  async function run(arg?: unknown): Promise<SessionInfo | undefined> {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) { void vscode.window.showWarningMessage('Coroscope: open a Python file to run it.'); return undefined; }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (uri.scheme === 'untitled' || doc?.isUntitled) {
      // Never await a notification in the command's path: it stays until the user answers.
      void vscode.window.showWarningMessage('Coroscope runs a script from disk: save this file first.', 'Save As…').then((a) => {
        if (a === 'Save As…') void vscode.commands.executeCommand('workbench.action.files.saveAs');
      });
      return undefined;
    }
    if (uri.scheme !== 'file') { void vscode.window.showWarningMessage(`Coroscope can only run files on this machine's disk (this one is ${uri.scheme}:).`); return undefined; }
    const isPython = doc ? doc.languageId === 'python' : /\.pyw?$/i.test(uri.fsPath);
    if (!isPython) { void vscode.window.showWarningMessage(`Coroscope runs Python scripts; ${path.basename(uri.fsPath)} is not a Python file.`); return undefined; }
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Coroscope: running a script executes code from this workspace, so it is disabled until you trust the workspace. Opening saved traces still works.', 'Manage Workspace Trust').then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return undefined;
    }
    if (doc?.isDirty && !(await doc.save())) { void vscode.window.showWarningMessage(`Coroscope: ${path.basename(uri.fsPath)} could not be saved; not running it.`); return undefined; }
    if (!fs.existsSync(uri.fsPath)) { void vscode.window.showWarningMessage(`Coroscope: ${uri.fsPath} does not exist.`); return undefined; }

    if (current?.running) {
      const mode = cfg(uri).get<string>('onRunWhileRunning') ?? 'ask';
      if (mode === 'refuse') { void vscode.window.showInformationMessage(`Coroscope: ${current.name} is still running. Stop it first.`); return undefined; }
      if (mode === 'ask') {
        const a = await vscode.window.showWarningMessage(`${current.name} is still running.`, { modal: true }, 'Stop and Restart');
        if (a !== 'Stop and Restart') return undefined;
      }
      await stopRun();
    }

    const python = await findPython(uri);
    if (!python) return undefined;
    const args = await argsFor(uri);
    if (args === undefined) return undefined;
    const storage = (context.storageUri ?? context.globalStorageUri).fsPath;
    const traceDir = path.join(storage, 'traces');
    fs.mkdirSync(traceDir, { recursive: true });
    pruneTraces(traceDir, KEEP_TRACES - 1);
    const traceFile = traceFileName(traceDir, uri.fsPath);

    current?.dispose(); // the previous (finished) run's terminal and leftovers
    const session = new RunSession({
      python: python.command,
      runtimeDir: path.join(context.extensionUri.fsPath, 'runtime'),
      script: uri.fsPath,
      args,
      cwd: path.dirname(uri.fsPath),
      blockingMs: cfg(uri).get<number>('blockingThresholdMs') ?? 100,
      traceFile,
    }, {
      log, panel, status,
      onChange: (s) => {
        if (s !== current) return;
        setRunning(s.running);
        if (!s.running) stats.publish(s.core.store, s.id, false);
      },
      onBatch: (s) => stats.publishLive(s.core.store, s.id),
    });
    current = session;
    exportSource = { file: traceFile, store: session.core.store, title: session.name, live: () => session.running };
    setRunning(true);
    await session.start();
    return session.info();
  }

  async function stopRun(): Promise<void> {
    const s = current;
    if (!s?.running) return;
    vscode.window.setStatusBarMessage(`Coroscope: stopping ${s.name}…`, 3000);
    await s.stop();
  }

  async function openTrace(arg?: unknown): Promise<void> {
    let uri = arg instanceof vscode.Uri ? arg : undefined;
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false, openLabel: 'Open Trace',
        filters: { 'Coroscope trace (JSON Lines)': ['jsonl'], 'All files': ['*'] },
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      uri = picked?.[0];
    }
    if (!uri) return;
    const file = uri.fsPath;
    const problem = checkTraceHeader(file);
    if (problem) { void vscode.window.showErrorMessage(`Coroscope: cannot open ${path.basename(file)}: ${problem}`); return; }
    log.info(`open trace ${file}`);
    exportSource = { file, title: path.basename(file), live: () => false };
    panel.setTrace(savedTrace(file));
    panel.setStatus(panel.current!, 'loaded');
    panel.show(false);
    // The lens gets this trace's stats too, without blocking on a big file.
    const store = await loadStore(file);
    if (exportSource.file === file) exportSource.store = store;
    stats.publish(store, `file:${file}`, false);
  }

  async function doExport(formatArg?: unknown, targetArg?: unknown): Promise<void> {
    const src = exportSource;
    if (!src) { void vscode.window.showInformationMessage('Coroscope: nothing to export yet. Run a script or open a trace first.'); return; }
    let format = typeof formatArg === 'string' && exportFormats.some((f) => f.id === formatArg) ? formatArg as ExportFormat : undefined;
    if (!format) {
      const pick = await vscode.window.showQuickPick(exportFormats.map((f) => ({ label: f.label, description: f.description, id: f.id })), { title: `Export ${src.title}` });
      if (!pick) return;
      format = pick.id;
    }
    const fmt = exportFormats.find((f) => f.id === format)!;
    let target = targetArg instanceof vscode.Uri ? targetArg : undefined;
    if (!target) {
      const base = path.basename(src.file).replace(/\.jsonl$/, '');
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      target = await vscode.window.showSaveDialog({
        defaultUri: folder ? vscode.Uri.joinPath(folder, base + fmt.ext) : undefined,
        filters: { [fmt.label]: [fmt.ext.slice(1)] }, saveLabel: 'Export',
      });
    }
    if (!target) return;
    if (src.live()) void vscode.window.showInformationMessage('Coroscope: the script is still running; exporting the events so far.');
    try {
      const store = format === 'jsonl' ? undefined : src.store ?? (src.store = await loadStore(src.file));
      const note = await exportTrace(format, src.file, store, target.fsPath);
      log.info(`exported ${fmt.label} to ${target.fsPath}${note ? ` (${note})` : ''}`);
      const t = target;
      void vscode.window.showInformationMessage(`Coroscope: exported ${fmt.label} to ${path.basename(t.fsPath)}${note ? ` — ${note}` : ''}.`, 'Open').then((a) => {
        if (a === 'Open') void vscode.commands.executeCommand('vscode.open', t);
      });
    } catch (e) {
      log.error(`export failed: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Coroscope: export failed: ${(e as Error).message}`);
    }
  }

  function showDiagram(): void {
    if (!panel.current) {
      const last = context.workspaceState.get<string>('coroscope.lastTrace');
      if (last && fs.existsSync(last)) panel.setTrace(savedTrace(last));
    }
    panel.show(false);
  }

  function revealEvent(arg?: unknown): void {
    const index = typeof arg === 'object' && arg !== null ? (arg as { index?: unknown }).index : arg;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) { showDiagram(); return; }
    if (!panel.current) showDiagram();
    panel.focus(index);
  }

  const stats = new StatsPublisher(bus, log);
  subs.push(stats);

  subs.push(
    vscode.commands.registerCommand('coroscope.run', (a?: unknown) => run(a)),
    vscode.commands.registerCommand('coroscope.showDiagram', showDiagram),
    vscode.commands.registerCommand('coroscope.stop', stopRun),
    vscode.commands.registerCommand('coroscope.openTrace', openTrace),
    vscode.commands.registerCommand('coroscope.exportTrace', doExport),
    vscode.commands.registerCommand('coroscope.revealEvent', revealEvent),
    vscode.workspace.onDidGrantWorkspaceTrust(() => log.info('workspace trusted: Run is available')),
    // Closing VS Code (or disabling the extension) ends the run and its whole process group.
    { dispose: () => { current?.dispose(); current = undefined; } },
  );
  setRunning(false);

  const api: RunApi = {
    version: String(context.extension.packageJSON.version),
    lastSession: () => current?.info(),
    waitForSessionEnd: async () => {
      const s = current;
      if (!s) return undefined;
      await s.core.done;
      // Let the session's own end handling (status, panel) run first.
      await new Promise((r) => setTimeout(r, 0));
      return s.info();
    },
    panelSummary: (timeoutMs?: number) => panel.query(timeoutMs),
    panelLoads: () => panel.loads,
    panelTrace: () => { const t: PanelTrace | undefined = panel.current; return t ? { file: t.file, title: t.title, live: t.live } : undefined; },
    panelOpen: () => panel.isOpen,
    closePanel: () => panel.closePanel(),
    panelMessage: (m: unknown) => panel.receive(m),
    panelPost: (m: HostMessage) => panel.send(m),
    stepDecorations: () => [...panel.decorations.shown].map(([file, d]) => ({ file, running: d.running, paused: [...d.paused] })),
  };
  return Object.assign(vscode.Disposable.from(...subs.reverse()), { api });
}

/** The interpreter selected in the Python extension for this file, when that extension is installed. */
async function selectedInterpreter(resource: vscode.Uri, log: vscode.LogOutputChannel): Promise<string | undefined> {
  if (!vscode.extensions.getExtension(PVSC_EXTENSION_ID)) return undefined;
  try {
    const api = await PythonExtension.api();
    const envPath = api.environments.getActiveEnvironmentPath(resource);
    const env = await api.environments.resolveEnvironment(envPath);
    return env?.executable.uri?.fsPath ?? envPath.path;
  } catch (e) {
    log.warn(`the Python extension did not tell its interpreter: ${(e as Error).message}`);
    return undefined;
  }
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? path.join(process.env.HOME ?? process.env.USERPROFILE ?? '~', p.slice(2)) : p;
}

/** A first-line check with a clear message, before the panel is touched. */
export function checkTraceHeader(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    if (n === 0) return 'the file is empty.';
    const text = buf.subarray(0, n).toString('utf8');
    const nl = text.indexOf('\n');
    const first = (nl < 0 ? text : text.slice(0, nl)).trim();
    let h: unknown;
    try { h = JSON.parse(first); } catch { return 'it is not a Coroscope trace (the first line is not JSON).'; }
    const o = h as { type?: unknown; schema?: unknown };
    if (typeof h !== 'object' || h === null || o.type !== 'header') return 'it is not a Coroscope trace (the first line is not a "header").';
    if (o.schema !== SCHEMA_VERSION) return `it is a trace of schema version ${String(o.schema)}; this Coroscope reads version ${SCHEMA_VERSION}.`;
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Splits a prompt answer into arguments: spaces separate, quotes group, backslash escapes. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let q: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (q) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") { q = c; has = true; }
    else if (c === '\\' && i + 1 < text.length) { cur += text[++i]; has = true; }
    else if (/\s/.test(c)) { if (has) { out.push(cur); cur = ''; has = false; } }
    else { cur += c; has = true; }
  }
  if (has) out.push(cur);
  return out;
}

function quoteForPrompt(a: string): string { return /[\s"'\\]/.test(a) || a === '' ? `"${a.replace(/["\\]/g, '\\$&')}"` : a; }

/**
 * Per-line stats for the lens: at the end of a run, and while live about once
 * a second whatever the trace's size. A StatsBuilder consumes each batch's new
 * events as it arrives (~0.1 µs/event, see bench:stats), so no slice of the
 * host's thread pays for more than its own batch; the timer only snapshots
 * (per yield point and lane, not per event). The interval stretches so
 * snapshots never take over 2% of it.
 */
class StatsPublisher implements vscode.Disposable {
  private lastLive = 0;
  private lastMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private builder = new StatsBuilder();
  constructor(private readonly bus: CoroscopeBus, private readonly log: vscode.LogOutputChannel) {}

  publishLive(store: TraceStore, runId: string): void {
    try { this.builder.update(store); } catch (e) { this.failed(e); return; }
    if (this.timer) return;
    const wait = Math.max(0, this.lastLive + Math.max(LIVE_STATS_INTERVAL_MS, this.lastMs * 50) - Date.now());
    this.timer = setTimeout(() => { this.timer = undefined; this.lastLive = Date.now(); this.publish(store, runId, true); }, wait);
  }

  publish(store: TraceStore, runId: string, live: boolean): void {
    if (!live && this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    try {
      const t0 = Date.now();
      const s = this.builder.update(store).snapshot(runId, live);
      this.lastMs = Date.now() - t0;
      // A finished run's stats are final: let go of its store and accumulators.
      if (!live) this.builder = new StatsBuilder();
      this.bus.publishStats(s);
    } catch (e) {
      this.failed(e);
    }
  }

  /** A builder that threw part-way may hold half an event: start over from the store's first event next time. */
  private failed(e: unknown): void {
    this.builder = new StatsBuilder();
    this.log.warn(`could not compute per-line stats: ${(e as Error).message}`);
  }

  dispose(): void { if (this.timer) clearTimeout(this.timer); }
}

const LIVE_STATS_INTERVAL_MS = 1000;
