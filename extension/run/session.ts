// RunSession: one run as the user sees it in VS Code — the program in a
// terminal, the diagram growing in the panel, progress in the status bar,
// runtime warnings as notifications. The process/socket/store work is
// RunCore's (core.ts); this class owns the session-life disposables.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { RunCore, type Batch, type RunResult, type RunSpec } from '../../session/core';
import { RunTerminal } from './terminal';
import type { DiagramPanel, PanelTrace } from '../panel';
import type { RunState } from '../../protocol/messages';
import { PageIndex } from '../../trace/page-index';

/** Session-life disposables: released together when the run ends or is replaced. */
export class DisposableStore implements vscode.Disposable {
  private items: vscode.Disposable[] = [];
  private disposed = false;
  add<T extends vscode.Disposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.items.push(d);
    return d;
  }
  dispose(): void {
    this.disposed = true;
    const items = this.items.reverse();
    this.items = [];
    for (const d of items) {
      try {
        d.dispose();
      } catch {
        /* keep disposing the rest */
      }
    }
  }
}

export interface MarkInfo {
  index: number;
  kind: string;
  message: string;
  file?: string;
  line?: number;
}

/** What the integration tests (and the status bar) read about a run. */
export interface SessionInfo {
  id: string;
  script: string;
  args: string[];
  python: string;
  state: RunState | 'starting' | 'running';
  exitCode: number | null;
  signal: string | null;
  message: string;
  events: number;
  tasks: string[];
  traceFile: string;
  /** The script's process (leader of its process group on POSIX). */
  pid: number | undefined;
  /** Every process that connected to the event socket (script and children). */
  pids: number[];
  marks: MarkInfo[];
  /** Malformed lines in the stream. */
  problems: number;
}

export interface SessionDeps {
  log: vscode.LogOutputChannel;
  panel: DiagramPanel;
  status: vscode.StatusBarItem;
  /** Called on every state change (context key, stats). */
  onChange(s: RunSession): void;
  /** Called for each decoded batch (stats while live). */
  onBatch?(s: RunSession): void;
}

/** Runtime marks the user is warned about (the others go to the log). */
const WARN_KINDS = new Set(['loop-blocked', 'events-dropped', 'runtime-error', 'truncated']);

