// Issue 16, point 3: every task that ends has an `end` with its outcome and value, and a task still alive when the
// program ends gets an `unfinished` end that says where it is paused and what it waits on.
import * as assert from 'node:assert/strict';
import { GREENLET_PYTHONS, PYTHONS, needGevent, ofType, runBothWays, tasks, type Ev } from './harness';
import type { TraceLine } from '../../protocol/events';

function endOf(events: TraceLine[], id: string): Ev<'end'> {
  const ends = ofType(events, 'end').filter((e) => e.task === id);
  assert.equal(ends.length, 1, `task ${id} has exactly one end`);
  return ends[0];
}

function byName(events: TraceLine[], name: string): Ev<'task'> {
  const t = tasks(events).find((x) => x.name === name);
  assert.ok(t, `a task named ${name}`);
  return t;
}

const SCRIPT = 'test/fixtures/python/truth_outcomes.py';

for (const py of PYTHONS) {
  describe(`truth: outcomes on ${py.name}`, function () {
    this.timeout(60_000);

    it("threads end with the target's return value or exception; the traceback is unchanged", () => {
      const r = runBothWays(py, SCRIPT);
      const p = r.plain!;
      // (the thread's traceback; what asyncio prints about the task left pending at exit is another matter)
      const tb = (s: string) => s.slice(0, s.indexOf('ValueError: bad 1\n'));
      assert.ok(tb(p.stderr).length > 0);
      assert.equal(tb(r.stderr), tb(p.stderr));
      const w = byName(r.events, 'worker-1');
      assert.equal(w.args, '(21)');
      assert.deepEqual([endOf(r.events, w.id).outcome, endOf(r.events, w.id).value], ['return', '42']);
      const rn = ofType(r.events, 'rename').find((e) => e.task === w.id);
      assert.equal(rn?.name, 'self-named');
      const f = tasks(r.events, 'thread').find((t) => t.name.includes('(fail)'))!;
      assert.deepEqual([endOf(r.events, f.id).outcome, endOf(r.events, f.id).value], ['exception', "ValueError('bad 1')"]);
    });

    it('a generator left suspended and a task still waiting end as unfinished, where they are paused', () => {
      const r = runBothWays(py, SCRIPT);
      const g = byName(r.events, 'numbers');
      const ge = endOf(r.events, g.id);
      assert.equal(ge.outcome, 'unfinished');
      assert.equal(ge.line, 7);
      const t = byName(r.events, 'forever');
      const te = endOf(r.events, t.id);
      assert.equal(te.outcome, 'unfinished');
      assert.equal(te.line, 21);
      assert.match(te.waits ?? '', /^event /);
      assert.deepEqual([endOf(r.events, byName(r.events, 'quick').id).value], ["'quick done'"]);
      // every declared task but the main one has an end
      for (const task of tasks(r.events)) if (task.kind !== 'main' && task.kind !== 'event-loop') endOf(r.events, task.id);
    });
  });
}

for (const py of GREENLET_PYTHONS) {
  describe(`truth: gevent outcomes on ${py.name}`, function () {
    this.timeout(60_000);

    it('spawned greenlets end with their return value or exception; a waiting one is unfinished', function () {
      needGevent(this, py);
      const r = runBothWays(py, 'test/fixtures/python/truth_gevent.py');
      const f = tasks(r.events, 'greenlet').filter((t) => t.name === 'f');
      assert.equal(f.length, 2);
      assert.deepEqual([endOf(r.events, f[0].id).outcome, endOf(r.events, f[0].id).value], ['exception', "ValueError('bad 1')"]);
      assert.deepEqual([endOf(r.events, f[1].id).outcome, endOf(r.events, f[1].id).value], ['return', '20']);
      assert.equal(endOf(r.events, byName(r.events, 'consumer').id).value, "'x'");
      const w = endOf(r.events, byName(r.events, 'forever').id);
      assert.equal(w.outcome, 'unfinished');
      assert.equal(w.line, 22);
    });
  });
}

for (const py of GREENLET_PYTHONS) {
  describe(`truth: stackless tasklet outcomes on ${py.name}`, function () {
    this.timeout(60_000);
    it("a tasklet ends with its function's return value, its exception, or killed", () => {
      // (plain Python has no stackless module: the output is the one real Stackless Python prints)
      const r = runBothWays(py, 'test/fixtures/python/truth_tasklet_outcomes.py', { stdout: "main got ValueError('bad 1')\ndone\n" });
      const got = (name: string) => {
        const e = endOf(r.events, byName(r.events, name).id);
        return [e.outcome, e.value];
      };
      assert.deepEqual(got('double'), ['return', '42']);
      assert.deepEqual(got('fails'), ['exception', "ValueError('bad 1')"]);
      assert.deepEqual(got('forever'), ['killed', 'TaskletExit()']);
      assert.deepEqual(got('catches'), ['return', `"caught ZeroDivisionError('now')"`]);
      // the switch out of the ended tasklet carries the same value
      const dbl = byName(r.events, 'double').id;
      const last = ofType(r.events, 'switch')
        .filter((s) => s.from === dbl)
        .at(-1)!;
      assert.deepEqual([last.reason, last.value], ['return', '42']);
    });
  });
}
