// The lens stats of a long run in bounded memory (issue 19 part 2: the extension host keeps no rows, so the stats
// builder is what grows): a yield point suspended 100,000 times keeps at most 4,096 stored spans, and its 64 spans in
// the stats still start at its first suspension and end at its last resume, in order, each covering about as many.
import * as assert from 'node:assert/strict';
import { StatsBuilder } from '../../trace/stats';
import { TraceStore } from '../../trace/store';

describe('lens stats: bounded memory on a long run', function () {
  this.timeout(60_000);
  it('keeps at most 4,096 spans per yield point and still spans the whole run evenly', () => {
    const lines = [
      '{"type":"header","schema":1,"runtime":"t","python":"3.13","capture":"monitoring","script":"/p/a.py","argv":[],"cwd":"/p","pid":1,"start":0,"ts":0}',
      '{"type":"task","ts":1,"id":"1","kind":"main","name":"main","parent":null}',
      '{"type":"task","ts":2,"id":"2","kind":"generator","name":"gen","parent":"1","file":"/p/a.py","line":9,"codeFile":"/p/a.py","codeLine":1}',
    ];
    const N = 100_001;
    for (let k = 0; k < N; k++) {
      const t = 100 + k * 10;
      lines.push(`{"type":"switch","ts":${t},"from":"1","to":"2","reason":"send","file":"/p/a.py","line":10,"toFile":"/p/a.py","toLine":3}`);
      lines.push(`{"type":"switch","ts":${t + 4},"from":"2","to":"1","reason":"yield","file":"/p/a.py","line":3}`);
    }
    const store = new TraceStore();
    const builder = new StatsBuilder();
    // in pieces, the rows let go after each, as the host does
    for (let i = 0; i < lines.length; i += 3001) {
      store.appendText(`${lines.slice(i, i + 3001).join('\n')}\n`);
      builder.update(store);
      store.releaseBefore(store.length);
    }
    const accs = (builder as unknown as { yields: Map<number, { spans: number[]; suspends: number }> }).yields;
    const acc = [...accs.values()].find((a) => a.suspends > 0);
    assert.ok(acc);
    assert.ok(acc.spans.length <= 2 * 4096, `${acc.spans.length / 2} spans stored`);
    const y = builder
      .snapshot('r', false)
      .files.flatMap((f) => f.yields)
      .find((p) => p.line === 3);
    assert.ok(y, 'the yield point has stats');
    assert.equal(y.suspends, N);
    assert.equal(y.spans.length, 64);
    const t0 = store.startTs;
    assert.equal(y.spans[0][0], 104 - t0, 'the first span starts at the first suspension');
    assert.equal(y.spans[63][1], 100 + (N - 1) * 10 - t0, 'the last span ends at the last resume');
    const widths = y.spans.map(([a, b]) => b - a);
    for (let g = 1; g < 64; g++) assert.ok(y.spans[g][0] > y.spans[g - 1][1], 'in order');
    // each group covers about 1/64 of the run (equal weights; the last may be short)
    for (const w of widths.slice(0, 63)) assert.ok(Math.abs(w - widths[0]) <= widths[0] * 0.05, `widths ${widths.slice(0, 5)}…`);
  });
});
