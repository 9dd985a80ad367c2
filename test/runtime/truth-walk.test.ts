// A learner's walk (issues 16/17): small programs written after reading the seed articles, not for the tests. Each
// test pins a falsehood the walk found in the trace a learner's picture is drawn from.
import * as assert from 'node:assert/strict';
import type { TraceLine } from '../../protocol/events';
import { PYTHONS, ofType, runBothWays, switches, tasks } from './harness';

function lane(events: TraceLine[], name: string, kind?: string): string {
  const t = tasks(events, kind).find((x) => x.name === name);
  assert.ok(t, `a task named ${name}`);
  return t.id;
}

for (const py of PYTHONS) {
  describe(`truth walk: generators on ${py.name}`, function () {
    this.timeout(60_000);

    // gen.throw() goes straight to the generator a `yield from` waits on; the delegator does not run. The trace had
    // no throw and no yield at all when that generator caught the exception and yielded again.
    it('a throw into a generator waiting in `yield from` is one throw, then what really came back', () => {
      const r = runBothWays(py, 'test/fixtures/python/walk_throw_delegated.py');
      const sw = switches(r.events);
      const main = lane(r.events, 'main');
      const story = (name: string) => {
        const id = lane(r.events, name);
        return sw
          .filter((s) => s.from === id || s.to === id)
          .map((s) => `${s.from === main ? 'main' : name}>${s.to === main ? 'main' : name} ${s.reason} ${s.value ?? '-'} ${s.line}`);
      };
      // inner catches and yields again: the value comes straight back to the throw's line
      assert.deepEqual(story('outer'), [
        'main>outer start - 41',
        "outer>main yield 'inner ready' 5",
        "main>outer throw ValueError('b') 42",
        "outer>main yield 'inner ready' 5",
      ]);
      // the delegated generator lets it through: the delegator catches it and yields; one throw arrow, no yield of None
      assert.deepEqual(story('outer_catches'), [
        'main>outer_catches start - 44',
        "outer_catches>main yield 'passing_on ready' 31",
        "main>outer_catches throw TypeError('t') 45",
        "outer_catches>main yield 'outer ready' 27",
      ]);
      // the delegated generator catches it and returns: its value goes to the delegator, which yields
      assert.deepEqual(story('outer_returned'), [
        'main>outer_returned start - 47',
        "outer_returned>main yield 'passing ready' 16",
        "main>outer_returned throw KeyError('k') 48",
        "outer_returned>outer_returned return 'passing gave up' 18",
        "outer_returned>main yield 'after sub' 37",
      ]);
      const ends = new Map(ofType(r.events, 'end').map((e) => [e.task, e]));
      assert.deepEqual(
        ['outer', 'outer_catches', 'outer_returned'].map((n) => [ends.get(lane(r.events, n))?.outcome, ends.get(lane(r.events, n))?.line]),
        [
          ['unfinished', 5],
          ['unfinished', 27],
          ['unfinished', 37],
        ],
      );
    });
  });
}

for (const py of PYTHONS) {
  describe(`truth walk: asyncio on ${py.name}`, function () {
    this.timeout(60_000);

    // 3.11's wait_for waits on a future of its own that its timer releases: the wake read `done`, as if the slow call
    // had finished, where the timeout had fired.
    it('the first wake of a wait_for that times out is the timeout, at the wait_for line; one in time is not', () => {
      const r = runBothWays(py, 'test/fixtures/python/walk_wait_for.py');
      const main = lane(r.events, 'main', 'asyncio-task');
      const firstWakeAfter = (line: number) => {
        const i = r.events.findIndex((e) => e.type === 'block' && e.task === main && e.line === line);
        assert.ok(i >= 0, `main blocks at line ${line}`);
        const w = r.events.slice(i).find((e) => e.type === 'wake' && e.task === main);
        assert.ok(w && w.type === 'wake');
        return w;
      };
      const late = firstWakeAfter(12);
      assert.deepEqual([late.cause, late.by, late.byLine], ['timeout', main, 12]);
      assert.notEqual(firstWakeAfter(15).cause, 'timeout');
    });
  });
}

for (const py of PYTHONS) {
  describe(`truth walk: async generators on ${py.name}`, function () {
    this.timeout(60_000);

    // The task reading an async generator waits on what the generator awaits: it read `Future pending`, woken by
    // `done`, where it was the generator's sleep timer.
    it('`async for` over a generator that sleeps waits on the timer, woken by it', () => {
      const r = runBothWays(py, 'test/fixtures/python/walk_async_for.py');
      const main = lane(r.events, 'main', 'asyncio-task');
      const waits = r.events.flatMap((e) =>
        (e.type === 'block' || e.type === 'wake') && e.task === main ? [`${e.type} ${e.on} ${e.detail}${e.type === 'wake' ? ` ${e.cause}` : ''}`] : [],
      );
      assert.deepEqual(waits, ['block timer 0.005 s', 'wake timer 0.005 s timer', 'block timer 0.005 s', 'wake timer 0.005 s timer']);
    });
  });
}
