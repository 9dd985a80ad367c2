// Issue 16 (sync16): a thread that waits for a Lock/RLock/Semaphore/BoundedSemaphore/Condition another thread
// entered with `with` before anyone waited wakes "release" by that thread, at its `with` line (where it leaves it).
// (The with statement binds __exit__ as it enters: the traced lock's __exit__ asks at exit whether someone waits.)
import * as assert from 'node:assert/strict';
import { PYTHONS, ofType, runBothWays, tasks } from './harness';

const SCRIPT = 'test/fixtures/python/truth_with_release.py';
const HOLDER_WITH = 16; // `with prim:` in hold()
const TAKER_WITH = 21; // `with prim:` in take()

for (const py of PYTHONS) {
  describe(`truth: a with-held lock's release wakes its waiter, by the holder, on ${py.name}`, function () {
    this.timeout(60_000);

    it('Lock, RLock, Semaphore, BoundedSemaphore, Condition: block at the contended with, wake release by the holder at its with', () => {
      const r = runBothWays(py, SCRIPT);
      const lane = (name: string) => {
        const t = tasks(r.events, 'thread').filter((x) => x.name === name);
        assert.equal(t.length, 1, name);
        return t[0].id;
      };
      for (const label of ['lock', 'rlock', 'sem', 'bsem', 'cond']) {
        const holder = lane(`hold-${label}`);
        const taker = lane(`take-${label}`);
        const b = ofType(r.events, 'block').filter((e) => e.task === taker);
        const w = ofType(r.events, 'wake').filter((e) => e.task === taker);
        assert.deepEqual(
          b.map((e) => [e.on, e.detail, e.line]),
          [['lock', `${label}.acquire`, TAKER_WITH]],
          label,
        );
        assert.deepEqual(
          w.map((e) => [e.on, e.detail, e.cause, e.by, e.byFile?.endsWith('truth_with_release.py'), e.byLine]),
          [['lock', `${label}.acquire`, 'release', holder, true, HOLDER_WITH]],
          label,
        );
      }
    });
  });
}
