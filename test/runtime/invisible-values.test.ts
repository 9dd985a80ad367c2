// Issue 14: the runtime runs none of the program's code on values, leaves asyncio's own
// bookkeeping alone ("exception was never retrieved"), traces every kind of task, and writes
// the exit status the process really has. (Time order of every trace: harness.ts checkTimeOrder.)
import * as assert from 'node:assert/strict';
import { GREENLET_PYTHONS, PY311, PY313, PY314, PY315, checkTrace, ofType, runPlain, runTraced, switches, tasks } from './harness';

const F = 'test/fixtures/python/';

for (const py of GREENLET_PYTHONS) {
  describe(`runtime invisibility of values on ${py.name}`, function () {
    this.timeout(120_000);

    it('a Mock or an object that counts every access, sent through a generator, queue.Queue, asyncio and greenlet.switch, is never touched', () => {
      const plain = runPlain(py, F + 'values_untouched.py');
      assert.equal(plain.code, 0, plain.stderr);
      const r = runTraced(py, F + 'values_untouched.py');
      checkTrace(r);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, plain.stdout);
      assert.match(r.stdout, /^mock calls: \[\]\ntouched: \[\]\n$/);
      const values = new Set(switches(r.events).map((s) => s.value));
      for (const want of ['<Mock object>', '<MagicMock object>', '<Hostile object>', '<Slow object>', "Err('real')", "{'k': <Mock object>}"]) {
        assert.ok(values.has(want), `${want} recorded; got ${[...values].slice(0, 40).join(' | ')}`);
      }
    });

    it('"Task exception was never retrieved" and "Future exception was never retrieved" are still logged', () => {
      const plain = runPlain(py, F + 'aio_unretrieved.py');
      const r = runTraced(py, F + 'aio_unretrieved.py');
      checkTrace(r);
      assert.equal(r.stdout, plain.stdout);
      assert.match(plain.stderr, /Task exception was never retrieved/);
      assert.match(r.stderr, /Task exception was never retrieved/);
      assert.match(r.stderr, /Future exception was never retrieved/);
      // The same lines; on 3.13 the two messages may come in the other order (the task is
      // collected later, see docs/architecture.md "What the program can still observe").
      assert.deepEqual(r.stderr.split('\n').sort(), plain.stderr.split('\n').sort());
      const ends = ofType(r.events, 'end').filter((e) => e.outcome === 'exception');
      assert.ok(
        ends.some((e) => e.value === "ValueError('nobody looked')"),
        'the task still ends with its exception',
      );
    });

    it('sys.exit(263): the process exits 7, and so does finish.exitCode', () => {
      const plain = runPlain(py, F + 'exit263.py');
      const r = runTraced(py, F + 'exit263.py');
      checkTrace(r);
      assert.equal(plain.code, 7);
      assert.equal(r.code, 7);
      const [fin] = ofType(r.events, 'finish');
      assert.equal(fin.exitCode, 7);
    });
  });
}

describe('runtime: every kind of asyncio task is traced', function () {
  this.timeout(120_000);
  for (const py of [PY313, PY314, PY315])
    it(`on ${py.name}: create_task, Task(), eager_task_factory (also tasks done in their eager step, and gather's), a custom factory`, () => {
      const plain = runPlain(py, F + 'aio_factories.py');
      const r = runTraced(py, F + 'aio_factories.py');
      checkTrace(r);
      assert.equal(r.stdout, plain.stdout);
      // (before 3.14 a factory's task gets its name= by set_name afterwards, so the tasks are told apart by
      // what they return: 1-7, and main's None)
      const at = tasks(r.events, 'asyncio-task');
      const ends = new Map(ofType(r.events, 'end').map((e) => [e.task, e]));
      for (const t of at) assert.equal(ends.get(t.id)?.outcome, 'return', `${t.name} ends with its return`);
      assert.deepEqual(at.map((t) => ends.get(t.id)?.value).sort(), ['1', '2', '3', '4', '5', '6', '7', 'None']);
      const instant = at.find((t) => ends.get(t.id)?.value === '4')!;
      assert.ok(['instant', 'eager-instant'].includes(instant.name), instant.name); // (3.14+ hands the factory name=)
      assert.ok(
        switches(r.events).some((s) => s.to === instant.id),
        'its eager step is a switch into it',
      );
    });
  it(`on ${PY311.name} (no eager tasks): create_task, Task(), a custom factory`, () => {
    const r = runTraced(PY311, F + 'aio_factories.py');
    checkTrace(r);
    const ends = new Map(ofType(r.events, 'end').map((e) => [e.task, e]));
    assert.deepEqual(
      tasks(r.events, 'asyncio-task')
        .map((t) => ends.get(t.id)?.value)
        .sort(),
      ['1', '2', '7', 'None'],
    );
  });
});
