import * as assert from 'node:assert/strict';
import type { FileStats } from '../../protocol/lsp';
import { computeStats } from '../../trace/stats';
import { TraceStore } from '../../trace/store';
import { loadTrace } from './lens-helpers';

const MS = 1e6;
const fileOf = (files: FileStats[], suffix: string) => {
  const f = files.find((x) => x.file.endsWith(suffix));
  assert.ok(f, `stats for ${suffix}`);
  return f;
};

describe('lens: computeStats from the trace store', () => {
  it('producer/consumer: the yield line resumes 6 times by main, with the values that crossed', () => {
    const store = loadTrace('lens-producer-consumer.jsonl');
    const s = computeStats(store, 'run-1', false);
    assert.equal(s.runId, 'run-1');
    assert.equal(s.live, false);
    const f = fileOf(s.files, 'producer_consumer.py');
    const y = f.yields.find((x) => x.line === 4)!;
    assert.equal(y.suspends, 6);
    assert.equal(y.resumes, 6);
    assert.equal(y.suspendedNs, 5 * 200 * MS + 100 * MS, 'five 200 ms waits, then 100 ms before close()');
    assert.equal(y.longestNs, 200 * MS);
    assert.deepEqual(y.resumedBy, ['main']);
    assert.equal(y.lastSent, '5', 'close() sends nothing: the last value sent stays 5');
    assert.equal(y.lastYielded, "'200 OK'");
    assert.deepEqual(y.reasons, ['yield']);
    assert.equal(store.type(y.firstEvent), 'switch');
    assert.equal(store.line(y.firstEvent), 4);
    assert.equal(y.spans.length, 6);
    assert.deepEqual(y.spans[0], [2 * MS, 202 * MS]);

    const send = f.yields.find((x) => x.line === 17)!;
    assert.equal(send.suspends, 5);
    assert.deepEqual(send.resumedBy, ['consumer']);
    assert.equal(send.lastYielded, '5', 'the value main passed in');
    assert.equal(send.lastSent, "'200 OK'", 'the value main got back');
    assert.equal(send.suspendedNs, 5 * MS);

    assert.equal(
      f.yields.some((x) => x.line === 6),
      false,
      'a return is not a suspension',
    );
    assert.deepEqual(
      f.defs.map((d) => [d.line, d.name, d.kind, d.tasks, d.switches, d.outcomes]),
      [[1, 'consumer', 'generator', 1, 14, ['returned None']]],
    );
    assert.equal(store.type(f.defs[0].firstEvent), 'task');
    assert.equal(s.durationNs, 1109 * MS, 'from the header to the finish event');
  });

  it("a real runtime trace: a closed generator's exit is not a suspension", () => {
    // Recorded from the runtime on examples/producer_consumer.py (yield at line 10, c.send(n) at 23, c.close() at 25).
    const s = computeStats(loadTrace('lens-runtime-producer-consumer.jsonl'), 'r', false);
    const f = fileOf(s.files, 'producer_consumer.py');
    const y = f.yields.find((x) => x.line === 10)!;
    assert.equal(y.suspends, 6);
    assert.equal(y.resumes, 6);
    assert.deepEqual(y.resumedBy, ['main']);
    assert.deepEqual(y.reasons, ['yield']);
    assert.equal(y.lastSent, '5');
    assert.equal(y.lastYielded, "'200 OK'");
    assert.deepEqual(
      y.resumedFrom?.map((r) => [r.file.endsWith('producer_consumer.py'), r.line, r.task, r.count]),
      [
        [true, 23, 'main', 5],
        [true, 25, 'main', 1],
      ],
      'main resumed it from c.send(n) five times and c.close() once',
    );
    assert.equal(f.yields.find((x) => x.line === 23)!.resumedFrom, undefined, 'a generator resumer needs no sites');
    const close = f.yields.find((x) => x.line === 25)!;
    assert.equal(close.suspends, 1, 'main did suspend at c.close()');
    assert.equal(close.resumes, 1);
    assert.deepEqual(
      f.defs.map((d) => [d.line, d.name, d.outcomes]),
      [[7, 'consumer', ['closed']]],
    );
  });

  it('asyncio: sleeps, gather, a blocked loop mark, lane summaries per coroutine', () => {
    const s = computeStats(loadTrace('lens-asyncio-blocked.jsonl'), 'r2', true);
    assert.equal(s.live, true);
    const f = fileOf(s.files, 'async_blocked.py');
    const sleep = f.yields.find((y) => y.line === 7)!;
    assert.equal(sleep.suspends, 2);
    assert.equal(sleep.suspendedNs, 302 * MS + 100 * MS);
    assert.equal(sleep.longestNs, 302 * MS);
    assert.deepEqual(sleep.resumedBy, ['event loop']);
    assert.deepEqual(sleep.reasons, ['sleep']);
    assert.equal(sleep.lastYielded, '0.1');
    const gather = f.yields.find((y) => y.line === 17)!;
    assert.equal(gather.suspendedNs, 407 * MS);
    assert.equal(gather.lastSent, "[2, 'done']");
    assert.deepEqual(
      f.defs.map((d) => [d.line, d.name, d.tasks, d.outcomes]),
      [
        [5, 'Task-2', 1, ['returned 2']],
        [11, 'Task-3', 1, ["returned 'done'"]],
        [16, 'Task-1', 1, ['returned None']],
      ],
    );
    assert.deepEqual(
      f.marks.map((m) => [m.line, m.kind, m.message]),
      [[12, 'loop-blocked', 'Task-3 blocked the event loop for 300 ms']],
    );
  });

  it('counts lanes sharing a code site together, and folds repeated outcomes', () => {
    const lines = [
      { type: 'header', schema: 1, ts: 0 },
      { type: 'task', ts: 1, id: '1', kind: 'main', name: 'main', parent: null },
      ...[2, 3, 4].map((i) => ({
        type: 'task',
        ts: i,
        id: String(i),
        kind: 'greenlet',
        name: `g${i}`,
        parent: '1',
        file: '/w.py',
        line: 20,
        codeFile: '/w.py',
        codeLine: 3,
      })),
      { type: 'switch', ts: 10, from: '1', to: '2', reason: 'switch', value: '111', file: '/w.py', line: 21 },
      { type: 'switch', ts: 12, from: '2', to: '1', reason: 'switch', value: '222', file: '/w.py', line: 5 },
      ...[2, 3, 4].map((i) => ({ type: 'end', ts: 20 + i, task: String(i), outcome: 'return', value: 'None' })),
    ];
    const store = new TraceStore();
    store.appendText(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const f = computeStats(store, 'x', false).files[0];
    assert.deepEqual(
      f.defs.map((d) => [d.line, d.tasks, d.switches, d.outcomes]),
      [[3, 3, 2, ['3× returned None']]],
    );
    const sw = f.yields.find((y) => y.line === 21)!;
    assert.equal(sw.lastYielded, '111');
    assert.equal(sw.lastSent, '222');
    assert.equal(sw.suspendedNs, 2);
  });

  it('keeps at most 64 spans per line, covering the whole run', () => {
    const lines: object[] = [
      { type: 'header', schema: 1, ts: 0 },
      { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
      { type: 'task', ts: 0, id: '2', kind: 'generator', name: 'g', parent: '1' },
    ];
    for (let i = 0; i < 1000; i++) {
      lines.push({ type: 'switch', ts: i * 10 + 1, from: '1', to: '2', reason: 'resume', file: '/g.py', line: 9 });
      lines.push({ type: 'switch', ts: i * 10 + 2, from: '2', to: '1', reason: 'yield', file: '/g.py', line: 2 });
    }
    const store = new TraceStore();
    store.appendText(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const y = computeStats(store, 'x', false).files[0].yields.find((v) => v.line === 2)!;
    assert.equal(y.suspends, 1000);
    assert.equal(y.resumes, 999);
    assert.equal(y.spans.length, 64);
    assert.equal(y.spans[0][0], 2);
    assert.equal(y.spans[63][1], 999 * 10 + 1);
  });

  it('an empty store gives no files', () => {
    assert.deepEqual(computeStats(new TraceStore(), 'e', true), { runId: 'e', live: true, files: [] });
  });
});
