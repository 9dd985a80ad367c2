// Issue 16, asyncio side (the gaps a learner found walking the examples): a task's exception is recorded as written
// (`RuntimeError('bad fetch')`, as generators record it) with the raising line on its end; a wait in `gather` or at
// the end of `async with TaskGroup()` names the task whose end completed it; a task carries the arguments of its
// call; Ctrl+C ending a wait names SIGINT.
import * as assert from 'node:assert/strict';
import type { TraceLine } from '../../protocol/events';
import { PYTHONS, ofType, runBothWays, tasks, type Ev } from './harness';

const SCRIPT = 'test/fixtures/python/truth_aio_tasks.py';

function endOf(events: TraceLine[], id: string): Ev<'end'> {
  const ends = ofType(events, 'end').filter((e) => e.task === id);
  assert.equal(ends.length, 1, `task ${id} has exactly one end`);
  return ends[0];
}

/** The asyncio tasks made at `line` of the script, in the order they were declared. */
const madeAt = (events: TraceLine[], line: number) => tasks(events, 'asyncio-task').filter((t) => t.line === line);

/** The wakes of the main task from waits on `detail` (a future: gather, TaskGroup). */
const wakesOn = (events: TraceLine[], detail: string) => {
  const main = tasks(events, 'asyncio-task').find((t) => t.name === 'main')!;
  return ofType(events, 'wake').filter((w) => w.task === main.id && w.detail === detail);
};

for (const py of PYTHONS) {
  describe(`truth: asyncio tasks on ${py.name}`, function () {
    this.timeout(60_000);

    it("a task's exception is its repr, as the program prints it, with the raising line on its end; an exception class's own __repr__/__str__ never runs", () => {
      const r = runBothWays(py, SCRIPT);
      // (the program prints repr() of what gather returned for the failed task: the same text)
      const printed = r.stdout.split('\n')[0].replace(/^6 /, '');
      assert.equal(printed, "RuntimeError('bad fetch')");
      const [fetch] = madeAt(r.events, 41);
      const e = endOf(r.events, fetch.id);
      assert.deepEqual([e.outcome, e.value, e.line], ['exception', printed, 26]);
      assert.ok(e.file?.endsWith('truth_aio_tasks.py'));
      const raise = ofType(r.events, 'switch').find((s) => s.from === fetch.id && s.reason === 'raise');
      assert.deepEqual([raise?.value, raise?.line], [printed, 26]);
      // Boom's __repr__ and __str__ raise: the value comes from its class name and args only
      const [, fails] = madeAt(r.events, 45);
      assert.equal(fails.name, 'fails');
      assert.deepEqual([endOf(r.events, fails.id).value, endOf(r.events, fails.id).line], ["Boom('bad', 1)", 31]);
      assert.equal(r.stdout.split('\n')[1], "Boom ('bad', 1)");
      assert.doesNotMatch(r.stderr, /the runtime ran/);
      // a returning task's end has its return line too
      const [ok3] = madeAt(r.events, 42);
      assert.deepEqual([endOf(r.events, ok3.id).value, endOf(r.events, ok3.id).line], ['6', 37]);
    });

    it('a wait in gather or at the end of a TaskGroup wakes by the task whose end completed it, at the line where it ended', () => {
      const r = runBothWays(py, SCRIPT);
      const [ok3] = madeAt(r.events, 42);
      const [ok5, fails] = madeAt(r.events, 45);
      const [ok4] = madeAt(r.events, 50);
      const g = wakesOn(r.events, 'gather');
      assert.equal(g.length, 2);
      // return_exceptions: the last task to end (ok(3) ends after fetch raised)
      assert.deepEqual([g[0].cause, g[0].by, g[0].byLine], ['done', ok3.id, 37]);
      // without it: the first task that failed (ok(5) is still running)
      assert.deepEqual([g[1].cause, g[1].by, g[1].byLine], ['done', fails.id, 31]);
      assert.notEqual(g[1].by, ok5.id);
      const tg = wakesOn(r.events, 'TaskGroup');
      assert.equal(tg.length, 1);
      // the group's last task to end: ok(4) (ok(1) and Client.get ended before it)
      assert.deepEqual([tg[0].cause, tg[0].by, tg[0].byLine], ['done', ok4.id, 37]);
      const tgBlock = ofType(r.events, 'block').find((b) => b.detail === 'TaskGroup');
      assert.deepEqual([tgBlock?.on, tgBlock?.line], ['future', 48]);
    });

    it("a task carries its call's arguments (safe reprs: an object of the program's is never asked)", () => {
      const r = runBothWays(py, SCRIPT);
      const args = (line: number) => madeAt(r.events, line).map((t) => `${t.name}${t.args}`);
      assert.deepEqual(args(41), ['fetch(1)']);
      assert.deepEqual(args(42), ['ok(3)']);
      assert.deepEqual(args(45), ['ok(5)', 'fails(1)']);
      // a method's self is left out; keyword-only arguments by name
      assert.deepEqual(args(51), ["Client.get('u', retries=5)"]);
      // *args spread, **kwargs by name, an object of the program's by its type
      assert.deepEqual(args(52), ["ok(2, 'x', <Opaque object>, k=[1])"]);
      assert.deepEqual(args(55), ['main()']);
    });

    it("Ctrl+C cancelling asyncio.run's main task: the wake says cause signal, SIGINT", () => {
      const r = runBothWays(py, 'test/fixtures/python/truth_aio_sigint.py');
      assert.equal(r.stdout, 'main interrupted\n');
      const main = tasks(r.events, 'asyncio-task').find((t) => t.name === 'main')!;
      const w = ofType(r.events, 'wake').filter((x) => x.task === main.id);
      assert.equal(w.length, 1);
      assert.deepEqual([w[0].on, w[0].detail, w[0].cause, w[0].signal, w[0].by], ['timer', '30 s', 'signal', 'SIGINT', undefined]);
    });

    it('Ctrl+C ending a time.sleep: the wake says cause signal, SIGINT', () => {
      const r = runBothWays(py, 'test/fixtures/python/truth_sleep_sigint.py');
      assert.equal(r.stdout, 'sleep interrupted\n');
      const w = ofType(r.events, 'wake').filter((x) => x.detail === '30 s');
      assert.equal(w.length, 1);
      assert.deepEqual([w[0].task, w[0].on, w[0].cause, w[0].signal], ['1', 'timer', 'signal', 'SIGINT']);
    });
  });
}
