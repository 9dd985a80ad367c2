// Lenses on delegating lines (issue 17): a `yield from inner()` whose task suspended inside `inner` counts those
// suspensions and what `inner` returned there; a cancel that ends a task is no suspension; ProcessPoolExecutor.map
// chunks count as calls of their function. The trace is the shape the runtime writes (test/runtime/lens-truth.test.ts
// checks the same on real runs).
import * as assert from 'node:assert/strict';
import { buildLenses, yieldStatsTitle } from '../../extension/server/lenses';
import { StatsPlacement } from '../../extension/server/placement';
import { chunkCalls, chunkText, computeStats } from '../../trace/stats';
import { TraceStore } from '../../trace/store';
import { analyzeText } from './lens-helpers';

const F = '/w/gen.py';
const TEXT = [
  'def inner(n):', //                    1
  '    for i in range(n):', //           2
  '        x = yield i', //              3
  '    return 60', //                    4
  '', //                                 5
  'def outer():', //                     6
  '    total = yield from inner(2)', //  7
  '    yield total', //                  8
  '', //                                 9
  'async def middle():', //              10
  '    return await fetch()', //         11
  '', //                                 12
  'g = outer()', //                      13
  'next(g)', //                          14
  'g.send(1)', //                        15
  'g.send(2)', //                        16
].join('\n');

function store(lines: object[]): TraceStore {
  const s = new TraceStore();
  const head = { type: 'header', schema: 1, runtime: 't', python: '3.11', capture: 'settrace', script: F, argv: [F], cwd: '/w', pid: 1, start: 0, ts: 0 };
  s.appendText([head, ...lines].map((e, i) => JSON.stringify({ ts: i * 1000, ...e })).join('\n') + '\n');
  s.end();
  return s;
}

const TRACE = [
  { type: 'task', id: '1', kind: 'main', name: 'main', parent: null, pid: 1 },
  { type: 'task', id: '2', kind: 'generator', name: 'outer', parent: '1', file: F, line: 14, codeFile: F, codeLine: 6 },
  { type: 'switch', from: '1', to: '2', reason: 'start', file: F, line: 14, toFile: F, toLine: 6 },
  { type: 'switch', from: '2', to: '1', reason: 'yield', value: '0', file: F, line: 3, toFile: F, toLine: 14, depth: 1, frame: 'inner' },
  { type: 'switch', from: '1', to: '2', reason: 'resume', value: '1', file: F, line: 15, toFile: F, toLine: 7, depth: 1, frame: 'inner' },
  { type: 'switch', from: '2', to: '1', reason: 'yield', value: '1', file: F, line: 3, toFile: F, toLine: 15, depth: 1, frame: 'inner' },
  { type: 'switch', from: '1', to: '2', reason: 'resume', value: '2', file: F, line: 16, toFile: F, toLine: 7, depth: 1, frame: 'inner' },
  { type: 'switch', from: '2', to: '2', reason: 'return', value: '60', file: F, line: 4, toFile: F, toLine: 7, delegate: 'inner' },
  { type: 'switch', from: '2', to: '1', reason: 'yield', value: '60', file: F, line: 8, toFile: F, toLine: 16 },
  { type: 'finish', exitCode: 0, dropped: 0 },
];

describe('lens: delegation, cancels and process-pool chunks (issue 17)', () => {
  it('a yield from line counts the suspensions inside its delegate and says what the delegate gave back', async () => {
    const s = computeStats(store(TRACE), 'r', false);
    const f = s.files.find((x) => x.file === F)!;
    const y7 = f.yields.find((y) => y.line === 7)!;
    assert.deepEqual([y7.suspends, y7.through, y7.delegates, y7.returned], [0, 2, ['inner'], '60']);
    const { a, src } = await analyzeText(TEXT);
    const placed = new StatsPlacement('r', src.lineCount, f, false, s.durationNs).placed();
    const titles = new Map<number, string[]>();
    for (const l of buildLenses(a, placed)) titles.set(l.line + 1, [...(titles.get(l.line + 1) ?? []), l.command.title]);
    assert.deepEqual(titles.get(7), ['⇄ 2× in inner · 2.0 µs suspended · got back 60']);
    assert.deepEqual(titles.get(1), ['generator inner — ran inside another task (2 switches at its lines)'], JSON.stringify([...titles]));
    // An awaited coroutine leaves no event unless it waits: no claim that it did not run.
    assert.deepEqual(titles.get(10), ['coroutine middle — no switch at its lines in the last run']);
    src.dispose();
  });

  it('a cancel that ends the task is its end, not a suspension never resumed', () => {
    const t = [
      { type: 'task', id: '1', kind: 'main', name: 'main', parent: null, pid: 1 },
      { type: 'task', id: '3', kind: 'asyncio-task', name: 'slow', parent: '1', file: F, line: 11, codeFile: F, codeLine: 10 },
      { type: 'switch', from: '1', to: '3', reason: 'step', toFile: F, toLine: 10 },
      { type: 'switch', from: '3', to: '1', reason: 'sleep', value: '1', file: F, line: 11 },
      { type: 'switch', from: '1', to: '3', reason: 'step', value: 'CancelledError', toFile: F, toLine: 11 },
      { type: 'switch', from: '3', to: '1', reason: 'cancelled', value: 'CancelledError', file: F, line: 11 },
      { type: 'end', task: '3', outcome: 'cancelled', value: 'CancelledError', file: F, line: 11 },
      { type: 'finish', exitCode: 0, dropped: 0 },
    ];
    const y = computeStats(store(t), 'r', false).files[0].yields.find((x) => x.line === 11)!;
    assert.equal(yieldStatsTitle(y, false).startsWith('⇄ 1× · '), true, yieldStatsTitle(y, false));
    assert.ok(!yieldStatsTitle(y, false).includes('never resumed'));
  });

  it('counts the calls in a ProcessPoolExecutor.map chunk, whatever their arguments hold', () => {
    assert.equal(chunkCalls('((0,), (1,))'), 2);
    assert.equal(chunkCalls('((0,),)'), 1);
    assert.equal(chunkCalls("(('a)(', 1), ('b', [2, 3]), ({'k': ')'},))"), 3);
    assert.equal(chunkCalls('((0,), (1,), (2…'), 1, 'a repr cut by the cap: a floor of one');
    // The lens shows the call, not the executor's internals.
    assert.equal(chunkText('_process_chunk(<function cube>, ((2,),))'), 'cube(2)');
    assert.equal(chunkText("_process_chunk(<function cube>, ((2, 'a'),))"), "cube(2, 'a')");
    assert.equal(chunkText('_process_chunk(<function cube>, ((0,), (1,)))'), 'cube(…) ×2');
    assert.equal(chunkText('cube(2)'), undefined);
  });
});
