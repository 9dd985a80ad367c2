// Issue 16, point 5 (time.sleep in threads: sleeps.py through call_events.py on 3.12+, site_scan.py on 3.11): the waits a learner looks at in threaded programs are blocks on the primitive (by its
// variable) and wakes with their cause and who caused it; uncontended acquires and waits that return at once
// write nothing.
import * as assert from 'node:assert/strict';
import { PYTHONS, ofType, runBothWays, tasks } from './harness';

const SCRIPT = 'test/fixtures/python/truth_thread_waits.py';

for (const py of PYTHONS) {
  describe(`truth: thread waits on ${py.name}`, function () {
    this.timeout(60_000);

    it('Event, Condition, Semaphore, Lock, RLock, Barrier, Queue, sleep and join: block, then wake with cause and by', () => {
      const r = runBothWays(py, SCRIPT);
      const lane = (name: string) => tasks(r.events, 'thread').find((t) => t.name === name)!.id;
      const want: [string, string, string, string, number | undefined][] = [
        ['on_event', 'event', 'ready.wait', 'set', 80],
        ['on_cond', 'lock', 'cond.wait', 'notify', 83],
        ['on_sem', 'lock', 'sem.acquire', 'release', 84],
        ['on_lock', 'lock', 'lock.acquire', 'release', 85],
        ['on_rlock', 'lock', 'rlock.acquire', 'release', 86],
        ['on_barrier', 'lock', 'gate.wait', 'release', 87],
        ['on_queue', 'queue', 'jobs', 'put', 88],
      ];
      for (const [name, on, detail, cause, byLine] of want) {
        const id = lane(name);
        const b = ofType(r.events, 'block').filter((e) => e.task === id);
        const w = ofType(r.events, 'wake').filter((e) => e.task === id);
        assert.deepEqual(
          b.map((e) => [e.on, e.detail]),
          [[on, detail]],
          name,
        );
        assert.deepEqual(
          w.map((e) => [e.on, e.detail, e.cause, e.byLine, e.by]),
          [[on, detail, cause, byLine, byLine === undefined ? undefined : '1']],
          name,
        );
      }
      // the main thread's joins name the thread and wake when it is done, by it
      const joins = ofType(r.events, 'wake').filter((e) => e.task === '1' && e.on === 'thread');
      assert.ok(
        joins.length >= 1 &&
          joins.every((j) => j.cause === 'done' && j.by !== undefined && j.detail === `join ${tasks(r.events).find((t) => t.id === j.by)!.name}`),
      );
      // time.sleep in a thread: a block on the timer, woken by it, with no wrapper frame (3.12+: a CALL event; 3.11:
      // opcode events at the call sites site_scan.py finds in the bytecode), the same lines on every version
      const nap = lane('napper');
      const naps = [...ofType(r.events, 'block'), ...ofType(r.events, 'wake')].filter((e) => e.task === nap);
      assert.deepEqual(
        naps.map((e) => [e.type, e.on, e.detail, e.type === 'block' ? e.line : e.cause]),
        [
          ['block', 'timer', '0.01 s', 51],
          ['wake', 'timer', '0.01 s', 'timer'],
        ],
      );
      // the uncontended `with lock:` at the end and the Event already set wrote nothing (main's polling sleeps are
      // timer waits)
      assert.equal(ofType(r.events, 'block').filter((e) => e.task === '1' && e.on !== 'thread' && e.on !== 'timer').length, 0);
    });
  });
}

for (const py of PYTHONS) {
  describe(`truth: Process.join on ${py.name}`, function () {
    this.timeout(60_000);
    it("a join that waits is a block on the process, woken done by the child's lane", () => {
      const script = 'test/fixtures/python/truth_process_join.py';
      const r = runBothWays(py, script, { stdout: 'joined 0\n' });
      const kid = tasks(r.events, 'process').find((t) => t.name === 'kid')!;
      const b = ofType(r.events, 'block').filter((e) => e.task === '1' && e.on === 'process');
      const w = ofType(r.events, 'wake').filter((e) => e.task === '1' && e.on === 'process');
      assert.deepEqual(
        b.map((e) => [e.detail, e.line]),
        [['join kid', 28]],
      );
      assert.deepEqual(
        w.map((e) => [e.detail, e.cause, e.by]),
        [['join kid', 'done', kid.id]],
      );
    });
  });
}

for (const py of PYTHONS) {
  describe(`truth: future and multiprocessing queue waits on ${py.name}`, function () {
    this.timeout(120_000);
    it('result(), as_completed, wait() wake done by the worker that ran the call; an mp queue get wakes put by the process that put', () => {
      const script = 'test/fixtures/python/truth_future_waits.py';
      const r = runBothWays(py, script, { stdout: '2\n[11, 21]\n[6]\n49\nhello\n' });
      // the worker of a call: the lane that took it (its recv of the call's label)
      const worker = (label: string) => {
        const got = ofType(r.events, 'recv').filter((e) => e.value === label && e.channel.includes('PoolExecutor'));
        assert.equal(got.length, 1, `one worker took ${label}`);
        return got[0].task;
      };
      const wakes = ofType(r.events, 'wake').filter((e) => e.task === '1' && (e.on === 'future' || e.on === 'queue'));
      const first = (detail: string) => {
        const w = wakes.find((e) => e.detail === detail);
        assert.ok(w, `a wake ${detail}: ${JSON.stringify(wakes)}`);
        return w;
      };
      const res = wakes.filter((e) => e.detail === 'result()');
      assert.equal(res.length, 2);
      assert.deepEqual([res[0].cause, res[0].by], ['done', worker('gated(1)')]);
      assert.deepEqual([res[1].cause, res[1].by], ['done', worker('square(7)')]);
      assert.match(res[1].by ?? '', /^\d+:1$/, 'a process pool call is done by the worker process');
      // as_completed blocked while both were pending: its first wake names the call that completed and its worker
      const ac = wakes.find((e) => e.detail?.startsWith('as_completed: '))!;
      assert.ok(ac, 'as_completed woke');
      assert.deepEqual([ac.cause, ac.by], ['done', worker(ac.detail!.slice('as_completed: '.length))]);
      const wt = first('wait');
      assert.deepEqual([wt.cause, wt.by], ['done', worker('gated(5)')]);
      const prod = tasks(r.events, 'process').find((t) => t.name === 'prod')!;
      const q = wakes.find((e) => e.on === 'queue' && e.detail?.startsWith('Queue#'))!;
      assert.deepEqual([q.cause, q.by], ['put', prod.id]);
    });
  });
}
