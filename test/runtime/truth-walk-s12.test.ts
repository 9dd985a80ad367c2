// A learner's walk, twelfth stop: greenlets ending into a parent that waits in a C switch, gevent joins and kills
// of greenlets no variable names, and generators closed or thrown into by class. Each test pins a falsehood the
// walk found in the trace; each runs the program plainly too (runBothWays: the traced output is byte-identical).
import * as assert from 'node:assert/strict';
import type { TraceLine } from '../../protocol/events';
import { GREENLET_PYTHONS, PYTHONS, needGevent, ofType, runBothWays, switches, tasks } from './harness';

const DIR = 'test/fixtures/python/walk12';

function lane(events: TraceLine[], name: string, kind?: string, nth = 0): string {
  const t = tasks(events, kind).filter((x) => x.name === name)[nth];
  assert.ok(t, `a task named ${name}`);
  return t.id;
}

/** Each switch out of `id` that ends it (return/raise), and its end, as `reason to=value` / `outcome=value`. */
function ending(events: TraceLine[], id: string): string[] {
  const names = new Map(tasks(events).map((t) => [t.id, t.name]));
  const sw = switches(events)
    .filter((s) => s.from === id && (s.reason === 'return' || s.reason === 'raise'))
    .map((s) => `${s.reason} ${names.get(s.to)}=${s.value}`);
  const end = ofType(events, 'end')
    .filter((e) => e.task === id)
    .map((e) => `${e.outcome}=${e.value}`);
  return [...sw, ...end];
}

/** Each wake of `task` as `on detail cause by@line` (by as the lane's name). */
function wakes(events: TraceLine[], task: string): string[] {
  const names = new Map(tasks(events).map((t) => [t.id, `${t.name}${t.args ?? ''}`]));
  return events.flatMap((e) =>
    e.type === 'wake' && e.task === task ? [`${e.on} ${e.detail} ${e.cause}${e.by ? ` ${names.get(e.by)}${e.byLine ? `@${e.byLine}` : ''}` : ''}`] : [],
  );
}

