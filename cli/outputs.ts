// What the user asked to be written, from a finished TraceStore: the
// self-contained HTML report (cli/report-html.ts, streamed), Perfetto JSON,
// Mermaid — and the checks that refuse an output before a run or a long read
// rather than after it, and the summary lines that close a run.
import { closeSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { toMermaid } from '../trace/mermaid';
import { perfettoChunks } from '../trace/perfetto';
import { TYPE, type TraceStore } from '../trace/store';
import { CliError, note } from './errors';
import { pageWindow, readAssets, writeHtmlReport } from './report-html';

export interface OutputPaths {
  html?: string;
  perfetto?: string;
  mermaid?: string;
}
export interface WindowFlags {
  from?: number;
  to?: number;
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * Refuses outputs that cannot be written (exit 2), before anything runs: a folder given as a file, a missing
 * or read-only folder, a file that cannot be opened for writing, one file named by two options. Nothing is
 * truncated: an existing file is opened for writing and closed; a new one is created and removed.
 */
export function checkOutputs(flags: Record<string, string | undefined>): void {
  const seen = new Map<string, string>();
  for (const [flag, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    const p = resolve(value);
    const other = seen.get(p);
    if (other) throw new CliError(`${other} and ${flag} name the same file (${p})`, 2);
    seen.set(p, flag);
    const fail = (why: string) => new CliError(`cannot write ${flag} ${value}: ${why}`, 2);
    let exists = false;
    try {
      const st = statSync(p);
      exists = true;
      if (st.isDirectory()) throw fail('it is a folder; give a file name');
    } catch (e) {
      if (e instanceof CliError) throw e;
    }
    if (!exists) {
      const dir = dirname(p);
      let isDir = false;
      try {
        isDir = statSync(dir).isDirectory();
      } catch {
        throw fail(`the folder ${dir} does not exist`);
      }
      if (!isDir) throw fail(`${dir} is not a folder`);
    }
    try {
      closeSync(openSync(p, exists ? 'r+' : 'wx'));
      if (!exists) unlinkSync(p);
    } catch (e) {
      throw fail((e as NodeJS.ErrnoException).code === 'EACCES' || (e as NodeJS.ErrnoException).code === 'EROFS' ? 'permission denied' : (e as Error).message);
    }
  }
}

export function writeChunks(path: string, chunks: Iterable<string>): number {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
  let bytes = 0;
  try {
    for (const c of chunks) bytes += writeSync(fd, c);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** What the runtime could not deliver: the last `finish`'s `dropped`, else the sum of `events-dropped` marks. */
export function droppedEvents(store: TraceStore): number {
  let marks = 0;
  let finish: number | undefined;
  for (let i = 0; i < store.length; i++) {
    const t = store.typeCode(i);
    if (t === TYPE.mark && store.reason(i) === 'events-dropped') marks += Number.isNaN(store.num(i)) ? 0 : store.num(i);
    else if (t === TYPE.finish) {
      const d = store.extra(i)?.dropped;
      if (typeof d === 'number') finish = d;
    }
  }
  return Math.max(marks, finish ?? 0);
}

/** The story of a trace, one line each: events and tasks, drops, truncation. */
export function summaryLines(store: TraceStore): string[] {
  const lines = [`${plural(store.length, 'event')}, ${plural(store.tasks.length, 'task')}`];
  const dropped = droppedEvents(store);
  if (dropped > 0) lines.push(`warning: ${plural(dropped, 'event')} dropped by the runtime (it could not write them fast enough): the trace is incomplete`);
  for (let i = 0; i < store.length; i++) {
    if (store.typeCode(i) === TYPE.mark && store.reason(i) === 'truncated') lines.push(`warning: trace truncated: ${store.value(i) ?? ''}`);
  }
  return lines;
}

/** Writes every requested output, naming each (absolute path) on its own line; returns the paths written. */
export function writeOutputs(store: TraceStore, out: OutputPaths, title: string, win: WindowFlags = {}): string[] {
  const written: string[] = [];
  const summary = `${plural(store.length, 'event')}, ${plural(store.tasks.length, 'task')}`;
  if (out.html) {
    const p = resolve(out.html);
    const w = pageWindow(store.length, win.from, win.to, maxPageEvents());
    const bytes = writeHtmlReport(p, store, { title, ...(w ? { window: w } : {}) }, readAssets());
    note(`wrote ${p} (${summary}, ${(bytes / 1e6).toFixed(1)} MB)`);
    if (w) note(`note: ${w.note}`);
    written.push(p);
  }
  if (out.perfetto) {
    const p = resolve(out.perfetto);
    writeChunks(p, perfettoChunks(store));
    note(`wrote ${p} (Perfetto / chrome://tracing JSON, ${summary})`);
    written.push(p);
  }
  if (out.mermaid) {
    const p = resolve(out.mermaid);
    const m = toMermaid(store);
    writeChunks(p, [m.text]);
    const how = m.cut
      ? `; cut: ${m.switches - m.shown} of ${m.switches} switches left out to stay within Mermaid's limits`
      : m.loops
        ? `; ${m.loops} repeated patterns folded into loops${m.mode === 'shape' ? ' (values summarized first … last)' : ''}`
        : '';
    note(`wrote ${p} (Mermaid sequenceDiagram, ${m.edges} arrows and notes for ${plural(m.switches, 'switch', 'switches')}${how})`);
    written.push(p);
  }
  return written;
}

/** Events one HTML page holds ($COROSCOPE_MAX_PAGE_EVENTS lowers it, for tests). */
function maxPageEvents(): number | undefined {
  const v = Number(process.env.COROSCOPE_MAX_PAGE_EVENTS);
  return Number.isInteger(v) && v > 1 ? v : undefined;
}
