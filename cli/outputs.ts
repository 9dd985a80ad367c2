// What the user asked to be written: the self-contained HTML report
// (cli/report-html.ts), Perfetto JSON, Mermaid — all three from one more read
// of the trace file, each fed the rows of every chunk before the store lets
// them go (the trace is never held whole: memory stays that of a chunk, the
// lanes and what each output keeps) — and the checks that refuse an output
// before a run or a long read rather than after it, and the summary lines
// that close a run.
import { closeSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ColumnBlockEncoder } from '../trace/column-block';
import type { TraceDigest } from '../trace/digest';
import { jsonlRows } from '../trace/jsonl';
import { MermaidEdges } from '../trace/mermaid';
import { PerfettoText } from '../trace/perfetto';
import type { TraceStore } from '../trace/store';
import { CliError, note } from './errors';
import { streamRows, type ScannedTrace } from './load';
import { HtmlReportWriter, pageWindow, readAssets } from './report-html';
import { readSources } from './report-sources';

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

/** An output file written piece by piece (CliError when it cannot be opened). */
class OutFile {
  private readonly fd: number;
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
    }
  }
  write(chunks: Iterable<string>): void {
    for (const c of chunks) writeSync(this.fd, c);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** The story of a trace, one line each: events and tasks, drops, truncation. */
export function summaryLines(d: TraceDigest, tasks: number): string[] {
  const lines = [`${plural(d.events, 'event')}, ${plural(tasks, 'task')}`];
  if (d.dropped > 0) lines.push(`warning: ${plural(d.dropped, 'event')} dropped by the runtime (it could not write them fast enough): the trace is incomplete`);
  for (const t of d.truncated) lines.push(`warning: trace truncated: ${t}`);
  return lines;
}

/**
 * Writes every requested output from one more read of the trace (`t.chunks`), naming each (absolute path) on its
 * own line; returns the paths written. Rows past the events the first read counted (a file still growing) are left out.
 */
export async function writeOutputs(t: ScannedTrace, out: OutputPaths, title: string, win: WindowFlags = {}): Promise<string[]> {
  const written: string[] = [];
  const total = t.digest.events;
  const tasks = t.store.tasks.length;
  const summary = `${plural(total, 'event')}, ${plural(tasks, 'task')}`;
  const w = out.html ? pageWindow(total, win.from, win.to, maxPageEvents()) : undefined;
  const html = out.html
    ? new HtmlReportWriter(
        resolve(out.html),
        {
          title,
          ...(w ? { window: w, overview: t.digest.overview.data(t.store), total } : {}),
          exitCode: t.digest.exitCode,
          sources: readSources(t.digest.files, t.store.header?.cwd),
          // A page of the whole trace embeds the file's own lines or the columns (no header added: it is among them).
          header: w ? t.store.header : undefined,
        },
        readAssets(),
      )
    : undefined;
  const localsCursor = { locals: 0 };
  // A page of the whole trace gets the store's columns (the page imports them: no JSON scan when it opens), unless
  // the trace has locals (their table is not in the column blocks) or COROSCOPE_REPORT_EMBED=jsonl asks for lines.
  const columns = html && !w && !t.store.locals && process.env.COROSCOPE_REPORT_EMBED !== 'jsonl' ? new ColumnBlockEncoder() : undefined;
  let perfetto: { file: OutFile; text?: PerfettoText } | undefined;
  let mermaid: { file: OutFile; edges: MermaidEdges } | undefined;
  try {
    if (out.perfetto) perfetto = { file: new OutFile(resolve(out.perfetto)) };
    if (out.mermaid) mermaid = { file: new OutFile(resolve(out.mermaid)), edges: new MermaidEdges() };
    const store = await streamRows(t.chunks(), (s: TraceStore, from: number, chunk) => {
      // The whole trace: its bytes as read (the page's store decodes them as this one did: same events, same lanes).
      if (html && !w && !columns && chunk !== undefined) html.add(chunk);
      const to = Math.min(s.length, total);
      // The last call always gets a block: the counts and problems of the lines after the last rows.
      if (html && columns && (from < to || chunk === undefined)) html.addColumns(columns.encode(s, from, Math.max(from, to)));
      if (from >= to) return;
      if (html && w) for (const c of jsonlRows(s, from, to, 1024, w.ranges, localsCursor)) html.add(c);
      if (perfetto) {
        // Created once the header is in (the root process's pid), at the first rows.
        if (!perfetto.text) {
          perfetto.text = new PerfettoText(s, 1024);
          perfetto.file.write([perfetto.text.head()]);
        }
        perfetto.file.write(perfetto.text.rows(from, to));
      }
      mermaid?.edges.add(s, from, to);
    });
    if (html) {
      const p = resolve(out.html ?? '');
      const bytes = html.close();
      note(`wrote ${p} (${summary}, ${(bytes / 1e6).toFixed(1)} MB)`);
      if (w) note(`note: ${w.note}`);
      written.push(p);
    }
    if (perfetto) {
      if (!perfetto.text) {
        perfetto.text = new PerfettoText(store);
        perfetto.file.write([perfetto.text.head()]);
      }
      perfetto.file.write(perfetto.text.tail());
      perfetto.file.close();
      note(`wrote ${perfetto.file.path} (Perfetto / chrome://tracing JSON, ${summary})`);
      written.push(perfetto.file.path);
    }
    if (mermaid) {
      const m = mermaid.edges.finish(store);
      mermaid.file.write([m.text]);
      mermaid.file.close();
      const how = m.cut
        ? `; cut: ${m.switches - m.shown} of ${m.switches} switches left out to stay within Mermaid's limits`
        : m.loops
          ? `; ${m.loops} repeated patterns folded into loops${m.mode === 'shape' ? ' (values summarized first … last)' : ''}`
          : '';
      note(`wrote ${mermaid.file.path} (Mermaid sequenceDiagram, ${m.edges} arrows and notes for ${plural(m.switches, 'switch', 'switches')}${how})`);
      written.push(mermaid.file.path);
    }
  } catch (e) {
    html?.abort();
    throw e;
  }
  return written;
}

/** Events one HTML page holds ($COROSCOPE_MAX_PAGE_EVENTS lowers it, for tests). */
function maxPageEvents(): number | undefined {
  const v = Number(process.env.COROSCOPE_MAX_PAGE_EVENTS);
  return Number.isInteger(v) && v > 1 ? v : undefined;
}
