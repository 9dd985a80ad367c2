// Issue 16, points 1 and 2: each task's parent is its creator and its site the creating call (or says it is the
// first run); names are the program's own (name=, set_name → rename, Thread(name=)); queues and channels are named
// after the variable the creating line assigns them to.
import * as assert from 'node:assert/strict';
import { GREENLET_PYTHONS, PYTHONS, needGevent, ofType, runBothWays, switches, tasks } from './harness';

const NAMES = 'test/fixtures/python/truth_names.py';

for (const py of PYTHONS) {
  describe(`truth: creation and names on ${py.name}`, function () {
    this.timeout(60_000);

    it('asyncio tasks carry the name the program gave (name= on create_task, TaskGroup); set_name is a rename', () => {
      const r = runBothWays(py, NAMES);
      const at = tasks(r.events, 'asyncio-task');
      const main = at.find((t) => t.name === 'main')!;
      assert.deepEqual(
        at.filter((t) => t.parent === main.id).map((t) => [t.name, t.line]),
        [
          ['worker-2', 13],
          ['worker', 14],
          ['grouped', 17],
        ],
      );
      const renamed = at.find((t) => t.line === 14)!;
      assert.deepEqual(
        ofType(r.events, 'rename').map((e) => [e.task, e.name]),
        [[renamed.id, 'renamed-3']],
      );
    });

    it('queues are named after their variable', () => {
      const r = runBothWays(py, NAMES);
      const chans = new Set([...ofType(r.events, 'send'), ...ofType(r.events, 'recv')].map((e) => e.channel));
      assert.deepEqual([...chans].sort(), ['jobs', 'results']);
    });

    it("a generator's site is the call that made it (3.12+), else its first run, said as such", () => {
      const r = runBothWays(py, 'test/fixtures/python/truth_outcomes.py');
      const g = tasks(r.events, 'generator').find((t) => t.name === 'numbers')!;
      // 3.12+: `g = numbers()` seen by a CALL event (see truth-sites.test.ts); 3.11: its first resume
      assert.deepEqual([g.site, g.line], py.minor >= 12 ? [undefined, 28] : ['first-run', 29]);
      const h = r.events[0];
      assert.ok(h.type === 'header' && h.stackless === undefined);
      assert.ok(tasks(r.events, 'thread').every((t) => t.site === undefined && t.line !== undefined));
    });
  });
}

for (const py of GREENLET_PYTHONS) {
  describe(`truth: gevent and stackless creation on ${py.name}`, function () {
    this.timeout(60_000);

    it('gevent.spawn declares the greenlet in its creator, at the spawn line, named after its function, with its arguments', function () {
      needGevent(this, py);
      const r = runBothWays(py, 'test/fixtures/python/truth_gevent.py');
      const g = tasks(r.events, 'greenlet');
      assert.deepEqual(
        g.map((t) => [t.name, t.parent, t.line, t.args]),
        [
          ['f', '1', 28, '(1)'],
          ['f', '1', 29, '(2)'],
          ['consumer', '1', 30, '()'],
          ['forever', '1', 31, '()'],
        ],
      );
      assert.ok(g.every((t) => t.codeLine !== undefined && t.codeFile?.endsWith('truth_gevent.py')));
      // declared before the hub first runs them: their first switch is the start
      const [hub] = tasks(r.events, 'hub');
      assert.ok(switches(r.events).some((s) => s.from === hub.id && s.to === g[0].id && s.reason === 'start'));
      // joinall names the greenlets as the program does
      assert.ok(
        ofType(r.events, 'block')
          .filter((b) => b.task === '1')
          .every((b) => b.detail === 'joinall(g1, g2, c)'),
      );
    });

    it('emulated stackless tasklets say so, with their arguments; the channel is named after its variable', () => {
      const r = runBothWays(py, 'examples/stackless_channels.py', { stdout: /done\n$/ }); // (no plain stackless)
      const h = r.events[0];
      assert.ok(h.type === 'header' && h.stackless === 'emulated', "the header says the stackless module is the runtime's");
      const tl = tasks(r.events, 'tasklet');
      assert.ok(tl.length > 0 && tl.every((t) => t.stackless === 'emulated' && t.args !== undefined));
      assert.ok(ofType(r.events, 'send').every((s) => s.channel === 'chan'));
    });
  });
}
