import * as assert from 'node:assert/strict';
import { PYTHONS, checkTrace, ofType, runBothWays, runPlain, runTraced, tasks, type Ev, type RunResult } from './harness';

/** The process a task id belongs to: "root" or the pid prefix of "<pid>:<n>". */
function proc(task: string): string {
  return task.includes(':') ? task.split(':')[0] : 'root';
}

/**
 * Every recv on a channel matching `chan` has exactly one send with the same channel
 * and msg (a number); returns the pairs. With `cross`, each pair crosses processes.
 */
function pairs(r: RunResult, chan: RegExp, cross: boolean): Array<{ send: Ev<'send'>; recv: Ev<'recv'> }> {
  const sends = ofType(r.events, 'send').filter((s) => chan.test(s.channel));
  const recvs = ofType(r.events, 'recv').filter((s) => chan.test(s.channel));
  assert.ok(recvs.length > 0, `no recv on ${chan}`);
  const out = [];
  for (const rv of recvs) {
    assert.equal(typeof rv.msg, 'number', `recv without msg: ${JSON.stringify(rv)}`);
    const match = sends.filter((s) => s.channel === rv.channel && s.msg === rv.msg);
    assert.equal(match.length, 1, `recv ${JSON.stringify(rv)} has ${match.length} matching sends`);
    if (cross) assert.notEqual(proc(match[0].task), proc(rv.task), `same-process pair: ${JSON.stringify(rv)}`);
    out.push({ send: match[0], recv: rv });
  }
  const msgs = sends.map((s) => `${s.channel}/${s.msg}`);
  assert.equal(new Set(msgs).size, msgs.length, 'msg ids unique per channel');
  return out;
}

/**
 * One finish, the last line. Every process lane ends exactly once: its exit code, or killed by a signal (a
 * pool worker terminated before it got work, a daemon at exit: written by its parent, see procs.marks_dir).
 */
function oneFinish(r: RunResult): void {
  const fin = r.events.flatMap((e, i) => (e.type === 'finish' ? [i] : []));
  assert.deepEqual(fin, [r.events.length - 1], 'exactly one finish, last');
  const ends = ofType(r.events, 'end');
  for (const p of tasks(r.events, 'process')) {
    const e = ends.filter((x) => x.task === p.id);
    assert.equal(e.length, 1, `process lane ${p.id} (${p.name}) ends once`);
    for (const x of e) assert.ok(x.outcome === 'exit' || x.outcome === 'killed', JSON.stringify(x));
  }
}

