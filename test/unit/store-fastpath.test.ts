// TraceStore's byte scanner (the fast path for the runtime's lines) must decode exactly what
// JSON.parse + validateEvent decode — whatever the key order, escapes, numbers, line endings
// and chunking — and report the same bad lines at the same line numbers.
import * as assert from 'node:assert/strict';
import { TraceStore } from '../../trace/store';
import { expandCompact, isCompact, validateEvent, type TaskEvent } from '../../protocol/events';
import { FILE, HEADER, countingStringScans, feed } from './helpers';

const TASKS = [
  '{"type":"task","ts":1000,"id":"1","kind":"main","name":"main","parent":null}',
  `{"type":"task","ts":1001,"id":"2","kind":"generator","name":"gen","parent":"1","file":"${FILE}","line":3,"codeFile":"${FILE}","codeLine":1}`,
];
/** Task declarations are events too: the test events start after them. */
const T = TASKS.length;

/** What the generic path alone makes of the lines: JSON.parse + validateEvent + append, problems by line number. */
function reference(text: string): { store: TraceStore; problems: { line: number; message: string }[] } {
  const store = new TraceStore();
  const problems: { line: number; message: string }[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, k) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line.trim()) return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      problems.push({ line: k + 1, message: `not JSON: ${(e as Error).message}` });
      return;
    }
    const ev = validateEvent(o);
    if (typeof ev === 'string') {
      if (!ev.startsWith('unknown event type')) problems.push({ line: k + 1, message: ev });
      return;
    }
    store.append(ev);
  });
  return { store, problems };
}

function assertSame(got: TraceStore, text: string, what = ''): void {
  const { store: want, problems } = reference(text);
  assert.deepEqual(got.problems, problems, `problems ${what}`);
  assert.equal(got.length, want.length, `length ${what}`);
  assert.deepEqual(got.tasks, want.tasks, `tasks ${what}`);
  assert.deepEqual(got.header, want.header, `header ${what}`);
  assert.equal(got.switchCount, want.switchCount);
  for (let i = 0; i < want.length; i++) {
    assert.deepEqual(got.event(i), want.event(i), `event ${i} ${what}`);
    assert.deepEqual(got.extra(i), want.extra(i), `extra ${i} ${what}`);
    assert.equal(got.ts(i), want.ts(i));
    assert.equal(got.rel(i), want.rel(i));
    assert.equal(got.value(i), want.value(i));
    assert.equal(got.file(i), want.file(i));
    assert.equal(got.line(i), want.line(i));
    assert.equal(got.toFile(i), want.toFile(i));
    assert.equal(got.toLine(i), want.toLine(i));
    assert.equal(Object.is(got.num(i), want.num(i)), true, `num ${i}: ${got.num(i)} vs ${want.num(i)}`);
  }
}

/** The lines fed as one text (a newline after each), checked against the generic path alone; the store, for more checks. */
function feedChecked(lines: string[]): TraceStore {
  const text = lines.join('\n') + '\n';
  const s = feed(text);
  assertSame(s, text);
  return s;
}

/** A switch line in the runtime's key order. */
function sw(ts: number, from: string, to: string, reason: string, value?: string, line = 10, extra = ''): string {
  return `{"type":"switch","ts":${ts},"from":"${from}","to":"${to}","reason":"${reason}"${value === undefined ? '' : `,"value":${JSON.stringify(value)}`},"file":"${FILE}","line":${line},"toFile":"${FILE}","toLine":${line + 1}${extra}}`;
}

