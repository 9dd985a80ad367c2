import * as assert from 'node:assert/strict';
import type { YieldPointStats } from '../../protocol/lsp';
import { buildLenses } from '../../extension/server/lenses';
import { hoverAt } from '../../extension/server/hovers';
import { StatsPlacement } from '../../extension/server/placement';
import { enclosingDefName, resumerNames } from '../../extension/server/resumers';
import { computeStats } from '../../trace/stats';
import { analyzeText, loadTrace, readFixture } from './lens-helpers';

const SRC = [
  'def outer():', // 0
  '    def inner(g):', // 1
  '        g.send(1)', // 2
  '    f = lambda g: g.send(2)', // 3
  '    g.send(3)', // 4
  '', // 5
  'class K:', // 6
  '    def run(self, g):', // 7
  '        next(g)', // 8
  '', // 9
  'next(g)', // 10
].join('\n');

describe('lens: naming resumers by the def around their resume site', () => {
  it('the innermost named def encloses a row; lambdas and module level have none', async () => {
    const { a } = await analyzeText(SRC);
    assert.equal(enclosingDefName(a.defs, 2), 'inner');
    assert.equal(enclosingDefName(a.defs, 3), 'outer', 'a lambda is not a name to show');
    assert.equal(enclosingDefName(a.defs, 4), 'outer');
    assert.equal(enclosingDefName(a.defs, 8), 'run', 'a method, inside its class');
    assert.equal(enclosingDefName(a.defs, 10), undefined);
  });

  it("replaces plain-code resumers by their sites' defs, most frequent first, and keeps other resumers", () => {
    const y: YieldPointStats = {
      line: 1,
      suspends: 9,
      resumes: 9,
      suspendedNs: 0,
      longestNs: 0,
      reasons: ['yield'],
      firstEvent: 0,
      spans: [],
      resumedBy: ['main', 'Task-1', 'worker'],
      resumedFrom: [
        { file: '/a.py', line: 5, task: 'main', count: 4 },
        { file: '/a.py', line: 9, task: 'main', count: 2 },
        { file: '/a.py', line: 7, task: 'worker', count: 1 },
        { file: '/a.py', line: 30, task: 'main', count: 1 },
      ],
    };
    const defs: Record<number, string> = { 5: 'produce', 9: 'produce', 7: 'loop' };
    assert.deepEqual(
      resumerNames(y, (_f, l) => defs[l]),
      ['produce', 'main', 'Task-1', 'loop'],
    );
    assert.deepEqual(
      resumerNames({ ...y, resumedFrom: undefined }, () => 'x'),
      ['main', 'Task-1', 'worker'],
    );
  });

  it('lens and hover: "resumed by produce" for the producer/consumer run', async () => {
    const text = readFixture('producer_consumer.py');
    const { a } = await analyzeText(text);
    const s = computeStats(loadTrace('lens-producer-consumer.jsonl'), 'r', false);
    const file = s.files[0];
    const placed = new StatsPlacement('r', text.split('\n').length, file, false, s.durationNs).placed();
    const nameAt = (_f: string, line: number) => enclosingDefName(a.defs, line - 1);
    for (const [row, y] of placed.yields) placed.yields.set(row, { ...y, resumedBy: resumerNames(y, nameAt) });
    const lens = buildLenses(a, placed).find((l) => l.line === 3)!;
    assert.match(lens.command.title, /^⇄ 6× · .* · resumed by produce · last sent 5/);
    assert.match(hoverAt(a, placed, 3, 13, text.split('\n')[3])!, /Resumed by `produce`/);
  });
});
