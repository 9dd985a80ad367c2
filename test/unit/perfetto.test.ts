import * as assert from 'node:assert/strict';
import { type ChromeTraceEvent, toPerfetto } from '../../trace/perfetto';
import { validatePerfetto } from './cli-helpers';
import { TraceStore } from '../../trace/store';
import { fixtureStore } from './helpers';

describe('Perfetto export', () => {
  const store = fixtureStore('cli-pingpong.jsonl');
  const doc = validatePerfetto(toPerfetto(store));
  const evs = doc.traceEvents;
  const tidOf = (name: string) => evs.find((e) => e.ph === 'M' && e.name === 'thread_name' && String(e.args?.name).startsWith(name + ' '))!;

  it('names a track per task, grouped by process', () => {
    const threads = evs.filter((e) => e.ph === 'M' && e.name === 'thread_name');
    assert.deepEqual(
      threads.map((t) => t.args?.name),
      ['main [main] #1', 'consumer [generator] #2', 'worker-1 [process] #100:7'],
    );
    const procs = evs.filter((e) => e.ph === 'M' && e.name === 'process_name');
    assert.deepEqual(procs.map((p) => p.pid).sort(), [100, 101]);
    assert.equal(tidOf('worker-1').pid, 101, 'the child process task is in its own process');
    assert.equal(tidOf('consumer').pid, 100);
  });

  it('draws one flow arrow per switch, from the task that gave up control to the one that got it', () => {
    const switches = store.tasks.length && [...Array(store.length).keys()].filter((i) => store.type(i) === 'switch').length;
    const s = evs.filter((e) => e.ph === 's' && e.cat === 'switch');
    const f = evs.filter((e) => e.ph === 'f' && e.cat === 'switch');
    assert.equal(s.length, switches);
    assert.equal(f.length, switches);
    const first = s[0];
    assert.equal(first.tid, tidOf('main').tid);
    assert.equal(f.find((e) => e.id === first.id)!.tid, tidOf('consumer').tid);
    const resume2 = s.find((e) => e.name === 'resume 2')!;
    assert.equal(resume2.args?.value, '2');
    assert.equal(resume2.args?.site, '/w/pingpong.py:22');
    assert.ok(s.some((e) => e.name === "yield '200 OK'" && e.args?.['resumes at'] === undefined));
    assert.ok(s.some((e) => e.name === "yield ''" && e.args?.['resumes at'] === '/w/pingpong.py:18'));
  });

  it('has running slices that the flows leave from and arrive at', () => {
    const slices = evs.filter((e) => e.ph === 'X');
    const inside = (e: ChromeTraceEvent) => slices.some((x) => x.tid === e.tid && x.pid === e.pid && x.ts! <= e.ts! && e.ts! <= x.ts! + x.dur!);
    for (const e of evs.filter((x) => x.ph === 's' || x.ph === 'f')) assert.ok(inside(e), `${e.ph} ${e.name} at ${e.ts} lies in a slice of its track`);
    const consumer = slices.filter((x) => x.tid === tidOf('consumer').tid);
    assert.equal(consumer.length, 5, 'consumer runs once per start/resume/close');
    assert.equal(consumer[1].args?.['resumed by'], 'resume 1');
  });

  it('uses microseconds from the trace start', () => {
    const first = evs.find((e) => e.ph === 's')!;
    assert.equal(first.ts, 2 - 0.001, 'switch at +2000 ns is 2 µs (flow start nudged 1 ns into the leaving slice)');
    const finish = evs.find((e) => e.ph === 'i' && e.name === 'finish')!;
    assert.ok(Math.abs(finish.ts! - (store.ts(store.length - 1) - store.startTs) / 1000) < 1e-9);
  });

  it('marks, prints, blocks, channel transfers and ends are instant events with args', () => {
    const inst = evs.filter((e) => e.ph === 'i');
    const mark = inst.find((e) => e.cat === 'mark')!;
    assert.equal(mark.args?.ms, 300);
    assert.equal(mark.args?.site, '/w/pingpong.py:33');
    assert.equal(mark.tid, tidOf('main').tid);
    assert.ok(inst.some((e) => e.cat === 'output' && e.args?.text === '[CONSUMER] Consuming 2...\n' && e.tid === tidOf('consumer').tid));
    assert.ok(inst.some((e) => e.cat === 'send' && e.args?.value === '42' && e.args?.msg === 1 && e.pid === 101));
    assert.ok(inst.some((e) => e.cat === 'block' && e.args?.detail === 'Queue#1'));
    assert.ok(inst.some((e) => e.cat === 'end' && e.args?.outcome === 'return'));
  });

  it('keeps hostile strings as data', () => {
    const s = fixtureStore('cli-hostile.jsonl');
    const d = validatePerfetto(toPerfetto(s));
    assert.ok(d.traceEvents.some((e) => e.args?.value === '<img src=x onerror=alert(1)>'));
    assert.ok(d.traceEvents.some((e) => e.args?.value === 'x\ny'));
  });

  it('exports an empty trace as a valid document', () => {
    const d = validatePerfetto(toPerfetto(new TraceStore()));
    assert.equal(d.traceEvents.length, 0);
  });
});

