// Issue 16 (sync16), for every start method: multiprocessing queues are named after the variable the program's line
// assigns them to, the same name in the parent and the child (`q = ctx.Queue()` → `q`; a queue a child makes for
// itself carries the child's pid: `mine#<pid>.<n>`), and a Process lane carries its creation site (the `start()` line,
// as a thread's), its target's code and its call's arguments (a queue argument by its name).
import * as assert from 'node:assert/strict';
import { PYTHONS, ofType, runBothWays, tasks } from './harness';

const SCRIPT = 'test/fixtures/python/truth_mp_story.py';
const START_LINE = 18; // p.start()
const WORK_DEF = 7; // def work(n, jobs, q)

for (const py of PYTHONS) {
  describe(`truth: multiprocessing queue names and Process creation on ${py.name}`, function () {
    this.timeout(120_000);
    for (const method of ['fork', 'spawn', 'forkserver']) {
      it(`${method}: q and jobs by their variables in both processes; the child's lane at p.start() running work(3, jobs, q)`, () => {
        const r = runBothWays(py, SCRIPT, { args: [method], stdout: '21\n' });
        const [kid, ...more] = tasks(r.events, 'process');
        assert.equal(more.length, 0, 'one child');
        // item 3: the creation site and the call
        assert.equal(kid.parent, '1');
        assert.ok(kid.file?.endsWith('truth_mp_story.py'), kid.file);
        assert.deepEqual([kid.line, kid.codeLine, kid.args], [START_LINE, WORK_DEF, '(3, jobs, q)']);
        assert.ok(kid.codeFile?.endsWith('truth_mp_story.py'), kid.codeFile);
        assert.equal(kid.site, undefined, 'the site is the call that created it');
        // item 2: one name per queue, the same in the parent and in the child
        const byChan = new Map<string, Set<string>>();
        for (const e of [...ofType(r.events, 'send'), ...ofType(r.events, 'recv')]) {
          if (!byChan.has(e.channel)) byChan.set(e.channel, new Set());
          byChan.get(e.channel)!.add(`${e.type}@${e.task === '1' ? 'parent' : e.task === kid.id ? 'child' : e.task}`);
        }
        const pid = kid.id.split(':')[0];
        assert.deepEqual([...byChan.entries()].map(([c, s]) => [c, [...s].sort()]).sort(), [
          ['jobs', ['recv@child', 'send@parent']],
          [`mine#${pid}.1`, ['recv@child', 'send@child']],
          ['q', ['recv@parent', 'send@child']],
        ]);
        // the parent's get waits on q, woken by the child's put
        const w = ofType(r.events, 'wake').filter((e) => e.task === '1' && e.on === 'queue');
        assert.deepEqual(
          w.map((e) => [e.detail, e.cause, e.by]),
          [['q', 'put', kid.id]],
        );
      });
    }
  });
}
