// Replay in a real browser: traces the real runtime writes for four examples are loaded into the diagram page,
// every step is opened by `#step=N`, and the Tasks pane must say what a learner expects at each one: one task
// running per thread, each suspended generator at its yield line, the producer at its send while the consumer
// runs, everything done after the end. Then the keys, play, the scrubber and the report-like source pane.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Diagram, ROOT, withDiagram, SHOTS as shots } from './harness';
import { traceRowsOf } from '../trace-rows';

const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

interface PaneTask {
  task: string;
  name: string;
  state: string;
  file: string;
  line: string;
  thread: string;
  where: string;
  waits: string;
}

function run(dir: string, example: string): string {
  const out = join(dir, `${example}.jsonl`);
  execFileSync(PY, ['-m', 'coroscope', '--trace', out, join(ROOT, 'examples', `${example}.py`)], {
    env: { ...process.env, PYTHONPATH: join(ROOT, 'runtime') },
    stdio: ['ignore', 'ignore', 'inherit'],
    cwd: dir,
  });
  return readFileSync(out, 'utf8');
}

const exampleFile = (example: string) => join(ROOT, 'examples', `${example}.py`);
const source = (example: string) => readFileSync(exampleFile(example), 'utf8').split('\n');

async function loadWithSources(d: Diagram, text: string, example: string, pane = true): Promise<void> {
  await d.load(text, { title: `${example}.py` });
  await d.send({ type: 'sources', files: [{ file: exampleFile(example), text: readFileSync(exampleFile(example), 'utf8') }], capped: false, pane });
}

async function goStep(d: Diagram, n: number): Promise<PaneTask[]> {
  // (through an empty hash: the address may already name this step, from the trace loaded before)
  await d.page.evaluate((k) => {
    location.hash = '';
    location.hash = `step=${k}`;
  }, n);
  await d.page.waitForSelector(`#coroscope-root[data-step="${n}"][data-coroscope-state=ready]`);
  return paneTasks(d);
}

function paneTasks(d: Diagram): Promise<PaneTask[]> {
  return d.page.$$eval('.tasks-pane [data-task]', (els) =>
    els.map((e) => {
      const h = e as HTMLElement;
      return {
        task: h.dataset.task ?? '',
        name: h.dataset.name ?? '',
        state: h.dataset.state ?? '',
        file: h.dataset.file ?? '',
        line: h.dataset.line ?? '',
        thread: h.dataset.thread ?? '',
        where: h.querySelector('.where')?.textContent ?? '',
        waits: h.querySelector('.waits')?.textContent ?? '',
      };
    }),
  );
}

const STATES = new Set(['not-started', 'running', 'suspended', 'blocked', 'done']);

/** What holds at every step, whatever the program. */
function assertStep(n: number, tasks: PaneTask[]): void {
  const threads = new Map<string, PaneTask[]>();
  for (const t of tasks) {
    assert.ok(STATES.has(t.state), `step ${n}: state ${t.state}`);
    if (t.state === 'not-started') assert.deepEqual([t.file, t.line], ['', ''], `step ${n}: a task not started is nowhere yet`);
    threads.set(t.thread, [...(threads.get(t.thread) ?? []), t]);
  }
  for (const [thread, g] of threads) {
    const root = g.find((t) => t.task === thread);
    if (!root || root.state === 'done' || root.state === 'not-started') continue;
    const running = g.filter((t) => t.state === 'running').length;
    // A thread whose task waits in a blocking call (a queue get, a join) runs nothing until it wakes.
    const blocked = g.some((t) => t.state === 'blocked');
    assert.ok(running === 1 || (running === 0 && blocked), `step ${n}: thread ${thread}: ${JSON.stringify(g.map((t) => [t.name, t.state]))}`);
  }
}

