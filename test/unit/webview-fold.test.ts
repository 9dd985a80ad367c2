// Folding of repeated switch patterns (trace/fold.ts) and its incremental use
// by the diagram model while a loop is still running.
import * as assert from 'node:assert/strict';
import { TraceStore } from '../../trace/store';
import { findFolds } from '../../trace/fold';
import { DiagramModel } from '../../webview/model';

type Ev = Record<string, unknown>;
const sw = (ts: number, from: string, to: string, reason: string, value?: string, line = 1): Ev => ({
  type: 'switch',
  ts,
  from,
  to,
  reason,
  value,
  file: 'f.py',
  line,
});

function store(events: Ev[]): TraceStore {
  const s = new TraceStore();
  s.appendText(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return s;
}

/** A generator loop: `n` × (yield i, next()) between main and gen, with a prologue and an epilogue. */
function loop(n: number, t0 = 0): Ev[] {
  const out: Ev[] = [sw(t0, '1', '2', 'start', undefined, 7)];
  for (let i = 0; i < n; i++) {
    out.push(sw(t0 + 2 * i + 1, '2', '1', 'yield', String(i), 3));
    out.push(sw(t0 + 2 * i + 2, '1', '2', 'resume', undefined, 7));
  }
  out.push({ type: 'end', ts: t0 + 2 * n + 1, task: '2', outcome: 'return' });
  return out;
}

describe('folding repeated patterns', () => {
  it('folds a 10,000-iteration loop into one pattern of two steps repeated 10,000 times', () => {
    const folds = findFolds(store(loop(10000)));
    assert.deepEqual(folds, [{ start: 1, period: 2, count: 10000 }]);
  });

  it('leaves short stories alone (five sends stay five rows)', () => {
    assert.deepEqual(findFolds(store(loop(5))), []);
  });

  it('prefers the shortest period and ignores values but not sites', () => {
    const same = Array.from({ length: 12 }, (_, i) => sw(i, '1', '2', 'switch', String(i)));
    assert.deepEqual(findFolds(store(same)), [{ start: 0, period: 1, count: 12 }]);
    const sites = Array.from({ length: 12 }, (_, i) => sw(i, '1', '2', 'switch', '0', i));
    assert.deepEqual(findFolds(store(sites)), []);
  });

  it('finds consecutive different loops separately', () => {
    const a = loop(20);
    const b = Array.from({ length: 30 }, (_, i) => sw(100 + i, '2', '3', 'switch', undefined, 9));
    const folds = findFolds(store([...a, ...b]));
    assert.deepEqual(
      folds.map((f) => [f.period, f.count]),
      [
        [2, 20],
        [1, 30],
      ],
    );
  });

  it('finds three-step patterns (producer → queue → consumer)', () => {
    const ev: Ev[] = [];
    for (let i = 0; i < 50; i++) {
      ev.push({ type: 'send', ts: 3 * i, task: '1', channel: 'q', value: String(i), msg: i });
      ev.push({ type: 'recv', ts: 3 * i + 1, task: '2', channel: 'q', value: String(i), msg: i });
      ev.push(sw(3 * i + 2, '2', '1', 'queue'));
    }
    assert.deepEqual(findFolds(store(ev)), [{ start: 0, period: 3, count: 50 }]);
  });

  it('gives the same folds when the loop arrives live in small batches', () => {
    const events = [...loop(3000), ...Array.from({ length: 40 }, (_, i) => sw(1e6 + i, '3', '1', 'switch', undefined, 99)), ...loop(500, 2e6)];
    const whole = findFolds(store(events));
    const s = new TraceStore();
    const m = new DiagramModel(s);
    for (let k = 0; k < events.length; k += 37) {
      s.appendText(
        events
          .slice(k, k + 37)
          .map((e) => JSON.stringify(e))
          .join('\n') + '\n',
      );
      m.update();
    }
    assert.deepEqual(m.folds, whole);
  });
});
