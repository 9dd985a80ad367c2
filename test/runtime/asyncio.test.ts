import * as assert from 'node:assert/strict';
import { PYTHONS, type Ev, checkTrace, ofType, runBothWays, runTraced, switches, tasks } from './harness';

for (const py of PYTHONS) {
  describe(`runtime asyncio on ${py.name}`, function () {
    this.timeout(60_000);

    it('asyncio_tasks: task lanes, the loop lane, steps and what each await waits for', () => {
      const r = runBothWays(py, 'examples/asyncio_tasks.py');
      const [loop] = tasks(r.events, 'event-loop');
      assert.ok(loop);
      const at = tasks(r.events, 'asyncio-task');
      assert.deepEqual(at.map((t) => t.name).sort(), ['consumer', 'main', 'producer']);
      const main = at.find((t) => t.name === 'main')!;
      for (const t of at) if (t !== main) assert.equal(t.parent, main.id, 'parent = creating task');
      assert.equal(tasks(r.events, 'coroutine').length, 0, 'task coroutines are not lanes of their own');
      const sw = switches(r.events);
      assert.ok(sw.some((s) => s.from === loop.id && s.reason === 'step'));
      const reasons = new Set(sw.filter((s) => s.to === loop.id).map((s) => s.reason));
      for (const want of ['sleep', 'queue', 'thread', 'await', 'return']) assert.ok(reasons.has(want), `reason ${want} in ${[...reasons]}`);
      assert.ok(sw.some((s) => s.reason === 'sleep' && s.value === '0.01'));
      const blocks = new Set(ofType(r.events, 'block').map((b) => b.on));
      for (const want of ['timer', 'queue', 'thread']) assert.ok(blocks.has(want));
      assert.ok(ofType(r.events, 'wake').length > 0);
      const sends = ofType(r.events, 'send').filter((s) => s.channel === 'queue');
      const recvs = ofType(r.events, 'recv').filter((s) => s.channel === 'queue');
      assert.deepEqual(
        sends.map((s) => s.value),
        ['1', '2', '3', 'None'],
      );
      assert.deepEqual(
        recvs.map((s) => s.msg),
        sends.map((s) => s.msg),
      );
      const ends = ofType(r.events, 'end');
      const consumer = at.find((t) => t.name === 'consumer')!;
      assert.ok(ends.some((e) => e.task === consumer.id && e.outcome === 'return' && e.value === '6'));
      assert.ok(
        sw.some((s) => s.to === main.id && s.value === '49'),
        'to_thread result flows into the step',
      );
    });

    it('busy sleep(0) steps: written compactly, read back as alternating step / sleep switches in order', () => {
      const script = 'test/fixtures/python/asyncio_steps.py';
      const r = runBothWays(py, script);
      assert.ok(
        r.lines.some((l) => l.startsWith('{"type":"step",')),
        'quiet steps are single step lines',
      );
      assert.ok(
        r.lines.some((l) => l.startsWith('{"type":"resume",')),
        'a step that printed starts with a resume line',
      );
      const [loop] = tasks(r.events, 'event-loop');
      for (const name of ['a', 'b']) {
        const t = tasks(r.events, 'asyncio-task').find(
          (x) => x.name === 'spin' && r.events.some((e) => e.type === 'output' && e.task === x.id && e.text.startsWith(name)),
        )!;
        assert.equal(t.loop, loop.id);
        // the task's story in trace order: resumed by the loop, gives it back, 7 times (6 sleeps + the return)
        const story = r.events.filter((e) => (e.type === 'switch' && (e.from === t.id || e.to === t.id)) || (e.type === 'output' && e.task === t.id));
        const shape = story.map((e) =>
          e.type === 'output'
            ? 'print'
            : e.type === 'switch' && e.to === t.id
              ? `${e.reason}<${e.from === loop.id ? 'loop' : e.from}`
              : `${(e as { reason: string }).reason}`,
        );
        assert.deepEqual(shape, [
          'step<loop',
          'sleep',
          'step<loop',
          'print',
          'sleep',
          'step<loop',
          'sleep',
          'step<loop',
          'sleep',
          'step<loop',
          'print',
          'sleep',
          'step<loop',
          'sleep',
          'step<loop',
          'return',
        ]);
        const sw = story.filter((e) => e.type === 'switch') as Ev<'switch'>[];
        for (const s of sw.filter((x) => x.reason === 'sleep')) {
          assert.equal(s.value, '0');
          assert.ok(s.file?.endsWith('asyncio_steps.py') && s.line === 9, `sleep(0) at line 9: ${JSON.stringify(s)}`);
        }
        assert.ok(
          sw
            .slice(2)
            .filter((x) => x.reason === 'step')
            .every((x) => x.toLine === 9),
          'resumes at the await',
        );
        for (let k = 1; k < story.length; k++) assert.ok(story[k].ts >= story[k - 1].ts, 'in time order');
      }
    });

    it("sleep(0) in the task's coroutine, in a coroutine it awaits, and driven by hand: each step ends where it really did", () => {
      const script = 'test/fixtures/python/asyncio_sleep_sites.py';
      const r = runBothWays(py, script);
      const [main] = tasks(r.events, 'asyncio-task').filter((t) => t.name === 'main');
      const [odd] = tasks(r.events, 'asyncio-task').filter((t) => t.name === 'odd');
      const sleeps = switches(r.events).filter((e) => e.from === main.id && e.reason === 'sleep');
      // pause()'s sleep(0) one coroutine down, then main's own, three times; then main's last sleep(0)
      assert.deepEqual(
        sleeps.map((e) => [e.line, e.depth ?? 0, e.frame ?? null, e.value]),
        [
          [6, 1, 'pause', '0'],
          [22, 0, null, '0'],
          [6, 1, 'pause', '0'],
          [22, 0, null, '0'],
          [6, 1, 'pause', '0'],
          [22, 0, null, '0'],
          [25, 0, null, '0'],
        ],
      );
      // odd() ran sleep(0) itself (its task never suspended there), then waited for a future
      const gave = switches(r.events).filter((e) => e.from === odd.id);
      assert.deepEqual(
        gave.map((e) => [e.reason, e.line]),
        [
          ['future', 16],
          ['return', 16],
        ],
      );
      assert.ok(
        ofType(r.events, 'block').some((e) => e.task === odd.id && e.on === 'future'),
        'odd blocks on the future',
      );
    });

    it('a task made by create_task, ensure_future (also from a plain function), the loop, a TaskGroup or gather names that line and its creator', () => {
      const script = 'test/fixtures/python/asyncio_create_sites.py';
      const r = runBothWays(py, script);
      const [main, ...jobs] = tasks(r.events, 'asyncio-task');
      assert.deepEqual([main.name, main.line, main.parent], ['main', 24, tasks(r.events, 'main')[0].id]);
      assert.deepEqual(
        jobs.map((t) => [t.name, t.file?.endsWith('asyncio_create_sites.py'), t.line, t.parent]),
        [15, 16, 11, 18, 20, 21].map((line) => ['job', true, line, main.id]),
      );
    });

    it('held-back step starts are written once and in order while another thread writes lines', () => {
      const script = 'test/fixtures/python/asyncio_steps_threads.py';
      const r = runTraced(py, script); // (two threads queue lines: still in ts order, harness checkTimeOrder)
      checkTrace(r);
      assert.match(r.stdout, /^190$/m);
      assert.ok(ofType(r.events, 'output').length > 5, 'the thread printed during the steps');
      const [loop] = tasks(r.events, 'event-loop');
      const spins = tasks(r.events, 'asyncio-task').filter((t) => t.name === 'spin');
      assert.equal(spins.length, 20);
      for (const t of spins) {
        const sw = switches(r.events).filter((e) => e.from === t.id || e.to === t.id);
        // 301 steps: resumed by the loop, then back to it (300 sleeps and the return), strictly alternating
        assert.equal(sw.length, 602, `task ${t.id}: ${sw.length} switches`);
        sw.forEach((e, k) => {
          if (k % 2 === 0) assert.deepEqual([e.from, e.to, e.reason], [loop.id, t.id, 'step'], `task ${t.id} switch ${k}`);
          else assert.deepEqual([e.from, e.to, e.reason], [t.id, loop.id, k === 601 ? 'return' : 'sleep'], `task ${t.id} switch ${k}`);
          if (k > 0) assert.ok(e.ts >= sw[k - 1].ts, `task ${t.id} switch ${k} in time order`);
        });
      }
    });

    it('asyncio.Queue transfers: the lane and the user line that made each, wherever it was made', () => {
      const script = 'test/fixtures/python/asyncio_queue_sites.py';
      const r = runBothWays(py, script, { stdout: '[1, 2, 3, 4]\n' });
      const at = tasks(r.events, 'asyncio-task');
      const id = (n: string) => at.find((t) => t.name === n)!.id;
      const [loop] = tasks(r.events, 'event-loop');
      const site = (e: Ev<'send'> | Ev<'recv'>) => [e.value, e.task, e.file ? e.file.split('/').pop() : null, e.line ?? null, e.msg];
      const f = 'asyncio_queue_sites.py';
      // awaited put, put_nowait in the coroutine, in a helper function; then from a loop callback (no user line)
      assert.deepEqual(ofType(r.events, 'send').map(site), [
        ['1', id('producer'), f, 16, 1],
        ['2', id('producer'), f, 17, 2],
        ['3', id('producer'), f, 8, 3],
        ['4', loop.id, null, null, 4],
      ]);
      // awaited get, get_nowait in the coroutine, awaited in a helper coroutine, awaited again
      assert.deepEqual(ofType(r.events, 'recv').map(site), [
        ['1', id('consumer'), f, 24, 1],
        ['2', id('consumer'), f, 25, 2],
        ['3', id('consumer'), f, 12, 3],
        ['4', id('consumer'), f, 27, 4],
      ]);
    });

    it('a busy loop that starves the writer thread of the GIL loses no events', () => {
      // ~80,000 lines against a queue of 20,000: the writer thread alone would fall
      // behind (it waits for a GIL the loop retakes on every turn) and lines would be dropped
      const script = 'test/fixtures/python/asyncio_busy_queue.py';
      const r = runBothWays(py, script, { env: { COROSCOPE_MAX_QUEUE: '20000' } }); // (the writer thread unpends too: into what it took)
      const fin = r.events[r.events.length - 1];
      assert.ok(fin.type === 'finish' && fin.dropped === 0, `dropped ${JSON.stringify(fin)}`);
      assert.equal(ofType(r.events, 'mark').filter((m) => m.kind === 'events-dropped').length, 0);
      assert.equal(ofType(r.events, 'send').length, 20_010);
      assert.equal(ofType(r.events, 'recv').length, 20_010);
      const workers = tasks(r.events, 'asyncio-task').filter((t) => t.name === 'worker');
      assert.equal(workers.length, 10);
      const steps = switches(r.events).filter((e) => e.reason === 'step' && workers.some((w) => w.id === e.to));
      assert.ok(steps.length >= 20_000, `${steps.length} worker steps`);
      // a worker's get right at the start of its step (from the def, line 7, or the sleep, line 13)
      // carries that start (one line, not two),
      // and reads back as the step switch, then the recv
      const folded = r.lines
        .map((l) => JSON.parse(l) as { type: string; msg?: number; task?: string; stepTs?: number; stepLine?: number })
        .filter((e) => e.type === 'recv' && e.stepTs !== undefined);
      assert.ok(folded.length >= 15_000, `${folded.length} folded recv lines`);
      const at = new Map<number, number>();
      r.events.forEach((e, i) => {
        if (e.type === 'recv' && e.msg !== undefined) at.set(e.msg, i);
      });
      for (const f of folded) {
        const before = r.events[at.get(f.msg!)! - 1];
        assert.ok(
          before.type === 'switch' &&
            before.reason === 'step' &&
            before.to === f.task &&
            before.ts === f.stepTs &&
            before.toLine === f.stepLine &&
            [7, 13].includes(before.toLine ?? -1),
          JSON.stringify([f, before]),
        );
      }
    });

    it('cancelled / failed tasks and a loop-blocked mark', () => {
      const r = runBothWays(py, 'test/fixtures/python/asyncio_cancel_block.py', { opts: ['--blocking-ms', '100'] });
      const at = tasks(r.events, 'asyncio-task');
      const byName = (n: string) => at.find((t) => t.name === n)!;
      const ends = ofType(r.events, 'end');
      assert.ok(ends.some((e) => e.task === byName('sleeper').id && e.outcome === 'cancelled'));
      assert.ok(ends.some((e) => e.task === byName('failer').id && e.outcome === 'exception' && e.value === "RuntimeError('task failed')" && e.line === 12));
      assert.ok(ends.some((e) => e.task === byName('hog').id && e.outcome === 'return' && e.value === "'hogged'"));
      const m = ofType(r.events, 'mark').find((x) => x.kind === 'loop-blocked');
      assert.ok(m, 'loop-blocked mark');
      assert.equal(m.task, byName('hog').id);
      assert.ok((m.ms ?? 0) >= 200);
      assert.ok(m.file?.endsWith('asyncio_cancel_block.py'));
    });
  });
}
