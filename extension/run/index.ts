// The run feature: commands Run / Stop / Show Diagram / Open Trace / Export Trace / Reveal Event, the current
// RunSession, the diagram panel and the status bar. register() only wires them; each command is its own module.
// Extension-life disposables go to the returned Disposable (pushed on context.subscriptions by activate());
// session-life ones live in the session.
import * as vscode from 'vscode';
import type { CoroscopeBus } from '../bus';
import { DiagramPanel } from '../panel';
import { revealEventCommand, showDiagramCommand } from './diagram-commands';
import { exportCommand } from './export-command';
import { openTraceCommand } from './open-trace';
import { runCommand } from './run-command';
import { RunState } from './state';
import { StatsPublisher } from './stats-publisher';
import { type CoroscopeTestApi, testApi } from './test-api';

export function register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, bus: CoroscopeBus): vscode.Disposable & { testing: CoroscopeTestApi } {
  const state = new RunState();
  const status = vscode.window.createStatusBarItem('coroscope.status', vscode.StatusBarAlignment.Left, 50);
  status.name = 'Coroscope';
  const panel = new DiagramPanel(context, log, {
    onStop: () => {
      void state.stop();
    },
    onClosed: () => {
      if (state.current?.running && vscode.workspace.getConfiguration('coroscope').get<boolean>('stopRunWhenPanelCloses')) {
        log.info('diagram closed: stopping the run (coroscope.stopRunWhenPanelCloses)');
        void state.stop();
      }
    },
  });
  const stats = new StatsPublisher(bus, log);
  const showDiagram = showDiagramCommand(context, panel);

  const subs: vscode.Disposable[] = [
    status,
    panel,
    stats,
    vscode.commands.registerCommand('coroscope.run', runCommand({ context, log, panel, status, state, stats })),
    vscode.commands.registerCommand('coroscope.showDiagram', showDiagram),
    vscode.commands.registerCommand('coroscope.stop', () => state.stop()),
    vscode.commands.registerCommand('coroscope.openTrace', openTraceCommand(log, panel, state, stats)),
    vscode.commands.registerCommand('coroscope.exportTrace', exportCommand(log, state)),
    vscode.commands.registerCommand('coroscope.revealEvent', revealEventCommand(panel, showDiagram)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => log.info('workspace trusted: Run is available')),
    state,
  ];
  state.setRunning(false);
  return Object.assign(vscode.Disposable.from(...subs.reverse()), { testing: testApi(state, panel) });
}
