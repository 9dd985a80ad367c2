import * as assert from 'node:assert/strict';
import { mermaidText, toMermaid } from '../../trace/mermaid';
import { TraceStore } from '../../trace/store';
import { fixtureStore } from './helpers';
import type { TraceLine } from '../../protocol/events';

type Mermaid = { parse(text: string): Promise<unknown> };
let mermaid: Mermaid;
/** The real mermaid parser (runs in Node without a DOM for sequence diagrams). */
async function parse(text: string): Promise<void> {
  mermaid ??= ((await import('mermaid')) as unknown as { default: Mermaid }).default;
  await mermaid.parse(text);
}

function synthetic(build: (push: (e: TraceLine) => void) => void): TraceStore {
  const s = new TraceStore();
  s.append({ type: 'header', schema: 1, runtime: 'test', python: '3.11', capture: 'settrace', script: 's.py', argv: [], cwd: '/', pid: 1, start: 0, ts: 0 });
  build((e) => s.append(e));
  return s;
}

const withinLimits = (text: string) => {
  assert.ok(text.length <= 50_000, `${text.length} characters`);
  const edges = text.split('\n').filter((l) => /^\s*t\d+-?->>t\d+:/.test(l)).length;
  assert.ok(edges <= 500, `${edges} edges`);
};

