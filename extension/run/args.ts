// The script's arguments: coroscope.args, or asked for before each run (coroscope.askForArgs), the last answer per
// file remembered.
import * as vscode from 'vscode';
import * as path from 'node:path';

export async function argsFor(context: vscode.ExtensionContext, uri: vscode.Uri): Promise<string[] | undefined> {
  const cfg = vscode.workspace.getConfiguration('coroscope', uri);
  const fromSetting = cfg.get<string[]>('args') ?? [];
  if (!cfg.get<boolean>('askForArgs')) return fromSetting.map(String);
  const key = `coroscope.args:${uri.toString()}`;
  const last = context.workspaceState.get<string>(key) ?? fromSetting.map(quoteForPrompt).join(' ');
  const text = await vscode.window.showInputBox({
    title: `Arguments for ${path.basename(uri.fsPath)}`,
    prompt: 'Separated by spaces; quote an argument that contains spaces.',
    value: last,
    ignoreFocusOut: true,
  });
  if (text === undefined) return undefined;
  await context.workspaceState.update(key, text);
  return splitArgs(text);
}

/** Splits a prompt answer into arguments: spaces separate, quotes group, backslash escapes. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let q: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (q) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      has = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) {
        out.push(cur);
        cur = '';
        has = false;
      }
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

function quoteForPrompt(a: string): string {
  return /[\s"'\\]/.test(a) || a === '' ? `"${a.replace(/["\\]/g, '\\$&')}"` : a;
}
