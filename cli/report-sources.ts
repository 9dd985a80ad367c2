// The program's own source files for the report (trace/sources.ts picks them: no library, ≤ 2 MB), read from disk
// now, relative paths against the run's cwd. The page's replay shows them in its source pane.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { SOURCES_CAP, pickSources, programFiles } from '../trace/sources';
import type { TraceStore } from '../trace/store';

export function reportSources(store: TraceStore): { files: { file: string; text: string }[]; capped: boolean } {
  return readSources(programFiles(store), store.header?.cwd);
}

/** The texts of the program files named (as `programFiles` or `TraceDigest.files` list them), relative to `cwd`. */
export function readSources(files: string[], cwd: string | undefined): { files: { file: string; text: string }[]; capped: boolean } {
  return pickSources(files, (f) => {
    try {
      const p = isAbsolute(f) || !cwd ? f : join(cwd, f);
      return statSync(p).size <= SOURCES_CAP ? readFileSync(p, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  });
}
