// The open Python documents the server knows: text + tree, a cached
// analysis, and the last run's stats placed on the current lines.
import { realpathSync } from 'node:fs';
import { normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileStats, StatsParams } from '../../protocol/lsp';
import { IncrementalAnalyzer, type Analysis } from './analysis';
import { PythonSource, type ParserBundle, type TextChange } from './parse';
import { lineShape, StatsPlacement, type PlacedStats } from './placement';
import { enclosingDefName, withResumerNames, type SiteNamer } from './resumers';

/** Documents we never analyse: notebook cells (their lines are not a file's lines) and non-file schemes we do not know. */
export function skipUri(uri: string): boolean {
  return !/^(file|untitled):/i.test(uri);
}

const realCache = new Map<string, string>();
/** A path key that matches however the runtime and the editor spelled the same file. */
export function pathKey(p: string): string {
  let abs = normalize(resolve(p));
  let real = realCache.get(abs);
  if (real === undefined) {
    try {
      real = realpathSync.native(abs);
    } catch {
      real = abs;
    }
    if (realCache.size > 10000) realCache.clear();
    realCache.set(abs, real);
  }
  abs = real;
  return process.platform === 'win32' || process.platform === 'darwin' ? abs.toLowerCase() : abs;
}

export function uriPath(uri: string): string | undefined {
  if (!uri.toLowerCase().startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export class OpenDocument {
  readonly source: PythonSource;
  private cached: Analysis | undefined;
  private readonly analyzer: IncrementalAnalyzer;
  placement: StatsPlacement | undefined;
  readonly key: string | undefined;

  constructor(
    bundle: ParserBundle,
    readonly uri: string,
    public version: number,
    text: string,
  ) {
    this.source = new PythonSource(bundle, text);
    this.analyzer = new IncrementalAnalyzer(bundle.language);
    const p = uriPath(uri);
    this.key = p === undefined ? undefined : pathKey(p);
  }

  get analysis(): Analysis {
    this.cached ??= this.analyzer.analyze(this.source.tree.rootNode, this.source.takeChanges());
    return this.cached;
  }

  applyChanges(changes: readonly (TextChange | { text: string })[], version: number): void {
    this.version = version;
    this.cached = undefined;
    let fullReplace = false;
    this.source.applyChanges(changes, (ch, src) => {
      if (!this.placement) return;
      let newlines = 0;
      for (let i = ch.text.indexOf('\n'); i >= 0; i = ch.text.indexOf('\n', i + 1)) newlines++;
      this.placement.edit(
        { startLine: ch.range.start.line, startCol: ch.range.start.character, endLine: ch.range.end.line, endCol: ch.range.end.character, newlines },
        (row) => lineShape(src.lineText(row)),
      );
    });
    for (const ch of changes) if (!('range' in ch)) fullReplace = true;
    // A whole-text replacement cannot be followed line by line.
    if (fullReplace) this.placement = undefined;
  }

  /** Take the stats of a run (or drop the last run's when this file was not part of it). */
  setStats(params: StatsParams, file: FileStats | undefined): void {
    if (!file) {
      this.placement = undefined;
      return;
    }
    if (this.placement && this.placement.runId === params.runId) this.placement.update(file, params.live, params.durationNs);
    else this.placement = new StatsPlacement(params.runId, this.source.lineCount, file, params.live, params.durationNs);
  }

  /** The stats on the current rows; with `nameAt`, resumers on plain-code lanes are named by their enclosing def. */
  placed(nameAt?: SiteNamer): PlacedStats | undefined {
    const p = this.placement?.placed();
    if (!p || !nameAt) return p;
    for (const [row, y] of p.yields) if (y.resumedFrom?.length) p.yields.set(row, withResumerNames(y, nameAt));
    return p;
  }

  /** The def enclosing 1-based `line` of this file as the last run saw it (followed through edits since). */
  defNameAtRunLine(line: number): string | undefined {
    const row = this.placement ? this.placement.currentRow(line) : line - 1;
    return row < 0 ? undefined : enclosingDefName(this.analysis.defs, row);
  }

  dispose(): void {
    this.source.dispose();
  }
}

/** Per-file stats of a run, keyed by `pathKey`. */
export function statsByFile(params: StatsParams): Map<string, FileStats> {
  const m = new Map<string, FileStats>();
  for (const f of params.files) m.set(pathKey(f.file), f);
  return m;
}
