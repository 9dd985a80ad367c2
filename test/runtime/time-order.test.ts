// Lines of one process are in ts order however many threads queue them (issue 14; docs/architecture.md, "Time
// order"). runTraced checks that for every trace a runtime test makes (harness.ts checkTimeOrder, as written and
// expanded); this program makes it hard: four threads queueing lines at once, the GIL switching every few
// microseconds, so threads are switched out between taking a line's time and queueing it.
import * as assert from 'node:assert/strict';
import { DEB311, GREENLET_PYTHONS, PYTHONS, checkTrace, ofType, runPlain, runTraced, switches, tasks } from './harness';

for (const py of PYTHONS) {
  describe(`runtime time order on ${py.name}`, function () {
    this.timeout(120_000);

    it('four threads queueing lines at once: every line in ts order, none lost', () => {
      const script = 'test/fixtures/python/threads_order.py';
      const r = runTraced(py, script, { timeoutMs: 100_000 }); // (checkTimeOrder: harness.ts)
      checkTrace(r);
      // the threads' prints interleave differently from run to run
      assert.deepEqual(r.stdout.split('\n').sort(), runPlain(py, script, { timeoutMs: 100_000 }).stdout.split('\n').sort());
      const counters = tasks(r.events, 'generator').filter((t) => t.name === 'counter');
      assert.equal(counters.length, 3);
      for (const g of counters) {
        const sw = switches(r.events).filter((e) => e.from === g.id || e.to === g.id);
        // next(g), 999 sends each resuming it to its next yield, the last send resuming it to its return
        assert.equal(sw.length, 2002, `generator ${g.id}: ${sw.length} switches`);
        for (const [k, e] of sw.entries()) assert.equal(k % 2 === 0 ? e.to : e.from, g.id, `generator ${g.id} switch ${k} alternates`);
      }
      const items = [...Array.from({ length: 500 }, (_, i) => String(i)), 'None'];
      assert.deepEqual(
        ofType(r.events, 'send').map((e) => e.value),
        items,
      );
      assert.deepEqual(
        ofType(r.events, 'recv').map((e) => e.value),
        items,
      );
    });

    it("a signal handler that prints inside the hooks of a driven generator: its lines after the hook's", () => {
      // (the old writer: 1-200 lines out of order on every run on 3.11, ~80 on 3.14, of ~100,000)
      const r = runTraced(py, 'test/fixtures/python/order_signal.py', { timeoutMs: 100_000 }); // (checkTimeOrder: harness.ts)
      checkTrace(r);
      assert.match(r.stdout, /\nsent True\n$/);
      const ticks = ofType(r.events, 'output').filter((e) => e.text.includes('tick'));
      assert.ok(ticks.length >= 100, `${ticks.length} handler prints recorded`);
    });

    it("a __del__ that prints, run by collections inside the hooks: its lines after the hook's", () => {
      // (the old writer: 1-40 lines out of order in about half the runs on 3.14 and 3.15; on 3.11 a collection
      // runs at the allocation that crosses the threshold, rarely one a hook makes while it holds a time)
      const script = 'test/fixtures/python/order_del.py';
      const r = runTraced(py, script, { timeoutMs: 100_000 }); // (checkTimeOrder: harness.ts)
      checkTrace(r);
      // (as many sends and frees; where the frees come among the sends depends on when collections run, and the
      // runtime's own allocations move them, even between the parts of one print: `sentfreed 1`, `freed 3649518325`)
      const count = (s: string, w: RegExp) => (s.match(w) ?? []).length;
      const plain = runPlain(py, script, { timeoutMs: 100_000 });
      for (const w of [/sent/g, /done/g]) assert.equal(count(r.stdout, w), count(plain.stdout, w), String(w));
      // The runtime's own allocations move when collections run (docs/architecture.md, "What a traced program can
      // still observe"): one may land inside the buffered write of another print, whose __del__ print then fails with
      // "reentrant call" as it would without the runtime at another threshold (~1 run in 4 on 3.13 under load, 32 frees).
      // Every free is printed or failed so, never lost another way.
      const reentrant = count(r.stderr, /RuntimeError: reentrant call inside <_io\.BufferedWriter name='<stdout>'>/g);
      assert.equal(count(r.stdout, /freed/g) + reentrant, count(plain.stdout, /freed/g), r.stderr.slice(0, 2000));
    });

    it('four threads making first runs of the same generator functions at once: every turn recorded, each generator made by its own thread', () => {
      // (the old runtime published a function as traced before switching its resume/yield events on: a thread
      // running its generator in between lost every turn after the start, 4 of 15 runs on 3.15; and the threads
      // took each other's creation notes, so a generator claimed another thread as its creator)
      const script = 'test/fixtures/python/threads_first_runs.py';
      const r = runTraced(py, script, { timeoutMs: 100_000 }); // (checkTimeOrder: harness.ts)
      checkTrace(r);
      assert.deepEqual(r.stdout.split('\n').sort(), runPlain(py, script, { timeoutMs: 100_000 }).stdout.split('\n').sort());
      const gens = tasks(r.events, 'generator');
      assert.equal(gens.length, 160);
      const sw = switches(r.events);
      for (const g of gens) {
        const mine = sw.filter((e) => e.from === g.id || e.to === g.id);
        // its start, 19 sends each resuming it to its next yield, the last send resuming it to its return
        assert.equal(mine.length, 42, `${g.name} (${g.id}): ${mine.length} switches`);
        const driver = mine[0].from;
        assert.ok(
          mine.every((e) => e.from === driver || e.to === driver),
          `${g.name} (${g.id}) is driven by one thread`,
        );
        assert.equal(g.parent, driver, `${g.name} (${g.id}) was made by the thread that drove it`);
      }
    });

    it('forks while two threads queue lines: the parent goes on in ts order', () => {
      // (the old flush before a fork wrote every queued line: 3-7 lines out of order on each of 6 runs on 3.11)
      const r = runTraced(py, 'test/fixtures/python/order_fork.py', { timeoutMs: 100_000 }); // (checkTimeOrder: harness.ts)
      checkTrace(r);
      assert.equal(r.stdout, 'forked 12 times\n');
    });

    it('a producer and a consumer thread that write the queue out themselves (a 4-line soft queue): every line in ts order', () => {
      // A put reserves its send's place before the item goes in (threads.py). A flush that stopped at a place not
      // filled yet wrote the lines taken before it up to the watermark, lowered only by the places still unfilled:
      // one filled meanwhile, or a recv queued after it with an older time than a send before it, was written after
      // newer lines (the old writer: out of order in 3-8 runs of 10 on 3.13, 3.14 and 3.15; a CI flake at 512)
      for (let run = 0; run < 3; run++) {
        const r = runTraced(py, 'test/fixtures/python/threads_put_race.py', {
          args: ['3000'],
          env: { COROSCOPE_SOFT_QUEUE: '4' },
          timeoutMs: 100_000,
        }); // (checkTimeOrder: harness.ts)
        checkTrace(r);
        assert.equal(r.stdout, 'got 4498500\ngot 4498500\n');
        const sends = new Map(ofType(r.events, 'send').map((x) => [`${x.channel}\u0000${x.msg}`, x.ts]));
        const recvs = ofType(r.events, 'recv');
        assert.equal(recvs.length, 6000);
        // (a put that waited for room: its send is written by whichever sees the item in first, threads.py _unsent)
        for (const x of recvs)
          assert.ok((sends.get(`${x.channel}\u0000${x.msg}`) ?? Infinity) <= x.ts, `the get of ${x.value} on ${x.channel} pairs with an earlier put`);
      }
    });
  });
}

