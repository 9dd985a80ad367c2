// The editor follows the diagram's step cursor: the running task's line is
// highlighted; each suspended or blocked task's line gets a gutter icon and an
// after-line note (`⏸ consumer — waiting at yield, last got 2`), in every
// visible editor of the program's files. The webview posts the cursor's tasks
// (`cursor` message); this module only places them. Cleared when the panel
// closes or a new trace is shown. Which task is on a line is kept, so a click
// on a decorated line can move the cursor to that task.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CursorTask } from '../../protocol/messages';

export class StepDecorations implements vscode.Disposable {
  private readonly running: vscode.TextEditorDecorationType;
  private readonly paused: vscode.TextEditorDecorationType;
  private tasks: CursorTask[] = [];
  private cwd: string | undefined;
  private readonly subs: vscode.Disposable[] = [];
  /** What each visible editor shows (tests read it): file → line → notes. */
  readonly shown = new Map<string, { running: number[]; paused: Map<number, string> }>();

  constructor(extensionUri: vscode.Uri) {
    this.running = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('editor.stackFrameHighlightBackground'),
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.infoForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Full,
    });
    this.paused = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'paused.svg'),
      gutterIconSize: 'contain',
      backgroundColor: new vscode.ThemeColor('editor.focusedStackFrameHighlightBackground'),
    });
    // A newly shown editor of a program file gets the current step's decorations at once.
    this.subs.push(vscode.window.onDidChangeVisibleTextEditors(() => this.apply()));
  }

  /** The cursor's tasks (from the webview); `cwd` resolves relative paths. */
  show(tasks: CursorTask[], cwd: string | undefined): void {
    this.tasks = tasks;
    this.cwd = cwd;
    this.apply();
  }

  clear(): void {
    this.tasks = [];
    this.apply();
  }

  /** The task decorated on this line of this file, if any (the running one first). */
  taskAt(file: string, line: number): CursorTask | undefined {
    const f = path.resolve(file);
    const on = this.tasks.filter((t) => this.resolve(t.file) === f && t.line === line);
    return on.find((t) => t.state === 'running') ?? on[0];
  }

  private resolve(file: string): string {
    return path.isAbsolute(file) || !this.cwd ? path.resolve(file) : path.resolve(this.cwd, file);
  }

  private apply(): void {
    this.shown.clear();
    const byFile = new Map<string, CursorTask[]>();
    for (const t of this.tasks) {
      const f = this.resolve(t.file);
      const list = byFile.get(f) ?? [];
      list.push(t);
      byFile.set(f, list);
    }
    for (const ed of vscode.window.visibleTextEditors) {
      if (ed.document.uri.scheme !== 'file') continue;
      const list = byFile.get(path.resolve(ed.document.uri.fsPath)) ?? [];
      const lines = ed.document.lineCount;
      const running: vscode.DecorationOptions[] = [];
      const notes = new Map<number, string[]>();
      for (const t of list) {
        if (t.line < 1 || t.line > lines) continue;
        if (t.state === 'running') running.push({ range: new vscode.Range(t.line - 1, 0, t.line - 1, 0), hoverMessage: t.note });
        else notes.set(t.line, [...(notes.get(t.line) ?? []), t.note]);
      }
      // Several tasks paused on one line (ten workers at one `get()`) share one note.
      const paused: vscode.DecorationOptions[] = [...notes].map(([line, ns]) => ({
        range: new vscode.Range(line - 1, 0, line - 1, 0),
        hoverMessage: ns.join('\n\n'),
        renderOptions: {
          after: {
            contentText: `  ${ns.length > 3 ? `${ns.slice(0, 3).join('  ')}  +${ns.length - 3} more` : ns.join('  ')}`,
            color: new vscode.ThemeColor('editorCodeLens.foreground'),
            fontStyle: 'italic',
          },
        },
      }));
      ed.setDecorations(this.running, running);
      ed.setDecorations(this.paused, paused);
      if (running.length || paused.length) {
        this.shown.set(ed.document.uri.fsPath, {
          running: running.map((r) => r.range.start.line + 1),
          paused: new Map([...notes].map(([l, ns]) => [l, ns.join('  ')])),
        });
      }
    }
  }

  dispose(): void {
    this.running.dispose();
    this.paused.dispose();
    for (const d of this.subs) d.dispose();
  }
}
