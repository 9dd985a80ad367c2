// Issue 16, point 4: every wake says why (cause) and, where there is one, which task caused it and at which call
// (by, byFile, byLine).
import * as assert from 'node:assert/strict';
import { GREENLET_PYTHONS, PYTHONS, needGevent, ofType, runBothWays, tasks, type Ev, type RunResult } from './harness';
import type { TraceLine } from '../../protocol/events';

function wakesOf(events: TraceLine[], id: string): Ev<'wake'>[] {
  return ofType(events, 'wake').filter((w) => w.task === id);
}
const named = (events: TraceLine[], name: string) => {
  const t = tasks(events).find((x) => x.name === name);
  assert.ok(t, `task ${name}`);
  return t;
};

const CAUSES = 'test/fixtures/python/truth_causes.py';

for (const py of PYTHONS) {
  describe(`truth: asyncio wake causes on ${py.name}`, function () {
    this.timeout(60_000);
    let r: RunResult;
    before(() => {
      r = runBothWays(py, CAUSES);
    });
    const main = () => tasks(r.events, 'asyncio-task').find((t) => t.name === 'main')!;
    const wake = (name: string) => {
      const w = wakesOf(r.events, named(r.events, name).id);
      assert.equal(w.length, 1, `${name} woke once`);
      return w[0];
    };

    it('a wait_for timeout names the wait_for line and the waiting task', () => {
      if (py.minor < 12) {
        // 3.11: wait_for runs the coroutine as a task of its own, cancelled by the waiting task
        const w = wake('sleeper');
        assert.deepEqual([w.on, w.cause, w.by, w.byLine], ['timer', 'timeout', main().id, 28]);
      } else {
        // 3.12+: the coroutine runs in the waiting task itself, under a timeout
        const w = wakesOf(r.events, main().id).find((x) => x.cause === 'timeout')!;
        assert.deepEqual([w.detail, w.by, w.byLine], ['wait_for', main().id, 28]);
      }
    });

    it("cancel() names the canceller and its line; a joined task's end wakes its joiner", () => {
      const w = wake('short');
      assert.deepEqual([w.cause, w.by, w.byLine], ['cancel', main().id, 33]);
      const j = wakesOf(r.events, main().id).find((x) => x.detail === 'task short')!;
      assert.deepEqual([j.on, j.cause, j.by], ['task', 'done', named(r.events, 'short').id]);
    });

    it('event.set, lock.release and queue put wake their waiters, naming who and where; the primitives by their variable', () => {
      const e = wake('waiter');
      assert.deepEqual([e.on, e.detail, e.cause, e.by, e.byLine], ['event', 'ready.wait', 'set', main().id, 41]);
      const l = wake('locker');
      assert.deepEqual([l.on, l.detail, l.cause, l.by, l.byLine], ['lock', 'lock.acquire', 'release', main().id, 47]);
      const q = wake('getter');
      assert.deepEqual([q.on, q.detail, q.cause, q.by, q.byLine], ['queue', 'q.get', 'put', main().id, 52]);
      // details never show a bare task id
      for (const b of ofType(r.events, 'block')) assert.doesNotMatch(b.detail ?? '', /^task \d+$/);
    });

    it('an asyncio.timeout block names its async with line', () => {
      const w = wakesOf(r.events, main().id)
        .filter((x) => x.cause === 'timeout')
        .at(-1)!;
      assert.deepEqual([w.on, w.by, w.byLine], ['timer', main().id, 55]);
    });
  });
}

for (const py of GREENLET_PYTHONS) {
  describe(`truth: gevent wake causes and blocking on ${py.name}`, function () {
    this.timeout(60_000);
    const SCRIPT = 'test/fixtures/python/truth_gevent_causes.py';
    let r: RunResult;
    before(function () {
      needGevent(this, py);
      r = runBothWays(py, SCRIPT);
    });
    const one = (name: string) => {
      const id = named(r.events, name).id;
      const b = ofType(r.events, 'block').filter((x) => x.task === id);
      const w = wakesOf(r.events, id);
      assert.equal(b.length, 1, `${name} blocked once`);
      assert.equal(w.length, 1, `${name} woke once`);
      return { b: b[0], w: w[0] };
    };

    it('queue, event, AsyncResult and lock waits are blocks on the object, by its variable, woken by put/set/done/release', () => {
      for (const [name, on, detail, cause] of [
        ['getter', 'queue', 'q.get', 'put'],
        ['waiter', 'event', 'ev.wait', 'set'],
        ['answer', 'future', 'ar.get', 'done'],
        ['locker', 'lock', 'sem.acquire', 'release'],
      ] as const) {
        const { b, w } = one(name);
        assert.deepEqual([b.on, b.detail, w.on, w.detail, w.cause], [on, detail, on, detail, cause], name);
      }
    });

    it('put/set/AsyncResult.set/release name the greenlet and line that did it (3.12+: sys.monitoring CALL; 3.11: the call sites site_scan.py finds)', () => {
      for (const [name, byLine] of [
        ['getter', 49],
        ['waiter', 50],
        ['answer', 52],
        ['locker', 51],
      ] as const) {
        const { w } = one(name);
        assert.deepEqual([w.by, w.byFile?.endsWith('truth_gevent_causes.py'), w.byLine], ['1', true, byLine], name);
      }
    });

    it('kill names the killer and its line; gevent.Timeout names where it started; join names the greenlet', () => {
      const v = one('victim');
      assert.deepEqual([v.w.cause, v.w.by, v.w.byLine], ['kill', '1', 53]);
      assert.equal(ofType(r.events, 'end').find((e) => e.task === named(r.events, 'victim').id)?.outcome, 'killed');
      const s = one('slow');
      assert.deepEqual([s.w.cause, s.w.by, s.w.byLine], ['timeout', named(r.events, 'slow').id, 27]);
      const j = wakesOf(r.events, '1').find((x) => x.detail === 'get slow')!;
      assert.deepEqual([j.on, j.cause, j.by], ['task', 'done', named(r.events, 'slow').id]);
    });
  });
}