describe('TraceStore byte scanner', () => {
  it("takes the runtime's lines without the string scanner or JSON.parse (so the cases below test it)", () => {
    const lines = [HEADER, ...TASKS];
    for (let k = 0; k < 200; k++) {
      lines.push(sw(100 + k, '1', '2', 'yield', k % 3 ? `'item ${k}'` : undefined, 5 + (k % 7), k % 2 ? ',"depth":1' : ''));
      lines.push(`{"type":"output","ts":${100 + k},"task":"2","stream":"stdout","text":"n=${k}\\n"}`);
    }
    const { result: s, calls: slow } = countingStringScans(() => feed(lines.join('\r\n') + '\r\n'));
    assert.equal(s.length, T + 400);
    assert.equal(slow, 3, 'only the header and the two task lines go the generic way');
    assert.equal(s.value(T + 2), "'item 1'");
    assert.equal(s.value(T + 1), 'n=0\n');
  });

  it('decodes escaped quotes, backslashes, control and unicode escapes in values and names like JSON.parse', () => {
    const lines = [
      HEADER,
      ...TASKS,
      sw(2000, '1', '2', 'yield', 'say "hi"'),
      sw(2001, '2', '1', 'resume', 'C:\\temp\\new'),
      sw(2002, '1', '2', 'yield', 'caf\u00e9 \u{1F600} \u2028'),
      sw(2003, '2', '1', 'resume', 'tab\there\nnl\u0001'),
      '{"type":"switch","ts":2004,"from":"1","to":"2","reason":"yi\\u0065ld","value":"\\ud83d\\ude00 \\u00E9 \\/ \\b\\f\\r","file":"C:\\\\Users\\\\me\\\\x.py","line":4}',
      '{"type":"switch","ts":2005,"from":"\\u0031","to":"2","reason":"yield","value":"\\ud800 lone","file":"C:\\\\Users\\\\me\\\\x.py","line":4}',
      '{"type":"output","ts":2006,"task":"1","stream":"stdout","text":"line one\\nline two\\n"}',
      '{"type":"output","ts":2007,"task":"1","stream":"std\\u006fut","text":"\\"quoted\\""}',
      sw(2008, '2', '1', 'resume', 'x'.repeat(70000) + '\\"'),
    ];
    const s = feedChecked(lines);
    assert.equal(s.value(T + 0), 'say "hi"');
    assert.equal(s.value(T + 1), 'C:\\temp\\new');
    assert.equal(s.value(T + 2), 'caf\u00e9 \u{1F600} \u2028');
    assert.equal(s.value(T + 3), 'tab\there\nnl\u0001');
    assert.equal(s.reason(T + 4), 'yield');
    assert.equal(s.value(T + 4), '\u{1F600} \u00e9 / \b\f\r');
    assert.equal(s.file(T + 4), 'C:\\Users\\me\\x.py');
    assert.equal(s.taskId(s.a(T + 5)), '1');
    assert.equal(s.value(T + 5), '\ud800 lone');
    assert.equal(s.value(T + 6), 'line one\nline two\n');
    assert.equal(s.reason(T + 7), 'stdout');
    assert.equal(s.value(T + 8), 'x'.repeat(70000) + '\\"');
  });

  it('accepts keys in any order, mixed with the runtime order, and whitespace between tokens', () => {
    const lines = [HEADER, ...TASKS];
    for (let k = 0; k < 30; k++) {
      lines.push(sw(3000 + k * 10, '1', '2', 'yield', String(k), 20 + (k % 3)));
      lines.push(`{"ts":${3001 + k * 10},"type":"switch","reason":"resume","to":"1","from":"2","line":${k},"file":"${FILE}","value":"v${k}"}`);
      lines.push(`{"type":"switch","from":"1","ts":${3002 + k * 10},"to":"2","reason":"yield","toLine":7,"toFile":"${FILE}","depth":${k % 2},"frame":"inner"}`);
      lines.push(`{ "type" : "switch" ,\t"ts": ${3003 + k * 10}, "from":"2", "to":"1", "reason":"resume" }\t `);
      lines.push(`{"type":"block","ts":${3004 + k * 10},"task":"1","on":"fd","detail":"fd=${k} read","file":"${FILE}","line":9}`);
      lines.push(`{"type":"wake","task":"1","on":"fd","ts":${3005 + k * 10}}`);
    }
    const s = feedChecked(lines);
    assert.equal(s.length, T + 180);
    assert.equal(s.value(T + 1), 'v0');
    assert.equal(s.frame(T + 2), 'inner');
    assert.equal(s.num(T + 2), 0);
    assert.equal(s.reason(T + 3), 'resume');
    assert.equal(s.value(T + 4), 'fd=0 read');
  });

  it('keeps unknown fields (of any JSON kind) in `extra`', () => {
    const lines = [
      HEADER,
      ...TASKS,
      sw(4000, '1', '2', 'yield', '1', 10, ',"thread":"MainThread"'),
      sw(4001, '2', '1', 'resume', '2', 10, ',"extra":{"a":[1,2,{"b":null}]},"flag":true,"n":1.5'),
      '{"type":"send","ts":4002,"task":"1","channel":"q","value":"1","msg":3,"queueSize":4}',
      '{"type":"mark","ts":4003,"kind":"events-dropped","message":"lost","count":5,"ms":2}',
      '{"type":"finish","ts":4004,"exitCode":0,"dropped":0,"signal":null}',
    ];
    const s = feedChecked(lines);
    assert.deepEqual(s.extra(T + 0), { thread: 'MainThread' });
    assert.deepEqual(s.extra(T + 1), { extra: { a: [1, 2, { b: null }] }, flag: true, n: 1.5 });
    assert.deepEqual(s.extra(T + 2), { queueSize: 4 });
    assert.equal(s.num(T + 2), 3);
    assert.deepEqual(s.extra(T + 3), { count: 5 });
  });

  it('reads numbers as JSON does: negatives, fractions, exponents, big integers; rejects what JSON rejects', () => {
    const lines = [
      HEADER,
      ...TASKS,
      '{"type":"switch","ts":1.5e3,"from":"1","to":"2","reason":"yield","line":-3,"depth":-1}',
      '{"type":"switch","ts":1E+3,"from":"1","to":"2","reason":"yield","line":2e0,"toLine":0.5e1}',
      '{"type":"switch","ts":-0,"from":"1","to":"2","reason":"yield","depth":12.25}',
      '{"type":"switch","ts":123456789012345678901,"from":"1","to":"2","reason":"yield"}',
      '{"type":"switch","ts":9007199254740993,"from":"1","to":"2","reason":"yield"}',
      '{"type":"mark","ts":5000,"kind":"loop-blocked","message":"slow","ms":150.75}',
      '{"type":"switch","ts":01,"from":"1","to":"2","reason":"yield"}',
      '{"type":"switch","ts":1.,"from":"1","to":"2","reason":"yield"}',
      '{"type":"switch","ts":1.e5,"from":"1","to":"2","reason":"yield"}',
      '{"type":"switch","ts":-,"from":"1","to":"2","reason":"yield"}',
      '{"type":"switch","ts":1e,"from":"1","to":"2","reason":"yield"}',
      '{"type":"switch","ts":+1,"from":"1","to":"2","reason":"yield"}',
      '{"type":"switch","ts":2,"from":"1","to":"2","reason":"yield","line":0x10}',
      '{"type":"switch","ts":2,"from":"1","to":"2","reason":"yield","depth":-01}',
    ];
    const s = feedChecked(lines);
    assert.equal(s.length, T + 6);
    assert.equal(s.ts(T + 0), 1500);
    assert.equal(s.line(T + 0), -3);
    assert.equal(s.num(T + 0), -1);
    assert.equal(s.toLine(T + 1), 5);
    assert.equal(Object.is(s.ts(T + 2), -0), true);
    assert.equal(s.num(T + 2), 12.25);
    // What JSON.parse makes of these digits: the nearest double, not the integer written.
    assert.equal(s.ts(T + 3), Number('123456789012345678901'));
    assert.equal(s.ts(T + 4), Number('9007199254740993'));
    assert.equal(s.num(T + 5), 150.75);
    assert.deepEqual(
      s.problems.map((p) => p.line),
      [10, 11, 12, 13, 14, 15, 16, 17],
    );
  });

  it('leaves missing optional fields missing', () => {
    const lines = [
      HEADER,
      ...TASKS,
      '{"type":"switch","ts":6000,"from":"1","to":"2","reason":"start"}',
      sw(6001, '2', '1', 'yield', undefined),
      sw(6002, '1', '2', 'resume', ''),
      '{"type":"end","ts":6003,"task":"2","outcome":"return"}',
      '{"type":"end","ts":6004,"task":"1","outcome":"exception","value":"ValueError: x","file":"/a.py","line":2}',
      '{"type":"block","ts":6005,"task":"1","on":"timer"}',
      '{"type":"send","ts":6006,"task":"1","channel":"q"}',
      '{"type":"mark","ts":6007,"kind":"info","message":"hello"}',
      '{"type":"finish","ts":6008,"exitCode":null,"dropped":0}',
    ];
    const s = feedChecked(lines);
    assert.equal(s.value(T + 0), undefined);
    assert.equal(s.file(T + 0), undefined);
    assert.equal(s.toFile(T + 0), undefined);
    assert.equal(Number.isNaN(s.num(T + 0)), true);
    assert.equal(s.value(T + 1), undefined);
    assert.equal(s.value(T + 2), '');
    assert.equal(s.value(T + 3), undefined);
    assert.equal(s.value(T + 5), undefined);
    assert.equal(s.a(T + 7), -1);
  });

  it('gives the same events whatever byte position a line is split at, and with CRLF line endings', () => {
    const lines = [
      HEADER,
      ...TASKS,
      sw(7000, '1', '2', 'yield', '\'a "b"\''),
      sw(7001, '2', '1', 'resume', 'é'),
      '{"type":"output","ts":7002,"task":"1","stream":"stderr","text":"oops\\n"}',
      '{"ts":7003,"type":"wake","task":"2","on":"fd"}',
      'not json',
      sw(7004, '1', '2', 'yield', undefined),
    ];
    for (const eol of ['\n', '\r\n']) {
      const text = lines.join(eol) + eol;
      const whole = feed(text);
      assertSame(whole, text, eol === '\n' ? 'LF' : 'CRLF');
      assert.equal(whole.length, T + 5);
      assert.equal(whole.value(T + 0), '\'a "b"\'');
      assert.equal(whole.value(T + 1), 'é');
      assert.deepEqual(
        whole.problems.map((p) => p.line),
        [8],
      );
      for (let k = 0; k <= text.length; k++) {
        assertSame(feed(text, [k]), text, `split at ${k} (${eol === '\n' ? 'LF' : 'CRLF'})`);
      }
      // And three pieces around the longest line.
      const at = text.indexOf('"resume"');
      for (let k = at - 40; k < at + 40; k += 3) assertSame(feed(text, [k, k + 17]), text, `pieces at ${k}`);
    }
  });

  it('reports invalid lines with their line numbers, in windows with and without non-ASCII text', () => {
    const bad = [
      `{"type":"switch","ts":1,"from":"1","to":"2","reason":"yield","value":"raw\ttab"}`,
      '{"type":"switch","ts":1,"from":"1","to":"2","reason":"yield"',
      '{"type":"switch","ts":1,"from":"1","to":"2","reason":"yield"}}',
      '{"type":"switch","ts":1,"from":"1","to":"2","reason":"yield"} x',
      '{"type":"switch","ts":1,"from":"1","to":"2","reason":"yield","value":"\\x"}',
      '{"type":"switch","ts":1,"from":"1","to":"2","reason":"yield","value":"\\u12"}',
      '{"type":"switch","ts":1,"from":"1","to":"2","reason":"yield","value":null}',
      '{"type":"switch","ts":"1","from":"1","to":"2","reason":"yield"}',
      '{"type":"switch","ts":1,"from":1,"to":"2","reason":"yield"}',
      '{"type":"output","ts":1,"task":"1","stream":"stdin","text":"x"}',
      '{"type":"switch",\u0001"ts":1,"from":"1","to":"2","reason":"yield"}',
      '{"type":"switch","ts":1,"from":"1","to":"2"}',
      '[1,2]',
      '"just a string"',
      '{"type":"mystery","ts":1}',
      '{"type":"switch","ts":1,"from":"1","to":"2","reason":"yield","reason":"dup"}',
    ];
    for (const ascii of [true, false]) {
      const lines = [HEADER, ...TASKS];
      bad.forEach((b, k) => {
        lines.push(b);
        lines.push(sw(8000 + k, '1', '2', 'yield', ascii ? `ok ${k}` : `ök ${k} \u{1F600}`));
        lines.push('');
      });
      const text = lines.join('\n');
      const s = feed(text);
      assertSame(s, text, ascii ? 'ascii' : 'non-ascii');
      // Every bad line but the unknown type (skipped) and the duplicate key (valid JSON: the last wins) is reported.
      assert.equal(s.problemCount, bad.length - 2);
      assert.equal(s.problems[0].line, 4);
      assert.equal(s.unknownCount, 1);
      const dup = s.length - 2;
      assert.equal(s.reason(dup), 'dup');
      assert.equal(s.value(s.length - 1), ascii ? `ok ${bad.length - 1}` : `ök ${bad.length - 1} \u{1F600}`);
    }
  });

  it('keeps line numbers and offsets right across encode windows, huge lines and raw non-ASCII text', () => {
    const lines = [HEADER, ...TASKS];
    for (let k = 0; k < 3000; k++) {
      if (k % 500 === 7) lines.push(sw(9000 + k, '1', '2', 'yield', 'ä'.repeat(k % 7) + '\u{1F600}' + k));
      else if (k % 999 === 3) lines.push(sw(9000 + k, '1', '2', 'yield', 'y'.repeat(150000) + k));
      else if (k % 301 === 5) lines.push('oops');
      else lines.push(sw(9000 + k, k % 2 ? '2' : '1', k % 2 ? '1' : '2', k % 2 ? 'resume' : 'yield', `v${k}`, 10 + (k % 50)));
    }
    const text = lines.join('\n') + '\n';
    const s = feed(text);
    assertSame(s, text);
    assert.equal(s.problemCount, 10);
    assert.equal(s.problems[0].line, 3 + 5 + 1);
    const sizes = [1, 4093, 65536, 70001, 1 << 20];
    for (const size of sizes) {
      const cuts: number[] = [];
      for (let k = size; k < text.length; k += size) cuts.push(k);
      assertSame(feed(text, cuts), text, `chunks of ${size}`);
    }
  });
});

