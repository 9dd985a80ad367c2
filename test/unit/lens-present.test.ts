import * as assert from 'node:assert/strict';
import { REVEAL_EVENT_COMMAND, type FileStats } from '../../protocol/lsp';
import { buildDiagnostics } from '../../extension/server/diagnostics';
import { duration, timeline } from '../../extension/server/format';
import { hoverAt } from '../../extension/server/hovers';
import { buildLenses, RUN_COMMAND, yieldStatsTitle } from '../../extension/server/lenses';
import { LineMap, lineShape, StatsPlacement } from '../../extension/server/placement';
import { computeStats } from '../../trace/stats';
import { analyzeText, lineOf, loadTrace, readFixture } from './lens-helpers';

function statsFor(trace: string, file: string): { f: FileStats; durationNs: number | undefined } {
  const s = computeStats(loadTrace(trace), 'run-1', false);
  return { f: s.files.find((x) => x.file.endsWith(file))!, durationNs: s.durationNs };
}

describe('lens: texts, hovers and diagnostics', () => {
  it('before a run: what kind of point each line is, and the generator def', async () => {
    const text = readFixture('producer_consumer.py');
    const { a } = await analyzeText(text);
    const lenses = buildLenses(a, undefined).map((l) => [l.line + 1, l.command.title, l.command.command]);
    assert.deepEqual(lenses, [
      [1, 'generator consumer — run Coroscope: Run Current File to trace', RUN_COMMAND],
      [4, '⏸ yield — run to trace', RUN_COMMAND],
      [12, '⇄ send into generator — run to trace', RUN_COMMAND],
      [17, '⇄ send into generator — run to trace', RUN_COMMAND],
    ]);
  });

  it('after a run: counts, time suspended, who resumed, the values; clicking reveals the first event', async () => {
    const text = readFixture('producer_consumer.py');
    const { a, src } = await analyzeText(text);
    const { f, durationNs } = statsFor('lens-producer-consumer.jsonl', 'producer_consumer.py');
    const placed = new StatsPlacement('run-1', src.lineCount, f, false, durationNs).placed();
    const lenses = buildLenses(a, placed);
    const at = (line: number) => lenses.filter((l) => l.line + 1 === line).map((l) => l.command.title);
    assert.deepEqual(at(4), ["⇄ 6× · 1.1 s suspended (max 200 ms) · resumed by main · last sent 5 · last yielded '200 OK'"]);
    assert.deepEqual(at(1), ['consumer: 1 task · 14 switches · returned None']);
    assert.deepEqual(at(17), ["⇄ 5× · 5.0 ms suspended (max 1.0 ms) · resumed by consumer · got back '200 OK' · passed 5"]);
    const y = lenses.find((l) => l.line + 1 === 4)!;
    assert.equal(y.command.command, REVEAL_EVENT_COMMAND);
    assert.deepEqual(y.command.arguments, [{ index: f.yields.find((v) => v.line === 4)!.firstEvent }]);
  });

  it('after a run, a point the run never reached says so', async () => {
    const { a, src } = await analyzeText(readFixture('constructs.py'));
    const placed = new StatsPlacement('r', src.lineCount, { file: '/x', yields: [], defs: [], marks: [] }, false).placed();
    const titles = buildLenses(a, placed).map((l) => l.command.title);
    assert.ok(titles.includes('⏸ yield — not reached in the last run'));
    assert.ok(titles.includes('generator gen — did not run in the last run'));
  });

  it('hover: the stats in Markdown with a timeline, user values escaped', async () => {
    const text = readFixture('producer_consumer.py');
    const { a, src } = await analyzeText(text);
    const { f, durationNs } = statsFor('lens-producer-consumer.jsonl', 'producer_consumer.py');
    const evil = { ...f, yields: f.yields.map((y) => (y.line === 4 ? { ...y, lastYielded: '`<img src=x onerror=alert(1)>`' } : y)) };
    const placed = new StatsPlacement('run-1', src.lineCount, evil, false, durationNs).placed();
    const col = src.lineText(3).indexOf('yield');
    const md = hoverAt(a, placed, 3, col + 1, src.lineText(3))!;
    assert.match(md, /\*\*yield\*\* — The generator suspends here/);
    assert.match(md, /6 suspends · 6 resumes · 1\.1 s suspended in all, longest 200 ms/);
    assert.match(md, /Resumed by `main`/);
    assert.ok(md.includes('`` `<img src=x onerror=alert(1)>` ``'), 'the value is a code span, backticks included');
    const tl = /Suspended over the run: `([^`]+)`/.exec(md)?.[1];
    assert.ok(tl && tl.length === 32 && /█/.test(tl), `timeline ${tl}`);
    assert.equal(hoverAt(a, placed, 3, 0, src.lineText(3)), undefined, 'nothing to say on the indentation');
    const defMd = hoverAt(a, placed, 0, 5, src.lineText(0))!;
    assert.match(defMd, /\*\*consumer\*\* — generator lane: 1 task · 14 switches/);
    const before = hoverAt(a, undefined, 3, col + 1, src.lineText(3))!;
    assert.match(before, /run \*\*Coroscope: Run Current File\*\*/);
  });

  it("diagnostics: the blocking detector's mark becomes a warning on its line", async () => {
    const text = readFixture('async_blocked.py');
    const { a, src } = await analyzeText(text);
    const { f } = statsFor('lens-asyncio-blocked.jsonl', 'async_blocked.py');
    const placed = new StatsPlacement('r', src.lineCount, f, false).placed();
    const d = buildDiagnostics(a, placed, (r) => src.lineText(r));
    const row = lineOf(text, 'time.sleep(0.3)') - 1;
    const mark = d.find((x) => x.code === 'loop-blocked')!;
    assert.equal(mark.range.start.line, row);
    assert.equal(mark.severity, 2);
    assert.equal(mark.source, 'coroscope');
    assert.match(String(mark.message), /^Task-3 blocked the event loop for 300 ms/);
    assert.ok(d.some((x) => x.code === 'sleep-in-async' && x.range.start.line === row));
  });

  it('formats durations and timelines', () => {
    assert.equal(duration(1.04e9), '1.0 s');
    assert.equal(duration(230e6), '230 ms');
    assert.equal(duration(12_300), '12 µs');
    assert.equal(duration(800), '800 ns');
    assert.equal(duration(125e9), '2 min 5 s');
    assert.equal(
      timeline(
        [
          [0, 50],
          [75, 100],
        ],
        100,
        4,
      ),
      '██·█',
    );
    assert.equal(timeline([], 100, 4), '');
  });
});

describe('lens: stats follow their lines through edits', () => {
  const shapeOf = (lines: string[]) => (r: number) => lineShape(lines[r] ?? '');
  const lines = ['def g():', '    r = 0', '    n = yield r', '    return n'];

  it('Enter at the end of a line keeps it; lines below move down', () => {
    const m = new LineMap(4);
    m.apply({ startLine: 1, startCol: 9, endLine: 1, endCol: 9, newlines: 1 }, shapeOf(lines));
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => m.current(i)),
      [0, 1, 3, 4],
    );
  });

  it('Enter at the start of a line moves that line down', () => {
    const m = new LineMap(4);
    m.apply({ startLine: 2, startCol: 4, endLine: 2, endCol: 4, newlines: 2 }, shapeOf(lines));
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => m.current(i)),
      [0, 1, 4, 5],
    );
  });

  it('typing within a line keeps everything in place', () => {
    const m = new LineMap(4);
    m.apply({ startLine: 2, startCol: 14, endLine: 2, endCol: 15, newlines: 0 }, shapeOf(lines));
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => m.current(i)),
      [0, 1, 2, 3],
    );
  });

  it('deleting a line drops its stats and moves the rest up', () => {
    const m = new LineMap(4);
    m.apply({ startLine: 1, startCol: 0, endLine: 2, endCol: 0, newlines: 0 }, shapeOf(lines));
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => m.current(i)),
      [0, -1, 1, 2],
    );
  });

  it('splitting a line in the middle drops its stats; joining two lines carries the lower one up', () => {
    const m = new LineMap(4);
    m.apply({ startLine: 2, startCol: 9, endLine: 2, endCol: 9, newlines: 1 }, shapeOf(lines));
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => m.current(i)),
      [0, 1, -1, 4],
    );
    const j = new LineMap(4);
    j.apply({ startLine: 1, startCol: 9, endLine: 2, endCol: 4, newlines: 0 }, shapeOf(lines)); // join lines 1 and 2
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => j.current(i)),
      [0, 1, 1, 2],
    );
    const k = new LineMap(4);
    k.apply({ startLine: 1, startCol: 6, endLine: 2, endCol: 8, newlines: 0 }, shapeOf(lines)); // cut from the middle of one into the next
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => k.current(i)),
      [0, -1, -1, 2],
    );
  });

  it('a placement maps stats lines (1-based) to current rows', () => {
    const p = new StatsPlacement(
      'r',
      4,
      {
        file: '/g.py',
        marks: [],
        defs: [],
        yields: [
          { line: 3, suspends: 1, resumes: 1, suspendedNs: 1, longestNs: 1, resumedBy: [], reasons: ['yield'], firstEvent: 0, spans: [] },
          { line: 2, suspends: 1, resumes: 1, suspendedNs: 1, longestNs: 1, resumedBy: [], reasons: ['yield'], firstEvent: 0, spans: [] },
        ],
      },
      false,
    );
    p.edit({ startLine: 0, startCol: 0, endLine: 0, endCol: 0, newlines: 3 }, shapeOf(lines));
    p.edit({ startLine: 4, startCol: 0, endLine: 5, endCol: 0, newlines: 0 }, shapeOf(['', '', '', ...lines]));
    assert.deepEqual([...p.placed().yields.keys()], [4]);
  });
});

describe('lens: waits, transfers, pool calls and names (issue 17)', () => {
  const base = { line: 9, suspends: 0, resumes: 0, suspendedNs: 0, longestNs: 0, resumedBy: [], reasons: [], firstEvent: 3, spans: [] };
  it('a queue get on a thread: the waits, who woke it, what it took', () => {
    assert.equal(
      yieldStatsTitle({ ...base, waits: 2, waitedNs: 1.3e6, longestWaitNs: 1.2e6, wokenBy: ['main'], gets: 6, channels: ['Queue#1'], lastGot: 'None' }, false),
      '⏸ waited 2× · 1.3 ms (max 1.2 ms) · woken by main · ⇣ took 6 from Queue#1 (last None)',
    );
    assert.equal(
      yieldStatsTitle({ ...base, puts: 4, channels: ['ProcessPoolExecutor#1'], lastPut: 'square(4)' }, false),
      '⇡ submitted 4 calls to ProcessPoolExecutor#1 (last square(4))',
    );
    assert.equal(yieldStatsTitle({ ...base, stillWaiting: 1, waits: 0 }, false), '1 still waiting at the end');
  });
  it('an await says what it got back; a yield what was sent in', () => {
    const sw = { ...base, suspends: 1, resumes: 1, suspendedNs: 39e6, longestNs: 39e6, resumedBy: ['event loop'], lastSent: '[6, None]' };
    assert.equal(yieldStatsTitle({ ...sw, reasons: ['await'] }, false), '⇄ 1× · 39 ms suspended · resumed by event loop · got back [6, None]');
    assert.equal(yieldStatsTitle({ ...sw, reasons: ['yield'] }, false), '⇄ 1× · 39 ms suspended · resumed by event loop · last sent [6, None]');
  });
  it('pool calls and spawned functions are found by name; a join that did not wait is not "not reached"', async () => {
    const text = 'import gevent\n\ndef square(n):\n    return n * n\n\ndef f(n):\n    gevent.sleep(0)\n\ng = gevent.spawn(f, 1)\ng.join()\nx = 1\n';
    const { a, src } = await analyzeText(text);
    const file: FileStats = {
      file: '/x.py',
      yields: [],
      marks: [],
      defs: [
        {
          line: 0,
          name: 'square',
          kind: 'pool call',
          tasks: 0,
          switches: 0,
          outcomes: [],
          firstEvent: 5,
          byName: true,
          calls: 4,
          via: 'Pool#1',
          lastResult: '16',
        },
        { line: 0, name: 'f', kind: 'greenlet', tasks: 2, switches: 8, outcomes: ['2× returned None'], firstEvent: 1, byName: true },
      ],
    };
    const placed = new StatsPlacement('r', src.lineCount, file, false).placed();
    const titles = buildLenses(a, placed).map((l) => [l.line + 1, l.command.title]);
    assert.deepEqual(
      titles.filter(([l]) => l === 3 || l === 6),
      [
        [3, 'square: 4 calls in Pool#1 · last returned 16'],
        [6, 'f: 2 greenlets · 8 switches · 2× returned None'],
      ],
    );
    assert.ok(
      titles.some(([l, t]) => l === 10 && / — no wait recorded in the last run$/.test(t as string)),
      JSON.stringify(titles),
    );
  });
});
