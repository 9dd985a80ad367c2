// A learner's walk, thirteenth stop: gevent greenlets killed before they ever ran, multiprocessing pipes, a queue's
// put_nowait/get_nowait, and Pool.imap's calls. Each test pins a falsehood the walk found in the trace; each runs the
// program plainly too (runBothWays: the traced output is byte-identical).
import * as assert from 'node:assert/strict';
import type { TraceLine } from '../../protocol/events';
import { GREENLET_PYTHONS, PYTHONS, needGevent, ofType, runBothWays, tasks } from './harness';

const DIR = 'test/fixtures/python/walk13';

/** `name(args)` of each lane, by id. */
function labels(events: TraceLine[]): Map<string, string> {
  return new Map(tasks(events).map((t) => [t.id, `${t.name}${t.args ?? ''}`]));
}

for (const py of GREENLET_PYTHONS) {
  describe(`truth walk s13: gevent on ${py.name}`, function () {
    this.timeout(60_000);

    // A greenlet of greenlet's C type made directly (the runtime's subclass is not in the way): greenlet takes `run` off
    // it as it starts, before the trace hook sees it, so its lane read `greenlet` and its return had no value.
    it("a greenlet of greenlet's own C type is named after its run function and returns its value", () => {
      const r = runBothWays(py, `${DIR}/glet_c_type.py`);
      const name = labels(r.events);
      assert.deepEqual(
        tasks(r.events, 'greenlet').map((t) => [t.name, t.parent, t.codeLine]),
        [
          ['adder', '1', 7],
          ['square', '1', 12],
          ['square', '1', 12],
          ['greenlet', '1', undefined], // (C(len): a run function of C has no frame to name it by)
        ],
      );
      assert.ok(
        tasks(r.events, 'greenlet').every((t) => t.codeLine === undefined || t.codeFile?.endsWith('glet_c_type.py')),
        "their code is the program's",
      );
      assert.deepEqual(
        ofType(r.events, 'end')
          .filter((e) => name.get(e.task) !== 'main')
          .map((e) => [name.get(e.task), e.outcome, e.value]),
        [
          ['adder', 'return', '11'],
          ['square', 'return', '16'],
          ['square', 'return', '25'],
          ['greenlet', 'return', undefined],
        ],
      );
      // each lane is declared before the switch that starts it
      for (const t of tasks(r.events, 'greenlet')) {
        const iTask = r.events.indexOf(t);
        const iStart = r.events.findIndex((e) => e.type === 'switch' && e.to === t.id);
        assert.ok(iTask >= 0 && iTask < iStart, `${t.name} declared (${iTask}) before its start (${iStart})`);
      }
    });

    // gevent.spawn(...) then kill()/killall(...) before the hub ever switched into it: gevent cancels its start and it
    // never runs, but its lane ended `unfinished` at exit (no switch out of it ever came).
    it('a greenlet killed before it started ends killed, by the kill()/killall() and its line, when it was killed', function () {
      needGevent(this, py);
      const r = runBothWays(py, `${DIR}/gevent_kill_unstarted.py`);
      const name = labels(r.events);
      const ends = ofType(r.events, 'end')
        .filter((e) => name.get(e.task) !== 'main')
        .map((e) => [name.get(e.task), e.outcome, e.value, e.by && name.get(e.by), e.byLine]);
      assert.deepEqual(ends, [
        ['work(1)', 'killed', 'GreenletExit()', 'main', 15],
        ['work(2)', 'killed', 'GreenletExit()', 'main', 18],
        ['work(3)', 'killed', 'GreenletExit()', 'main', 18],
        ['work(9)', 'killed', 'GreenletExit()', 'boss()', 24],
        ['boss()', 'return', 'None', undefined, undefined],
        ['work(7)', 'killed', 'GreenletExit()', 'main', 31],
        // killall of one running and one not started: the one it cancels ends first, at the call
        ['work(6)', 'killed', 'GreenletExit()', 'main', 35],
        ['forever(5)', 'killed', 'GreenletExit()', 'main', 35],
        ['work(10)', 'unfinished', undefined, undefined, undefined],
      ]);
      // none of the killed-before-start ones was ever switched into
      const never = new Set(
        tasks(r.events, 'greenlet')
          .filter((t) => t.name === 'work')
          .map((t) => t.id),
      );
      assert.deepEqual(
        ofType(r.events, 'switch').filter((s) => never.has(s.to)),
        [],
      );
      // ended at the kill, not at exit: before the output the program printed after it
      const iEnd = r.events.findIndex((e) => e.type === 'end' && name.get(e.task) === 'work(1)');
      const iOut = r.events.findIndex((e) => e.type === 'output' && e.text.startsWith('a True'));
      assert.ok(iEnd >= 0 && iEnd < iOut, `work(1)'s end (${iEnd}) before "a True" (${iOut})`);
    });
  });
}

