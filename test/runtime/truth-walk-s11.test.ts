// A learner's walk, eleventh stop: programs written after the seed articles (threads with Barrier, gevent joinall
// with a timeout, greenlets handing values to a parent). Each test pins a falsehood the walk found in the trace.
import * as assert from 'node:assert/strict';
import type { TraceLine } from '../../protocol/events';
import { PYTHONS, runBothWays, tasks } from './harness';

function lane(events: TraceLine[], name: string, kind?: string): string {
  const t = tasks(events, kind).find((x) => x.name === name);
  assert.ok(t, `a task named ${name}`);
  return t.id;
}

/** Each wake of `task` as `on detail cause by@line` (by as the lane's name). */
function wakes(events: TraceLine[], task: string): string[] {
  const names = new Map(tasks(events).map((t) => [t.id, t.name]));
  return events.flatMap((e) =>
    e.type === 'wake' && e.task === task ? [`${e.on} ${e.detail} ${e.cause}${e.by ? ` ${names.get(e.by)}@${e.byLine}` : ''}`] : [],
  );
}

for (const py of PYTHONS) {
  describe(`truth walk s11: threads on ${py.name}`, function () {
    this.timeout(60_000);

    // A Barrier wait that ends in BrokenBarrierError read `release`, as if the others had come.
    it('a broken Barrier wait is its own timeout (timer) or the thread that broke it (cancel), never a release', () => {
      const r = runBothWays(py, 'test/fixtures/python/walk/barrier_broken.py');
      assert.deepEqual(wakes(r.events, lane(r.events, 'Thread-1 (lonely)')), ['lock alone.wait timer']);
      assert.deepEqual(wakes(r.events, lane(r.events, 'Thread-2 (waiter)')), ['lock gate.wait cancel main@33']);
      assert.deepEqual(wakes(r.events, lane(r.events, 'Thread-4 (impatient)')), ['lock trio.wait timer']);
      assert.deepEqual(wakes(r.events, lane(r.events, 'Thread-3 (patient)')), ['lock trio.wait cancel Thread-4 (impatient)@49']);
    });
  });
}
