// Which source files of the program a trace names, so the replay can show
// their lines (the Tasks pane's line text, the report's source pane): the
// program's own Python files only — never the standard library, site- or
// dist-packages, the runtime itself or pseudo-files such as `<string>` — and
// at most SOURCES_CAP bytes of them. Pure: reading is the caller's (Node) job.

import { TYPE, type TraceStore } from './store';

/** The most source text a report embeds or a panel is sent (UTF-16 code units, ~bytes for Python source). */
export const SOURCES_CAP = 2 * 1024 * 1024;

/** A path that is the program's own source, not a library's. */
export function isProgramFile(file: string): boolean {
  if (!file || file.startsWith('<')) return false;
  const f = file.replace(/\\/g, '/');
  if (!/\.pyw?$/i.test(f)) return false;
  if (/\/(site|dist)-packages\//.test(f)) return false;
  // The standard library: …/lib/python3.11/…, …/lib64/python3.9/…, Windows …/Lib/….
  if (/\/lib(64)?\/python\d+(\.\d+)?t?\//i.test(f) || /\/Lib\//.test(f)) return false;
  if (/\/coroscope\/runtime\/coroscope\//.test(f) || /\/runtime\/coroscope\/[^/]+\.py$/.test(f)) return false;
  // Frozen and built-in modules some runtimes name without a path.
  return f.includes('/');
}

/** Scans events [from, store.length) for program files not in `seen`; adds them there and returns them. */
export function newProgramFiles(store: TraceStore, from: number, seen: Set<string>): string[] {
  const out: string[] = [];
  const consider = (f: string | undefined) => {
    if (f === undefined || seen.has(f)) return;
    seen.add(f);
    if (isProgramFile(f)) out.push(f);
  };
  if (from === 0) {
    consider(store.header?.script);
    for (const t of store.tasks) {
      consider(t.file);
      consider(t.codeFile);
    }
  }
  // Files are interned: remember the ids seen so each event costs an integer lookup.
  const ids = new Set<number>();
  for (let i = from; i < store.length; i++) {
    const f = store.fileId(i);
    if (f >= 0 && !ids.has(f)) {
      ids.add(f);
      consider(store.string(f));
    }
    if (store.typeCode(i) === TYPE.switch && store.site2Id(i) >= 0) consider(store.toFile(i));
    if (store.typeCode(i) === TYPE.task) {
      const t = store.tasks[store.a(i)];
      consider(t?.file);
      consider(t?.codeFile);
    }
  }
  return out;
}

/** The program files a trace names. */
export function programFiles(store: TraceStore): string[] {
  return newProgramFiles(store, 0, new Set());
}

/**
 * The texts of `files` (read with `read`: undefined when unreadable), in order, up to `cap` in all: a file that
 * does not fit is left out and `capped` says so (the page then tells the learner).
 */
export function pickSources(
  files: string[],
  read: (file: string) => string | undefined,
  cap = SOURCES_CAP,
): { files: { file: string; text: string }[]; capped: boolean } {
  const out: { file: string; text: string }[] = [];
  let total = 0,
    capped = false;
  for (const file of files) {
    const text = read(file);
    if (text === undefined) continue;
    if (total + text.length > cap) {
      capped = true;
      continue;
    }
    total += text.length;
    out.push({ file, text });
  }
  return { files: out, capped };
}
