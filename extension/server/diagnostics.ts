// Diagnostics that teach (blocking calls inside coroutines, unpatched gevent
// I/O, lines the runtime's blocking detector marked) and their quick fixes.
import type { CodeAction, Diagnostic, Range, TextEdit as LspTextEdit } from 'vscode-languageserver';
import type { Analysis, Span } from './analysis';
import type { PlacedStats } from './placement';

export const SOURCE = 'coroscope';
const WARNING = 2 as const;
const INFORMATION = 3 as const;

export const toRange = (s: Span): Range => ({ start: { line: s.line, character: s.col }, end: { line: s.endLine, character: s.endCol } });

export function buildDiagnostics(a: Analysis, stats: PlacedStats | undefined, lineText: (row: number) => string): Diagnostic[] {
  const out: Diagnostic[] = a.findings.map((f) => ({
    range: toRange(f),
    severity: f.severity === 'warning' ? WARNING : INFORMATION,
    source: SOURCE,
    code: f.code,
    message: f.message,
  }));
  if (stats) {
    for (const [row, marks] of stats.marks) {
      const text = lineText(row);
      const first = /\S/.exec(text)?.index ?? 0;
      const range: Range = { start: { line: row, character: first }, end: { line: row, character: text.replace(/\s+$/, '').length } };
      for (const m of marks) {
        out.push({
          range,
          severity: m.kind === 'loop-blocked' ? WARNING : INFORMATION,
          source: SOURCE,
          code: m.kind,
          message:
            m.kind === 'loop-blocked'
              ? `${m.message}: nothing else could run meanwhile. Await something (or move the work to a thread) inside the loop.`
              : m.message,
        });
      }
    }
  }
  return out;
}

const overlaps = (a: Range, b: Range) =>
  !(
    a.end.line < b.start.line ||
    (a.end.line === b.start.line && a.end.character < b.start.character) ||
    b.end.line < a.start.line ||
    (b.end.line === a.start.line && b.end.character < a.start.character)
  );

/** Quick fixes for findings that overlap `range`. */
export function codeActions(uri: string, a: Analysis, range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const f of a.findings) {
    if (!f.fix || !overlaps(toRange(f), range)) continue;
    const edits: LspTextEdit[] = f.fix.edits.map((e) => ({ range: toRange(e.range), newText: e.newText }));
    const diag = diagnostics.find((d) => d.source === SOURCE && d.code === f.code && d.range.start.line === f.line && d.range.start.character === f.col);
    out.push({ title: f.fix.title, kind: 'quickfix', isPreferred: true, ...(diag ? { diagnostics: [diag] } : {}), edit: { changes: { [uri]: edits } } });
  }
  return out;
}
