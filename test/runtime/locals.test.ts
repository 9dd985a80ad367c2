// Issue 18, part 5: `--locals` records, at each switch, the safe reprs of the switching frame's local variables as
// `locals` lines (runtime/coroscope/frame_locals.py). Each line follows the switch it belongs to, holds only
// frames of the program's own code, never runs the program's code (a hostile __repr__ stays silent), and keeps
// to its caps; without the option there are none.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GREENLET_PYTHONS, PYTHONS, checkTrace, needGevent, ofType, runBothWays, runTraced, tasks, type Ev, type RunResult } from './harness';
import type { TraceLine } from '../../protocol/events';

const ROOT = join(__dirname, '..', '..', '..');

/** Function names defined in a script (and `<module>`): the only frames a `locals` line may name. */
function defs(script: string): Set<string> {
  const names = new Set(['<module>']);
  for (const m of readFileSync(join(ROOT, script), 'utf8').matchAll(/^\s*(?:async\s+)?def\s+(\w+)/gm)) names.add(m[1]);
  return names;
}

/** Every locals line: its frame is the program's, and the line before it is its task's switch, end or start. */
function checkLocals(r: RunResult, script: string): Ev<'locals'>[] {
  const own = defs(script);
  const out: Ev<'locals'>[] = [];
  r.events.forEach((e, k) => {
    if (e.type !== 'locals') return;
    out.push(e);
    assert.ok(own.has(e.frame.split('.').pop()!), `locals of a frame not in ${script}: ${e.frame}`);
    let j = k - 1;
    // (a generator's start writes its caller's locals, then its own arguments)
    while (j > 0 && r.events[j].type === 'locals') j--;
    const before = r.events[j] as TraceLine & Record<string, unknown>;
    const involves = before.type === 'switch' ? before.from === e.task || before.to === e.task : before.task === e.task;
    assert.ok(involves, `locals of task ${e.task} follow ${JSON.stringify(before)}`);
    assert.ok(Object.keys(e.vars).length <= 24, 'at most 24 variables a line');
    for (const v of Object.values(e.vars)) assert.ok(v.length <= 80, `a value over the cap: ${v}`);
  });
  return out;
}

function of(locals: Ev<'locals'>[], task: string): Record<string, string>[] {
  return locals.filter((l) => l.task === task).map((l) => l.vars);
}

for (const py of PYTHONS) {
  describe(`locals (--locals) on ${py.name}`, function () {
    this.timeout(60_000);

    it("a generator's locals at each yield and at its return, its driver's at each send; none without the option", () => {
      const script = 'test/fixtures/python/locals_gen.py';
      const r = runBothWays(py, script, { opts: ['--locals'] });
      const locals = checkLocals(r, script);
      const counter = tasks(r.events, 'generator').find((t) => t.name === 'counter')!;
      assert.deepEqual(of(locals, counter.id), [
        { limit: '3' },
        { limit: '3', total: '0', i: '0' },
        { limit: '3', total: '1', i: '1', got: '1' },
        { limit: '3', total: '13', i: '2', got: '2' },
        { limit: '3', total: '36', i: '2', got: '3' },
      ]);
      assert.deepEqual(of(locals, '1'), [
        { g: '<generator counter>' },
        { g: '<generator counter>', a: '0' },
        { g: '<generator counter>', a: '0', b: '1' },
        { g: '<generator counter>', a: '0', b: '1', c: '13' },
      ]);
      const plain = runTraced(py, script);
      assert.equal(ofType(plain.events, 'locals').length, 0, 'no locals lines without --locals');
      assert.equal(plain.events.length, r.events.length - locals.length, 'the same trace otherwise');
    });

    it('never runs the program’s code, keeps to its caps, never reads a library frame', () => {
      const script = 'test/fixtures/python/locals_hostile.py';
      const r = runBothWays(py, script, { opts: ['--locals'] });
      assert.ok(!r.stdout.includes('HOSTILE') && !r.stderr.includes('HOSTILE'), r.stdout + r.stderr);
      const locals = checkLocals(r, script);
      const gen = tasks(r.events, 'generator').find((t) => t.name === 'gen')!;
      const first = of(locals, gen.id).find((v) => 'h' in v)!;
      assert.deepEqual(first, {
        h: '<Hostile object>',
        s: '<Sub object>',
        inner: "[<Hostile object>, {'k': <Hostile object>}]",
        long: `'${'x'.repeat(78)}…`,
      });
      const wide = tasks(r.events, 'generator').find((t) => t.name === 'wide')!;
      const full = locals.find((l) => l.task === wide.id && l.more !== undefined)!;
      assert.equal(Object.keys(full.vars).length, 24);
      assert.equal(full.more, 16);
      assert.equal(ofType(r.events, 'mark').filter((m) => m.kind === 'runtime-error').length, 0);
    });

    it('a spawned child process records its generators’ locals too', () => {
      const script = 'test/fixtures/python/locals_spawn.py';
      const r = runTraced(py, script, { opts: ['--locals'] });
      checkTrace(r);
      const locals = checkLocals(r, script);
      const gen = tasks(r.events, 'generator').find((t) => t.name === 'gen')!;
      assert.ok(gen.id.includes(':'), 'the generator runs in the child');
      assert.deepEqual(of(locals, gen.id).at(-1), { n: '5', k: '10' });
    });

    it('asyncio tasks: each task’s coroutine locals after its steps', () => {
      const script = 'examples/asyncio_tasks.py';
      const r = runTraced(py, script, { opts: ['--locals'] });
      checkTrace(r);
      const locals = checkLocals(r, script);
      const producer = tasks(r.events, 'asyncio-task').find((t) => t.name === 'producer')!;
      const seen = of(locals, producer.id).map((v) => v.i);
      assert.deepEqual(seen.slice(0, 3), ['1', '2', '3'], JSON.stringify(of(locals, producer.id)));
    });
  });
}

for (const py of GREENLET_PYTHONS) {
  describe(`locals (--locals) of greenlets on ${py.name}`, function () {
    this.timeout(60_000);

    it("a greenlet's innermost user frame at each switch", () => {
      const script = 'examples/greenlet_switch.py';
      const r = runTraced(py, script, { opts: ['--locals'] });
      checkTrace(r);
      const locals = checkLocals(r, script);
      const adder = tasks(r.events, 'greenlet').find((t) => t.name === 'adder')!;
      assert.deepEqual(of(locals, adder.id)[0], { a: '2', b: '3', total: '5' });
    });

    it('gevent: the greenlet’s own function, never gevent’s frames', function () {
      needGevent(this, py);
      const script = 'examples/gevent_sleep.py';
      const r = runTraced(py, script, { opts: ['--locals'] });
      checkTrace(r);
      const locals = checkLocals(r, script);
      assert.ok(
        locals.some((l) => l.frame === 'fun1'),
        JSON.stringify(locals),
      );
    });
  });
}