for (const py of GREENLET_PYTHONS) {
  describe(`runtime time order with greenlets on ${py.name}`, function () {
    this.timeout(120_000);

    it('a switch written once its target resumes in the switch wrapper keeps its place before what the tracer printed', () => {
      // (the old writer queued it after the program's greenlet tracer's prints: out of order on every run)
      const script = 'test/fixtures/python/order_glet_late.py';
      const r = runTraced(py, script); // (checkTimeOrder: harness.ts)
      checkTrace(r);
      assert.equal(r.stdout, runPlain(py, script).stdout);
      const vals = switches(r.events)
        .filter((e) => e.reason === 'switch' && e.value !== undefined)
        .map((e) => e.value);
      assert.deepEqual(vals, ["'m0'", "'m1'", "'m2'"]);
    });
  });
}

// (every interpreter entry: the Debian 3.11 too, whose collections run at other allocations than pyenv's)
for (const py of [...PYTHONS, DEB311]) {
  describe(`runtime time order with finalizers on ${py.name}`, function () {
    this.timeout(120_000);
    for (const how of ['weakref', 'finalize', 'exec']) {
      it(`finalizers the runtime cannot find (${how}) print from collections inside the hooks: their lines after the hook's`, () => {
        // (a weakref callback, a weakref.finalize function, a __del__ of exec'd text: the old writer, which only bounded
        // the flush under the __del__ methods the import system loaded, left lines out of order)
        const script = 'test/fixtures/python/order_finalizers.py';
        const r = runTraced(py, script, { args: [how], timeoutMs: 100_000 }); // (checkTimeOrder: harness.ts)
        checkTrace(r);
        const plain = runPlain(py, script, { args: [how], timeoutMs: 100_000 });
        const count = (s: string, w: RegExp) => (s.match(w) ?? []).length;
        for (const w of [/generators done/g, /asyncio done/g, /threads done/g]) assert.equal(count(r.stdout, w), count(plain.stdout, w), String(w));
        // (when collections run differs, as for order_del.py above: a free whose print landed in another print's
        // buffered write failed with "reentrant call", as it can without the runtime)
        const reentrant = count(r.stderr, /RuntimeError: reentrant call inside <_io\.BufferedWriter name='<stdout>'>/g);
        assert.equal(count(r.stdout, /freed/g) + reentrant, count(plain.stdout, /freed/g), r.stderr.slice(0, 2000));
        assert.ok(count(r.stdout, /freed/g) > 1000, 'frees printed');
      });
    }
    it("finalizers that print inside an asyncio queue's or step's hook, the queue written out by the program's thread (a 4-line soft queue): in ts order", () => {
      // A compact asyncio line holds two times (a queue transfer carries its step's start, stepTs; a step line its
      // start and end). A collection inside the hook, after the start was taken off PEND, ran a __del__ that printed
      // between them: no place for that one line keeps ts order (the old runtime: 3.13's exec case failed on every
      // run; the two halves are now lines of their own, aio_steps.halves)
      const script = 'test/fixtures/python/order_finalizers.py';
      const r = runTraced(py, script, { args: ['exec'], env: { COROSCOPE_SOFT_QUEUE: '4' }, timeoutMs: 100_000 }); // (checkTimeOrder: harness.ts)
      checkTrace(r);
      assert.ok((r.stdout.match(/freed/g) ?? []).length > 1000, 'frees printed');
    });
  });
}
