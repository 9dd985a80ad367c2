// TraceStore: what goes in as JSON Lines comes back out, whatever the chunking,
// escapes and oddities, within the memory budget of the diagram.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TraceStore } from '../../trace/store';

const traces = join(__dirname, '..', '..', '..', 'test/fixtures/traces');

function load(text: string, chunk = 0): TraceStore {
  const s = new TraceStore();
  if (!chunk) s.appendText(text);
  else for (let k = 0; k < text.length; k += chunk) s.appendText(text.slice(k, k + chunk));
  s.end();
  return s;
}

/** The events of a trace as plain objects, as JSON.parse reads them (header excluded, valid lines only). */
function expected(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    })
    .filter((o) => o && typeof o === 'object' && o.type !== 'header');
}

describe('TraceStore', () => {
  for (const name of ['webview-producer-consumer.jsonl', 'run-producer-consumer.jsonl', 'webview-xss.jsonl']) {
    it(`gives back every event of ${name} as written, however the text is chunked`, () => {
      const text = readFileSync(join(traces, name), 'utf8');
      const want = expected(text);
      for (const chunk of [0, 1, 7, 100]) {
        const s = load(text, chunk);
        assert.equal(s.problemCount, 0, JSON.stringify(s.problems));
        assert.equal(s.length, want.length);
        for (let i = 0; i < s.length; i++) {
          const got = s.event(i) as unknown as Record<string, unknown>;
          const w = { ...want[i] };
          assert.deepEqual(got, w, `event ${i} (chunk ${chunk})`);
        }
        assert.ok(s.header);
      }
    });
  }

  it('reads every fixture in the tree without losing a valid line', () => {
    for (const f of readdirSync(traces).filter((x) => x.endsWith('.jsonl'))) {
      const text = readFileSync(join(traces, f), 'utf8');
      const s = load(text, 13);
      const whole = load(text);
      assert.equal(s.length, whole.length, f);
      for (let i = 0; i < s.length; i++) assert.deepEqual(s.event(i), whole.event(i), `${f} #${i}`);
    }
  });

  it('decodes escapes, non-ASCII and astral characters in values, names and paths', () => {
    const values = ['"quoted"', 'tab\tnew\nline', 'back\\slash', 'café ü', '😀 emoji', '\u0001ctl', "'200 OK'", '</script>', ''];
    const lines = [
      JSON.stringify({ type: 'task', ts: 1, id: 'A', kind: 'greenlet', name: 'ñame "q"', parent: null, file: 'C:\\Users\\me\\x.py', line: 3 }),
      ...values.map((v, k) =>
        JSON.stringify({ type: 'switch', ts: 2 + k, from: 'A', to: 'A', reason: 'switch', value: v, file: 'C:\\Users\\me\\x.py', line: 10 + k }),
      ),
    ];
    const s = load(lines.join('\n') + '\n', 5);
    assert.equal(s.tasks[0].name, 'ñame "q"');
    values.forEach((v, k) => {
      assert.equal(s.value(1 + k), v);
      assert.equal(s.file(1 + k), 'C:\\Users\\me\\x.py');
      assert.equal(s.line(1 + k), 10 + k);
    });
  });

  it('keeps many distinct values apart and long values whole', () => {
    const lines: string[] = [];
    for (let i = 0; i < 20000; i++) lines.push(JSON.stringify({ type: 'send', ts: i, task: '1', channel: 'q', value: `v${i % 9973}-${i}`, msg: i }));
    const long = 'x'.repeat(40000) + 'é';
    lines.push(JSON.stringify({ type: 'output', ts: 1e6, task: '1', stream: 'stderr', text: long }));
    const s = load(lines.join('\n'));
    for (let i = 0; i < 20000; i += 997) {
      assert.equal(s.value(i), `v${i % 9973}-${i}`);
      assert.equal(s.num(i), i);
    }
    assert.equal(s.value(20000), long);
    assert.equal(s.reason(20000), 'stderr');
  });

  it('reports bad lines with their line numbers, counts unknown types, keeps unknown fields', () => {
    const text = [
      '{"type":"header","schema":1,"runtime":"t","python":"3","capture":"settrace","script":"s","argv":[],"cwd":"/","pid":1,"start":0,"ts":0}',
      '{"type":"switch","ts":1,"from":"1","to":"2","reason":"yield"}',
      'not json',
      '{"type":"switch","ts":2,"from":"1","reason":"yield"}',
      '{"type":"future-thing","ts":3}',
      '{"type":"switch","ts":4,"from":"2","to":"1","reason":"resume","value":"1","extra":{"a":[1,2]}}',
      '{"type":"block","ts":5,"task":"1","on":"fd","detail":"fd=7 read","line":"12"}',
    ].join('\n');
    const s = load(text, 11);
    assert.equal(s.length, 2);
    assert.equal(s.unknownCount, 1);
    assert.deepEqual(
      s.problems.map((p) => p.line),
      [3, 4, 7],
    );
    assert.deepEqual(s.extra(1), { extra: { a: [1, 2] } });
    assert.deepEqual((s.event(1) as unknown as { extra: unknown }).extra, { a: [1, 2] });
    assert.equal(s.switchCount, 2);
    assert.deepEqual(
      s.tasks.map((t) => t.id),
      ['1', '2'],
    );
  });

  it('finds the events of a source line by site', () => {
    const s = load(readFileSync(join(traces, 'webview-producer-consumer.jsonl'), 'utf8'));
    const sites = s.sitesAt('examples/producer_consumer.py', 18);
    const hits: number[] = [];
    for (let i = 0; i < s.length; i++) if (sites.has(s.siteId(i))) hits.push(i);
    assert.deepEqual(
      hits.map((i) => s.value(i)),
      ['1', '2', '3', '4', '5'],
    );
  });

  it('holds a 300,000-event, 200-lane trace in under 64 bytes per event', () => {
    const s = new TraceStore();
    const reasons = ['yield', 'resume', 'switch', 'sleep'];
    let cur = '1';
    let chunk: string[] = [];
    for (let i = 0; i < 300000; i++) {
      const to = String(1 + ((i * 7919) % 200));
      chunk.push(
        JSON.stringify({
          type: 'switch',
          ts: 1e12 + i * 1000,
          from: cur,
          to,
          reason: reasons[i & 3],
          value: String(i % 1000 === 0 ? `'item ${i}'` : i % 50),
          file: '/w/x.py',
          line: 20 + (i % 30),
          toFile: '/w/x.py',
          toLine: 40 + (i % 5),
          depth: i % 3 === 0 ? 1 : 0,
        }),
      );
      cur = to;
      if (chunk.length === 10000) {
        s.appendText(chunk.join('\n') + '\n');
        chunk = [];
      }
    }
    assert.equal(s.length, 300000);
    assert.equal(s.tasks.length, 200);
    assert.ok(s.approxBytes() / s.length <= 64, `${(s.approxBytes() / s.length).toFixed(1)} bytes/event`);
    assert.equal(s.value(1000), "'item 1000'");
    assert.equal(s.toLine(7), 42);
    assert.equal(s.num(3), 1);
  });
});
