// Issue 17 (words): a queue/channel transfer reads as the program wrote it (`q.put(5)`, `q.get() → 5`), from the
// send/recv events' optional `op`; traces without it keep the generic words (`q.send(5)`, `q.receive() → 5`).
import * as assert from 'node:assert/strict';
import { toMermaid } from '../../trace/mermaid';
import { type ChromeTraceEvent, toPerfetto } from '../../trace/perfetto';
import { TraceStore } from '../../trace/store';
import { validateEvent } from '../../protocol/events';
import { details, fullLabel, label } from '../../webview/labels';

const HEAD = '{"type":"header","schema":1,"runtime":"test","python":"3.11","capture":"settrace","script":"s.py","argv":[],"cwd":"/","pid":1,"start":0,"ts":0}';
const TASKS = [
  '{"type":"task","ts":1,"id":"1","kind":"main","name":"main","parent":null}',
  '{"type":"task","ts":2,"id":"2","kind":"thread","name":"worker","parent":"1"}',
];
// one transfer per method a runtime writes, then an old trace's pair (no op)
const OPS: [string, string, string, string][] = [
  ['q', 'put', 'get', '5'],
  ['q', 'put_nowait', 'get_nowait', '6'],
  ['conn', 'send', 'recv', "'hi'"],
  ['channel', 'send', 'receive', '7'],
];
function lines(withOp: boolean): string[] {
  const out = [HEAD, ...TASKS];
  let ts = 10,
    msg = 1;
  for (const [ch, s, r, v] of OPS) {
    const op = (o: string) => (withOp ? `,"op":"${o}"` : '');
    out.push(`{"type":"send","ts":${ts++},"task":"1","channel":"${ch}","value":${JSON.stringify(v)},"msg":${msg}${op(s)},"file":"/p/s.py","line":3}`);
    out.push(`{"type":"recv","ts":${ts++},"task":"2","channel":"${ch}","value":${JSON.stringify(v)},"msg":${msg++}${op(r)},"file":"/p/s.py","line":5}`);
  }
  return out;
}
// the fast scanner (text and bytes) and the generic path (one event object at a time) must agree
const stores = (withOp: boolean): [string, TraceStore][] => {
  const text = new TraceStore();
  text.appendText(lines(withOp).join('\n') + '\n');
  const bytes = new TraceStore();
  bytes.appendBytes(new TextEncoder().encode(lines(withOp).join('\n') + '\n'));
  const objs = new TraceStore();
  for (const l of lines(withOp)) objs.append(JSON.parse(l));
  return [
    ['text', text],
    ['bytes', bytes],
    ['objects', objs],
  ];
};
const rows = (s: TraceStore) => Array.from({ length: s.length }, (_, i) => i).filter((i) => s.type(i) === 'send' || s.type(i) === 'recv');

describe('transfer words (send/recv op)', () => {
  it('the protocol accepts op as a string and rejects anything else', () => {
    const ok = validateEvent(JSON.parse('{"type":"send","ts":1,"task":"1","channel":"q","value":"5","op":"put"}'));
    assert.equal(typeof ok, 'object');
    assert.equal(validateEvent(JSON.parse('{"type":"recv","ts":1,"task":"1","channel":"q","op":3}')), 'recv: bad op');
  });

  for (const withOp of [true, false]) {
    it(`labels each transfer ${withOp ? 'as written (op)' : 'with the old words (no op: an older trace)'}, on every decode path`, () => {
      const want = withOp
        ? [
            'q.put(5)',
            'q.get() → 5',
            'q.put_nowait(6)',
            'q.get_nowait() → 6',
            "conn.send('hi')",
            "conn.recv() → 'hi'",
            'channel.send(7)',
            'channel.receive() → 7',
          ]
        : [
            'q.send(5)',
            'q.receive() → 5',
            'q.send(6)',
            'q.receive() → 6',
            "conn.send('hi')",
            "conn.receive() → 'hi'",
            'channel.send(7)',
            'channel.receive() → 7',
          ];
      for (const [how, s] of stores(withOp)) {
        assert.deepEqual(
          rows(s).map((i) => fullLabel(s, i)),
          want,
          how,
        );
        assert.deepEqual(
          rows(s).map((i) => label(s, i)),
          want,
          `${how}: drawn`,
        );
        // the tooltip/details pane starts with the same words; the event rebuilt for export keeps op
        assert.deepEqual(
          rows(s).map((i) => details(s, i).split('\n')[0]),
          want,
        );
        assert.deepEqual(
          rows(s).map((i) => (s.event(i) as { op?: string }).op),
          withOp ? OPS.flatMap(([, a, b]) => [a, b]) : rows(s).map(() => undefined),
        );
      }
    });
  }

  it('a long value is shortened without losing the call', () => {
    const s = new TraceStore();
    s.appendText([HEAD, ...TASKS, `{"type":"recv","ts":9,"task":"2","channel":"q","value":"'${'x'.repeat(300)}'","op":"get_nowait"}`].join('\n') + '\n');
    const l = label(s, rows(s)[0]!);
    assert.ok(l.startsWith('q.get_nowait() → '), l);
    assert.ok(l.length < 120, l);
  });

  it('the Mermaid arrow reads the sending call; an old trace keeps `q: 5`', () => {
    const [, withOp] = stores(true)[0]!;
    const [, old] = stores(false)[0]!;
    const arrows = (s: TraceStore) =>
      toMermaid(s)
        .text.split('\n')
        .filter((l) => l.includes('--)'))
        .map((l) => l.replace(/^.*?: /, ''));
    assert.deepEqual(arrows(withOp), ['q.put(5)', 'q.put_nowait(6)', "conn.send('hi')", 'channel.send(7)']);
    assert.deepEqual(arrows(old), ['q#58; 5', 'q#58; 6', "conn#58; 'hi'", 'channel#58; 7']);
  });

  it('Perfetto instants read the call as written and carry op; an old trace keeps `send q 5`', () => {
    const names = (s: TraceStore) =>
      (JSON.parse(toPerfetto(s)).traceEvents as ChromeTraceEvent[]).filter((e) => e.ph === 'i' && (e.cat === 'send' || e.cat === 'recv')).map((e) => e.name);
    assert.deepEqual(names(stores(true)[0]![1]).slice(0, 2), ['q.put(5)', 'q.get() → 5']);
    assert.deepEqual(names(stores(false)[0]![1]).slice(0, 2), ['send q 5', 'recv q 5']);
    const ev = (JSON.parse(toPerfetto(stores(true)[0]![1])).traceEvents as ChromeTraceEvent[]).find((e) => e.ph === 'i' && e.cat === 'recv')!;
    assert.equal((ev.args as Record<string, unknown>).op, 'get');
  });
});