describe('TraceStore: compact asyncio step events', () => {
  const LOOP = '{"type":"task","ts":1002,"id":"3","kind":"event-loop","name":"event loop","parent":"1"}';
  const TASK = `{"type":"task","ts":1003,"id":"4","kind":"asyncio-task","name":"spin","parent":"1","file":"${FILE}","line":9,"codeFile":"${FILE}","codeLine":2,"loop":"3"}`;
  const compact = [
    '{"type":"step","ts":2000,"task":"4","dur":150,"line":5}',
    '{"type":"resume","ts":2200,"task":"4","line":5}',
    '{"type":"output","ts":2210,"task":"4","stream":"stdout","text":"hi\\n"}',
    '{"type":"suspend","ts":2300,"task":"4","line":7}',
    '{"type":"step","ts":2400,"task":"4","dur":50,"line":5,"toLine":7}',
  ];
  // What they stand for, as switch lines (docs/protocol.md).
  const resume = (ts: number, line: number) => `{"type":"switch","ts":${ts},"from":"3","to":"4","reason":"step","toFile":"${FILE}","toLine":${line}}`;
  const suspend = (ts: number, line: number) => `{"type":"switch","ts":${ts},"from":"4","to":"3","reason":"sleep","value":"0","file":"${FILE}","line":${line}}`;
  const verbose = [resume(2000, 5), suspend(2150, 5), resume(2200, 5), compact[2], suspend(2300, 7), resume(2400, 7), suspend(2450, 5)];

  it('are stored as the switches they stand for, by the byte scanner and by the generic path alike', () => {
    const head = [HEADER, ...TASKS, LOOP, TASK];
    const got = feedChecked([...head, ...compact]);
    const want = feedChecked([...head, ...verbose]);
    assert.equal(got.length, want.length);
    assert.equal(got.switchCount, want.switchCount);
    for (let i = 0; i < want.length; i++) assert.deepEqual(got.event(i), want.event(i), `event ${i}`);
    const { result, calls } = countingStringScans(() => feed([...head, ...compact].join('\n') + '\n'));
    assert.equal(calls, 5, 'only the header and the task lines go the generic way');
    assert.equal(result.length, want.length);
    // with whitespace and another key order: JSON.parse + expandCompact give the same
    const loose = compact.map((l) => l.replace(/,/g, ' , ').replace('"task":"4",', '').replace('{', '{"task":"4",'));
    const viaParse = feedChecked([...head, ...loose]);
    for (let i = 0; i < want.length; i++) assert.deepEqual(viaParse.event(i), want.event(i), `event ${i} (generic path)`);
  });

  it('switch with the parent when the task names no loop, and an undeclared task gets a lane of its own', () => {
    const noLoop = TASK.replace(',"loop":"3"', '');
    const s = feedChecked([HEADER, ...TASKS, LOOP, noLoop, compact[0], '{"type":"suspend","ts":3000,"task":"9","line":1}']);
    const first = s.event(T + 2);
    assert.deepEqual([first.type, (first as { from: string }).from], ['switch', '1']);
    const last = s.event(s.length - 1) as { from: string; to: string };
    assert.equal(last.from, '9');
  });

  it("a queue transfer carrying its step's start is that resume, then the transfer, by every path", () => {
    const head = [HEADER, ...TASKS, LOOP, TASK];
    const recv = (extra: string) => `{"type":"recv","ts":2100,"task":"4","channel":"asyncio.Queue#1","value":"7","msg":3${extra},"file":"${FILE}","line":6}`;
    const folded = [recv(',"stepTs":2000,"stepLine":5'), '{"type":"suspend","ts":2150,"task":"4","line":7}'];
    const want = feedChecked([...head, resume(2000, 5), recv(''), suspend(2150, 7)]);
    const { result: got, calls } = countingStringScans(() => feed([...head, ...folded].join('\n') + '\n'));
    assertSame(got, [...head, ...folded].join('\n') + '\n');
    assert.equal(calls, 5, 'the byte scanner takes the folded line');
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) assert.deepEqual(got.event(i), want.event(i), `event ${i}`);
    const viaParse = feedChecked([...head, ...folded.map((l) => l.replace(/,/g, ' , '))]);
    for (let i = 0; i < want.length; i++) assert.deepEqual(viaParse.event(i), want.event(i), `event ${i} (generic path)`);
    // a line without a file is in the task's code file, on every path
    const noFile = `{"type":"send","ts":2500,"task":"4","channel":"asyncio.Queue#1","value":"8","msg":4,"line":6}`;
    for (const st of [feedChecked([...head, noFile]), feedChecked([...head, noFile.replace(/,/g, ' , ')])]) {
      const e = st.event(st.length - 1) as { type: string; file?: string; line?: number };
      assert.deepEqual([e.type, e.file, e.line], ['send', FILE, 6]);
    }
    // ... and stays without one when its task declares no code file (the generic path too: an unknown field)
    const mainSend = (extra: string) => `{"type":"send","ts":2600,"task":"1","channel":"c","line":6${extra}}`;
    for (const st of [feedChecked([...head, mainSend('')]), feedChecked([...head, mainSend(',"x":1')])]) {
      const e = st.event(st.length - 1) as { type: string; file?: string; line?: number };
      assert.deepEqual([e.type, e.file, e.line], ['send', undefined, 6]);
    }
    // half a fold is malformed, on every path
    const bad = feedChecked([...head, recv(',"stepTs":2000'), recv(',"stepLine":5'), recv(',"stepTs":"x","stepLine":5')]);
    assert.equal(bad.problemCount, 3);
  });

  it('reject a step without dur or line like JSON.parse + validateEvent do', () => {
    feedChecked([
      HEADER,
      ...TASKS,
      '{"type":"step","ts":1,"task":"2","line":3}',
      '{"type":"resume","ts":1,"task":"2"}',
      '{"type":"step","ts":1,"task":"2","dur":"x","line":3}',
    ]);
  });
});

