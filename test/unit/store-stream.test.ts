// Reading a trace as a stream (issue 19: the CLI never holds the trace): a store that lets its rows go after each
// chunk gives the same rows, while they are held, as one that keeps everything; the exporters fed in pieces give
// the same documents as over a whole store; the digest and the overview count what a full scan counts.
import * as assert from 'node:assert/strict';
import { TraceDigest } from '../../trace/digest';
import { jsonlChunks, jsonlRows } from '../../trace/jsonl';
import { MermaidEdges, toMermaid } from '../../trace/mermaid';
import { PerfettoText, perfettoChunks } from '../../trace/perfetto';
import { TYPE, TraceStore } from '../../trace/store';
import { feed, traceFixture } from './helpers';

/** A trace of `n` events on `lanes` lanes: switches with values of many kinds (some repeated, so deduplicated), prints, marks. */
function generated(n: number, lanes = 12): string {
  const out = [
    '{"type":"header","schema":1,"runtime":"t","python":"3.11","capture":"settrace","script":"/p/a.py","argv":[],"cwd":"/p","pid":1,"start":0,"ts":0}',
  ];
  for (let l = 1; l <= lanes; l++)
    out.push(JSON.stringify({ type: 'task', ts: l, id: String(l), kind: 'generator', name: `g${l}`, parent: null, file: '/p/a.py', line: l }));
  let cur = 1;
  for (let i = 0; out.length <= n; i++) {
    const to = 1 + ((cur * 7 + i) % lanes);
    // Values: a few repeat (deduplicated in the arena, so rows late in the trace point back at early values), most differ.
    const value = i % 5 === 0 ? "'ok'" : `'item ${i} ${'x'.repeat(i % 90)}'`;
    if (i % 97 === 0) out.push(JSON.stringify({ type: 'output', ts: 100 + i, task: String(cur), stream: 'stdout', text: `line ${i}\n` }));
    else if (i % 1001 === 0) out.push(JSON.stringify({ type: 'mark', ts: 100 + i, kind: 'events-dropped', message: 'lost some', count: 3 }));
    else
      out.push(
        JSON.stringify({ type: 'switch', ts: 100 + i, from: String(cur), to: String(to), reason: 'resume', value, file: '/p/a.py', line: 10 + (i % 7) }),
      );
    cur = to;
  }
  return out.join('\n') + '\n';
}

/** Feeds `bytes` in chunks of `size` into a store that lets rows go; `each` sees every chunk's new rows first. */
function streamed(bytes: Uint8Array, size: number, each: (s: TraceStore, from: number) => void): TraceStore {
  const s = new TraceStore();
  for (let at = 0; at < bytes.length; at += size) {
    const from = s.length;
    s.appendBytes(bytes.subarray(at, at + size));
    each(s, from);
    s.releaseBefore(s.length);
  }
  const from = s.length;
  s.end();
  each(s, from);
  return s;
}

