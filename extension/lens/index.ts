import * as vscode from 'vscode';
import type { CoroscopeBus } from '../bus';

// Placeholder: the yield-point lens issue starts the language client here.
export function register(_context: vscode.ExtensionContext, _log: vscode.LogOutputChannel, _bus: CoroscopeBus): vscode.Disposable {
  return new vscode.Disposable(() => undefined);
}
