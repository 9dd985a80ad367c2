// What the diagram shows, as data: the answer to the host's `query` message
// (the integration tests and the panel's test API read it).

import type { DiagramSummary } from '../protocol/messages';
import { TYPE, type TraceStore } from '../trace/store';
import type { DiagramModel } from './model';
import { foldLabel } from './render';
import { label, laneName } from './labels';

export function diagramSummary(s: TraceStore, m: DiagramModel): DiagramSummary {
  const labels: string[] = [];
  for (let r = 0; r < m.rowCount && labels.length < 500; r++) {
    const f = m.rowFold(r);
    if (f >= 0) {
      labels.push(foldLabel(m, f));
      continue;
    }
    const e = m.rowEvent(r);
    const t = s.typeCode(e);
    if (t === TYPE.switch || t === TYPE.recv) labels.push(label(s, e));
  }
  return {
    events: s.length,
    tasks: s.tasks.map((t, l) => ({ id: t.id, name: t.name, kind: t.kind, label: laneName(s, l) })),
    switches: s.switchCount,
    labels,
    rows: m.rowCount,
    folds: m.folds.map((f) =>
      f.shutdown
        ? { start: f.start, period: f.period, count: f.count, collapsed: !m.showShutdown && !m.expanded.has(f.start), shutdown: true }
        : { start: f.start, period: f.period, count: f.count, collapsed: m.foldingOn && !m.expanded.has(f.start) },
    ),
    hiddenLanes: [...m.hiddenLanes].map((l) => s.tasks[l]?.id ?? ''),
  };
}
