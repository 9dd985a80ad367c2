// Issue 17 (words on screen): a thread blocked in `queue.Queue.get()` is woken by the put of the item it gets, and its
// wake names that put's line — in examples/threads_queue.py the workers wait while main puts 0…3 at line 23 and then
// None at line 25; a worker that got 0 was woken by `q.put(i)` (line 23), not by the last put made before it ran.
import * as assert from 'node:assert/strict';
import { PYTHONS, ofType, runBothWays, type RunResult } from './harness';

for (const py of PYTHONS) {
  describe(`truth: a queue.Queue get's wake names the put of its item on ${py.name}`, function () {
    this.timeout(60_000);
    let r: RunResult;
    before(() => {
      // (which worker gets which item varies from run to run: the four results, in any order)
      r = runBothWays(py, 'examples/threads_queue.py', { stdout: /^(\('w[01]', [0246]\)\n){4}$/ });
    });

    it('each woken get: by the lane and line of the send whose message it then received', () => {
      const sends = new Map(ofType(r.events, 'send').map((s) => [`${s.channel}\u0000${s.msg}`, s]));
      let checked = 0;
      for (const w of ofType(r.events, 'wake')) {
        if (w.on !== 'queue' || w.cause !== 'put') continue;
        // (the wake's get: the next recv of that lane)
        const after = r.events.slice(r.events.indexOf(w) + 1);
        const got = after.find((e) => e.type === 'recv' && e.task === w.task);
        assert.ok(got && got.type === 'recv', `a recv follows the wake of ${w.task}`);
        const put = sends.get(`${got.channel}\u0000${got.msg}`);
        assert.ok(put, `the put of ${got.channel} #${got.msg}`);
        assert.deepEqual([w.by, w.byLine], [put.task, put.line], `the wake of ${w.task} (it got ${got.value})`);
        checked++;
      }
      assert.ok(checked >= 1, 'at least one get waited');
    });
  });
}
