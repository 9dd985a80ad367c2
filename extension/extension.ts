import * as vscode from 'vscode';
import { CoroscopeBus } from './bus';
import { register as registerRun, type RunApi } from './run';
import { register as registerLens } from './lens';

/** What the extension exports; the integration tests drive it. */
export interface CoroscopeApi extends RunApi {}

// activate() only wires features; each owns its commands and disposables.
export function activate(context: vscode.ExtensionContext): CoroscopeApi {
  const log = vscode.window.createOutputChannel('Coroscope', { log: true });
  const bus = new CoroscopeBus();
  context.subscriptions.push(log, bus);
  const run = registerRun(context, log, bus);
  context.subscriptions.push(run, registerLens(context, log, bus));
  return run.api;
}

export function deactivate(): void {}
