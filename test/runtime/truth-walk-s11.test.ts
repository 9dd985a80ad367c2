// A learner's walk, eleventh stop: programs written after the seed articles (threads with Barrier, gevent joinall
// with a timeout, greenlets handing values to a parent). Each test pins a falsehood the walk found in the trace.
import * as assert from 'node:assert/strict';
import type { TraceLine } from '../../protocol/events';
import { GREENLET_PYTHONS, PYTHONS, needGevent, ofType, runBothWays, switches, tasks } from './harness';

function lane(events: TraceLine[], name: string, kind?: string): string {
  const t = tasks(events, kind).find((x) => x.name === name);
  assert.ok(t, `a task named ${name}`);
  return t.id;
}

/** Each wake of `task` as `on detail cause by@line` (by as the lane's name; @line when the wake names one). */
function wakes(events: TraceLine[], task: string): string[] {
  const names = new Map(tasks(events).map((t) => [t.id, t.name]));
  return events.flatMap((e) =>
    e.type === 'wake' && e.task === task ? [`${e.on} ${e.detail} ${e.cause}${e.by ? ` ${names.get(e.by)}${e.byLine ? `@${e.byLine}` : ''}` : ''}`] : [],
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

for (const py of GREENLET_PYTHONS) {
  describe(`truth walk s11: gevent on ${py.name}`, function () {
    this.timeout(60_000);

    // joinall(..., timeout=) released by its timer read `done`, by whichever greenlet had ended meanwhile (one it
    // did not join), or by no one.
    it('a joinall its timeout releases wakes by the timeout at its line; one whose greenlets end, by each of them', function () {
      needGevent(this, py);
      const r = runBothWays(py, 'test/fixtures/python/walk/gevent_joinall_timeout.py');
      const main = lane(r.events, 'main', 'main');
      assert.deepEqual(wakes(r.events, main), [
        'task joinall(g) timeout main@22',
        'task joinall(greenlets) done quick',
        'task joinall(greenlets) done quick',
        'task kill forever done forever',
      ]);
      const quicks = tasks(r.events, 'greenlet').filter((t) => t.name === 'quick');
      const by = r.events.flatMap((e) => (e.type === 'wake' && e.task === main && e.detail === 'joinall(greenlets)' ? [e.by] : []));
      assert.deepEqual(
        by,
        quicks.map((t) => t.id),
        'each wake names the joined greenlet that ended, in the order they ended',
      );
    });

    // monkey.patch_all() runs a Thread as a gevent greenlet: the trace had the thread's lane, which never ran, and a
    // greenlet lane `Thread._bootstrap` (threading.py's code) doing its work; on 3.13+ the main greenlet waiting in
    // `t.start()` read as a block on the `joinall` of a line above.
    it('a monkey-patched thread is one lane, started by the hub, that sets the event; t.start() is no joinall', function () {
      needGevent(this, py);
      const r = runBothWays(py, 'test/fixtures/python/walk/gevent_patched_thread.py');
      assert.deepEqual(
        tasks(r.events).filter((t) => t.name.includes('_bootstrap')),
        [],
        'no lane named after threading internals',
      );
      const th = lane(r.events, 'Thread-1 (setter)', 'thread');
      const hub = lane(r.events, 'Hub', 'hub');
      const sw = switches(r.events).filter((s) => s.to === th);
      assert.deepEqual(
        sw.map((s) => [s.from, s.reason]),
        [
          [hub, 'start'],
          [hub, 'resume'],
        ],
      );
      const main = lane(r.events, 'main', 'main');
      assert.deepEqual(
        wakes(r.events, main).filter((w) => w.startsWith('event')),
        ['event ev.wait set Thread-1 (setter)@22'],
      );
      const blocks = r.events.flatMap((e) => (e.type === 'block' && e.task === main && e.line !== undefined && e.line < 30 ? [`${e.detail}@${e.line}`] : []));
      assert.deepEqual(blocks, ['joinall(gs)@16', 'joinall(gs)@16', 'ev.wait@27']);
      assert.equal(r.events.filter((e) => e.type === 'end' && e.task === th).length, 1);
    });
  });
}

for (const py of PYTHONS) {
  describe(`truth walk s11: asyncio on ${py.name}`, function () {
    this.timeout(60_000);

    // `await q.join()` read as woken by `get` (room made) by no one; a TaskGroup's cancels read as made by the event
    // loop at the asyncio.run line.
    it('q.join() wakes done by the last task_done(); a failed TaskGroup child is who cancels the others and the parent', () => {
      const r = runBothWays(py, 'test/fixtures/python/walk/aio_join_taskgroup.py');
      const main = lane(r.events, 'main', 'asyncio-task');
      assert.deepEqual(wakes(r.events, main).slice(0, 1), ['queue q.join done worker@12']);
      assert.deepEqual(wakes(r.events, lane(r.events, 'sibling')), ['timer 1 s cancel failing@17']);
      assert.ok(wakes(r.events, main).includes('future TaskGroup cancel failing@17'), wakes(r.events, main).join('; '));
    });

    // 3.12+: a frame that ends after an `except*` block stops on an instruction of no line (f_lineno None): the task's
    // last switch and end were written with `"line":None`, which is not JSON (the whole line lost to every reader),
    // and a generator's with line 0.
    it('a generator and a task ending after except* end at a line of their own code (valid JSON, not 0)', () => {
      const r = runBothWays(py, 'test/fixtures/python/walk/except_star_end.py');
      const ends = ofType(r.events, 'end');
      for (const [name, kind, from, to] of [
        ['gen', 'generator', 7, 11],
        ['task', 'asyncio-task', 15, 19],
      ] as const) {
        const id = lane(r.events, name, kind);
        const e = ends.find((x) => x.task === id);
        assert.ok(e?.line !== undefined && e.line >= from && e.line <= to, `${name} ends at line ${e?.line}, within ${from}-${to}`);
        const last = switches(r.events)
          .filter((s) => s.from === id)
          .at(-1);
        assert.equal(last?.line, e.line, `${name}'s last switch leaves from its end line`);
      }
    });
  });
}

for (const py of PYTHONS) {
  describe(`truth walk s11: generators on ${py.name}`, function () {
    this.timeout(60_000);

    // The call that resumed a generator was looked for up to 16 instructions back, past the start of the call: a
    // `list(numbers(2))` on the line after `g.close()` read every resume as a close.
    it('a generator drained by list() or sum() is resumed, whatever the statement before did; one closed unstarted has no lane', () => {
      const r = runBothWays(py, 'test/fixtures/python/walk/consumer_after_close.py');
      const lanes = tasks(r.events, 'generator').filter((t) => t.name === 'numbers');
      const story = lanes.map((l) =>
        switches(r.events)
          .filter((s) => s.to === l.id)
          .map((s) => s.reason),
      );
      assert.equal(lanes.length, 3, 'no lane for u, closed before it ran');
      assert.deepEqual(story[0], ['start', 'resume', 'resume', 'resume'], 'sum(numbers(3)), after p.send(...)');
      assert.deepEqual(story[2], ['start', 'resume', 'resume'], 'list(numbers(2)), after g.close(): it read close, close');
    });
  });
}

for (const py of PYTHONS) {
  describe(`truth walk s11: multiprocessing.Pool on ${py.name}`, function () {
    this.timeout(60_000);

    it("a Pool's jobs are sent at the program's call, which waits until the worker whose result completes them", () => {
      const r = runBothWays(py, 'test/fixtures/python/walk/pool_waits.py');
      const main = lane(r.events, 'main', 'main');
      const sends = ofType(r.events, 'send').filter((e) => e.task === main);
      assert.deepEqual(
        sends.map((e) => `${e.value}@${e.line}`),
        ['map sq(1)@15', 'map sq(2)@15', 'sq(3)@16'],
      );
      const blocks = ofType(r.events, 'block').filter((e) => e.task === main);
      assert.deepEqual(
        blocks.map((e) => `${e.on} ${e.detail}@${e.line}`),
        ['future map() on Pool#1@15', 'future get() on Pool#1@18'],
      );
      // each wake names the worker process that sent the result the program received last before it
      const senders = new Map(ofType(r.events, 'send').map((e) => [e.msg, e.task]));
      let lastRecv: number | undefined;
      const seen: string[] = [];
      for (const e of r.events) {
        if (e.type === 'recv' && e.task === main) lastRecv = e.msg;
        if (e.type === 'wake' && e.task === main) {
          assert.equal(e.cause, 'done');
          assert.ok(e.by !== undefined && e.by === senders.get(lastRecv), `woken by ${e.by}, whose result came last (${senders.get(lastRecv)})`);
          assert.equal(tasks(r.events, 'process').find((t) => t.id === e.by)?.kind, 'process');
          seen.push(e.detail ?? '');
        }
      }
      assert.deepEqual(seen, ['map() on Pool#1', 'get() on Pool#1']);
    });
  });
}
