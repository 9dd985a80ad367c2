import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PYTHONS, ROOT, checkTrace, ofType, runPlain, runTraced, tasks, type RunResult } from './harness';

// Every multiprocessing start method on every interpreter: the program behaves as without Coroscope (stdout,
// stderr, exit code), every child is a process lane of the same trace, queue names are one name in every
// process, and a child the runtime cannot trace runs untraced with a mark. One run of a small program per
// method covers Process + the three queue kinds, a crashing child, an untraceable child, Pool,
// ProcessPoolExecutor(mp_context=...) and a Manager queue.

const UNTRACED = { COROSCOPE_TEST_UNTRACED: 'untraced-echo' };
const METHODS = ['fork', 'spawn', 'forkserver'] as const;
const PROC_NAMES = /^(worker-[01]|crasher|manager-user|SyncManager-\d+|(Fork|Spawn|ForkServer)(PoolWorker|Process)-\d+)$/;

const proc = (task: string) => (task.includes(':') ? task.split(':')[0] : 'root');

/** Sends and recvs on channels matching `chan`, paired by msg id, each pair across two processes. */
function crossPairs(r: RunResult, chan: RegExp): number {
  const sends = ofType(r.events, 'send').filter((s) => chan.test(s.channel));
  const recvs = ofType(r.events, 'recv').filter((s) => chan.test(s.channel) && s.msg !== undefined);
  assert.ok(recvs.length > 0, `no recv on ${chan}`);
  for (const rv of recvs) {
    const m = sends.filter((s) => s.channel === rv.channel && s.msg === rv.msg);
    assert.equal(m.length, 1, `recv ${JSON.stringify(rv)} pairs with one send`);
    assert.notEqual(proc(m[0].task), proc(rv.task), `pair across processes: ${JSON.stringify(rv)}`);
  }
  return recvs.length;
}

/**
 * The lane of process `l` ends exactly once; if not, says what its lane shows (its ends, its last lines: was it
 * given work, did it wake from the pool's stop, was it killed) so a CI failure reads without a rerun.
 */
function endsOnce(r: RunResult, l: { id: string; name: string }): void {
  const ends = ofType(r.events, 'end').filter((e) => e.task === l.id);
  if (ends.length === 1) return;
  const own = r.events.filter((e) => ('task' in e && e.task === l.id) || ('id' in e && e.id === l.id));
  const last = own.slice(-6).map((e) => JSON.stringify(e));
  assert.fail(`process lane ${l.name} (${l.id}) ends ${ends.length} times, not once; ends: ${JSON.stringify(ends)}; its last lines:\n  ${last.join('\n  ')}`);
}

