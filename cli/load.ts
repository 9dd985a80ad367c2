// Reading a saved trace (coroscope report): streamed into a TraceStore chunk
// by chunk by the host's loader (session/trace-file.ts), so a trace of any
// size never exists twice in memory as text; the schema is checked as soon as
// the header is in.
import { statSync } from 'node:fs';
import { SCHEMA_VERSION } from '../protocol/events';
import type { TraceStore } from '../trace/store';
import { loadStore } from '../session/trace-file';
import { CliError, note } from './errors';

export async function loadTrace(path: string): Promise<TraceStore> {
  let isFile = false;
  try { isFile = statSync(path).isFile(); } catch { throw new CliError(`trace file not found: ${path}`, 2); }
  if (!isFile) throw new CliError(`not a file: ${path}`, 2);
  let checked = false;
  let store: TraceStore;
  try {
    store = await loadStore(path, (s) => {
      if (!checked && s.header) { checked = true; checkSchema(s, path); }
    }, 1 << 20);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (!checked && store.header) checkSchema(store, path);
  reportProblems(store, path);
  if (store.length === 0 && !store.header) {
    throw new CliError(`${path}: no valid trace events${store.problemCount ? '' : ' (empty file)'}`);
  }
  if (!store.header) note(`warning: ${path} has no header line; reading its events anyway`);
  return store;
}

function checkSchema(store: TraceStore, path: string): void {
  const v = store.header?.schema;
  if (v !== SCHEMA_VERSION) throw new CliError(`${path}: trace schema ${v}, this coroscope reads schema ${SCHEMA_VERSION}`);
}

/** Prints the store's decode problems (first 10 with line numbers) as warnings. */
export function reportProblems(store: TraceStore, path: string): void {
  const shown = store.problems.filter((p) => !p.message.startsWith('trace schema')).slice(0, 10);
  for (const p of shown) note(`warning: ${path}:${p.line}: ${p.message}`);
  const more = store.problemCount - shown.length;
  if (more > 0 && shown.length) note(`warning: ${path}: ${more} more bad lines skipped`);
  if (store.unknownCount) note(`${path}: ${store.unknownCount} events of unknown types skipped`);
}