describe('streaming a trace (TraceStore.releaseBefore, the exporters and the digest fed in pieces)', () => {
  const text = generated(300_000);
  const bytes = new TextEncoder().encode(text);
  const whole = feed(text);

  it('rows read before they are let go equal the rows of a store that keeps everything; memory stays that of a chunk', () => {
    let checked = 0;
    let maxBytes = 0;
    let maxFirstHalf = 0;
    const s = streamed(bytes, 1 << 20, (st, from) => {
      for (let i = from; i < st.length; i++) {
        // Every 7th row in full (event() reads every column, the value arena and the sites).
        if (i % 7 === 0 || st.typeCode(i) !== TYPE.switch) assert.deepEqual(st.event(i), whole.event(i), `row ${i}`);
        else assert.equal(st.value(i), whole.value(i), `value of row ${i}`);
        checked++;
      }
      maxBytes = Math.max(maxBytes, st.approxBytes());
      if (st.length <= whole.length / 2) maxFirstHalf = maxBytes;
    });
    assert.equal(checked, whole.length);
    assert.equal(s.length, whole.length);
    assert.ok(s.released > 0 && s.released <= s.length, `released ${s.released}`);
    assert.deepEqual(s.tasks, whole.tasks);
    // The whole store grows with the trace; the streamed one holds a column chunk or two and an arena chunk or two,
    // the same in the second half of the trace as in the first.
    assert.ok(maxBytes <= maxFirstHalf + (1 << 20), `streamed: at most ${maxBytes} B, ${maxFirstHalf} B in the first half`);
    assert.ok(whole.approxBytes() > 2.5 * maxBytes, `whole ${whole.approxBytes()} B, streamed at most ${maxBytes} B`);
    assert.throws(() => s.value(0), 'a row let go cannot be read');
  });

  it('JSON Lines, Perfetto and Mermaid fed chunk by chunk equal the documents of the whole store', () => {
    const text = generated(150_000);
    const bytes = new TextEncoder().encode(text);
    const whole = feed(text);
    const jsonl: string[] = [];
    let perfetto: PerfettoText | undefined;
    const perf: string[] = [];
    const mermaid = new MermaidEdges(1000);
    const s = streamed(bytes, 256 * 1024, (st, from) => {
      jsonl.push(...jsonlRows(st, from, st.length));
      if (!perfetto) {
        perfetto = new PerfettoText(st);
        perf.push(perfetto.head());
      }
      perf.push(...perfetto.rows(from, st.length));
      mermaid.add(st, from, st.length);
    });
    perf.push(...perfetto!.tail());
    assert.equal(JSON.stringify(whole.header) + '\n' + jsonl.join(''), [...jsonlChunks(whole)].join(''));
    assert.equal(perf.join(''), [...perfettoChunks(whole)].join(''));
    // Past its 1,000 items nothing repeats here: the diagram says it was made from the first ones.
    const m = mermaid.finish(s);
    assert.equal(m.cut, true);
    assert.equal(m.switches, toMermaid(whole).switches);
    assert.match(m.text, /Note over t\d+,t\d+: cut/);
  });

  it('Mermaid past its cap: a ping-pong that goes on repeating is still one loop, as over the whole store', () => {
    const lines = [
      '{"type":"task","ts":1,"id":"1","kind":"main","name":"producer","parent":null}',
      '{"type":"task","ts":1,"id":"2","kind":"generator","name":"consumer","parent":"1"}',
    ];
    for (let i = 0; i < 50_000; i++) {
      lines.push(JSON.stringify({ type: 'switch', ts: 10 + 2 * i, from: '1', to: '2', reason: 'resume', value: String(i) }));
      lines.push(JSON.stringify({ type: 'switch', ts: 11 + 2 * i, from: '2', to: '1', reason: 'yield', value: "'200 OK'" }));
    }
    // An odd tail: half a repetition more.
    lines.push(JSON.stringify({ type: 'switch', ts: 200_000, from: '1', to: '2', reason: 'resume', value: 'last' }));
    const all = feed(lines.join('\n') + '\n');
    const m = new MermaidEdges(1000);
    streamed(new TextEncoder().encode(lines.join('\n') + '\n'), 64 * 1024, (st, from) => m.add(st, from, st.length));
    const got = m.finish(all);
    const want = toMermaid(all);
    assert.equal(got.text, want.text);
    assert.equal(got.cut, false);
    assert.match(got.text, /loop 50000 times\nt0->>t1: resume 0 #8230; 49999\nt1-->>t0: yield '200 OK'\nend\nt0->>t1: resume last/);
  });

  it('the digest and the overview count what a scan of the whole store counts', () => {
    const d = new TraceDigest();
    streamed(bytes, 300_000, (st) => d.update(st));
    assert.equal(d.events, whole.length);
    let drops = 0;
    const perLane = new Map<number, number>();
    const add = (l: number) => perLane.set(l, (perLane.get(l) ?? 0) + 1);
    for (let i = 0; i < whole.length; i++) {
      if (whole.typeCode(i) === TYPE.mark) drops += whole.num(i);
      if (whole.a(i) >= 0) add(whole.a(i));
      if (whole.typeCode(i) === TYPE.switch && whole.b(i) !== whole.a(i)) add(whole.b(i));
    }
    assert.equal(d.dropped, drops);
    assert.deepEqual(d.lastOutput, { stream: 'stdout', endsLine: true });
    assert.deepEqual(d.files, ['/p/a.py']);
    const o = d.overview.data(whole);
    assert.equal(
      o.total.reduce((x, y) => x + y, 0),
      whole.length,
    );
    for (const l of o.lanes)
      assert.equal(
        l.counts.reduce((x, y) => x + y, 0),
        perLane.get(l.lane),
        `lane ${l.id}`,
      );
    // The bins cover the whole span: the last event falls in the last bin used.
    assert.ok(o.bins * o.binNs > whole.rel(whole.length - 1) && (o.bins - 1) * o.binNs <= whole.rel(whole.length - 1));
  });

  it('a fixture streamed in tiny chunks keeps its lanes, header and problems', () => {
    const t = traceFixture('cli-bad-lines.jsonl');
    const s = streamed(new TextEncoder().encode(t), 7, () => undefined);
    const w = feed(t);
    assert.equal(s.length, w.length);
    assert.deepEqual(s.header, w.header);
    assert.deepEqual(s.problems, w.problems);
  });
});
