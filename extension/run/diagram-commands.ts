// Show Tasklet Diagram and Reveal Event in Diagram (the lens' click): the panel, with the last trace if it has none.
import type * as vscode from 'vscode';
import * as fs from 'node:fs';
import { type DiagramPanel, savedTrace } from '../panel';

export function showDiagramCommand(context: vscode.ExtensionContext, panel: DiagramPanel): () => void {
  return () => {
    if (!panel.current) {
      const last = context.workspaceState.get<string>('coroscope.lastTrace');
      if (last && fs.existsSync(last)) panel.setTrace(savedTrace(last));
    }
    panel.show(false);
  };
}

/** `arg` is `{ index }` (the lens) or the index itself; anything else just shows the diagram. */
export function revealEventCommand(panel: DiagramPanel, showDiagram: () => void): (arg?: unknown) => void {
  return (arg) => {
    const index = typeof arg === 'object' && arg !== null ? (arg as { index?: unknown }).index : arg;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      showDiagram();
      return;
    }
    if (!panel.current) showDiagram();
    panel.focus(index);
  };
}
