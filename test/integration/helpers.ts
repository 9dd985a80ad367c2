// Helpers shared by the integration tests (they run inside the VS Code extension host).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CoroscopeApi } from '../../extension/extension';
import type { CoroscopeTestApi } from '../../extension/run/test-api';

/** The test workspace: a copy of examples/ plus test/fixtures/ (as fixtures/). */
export const ws = process.env.COROSCOPE_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders![0].uri.fsPath;
export const fixture = (...p: string[]) => vscode.Uri.file(path.join(ws, 'fixtures', ...p));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond` holds (checked every 50 ms: the test API has no events), failing with `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !cond(); await sleep(50)) if (Date.now() > end) assert.fail(`timed out waiting: ${what}`);
}

/** The extension's test API, activating it if need be. */
export async function api(): Promise<CoroscopeTestApi> {
  const ext = vscode.extensions.getExtension<CoroscopeApi>('coroscope.coroscope');
  assert.ok(ext, 'extension loaded');
  return (await ext.activate()).testing;
}
