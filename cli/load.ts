// Reading a saved trace (coroscope report): what the file is (cli/trace-input.ts:
// gzip, BOM, UTF-16 handled; archives and binary named), its header checked
// before anything else, then streamed chunk by chunk through a TraceStore that
// lets each chunk's rows go once the digest (trace/digest.ts: counts, drops,
// exit code, files, the overview) has read them, so memory does not grow with
// the trace. The outputs are written from a second read (cli/outputs.ts).
// Problems are one line each, with line numbers.
import { statSync } from 'node:fs';
import { SCHEMA_VERSION } from '../protocol/events';
import { TraceDigest } from '../trace/digest';
import { TraceStore } from '../trace/store';
import { CliError, note } from './errors';
import { type Encoding, firstLine, head, sniff, traceChunks } from './trace-input';

/** A trace read once: its lanes, header and problems (the store, rows let go), what the digest gathered, how to read it again. */
export interface ScannedTrace {
  store: TraceStore;
  digest: TraceDigest;
  chunks: () => AsyncIterable<Uint8Array | string>;
}

/**
 * Feeds chunks into a store that keeps only the rows not yet read: after each chunk `each(store, from, chunk)` sees
 * the new rows [from, store.length) (and the chunk itself; none after the last line), then they are let go. Yields to the event loop between chunks.
 */
export async function streamRows(
  source: AsyncIterable<Uint8Array | string>,
  each: (store: TraceStore, from: number, chunk: Uint8Array | string | undefined) => void,
  store = new TraceStore(),
): Promise<TraceStore> {
  for await (const chunk of source) {
    const from = store.length;
    if (typeof chunk === 'string') store.appendText(chunk);
    else store.appendBytes(chunk);
    each(store, from, chunk);
    store.releaseBefore(store.length);
    await new Promise((r) => setImmediate(r));
  }
  const from = store.length;
  store.end();
  each(store, from, undefined);
  store.releaseBefore(store.length);
  return store;
}

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

export async function loadTrace(path: string): Promise<ScannedTrace> {
  checkTraceFile(path);
  let first: Buffer;
  try {
    first = head(path);
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (first.length === 0) throw new CliError(`${path}: empty file, no trace events`);
  const enc: Encoding = sniff(path, first);
  const line = firstLine(first, enc);
  if (line !== undefined) checkHeaderLine(line, path);
  let checked = false;
  const digest = new TraceDigest();
  let store: TraceStore;
  try {
    store = await streamRows(traceChunks(path, enc), (s) => {
      if (!checked && s.header) {
        checked = true;
        checkSchema(s.header.schema, path);
      }
      digest.update(s);
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
  return { store, digest, chunks: () => traceChunks(path, enc) };
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
