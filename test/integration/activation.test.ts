import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const COMMANDS = ['coroscope.run', 'coroscope.showDiagram', 'coroscope.stop', 'coroscope.openTrace', 'coroscope.exportTrace'];

describe('extension in the VS Code extension host', () => {
  it('activates and registers its commands', async () => {
    const ext = vscode.extensions.getExtension('coroscope.coroscope');
    assert.ok(ext, 'the coroscope extension is loaded in this VS Code');
    await ext.activate();
    assert.equal(ext.isActive, true);
    const all = await vscode.commands.getCommands(true);
    for (const c of COMMANDS) assert.ok(all.includes(c), `command ${c} is registered`);
  });

  it('runs inside a real extension host, not plain Node', () => {
    assert.equal(typeof vscode.window.createWebviewPanel, 'function');
    assert.ok(vscode.version.match(/^1\.\d+/), `VS Code version ${vscode.version}`);
  });
});