for (const py of GREENLET_PYTHONS) {
  describe(`truth: gevent creation sites and joinall on ${py.name}`, function () {
    this.timeout(60_000);
    const SCRIPT = 'test/fixtures/python/truth_gevent_spawn.py';
    let r: RunResult;
    before(function () {
      needGevent(this, py);
      r = runBothWays(py, SCRIPT);
      assert.equal(r.stdout, '[2, 4, 6, 8, 10, 12, 7, 16]\n');
    });

    it('every way of making a Greenlet declares it with its creator, the creating line and its arguments', () => {
      const gl = tasks(r.events, 'greenlet');
      // by the argument each one got: Greenlet(f).start(), Greenlet.spawn, spawn_later, Pool.spawn, Group.spawn, spawn, a subclass, start_later
      const want: [string, number, string][] = [
        ['(1)', 16, 'work'],
        ["(2, tag='b')", 18, 'work'],
        ['(3)', 19, 'work'],
        ['(4)', 21, 'work'],
        ['(5)', 23, 'work'],
        ['(6)', 24, 'work'],
        ['()', 25, 'Sub._run'],
        ['(8)', 27, 'work'],
      ];
      for (const [args, line, name] of want) {
        const t = gl.find((x) => x.args === args && x.line === line);
        assert.ok(t, `a greenlet ${name}${args} made at line ${line}: ${JSON.stringify(gl.map((x) => [x.name, x.args, x.line]))}`);
        assert.deepEqual([t.name, t.parent, t.file?.endsWith('truth_gevent_spawn.py'), t.site], [name, '1', true, undefined], args);
      }
    });

    it("joinall's wakes each name the greenlet that ended", () => {
      const ws = ofType(r.events, 'wake').filter((w) => w.task === '1' && w.on === 'task');
      assert.ok(ws.length >= 1);
      const gl = new Set(tasks(r.events, 'greenlet').map((t) => t.id));
      for (const w of ws) {
        assert.equal(w.cause, 'done');
        assert.ok(w.by !== undefined && gl.has(w.by), JSON.stringify(w));
      }
      // every greenlet it waited for is named once
      assert.equal(new Set(ws.map((w) => w.by)).size, ws.length);
    });
  });
}

for (const py of PYTHONS) {
  describe(`truth: wakes caused by a signal on ${py.name}`, function () {
    this.timeout(60_000);
    it('a signal.signal handler or an add_signal_handler callback that sets an event or cancels a task: cause signal, the signal named', () => {
      const SCRIPT = 'test/fixtures/python/truth_signals.py';
      const r = runBothWays(py, SCRIPT);
      assert.equal(r.stdout, "victim cancelled\ndone\nsleep ended by TimeoutError('alarm')\nslept on\n");
      const w = (name: string) => {
        const ws = wakesOf(r.events, named(r.events, name).id).filter((x) => x.on !== 'task');
        assert.equal(ws.length, 1, `${name} woke once`);
        return [ws[0].on, ws[0].detail, ws[0].cause, ws[0].signal, ws[0].byLine];
      };
      assert.deepEqual(w('waiter'), ['event', 'ready.wait', 'signal', 'SIGUSR1', 11]);
      assert.deepEqual(w('stopper'), ['event', 'stop.wait', 'signal', 'SIGUSR2', 42]);
      assert.deepEqual(w('victim'), ['timer', '30 s', 'signal', 'SIGTERM', 45]);
      // a wake whose waking call is not in a handler keeps its own cause
      const j = wakesOf(r.events, '1').find((x) => x.detail === 'join waiter')!;
      assert.deepEqual([j.cause, j.signal], ['done', undefined]);
      // time.sleep in the main thread ended by SIGALRM's handler raising: the wake names the signal and the handler's
      // line; a handler that returns lets the sleep go on, which then ends by its timer (3.12+: call_events.py;
      // 3.11: site_scan.py, the handler's lines through its local tracer)
      const sleeps = wakesOf(r.events, '1')
        .filter((x) => x.on === 'timer')
        .map((x) => [x.detail, x.cause, x.signal, x.byLine]);
      assert.deepEqual(sleeps, [
        ['30 s', 'signal', 'SIGALRM', 62],
        ['0.1 s', 'timer', undefined, undefined],
      ]);
    });
  });
}