describe('Mermaid export', () => {
  it('the real parser rejects a broken diagram (so the checks below mean something)', async () => {
    await assert.rejects(parse('sequenceDiagram\nt0->>: oops\nloop\n'));
  });

  it('draws a participant per task and an arrow per switch labelled reason value', async () => {
    const r = toMermaid(fixtureStore('cli-pingpong.jsonl'));
    await parse(r.text);
    const lines = r.text.trim().split('\n');
    assert.equal(lines[0], 'sequenceDiagram');
    assert.deepEqual(
      lines.filter((l) => l.startsWith('participant')),
      ['participant t0 as main (main)', 'participant t1 as consumer (generator)', 'participant t2 as worker-1 (process)'],
    );
    assert.deepEqual(
      lines.filter((l) => l.includes('>>')),
      [
        't0->>t1: start',
        "t1-->>t0: yield ''",
        't0->>t1: resume 1',
        "t1-->>t0: yield '200 OK'",
        't0->>t1: resume 2',
        "t1-->>t0: yield '200 OK'",
        't0->>t1: resume 3',
        "t1-->>t0: yield '200 OK'",
        't0->>t1: close',
        't1-->>t0: return None',
      ],
    );
    assert.equal(r.cut, false);
    assert.equal(r.loops, 0, 'nothing identical repeats: no folding');
    assert.equal(r.shown, r.switches);
  });

  it('escapes every program string so the diagram always parses', async () => {
    const r = toMermaid(fixtureStore('cli-hostile.jsonl'));
    await parse(r.text);
    assert.ok(!r.text.includes('<img'), 'no raw markup');
    assert.ok(r.text.includes('a#59;b#35;c'), '; and # as entity codes');
    assert.ok(r.text.includes('participant t2 as end (greenlet)'), 'a task named end stays a label');
    for (const l of r.text.trim().split('\n').slice(1))
      assert.match(l, /^(participant t\d+ as |t\d+-?->>t\d+: |Note over )/, `unexpected line ${JSON.stringify(l)}`);
  });

  it('mermaidText leaves no character Mermaid treats specially', () => {
    assert.equal(mermaidText('a;b#c\nd<e>&"f:'), 'a#59;b#35;c#9166;d#60;e#62;#38;#34;f#58;');
    assert.equal(mermaidText('   '), '#160;');
    assert.equal(mermaidText('x'.repeat(100), 10), 'xxxxxxxxx#8230;');
  });

  it('folds identical repeats into loop blocks, exactly', async () => {
    const s = synthetic((push) => {
      push({ type: 'task', ts: 1, id: '1', kind: 'main', name: 'main', parent: null });
      push({ type: 'task', ts: 1, id: '2', kind: 'greenlet', name: 'g', parent: '1' });
      for (let i = 0; i < 1000; i++) {
        push({ type: 'switch', ts: 10 + 2 * i, from: '1', to: '2', reason: 'switch', value: 'ping' });
        push({ type: 'switch', ts: 11 + 2 * i, from: '2', to: '1', reason: 'switch', value: 'pong' });
      }
    });
    const r = toMermaid(s);
    await parse(r.text);
    withinLimits(r.text);
    assert.equal(r.mode, 'exact');
    assert.match(r.text, /loop 1000 times\nt0->>t1: switch ping\nt1->>t0: switch pong\nend/);
    assert.equal(r.shown, 2000);
    assert.match(r.text, /Note over t0,t1: folded/);
  });

  it('the fold note counts the switches a loop stands for, not the notes and waits drawn beside them', async () => {
    const s = synthetic((push) => {
      push({ type: 'task', ts: 1, id: '1', kind: 'main', name: 'main', parent: null });
      push({ type: 'task', ts: 1, id: '2', kind: 'greenlet', name: 'g', parent: '1' });
      push({ type: 'block', ts: 2, task: '1', on: 'timer', detail: '0.1 s', file: 's.py', line: 3 });
      push({ type: 'wake', ts: 3, task: '1', on: 'timer', detail: '0.1 s', cause: 'timer' });
      for (let i = 0; i < 1000; i++) {
        push({ type: 'switch', ts: 10 + 2 * i, from: '1', to: '2', reason: 'switch', value: 'ping' });
        push({ type: 'switch', ts: 11 + 2 * i, from: '2', to: '1', reason: 'switch', value: 'pong' });
      }
    });
    const r = toMermaid(s);
    await parse(r.text);
    assert.match(r.text, /Note over t0: waits on 0\.1 s/);
    // 2,000 switches, 2 of them drawn as the loop's arrows
    assert.match(r.text, /folded#58; 1 repeated pattern drawn once as loops \(1998 more switches not drawn one by one\)/);
  });

  it('folds by shape with first … last values when exact folding is not enough', async () => {
    const s = synthetic((push) => {
      push({ type: 'task', ts: 1, id: '1', kind: 'main', name: 'producer', parent: null });
      push({ type: 'task', ts: 1, id: '2', kind: 'generator', name: 'consumer', parent: '1' });
      for (let i = 0; i < 200_000; i++) {
        push({ type: 'switch', ts: 10 + 2 * i, from: '1', to: '2', reason: 'resume', value: String(i) });
        push({ type: 'switch', ts: 11 + 2 * i, from: '2', to: '1', reason: 'yield', value: "'200 OK'" });
      }
    });
    const r = toMermaid(s);
    await parse(r.text);
    withinLimits(r.text);
    assert.equal(r.mode, 'shape');
    assert.equal(r.cut, false);
    assert.equal(r.shown, 400_000);
    assert.match(r.text, /loop 200000 times\nt0->>t1: resume 0 #8230; 199999\nt1-->>t0: yield '200 OK'\nend/);
    assert.match(r.text, /Note over t0,t1: folded by shape/);
  });

  it('cuts what cannot be folded, stays within the limits and says so', async () => {
    const s = synthetic((push) => {
      for (let k = 0; k < 300; k++) push({ type: 'task', ts: 1, id: String(k), kind: 'asyncio-task', name: `task-${k}`, parent: null });
      // A pseudo-random walk between 300 tasks: no repeats to fold.
      let x = 7,
        from = 0;
      for (let i = 0; i < 20_000; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const to = x % 300;
        push({ type: 'switch', ts: 10 + i, from: String(from), to: String(to), reason: 'await', value: `v${i}` });
        from = to;
      }
    });
    const r = toMermaid(s);
    await parse(r.text);
    withinLimits(r.text);
    assert.equal(r.cut, true);
    assert.ok(r.shown < r.switches);
    assert.match(r.text, new RegExp(`Note over t\\d+,t\\d+: cut#58; ${r.switches - r.shown} of 20000 switches not shown`));
    // Only the tasks with arrows shown are declared.
    const declared = r.text.split('\n').filter((l) => l.startsWith('participant')).length;
    assert.ok(declared <= 300 && declared > 1);
  });

  it('an empty trace is still a diagram', async () => {
    const r = toMermaid(new TraceStore());
    await parse(r.text);
    assert.equal(r.switches, 0);
  });
});

describe('mermaid export: threads and processes (issue 17)', () => {
  it('draws queue transfers as arrows from the sender to the receiver and waits as notes, and parses', async () => {
    const s = fixtureStore('lens-runtime-threads.jsonl');
    const r = toMermaid(s);
    await parse(r.text);
    const transfers = r.text.split('\n').filter((l) => /^t\d+--\)t\d+: /.test(l));
    assert.ok(transfers.length > 0, r.text);
    assert.ok(!r.text.includes('no switches'), r.text);
    assert.ok(
      r.text.split('\n').some((l) => /^Note over t\d+: waits on /.test(l)),
      r.text,
    );
    // Each arrow joins the lanes of a send and its recv (same channel and msg).
    let pairs = 0;
    for (let i = 0; i < s.length; i++) if (s.type(i) === 'recv' && !Number.isNaN(s.num(i))) pairs++;
    assert.ok(transfers.length <= pairs);
  });
});

describe('mermaid export: a delegate returning within its lane (issue 17)', () => {
  // outer() delegates with `got = yield from inner()`; inner returns 'numbers done' to outer, which yields more.
  const build = (named: boolean) =>
    synthetic((push) => {
      push({ type: 'task', ts: 1, id: '1', kind: 'main', name: 'main', parent: null });
      push({ type: 'task', ts: 2, id: '2', kind: 'generator', name: 'outer', parent: '1' });
      push({ type: 'switch', ts: 3, from: '1', to: '2', reason: 'start' });
      push({ type: 'switch', ts: 4, from: '2', to: '1', reason: 'yield', value: '1', depth: 1, frame: 'inner' });
      push({ type: 'switch', ts: 5, from: '1', to: '2', reason: 'resume', depth: 1, frame: 'inner' });
      push({ type: 'switch', ts: 6, from: '2', to: '2', reason: 'return', value: "'numbers done'", ...(named ? { delegate: 'inner' } : {}) });
      push({ type: 'switch', ts: 7, from: '2', to: '1', reason: 'yield', value: "'numbers done'" });
      push({ type: 'switch', ts: 8, from: '1', to: '2', reason: 'resume' });
      push({ type: 'switch', ts: 9, from: '2', to: '1', reason: 'return', value: 'None' });
      push({ type: 'end', ts: 10, task: '2', outcome: 'return', value: 'None' });
    });
  for (const named of [true, false]) {
    it(`reads "inner returned 'numbers done' to outer" as a note over outer, not outer returning (${named ? 'delegate field' : 'older trace: named from the frame it last ran'})`, async () => {
      const r = toMermaid(build(named));
      await parse(r.text);
      const lines = r.text.trim().split('\n');
      assert.ok(lines.includes("Note over t1: inner returned 'numbers done' to outer"), r.text);
      // the only arrow that says outer returned is its own end, back to main
      assert.deepEqual(
        lines.filter((l) => /return/.test(l) && !l.startsWith('Note')),
        ['t1-->>t0: return None'],
      );
      assert.ok(!lines.some((l) => /t1-->>t1/.test(l)), 'no arrow from outer to itself');
      assert.equal(r.switches, 7);
    });
  }
  it('a nested delegate returns to the delegator that is itself delegated (its frame), and folds only with its like', async () => {
    const s = synthetic((push) => {
      push({ type: 'task', ts: 1, id: '1', kind: 'main', name: 'main', parent: null });
      push({ type: 'task', ts: 2, id: '2', kind: 'coroutine', name: 'outer', parent: '1' });
      for (let k = 0; k < 3; k++) {
        const t = 10 * k + 3;
        push({ type: 'switch', ts: t, from: '1', to: '2', reason: k ? 'resume' : 'start' });
        push({ type: 'switch', ts: t + 1, from: '2', to: '2', reason: 'return', value: 'None', depth: 1, frame: 'inner', delegate: 'tick' });
        push({ type: 'switch', ts: t + 2, from: '2', to: '2', reason: 'return', value: `${k}`, delegate: 'inner' });
        push({ type: 'switch', ts: t + 3, from: '2', to: '1', reason: 'yield', value: 'None' });
      }
    });
    const r = toMermaid(s);
    await parse(r.text);
    assert.ok(r.text.includes('Note over t1: tick returned None to inner'), r.text);
    assert.ok(r.text.includes('Note over t1: inner returned 0 to outer'), r.text);
  });
});
