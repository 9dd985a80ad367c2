// A timeout that fires says how long it was (issue 17: `timed out after 0.01 s (wait_for, line 23)`): the wake's
// `after` is the length the program gave wait_for / asyncio.timeout, in seconds; its detail stays what the task was
// waiting on (the 10 s sleep the timeout cut short, which the panel read as `timed out after 10 s`).
import * as assert from 'node:assert/strict';
import { PYTHONS, ofType, runBothWays, tasks } from './harness';

const SCRIPT = 'test/fixtures/python/truth_aio_timeouts.py';

for (const py of PYTHONS) {
  describe(`truth: asyncio timeouts on ${py.name}`, function () {
    this.timeout(60_000);

    it("a timeout's wake carries its length, its line, and what it cut short", () => {
      const r = runBothWays(py, SCRIPT);
      assert.equal(r.stdout, 'wait_for timed out\ntimeout timed out\n');
      const main = tasks(r.events, 'asyncio-task').find((t) => t.name === 'main')!;
      const timeouts = ofType(r.events, 'wake').filter((w) => w.cause === 'timeout');
      const ofMain = timeouts.filter((w) => w.task === main.id).map((w) => [w.detail, w.byLine, w.after]);
      assert.deepEqual(ofMain, [
        ['wait_for', 13, 0.02],
        ['10 s', 17, 0.03],
      ]);
      const slow = tasks(r.events, 'asyncio-task').filter((t) => t.name === 'slow');
      if (py.minor === 11) {
        // 3.11's wait_for made slow() a task and cancelled it when its timeout fired: cancelled by main's timeout
        const w = timeouts.filter((x) => x.task === slow[0]?.id).map((x) => [x.detail, x.by, x.byLine, x.after]);
        assert.deepEqual(w, [['10 s', main.id, 13, 0.02]]);
      } else assert.equal(slow.length, 0, '3.12+: wait_for runs slow() in the awaiting task');
    });
  });
}