describe('Perfetto export: transfers, waits and causes (issue 17)', () => {
  it('draws a queue send → recv across threads as a flow, a block → wake as a wait slice, a cause as a flow', () => {
    const store = new TraceStore();
    store.appendText(
      [
        {
          type: 'header',
          schema: 1,
          runtime: 'coroscope test',
          python: '3.11',
          capture: 'settrace',
          script: '/w/q.py',
          argv: ['/w/q.py'],
          cwd: '/w',
          pid: 7,
          start: 0,
          ts: 0,
        },
        { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null, pid: 7 },
        { type: 'task', ts: 10, id: '2', kind: 'thread', name: 'worker', parent: '1', file: '/w/q.py', line: 9 },
        { type: 'block', ts: 20, task: '2', on: 'queue', detail: 'q', file: '/w/q.py', line: 3 },
        { type: 'send', ts: 30, task: '1', channel: 'Queue#1', value: '1', msg: 1, file: '/w/q.py', line: 11 },
        { type: 'wake', ts: 40, task: '2', on: 'queue', detail: 'q', cause: 'put', by: '1', byFile: '/w/q.py', byLine: 11 },
        { type: 'recv', ts: 50, task: '2', channel: 'Queue#1', value: '1', msg: 1, file: '/w/q.py', line: 3 },
        { type: 'end', ts: 60, task: '2', outcome: 'return', value: 'None' },
        { type: 'finish', ts: 70, exitCode: 0, dropped: 0 },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    const evs = validatePerfetto(toPerfetto(store)).traceEvents;
    const tid = (name: string) => evs.find((e) => e.ph === 'M' && e.name === 'thread_name' && String(e.args?.name).startsWith(name + ' '))!.tid;
    const ts = evs.filter((e) => e.cat === 'transfer');
    assert.deepEqual(
      ts.map((e) => [e.ph, e.tid]),
      [
        ['s', tid('main')],
        ['f', tid('worker')],
      ],
    );
    assert.equal(ts[0].id, ts[1].id);
    const cause = evs.filter((e) => e.cat === 'cause');
    assert.deepEqual(
      cause.map((e) => [e.ph, e.tid, e.name]),
      [
        ['s', tid('main'), 'put'],
        ['f', tid('worker'), 'put'],
      ],
    );
    const wait = evs.find((e) => e.cat === 'wait')!;
    assert.deepEqual([wait.ph, wait.tid, wait.name, wait.ts, wait.dur], ['X', tid('worker'), 'waits on q', 0.02, 0.02]);
  });

  it("a wake whose block the trace lacks still binds its cause flow to a slice on the woken task's track", () => {
    const st = new TraceStore();
    st.appendText(
      [
        { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
        { type: 'task', ts: 10, id: '2', kind: 'greenlet', name: 'g', parent: '1' },
        { type: 'switch', ts: 12, from: '1', to: '2', reason: 'switch' },
        { type: 'end', ts: 20, task: '2', outcome: 'return', value: 'None' },
        { type: 'wake', ts: 30, task: '1', on: 'task', detail: 'join g', cause: 'done', by: '2' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    st.end();
    // (validatePerfetto: every flow start and finish lies in a slice of its own track; the viewer drops it otherwise)
    const d = validatePerfetto(toPerfetto(st));
    assert.ok(d.traceEvents.some((e) => e.cat === 'cause' && e.ph === 'f'));
  });
});
