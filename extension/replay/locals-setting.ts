// The `coroscope.captureLocals` setting (issue 18: locals, opt-in): read by the run command, shown and changed by
// the panel's Locals toggle. One place so both agree on its name and where it is saved.
import * as vscode from 'vscode';

const SECTION = 'coroscope';
const KEY = 'captureLocals';

export function captureLocals(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>(KEY) ?? false;
}

/** The toggle's change, saved where the setting is set now (the workspace's when it has one, else the user's). */
export async function setCaptureLocals(on: boolean): Promise<void> {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const where = cfg.inspect<boolean>(KEY)?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await cfg.update(KEY, on, where);
}

/** Calls `f` with the new value whenever the setting changes. */
export function onCaptureLocals(f: (on: boolean) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`${SECTION}.${KEY}`)) f(captureLocals());
  });
}
