import * as assert from 'node:assert/strict';
import { GREENLET_PYTHONS, needGevent, checkTrace, ofType, runBothWays, runPlain, runTraced, switches, tasks } from './harness';

for (const py of GREENLET_PYTHONS) {
  describe(`runtime greenlet / stackless / gevent on ${py.name}`, function () {
    this.timeout(60_000);

    it('greenlet_switch: lanes, switches with values, return values', () => {
      const r = runBothWays(py, 'examples/greenlet_switch.py');
      const g = tasks(r.events, 'greenlet');
      assert.deepEqual(
        g.map((t) => t.name),
        ['test1', 'test2', 'adder'],
      );
      assert.ok(g.every((t) => t.parent === '1'));
      const sw = switches(r.events);
      const [t1, t2, adder] = g;
      assert.deepEqual(
        sw.slice(0, 4).map((s) => [s.from, s.to]),
        [
          ['1', t1.id],
          [t1.id, t2.id],
          [t2.id, t1.id],
          [t1.id, t2.id],
        ],
      );
      const vals = sw.filter((s) => s.from === adder.id || s.to === adder.id).map((s) => `${s.reason}:${s.value}`);
      assert.deepEqual(vals, ['start:(2, 3)', 'switch:5', 'switch:10', 'return:15']);
      assert.ok(ofType(r.events, 'end').some((e) => e.task === adder.id && e.outcome === 'return' && e.value === '15'));
    });

    it('greenlet errors: same program behaviour, death by exception recorded', () => {
      const r = runTraced(py, 'test/fixtures/python/greenlet_errors.py');
      const p = runPlain(py, 'test/fixtures/python/greenlet_errors.py');
      checkTrace(r);
      assert.equal(r.stdout, p.stdout);
      assert.equal(r.stderr, p.stderr);
      const dies = tasks(r.events, 'greenlet').find((t) => t.name === 'dies')!;
      assert.ok(ofType(r.events, 'end').some((e) => e.task === dies.id && e.outcome === 'exception' && e.value === "ValueError('greenlet failed')"));
    });

    it('stackless_channels: tasklets, channel send/recv pairs, schedule/channel switches', () => {
      const r = runTraced(py, 'examples/stackless_channels.py');
      checkTrace(r);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /done\n$/);
      const tl = tasks(r.events, 'tasklet');
      assert.equal(tl.filter((t) => t.name === 'output').length, 10);
      assert.equal(tl.filter((t) => t.name === 'input').length, 1);
      const sends = ofType(r.events, 'send');
      const recvs = ofType(r.events, 'recv');
      assert.equal(sends.length, 3);
      assert.deepEqual(
        recvs.map((x) => x.msg),
        sends.map((x) => x.msg),
      );
      assert.ok(sends.every((s) => s.channel === 'chan' && s.value?.startsWith("'http://example.com/")));
      const reasons = new Set(switches(r.events).map((s) => s.reason));
      assert.ok(reasons.has('channel') && reasons.has('schedule'));
    });

    it('gevent_sleep: hub lane, sleeps with their seconds, timers', function () {
      needGevent(this, py);
      const r = runBothWays(py, 'examples/gevent_sleep.py');
      const [hub] = tasks(r.events, 'hub');
      assert.ok(hub);
      assert.deepEqual(
        tasks(r.events, 'greenlet').map((t) => t.name),
        ['fun1', 'fun2', 'fun3'],
      );
      const sl = switches(r.events)
        .filter((s) => s.to === hub.id && s.reason === 'sleep')
        .map((s) => s.value);
      assert.deepEqual(sl, ['2', '1', '2']);
      assert.ok(switches(r.events).some((s) => s.from === '1' && s.to === hub.id && s.reason === 'join'));
      assert.ok(ofType(r.events, 'block').some((b) => b.on === 'timer' && b.detail === '1 s'));
    });

    it('gevent_spawn_join: greenlets named by function, join', function () {
      needGevent(this, py);
      const r = runTraced(py, 'examples/gevent_spawn_join.py');
      checkTrace(r);
      assert.deepEqual(
        tasks(r.events, 'greenlet').map((t) => t.name),
        ['f', 'f', 'g', 'g', 'g'],
      );
      assert.ok(switches(r.events).some((s) => s.reason === 'join'));
      // 15 printed lines (a print is usually one output event; its text and newline are two when the
      // writer thread flushed in between)
      assert.equal(
        ofType(r.events, 'output')
          .map((o) => o.text)
          .join('')
          .split('\n')
          .filter(Boolean).length,
        15,
      );
    });

    it('gevent_monkey_http: io-wait on socket fds, dns', function () {
      needGevent(this, py);
      const r = runTraced(py, 'examples/gevent_monkey_http.py');
      checkTrace(r);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /bytes received from .*\/fast/);
      const io = ofType(r.events, 'block').filter((b) => b.on === 'fd');
      assert.ok(io.some((b) => /^fd=\d+ read$/.test(b.detail ?? '')));
      assert.ok(io.some((b) => /^fd=\d+ write$/.test(b.detail ?? '')));
      assert.ok(switches(r.events).some((s) => s.reason === 'io-wait'));
      assert.ok(switches(r.events).some((s) => s.reason === 'dns'));
    });

    it('gevent blocking detector marks the greenlet that held the hub', function () {
      needGevent(this, py);
      const r = runTraced(py, 'test/fixtures/python/gevent_blocking.py', { opts: ['--blocking-ms', '100'] });
      checkTrace(r);
      const hog = tasks(r.events, 'greenlet').find((t) => t.name === 'hog')!;
      const m = ofType(r.events, 'mark').find((x) => x.kind === 'loop-blocked');
      assert.ok(m);
      assert.equal(m.task, hog.id);
      assert.ok((m.ms ?? 0) >= 250);
    });
  });
}
