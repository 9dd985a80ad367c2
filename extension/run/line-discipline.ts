// A tiny terminal line discipline. The script runs on pipes, not a pty, so
// nothing echoes keys, turns Enter into a newline or Ctrl+C into SIGINT: this
// does, in canonical ("cooked") mode like a tty — the line is edited locally
// (backspace, Ctrl+U) and sent to the program's stdin on Enter. Pure: no vscode.

export interface DisciplineOutput {
  /** What to write to the terminal (echo, erase). */
  echo: string;
  /** Whole lines (or Ctrl+D-flushed partial lines) for the program's stdin. */
  send: string;
  /** Ctrl+C was typed: interrupt the program. */
  interrupt: boolean;
  /** Ctrl+D on an empty line: close the program's stdin. */
  eof: boolean;
}

export class LineDiscipline {
  private line = '';

  input(data: string): DisciplineOutput {
    const out: DisciplineOutput = { echo: '', send: '', interrupt: false, eof: false };
    for (let i = 0; i < data.length; i++) {
      const ch = data.charAt(i);
      const code = ch.charCodeAt(0);
      if (ch === '\x1b') {
        // Skip a CSI/SS3 escape sequence (arrows, function keys): no line editing history here.
        if (data[i + 1] === '[' || data[i + 1] === 'O') {
          i += 2;
          while (i < data.length && !/[@-~]/.test(data.charAt(i))) i++;
        }
        continue;
      }
      if (ch === '\x03') {
        out.interrupt = true;
        out.echo += '^C\r\n';
        this.line = '';
        continue;
      }
      if (ch === '\x04') {
        if (this.line === '') out.eof = true;
        else {
          out.send += this.line;
          this.line = '';
        }
        continue;
      }
      if (ch === '\r' || ch === '\n') {
        // "\r\n" from a paste is one Enter.
        if (ch === '\r' && data[i + 1] === '\n') i++;
        out.echo += '\r\n';
        out.send += this.line + '\n';
        this.line = '';
        continue;
      }
      if (ch === '\x7f' || ch === '\b') {
        if (this.line) {
          const chars = Array.from(this.line);
          chars.pop();
          this.line = chars.join('');
          out.echo += '\b \b';
        }
        continue;
      }
      if (ch === '\x15') {
        out.echo += '\b \b'.repeat(Array.from(this.line).length);
        this.line = '';
        continue;
      }
      if (code < 0x20 && ch !== '\t') continue;
      this.line += ch;
      out.echo += ch;
    }
    return out;
  }

  /** The line being typed (not yet sent). */
  get pending(): string {
    return this.line;
  }
}

/**
 * Program output → terminal: a pty would turn "\n" into "\r\n" (ONLCR); here we
 * do it, leaving existing "\r\n" and lone "\r" (progress bars) alone.
 */
export function toTerminalText(text: string, prevEndedWithCR: boolean): string {
  let s = text.replace(/\r?\n/g, '\r\n');
  // A "\r\n" split across two chunks: the "\r" already went out, send only "\n".
  if (prevEndedWithCR && text.startsWith('\n')) s = s.slice(1);
  return s;
}
