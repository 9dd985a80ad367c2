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

// Issue 16 point 1 (asyncio): a task's site is the call that made the task (create_task, gather, ensure_future, a
// callback of the program's), never the line that made its coroutine object, and never a line below the event loop
// (`asyncio.run(main())`) for a task that asyncio's own code made in a loop callback: that one says first-run.
const AIO = 'test/fixtures/python/truth_aio_sites.py';
for (const py of PYTHONS) {
  describe(`truth: asyncio task creation sites on ${py.name}`, function () {
    this.timeout(60_000);
    it('create_task / gather / ensure_future / a callback are the sites; tasks made by asyncio in callbacks say first-run', () => {
      const r = runBothWays(py, AIO);
      const kind = new Map(tasks(r.events).map((t) => [t.id, t.kind]));
      const got = tasks(r.events, 'asyncio-task').map((t) => [t.name, kind.get(t.parent ?? ''), t.line, t.site ?? 'create']);
      assert.deepEqual(got, [
        ['main', 'main', 49, 'create'],
        // `c = work(1)` awaited directly is no task; `d = work(2)` (line 30) becomes one at create_task (line 31)
        ['work', 'asyncio-task', 31, 'create'],
        ['a', 'asyncio-task', 33, 'create'],
        ['work', 'asyncio-task', 33, 'create'],
        // helper() made the coroutine (line 14); ensure_future made the task
        ['work', 'asyncio-task', 34, 'create'],
        // the program's own callback, run by the loop
        ['work', 'event-loop', 37, 'create'],
        // start_server's protocol and run_coroutine_threadsafe's callback: first run at the coroutine's def
        ['handle', 'event-loop', 17, 'first-run'],
        ['work', 'event-loop', 4, 'first-run'],
      ]);
    });
  });
}

// Coroutines driven by hand (no asyncio): a coroutine function's calls are not watched on any version (an asyncio
// program makes one per await: gen_sites.py), so `c = work(1)` is never claimed as seen: the site is the first
// send, and says so.
const CORO = 'test/fixtures/python/truth_coro_sites.py';
for (const py of PYTHONS) {
  describe(`truth: hand-driven coroutine sites on ${py.name}`, function () {
    this.timeout(60_000);
    it('a coroutine object made at one line and first sent to at another: site first-run at the send', () => {
      const r = runBothWays(py, CORO);
      const got = tasks(r.events, 'coroutine').map((t) => [t.name, t.parent, t.line, t.site ?? 'create']);
      assert.deepEqual(got, [
        ['work', '1', 19, 'first-run'],
        ['work', '1', 21, 'first-run'],
      ]);
    });
  });
}
