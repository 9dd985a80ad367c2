// Export Trace…: asks for a format and a file (unless given, as tests and keybindings do), then writes it (export.ts).
import * as vscode from 'vscode';
import * as path from 'node:path';
import { loadStore } from '../../session/trace-file';
import { exportFormats, exportTrace, type ExportFormat } from './export';
import type { RunState } from './state';

export function exportCommand(log: vscode.LogOutputChannel, state: RunState): (formatArg?: unknown, targetArg?: unknown) => Promise<void> {
  return async (formatArg, targetArg) => {
    const src = state.exportSource;
    if (!src) {
      void vscode.window.showInformationMessage('Coroscope: nothing to export yet. Run a script or open a trace first.');
      return;
    }
    let format = typeof formatArg === 'string' && exportFormats.some((f) => f.id === formatArg) ? (formatArg as ExportFormat) : undefined;
    if (!format) {
      const pick = await vscode.window.showQuickPick(
        exportFormats.map((f) => ({ label: f.label, description: f.description, id: f.id })),
        { title: `Export ${src.title}` },
      );
      if (!pick) return;
      format = pick.id;
    }
    const fmt = exportFormats.find((f) => f.id === format)!;
    let target = targetArg instanceof vscode.Uri ? targetArg : undefined;
    if (!target) {
      const base = path.basename(src.file).replace(/\.jsonl$/, '');
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      target = await vscode.window.showSaveDialog({
        defaultUri: folder ? vscode.Uri.joinPath(folder, base + fmt.ext) : undefined,
        filters: { [fmt.label]: [fmt.ext.slice(1)] },
        saveLabel: 'Export',
      });
    }
    if (!target) return;
    if (src.live()) void vscode.window.showInformationMessage('Coroscope: the script is still running; exporting the events so far.');
    try {
      // A live run's file still grows: read it for this export only; a finished one's store is kept for the next.
      const store = format === 'jsonl' ? undefined : (src.store ?? (src.live() ? await loadStore(src.file) : (src.store = await loadStore(src.file))));
      const note = await exportTrace(format, src.file, store, target.fsPath);
      log.info(`exported ${fmt.label} to ${target.fsPath}${note ? ` (${note})` : ''}`);
      const t = target;
      void vscode.window
        .showInformationMessage(`Coroscope: exported ${fmt.label} to ${path.basename(t.fsPath)}${note ? ` — ${note}` : ''}.`, 'Open')
        .then((a) => {
          if (a === 'Open') void vscode.commands.executeCommand('vscode.open', t);
        });
    } catch (e) {
      log.error(`export failed: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Coroscope: export failed: ${(e as Error).message}`);
    }
  };
}
