import * as assert from 'node:assert/strict';
import { PYTHONS, checkTrace, ofType, runBothWays, runPlain, runTraced, switches, tasks } from './harness';

for (const py of PYTHONS) {
  describe(`runtime generators on ${py.name}`, function () {
    this.timeout(60_000);

    it("producer_consumer: alternating switches carrying 1..5 and '200 OK'", () => {
      const r = runTraced(py, 'examples/producer_consumer.py');
      checkTrace(r);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, runPlain(py, 'examples/producer_consumer.py').stdout);
      const header = r.events[0];
      assert.equal(header.type === 'header' && header.capture, py.capture);
      const [cons] = tasks(r.events, 'generator');
      assert.equal(cons.name, 'consumer');
      const sw = switches(r.events).filter((s) => s.from === cons.id || s.to === cons.id);
      const into = sw.filter((s) => s.to === cons.id && s.reason === 'resume').map((s) => s.value);
      assert.deepEqual(into, ['1', '2', '3', '4', '5']);
      const out = sw.filter((s) => s.from === cons.id && s.reason === 'yield').map((s) => s.value);
      assert.deepEqual(out.slice(0, 6), ["''", "'200 OK'", "'200 OK'", "'200 OK'", "'200 OK'", "'200 OK'"]);
      assert.equal(sw[0].reason, 'start');
      for (let i = 1; i < 12; i++) assert.equal(sw[i].from, sw[i - 1].to, 'switches alternate');
      const yieldSw = sw.find((s) => s.reason === 'yield');
      assert.ok(yieldSw?.file?.endsWith('producer_consumer.py'));
      assert.equal(yieldSw?.line, 10);
    });

    it("generators from an imported module, a module imported by name, and exec'd source are lanes", () => {
      const r = runBothWays(py, 'test/fixtures/python/gen_sources.py');
      const [cd, echo] = tasks(r.events, 'generator');
      assert.equal(cd.name, 'countdown');
      assert.ok(cd.file?.endsWith('gen_sources.py') && cd.codeFile?.endsWith('gen_sources_mod.py'));
      assert.deepEqual(
        switches(r.events)
          .filter((s) => s.from === cd.id && s.reason === 'yield')
          .map((s) => s.value),
        ['3', '2', '1'],
      );
      assert.equal(echo.name, 'echo');
      assert.deepEqual(
        switches(r.events)
          .filter((s) => s.to === echo.id && s.reason === 'resume')
          .map((s) => s.value),
        ["'hi'", "'hi!'"],
      );
      const x = runTraced(py, 'test/fixtures/python/gen_exec.py');
      checkTrace(x);
      assert.equal(x.stdout, '30\n');
      const [made] = tasks(x.events, 'generator');
      assert.equal(made?.name, 'made');
      assert.deepEqual(
        switches(x.events)
          .filter((s) => s.from === made.id && s.reason === 'yield')
          .map((s) => s.value),
        ['0', '10', '20'],
      );
    });

    it('generator_baozi: two consumer lanes each receive 1..5', () => {
      const r = runTraced(py, 'examples/generator_baozi.py');
      checkTrace(r);
      const lanes = tasks(r.events, 'generator');
      assert.deepEqual(
        lanes.map((t) => t.name),
        ['consumer', 'consumer'],
      );
      for (const l of lanes) {
        const vals = switches(r.events)
          .filter((s) => s.to === l.id && s.reason === 'resume')
          .map((s) => s.value);
        assert.deepEqual(vals, ['1', '2', '3', '4', '5']);
      }
    });

    it('generator_produce_consume: next() drives yields 0..4, then return and sys.exit(0)', () => {
      const r = runTraced(py, 'examples/generator_produce_consume.py');
      checkTrace(r);
      assert.equal(r.code, 0);
      const [p] = tasks(r.events, 'generator');
      const ys = switches(r.events).filter((s) => s.from === p.id);
      assert.deepEqual(
        ys.map((s) => s.value),
        ['0', '1', '2', '3', '4', 'None'],
      );
      assert.equal(ys[ys.length - 1].reason, 'return');
      assert.ok(ofType(r.events, 'end').some((e) => e.task === p.id && e.outcome === 'return'));
    });

    it('yield from stays one lane with depth; for-loops, throw and raise are switches', () => {
      const r = runBothWays(py, 'test/fixtures/python/gen_features.py');
      const names = tasks(r.events, 'generator').map((t) => t.name);
      assert.deepEqual(names, ['outer', 'counter', 'catcher', 'bad'], 'no lane for the delegated sub()');
      const outer = tasks(r.events).find((t) => t.name === 'outer')!;
      const deep = switches(r.events).filter((s) => s.from === outer.id && s.depth === 1);
      assert.ok(deep.length >= 2 && deep.every((s) => s.frame === 'sub'));
      assert.deepEqual(deep.map((s) => s.value).slice(0, 2), ["'a'", "'hello'"]);
      // sub() returning to outer is a switch within outer's lane that names sub as the one that returned (issue 17)
      const within = switches(r.events).filter((s) => s.from === outer.id && s.to === outer.id);
      assert.deepEqual(
        within.map((s) => [s.reason, s.value, s.delegate, s.depth ?? 0]),
        [['return', "'subret'", 'sub', 0]],
      );
      const counter = tasks(r.events).find((t) => t.name === 'counter')!;
      assert.deepEqual(
        switches(r.events)
          .filter((s) => s.from === counter.id)
          .map((s) => s.reason),
        ['yield', 'yield', 'yield', 'return'],
      );
      const catcher = tasks(r.events).find((t) => t.name === 'catcher')!;
      const cs = switches(r.events).filter((s) => s.to === catcher.id || s.from === catcher.id);
      assert.ok(cs.some((s) => s.reason === 'throw' && s.to === catcher.id));
      assert.ok(cs.some((s) => s.reason === 'yield' && s.value === "'caught'"));
      const bad = tasks(r.events).find((t) => t.name === 'bad')!;
      assert.ok(switches(r.events).some((s) => s.from === bad.id && s.reason === 'raise'));
      assert.ok(ofType(r.events, 'end').some((e) => e.task === bad.id && e.outcome === 'exception'));
    });

    it('compact generator lines (gresume / gyield / gstep / gsteps) read back as exactly the plain switch lines', () => {
      const script = 'test/fixtures/python/gen_compact.py';
      const compact = runTraced(py, script);
      const plain = runTraced(py, script, { env: { COROSCOPE_COMPACT: '0' } });
      checkTrace(compact);
      checkTrace(plain);
      assert.equal(compact.stdout, runPlain(py, script).stdout);
      assert.equal(plain.stdout, compact.stdout);
      const kinds = (lines: string[]) => new Set(lines.map((l) => (JSON.parse(l) as { type: string }).type));
      const written = kinds(compact.lines);
      for (const t of py.capture === 'monitoring' ? ['gresume', 'gyield', 'gstep', 'gsteps'] : ['gresume', 'gyield'])
        assert.ok(written.has(t), `${t} lines written`);
      assert.ok(!['gresume', 'gyield', 'gstep', 'gsteps'].some((t) => kinds(plain.lines).has(t)), 'COROSCOPE_COMPACT=0 writes none');
      // everything but the times (and the pid) the same, event for event
      const strip = (events: typeof compact.events) =>
        events.filter((e) => e.type !== 'header').map((e) => JSON.stringify({ ...e, ts: 0, ...('pid' in e ? { pid: 0 } : {}) }));
      assert.deepEqual(strip(compact.events), strip(plain.events));
      const bytes = (lines: string[]) => lines.reduce((n, l) => n + l.length, 0);
      assert.ok(bytes(compact.lines) < bytes(plain.lines) * 0.8, 'fewer bytes');
    });

    it('hostile values: bounded, safe, valid UTF-8 JSON; the program is unchanged', () => {
      const r = runTraced(py, 'test/fixtures/python/hostile_values.py');
      checkTrace(r);
      const plain = runPlain(py, 'test/fixtures/python/hostile_values.py');
      assert.equal(r.stdout, plain.stdout);
      assert.equal(r.code, 0);
      const vals = switches(r.events)
        .map((s) => s.value)
        .filter((v): v is string => v !== undefined);
      assert.ok(vals.includes("'<script>'"), 'the sent string is reported as text');
      assert.ok(vals.includes('<Raises object>'));
      assert.ok(vals.some((v) => v.startsWith("'xxxx") && v.endsWith('…')));
      for (const v of vals) assert.ok([...v].length <= 200, `value too long: ${v.length}`);
      assert.ok(!ofType(r.events, 'mark').some((m) => m.kind === 'runtime-error'), 'no hook failed');
    });

    it('a slow consumer / full buffer drops events with a count, never the program', () => {
      // a writer that cannot keep up: a tiny queue, and the queueing thread not allowed to write it out (plain switch
      // lines: compact, the loop's turns are one gsteps line per 256, which a queue of 500 lines holds)
      const r = runTraced(py, 'test/fixtures/python/many_events.py', {
        env: { COROSCOPE_MAX_QUEUE: '500', COROSCOPE_SOFT_QUEUE: '0', COROSCOPE_COMPACT: '0' },
      });
      checkTrace(r, { marks: ['events-dropped'] });
      assert.equal(r.stdout, runPlain(py, 'test/fixtures/python/many_events.py').stdout);
      const fin = r.events[r.events.length - 1];
      assert.ok(fin.type === 'finish' && fin.dropped > 0);
      const marks = ofType(r.events, 'mark').filter((m) => m.kind === 'events-dropped');
      assert.ok(marks.length > 0 && marks.every((m) => (m.count ?? 0) > 0));
    });
  });
}