describe('replay: step cursor and Tasks pane in a real browser', function () {
  this.timeout(300_000);
  let dir = '';
  let d: Diagram;
  const traces: Record<string, string> = {};
  withDiagram({ width: 1400, height: 800 }, (opened) => {
    d = opened;
  });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'coroscope-e2e-replay-'));
    for (const ex of ['producer_consumer', 'greenlet_switch', 'asyncio_tasks', 'threads_queue']) traces[ex] = run(dir, ex);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('producer_consumer, every step by #step=N: consumer at its yield, producer at its send while the consumer runs', async () => {
    const ex = 'producer_consumer';
    await loadWithSources(d, traces[ex], ex);
    const src = source(ex);
    const rows = Number(await d.page.$eval('#coroscope-root', (r) => r.getAttribute('data-rows')));
    assert.equal(rows, traces[ex].trim().split('\n').length - 1, 'one row per event');
    let consumerRan = 0,
      consumerPaused = 0;
    for (let n = 1; n <= rows; n++) {
      const tasks = await goStep(d, n);
      assertStep(n, tasks);
      const main = tasks.find((t) => t.name === 'main')!;
      const consumer = tasks.find((t) => t.name === 'consumer');
      if (n === rows)
        assert.ok(
          tasks.every((t) => t.state === 'done'),
          `step ${n}: all done after the end`,
        );
      if (!consumer || consumer.state === 'done' || consumer.state === 'not-started') continue;
      if (consumer.state === 'running') {
        consumerRan++;
        assert.equal(main.state, 'suspended');
        assert.match(src[Number(main.line) - 1], /c\.send\(|c\.close\(/, `step ${n}: the producer waits at its send`);
      } else {
        consumerPaused++;
        assert.equal(consumer.state, 'suspended');
        assert.match(src[Number(consumer.line) - 1], /yield/, `step ${n}: the consumer is paused at its yield`);
        assert.match(consumer.where, /producer_consumer\.py:10 +n = yield r/, "file:line and the line's source text");
        assert.equal(main.state, 'running');
      }
    }
    assert.ok(consumerRan >= 6 && consumerPaused >= 6, `${consumerRan} ${consumerPaused}`);
    // After the producer sent 2 and the consumer yielded back: the note a learner reads.
    const labels = (await d.summary()).labels;
    assert.ok(labels.includes('send(2)'));
    const rowOfSend2 = await d.page.evaluate(() => {
      const app = (
        window as unknown as {
          coroscope: { store: { length: number; type(i: number): string; value(i: number): string | undefined }; model: { eventRow(i: number): number } };
        }
      ).coroscope;
      for (let i = 0; i < app.store.length; i++) if (app.store.type(i) === 'switch' && app.store.value(i) === '2') return app.model.eventRow(i) + 1;
      return -1;
    });
    const afterSend = await goStep(d, rowOfSend2 + 2);
    const c = afterSend.find((t) => t.name === 'consumer')!;
    assert.equal(c.state, 'suspended');
    assert.equal(await d.page.$eval('.tasks-pane [data-name="consumer"]', (e) => (e as HTMLElement).title), '⏸ consumer — waiting at yield, last got 2');
    // The source pane (as in the report): the running line highlighted, the paused consumer's line with its note.
    const pane = await d.page.$$eval('.source-pane .src-line.running, .source-pane .src-line.paused', (els) =>
      els.map((e) => [(e as HTMLElement).dataset.line, e.className, e.querySelector('.note')?.textContent ?? '']),
    );
    assert.deepEqual(
      pane.find((p) => p[1].includes('paused')),
      ['10', 'src-line paused', '⏸ consumer — waiting at yield, last got 2'],
    );
    assert.ok(pane.some((p) => p[1].includes('running')));
    await d.page.screenshot({ path: join(shots, 'replay-producer-consumer.png') });
    // Changing the cursor rewrites the hash (a teacher can copy the address).
    await d.page.locator('canvas.body').focus();
    await d.page.keyboard.press('Home');
    await d.page.waitForSelector('#coroscope-root[data-step="1"]');
    // (the address follows within 150 ms: rewriting it on every step of a play would cost more than the step)
    await d.page.waitForFunction(() => location.hash === '#step=1');
  });

  it('greenlet, asyncio and threads examples: the invariants at every step, and their waits', async () => {
    for (const ex of ['greenlet_switch', 'asyncio_tasks', 'threads_queue']) {
      if (ex === 'greenlet_switch' && PY === 'python3') continue; // greenlet is in Debian's Python only
      await loadWithSources(d, traces[ex], ex);
      const src = source(ex);
      let rows = Number(await d.page.$eval('#coroscope-root', (r) => r.getAttribute('data-rows')));
      let blocked = 0,
        suspended = 0;
      for (let n = 1; n <= rows; n++) {
        const tasks = await goStep(d, n);
        // (a cursor on a folded row opens it: asyncio.run's shutdown row becomes its events' rows)
        rows = Number(await d.page.$eval('#coroscope-root', (r) => r.getAttribute('data-rows')));
        assertStep(n, tasks);
        for (const t of tasks) {
          const code = t.line ? (src[Number(t.line) - 1] ?? '') : '';
          if (t.state === 'suspended' && ex === 'greenlet_switch' && t.name !== 'main') {
            suspended++;
            assert.match(code, /switch\(/, `${ex} step ${n}: ${t.name} at a switch`);
          }
          if (t.state === 'blocked') {
            blocked++;
            assert.match(t.waits, /^waits on /);
            if (ex === 'asyncio_tasks' && t.name === 'consumer') assert.match(code, /queue\.get\(\)/);
            if (ex === 'threads_queue' && t.name.startsWith('worker')) assert.match(code, /q\.get\(\)|time\.sleep/);
          }
        }
        if (n === rows)
          assert.ok(
            tasks.every((t) => t.state === 'done'),
            `${ex}: all done after the end`,
          );
      }
      if (ex === 'greenlet_switch') assert.ok(suspended > 0);
      else assert.ok(blocked > 0, ex);
      if (ex === 'asyncio_tasks') {
        await goStep(d, Math.floor(rows / 3));
        await d.page.screenshot({ path: join(shots, 'replay-asyncio.png') });
      }
    }
  });

  it('keys, play and the scrubber move the cursor', async () => {
    const ex = 'producer_consumer';
    await loadWithSources(d, traces[ex], ex, false);
    const rows = Number(await d.page.$eval('#coroscope-root', (r) => r.getAttribute('data-rows')));
    const step = async (key: string, want: number) => {
      await d.page.keyboard.press(key);
      await d.page.waitForSelector(`#coroscope-root[data-step="${want}"]`);
    };
    await d.page.locator('canvas.body').focus();
    await step('Home', 1);
    await step('ArrowRight', 2);
    await step('ArrowRight', 3);
    await step('ArrowLeft', 2);
    await step('ArrowDown', 3);
    await step('ArrowUp', 2);
    await step('End', rows);
    // Shift+←: the previous switch of the selected lane (the last event is the finish: no lane; pick main's).
    await d.page.click('.tasks-pane [data-name="consumer"]');
    const switchRows = await d.page.evaluate(() => {
      const app = (
        window as unknown as {
          coroscope: {
            store: { length: number; type(i: number): string; a(i: number): number; b(i: number): number; tasks: { name: string }[] };
            model: { eventRow(i: number): number };
          };
        }
      ).coroscope;
      const s = app.store;
      const lane = s.tasks.findIndex((t) => t.name === 'consumer');
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) if (s.type(i) === 'switch' && (s.a(i) === lane || s.b(i) === lane)) out.push(app.model.eventRow(i) + 1);
      return out;
    });
    await step('Shift+ArrowLeft', switchRows[switchRows.length - 1]);
    await step('Shift+ArrowLeft', switchRows[switchRows.length - 2]);
    await step('Shift+ArrowRight', switchRows[switchRows.length - 1]);
    // Play at the fastest speed runs to the end and stops there.
    await step('Home', 1);
    await d.page.selectOption('.replay-controls .speed', '64');
    await d.page.click('.replay-controls .play');
    await d.page.waitForSelector(`#coroscope-root[data-step="${rows}"][data-playing="false"]`, { timeout: 30_000 });
    // Space pauses and resumes (keyboard play): started at the end, it starts over from the first step.
    await d.page.locator('canvas.body').focus();
    await d.page.keyboard.press(' ');
    await d.page.waitForSelector('#coroscope-root[data-playing="true"]');
    await d.page.keyboard.press(' ');
    await d.page.waitForSelector('#coroscope-root[data-playing="false"]');
    // The scrubber.
    await d.page.$eval('.replay-controls .scrub', (e) => {
      const r = e as HTMLInputElement;
      r.value = '5';
      r.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await d.page.waitForSelector('#coroscope-root[data-step="5"]');
  });

  it("the HTML report replays on its own: opened at #step=N, the source pane with the notes, only the program's sources", async () => {
    const html = join(dir, 'report.html');
    execFileSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'run', '--python', PY, '--html', html, exampleFile('producer_consumer')], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<script type="application\/json" nonce="[^"]+" id="coroscope-sources">/);
    assert.ok(
      !/python3\.\d+\/\w+\.py/.test(page.slice(page.indexOf('id="coroscope-sources"'), page.indexOf('</script>', page.indexOf('id="coroscope-sources"')))),
      'no standard library source',
    );
    // The step right after the consumer yielded back from send(2).
    // (the rows as the store makes them: compact generator lines are the switches they stand for)
    const events = traceRowsOf(run(dir, 'producer_consumer')) as { type: string; value?: string; reason?: string }[];
    const send2 = events.findIndex((e) => e.type === 'switch' && e.value === '2');
    const yielded = events.findIndex((e, i) => i > send2 && e.type === 'switch' && e.reason === 'yield');
    const p = await d.page.context().newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    await p.goto(`file://${html}#step=${yielded + 1}`);
    await p.waitForSelector(`#coroscope-root[data-step="${yielded + 1}"][data-coroscope-state=ready]`);
    const consumer = await p.$eval('.tasks-pane [data-name="consumer"]', (e) => [
      (e as HTMLElement).dataset.state,
      (e as HTMLElement).dataset.line,
      e.querySelector('.where')?.textContent,
    ]);
    assert.deepEqual(consumer, ['suspended', '10', 'producer_consumer.py:10  n = yield r          # receives what produce() sends, hands back r']);
    const marks = await p.$$eval('.source-pane .src-line.running, .source-pane .src-line.paused', (els) =>
      els.map((e) => [(e as HTMLElement).dataset.line, e.className, e.querySelector('.note')?.textContent ?? '']),
    );
    assert.deepEqual(marks, [
      ['10', 'src-line paused', '⏸ consumer — waiting at yield, last got 2'],
      ['23', 'src-line running', ''],
    ]);
    assert.equal(await p.$eval('.source-title', (e) => e.textContent), 'producer_consumer.py');
    await p.screenshot({ path: join(shots, 'replay-report-source-pane.png') });
    // The hash follows the cursor, and a new hash moves it.
    await p.locator('canvas.body').focus();
    await p.keyboard.press('ArrowRight');
    await p.waitForFunction((n) => location.hash === `#step=${n}`, yielded + 2);
    await p.evaluate(() => {
      location.hash = 'step=3';
    });
    await p.waitForSelector('#coroscope-root[data-step="3"]');
    await p.close();
    assert.deepEqual(errors, []);
  });

  it('a page opened at #step=N shows that step once the trace is in, and the cursor is posted to the host', async () => {
    const ex = 'producer_consumer';
    await d.page.goto('about:blank');
    await d.page.goto(`${d.url}#step=7`);
    await d.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await d.load(traces[ex], { title: 'again' });
    await d.page.waitForSelector('#coroscope-root[data-step="7"]');
    const posted = (await d.posted()).filter((m) => m.type === 'cursor').pop() as unknown as {
      step: number;
      tasks: { name: string; state: string; line: number; note: string }[];
    };
    assert.equal(posted.step, 7);
    assert.ok(posted.tasks.length >= 1 && posted.tasks.every((t) => t.line > 0 && t.note.length > 0));
  });
});