for (const py of PYTHONS) {
  describe(`truth walk s13: generators on ${py.name}`, function () {
    this.timeout(60_000);

    // 3.11: closing (rebinding) the outer generator of a `yield from` chain closes the delegated inner one first; its
    // GeneratorExit read as a yield, so its frame stayed registered, and with its locals the source generator it
    // iterates: that source's `finally` ran at exit (after "end"), and it ended `unfinished`.
    it('a rebound yield-from pipeline is closed at the rebinding, and the source its stage iterates with it', () => {
      const r = runBothWays(py, `${DIR}/gen_pipeline_rebound.py`);
      assert.equal(r.stdout, '0\n2\nsource closed 3\n0\nsource closed 2\n0\nsource closed 4\nsource closed 1\n[0]\nend\n');
      const name = labels(r.events);
      assert.deepEqual(
        ofType(r.events, 'end')
          .filter((e) => name.get(e.task) !== 'main')
          .map((e) => [name.get(e.task), e.outcome]),
        [
          ['source', 'killed'],
          ['relay', 'killed'],
          ['source', 'killed'],
          ['relay', 'killed'],
          ['source', 'killed'],
          ['stage', 'killed'],
          ['source', 'return'],
          ['stage', 'return'],
        ],
      );
    });
  });

  describe(`truth walk s13: multiprocessing on ${py.name}`, function () {
    this.timeout(120_000);
    for (const method of ['fork', 'spawn', 'forkserver']) {
      // conn.send(x) / conn.recv() of a Pipe(): nothing was recorded (the parent's recv did not even wait).
      it(`${method}: Pipe() ends' send and recv are transfers on the pipe, paired across processes, as written`, () => {
        const r = runBothWays(py, `${DIR}/mp_pipe.py`, { args: [method] });
        const name = labels(r.events);
        const [kid, writer, ...more] = tasks(r.events, 'process');
        assert.equal(more.length, 0, 'two children');
        assert.deepEqual([kid.args, writer.args], ['(parent_conn/child_conn)', '(r/w)']);
        const moves = [...ofType(r.events, 'send'), ...ofType(r.events, 'recv')]
          .map((e) => [e.msg, e.type, name.get(e.task)?.replace(/\(.*/, ''), e.channel, e.op, e.value, e.line] as const)
          .sort((a, b) => Number(a[0]) - Number(b[0]) || a[1].localeCompare(b[1]));
        const pipe = 'parent_conn/child_conn';
        assert.deepEqual(
          moves.map((m) => m.slice(1)),
          [
            // (the root's msg ids come first: 1 is the parent's reply)
            ['recv', 'Process-1', pipe, 'recv', "{'reply': 1}", 8],
            ['send', 'main', pipe, 'send', "{'reply': 1}", 22],
            ['recv', 'main', pipe, 'recv', "[42, None, 'hello']", 21],
            ['send', 'Process-1', pipe, 'send', "[42, None, 'hello']", 7],
            ['recv', 'main', 'r/w', 'recv', "'one-way'", 27],
            ['send', 'Process-2', 'r/w', 'send', "'one-way'", 13],
          ],
        );
        for (const m of moves) assert.ok(typeof m[0] === 'number', `${m[1]} ${m[5]} has a msg id`);
        assert.equal(new Set(moves.map((m) => m[0])).size, 3, 'three messages, each sent and received');
        // a recv of the parent's that waited (the child had not sent yet) is woken by the child's send
        const sender = new Map([
          [`${pipe}.recv()`, kid.id],
          ['r/w.recv()', writer.id],
        ]);
        for (const w of ofType(r.events, 'wake').filter((e) => e.task === '1' && e.on === 'channel')) {
          assert.deepEqual([w.cause, w.by], ['send', sender.get(w.detail ?? '')], `${w.detail} woken by its sender`);
        }
      });

      // put_nowait was not recorded at all (nor get_nowait); imap/imap_unordered's calls were sent when the pool's
      // handler thread took them from the program's list, after the program had gone on.
      it(`${method}: put_nowait/get_nowait are transfers with their op; imap's calls are sent at the program's call`, () => {
        const r = runBothWays(py, `${DIR}/mp_nowait_imap.py`, { args: [method] });
        const q = [...ofType(r.events, 'send'), ...ofType(r.events, 'recv')].filter((e) => e.channel === 'q');
        q.sort((a, b) => Number(a.msg) - Number(b.msg) || a.type.localeCompare(b.type));
        assert.deepEqual(
          q.map((e) => [e.type, e.op, e.value, e.line]),
          [
            ['recv', 'get', '1', 21],
            ['send', 'put_nowait', '1', 20],
            ['recv', 'get_nowait', '2', 25],
            ['send', 'put', '2', 22],
          ],
        );
        const main = r.events.filter((e) => 'task' in e && e.task === '1');
        // The event that completes the printed line: a line may share its event with the lines written just before it,
        // or be split over two (print writes its text and its newline apart; another thread's event can come between)
        const at = (text: string) => {
          let out = '\n';
          return main.findIndex((e) => e.type === 'output' && (out += e.text).includes(`\n${text}\n`));
        };
        const sends = (line: number) =>
          main.flatMap((e, i) => (e.type === 'send' && e.channel.startsWith('Pool#') && e.line === line ? [[i, e.value] as const] : []));
        for (const [line, made, values] of [
          [30, 'imap made', ['sq(4)', 'sq(5)']],
          [33, 'unordered made', ['sq(6)', 'sq(7)']],
          [36, 'chunks made', ['map sq(1, 2)', 'map sq(3, 4)']],
          [39, undefined, ['map sq(0)', 'map sq(1)', 'map sq(2)']],
        ] as const) {
          const s = sends(line);
          assert.deepEqual(
            s.map((x) => x[1]),
            values,
            `the calls of line ${line}`,
          );
          if (made !== undefined) {
            const i = at(made);
            assert.ok(i > 0 && s.every((x) => x[0] < i), `line ${line}'s calls sent before "${made}" (${s.map((x) => x[0])} < ${i})`);
          }
        }
      });
    }
  });
}
