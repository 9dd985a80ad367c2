// Issue 16, point 6: values whole and as written: a thrown exception's repr, what a delegated generator returns,
// switch(2, 3) as arguments, executor calls as `square(3)`.
import * as assert from 'node:assert/strict';
import { GREENLET_PYTHONS, PYTHONS, ofType, runBothWays, switches, tasks, type RunResult } from './harness';

const SCRIPT = 'test/fixtures/python/truth_values.py';

for (const py of PYTHONS) {
  describe(`truth: values on ${py.name}`, function () {
    this.timeout(60_000);
    let r: RunResult;
    before(() => {
      r = runBothWays(py, SCRIPT);
    });

    it('throw carries the exception as written', () => {
      const c = tasks(r.events, 'generator').find((t) => t.name === 'catcher')!;
      const th = switches(r.events).filter((s) => s.to === c.id && s.reason === 'throw');
      assert.deepEqual(
        th.map((s) => [s.value, s.line]),
        [["ValueError('stop')", 27]],
      );
    });

    it('a generator started with send(None) records the None it was sent; one started with next() records no value', () => {
      // (issue 16 point 6: send(None) stays distinguishable from next(), its start included)
      const gens = tasks(r.events, 'generator').filter((t) => t.name === 'echo');
      assert.equal(gens.length, 2);
      const into = (id: string) => switches(r.events).filter((s) => s.to === id && (s.reason === 'start' || s.reason === 'resume'));
      assert.deepEqual(
        into(gens[0].id).map((s) => [s.reason, s.value, s.line]),
        [
          ['start', 'None', 53],
          ['resume', 'None', 54],
        ],
      );
      assert.deepEqual(
        into(gens[1].id).map((s) => [s.reason, s.value, s.line]),
        [
          ['start', undefined, 56],
          ['resume', '4', 57],
        ],
      );
    });

    it('what a yield-from generator returns is a return within the delegating lane, back to its depth', () => {
      const d = tasks(r.events, 'generator').find((t) => t.name === 'delegator')!;
      const ret = switches(r.events).filter((s) => s.from === d.id && s.to === d.id);
      assert.deepEqual(
        ret.map((s) => [s.reason, s.value, s.line, s.toLine, s.depth ?? 0]),
        [['return', "'numbers done'", 8, 12, 0]],
      );
    });

    it('executor calls read as the function and its arguments', () => {
      const calls = ofType(r.events, 'send')
        .filter((s) => s.channel.startsWith('ThreadPoolExecutor') && s.line !== undefined)
        .map((s) => s.value);
      assert.deepEqual(calls, ['slow_square(7)', 'slow_square(8)', 'slow_square(3)', 'slow_square(4)', 'slow_square(5)']);
      // (3.14+: the runtime misses the task's suspension in to_thread altogether, before this issue too)
      if (py.minor < 14) assert.ok(ofType(r.events, 'block').some((b) => b.detail === 'to_thread(slow_square, 7)'));
      assert.ok(ofType(r.events, 'block').some((b) => b.detail === 'run_in_executor(slow_square(8))'));
    });
  });
}

for (const py of GREENLET_PYTHONS) {
  describe(`truth: greenlet switch arguments on ${py.name}`, function () {
    this.timeout(60_000);
    it('switch(2, 3) is recorded as the arguments (2, 3), flagged; a single value is not', () => {
      const r = runBothWays(py, 'examples/greenlet_switch.py');
      const adder = tasks(r.events, 'greenlet').find((t) => t.name === 'adder')!;
      const sw = switches(r.events).filter((s) => s.to === adder.id);
      assert.deepEqual(
        sw.map((s) => [s.reason, s.value, s.args ?? false]),
        [
          ['start', '(2, 3)', true],
          ['switch', '10', false],
        ],
      );
    });
  });
}
