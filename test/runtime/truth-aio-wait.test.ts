// Issue 16, point 4: a wait in asyncio.wait, wait_for or shield wakes by the task whose end released it, at the line
// where that task ended; asyncio.wait released by its timeout names the waiting task at the wait call.
import * as assert from 'node:assert/strict';
import { PYTHONS, ofType, runBothWays, tasks, type RunResult } from './harness';

const SCRIPT = 'test/fixtures/python/truth_aio_wait.py';

for (const py of PYTHONS) {
  describe(`truth: asyncio.wait / wait_for / shield wakers on ${py.name}`, function () {
    this.timeout(60_000);
    let r: RunResult;
    before(() => {
      r = runBothWays(py, SCRIPT);
    });
    const id = (name: string) => {
      const t = tasks(r.events, 'asyncio-task').find((x) => x.name === name);
      assert.ok(t, `task ${name}`);
      return t.id;
    };
    /** main's wake from the wait that blocked at `line`: [on, detail, cause, by's name, byLine]. */
    const wakeAt = (line: number) => {
      const main = id('main');
      const evs = r.events.filter((e) => (e.type === 'block' || e.type === 'wake') && e.task === main);
      const i = evs.findIndex((e) => e.type === 'block' && e.line === line);
      assert.ok(i >= 0 && evs[i + 1]?.type === 'wake', `main blocks at line ${line} and wakes`);
      const w = evs[i + 1] as (typeof r.events)[number] & { type: 'wake' };
      const byName = tasks(r.events).find((t) => t.id === w.by && t.kind === 'asyncio-task')?.name;
      return [w.on, w.detail, w.cause, byName, w.byLine];
    };

    it('asyncio.wait: ALL_COMPLETED by the last child to end, FIRST_COMPLETED by the first, FIRST_EXCEPTION by the failed one', () => {
      assert.deepEqual(wakeAt(29), ['future', 'wait', 'done', 'b', 13]);
      assert.deepEqual(wakeAt(32), ['future', 'wait', 'done', 'c', 8]);
      assert.deepEqual(wakeAt(37), ['future', 'wait', 'done', 'f', 18]);
    });

    it('asyncio.wait released by its timeout names the waiting task at the wait call', () => {
      assert.deepEqual(wakeAt(38), ['future', 'wait', 'timeout', 'main', 38]);
    });

    it('wait_for and shield wake by the awaited task, at its end line', () => {
      const wf = wakeAt(43);
      // 3.11: wait_for's own future; 3.12+: it awaits the task itself under asyncio.timeout
      assert.deepEqual(wf.slice(2), ['done', 'w', 8]);
      assert.deepEqual(wf.slice(0, 2), py.minor < 12 ? ['future', 'wait_for'] : ['task', 'task w']);
      assert.deepEqual(wakeAt(45), ['future', 'shield', 'done', 's', 8]);
      assert.equal(r.stdout, '6\n7\n');
      assert.equal(ofType(r.events, 'wake').filter((w) => w.cause === 'timeout').length, 1);
    });
  });
}
