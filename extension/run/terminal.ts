// The user's program in a VS Code terminal: a Pseudoterminal fed by the
// child's stdout/stderr, with a line discipline for its stdin (see
// line-discipline.ts). Output written before the terminal opens is kept (up to
// a bound) and shown when it does.
import * as vscode from 'vscode';
import { LineDiscipline, toTerminalText } from './line-discipline';

export interface TerminalIO {
  /** A line typed by the user, for the program's stdin. */
  input(text: string): void;
  /** Ctrl+D on an empty line. */
  endInput(): void;
  /** Ctrl+C. */
  interrupt(): void;
  /** The user closed the terminal. */
  closed(): void;
}

const EARLY_LIMIT = 1024 * 1024;

export class RunTerminal implements vscode.Disposable {
  readonly terminal: vscode.Terminal;
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | undefined>();
  private readonly discipline = new LineDiscipline();
  private opened = false;
  private early: string[] = [];
  private earlyBytes = 0;
  private endedWithCR = false;
  private programDone = false;
  private disposed = false;

  constructor(
    name: string,
    private readonly io: TerminalIO,
  ) {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.writeEmitter.event,
      onDidClose: this.closeEmitter.event,
      open: () => {
        this.opened = true;
        for (const s of this.early) this.writeEmitter.fire(s);
        this.early = [];
        this.earlyBytes = 0;
      },
      close: () => {
        if (!this.disposed) this.io.closed();
      },
      handleInput: (data) => this.onInput(data),
    };
    this.terminal = vscode.window.createTerminal({ name, pty, iconPath: new vscode.ThemeIcon('type-hierarchy-sub'), isTransient: true });
  }

  /** Program output, as written. */
  output(text: string): void {
    if (!text) return;
    const s = toTerminalText(text, this.endedWithCR);
    this.endedWithCR = text.endsWith('\r');
    this.emit(s);
  }

  /** A line of our own (start, exit), dimmed so it is not mistaken for the program's. */
  note(text: string): void {
    this.emit(`${this.endedWithCR ? '\n' : ''}\x1b[2m${text}\x1b[0m\r\n`);
    this.endedWithCR = false;
  }

  /** The program has ended: input is no longer taken; the terminal stays for reading. */
  programEnded(): void {
    this.programDone = true;
  }

  private emit(s: string): void {
    if (this.opened) {
      this.writeEmitter.fire(s);
      return;
    }
    this.early.push(s);
    this.earlyBytes += s.length;
    while (this.earlyBytes > EARLY_LIMIT && this.early.length > 1) this.earlyBytes -= this.early.shift()!.length;
  }

  private onInput(data: string): void {
    if (this.programDone) return;
    const r = this.discipline.input(data);
    if (r.echo) this.writeEmitter.fire(r.echo);
    if (r.send) this.io.input(r.send);
    if (r.eof) this.io.endInput();
    if (r.interrupt) this.io.interrupt();
  }

  show(preserveFocus: boolean): void {
    this.terminal.show(preserveFocus);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.terminal.dispose();
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
