// Issue 16, point 5: time.sleep as a learner writes it (the module, an alias of it, `from time import sleep`, an alias
// of that, a call over three lines, in a generator, at module level) is a block on the timer and its wake, on the lane
// that slept, at the call's line: the same lines on 3.11 (site_scan.py: opcode events at the call sites found in the
// bytecode) as on 3.12+ (call_events.py), but for seconds given as an expression, which 3.11 does not read.
import * as assert from 'node:assert/strict';
import { PYTHONS, ofType, runBothWays, tasks } from './harness';

const SCRIPT = 'test/fixtures/python/truth_sleep_sites.py';

for (const py of PYTHONS) {
  describe(`truth: time.sleep call sites on ${py.name}`, function () {
    this.timeout(60_000);

    it('every way of calling time.sleep is a block/wake on the timer at its line; sleep(0) is none', () => {
      const r = runBothWays(py, SCRIPT);
      const id = (kind: string, name: string) => tasks(r.events, kind).find((t) => t.name === name)!.id;
      const story = (task: string) =>
        [...ofType(r.events, 'block'), ...ofType(r.events, 'wake')]
          .filter((e) => e.task === task && e.on === 'timer')
          .sort((a, b) => a.ts - b.ts)
          .map((e) => (e.type === 'block' ? ['block', e.detail, e.line] : ['wake', e.detail, e.cause]));
      const computed = py.minor >= 12 ? '0.002 s' : undefined;
      assert.deepEqual(story(id('thread', 'sleeper')), [
        ['block', '0.001 s', 13],
        ['wake', '0.001 s', 'timer'],
        ['block', '0.001 s', 17],
        ['wake', '0.001 s', 'timer'],
        ['block', '0.002 s', 18],
        ['wake', '0.002 s', 'timer'],
        ['block', '0.001 s', 23],
        ['wake', '0.001 s', 'timer'],
        ['block', computed, 29],
        ['wake', computed, 'timer'],
      ]);
      const tick = ['block', '0.001 s', 34];
      const woke = ['wake', '0.001 s', 'timer'];
      assert.deepEqual(story(id('generator', 'ticker')), [tick, woke, tick, woke]);
      assert.deepEqual(story('1'), [
        ['block', '0.001 s', 49],
        ['wake', '0.001 s', 'timer'],
      ]);
    });
  });
}
