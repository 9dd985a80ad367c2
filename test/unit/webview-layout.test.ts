// The diagram's layout model: rows (steps, folds, filters), lanes, activation
// bars with nesting, and the compressed time axis.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceStore } from '../../trace/store';
import { DiagramModel } from '../../webview/model';
import { compileQuery, parseQuery } from '../../webview/query';
import { label } from '../../webview/labels';
import { autoTable } from '../../webview/viewport';

const traces = join(__dirname, '..', '..', '..', 'test/fixtures/traces');

function model(text: string): DiagramModel {
  const s = new TraceStore();
  s.appendText(text);
  s.end();
  const m = new DiagramModel(s);
  m.update();
  return m;
}
const jsonl = (ev: object[]) => ev.map((e) => JSON.stringify(e)).join('\n') + '\n';

function loopText(n: number): string {
  const ev: object[] = [
    { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
    { type: 'task', ts: 1, id: '2', kind: 'generator', name: 'gen', parent: '1' },
    { type: 'switch', ts: 2, from: '1', to: '2', reason: 'start', file: 'l.py', line: 7 },
  ];
  for (let i = 0; i < n; i++) {
    ev.push({ type: 'switch', ts: 3 + 2 * i, from: '2', to: '1', reason: 'yield', value: String(i), file: 'l.py', line: 3 });
    ev.push({ type: 'switch', ts: 4 + 2 * i, from: '1', to: '2', reason: 'resume', file: 'l.py', line: 7 });
  }
  ev.push({ type: 'end', ts: 1e6, task: '2', outcome: 'return' });
  return jsonl(ev);
}

describe('diagram layout', () => {
  it('gives each event one row in the steps scale, in order', () => {
    const m = model(readFileSync(join(traces, 'webview-producer-consumer.jsonl'), 'utf8'));
    assert.equal(m.rowCount, m.store.length);
    for (let r = 0; r < m.rowCount; r++) {
      assert.equal(m.rowEvent(r), r);
      assert.equal(m.eventRow(r), r);
    }
    assert.deepEqual(m.laneStart, [0, 1]);
    assert.deepEqual(m.laneEnd, [-1, m.store.length - 3]);
  });

  it('draws an activation bar on the lane that runs, and nests delegation', () => {
    const m = model(readFileSync(join(traces, 'webview-producer-consumer.jsonl'), 'utf8'));
    const s = m.store;
    const send1 = [...Array(s.length).keys()].find((i) => label(s, i) === 'send(1)')!;
    assert.deepEqual(m.stateAfter(send1), [0, 1], 'consumer runs after send(1)');
    assert.deepEqual(m.stateAfter(send1 + 2), [1, 0], 'main runs after the yield');
    const nested = model(
      jsonl([
        { type: 'switch', ts: 1, from: 'a', to: 'b', reason: 'resume', depth: 2, frame: 'sub' },
        { type: 'switch', ts: 2, from: 'b', to: 'a', reason: 'yield' },
      ]),
    );
    assert.deepEqual(nested.stateAfter(0), [0, 3]);
    assert.deepEqual(nested.stateAfter(1), [1, 0]);
  });

  it('folds a long loop into first iteration, one fold row, last iteration; expanding restores every row', () => {
    const m = model(loopText(1000));
    const n = m.store.length;
    assert.equal(m.folds.length, 1);
    assert.equal(m.rowCount, n - 2 * 998 + 1);
    const foldRow = m.eventRow(m.folds[0].start + 500);
    assert.ok(m.rowFold(foldRow) >= 0);
    assert.equal(label(m.store, m.rowEvent(foldRow + 1)), 'yield 999');
    for (let r = 0; r < m.rowCount; r++) if (m.rowFold(r) < 0) assert.equal(m.eventRow(m.rowEvent(r)), r);
    m.toggleFold(0);
    assert.equal(m.rowCount, n);
    m.toggleFold(0);
    m.reveal(m.folds[0].start + 500);
    assert.equal(m.rowCount, n, 'revealing a hidden event expands its fold');
    m.setFolding(false);
    assert.equal(m.rowCount, n);
  });

  it('filters rows by task, reason and value text, live too', () => {
    const m = model(readFileSync(join(traces, 'webview-producer-consumer.jsonl'), 'utf8'));
    const q = (text: string) => {
      m.setFilter(compileQuery(m.store, parseQuery(text)));
      return Array.from({ length: m.rowCount }, (_, r) => label(m.store, m.rowEvent(r)));
    };
    assert.deepEqual(q('reason:resume'), ['send(1)', 'send(2)', 'send(3)', 'send(4)', 'send(5)']);
    assert.deepEqual(q('task:consumer type:switch 200 OK'), Array(5).fill("yield '200 OK'"));
    assert.equal(q('Consuming 3').length, 1);
    q('type:output');
    const before = m.rowCount;
    m.store.appendText(JSON.stringify({ type: 'output', ts: 9e9, task: '1', stream: 'stdout', text: 'late\n' }) + '\n');
    m.update();
    assert.equal(m.rowCount, before + 1);
    m.setFilter(null);
    assert.equal(m.rowCount, m.store.length);
  });

  it('draws time proportionally by default, and compresses long gaps only when asked (and reports them)', () => {
    const m = model(
      jsonl([
        { type: 'switch', ts: 0, from: 'a', to: 'b', reason: 'resume' },
        { type: 'switch', ts: 1000, from: 'b', to: 'a', reason: 'sleep', value: '2' },
        { type: 'switch', ts: 2e9 + 1000, from: 'a', to: 'b', reason: 'resume' },
        { type: 'switch', ts: 2e9 + 3000, from: 'b', to: 'a', reason: 'yield' },
      ]),
    );
    // Proportional: a 2 s sleep is 2 s of the axis.
    assert.equal(m.compressGaps, false);
    assert.equal(m.ctime(2), 2e9 + 1000);
    assert.deepEqual(m.gapsBetween(0, 3), []);
    m.compressGaps = true;
    // Typical step 2 µs: gaps over 8 × that are compressed to it.
    assert.equal(m.gapNs, 16000);
    assert.equal(m.ctime(1), 1000);
    assert.equal(m.ctime(2), 1000 + m.gapNs);
    assert.equal(m.ctime(3), 3000 + m.gapNs);
    assert.deepEqual(m.gapsBetween(0, 3), [[2, 2e9]]);
    assert.equal(m.rowAtTime(1001), 2);
  });
});

describe('layout for a laptop (issue 17)', () => {
  it('opens the events table automatically only when every lane keeps its column beside it', () => {
    assert.equal(autoTable(1400, 2), true);
    // examples/gevent_sleep.py has 5 lanes: at 1,400 px the table would squeeze them.
    assert.equal(autoTable(1400, 5), false);
    assert.equal(autoTable(2400, 5), true);
    assert.equal(autoTable(800, 1), false, 'a narrow panel keeps its width for the diagram');
  });
});