for (const py of GREENLET_PYTHONS) {
  describe(`truth walk s12: greenlets on ${py.name}`, function () {
    this.timeout(60_000);

    // A greenlet whose parent waited in greenlet's own C switch (`getcurrent().parent.switch(g)`) ended with no value:
    // `return` with nothing, `raise` with nothing, while the parent printed the 21 that crossed.
    it('a greenlet ending into a parent waiting in a C switch carries what it returned or raised', () => {
      const r = runBothWays(py, `${DIR}/glet_return_c.py`);
      assert.deepEqual(ending(r.events, lane(r.events, 'inner', 'greenlet')), ['return outer=21', 'return=21']);
      assert.deepEqual(ending(r.events, lane(r.events, 'broken', 'greenlet')), ["raise outer=KeyError('key')", "exception=KeyError('key')"]);
      assert.deepEqual(ending(r.events, lane(r.events, 'outer', 'greenlet')), ["return main='outer done'", "return='outer done'"]);
      // o.switch('late') of the dead outer returns 'late' at once: no switch of main into itself
      const main = lane(r.events, 'main', 'main');
      assert.deepEqual(
        switches(r.events).filter((s) => s.from === main && s.to === main),
        [],
      );
    });

    // A greenlet already started before its parent waited in a C switch: on 3.11 its frames ran with tracing off
    // (greenlet restores each greenlet's own tracing state), so its return to the new parent had no value.
    it('a started greenlet adopted by a parent waiting in a C switch returns its value to it', () => {
      const r = runBothWays(py, `${DIR}/glet_adopted.py`);
      const workers = tasks(r.events, 'greenlet').filter((t) => t.name === 'worker');
      assert.deepEqual(ending(r.events, workers[1].id), ["return adopter='worker result'", "return='worker result'"]);
      assert.deepEqual(ending(r.events, workers[0].id), ['return main=GreenletExit()', 'killed=GreenletExit()']);
    });

    // throw(ValueError), the class: the switch read `ValueError` on 3.11 and `ValueError()` on 3.12+ for generators;
    // for greenlets `ValueError` everywhere and `ValueError` again for throw(ValueError, 'two').
    it('a greenlet thrown a class receives an instance, and the switch says so', () => {
      const r = runBothWays(py, `${DIR}/glet_throw_class.py`);
      const w = lane(r.events, 'worker', 'greenlet');
      assert.deepEqual(
        switches(r.events)
          .filter((s) => s.to === w && s.reason === 'throw')
          .map((s) => s.value),
        ['ValueError()', "ValueError('two')", "ValueError('three')"],
      );
    });

    // gevent.spawn_raw: the lane read `greenlet` (no function, no creator, no site, no arguments), started with
    // nothing and returning nothing to the hub, which waits in C.
    it('gevent.spawn_raw greenlets are named, started with their arguments, and end with their value', function () {
      needGevent(this, py);
      const r = runBothWays(py, `${DIR}/gevent_spawn_raw.py`);
      const main = lane(r.events, 'main', 'main');
      const child = tasks(r.events, 'greenlet').find((t) => t.name === 'child');
      assert.ok(child, 'a lane named child');
      assert.deepEqual([child.parent, child.line, child.args], [main, 14, '(41)']);
      const start = switches(r.events).find((s) => s.to === child.id && s.reason === 'start');
      assert.deepEqual([start?.value, start?.args], ['(41)', true]);
      assert.deepEqual(ending(r.events, child.id), ['return Hub=42', 'return=42']);
      assert.deepEqual(ending(r.events, lane(r.events, 'plain', 'greenlet')), ["return Hub='plain done'", "return='plain done'"]);
    });

    // The seed articles' gevent.joinall([gevent.spawn(f, 1), gevent.spawn(g, 2)]): no variable names the greenlets,
    // and the join read `joinall`, its wakes by whichever greenlet had ended.
    it('a joinall of spawn calls names its greenlets by function and arguments; each wake, the one that ended', function () {
      needGevent(this, py);
      const r = runBothWays(py, `${DIR}/gevent_joinall_spawns.py`);
      const main = lane(r.events, 'main', 'main');
      assert.deepEqual(wakes(r.events, main), [
        'task joinall(f(1), g(2)) done f(1)',
        'task joinall(f(1), g(2)) done g(2)',
        'task joinall(foo(), bar()) done foo()',
        'task joinall(foo(), bar()) done bar()',
        'task joinall(f(3), f(1)) done f(1)',
        'task joinall(f(3), f(1)) done f(3)',
      ]);
      const blocks = ofType(r.events, 'block')
        .filter((b) => b.task === main)
        .map((b) => `${b.detail}@${b.line}`);
      assert.deepEqual(blocks, [
        'joinall(f(1), g(2))@15',
        'joinall(f(1), g(2))@15',
        'joinall(foo(), bar())@31',
        'joinall(foo(), bar())@31',
        'joinall(f(3), f(1))@38',
        'joinall(f(3), f(1))@38',
      ]);
    });

    // The hub's throw of a gevent.Timeout into the sleeping greenlet carried no value.
    it('a gevent.Timeout thrown in by the hub is the throw switch value; the wake names where it started', function () {
      needGevent(this, py);
      const r = runBothWays(py, `${DIR}/gevent_timeout_throw.py`);
      const main = lane(r.events, 'main', 'main');
      assert.deepEqual(
        switches(r.events)
          .filter((s) => s.to === main && s.reason === 'throw')
          .map((s) => s.value),
        ['Timeout()', 'Timeout()'],
      );
      assert.deepEqual(wakes(r.events, main), ['timer 5 s timeout main@12', 'timer 5 s timeout main@17']);
    });

    // gevent.killall: the killed greenlets' wakes read `kill` by no one, and their ends said nothing of who killed
    // them; the killall's own wake named the first greenlet that died, not the last.
    it('each greenlet killall kills ends killed by the killall at its line; the killall wakes by the last to die', function () {
      needGevent(this, py);
      const r = runBothWays(py, `${DIR}/gevent_killall.py`);
      const main = lane(r.events, 'main', 'main');
      const boss = lane(r.events, 'boss', 'greenlet');
      const forever = tasks(r.events, 'greenlet').filter((t) => t.name === 'forever');
      assert.equal(forever.length, 4);
      const ends = ofType(r.events, 'end');
      assert.deepEqual(
        forever.map((t) => {
          const e = ends.find((x) => x.task === t.id);
          return [t.args, e?.outcome, e?.value, e?.by, e?.byLine];
        }),
        [
          ['(0)', 'killed', 'GreenletExit()', main, 12],
          ['(1)', 'killed', 'GreenletExit()', main, 12],
          ['(7)', 'killed', 'GreenletExit()', boss, 19],
          ['(8)', 'killed', 'GreenletExit()', boss, 19],
        ],
      );
      for (const t of forever) {
        const w = ofType(r.events, 'wake').filter((x) => x.task === t.id);
        assert.deepEqual(
          w.map((x) => [x.cause, x.by, x.byLine]),
          [['kill', t.parent, t.parent === main ? 12 : 19]],
          `${t.name}${t.args}'s wake is the kill`,
        );
      }
      assert.deepEqual(wakes(r.events, main)[0], 'task killall(gs) done forever(1)');
      assert.deepEqual(wakes(r.events, boss), ['task killall done forever(8)']);
    });
  });
}

