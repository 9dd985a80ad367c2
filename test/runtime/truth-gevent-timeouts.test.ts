// A gevent timeout that fires says how long it was, as asyncio's do (truth-aio-timeouts): the wake's `after` is the
// length the program gave `gevent.Timeout(…)` or a wait's `timeout=`, read from the Timeout's own attributes (gevent
// starts one for `q.get(timeout=…)` and `ev.wait(timeout=…)`); its line is the program's; its detail stays what the
// greenlet was waiting on (the 10 s sleep the Timeout cut short).
import * as assert from 'node:assert/strict';
import { GREENLET_PYTHONS, needGevent, ofType, runBothWays, tasks } from './harness';

const SCRIPT = 'test/fixtures/python/truth_gevent_timeouts.py';

for (const py of GREENLET_PYTHONS) {
  describe(`truth: gevent timeouts on ${py.name}`, function () {
    this.timeout(60_000);

    it("a timeout's wake carries its length, its line, and what it cut short", function () {
      needGevent(this, py);
      const r = runBothWays(py, SCRIPT);
      assert.equal(r.stdout, 'getter: empty\nwaiter: set? False\nslow: 0.05 seconds\n');
      const lanes = new Map(tasks(r.events, 'greenlet').map((t) => [t.id, t.name]));
      const got = ofType(r.events, 'wake')
        .filter((w) => w.cause === 'timeout')
        .map((w) => [lanes.get(w.task), w.detail, w.by === w.task, w.byLine, w.after]);
      assert.deepEqual(got, [
        ['getter', 'q.get', true, 21, 0.03],
        ['waiter', 'ev.wait', true, 27, 0.04],
        ['slow', '10 s', true, 13, 0.05],
      ]);
    });
  });
}
