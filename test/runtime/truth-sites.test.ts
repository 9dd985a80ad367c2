// Issue 16, point 1 (generators): a generator's task line names the call that made it (`g = gen()`) and the lane
// that made it where the interpreter lets the runtime see that call cheaply (3.12+: a sys.monitoring CALL event on
// the program's call sites of its generator functions); where it cannot (3.11, or a generator function called at
// several places before any of them ran), the site is the first run and says so.
import * as assert from 'node:assert/strict';
import { PYTHONS, runBothWays, tasks } from './harness';

const SCRIPT = 'test/fixtures/python/truth_gen_sites.py';

for (const py of PYTHONS) {
  describe(`truth: generator creation sites on ${py.name}`, function () {
    this.timeout(60_000);
    it('g = gen() is the site of a generator made there, with its creator; unknown ones say first-run', () => {
      const r = runBothWays(py, SCRIPT);
      const got = tasks(r.events)
        .filter((t) => t.kind === 'generator')
        .map((t) => [t.name, t.parent, t.line, t.site ?? 'create']);
      if (py.minor >= 12) {
        assert.deepEqual(got, [
          // g = gen(3) (line 16) and make()'s gen(2) (line 13) were both pending when g first ran: which is which
          // is unknown, so g says first-run (line 19); h then is the one made in make()
          ['gen', '1', 19, 'first-run'],
          ['gen', '1', 13, 'create'],
          ['counter', '1', 18, 'create'],
          ['gen', '1', 20, 'create'],
          ['gen', '1', 22, 'create'],
          ['gen', '1', 22, 'create'],
          // the generator delegated to by `yield from` is no lane, and its creation is not left pending
          ['outer', '1', 26, 'create'],
        ]);
      } else {
        // 3.11: no cheap way to see the call: every site is the first run
        assert.deepEqual(got, [
          ['gen', '1', 19, 'first-run'],
          ['gen', '1', 19, 'first-run'],
          ['counter', '1', 19, 'first-run'],
          ['gen', '1', 20, 'first-run'],
          ['gen', '1', 23, 'first-run'],
          ['gen', '1', 23, 'first-run'],
          ['outer', '1', 26, 'first-run'],
        ]);
      }
    });
  });
}