for (const py of PYTHONS) {
  describe(`truth walk s12: generators on ${py.name}`, function () {
    this.timeout(60_000);

    // 3.12 and 3.13 close a generator suspended outside any try without running its frame: no close switch, and its
    // end read `unfinished` at exit (3.11 and 3.14+ read `killed`).
    it('close() of a generator suspended outside any try is a close by its caller at its line, on every version', () => {
      const r = runBothWays(py, `${DIR}/gen_close_outside_try.py`);
      const main = lane(r.events, 'main', 'main');
      // (worker() is a plain function: the generator it closes is closed by main's lane, at its line 30)
      for (const [nth, name, line, endLine] of [
        [0, 'counter', 19, 6],
        [0, 'guarded', 23, 14],
        [1, 'counter', 30, 6],
      ] as const) {
        const id = lane(r.events, name, 'generator', nth);
        const closes = switches(r.events).filter((s) => s.reason === 'close' && (s.to === id || s.from === id));
        assert.deepEqual(
          closes.map((s) => [s.from === id ? 'out' : 'in', s.from === id ? s.to : s.from, s.from === id ? s.toLine : s.line]),
          [
            ['in', main, line],
            ['out', main, line],
          ],
          `${name} #${nth} is closed by its caller at line ${line}`,
        );
        const e = ofType(r.events, 'end').find((x) => x.task === id);
        assert.deepEqual([e?.outcome, e?.line], ['killed', endLine]);
      }
    });

    // The runtime kept the frame that last resumed a generator (a cache of its lane): a function that returned
    // leaving a generator suspended kept its locals, so the generator outlived it and its `finally` ran at exit,
    // after the program's last print (plain Python runs it when main() returns).
    it('a generator left suspended by a function that returns is finalized when plain Python does it', () => {
      const r = runBothWays(py, `${DIR}/gen_pipeline_finally.py`);
      assert.match(r.stdout, /grouper finally boys\nend\n$/);
      const boys = lane(r.events, 'grouper', 'generator', 1);
      const closes = switches(r.events).filter((s) => s.reason === 'close' && s.to === boys);
      assert.equal(closes.length, 1);
      assert.ok(!closes[0].file?.includes('runtime/coroscope/'), `closed from the program, not the runtime: ${closes[0].file}`);
    });

    // 3.11: a KeyError thrown in, caught, and the loop back at the same `x = yield` read as the generator raising
    // KeyError and ending; its next send declared a second lane for the same generator.
    it('a generator that catches what is thrown in and yields again at the same yield goes on, one lane', () => {
      const r = runBothWays(py, `${DIR}/gen_throw_caught.py`);
      const echoes = tasks(r.events, 'generator').filter((t) => t.name === 'echo');
      assert.equal(echoes.length, 1);
      const id = echoes[0].id;
      const out = switches(r.events)
        .filter((s) => s.from === id)
        .map((s) => s.reason);
      assert.deepEqual(out, ['yield', 'yield', 'yield', 'yield', 'close']);
      const e = ofType(r.events, 'end').find((x) => x.task === id);
      assert.deepEqual([e?.outcome, e?.line], ['killed', 11]);
    });

    // 3.11: an unstarted generator finalized when main() returns read as a lane that started and raised
    // GeneratorExit() (its frame is entered only to raise it): none of its code ran, so it has no lane.
    it('a generator finalized before it started has no lane; one started and rebound is closed at the rebinding line', () => {
      const r = runBothWays(py, `${DIR}/gen_unstarted_finalized.py`);
      assert.deepEqual(
        tasks(r.events, 'generator').map((t) => t.name),
        ['outer', 'plain'],
      );
      assert.deepEqual(
        ofType(r.events, 'end')
          .filter((e) => e.task !== lane(r.events, 'main', 'main'))
          .map((e) => [e.outcome, e.line]),
        [
          ['killed', 15],
          ['killed', 22],
        ],
      );
      assert.deepEqual(
        switches(r.events)
          .filter((s) => s.reason === 'close' && s.from === lane(r.events, 'main', 'main'))
          .map((s) => s.line),
        [28, 32],
      );
    });

    // throw(ValueError), the class: 3.11 wrote `ValueError`, 3.12+ `ValueError()` (what the generator received).
    it('a generator thrown a class receives an instance, and the switch and its end say so on every version', () => {
      const r = runBothWays(py, `${DIR}/gen_throw_class.py`);
      const catcher = lane(r.events, 'catcher', 'generator');
      assert.deepEqual(
        switches(r.events)
          .filter((s) => s.to === catcher && s.reason === 'throw')
          .map((s) => s.value),
        ['ValueError()', "ValueError('x')"],
      );
      const fragile = lane(r.events, 'fragile', 'generator');
      assert.deepEqual(
        switches(r.events)
          .filter((s) => s.to === fragile && s.reason === 'throw')
          .map((s) => s.value),
        ['KeyError()'],
      );
      assert.deepEqual(ending(r.events, fragile), ['raise main=KeyError()', 'exception=KeyError()']);
    });
  });
}
