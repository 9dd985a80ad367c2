// Replay states (trace/replay.ts) on traces the real runtime writes for the examples: at every step, what a
// learner expects to see — one task running per thread, generators paused at their yield, the producer at its
// send while the consumer runs, everything done after the end — and the same answers from the checkpoints as
// from a plain scan, on a long generated trace.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplayIndex, type TaskAtStep, stepNote } from '../../trace/replay';
import { TraceStore } from '../../trace/store';
import { ROOT, feed } from './helpers';

/** Debian's Python has greenlet and gevent; pyenv's does not. */
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

let dir = '';
function traceOf(example: string): TraceStore {
  const out = join(dir, `${example}.jsonl`);
  execFileSync(PY, ['-m', 'coroscope', '--trace', out, join(ROOT, 'examples', `${example}.py`)], {
    env: { ...process.env, PYTHONPATH: join(ROOT, 'runtime') },
    stdio: ['ignore', 'ignore', 'inherit'],
    cwd: dir,
  });
  return feed(readFileSync(out));
}

function indexed(store: TraceStore): ReplayIndex {
  const r = new ReplayIndex(store);
  r.update();
  return r;
}

/** Source line `line` of examples/`example`.py. */
function src(example: string, line: number): string {
  return readFileSync(join(ROOT, 'examples', `${example}.py`), 'utf8').split('\n')[line - 1] ?? '';
}

/** Per thread, at every step: one task running, or none when the task holding the thread is blocked on something. */
function assertOneRunningPerThread(store: TraceStore, i: number, tasks: TaskAtStep[]): void {
  const threads = new Map<string, TaskAtStep[]>();
  for (const t of tasks) {
    const g = threads.get(t.thread) ?? [];
    g.push(t);
    threads.set(t.thread, g);
  }
  for (const [thread, g] of threads) {
    const root = g.find((t) => t.id === thread);
    if (!root || root.state === 'done' || root.state === 'not-started') continue;
    const running = g.filter((t) => t.state === 'running');
    const blocked = g.filter((t) => t.state === 'blocked');
    assert.ok(running.length <= 1, `step ${i}: thread ${thread} runs ${running.map((t) => t.name)}`);
    if (running.length === 0)
      assert.ok(
        blocked.length > 0,
        `step ${i} (${store.type(i)}): thread ${thread} has no running task and none blocked: ${JSON.stringify(g.map((t) => [t.name, t.state]))}`,
      );
  }
}