for (const py of PYTHONS) {
  describe(`runtime multiprocessing start methods on ${py.name}`, function () {
    this.timeout(180_000);

    for (const method of METHODS) {
      it(`${method}: same output and exit code; every child a lane; one queue name everywhere; Pool, executor, Manager; crash; untraced child with a mark`, () => {
        const args = [method];
        const r = runTraced(py, 'test/fixtures/python/mp_methods.py', { args, env: UNTRACED, timeoutMs: 120_000 });
        const p = runPlain(py, 'test/fixtures/python/mp_methods.py', { args, env: UNTRACED, timeoutMs: 120_000 });
        assert.equal(r.stdout, p.stdout);
        assert.equal(r.stderr, p.stderr);
        assert.equal(p.code, 3);
        assert.equal(r.code, 3);
        assert.match(
          r.stdout,
          /^squares \[\(0, 0\), \(1, 1\), \(2, 4\), \(3, 9\)\]\nworkers \[0, 0\]\necho 101\nuntraced exit 0\ncrash exit 1\npool \[1, 4, 9\]\nexecutor \[16, 25\]\nmanager via manager\n$/,
        );
        checkTrace(r, { marks: ['runtime-error'] }); // (the untraced child's)
        const fin = r.events.flatMap((e, i) => (e.type === 'finish' ? [i] : []));
        assert.deepEqual(fin, [r.events.length - 1], 'one finish, last');
        assert.equal(ofType(r.events, 'finish')[0].exitCode, 3);

        // every traced child is a process lane started by main, with a header of its own; the untraced
        // child and the fork server are not lanes
        const lanes = tasks(r.events, 'process');
        for (const l of lanes) {
          assert.match(l.name, PROC_NAMES, `process lane ${l.name}`);
          assert.match(l.id, /^\d+:1$/);
          assert.equal(l.parent, '1');
        }
        const names = lanes.map((l) => l.name);
        for (const n of ['worker-0', 'worker-1', 'crasher', 'manager-user']) assert.ok(names.includes(n), `${n} has a lane: ${names}`);
        assert.ok(names.filter((n) => /PoolWorker/.test(n)).length >= 1, 'pool workers have lanes');
        assert.ok(!names.includes('untraced-echo'));
        const headers = ofType(r.events, 'header');
        const lanePids = new Set(lanes.map((l) => proc(l.id)));
        assert.equal(lanePids.size, lanes.length);
        // root + one per lane + the untraced child's (header + mark only)
        assert.equal(headers.length, lanes.length + 2, `headers of pids ${headers.map((h) => h.pid)}`);
        for (const pid of lanePids)
          assert.ok(
            headers.some((h) => String(h.pid) === pid),
            `lane ${pid} has a header`,
          );

        const untraced = ofType(r.events, 'mark').filter((m) => m.kind === 'runtime-error');
        assert.equal(untraced.length, 1, JSON.stringify(untraced));
        assert.match(untraced[0].message, /^process untraced-echo \(pid \d+\) runs untraced: RuntimeError: COROSCOPE_TEST_UNTRACED/);

        // queues: one name in every process, each recv pairs with a send of another process
        const rootPid = (r.events[0] as { pid: number }).pid;
        assert.equal(crossPairs(r, /^JoinableQueue#/), 6, '4 numbers + 2 stops to the workers');
        assert.equal(crossPairs(r, /^Queue#/), 4, '4 results back');
        const chans = new Set(
          [...ofType(r.events, 'send'), ...ofType(r.events, 'recv')].map((e) => e.channel).filter((c) => /^(Joinable)?Queue#|^SimpleQueue#/.test(c)),
        );
        assert.deepEqual([...chans].sort(), [`JoinableQueue#${rootPid}.1`, `Queue#${rootPid}.2`, `SimpleQueue#${rootPid}.3`, `SimpleQueue#${rootPid}.4`]);
        // the untraced child's put arrives untraced: main's recv has no msg, the value is there
        assert.ok(ofType(r.events, 'recv').some((x) => x.task === '1' && x.channel === `SimpleQueue#${rootPid}.4` && x.value === '101'));
        assert.ok(crossPairs(r, /^Pool#/) >= 2, 'pool calls reach workers and results come back');
        assert.ok(crossPairs(r, /^ProcessPoolExecutor#1$/) >= 2, 'executor calls reach workers and results come back');

        const ends = ofType(r.events, 'end');
        const crasher = lanes.find((l) => l.name === 'crasher')!;
        assert.deepEqual(
          ends.filter((e) => e.task === crasher.id).map((e) => [e.outcome, e.value]),
          [['exit', '1']],
        );
        for (const l of lanes) endsOnce(r, l);
        for (const n of ['worker-0', 'worker-1']) {
          const l = lanes.find((x) => x.name === n)!;
          assert.deepEqual(
            ends.filter((e) => e.task === l.id).map((e) => e.value),
            ['0'],
            `${n} ends with 0`,
          );
        }
      });
    }

    for (const method of METHODS) {
      it(`${method}: a child that blocks SIGTERM outlives terminate() as in plain Python (no runtime thread takes the signal) and its lane ends once`, () => {
        const script = 'test/fixtures/python/procs/sigterm_blocked.py';
        const r = runTraced(py, script, { args: [method] });
        const p = runPlain(py, script, { args: [method] });
        assert.equal(p.stdout, "child alive, pending ['SIGTERM']\nexit 0\n");
        assert.equal(r.stdout, p.stdout, `traced: ${r.stdout} ${r.stderr}`);
        checkTrace(r);
        const lane = tasks(r.events, 'process').find((l) => l.name === 'blocker');
        assert.ok(lane, 'the child has a lane');
        endsOnce(r, lane);
        assert.deepEqual(
          ofType(r.events, 'end')
            .filter((e) => e.task === lane.id)
            .map((e) => [e.outcome, e.value]),
          [['exit', '0']],
        );
      });
    }

    for (const method of METHODS) {
      it(`${method}: JoinableQueue.join() is woken by the lane and line of the task_done() that finished the last item (a child, then a thread)`, () => {
        const script = 'test/fixtures/python/procs/joinable_join.py';
        const r = runTraced(py, script, { args: [method] });
        assert.equal(r.stdout, 'joined the processes\njoined the thread\n', r.stderr);
        checkTrace(r);
        const src = fs.readFileSync(path.join(ROOT, script), 'utf8').split('\n');
        const lineOf = (tag: string) => src.findIndex((l) => l.includes(tag)) + 1;
        const last = tasks(r.events, 'process').find((l) => l.name === 'last');
        const helper = tasks(r.events, 'thread').find((l) => l.name === 'helper');
        assert.ok(last && helper, 'the finishers have lanes');
        const joins = r.events.flatMap((e) => {
          if (e.type === 'block' && e.on === 'queue' && e.detail === 'q.join()') return [[e.type, e.task, e.line]];
          if (e.type === 'wake' && e.on === 'queue' && e.detail === 'q.join()') return [[e.type, e.task, e.cause, e.by, e.byFile?.endsWith(script), e.byLine]];
          return [];
        });
        assert.deepEqual(joins, [
          ['block', '1', lineOf('JOIN-PROCESSES')],
          ['wake', '1', 'done', last.id, true, lineOf('LAST-PROCESS')],
          ['block', '1', lineOf('JOIN-THREAD')],
          ['wake', '1', 'done', helper.id, true, lineOf('LAST-THREAD')],
        ]);
      });
    }

    for (const method of METHODS) {
      it(`${method}: a Pool job is sent at the program's call (its line, its time), not when the pool's handler thread reaches the pipe`, () => {
        const script = 'test/fixtures/python/procs/pool_send_time.py';
        const r = runTraced(py, script, { args: [method] });
        const p = runPlain(py, script, { args: [method] });
        assert.equal(p.stdout, 'submitted\nmapped\nheld 1000000 9 [1, 4, 9, 16]\n');
        assert.equal(r.stdout, p.stdout, r.stderr);
        checkTrace(r);
        const src = fs.readFileSync(path.join(ROOT, script), 'utf8').split('\n');
        const lineOf = (tag: string) => src.findIndex((l) => l.includes(tag)) + 1;
        const out = (text: string) => ofType(r.events, 'output').find((o) => o.task === '1' && o.text === text)!.ts;
        const sends = ofType(r.events, 'send').filter((s) => s.task === '1' && /^Pool#/.test(s.channel));
        const at = (value: string) => {
          const s = sends.find((x) => x.value === value);
          assert.ok(s, `main sends ${value}: ${JSON.stringify(sends.map((x) => x.value))}`);
          return s;
        };
        // (the handler thread waits on the full pipe until the program sets the Event, after both prints)
        for (const [value, tag, before] of [
          ['square(3)', 'CALL-APPLY', 'submitted\n'],
          ['map square(1, 2)', 'CALL-MAP', 'mapped\n'],
          ['map square(3, 4)', 'CALL-MAP', 'mapped\n'],
        ] as const) {
          const s = at(value);
          assert.equal(s.line, lineOf(tag), `${value} at the program's line`);
          assert.ok(s.ts < out(before), `${value} sent at the call, before the program printed ${JSON.stringify(before)}`);
        }
        assert.equal(crossPairs(r, /^Pool#/), 10, 'each of 5 tasks reaches the worker and its result comes back');
      });
    }

    it('environment: no PYTHONPATH or COROSCOPE_* in os.environ, in a non-Python subprocess or in a forkserver child', () => {
      const r = runTraced(py, 'test/fixtures/python/mp_env.py', { args: ['forkserver'] });
      const p = runPlain(py, 'test/fixtures/python/mp_env.py', { args: ['forkserver'] });
      assert.equal(p.stdout, 'program [None, []]\nenv []\nchild [None, []]\n');
      assert.equal(r.stdout, p.stdout);
      assert.equal(r.code, 0);
      checkTrace(r);
      assert.equal(tasks(r.events, 'process').length, 1, 'the child is traced (the fork server is not a lane)');
    });

    it('environment: the PYTHONPATH the user had is the one the program and a spawn child see', () => {
      const user = '/nonexistent/user-path';
      const r = runTraced(py, 'test/fixtures/python/mp_env.py', { args: ['spawn'], env: { PYTHONPATH: `runtime:${user}` } });
      const p = runPlain(py, 'test/fixtures/python/mp_env.py', { args: ['spawn'], env: { PYTHONPATH: user } });
      assert.equal(p.stdout, `program ['${user}', []]\nenv ['PYTHONPATH']\nchild ['${user}', []]\n`);
      assert.equal(r.stdout, p.stdout);
      checkTrace(r);
      assert.equal(tasks(r.events, 'process').length, 1, 'the spawn child is traced');
    });

    it('a spawn child that fails importing the main module: the same traceback, no runtime frame', () => {
      const r = runTraced(py, 'test/fixtures/python/mp_env.py', { args: ['spawn', 'unguarded'] });
      const p = runPlain(py, 'test/fixtures/python/mp_env.py', { args: ['spawn', 'unguarded'] });
      assert.equal(r.stdout, p.stdout);
      assert.match(p.stdout, /^unguarded child exit 1\n$/);
      assert.match(p.stderr, /An attempt has been made to start a new process/);
      // (3.13+ print the child's `-c` command line too, which starts with the runtime's bootstrap: it must read as plain)
      assert.doesNotMatch(r.stderr, /runtime\/coroscope\/|procs\.py|exec\(/);
      assert.equal(r.stderr, p.stderr);
    });

    it('what the runtime pickles loads in a Python without the runtime (preparation data, queues, a queued item)', () => {
      const r = runTraced(py, 'test/fixtures/python/mp_pickles.py');
      const p = runPlain(py, 'test/fixtures/python/mp_pickles.py');
      const want =
        'runtime loaded False\n' +
        "preparation data pickled ['init_main_from_path', 'sys_argv', 'sys_path']\n" +
        "process SpawnProcess pickled ['Queue', 'JoinableQueue', 'SimpleQueue']\n" +
        "item {'item': [1, 'two']}\n";
      assert.equal(p.stdout, want);
      assert.equal(r.stdout, want, r.stderr);
      assert.equal(r.stderr, '');
      checkTrace(r);
      assert.ok(
        ofType(r.events, 'send').some((s) => /^Queue#/.test(s.channel) && s.value === "{'item': [1, 'two']}"),
        'the put was traced',
      );
    });
  });
}
