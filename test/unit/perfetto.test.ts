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
    assert.deepEqual(threads.map((t) => t.args?.name), ['main [main] #1', 'consumer [generator] #2', 'worker-1 [process] #100:7']);
    const procs = evs.filter((e) => e.ph === 'M' && e.name === 'process_name');
    assert.deepEqual(procs.map((p) => p.pid).sort(), [100, 101]);
    assert.equal(tidOf('worker-1').pid, 101, 'the child process task is in its own process');
    assert.equal(tidOf('consumer').pid, 100);
  });

  it('draws one flow arrow per switch, from the task that gave up control to the one that got it', () => {
    const switches = store.tasks.length && [...Array(store.length).keys()].filter((i) => store.type(i) === 'switch').length;
    const s = evs.filter((e) => e.ph === 's');
    const f = evs.filter((e) => e.ph === 'f');
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
