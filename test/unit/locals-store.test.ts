// `locals` lines (protocol: LocalsEvent) in the store: not rows, attached to the row before them, the last one of a
// task at or before a step answered by `store.locals.at` and by ReplayIndex.tasksAt, kept by the JSON Lines export
// (the HTML report re-encodes the trace), and nothing at all for a trace without them. Fed as bytes and as text, in
// one piece and cut anywhere, as the panel, the CLI and the report feed a store.
import * as assert from 'node:assert/strict';
import { validateEvent } from '../../protocol/events';
import { jsonlChunks } from '../../trace/jsonl';
import { ReplayIndex } from '../../trace/replay';
import { TraceStore } from '../../trace/store';

const F = '/p/locals_gen.py';
const LINES = [
  { type: 'header', schema: 1, runtime: 'coroscope 0.1.0', python: '3.11.7', capture: 'settrace', script: F, argv: [], cwd: '/', pid: 1, start: 0, ts: 100 },
  { type: 'task', ts: 100, id: '1', kind: 'main', name: 'main', parent: null, pid: 1 },
  { type: 'task', ts: 110, id: '2', kind: 'generator', name: 'counter', parent: '1', file: F, line: 14, site: 'first-run', codeFile: F, codeLine: 4 },
  { type: 'switch', ts: 111, from: '1', to: '2', reason: 'start', file: F, line: 14, toFile: F, toLine: 4 },
  { type: 'locals', ts: 112, task: '1', frame: 'main', vars: { g: '<generator counter>' } },
  { type: 'locals', ts: 113, task: '2', frame: 'counter', vars: { limit: '3' } },
  { type: 'switch', ts: 120, from: '2', to: '1', reason: 'yield', value: '0', file: F, line: 7, toFile: F, toLine: 14 },
  { type: 'locals', ts: 121, task: '2', frame: 'counter', vars: { limit: '3', total: '0', i: '0' } },
  { type: 'output', ts: 125, task: '1', stream: 'stdout', text: 'hi\n' },
  { type: 'switch', ts: 130, from: '1', to: '2', reason: 'resume', value: '1', file: F, line: 15, toFile: F, toLine: 7 },
  { type: 'locals', ts: 131, task: '1', frame: 'main', vars: { g: '<generator counter>', a: '0', 'é\u2028': "'\\n\"'" }, more: 2 },
  { type: 'end', ts: 140, task: '1', outcome: 'exit', value: '0' },
];
const TEXT = LINES.map((l) => JSON.stringify(l)).join('\n') + '\n';

function feeds(): [string, TraceStore][] {
  const out: [string, TraceStore][] = [];
  const whole = new TraceStore();
  whole.appendText(TEXT);
  whole.end();
  out.push(['text', whole]);
  const bytes = new TextEncoder().encode(TEXT);
  for (const cut of [1, 7, 64]) {
    const s = new TraceStore();
    for (let k = 0; k < bytes.length; k += cut) s.appendBytes(bytes.subarray(k, k + cut));
    s.end();
    out.push([`bytes in pieces of ${cut}`, s]);
  }
  return out;
}

describe('locals lines in the store', () => {
  it('validate as LocalsEvent, and bad ones are refused', () => {
    assert.equal(typeof validateEvent(LINES[4]), 'object');
    assert.match(String(validateEvent({ type: 'locals', ts: 1, task: '2', frame: 'f', vars: { a: 1 } })), /not a string/);
    assert.match(String(validateEvent({ type: 'locals', ts: 1, task: '2', frame: 'f' })), /needs vars/);
  });

  for (const [how, s] of feeds()) {
    it(`${how}: no rows, attached to the row before, answered per task at a step`, () => {
      assert.equal(s.problemCount, 0, JSON.stringify(s.problems));
      assert.equal(s.length, 7, 'locals lines are not rows');
      const counter = s.laneOf('2')!;
      const main = s.laneOf('1')!;
      // rows: 0 task main, 1 task counter, 2 start, 3 yield, 4 output, 5 resume, 6 end
      assert.equal(s.locals?.at(counter, 1), undefined, 'nothing before its start');
      assert.deepEqual(s.locals?.at(counter, 2)?.vars, [['limit', '3']]);
      assert.deepEqual(s.locals?.at(counter, 3)?.vars, [
        ['limit', '3'],
        ['total', '0'],
        ['i', '0'],
      ]);
      assert.deepEqual(s.locals?.at(counter, 6)?.vars.length, 3, 'the last one holds later');
      assert.deepEqual(s.locals?.at(main, 4)?.vars, [['g', '<generator counter>']]);
      const last = s.locals?.at(main, 5);
      assert.deepEqual(last?.vars.at(-1), ['é\u2028', "'\\n\"'"]);
      assert.equal(last?.more, 2);
      assert.equal(last?.frame, 'main');
      const r = new ReplayIndex(s);
      r.update();
      assert.deepEqual(
        r.tasksAt(3).map((t) => [t.name, t.locals?.vars.map(([k, v]) => `${k}=${v}`).join(' ')]),
        [
          ['main', 'g=<generator counter>'],
          ['counter', 'limit=3 total=0 i=0'],
        ],
      );
    });
  }

  it('the JSON Lines export keeps them, after the row each follows', () => {
    const s = feeds()[0][1];
    const back = [...jsonlChunks(s, 3)].join('');
    const types = back
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    assert.deepEqual(types, ['header', 'task', 'task', 'switch', 'locals', 'locals', 'switch', 'locals', 'output', 'switch', 'locals', 'end']);
    const again = new TraceStore();
    again.appendText(back);
    again.end();
    assert.deepEqual(again.locals?.at(again.laneOf('1')!, 6), s.locals?.at(s.laneOf('1')!, 6));
    // a window keeps only the locals of the rows it holds
    const win = [...jsonlChunks(s, 100, [[5, 7]])].join('');
    assert.equal(win.split('\n').filter((l) => l.includes('"type":"locals"')).length, 1);
  });

  it('a trace without them has no locals table at all', () => {
    const s = new TraceStore();
    s.appendText(
      LINES.filter((l) => l.type !== 'locals')
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    s.end();
    assert.equal(s.length, 7);
    assert.equal(s.locals, undefined);
  });
});
