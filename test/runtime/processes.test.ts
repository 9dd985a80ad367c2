import * as assert from 'node:assert/strict';
import { PY311, PY313, checkTrace, ofType, runPlain, runTraced, tasks } from './harness';

for (const py of [PY311, PY313]) {
  describe(`runtime threads and processes on ${py.name}`, function () {
    this.timeout(90_000);

    it('threads_queue: a lane per thread, queue put->get as paired send/recv', () => {
      const r = runTraced(py, 'examples/threads_queue.py');
      checkTrace(r);
      const th = tasks(r.events, 'thread');
      assert.deepEqual(th.map((t) => t.name), ['worker-0', 'worker-1']);
      assert.ok(th.every((t) => t.parent === '1'));
      assert.ok(th.every((t) => ofType(r.events, 'end').some((e) => e.task === t.id)));
      const sends = ofType(r.events, 'send').filter((s) => s.channel === 'Queue#1');
      const recvs = ofType(r.events, 'recv').filter((s) => s.channel === 'Queue#1');
      assert.equal(sends.length, 6);
      assert.deepEqual([...recvs.map((x) => x.msg)].sort(), [...sends.map((x) => x.msg)].sort());
      assert.ok(recvs.some((x) => th.some((t) => t.id === x.task)));
    });

    it('multiprocessing_queue (fork): child processes in the same trace with their own ids', () => {
      const r = runTraced(py, 'examples/multiprocessing_queue.py');
      checkTrace(r);
      const sorted = (t: string) => t.split('\n').sort().join('\n');
      assert.equal(sorted(r.stdout), sorted(runPlain(py, 'examples/multiprocessing_queue.py').stdout));
      const procs = tasks(r.events, 'process');
      assert.deepEqual(procs.map((p) => p.name).sort(), ['Process-1', 'Process-2']);
      for (const p of procs) {
        assert.match(p.id, /^\d+:1$/);
        assert.equal(p.parent, '1');
      }
      assert.equal(r.events.filter((e) => e.type === 'header').length, 3, 'one header per process');
      assert.ok(ofType(r.events, 'recv').some((x) => procs.some((p) => x.task.startsWith(p.id.split(':')[0] + ':'))), 'children receive tasks');
      assert.ok(ofType(r.events, 'send').some((x) => x.channel.startsWith('JoinableQueue#')));
    });

    it('multiprocessing spawn child is traced too', () => {
      const r = runTraced(py, 'test/fixtures/python/mp_spawn.py');
      checkTrace(r);
      assert.equal(r.stdout, runPlain(py, 'test/fixtures/python/mp_spawn.py').stdout);
      const [p] = tasks(r.events, 'process');
      assert.equal(p.name, 'spawned-worker');
      const pid = p.id.split(':')[0];
      assert.ok(tasks(r.events, 'generator').some((g) => g.id.startsWith(pid + ':')), 'generator lane in the child');
      assert.ok(ofType(r.events, 'end').some((e) => e.task === p.id));
    });

    it('futures_pool: process pool workers and submissions', () => {
      const r = runTraced(py, 'examples/futures_pool.py');
      checkTrace(r);
      assert.equal(r.code, 0);
      assert.deepEqual(r.stdout.trim().split('\n').sort(), ['result: 1', 'result: 16', 'result: 4', 'result: 9']);
      assert.ok(tasks(r.events, 'process').length >= 1);
      assert.equal(ofType(r.events, 'send').filter((s) => s.channel.startsWith('ProcessPoolExecutor#')).length, 4);
    });
  });
}
