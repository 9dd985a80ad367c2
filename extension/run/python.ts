// Which Python runs the script: session/python.ts's discovery with VS Code's inputs (the setting, the interpreter
// selected in the Python extension) and VS Code's way of saying what went wrong.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { PythonExtension, PVSC_EXTENSION_ID } from '@vscode/python-extension';
import { discoverPython, probePython, type PythonFound } from '../../session/python';

export async function findPython(resource: vscode.Uri, log: vscode.LogOutputChannel): Promise<PythonFound | undefined> {
  const setting = (vscode.workspace.getConfiguration('coroscope', resource).get<string>('pythonPath') ?? '').trim();
  const r = await discoverPython({
    setting: setting ? expandHome(setting) : '',
    selected: () => selectedInterpreter(resource, log),
    probe: (c) => probePython(c),
  });
  if (r.ok) {
    log.info(`python: ${r.command} ${r.version.join('.')} (from ${r.source})`);
    return r;
  }
  log.error(r.message);
  void vscode.window.showErrorMessage(`Coroscope: ${r.message}`, 'Open Settings').then((choice) => {
    if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'coroscope.pythonPath');
  });
  return undefined;
}

/** The interpreter selected in the Python extension for this file, when that extension is installed. */
async function selectedInterpreter(resource: vscode.Uri, log: vscode.LogOutputChannel): Promise<string | undefined> {
  if (!vscode.extensions.getExtension(PVSC_EXTENSION_ID)) return undefined;
  try {
    const api = await PythonExtension.api();
    const envPath = api.environments.getActiveEnvironmentPath(resource);
    const env = await api.environments.resolveEnvironment(envPath);
    return env?.executable.uri?.fsPath ?? envPath.path;
  } catch (e) {
    log.warn(`the Python extension did not tell its interpreter: ${(e as Error).message}`);
    return undefined;
  }
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? path.join(process.env.HOME ?? process.env.USERPROFILE ?? '~', p.slice(2)) : p;
}
