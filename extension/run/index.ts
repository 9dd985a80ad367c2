import * as vscode from 'vscode';
import type { CoroscopeBus } from '../bus';

/** Test/automation surface of the run feature (returned from activate()). */
export interface RunApi {
  readonly version: string;
}

// Placeholder wiring: the run-session issue fills these commands in.
export function register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, _bus: CoroscopeBus): vscode.Disposable & { api: RunApi } {
  const todo = (what: string) => () => { log.info(`${what}: not available yet`); void vscode.window.showInformationMessage(`Coroscope: ${what} is not available yet.`); };
  const subs = [
    vscode.commands.registerCommand('coroscope.run', todo('Run Current File')),
    vscode.commands.registerCommand('coroscope.showDiagram', todo('Show Tasklet Diagram')),
    vscode.commands.registerCommand('coroscope.stop', todo('Stop')),
    vscode.commands.registerCommand('coroscope.openTrace', todo('Open Trace')),
    vscode.commands.registerCommand('coroscope.exportTrace', todo('Export Trace')),
    vscode.commands.registerCommand('coroscope.revealEvent', todo('Reveal Event')),
  ];
  const d = vscode.Disposable.from(...subs);
  return Object.assign(d, { api: { version: String(context.extension.packageJSON.version) } });
}