for (const py of PYTHONS) {
  describe(`runtime threads and processes on ${py.name}`, function () {
    this.timeout(90_000);

    it('threads_queue: a lane per thread, queue put->get as paired send/recv', () => {
      const r = runTraced(py, 'examples/threads_queue.py');
      checkTrace(r);
      const th = tasks(r.events, 'thread');
      assert.deepEqual(
        th.map((t) => t.name),
        ['worker-0', 'worker-1'],
      );
      assert.ok(th.every((t) => t.parent === '1'));
      assert.ok(th.every((t) => ofType(r.events, 'end').some((e) => e.task === t.id)));
      const sends = ofType(r.events, 'send').filter((s) => s.channel === 'q');
      const recvs = ofType(r.events, 'recv').filter((s) => s.channel === 'q');
      assert.equal(sends.length, 6);
      assert.deepEqual([...recvs.map((x) => x.msg)].sort(), [...sends.map((x) => x.msg)].sort());
      assert.ok(recvs.some((x) => th.some((t) => t.id === x.task)));
    });

    it('a consumer thread that takes each item at once: every get pairs with its put, which comes first', () => {
      // (a tiny switch interval: the producer is often switched out right after its put; the runtime wrote the send
      // after it, so a get could find no msg to pair with, and read earlier than its put)
      for (let run = 0; run < 3; run++) {
        const r = runTraced(py, 'test/fixtures/python/threads_put_race.py');
        checkTrace(r);
        assert.equal(r.stdout, 'got 44850\ngot 44850\n');
        const sends = new Map(ofType(r.events, 'send').map((s) => [`${s.channel}\u0000${s.msg}`, s]));
        const recvs = ofType(r.events, 'recv');
        assert.equal(recvs.length, 600);
        for (const x of recvs) {
          const s = sends.get(`${x.channel}\u0000${x.msg}`);
          assert.ok(s, `get of ${x.value} on ${x.channel} at line ${x.line} pairs with a put`);
          // (a put that waited for room on the bounded queue learns that its item went in only when it returns; the
          // get that took it first writes its send: the old runtime wrote it at the put's return, after the recv)
          assert.ok(s.ts <= x.ts, `the put of ${x.value} on ${x.channel} (${s.ts}) is not after its get (${x.ts})`);
          assert.equal(s.value, x.value);
        }
      }
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
      assert.ok(
        ofType(r.events, 'recv').some((x) => procs.some((p) => x.task.startsWith(p.id.split(':')[0] + ':'))),
        'children receive tasks',
      );
      assert.ok(ofType(r.events, 'send').some((x) => x.channel === 'tasks'));
    });

    it('multiprocessing_queue: one queue name in every process, each recv pairs with a send from another process', () => {
      const r = runTraced(py, 'examples/multiprocessing_queue.py');
      checkTrace(r);
      oneFinish(r);
      // (`tasks = multiprocessing.JoinableQueue()`, `results = multiprocessing.Queue()`: named after their variables)
      const tasksQ = pairs(r, /^tasks$/, true);
      const results = pairs(r, /^results$/, true);
      assert.deepEqual([...new Set(tasksQ.map((p) => p.recv.channel))], ['tasks']);
      assert.deepEqual([...new Set(results.map((p) => p.recv.channel))], ['results']);
      assert.equal(tasksQ.length, 6, 'six urls handed to the workers');
      assert.ok(tasksQ.every((p) => p.send.task === '1' && p.recv.task !== '1'));
      assert.equal(results.length, 6, 'six results back to main');
      assert.ok(results.every((p) => p.recv.task === '1' && p.send.value === p.recv.value));
      // worker msg ids are numbers unique across processes: pid * 1e9 + n
      assert.ok(results.every((p) => Math.floor(p.send.msg! / 1e9) === Number(proc(p.send.task))));
      // the workers wait on no queue but the task queue (when they wait at all: under load the six urls can all be in
      // before a worker asks, and main's exit ends them before they ask again), main waits for tasks.join()
      const workerBlocks = ofType(r.events, 'block').filter((b) => b.task !== '1' && b.on === 'queue');
      assert.deepEqual(
        [...new Set(workerBlocks.map((b) => b.detail))].filter((d) => d !== 'tasks'),
        [],
      );
      assert.ok(ofType(r.events, 'block').some((b) => b.task === '1' && b.detail === 'tasks.join()'));
    });

    for (const method of ['fork', 'spawn', 'forkserver']) {
      it(`${method}: Queue, JoinableQueue, SimpleQueue pair across processes; workers end with their exit code`, () => {
        for (const part of ['queue', 'simple']) {
          const r = runTraced(py, 'test/fixtures/python/mp_story.py', { args: [method, part] });
          checkTrace(r);
          assert.equal(r.stdout, runPlain(py, 'test/fixtures/python/mp_story.py', { args: [method, part] }).stdout);
          oneFinish(r);
          const ps = tasks(r.events, 'process');
          assert.ok(ps.length >= 1);
          for (const p of ps) {
            assert.deepEqual(ofType(r.events, 'end').find((e) => e.task === p.id)?.value, '0');
          }
          const all = pairs(r, /Queue#/, true);
          assert.equal(all.length, part === 'queue' ? 10 : 4);
          assert.ok(all.every((p) => p.send.value === p.recv.value));
        }
      });

      it(`${method}: Pool and ProcessPoolExecutor calls go out and results come back on the pool's channel`, () => {
        const rp = runTraced(py, 'test/fixtures/python/mp_story.py', { args: [method, 'pool'] });
        checkTrace(rp);
        assert.equal(rp.stdout, '49\n[1, 4, 9, 16]\n');
        oneFinish(rp);
        const pp = pairs(rp, /^Pool#/, true);
        const calls = pp
          .filter((p) => p.send.task === '1')
          .map((p) => p.send.value)
          .sort();
        assert.deepEqual(calls, ['map square(1, 2)', 'map square(3, 4)', 'square(7)']);
        assert.deepEqual(
          pp
            .filter((p) => p.recv.task === '1')
            .map((p) => p.recv.value)
            .sort(),
          ['49', '[1, 4]', '[9, 16]'],
        );
        assert.ok(!ofType(rp.events, 'send').some((s) => s.channel.startsWith('SimpleQueue#')), 'pool plumbing is not shown');

        const rx = runTraced(py, 'test/fixtures/python/mp_story.py', { args: [method, 'executor'] });
        checkTrace(rx);
        assert.equal(rx.code, 0);
        oneFinish(rx);
        const xp = pairs(rx, /^ProcessPoolExecutor#1$/, true);
        assert.deepEqual(
          xp
            .filter((p) => p.send.task === '1')
            .map((p) => p.send.value)
            .sort(),
          ['fail(5)', 'square(1)', 'square(2)', 'square(3)'],
        );
        assert.deepEqual(
          xp
            .filter((p) => p.recv.task === '1')
            .map((p) => p.recv.value)
            .sort(),
          ['1', '4', '9', "ValueError('bad 5')"],
        );
        assert.deepEqual(tasks(rx.events, 'thread'), [], 'no lanes for queue feeder / executor manager threads');
      });
    }

    it('ThreadPoolExecutor: submit, the worker thread runs it, the result comes back, wait() blocks', () => {
      const r = runTraced(py, 'test/fixtures/python/mp_story.py', { args: ['fork', 'threads'] });
      checkTrace(r);
      oneFinish(r);
      const th = tasks(r.events, 'thread');
      const tp = pairs(r, /^ThreadPoolExecutor#1$/, false);
      const calls = tp.filter((p) => p.send.task === '1');
      const back = tp.filter((p) => p.recv.task === '1');
      assert.deepEqual(calls.map((p) => p.send.value).sort(), ['square(1)', 'square(2)', 'square(3)']);
      assert.ok(
        calls.every((p) => th.some((t) => t.id === p.recv.task)),
        'worker threads receive the calls',
      );
      assert.deepEqual(back.map((p) => p.recv.value).sort(), ['1', '4', '9']);
      assert.ok(
        back.every((p) => th.some((t) => t.id === p.send.task)),
        'worker threads send the results',
      );
    });

    it("os.fork inside an asyncio step: the child has its own lane, the parent's tasks are not traced twice", function () {
      if (py.minor >= 14) {
        // the fixture's child runs its copy of the loop on; 3.14 resets the running loop in a forked child, so
        // the program itself hangs there (plain Python too: every step says "is not the running loop")
        this.test!.title += ` (skipped on ${py.name}: the program hangs without Coroscope too)`;
        this.skip();
      }
      const r = runTraced(py, 'test/fixtures/python/asyncio_fork.py');
      checkTrace(r);
      assert.equal(r.code, 0);
      const child = tasks(r.events, 'process');
      assert.equal(child.length, 1);
      assert.ok(ofType(r.events, 'output').some((o) => o.task === child[0].id && o.text === 'child\n'));
      const [loop] = tasks(r.events, 'event-loop');
      for (const t of tasks(r.events, 'asyncio-task').filter((x) => x.name === 'spin')) {
        const sw = ofType(r.events, 'switch').filter((e) => e.from === t.id || e.to === t.id);
        assert.deepEqual(
          sw.map((e) => e.reason),
          ['step', 'sleep', 'step', 'sleep', 'step', 'sleep', 'step', 'sleep', 'step', 'sleep', 'step', 'return'],
          `spin ${t.id} once, in the parent only`,
        );
        assert.ok(sw.every((e) => e.from === loop.id || e.to === loop.id));
      }
      assert.equal(ofType(r.events, 'mark').filter((m) => m.kind === 'runtime-error').length, 0);
    });

    it('multiprocessing spawn child is traced too', () => {
      const r = runBothWays(py, 'test/fixtures/python/mp_spawn.py');
      const [p] = tasks(r.events, 'process');
      assert.equal(p.name, 'spawned-worker');
      const pid = p.id.split(':')[0];
      assert.ok(
        tasks(r.events, 'generator').some((g) => g.id.startsWith(pid + ':')),
        'generator lane in the child',
      );
      assert.ok(ofType(r.events, 'end').some((e) => e.task === p.id));
    });

    it('futures_pool: submissions reach the workers, results flow back, main blocks in as_completed', () => {
      const r = runTraced(py, 'examples/futures_pool.py');
      checkTrace(r);
      assert.equal(r.code, 0);
      assert.deepEqual(r.stdout.trim().split('\n').sort(), ['result: 1', 'result: 16', 'result: 4', 'result: 9']);
      oneFinish(r);
      const procs = tasks(r.events, 'process');
      assert.ok(procs.length >= 1 && procs.every((p) => p.parent === '1'));
      const xp = pairs(r, /^ProcessPoolExecutor#1$/, true);
      const calls = xp.filter((p) => p.send.task === '1');
      const results = xp.filter((p) => p.recv.task === '1');
      assert.deepEqual(calls.map((p) => p.send.value).sort(), ['task(1)', 'task(2)', 'task(3)', 'task(4)']);
      assert.ok(
        calls.every((p) => procs.some((q) => q.id === p.recv.task)),
        'each call is received by a worker process',
      );
      assert.deepEqual(results.map((p) => p.recv.value).sort(), ['1', '16', '4', '9']);
      // each printed result is caused by a result arriving: recv, then main's wake, then the print
      const ev = r.events;
      for (const v of ['1', '4', '9', '16']) {
        const iRecv = ev.findIndex((e) => e.type === 'recv' && e.task === '1' && e.value === v);
        const iOut = ev.findIndex((e) => e.type === 'output' && e.text === `result: ${v}\n`);
        const iWake = ev.findIndex((e, i) => i > iRecv && e.type === 'wake' && e.task === '1' && e.on === 'future');
        assert.ok(iRecv >= 0 && iRecv < iWake && iWake < iOut, `result ${v}: recv ${iRecv} < wake ${iWake} < print ${iOut}`);
      }
      assert.ok(ofType(ev, 'block').some((b) => b.task === '1' && b.on === 'future' && /as_completed/.test(b.detail ?? '')));
      assert.ok(!ofType(ev, 'send').some((s) => /_SafeQueue|SimpleQueue|^Queue#/.test(s.channel)), 'executor plumbing is not shown');
    });
  });
}
