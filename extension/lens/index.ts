// The language client: starts the Coroscope language server (dist/server.js,
// its own Node process) for Python files, and forwards the run's per-line
// stats and the lens/hover/diagnostics settings to it.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { STATS_NOTIFICATION, type LensServerSettings, type StatsParams } from '../../protocol/lsp';
import type { CoroscopeBus } from '../bus';

export function readLensSettings(): LensServerSettings {
  const c = vscode.workspace.getConfiguration('coroscope');
  return {
    lens: { enabled: c.get<boolean>('lens.enabled', true) },
    hover: { enabled: c.get<boolean>('hover.enabled', true) },
    diagnostics: { enabled: c.get<boolean>('diagnostics.enabled', true) },
  };
}

export function register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, bus: CoroscopeBus): vscode.Disposable {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    // Notebook cells (vscode-notebook-cell) are left out on purpose: their lines are not the file's lines.
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
    ],
    initializationOptions: readLensSettings(),
    outputChannel: log,
  };
  const client = new LanguageClient('coroscope', 'Coroscope Lens', serverOptions, clientOptions);
  let latest: StatsParams | undefined = bus.lastStats;
  let disposed = false;

  const send = (s: StatsParams) => {
    if (!client.isRunning()) return; // sent once it starts (see below)
    client.sendNotification(STATS_NOTIFICATION, s).catch((e: unknown) => log.warn(`coroscope: could not send stats: ${String(e)}`));
  };
  const subs: vscode.Disposable[] = [
    bus.onStats((s) => {
      latest = s;
      send(s);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('coroscope') || !client.isRunning()) return;
      void client.sendNotification('workspace/didChangeConfiguration', { settings: { coroscope: readLensSettings() } });
    }),
  ];

  const started = client.start().then(
    () => {
      if (disposed) return;
      log.info('coroscope: lens server started');
      if (latest) send(latest);
    },
    (e: unknown) => log.error(`coroscope: the lens server did not start: ${String(e)}`),
  );

  return new vscode.Disposable(() => {
    disposed = true;
    for (const s of subs) s.dispose();
    void started.finally(() => client.stop().catch(() => undefined));
  });
}
