import * as vscode from 'vscode';
import { CoroscopeBus } from './bus';
import { register as registerRun } from './run';
import type { CoroscopeTestApi } from './run/test-api';
import { register as registerLens } from './lens';

/** What the extension exports. `testing` is for the integration tests only (extension/run/test-api.ts). */
export interface CoroscopeApi {
  readonly version: string;
  readonly testing: CoroscopeTestApi;
}

// activate() only wires features; each owns its commands and disposables.
export function activate(context: vscode.ExtensionContext): CoroscopeApi {
  const log = vscode.window.createOutputChannel('Coroscope', { log: true });
  const bus = new CoroscopeBus();
  context.subscriptions.push(log, bus);
  const run = registerRun(context, log, bus);
  context.subscriptions.push(run, registerLens(context, log, bus));
  return { version: String(context.extension.packageJSON.version), testing: run.testing };
}

export function deactivate(): void {}
