// The diagram's layout model: rows (steps, folds, filters), lanes, activation
// bars with nesting, and the compressed time axis.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TYPE, TraceStore } from '../../trace/store';
import { findFolds, stepKey } from '../../trace/fold';
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

  it('finds the row at a time from a known earlier row (galloping) as it does from the start, with equal times and folds', () => {
    // Uneven steps, runs of equal times, and a folded loop (a fold row stands for many events at its first's time).
    let ts = 2e6;
    let seed = 7;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    const m = model(
      loopText(400) +
        jsonl(
          Array.from({ length: 3000 }, (_, i) => ({
            type: 'switch',
            ts: (ts += [0, 0, 1, 7, 30, 1000, 5e4][rnd(7)]),
            from: String(1 + rnd(5)),
            to: String(1 + rnd(5)),
            reason: 'switch',
            value: String(i),
          })),
        ),
    );
    assert.ok(m.folds.length > 0, 'the loop is folded');
    const n = m.rowCount;
    let checked = 0;
    for (let r = 0; r < n; r += 1 + (r % 5)) {
      const t0 = m.rowTime(r);
      for (const t of [t0, t0 + 1, t0 + 9, t0 + 1000, t0 + 5e4, t0 + 1e9]) {
        const want = m.rowAtTime(t);
        // any row before which every row is earlier than t
        for (const from of [r, Math.min(r + 1, want), want, Math.max(0, want - 1)]) {
          if (from > 0 && m.rowTime(from - 1) >= t) continue;
          assert.equal(m.rowAtTime(t, from), want, `t=${t} from=${from}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 2000, `${checked} cases`);
  });
});

describe('layout over many column chunks', () => {
  it("activation states, lane ends and folds walked chunk by chunk match an event-by-event reference, across the store's 65,536-row chunks", () => {
    // 150,000 events in 7 lanes with depths, ends and a repeated stretch, appended in uneven pieces.
    const ev: object[] = [];
    for (let l = 1; l <= 7; l++) ev.push({ type: 'task', ts: l, id: String(l), kind: 'generator', name: `g${l}`, parent: null });
    let cur = 1;
    for (let i = 0; ev.length < 150_000; i++) {
      const to = i % 5000 < 300 ? 1 + (i % 2) : 1 + ((i * 7 + (i >> 3)) % 7);
      ev.push({
        type: 'switch',
        ts: 10 + i,
        from: String(cur),
        to: String(to),
        reason: 'resume',
        depth: i % 11 === 0 ? 2 : 0,
        file: 'x.py',
        line: 1 + (i % 5000 < 300 ? 0 : i % 13),
      });
      cur = to;
      if (i === 100_000) ev.push({ type: 'end', ts: 10 + i, task: '7', outcome: 'return' });
    }
    const text = jsonl(ev);
    const s = new TraceStore();
    const m = new DiagramModel(s);
    for (let at = 0; at < text.length; ) {
      const cut = text.indexOf('\n', Math.min(text.length - 1, at + 1_234_567)) + 1 || text.length;
      s.appendText(text.slice(at, cut));
      m.update();
      at = cut;
    }
    s.end();
    m.update();
    assert.ok(s.length > 2 * 65_536, `${s.length} events`);
    // Reference: the states after each event, one event at a time through the accessors.
    const st: number[] = new Array(s.tasks.length).fill(0);
    const at = [1, 65_535, 65_536, 65_537, 100_001, 131_071, 131_072, s.length - 1];
    // Rows closer than a snapshot apart are walked event by event (here across a chunk's end).
    const near = [65_000, 65_535, 65_536, 65_540, 65_999, 131_000, 131_072, 131_500];
    at.push(...near);
    const want = new Map<number, string>();
    for (let i = 0; i < s.length; i++) {
      if (s.typeCode(i) === TYPE.switch) {
        st[s.a(i)] = 0;
        const d = s.num(i);
        st[s.b(i)] = 1 + (d > 0 ? Math.min(d, 100) : 0); // (NaN: no depth)
      } else if (s.typeCode(i) === TYPE.end) st[s.a(i)] = 0;
      if (at.includes(i)) want.set(i, st.join());
    }
    // (the model's arrays hold the lanes seen so far: a lane not seen yet is not running)
    const norm = (x: number[]) => Array.from({ length: s.tasks.length }, (_, l) => x[l] ?? 0).join();
    for (const i of at) assert.equal(norm(m.stateAfter(i)), want.get(i), `state after ${i}`);
    const along: string[] = [];
    m.statesAlong(near, (_k, x) => along.push(norm(x)));
    assert.deepEqual(
      along,
      near.map((i) => want.get(i)),
    );
    assert.equal(m.laneEnd[6], 100_008, 'the end of lane 7 (after the 100,001st switch)');
    // Folds found with keys walked by chunk are those of stepKey, event by event.
    const folds = findFolds(s, { from: 60_000, to: 140_000 });
    assert.ok(folds.length > 0);
    for (const f of folds) for (let k = 0; k < f.period; k++) assert.equal(stepKey(s, f.start + k), stepKey(s, f.start + f.period * (f.count - 1) + k));
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

describe("asyncio.run's shutdown (issue 17)", () => {
  // The shape the runtime records (3.11 and 3.14 alike): main() returns, the loop returns to the main thread, then
  // asyncio.run runs the loop twice more for its own clean-up, making a _do_shutdown thread; the executor's worker ends.
  const asyncioRun = (extra: object[] = []) => [
    { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
    { type: 'task', ts: 1, id: '2', kind: 'event-loop', name: 'event loop', parent: '1' },
    { type: 'task', ts: 2, id: '3', kind: 'asyncio-task', name: 'main', parent: '1', file: 'a.py', line: 9 },
    { type: 'switch', ts: 3, from: '1', to: '2', reason: 'run' },
    { type: 'switch', ts: 4, from: '2', to: '3', reason: 'step', toFile: 'a.py', toLine: 5 },
    { type: 'task', ts: 5, id: '4', kind: 'thread', name: 'asyncio_0', parent: '3', file: 'a.py', line: 6 },
    { type: 'switch', ts: 6, from: '3', to: '2', reason: 'return', file: 'a.py', line: 7 },
    { type: 'end', ts: 6, task: '3', outcome: 'return' },
    { type: 'switch', ts: 7, from: '2', to: '1', reason: 'return' },
    ...extra,
  ];
  const shutdown = [
    { type: 'switch', ts: 8, from: '1', to: '2', reason: 'run' },
    { type: 'switch', ts: 9, from: '2', to: '1', reason: 'return' },
    { type: 'switch', ts: 10, from: '1', to: '2', reason: 'run' },
    { type: 'task', ts: 11, id: '5', kind: 'thread', name: 'Thread-1 (_do_shutdown)', parent: '2', file: 'a.py', line: 9 },
    { type: 'end', ts: 12, task: '4', outcome: 'return' },
    { type: 'end', ts: 13, task: '5', outcome: 'return' },
    { type: 'switch', ts: 14, from: '2', to: '1', reason: 'return' },
  ];
  const end = [
    { type: 'end', ts: 15, task: '1', outcome: 'exit', value: '0' },
    { type: 'finish', ts: 16, exitCode: 0 },
  ];

  it('folds the loop runs of its own clean-up and the _do_shutdown lane into one row; shown on request', () => {
    const m = model(jsonl([...asyncioRun(), ...shutdown, ...end]));
    const sd = m.folds.filter((f) => f.shutdown);
    assert.deepEqual(
      sd.map((f) => [f.start, f.start + f.period]),
      [[9, 16]],
    );
    assert.equal(m.rowCount, 18 - 7 + 1);
    assert.equal(m.rowFold(9), m.folds.indexOf(sd[0]));
    assert.deepEqual([...m.hiddenLanes], [4], 'the _do_shutdown thread has no lane while folded');
    assert.equal(m.eventRow(16), 10, 'the main thread ends on the row after it');
    m.setShutdownShown(true);
    assert.equal(m.rowCount, 18);
    assert.deepEqual([...m.hiddenLanes], []);
    m.setShutdownShown(false);
    m.reveal(12);
    assert.equal(m.rowCount, 18, 'a cursor on one of its events shows it');
    assert.equal(m.shutdownShown, true);
    m.toggleFold(m.folds.indexOf(sd[0]));
    assert.equal(m.rowCount, 12);
  });

  it('never folds a run that stepped a task or in which the program did something', () => {
    const print = { type: 'output', ts: 10.5, task: '1', stream: 'stdout', text: 'bye\n' };
    const m = model(jsonl([...asyncioRun(), ...shutdown.slice(0, 3), print, ...shutdown.slice(3), ...end]));
    // The first clean-up run (nothing but the loop) folds alone; the one with a print does not.
    assert.deepEqual(
      m.folds.filter((f) => f.shutdown).map((f) => [f.start, f.start + f.period]),
      [[9, 11]],
    );
    assert.deepEqual([...m.hiddenLanes], []);
    const plain = model(jsonl([...asyncioRun(), ...end]));
    assert.equal(plain.folds.filter((f) => f.shutdown).length, 0, "the program's own run is never folded");
  });

  it('folds it as it streams in', () => {
    const s = new TraceStore();
    const m = new DiagramModel(s);
    const all = [...asyncioRun(), ...shutdown, ...end];
    for (const e of all) {
      s.appendText(jsonl([e]));
      m.update();
    }
    s.end();
    m.update();
    assert.deepEqual(
      m.folds.filter((f) => f.shutdown).map((f) => [f.start, f.start + f.period]),
      [[9, 16]],
    );
  });
});