describe('replay states on real runtime traces', function () {
  this.timeout(60_000);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'coroscope-replay-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('producer_consumer: consumer at its yield, producer at its send while the consumer runs, done after the end', () => {
    const ex = 'producer_consumer';
    const store = traceOf(ex);
    const r = indexed(store);
    const before = r.tasksAt(-1);
    assert.deepEqual(before, [], 'nothing exists before the first event');
    let sawConsumerRun = 0,
      sawConsumerPaused = 0;
    for (let i = 0; i < store.length; i++) {
      const tasks = r.tasksAt(i);
      assertOneRunningPerThread(store, i, tasks);
      const main = tasks.find((t) => t.kind === 'main')!;
      const consumer = tasks.find((t) => t.name === 'consumer');
      if (!consumer || consumer.state === 'done' || consumer.state === 'not-started') continue;
      if (consumer.state === 'running') {
        sawConsumerRun++;
        assert.equal(main.state, 'suspended', `step ${i}`);
        assert.match(src(ex, main.line!), /c\.send\(|c\.close\(/, `step ${i}: the producer waits at its send, not at line ${main.line}`);
        assert.match(src(ex, consumer.line!), /yield|def consumer/, `step ${i}: consumer runs from its yield`);
      } else {
        assert.equal(consumer.state, 'suspended', `step ${i}`);
        sawConsumerPaused++;
        assert.match(src(ex, consumer.line!), /yield/, `step ${i}: a suspended generator is at its yield line`);
        assert.equal(main.state, 'running');
        assert.match(consumer.paused?.reason ?? '', /^(yield|close)$/);
      }
    }
    assert.ok(sawConsumerRun >= 6 && sawConsumerPaused >= 6);
    // The note a learner reads beside the paused consumer after the producer sent 2.
    const sent2 = [...Array(store.length).keys()].find((i) => store.type(i) === 'switch' && store.value(i) === '2')!;
    const after = r.tasksAt(sent2 + 1).find((t) => t.name === 'consumer')!;
    assert.equal(after.received, '2');
    const paused = r.tasksAt(r.switchOf(after.lane, sent2, 1)).find((t) => t.name === 'consumer')!;
    assert.equal(stepNote(paused), '⏸ consumer — waiting at yield, last got 2');
    assert.equal(paused.sent, "'200 OK'");
    assert.equal(paused.creator?.name, 'main');
    const end = r.tasksAt(store.length - 1);
    assert.ok(
      end.every((t) => t.state === 'done'),
      'every task is done after the end',
    );
    assert.equal(end.find((t) => t.name === 'consumer')!.outcome, 'killed');
  });

  it('greenlet_switch: one greenlet runs at a time, the others wait at their switch', function () {
    if (PY === 'python3') this.skip(); // greenlet is installed in Debian's Python only
    const ex = 'greenlet_switch';
    const store = traceOf(ex);
    const r = indexed(store);
    let checked = 0;
    for (let i = 0; i < store.length; i++) {
      const tasks = r.tasksAt(i);
      assertOneRunningPerThread(store, i, tasks);
      for (const t of tasks) {
        if (t.state !== 'suspended' || t.kind !== 'greenlet') continue;
        assert.match(src(ex, t.line!), /switch\(/, `step ${i}: ${t.name} waits at a switch() (line ${t.line})`);
        checked++;
      }
    }
    assert.ok(checked > 3);
    // test2 returned to main, so test1 is left suspended at its second switch() until the program ends (the
    // runtime then ends it `unfinished`).
    const lane1 = store.tasks.findIndex((t) => t.name === 'test1');
    let last = -1;
    for (let i = 0; i < store.length; i++) if (store.type(i) === 'switch' && store.a(i) === lane1) last = i;
    const test1 = r.tasksAt(last + 1).find((t) => t.name === 'test1')!;
    assert.equal(test1.state, 'suspended');
    assert.match(src(ex, test1.line!), /gr2\.switch\(\)/);
    const ended = r.tasksAt(store.length - 1).find((t) => t.name === 'test1')!;
    assert.equal(ended.outcome, 'unfinished');
    assert.ok(r.tasksAt(store.length - 1).every((t) => t.state === 'done'));
  });

  it('asyncio_tasks: the loop or one task runs; tasks wait on their timer or queue, and the await chain is the task', () => {
    const ex = 'asyncio_tasks';
    const store = traceOf(ex);
    const r = indexed(store);
    let blockedOnQueue = 0,
      notStarted = 0;
    for (let i = 0; i < store.length; i++) {
      const tasks = r.tasksAt(i);
      assertOneRunningPerThread(store, i, tasks);
      for (const t of tasks) {
        if (t.kind === 'asyncio-task') assert.equal(t.thread, '1', 'asyncio tasks run in the main thread');
        if (t.state === 'not-started') {
          notStarted++;
          assert.equal(t.file, undefined);
        }
        if (t.state === 'blocked' && t.name === 'consumer') {
          blockedOnQueue++;
          assert.equal(t.waits?.on, 'queue');
          assert.match(src(ex, t.line!), /queue\.get\(\)/);
        }
        if (t.state === 'blocked' && t.name === 'producer') assert.match(src(ex, t.line!), /asyncio\.sleep/);
      }
    }
    assert.ok(blockedOnQueue > 0 && notStarted > 0);
    assert.ok(r.tasksAt(store.length - 1).every((t) => t.state === 'done'));
  });

  it('threads_queue: each worker thread runs or blocks on its own; the main thread runs', () => {
    const ex = 'threads_queue';
    const store = traceOf(ex);
    const r = indexed(store);
    let blocked = 0;
    for (let i = 0; i < store.length; i++) {
      const tasks = r.tasksAt(i);
      assertOneRunningPerThread(store, i, tasks);
      for (const t of tasks) {
        if (t.kind !== 'thread') continue;
        assert.equal(t.thread, t.id, 'a thread is its own thread');
        if (t.state === 'blocked' && t.waits?.on === 'queue') {
          blocked++;
          assert.match(src(ex, t.line!), /q\.get\(\)/);
          assert.match(t.waits.detail ?? '', /^(q|Queue#1)$/, 'the queue, by its name in the program');
          // What will wake it, when the runtime says (wake causes): main's put.
          if (t.waits.cause !== undefined) {
            assert.equal(t.waits.cause, 'put');
            assert.equal(t.waits.byName, 'main');
          }
        }
        if (t.state === 'blocked' && t.waits?.on === 'timer') assert.match(src(ex, t.line!), /time\.sleep/);
      }
    }
    assert.ok(blocked > 0);
  });

  it('yield from: the await/yield-from chain, innermost first', () => {
    const py =
      'def inner():\n    x = yield 1\n    y = yield 2\n    return x + y\n\ndef outer():\n    r = yield from inner()\n    yield r\n\ng = outer()\nnext(g)\ng.send(10)\nprint(g.send(20))\ng.close()\n';
    const file = join(dir, 'yf.py');
    writeFileSync(file, py);
    execFileSync(PY, ['-m', 'coroscope', '--trace', join(dir, 'yf.jsonl'), file], {
      env: { ...process.env, PYTHONPATH: join(ROOT, 'runtime') },
      stdio: 'ignore',
    });
    const store = feed(readFileSync(join(dir, 'yf.jsonl')));
    const r = indexed(store);
    const firstYield = [...Array(store.length).keys()].find((i) => store.type(i) === 'switch' && store.reason(i) === 'yield')!;
    const g = r.tasksAt(firstYield).find((t) => t.name === 'outer')!;
    assert.equal(g.state, 'suspended');
    assert.equal(g.line, 2, 'paused at the inner yield');
    assert.deepEqual(g.chain, ['inner', 'outer']);
    const resumed = r.tasksAt(firstYield + 1).find((t) => t.name === 'outer')!;
    assert.equal(resumed.state, 'running');
    assert.deepEqual(resumed.chain, ['inner', 'outer']);
    const last = [...Array(store.length).keys()].filter((i) => store.type(i) === 'switch' && store.reason(i) === 'yield').pop()!;
    assert.deepEqual(r.tasksAt(last).find((t) => t.name === 'outer')!.chain, ['outer'], 'back in its own frame');
  });

  it('checkpoints give the same answers as a scan from the start, in any chunks', () => {
    // A long trace (many checkpoints per lane), fed in chunks with update() between, against a fresh index per step.
    const lines: string[] = [
      '{"type":"header","schema":1,"runtime":"t","python":"3.11","capture":"settrace","script":"/p.py","argv":[],"cwd":"/","pid":1,"start":0,"ts":0}',
    ];
    lines.push(JSON.stringify({ type: 'task', ts: 1, id: '1', kind: 'main', name: 'main', parent: null }));
    for (let g = 2; g <= 5; g++)
      lines.push(JSON.stringify({ type: 'task', ts: 1, id: String(g), kind: 'generator', name: `g${g}`, parent: '1', file: '/p.py', line: 1 }));
    let ts = 2;
    for (let k = 0; k < 600; k++) {
      const g = String(2 + ((k * 7) % 4));
      lines.push(
        JSON.stringify({
          type: 'switch',
          ts: ts++,
          from: '1',
          to: g,
          reason: 'resume',
          value: String(k),
          file: '/p.py',
          line: 10 + (k % 3),
          toFile: '/p.py',
          toLine: 20,
        }),
      );
      if (k % 5 === 0) lines.push(JSON.stringify({ type: 'block', ts: ts++, task: g, on: 'lock', detail: `L${k}`, file: '/p.py', line: 30 }));
      if (k % 5 === 0) lines.push(JSON.stringify({ type: 'wake', ts: ts++, task: g, on: 'lock', cause: 'release', by: '1' }));
      lines.push(
        JSON.stringify({
          type: 'switch',
          ts: ts++,
          from: g,
          to: '1',
          reason: 'yield',
          value: `'y${k}'`,
          file: '/p.py',
          line: 21 + (k % 2),
          depth: k % 3,
          frame: k % 3 ? 'sub' : undefined,
        }),
      );
    }
    const text = lines.join('\n') + '\n';
    const whole = feed(text);
    const chunked = new TraceStore();
    const r = new ReplayIndex(chunked);
    for (let at = 0; at < text.length; at += 777) {
      chunked.appendText(text.slice(at, at + 777));
      r.update();
    }
    chunked.end();
    r.update();
    for (let i = 0; i < whole.length; i += 29) {
      const fresh = new ReplayIndex(feed(lines.slice(0, i + 2).join('\n') + '\n'));
      fresh.update();
      // The fresh index cannot know the future: what wakes a blocked task is compared below.
      const past = (ts: TaskAtStep[]) => ts.map((t) => (t.waits ? { ...t, waits: { on: t.waits.on, detail: t.waits.detail } } : t));
      assert.deepEqual(past(r.tasksAt(i)), past(fresh.tasksAt(i)), `step ${i}`);
    }
    const blocked = r.tasksAt(lines.findIndex((l) => l.includes('"L5"')) - 1).find((t) => t.state === 'blocked')!;
    assert.equal(blocked.waits?.cause, 'release', 'what will wake it: the wake after the step');
    assert.equal(blocked.waits?.byName, 'main');
  });
});
