// Reading a saved trace (coroscope report): what the file is (cli/trace-input.ts:
// gzip, BOM, UTF-16 handled; archives and binary named), its header checked
// before anything else, then streamed into a TraceStore chunk by chunk
// (session/trace-file.ts), so a trace of any size never exists twice in
// memory as text. Problems are one line each, with line numbers.
import { statSync } from 'node:fs';
import { SCHEMA_VERSION } from '../protocol/events';
import type { TraceStore } from '../trace/store';
import { feedStore } from '../session/trace-file';
import { CliError, note } from './errors';
import { firstLine, head, sniff, traceChunks } from './trace-input';

/** Checks that `path` is a readable file (exit 2 when not: a usage error). */
export function checkTraceFile(path: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new CliError(`trace file not found: ${path}`, 2);
  }
  if (!isFile) throw new CliError(`not a file: ${path}`, 2);
}

export async function loadTrace(path: string): Promise<TraceStore> {
  checkTraceFile(path);
  let first: Buffer;
  try {
    first = head(path);
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (first.length === 0) throw new CliError(`${path}: empty file, no trace events`);
  const enc = sniff(path, first);
  const line = firstLine(first, enc);
  if (line !== undefined) checkHeaderLine(line, path);
  let checked = false;
  let store: TraceStore;
  try {
    store = await feedStore(traceChunks(path, enc), (s) => {
      if (!checked && s.header) {
        checked = true;
        checkSchema(s.header.schema, path);
      }
    });
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (!checked && store.header) checkSchema(store.header.schema, path);
  reportProblems(store, path);
  if (store.length === 0) {
    const why = store.problemCount ? `${store.problemCount.toLocaleString('en-US')} bad lines` : store.header ? 'a header only' : 'no event lines';
    throw new CliError(`${path}: no valid trace events (${why})`);
  }
  if (!store.header) note(`warning: ${path} has no header line; reading its events anyway`);
  return store;
}

/** A first line that is a header of another schema gets one message (not "bad header" and "no header" both). */
function checkHeaderLine(line: string, path: string): void {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return;
  }
  if (!raw || typeof raw !== 'object' || (raw as { type?: unknown }).type !== 'header') return;
  const schema = (raw as { schema?: unknown }).schema;
  if (schema === SCHEMA_VERSION) return;
  if (typeof schema === 'number') checkSchema(schema, path);
  const what = schema === undefined ? 'has no schema' : `has schema ${JSON.stringify(schema)} (a ${schema === null ? 'null' : typeof schema}, not a number)`;
  throw new CliError(`${path}: the trace header ${what}; this coroscope reads schema ${SCHEMA_VERSION}`);
}

function checkSchema(v: number, path: string): void {
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
