// "Resumed by produce", not "resumed by main": a yield point resumed by plain
// code (a main/thread/process lane) is named by the def enclosing the site
// where that code gave up control (the `c.send(n)` call). The stats carry the
// sites (`resumedFrom`); the names come from the parse of the file — the open
// document (its lines followed through edits) or the file on disk.
import { readFileSync, statSync } from 'node:fs';
import type { YieldPointStats } from '../../protocol/lsp';
import { analyze, type Definition } from './analysis';
import type { ParserBundle } from './parse';

/** The name of the def enclosing 1-based `line` of `file` as it ran, or undefined (module level, unknown). */
export type SiteNamer = (file: string, line: number) => string | undefined;

/** The innermost named def whose whole span contains 0-based `row`. */
export function enclosingDefName(defs: readonly Definition[], row: number): string | undefined {
  let best: Definition | undefined;
  for (const d of defs) {
    if (d.kind === 'lambda' || d.span.line > row || d.span.endLine < row) continue;
    if (!best || d.span.line > best.span.line || (d.span.line === best.span.line && d.span.endLine < best.span.endLine)) best = d;
  }
  return best?.name;
}

/**
 * Who resumed a yield point, most frequent first: a resumer with known resume
 * sites is replaced by the defs enclosing them (in the sites' order), or keeps
 * its task name where no def encloses the site (module-level code).
 */
export function resumerNames(y: YieldPointStats, nameAt: SiteNamer): string[] {
  const sites = y.resumedFrom;
  if (!sites?.length) return y.resumedBy;
  const out: string[] = [];
  const add = (n: string) => {
    if (!out.includes(n)) out.push(n);
  };
  for (const task of y.resumedBy) {
    const mine = sites.filter((s) => s.task === task);
    if (!mine.length) {
      add(task);
      continue;
    }
    for (const s of mine) add(nameAt(s.file, s.line) ?? task);
  }
  return out;
}

/** The same yield stats with `resumedBy` naming the resuming defs. */
export function withResumerNames(y: YieldPointStats, nameAt: SiteNamer): YieldPointStats {
  if (!y.resumedFrom?.length) return y;
  return { ...y, resumedBy: resumerNames(y, nameAt) };
}

const MAX_FILE_BYTES = 4 * 1024 * 1024;
const MAX_CACHED_FILES = 64;

/** Def spans of files that are not open, parsed from disk once per (mtime, size). */
export class DiskDefs {
  private readonly cache = new Map<string, { mtimeMs: number; size: number; defs: Definition[] }>();

  constructor(private readonly bundle: ParserBundle) {}

  nameAt(path: string, line: number): string | undefined {
    const defs = this.defs(path);
    return defs ? enclosingDefName(defs, line - 1) : undefined;
  }

  private defs(path: string): Definition[] | undefined {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch {
      return undefined;
    }
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
    const hit = this.cache.get(path);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.defs;
    let defs: Definition[];
    try {
      const tree = this.bundle.parser.parse(readFileSync(path, 'utf8'));
      if (!tree) return undefined;
      try {
        defs = analyze(tree.rootNode, this.bundle.language).defs;
      } finally {
        tree.delete();
      }
    } catch {
      return undefined;
    }
    if (this.cache.size >= MAX_CACHED_FILES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(path, { mtimeMs: st.mtimeMs, size: st.size, defs });
    return defs;
  }
}
