// Open Trace…: a saved trace in the diagram (after a first-line check with a clear message) and its stats for the lens.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DiagramPanel, savedTrace } from '../panel';
import { SCHEMA_VERSION } from '../../protocol/events';
import { loadStore } from '../../session/trace-file';
import { StatsBuilder } from '../../trace/stats';
import type { RunState } from './state';
import type { StatsPublisher } from './stats-publisher';

export function openTraceCommand(log: vscode.LogOutputChannel, panel: DiagramPanel, state: RunState, stats: StatsPublisher): (arg?: unknown) => Promise<void> {
  return async (arg) => {
    let uri = arg instanceof vscode.Uri ? arg : undefined;
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: 'Open Trace',
        filters: { 'Coroscope trace (JSON Lines)': ['jsonl'], 'All files': ['*'] },
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      uri = picked?.[0];
    }
    if (!uri) return;
    const file = uri.fsPath;
    const problem = checkTraceHeader(file);
    if (problem) {
      void vscode.window.showErrorMessage(`Coroscope: cannot open ${path.basename(file)}: ${problem}`);
      return;
    }
    log.info(`open trace ${file}`);
    const source: RunState['exportSource'] = { file, title: path.basename(file), live: () => false };
    state.exportSource = source;
    panel.setTrace(savedTrace(file));
    panel.setStatus(panel.current!, 'loaded');
    panel.show(false);
    // The lens gets this trace's stats too, without blocking on a big file, and without holding it: each chunk's rows
    // go once the builder has read them (a 20M-event trace would otherwise cost the host ~1 GB; Export reads the file).
    const builder = new StatsBuilder();
    const store = await loadStore(file, (s) => {
      builder.update(s);
      s.releaseBefore(s.length);
    });
    stats.publishSnapshot(builder.update(store).snapshot(`file:${file}`, false));
  };
}

/** A first-line check with a clear message, before the panel is touched. */
export function checkTraceHeader(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    if (n === 0) return 'the file is empty.';
    const text = buf.subarray(0, n).toString('utf8');
    const nl = text.indexOf('\n');
    const first = (nl < 0 ? text : text.slice(0, nl)).trim();
    let h: unknown;
    try {
      h = JSON.parse(first);
    } catch {
      return 'it is not a Coroscope trace (the first line is not JSON).';
    }
    const o = h as { type?: unknown; schema?: unknown };
    if (typeof h !== 'object' || h === null || o.type !== 'header') return 'it is not a Coroscope trace (the first line is not a "header").';
    if (o.schema !== SCHEMA_VERSION) return `it is a trace of schema version ${String(o.schema)}; this Coroscope reads version ${SCHEMA_VERSION}.`;
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
