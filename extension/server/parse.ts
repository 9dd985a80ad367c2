// Python parsing for the language server: web-tree-sitter with the Python
// grammar, one parser per process, incremental re-parse after each edit.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as TreeSitter from 'web-tree-sitter';
import type { Edit, Language, Parser, Point, Tree } from 'web-tree-sitter';

/**
 * web-tree-sitter, loaded with require() on purpose: for an `import`, esbuild
 * picks the package's ESM build, which needs `import.meta.url` — undefined in
 * our CJS bundle. Every value use of the package goes through this one copy.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const TS: typeof TreeSitter = require('web-tree-sitter');

export interface ParserBundle {
  parser: Parser;
  language: Language;
}

/** An edit in the shape tree-sitter takes, for mapping cached chunks to the new text (analysis.ts reads it). */
export interface IndexEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startRow: number;
  oldEndRow: number;
  newEndRow: number;
}

/**
 * Find a wasm file: next to the bundle (dist/) first, then — for the unbundled
 * unit-test build under out/ — in node_modules, walking up from here.
 */
export function locateWasm(file: string, pkgPath: string, from: string = __dirname): string {
  const beside = join(from, file);
  if (existsSync(beside)) return beside;
  for (let dir = from; ; dir = dirname(dir)) {
    const p = join(dir, 'node_modules', pkgPath);
    if (existsSync(p)) return p;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`coroscope: cannot find ${file} (looked beside ${from} and in node_modules)`);
}

let loading: Promise<ParserBundle> | undefined;

/** The process-wide parser, initialised once. */
export function loadParser(): Promise<ParserBundle> {
  loading ??= (async () => {
    const runtimeWasm = locateWasm('tree-sitter.wasm', 'web-tree-sitter/tree-sitter.wasm');
    await TS.Parser.init({ locateFile: () => runtimeWasm });
    const language = await TS.Language.load(locateWasm('tree-sitter-python.wasm', 'tree-sitter-python/tree-sitter-python.wasm'));
    const parser = new TS.Parser();
    parser.setLanguage(language);
    return { parser, language };
  })();
  return loading;
}

/** A text change as LSP sends it: a 0-based UTF-16 range replaced by `text`. */
export interface TextChange {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}

/** Where each line starts, for offset ↔ position on the current text. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * One document's text and syntax tree. Edits go through `applyChanges`, which
 * edits the old tree and re-parses with it so only the touched part is redone.
 * Positions are UTF-16 code units, as in LSP and in web-tree-sitter for JS strings.
 */
export class PythonSource {
  private starts: number[];
  tree: Tree;
  /** Edits and syntax changes since the last `takeChanges()`; undefined after a whole-text replacement. */
  private since: { edits: IndexEdit[]; changed: { startIndex: number; endIndex: number }[] } | undefined = { edits: [], changed: [] };

  constructor(
    private readonly bundle: ParserBundle,
    public text: string,
  ) {
    this.starts = lineStarts(text);
    this.tree = this.parseOrThrow(text, null);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  lineText(line: number): string {
    if (line < 0 || line >= this.starts.length) return '';
    const end = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
    return this.text.slice(this.starts[line], end).replace(/\r$/, '');
  }

  offsetAt(p: { line: number; character: number }): number {
    if (p.line >= this.starts.length) return this.text.length;
    if (p.line < 0) return 0;
    const lineEnd = p.line + 1 < this.starts.length ? this.starts[p.line + 1] : this.text.length;
    return Math.min(this.starts[p.line] + Math.max(0, p.character), lineEnd);
  }

  private pointAt(offset: number): Point {
    let lo = 0,
      hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: offset - this.starts[lo] };
  }

  /**
   * Apply LSP content changes in order; `before(change)` runs before each one
   * is applied (the stats line map needs the old text). A change without a
   * range replaces the whole text.
   */
  applyChanges(changes: readonly (TextChange | { text: string })[], before?: (change: TextChange, self: PythonSource) => void): void {
    let full = false;
    for (const ch of changes) {
      if (!('range' in ch)) {
        this.text = ch.text;
        this.starts = lineStarts(ch.text);
        full = true;
        continue;
      }
      before?.(ch, this);
      const startIndex = this.offsetAt(ch.range.start);
      const oldEndIndex = Math.max(startIndex, this.offsetAt(ch.range.end));
      const startPosition = this.pointAt(startIndex);
      const oldEndPosition = this.pointAt(oldEndIndex);
      this.text = this.text.slice(0, startIndex) + ch.text + this.text.slice(oldEndIndex);
      const newEndIndex = startIndex + ch.text.length;
      const nl = ch.text.lastIndexOf('\n');
      let newlines = 0;
      for (let i = ch.text.indexOf('\n'); i >= 0; i = ch.text.indexOf('\n', i + 1)) newlines++;
      const newEndPosition: Point =
        nl < 0
          ? { row: startPosition.row, column: startPosition.column + ch.text.length }
          : { row: startPosition.row + newlines, column: ch.text.length - nl - 1 };
      // Recompute line starts only from the edited line on.
      const head = this.starts.slice(0, startPosition.row + 1);
      const tail = lineStarts(this.text.slice(head[head.length - 1]));
      for (let i = 1; i < tail.length; i++) head.push(tail[i] + head[startPosition.row]);
      this.starts = head;
      if (!full) {
        const edit: Edit = { startIndex, oldEndIndex, newEndIndex, startPosition, oldEndPosition, newEndPosition };
        this.tree.edit(edit);
        this.since?.edits.push({
          startIndex,
          oldEndIndex,
          newEndIndex,
          startRow: startPosition.row,
          oldEndRow: oldEndPosition.row,
          newEndRow: newEndPosition.row,
        });
      }
    }
    const old = this.tree;
    this.tree = this.parseOrThrow(this.text, full ? null : old);
    if (full) this.since = undefined;
    else if (this.since) for (const r of this.tree.getChangedRanges(old)) this.since.changed.push({ startIndex: r.startIndex, endIndex: r.endIndex });
    old.delete();
  }

  /** What changed since the last call (for reusing analysis), and start over. */
  takeChanges(): { edits: IndexEdit[]; changed: { startIndex: number; endIndex: number }[] } | undefined {
    const s = this.since;
    this.since = { edits: [], changed: [] };
    return s;
  }

  private parseOrThrow(text: string, old: Tree | null): Tree {
    // A callback lets an incremental parse read only the parts it re-lexes instead of copying the whole text.
    const t = this.bundle.parser.parse((index) => {
      if (index >= text.length) return undefined;
      let end = Math.min(text.length, index + 16384);
      const last = text.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff && end < text.length) end++; // never split a surrogate pair
      return text.slice(index, end);
    }, old);
    if (!t) throw new Error('coroscope: the Python parser returned no tree');
    return t;
  }

  dispose(): void {
    this.tree.delete();
  }
}