export class RunSession implements vscode.Disposable {
  readonly id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  readonly core: RunCore;
  readonly trace: PanelTrace;
  readonly terminal: RunTerminal;
  readonly marks: MarkInfo[] = [];
  /** The panel's paging index of this run (the store keeps no rows: `releaseRows`). */
  readonly pages = new PageIndex();
  private readonly scope = new DisposableStore();
  private readonly warned = new Map<string, number>();
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly spec: RunSpec,
    private readonly deps: SessionDeps,
  ) {
    const name = path.basename(spec.script);
    this.core = new RunCore(spec, {
      onStdout: (t) => this.terminal.output(t),
      onStderr: (t) => this.terminal.output(t),
      onBatch: (b) => this.onBatch(b),
      onMark: (i) => this.onMark(i),
      onStateChange: () => this.deps.onChange(this),
      onSignal: (sig) => this.deps.log.info(`stop ${name}: ${sig} to process group ${this.core.pid}`),
      onLeftover: (pgid) =>
        this.deps.log.warn(`${name} exited but processes of its group ${pgid} still run; Coroscope ends them when the next run starts or VS Code closes`),
    });
    const core = this.core;
    this.trace = {
      title: name,
      live: true,
      file: spec.traceFile,
      cwd: spec.cwd,
      bytes: () => core.trace.enqueued,
      written: () => core.trace.written(),
      pages: this.pages,
    };
    this.terminal = new RunTerminal(`Coroscope: ${name}`, {
      input: (t) => core.write(t),
      endInput: () => core.endInput(),
      interrupt: () => core.interrupt(),
      closed: () => {
        if (core.isRunning) void this.stop();
      },
    });
  }

  get name(): string {
    return path.basename(this.spec.script);
  }
  get running(): boolean {
    return this.core.isRunning;
  }

  async start(): Promise<void> {
    const { log, panel } = this.deps;
    const argText = [this.spec.script, ...this.spec.args].map(quoteArg).join(' ');
    log.info(`run ${argText} with ${this.spec.python} in ${this.spec.cwd}; trace ${this.spec.traceFile}`);
    this.terminal.note(`Coroscope: ${this.spec.python} -m coroscope ${argText}`);
    this.terminal.show(true);
    panel.setTrace(this.trace);
    panel.show(true);
    panel.setStatus(this.trace, 'running');
    this.updateStatus();
    this.statusTimer = setInterval(() => this.updateStatus(), 500);
    this.scope.add({ dispose: () => clearInterval(this.statusTimer) });
    await this.core.start();
    void this.core.done.then((r) => this.ended(r));
  }

  private onBatch(b: Batch): void {
    // Before the store lets the batch's rows go (RunCore's releaseRows): the panel's index, overview and lanes.
    this.pages.addRows(this.core.store, b.first, b.count, b.start, b.end);
    this.deps.panel.append(this.trace, b.bytes, b.start, b.end);
    this.deps.onBatch?.(this);
  }

  private onMark(index: number): void {
    const store = this.core.store;
    const kind = store.reason(index);
    const message = store.value(index) ?? kind;
    const m: MarkInfo = { index, kind, message, file: store.file(index), line: store.line(index) || undefined };
    if (this.marks.length < 1000) this.marks.push(m);
    const where = m.file ? ` (${path.basename(m.file)}:${m.line ?? '?'})` : '';
    this.deps.log.warn(`runtime ${kind}${where}: ${message} [event ${index}]`);
    if (!WARN_KINDS.has(kind)) return;
    const seen = this.warned.get(kind) ?? 0;
    this.warned.set(kind, seen + 1);
    // One notification per kind per run; the rest are counted in the status bar and log.
    if (seen > 0) return;
    void vscode.window.showWarningMessage(`Coroscope: ${message}${where}`, 'Show in Diagram').then((a) => {
      if (a === 'Show in Diagram') this.deps.panel.focus(index);
    });
  }

  private updateStatus(): void {
    const s = this.deps.status;
    const store = this.core.store;
    const events = store.length.toLocaleString('en-US');
    const tasks = store.tasks.length;
    const warn = this.marks.filter((m) => WARN_KINDS.has(m.kind)).length;
    const warnText = warn ? ` · $(warning) ${warn}` : '';
    if (this.core.isRunning) {
      const secs = ((Date.now() - this.core.startedAt) / 1000).toFixed(1);
      s.text = `$(sync~spin) ${this.name} · ${events} events · ${tasks} tasks · ${secs} s${warnText}`;
      s.tooltip = new vscode.MarkdownString(`Coroscope is running **${escapeMd(this.name)}**. Click to show the diagram; run **Coroscope: Stop** to end it.`);
      s.backgroundColor = undefined;
    } else {
      const r = this.core.result;
      const icon = r?.state === 'exited' && r.exitCode === 0 ? '$(pass)' : r?.state === 'stopped' ? '$(debug-stop)' : '$(error)';
      const code = r?.state === 'stopped' ? 'stopped' : r?.state === 'failed' ? 'failed' : r?.signal ? r.signal : `exit ${r?.exitCode}`;
      s.text = `${icon} ${this.name} · ${code} · ${events} events · ${tasks} tasks${warnText}`;
      s.tooltip = new vscode.MarkdownString(`${escapeMd(r?.message ?? '')}\n\nTrace: \`${escapeMd(this.spec.traceFile)}\`\n\nClick to show the diagram.`);
      s.backgroundColor =
        r && (r.state === 'failed' || (r.exitCode !== 0 && r.state === 'exited')) ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    }
    s.command = 'coroscope.showDiagram';
    s.show();
  }

  private ended(r: RunResult): void {
    const { log, panel } = this.deps;
    this.scope.dispose();
    this.terminal.programEnded();
    const store = this.core.store;
    const exit = r.signal ? r.signal : r.exitCode;
    this.terminal.note(`\r\nCoroscope: ${r.message} Trace saved to ${this.spec.traceFile}`);
    log.info(
      `${r.message} (state ${r.state}, exit ${exit}, ${store.length} events, ${store.tasks.length} tasks, ${this.core.connections} connection(s), ${store.problemCount} malformed line(s))`,
    );
    for (const p of store.problems.slice(0, 10)) log.warn(`trace line ${p.line}: ${p.message}`);
    if (this.core.trace.failure) log.error(`could not write the trace file: ${this.core.trace.failure.message}`);
    const state: RunState = r.state;
    panel.setStatus(this.trace, state, r.exitCode, r.message);
    panel.markSaved(this.trace);
    this.updateStatus();
    this.deps.onChange(this);
    if (r.state === 'failed' || (r.state === 'exited' && (r.exitCode !== 0 || r.signal))) {
      void vscode.window.showErrorMessage(`Coroscope: ${r.message}`, 'Show Terminal', 'Show Diagram').then((a) => {
        if (a === 'Show Terminal') this.terminal.show(false);
        else if (a === 'Show Diagram') panel.show(false);
      });
    }
  }

  stop(): Promise<RunResult> {
    return this.core.stop();
  }

  info(): SessionInfo {
    const c = this.core;
    const r = c.result;
    return {
      id: this.id,
      script: this.spec.script,
      args: [...this.spec.args],
      python: this.spec.python,
      state: r ? r.state : c.state,
      exitCode: c.exitCode,
      signal: c.signal,
      message: r?.message ?? `${this.name} is running`,
      events: c.store.length,
      tasks: c.store.tasks.map((t) => t.name),
      traceFile: this.spec.traceFile,
      pid: c.pid,
      pids: c.pids,
      marks: [...this.marks],
      problems: c.store.problemCount,
    };
  }

  /** Extension shutdown or replacement: nothing of this run may outlive it. */
  dispose(): void {
    this.core.kill();
    this.scope.dispose();
    this.terminal.dispose();
  }
}

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
