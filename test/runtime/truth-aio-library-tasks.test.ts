// A task the program makes of a library coroutine (`create_task(asyncio.sleep(0.01, 'made'))`, `gather(asyncio.sleep
// (…), …)`, a TaskGroup's `create_task(asyncio.sleep(…))`) is a lane with its creation site, its arguments, its sleep
// and its return, and the gather waits on it and wakes by it. It had no lane at all: the seed articles' first
// concurrency example drew one task waiting on nothing. asyncio's own tasks (asyncio.run's shutdown, 3.11's
// wait_for of a coroutine) still get none.
import * as assert from 'node:assert/strict';
import { PYTHONS, ofType, runBothWays, tasks } from './harness';

const SCRIPT = 'test/fixtures/python/truth_aio_library_tasks.py';

for (const py of PYTHONS) {
  describe(`truth: tasks of library coroutines on ${py.name}`, function () {
    this.timeout(60_000);

    it('each task the program made of asyncio.sleep is a lane that sleeps its delay and returns its result; gather wakes by the last', () => {
      const r = runBothWays(py, SCRIPT);
      assert.equal(r.stdout, '[1, 2]\ntimed out\nmade\n');
      const made = tasks(r.events, 'asyncio-task').filter((t) => t.name === 'sleep');
      assert.deepEqual(
        made.map((t) => [t.line, t.args]),
        [
          [8, "(0.01, 'made')"],
          [9, '(0.03, 1)'],
          [9, '(0.02, 2)'],
          [11, "(0.01, 'x')"],
        ],
        'one lane per task the program made, at its line, with its arguments (none for wait_for or the shutdown)',
      );
      assert.equal(tasks(r.events, 'asyncio-task').length, 5, 'main and the four sleeps');
      for (const t of made) {
        const delay = /^\(([\d.]+)/.exec(t.args ?? '')![1];
        const sw = ofType(r.events, 'switch').filter((s) => s.from === t.id);
        assert.deepEqual(
          sw.map((s) => [s.reason, s.value]),
          [
            ['sleep', delay],
            ['return', /, (.*)\)$/.exec(t.args!)![1]],
          ],
          `${t.args}: sleeps ${delay} s, then returns its result`,
        );
        const wake = ofType(r.events, 'wake').find((w) => w.task === t.id);
        assert.equal(wake?.cause, 'timer', `${t.args} woke by its timer`);
      }
      const main = tasks(r.events, 'asyncio-task').find((t) => t.name === 'main')!;
      const g = ofType(r.events, 'wake').find((w) => w.task === main.id && w.detail === 'gather');
      assert.deepEqual([g?.cause, g?.by], ['done', made[1].id], 'gather woke when sleep(0.03, 1) ended, the last of its two');
    });
  });
}