describe('TraceStore: compact generator switches', () => {
  // a generator declared by lane 1 in SITE (its first resume), its code in FILE
  const SITE = '/w/loop "main".py';
  const GEN = `{"type":"task","ts":1003,"id":"5","kind":"generator","name":"echo","parent":"1","file":${JSON.stringify(SITE)},"line":7,"site":"first-run","codeFile":"${FILE}","codeLine":1}`;
  const compact = [
    '{"type":"gresume","ts":2000,"task":"5","line":9,"toLine":4,"value":"0"}',
    '{"type":"output","ts":2010,"task":"5","stream":"stdout","text":"hi\\n"}',
    '{"type":"gyield","ts":2100,"task":"5","line":4,"toLine":9,"value":"0"}',
    '{"type":"gstep","ts":2200,"dur":30,"task":"5","line":4,"toLine":4,"at":9,"sent":"1","value":"\\"one\\""}',
    '{"type":"gstep","ts":2300,"dur":40,"task":"5","line":5,"toLine":4,"at":10,"value":"None"}',
    '{"type":"gresume","ts":2400,"task":"5","line":11,"toLine":5}',
  ];
  // What they stand for, as switch lines (docs/protocol.md).
  const gsw = (ts: number, from: string, to: string, reason: string, value: string | undefined, file: string, line: number, toFile: string, toLine: number) =>
    JSON.stringify({ type: 'switch', ts, from, to, reason, ...(value !== undefined ? { value } : {}), file, line, toFile, toLine });
  const verbose = [
    gsw(2000, '1', '5', 'resume', '0', SITE, 9, FILE, 4),
    compact[1],
    gsw(2100, '5', '1', 'yield', '0', FILE, 4, SITE, 9),
    gsw(2200, '1', '5', 'resume', '1', SITE, 9, FILE, 4),
    gsw(2230, '5', '1', 'yield', '"one"', FILE, 4, SITE, 9),
    gsw(2300, '1', '5', 'resume', undefined, SITE, 10, FILE, 4),
    gsw(2340, '5', '1', 'yield', 'None', FILE, 5, SITE, 10),
    gsw(2400, '1', '5', 'resume', undefined, SITE, 11, FILE, 5),
  ];

  it('are stored as the switches they stand for, by the byte scanner and by the generic path alike', () => {
    const head = [HEADER, ...TASKS, GEN];
    const got = feedChecked([...head, ...compact]);
    const want = feedChecked([...head, ...verbose]);
    assert.equal(got.length, want.length);
    assert.equal(got.switchCount, want.switchCount);
    for (let i = 0; i < want.length; i++) assert.deepEqual(got.event(i), want.event(i), `event ${i}`);
    const { result, calls } = countingStringScans(() => feed([...head, ...compact].join('\n') + '\n'));
    assert.equal(calls, T + 2, 'only the header and the task lines go the generic way');
    assert.equal(result.length, want.length);
    // with whitespace and another key order: JSON.parse + expandCompact give the same
    const loose = compact.map((l) => l.replace(/,"/g, ' , "').replace('"task":"5" ,', '').replace('{', '{"task":"5",'));
    const viaParse = feedChecked([...head, ...loose]);
    for (let i = 0; i < want.length; i++) assert.deepEqual(viaParse.event(i), want.event(i), `event ${i} (generic path)`);
    // and expandCompact itself, as the runtime tests' reader uses it
    const decl = JSON.parse(GEN) as TaskEvent;
    const expanded = compact.flatMap((l) => {
      const e = validateEvent(JSON.parse(l));
      assert.ok(typeof e !== 'string', String(e));
      return isCompact(e) ? expandCompact(e, decl) : [e];
    });
    assert.deepEqual(
      expanded,
      verbose.map((l) => JSON.parse(l)),
    );
  });

  it('a run of turns (gsteps) is stored as the gresume/gyield pairs it stands for, turn by turn', () => {
    const head = [HEADER, ...TASKS, GEN];
    const runs = [
      // three turns: ints as numbers, a string as itself, an unknown sent value as null
      '{"type":"gsteps","ts":3000,"dur":[10, 20, 30, 40, 50],"task":"5","line":4,"toLine":4,"at":9,"sent":[1,"\'x\'",null],"value":[1,"None",-3]}',
      '{"type":"output","ts":3200,"task":"5","stream":"stdout","text":"hi\\n"}',
      // no value sent known (next(g), a for loop): no sent at all; an int beyond 2**53 as its text
      '{"type":"gsteps","ts":3300,"dur":[5, 6, 7],"task":"5","line":5,"toLine":4,"at":10,"value":[9007199254740991,"9007199254740993"]}',
      // one turn
      '{"type":"gsteps","ts":3400,"dur":[8],"task":"5","line":5,"toLine":4,"at":10,"value":[0]}',
    ];
    const verbose = [
      gsw(3000, '1', '5', 'resume', '1', SITE, 9, FILE, 4),
      gsw(3010, '5', '1', 'yield', '1', FILE, 4, SITE, 9),
      gsw(3030, '1', '5', 'resume', "'x'", SITE, 9, FILE, 4),
      gsw(3060, '5', '1', 'yield', 'None', FILE, 4, SITE, 9),
      gsw(3100, '1', '5', 'resume', undefined, SITE, 9, FILE, 4),
      gsw(3150, '5', '1', 'yield', '-3', FILE, 4, SITE, 9),
      runs[1],
      gsw(3300, '1', '5', 'resume', undefined, SITE, 10, FILE, 4),
      gsw(3305, '5', '1', 'yield', '9007199254740991', FILE, 5, SITE, 10),
      gsw(3311, '1', '5', 'resume', undefined, SITE, 10, FILE, 4),
      gsw(3318, '5', '1', 'yield', '9007199254740993', FILE, 5, SITE, 10),
      gsw(3400, '1', '5', 'resume', undefined, SITE, 10, FILE, 4),
      gsw(3408, '5', '1', 'yield', '0', FILE, 5, SITE, 10),
    ];
    const got = feedChecked([...head, ...runs]);
    const want = feedChecked([...head, ...verbose]);
    assert.equal(got.length, want.length);
    assert.equal(got.switchCount, want.switchCount);
    for (let i = 0; i < want.length; i++) {
      assert.deepEqual(got.event(i), want.event(i), `event ${i}`);
      assert.equal(got.ts(i), want.ts(i), `ts ${i}`);
    }
    // and expandCompact itself, as the runtime tests' reader uses it
    const decl = JSON.parse(GEN) as TaskEvent;
    const expanded = runs.flatMap((l) => {
      const e = validateEvent(JSON.parse(l));
      assert.ok(typeof e !== 'string', String(e));
      return isCompact(e) ? expandCompact(e, decl) : [e];
    });
    assert.deepEqual(
      expanded,
      verbose.map((l) => JSON.parse(l)),
    );
  });

  it('reject a gsteps whose arrays do not agree (2n - 1 durations, n values, n sent), or whose ints are not exact', () => {
    const bad = [
      '{"type":"gsteps","ts":1,"dur":[1, 2],"task":"5","line":4,"toLine":4,"at":9,"value":[1,2]}',
      '{"type":"gsteps","ts":1,"dur":[],"task":"5","line":4,"toLine":4,"at":9,"value":[]}',
      '{"type":"gsteps","ts":1,"dur":[1],"task":"5","line":4,"toLine":4,"at":9,"sent":[1,2],"value":[1]}',
      '{"type":"gsteps","ts":1,"dur":[1],"task":"5","line":4,"toLine":4,"at":9,"value":[9007199254740993]}',
      '{"type":"gsteps","ts":1,"dur":[1],"task":"5","line":4,"toLine":4,"at":9,"value":[null]}',
      '{"type":"gsteps","ts":1,"dur":[1],"task":"5","line":4,"toLine":4,"value":[1]}',
      '{"type":"gsteps","ts":1,"dur":["1"],"task":"5","line":4,"toLine":4,"at":9,"value":[1]}',
    ];
    const s = feedChecked([HEADER, ...TASKS, GEN, ...bad]);
    assert.equal(s.problemCount, bad.length);
    assert.equal(s.length, T + 1);
  });

  it('reject lines without toLine, a gyield or gstep without value, a gstep without dur or at, like JSON.parse + validateEvent do', () => {
    feedChecked([
      HEADER,
      ...TASKS,
      GEN,
      '{"type":"gresume","ts":1,"task":"5","line":3}',
      '{"type":"gyield","ts":1,"task":"5","line":3,"toLine":4}',
      '{"type":"gstep","ts":1,"task":"5","line":3,"toLine":4,"at":9,"value":"1"}',
      '{"type":"gstep","ts":1,"dur":3,"task":"5","line":3,"toLine":4,"value":"1"}',
      '{"type":"gstep","ts":1,"dur":3,"task":"5","line":3,"toLine":4,"at":9,"sent":1,"value":"1"}',
    ]);
  });
});
