// Writing what the user asked for from a finished TraceStore: the
// self-contained HTML report, Perfetto JSON, Mermaid. The exporters are the
// pure functions in trace/; this module only reads the bundle files, gzips and
// writes.
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { toMermaid } from '../trace/mermaid';
import { perfettoChunks } from '../trace/perfetto';
import { SOURCES_CAP, pickSources, programFiles } from '../trace/sources';
import { inlineCodiconFont, jsonlChunks, reportHtml, type ReportAssets } from '../trace/report';
import { TYPE, type TraceStore } from '../trace/store';
import { CliError, note } from './errors';

export interface OutputPaths { html?: string; perfetto?: string; mermaid?: string }

/** Where the webview bundle lives: next to dist/cli.js, or $COROSCOPE_DIST. */
export function distDir(): string {
  return process.env.COROSCOPE_DIST || __dirname;
}

export function readAssets(dir = distDir()): ReportAssets {
  const file = (name: string): string => {
    const p = join(dir, 'webview', name);
    if (!existsSync(p)) throw new CliError(`the diagram bundle is missing (${p}); reinstall coroscope or run npm run build`);
    return p;
  };
  const ttf = readFileSync(file('codicon.ttf')).toString('base64');
  return {
    webviewJs: readFileSync(file('webview.js'), 'utf8'),
    webviewCss: readFileSync(file('webview.css'), 'utf8'),
    codiconCss: inlineCodiconFont(readFileSync(file('codicon.css'), 'utf8'), ttf),
  };
}

export function writeChunks(path: string, chunks: Iterable<string>): number {
  let fd: number;
  try { fd = openSync(path, 'w'); } catch (e) { throw new CliError(`cannot write ${path}: ${(e as Error).message}`); }
  let bytes = 0;
  try {
    for (const c of chunks) bytes += writeSync(fd, c);
  } finally { closeSync(fd); }
  return bytes;
}

/** The exit code in the trace's last `finish`, if any. */
function exitCodeOf(store: TraceStore): number | null {
  for (let i = store.length - 1; i >= 0 && i >= store.length - 1000; i--) {
    if (store.typeCode(i) === TYPE.finish) return Number.isNaN(store.num(i)) ? null : store.num(i);
  }
  return null;
}

export function htmlReport(store: TraceStore, title: string): string {
  const gz = gzipSync(Buffer.from([...jsonlChunks(store)].join(''), 'utf8'), { level: 6 });
  return reportHtml({ title, traceGzipBase64: gz.toString('base64'), exitCode: exitCodeOf(store), sources: reportSources(store) }, readAssets());
}

/** The program's own source files the trace names, read now (relative paths against the run's cwd), ≤ 2 MB. */
export function reportSources(store: TraceStore): { files: { file: string; text: string }[]; capped: boolean } {
  const cwd = store.header?.cwd;
  return pickSources(programFiles(store), (f) => {
    try {
      const p = isAbsolute(f) || !cwd ? f : join(cwd, f);
      return statSync(p).size <= SOURCES_CAP ? readFileSync(p, 'utf8') : undefined;
    } catch { return undefined; }
  });
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** Writes every requested output; returns the paths written. */
export function writeOutputs(store: TraceStore, out: OutputPaths, title: string): string[] {
  const written: string[] = [];
  const summary = `${plural(store.length, 'event')}, ${plural(store.tasks.length, 'task')}`;
  if (out.html) {
    const p = resolve(out.html);
    const bytes = writeChunks(p, [htmlReport(store, title)]);
    note(`wrote ${p} (${summary}, ${(bytes / 1e6).toFixed(1)} MB)`);
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
    const how = m.cut ? `; cut: ${m.switches - m.shown} of ${m.switches} switches left out to stay within Mermaid's limits`
      : m.loops ? `; ${m.loops} repeated patterns folded into loops${m.mode === 'shape' ? ' (values summarized first … last)' : ''}` : '';
    note(`wrote ${p} (Mermaid sequenceDiagram, ${plural(m.edges, 'arrow')} for ${plural(m.switches, 'switch', 'switches')}${how})`);
    written.push(p);
  }
  return written;
}
