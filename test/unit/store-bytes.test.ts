// TraceStore.appendBytes: the runtime's JSON Lines as UTF-8 bytes (socket, file, webview message) must give
// exactly what appendText gives on the same text — whatever byte a chunk ends at, even inside a multi-byte
// character — with the same problems at the same line numbers.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TraceStore } from '../../trace/store';
import { FILE, HEADER, ROOT, countingStringScans, feed } from './helpers';

const traces = join(ROOT, 'test/fixtures/traces');
const enc = new TextEncoder();

/** Everything a store holds, as one comparable string (events with their extras, lanes, header, problems). */
function snapshot(s: TraceStore): string {
  const events: unknown[] = [];
  for (let i = 0; i < s.length; i++) {
    events.push([
      s.event(i),
      s.extra(i) ?? null,
      s.ts(i),
      s.rel(i),
      s.value(i) ?? null,
      s.file(i) ?? null,
      s.line(i),
      s.toFile(i) ?? null,
      s.toLine(i),
      Number.isNaN(s.num(i)) ? 'NaN' : s.num(i),
    ]);
  }
  return JSON.stringify({
    events,
    tasks: s.tasks,
    header: s.header ?? null,
    problems: s.problems,
    problemCount: s.problemCount,
    unknown: s.unknownCount,
    switches: s.switchCount,
  });
}

const TASKS = [
  '{"type":"task","ts":1000,"id":"1","kind":"main","name":"main","parent":null}',
  `{"type":"task","ts":1001,"id":"2","kind":"generator","name":"gén 😀","parent":"1","file":"${FILE}","line":3}`,
];
function sw(ts: number, value: string, from = '1', to = '2', reason = 'yield'): string {
  return `{"type":"switch","ts":${ts},"from":"${from}","to":"${to}","reason":"${reason}","value":${JSON.stringify(value)},"file":"${FILE}","line":10,"toFile":"${FILE}","toLine":11}`;
}

describe('TraceStore.appendBytes', () => {
  const fixtures = readdirSync(traces).filter((f) => f.endsWith('.jsonl'));

  it('gives what appendText gives for every fixture split in two: at every byte of its first 512, around every line end, inside every non-ASCII character', () => {
    assert.ok(fixtures.length >= 10, 'the fixtures are there');
    for (const f of fixtures) {
      const bytes = readFileSync(join(traces, f));
      const want = snapshot(feed(bytes.toString('utf8')));
      assert.equal(snapshot(feed(bytes)), want, `${f} whole`);
      // (Each store allocates a 2.7 MB column chunk, so not all ~70,000 positions: these cover every state a cut can leave.)
      for (let k = 0; k <= bytes.length; k++) {
        const nl = bytes.indexOf(10, k);
        const nearEnd = nl < 0 ? bytes.length - k < 4 : nl - k < 3;
        if (!(k <= 512 || nearEnd || (k > 0 && bytes[k - 1] === 10) || bytes[k] >= 0x80 || bytes[k - 1] >= 0x80)) continue;
        const got = snapshot(feed(bytes, [k]));
        if (got !== want) assert.equal(got, want, `${f} split at byte ${k}`);
      }
    }
  });

  it('gives what appendText gives for every fixture fed one byte at a time, and in 7-byte pieces', () => {
    for (const f of fixtures) {
      const bytes = readFileSync(join(traces, f));
      const want = snapshot(feed(bytes.toString('utf8')));
      const ones = Array.from({ length: bytes.length }, (_, k) => k + 1);
      assert.equal(snapshot(feed(bytes, ones)), want, `${f} byte by byte`);
      const sevens = ones.filter((k) => k % 7 === 0);
      assert.equal(snapshot(feed(bytes, sevens)), want, `${f} 7-byte pieces`);
    }
  });

  it('decodes raw (unescaped) UTF-8 — 2, 3 and 4-byte characters — in values, names, paths and bad lines, cut inside any character', () => {
    const lines = [
      HEADER,
      ...TASKS,
      sw(2000, 'café ü'),
      sw(2001, '€ 中文 😀 \u2028', '2', '1', 'résumé'),
      sw(2002, '😀'.repeat(40)),
      `{"type":"output","ts":2003,"task":"1","stream":"stdout","text":"naïve 😀\\n"}`,
      `{"type":"switch","ts":2004,"from":"1","to":"2","reason":"yield","file":"/home/jörg/😀.py","line":4}`,
      `{"type":"switch","ts":2005,"from":"1","to":"2","reason":"yield","value":"😀 not closed}`,
      `{"type":"mark","ts":2006,"kind":"loop-blocked","message":"tâche bloquée 300 ms","ms":300}`,
      `{"type":"switch","ts":2007,"from":"1","to":"2","reason":"yield","value":"🙂","file":"${FILE}","line":5}`,
    ];
    for (const eol of ['\n', '\r\n']) {
      const text = lines.join(eol) + eol;
      const bytes = enc.encode(text);
      const base = feed(text);
      const want = snapshot(base);
      assert.equal(base.length, TASKS.length + 7);
      assert.equal(base.problemCount, 1, 'the unclosed string');
      for (let k = 0; k <= bytes.length; k++) assert.equal(snapshot(feed(bytes, [k])), want, `split at byte ${k}`);
      // Three pieces, both cuts inside the same 4-byte character.
      const emoji = bytes.indexOf(0xf0);
      assert.equal(snapshot(feed(bytes, [emoji + 1, emoji + 3])), want);
      const s = feed(bytes, [emoji + 2]);
      assert.equal(s.tasks[1].name, 'gén 😀');
      assert.equal(s.value(TASKS.length + 1), '€ 中文 😀 \u2028');
      assert.equal(s.reason(TASKS.length + 1), 'résumé');
      assert.equal(s.value(TASKS.length + 2), '😀'.repeat(40));
      assert.equal(s.file(TASKS.length + 4), '/home/jörg/😀.py');
    }
  });

  it('reads invalid UTF-8 as replacement characters, like decoding the bytes to text first', () => {
    const good = enc.encode(sw(2000, 'ok') + '\n');
    const bad = new Uint8Array([...enc.encode(sw(2001, 'XX').slice(0, -40)), 0xff, 0xc3, ...enc.encode(sw(2001, 'XX').slice(-40)), 10]);
    // A value with a stray continuation byte and a truncated 3-byte sequence.
    const v = enc.encode(sw(2002, 'AB'));
    const at = v.indexOf(65);
    const odd = new Uint8Array([...v.subarray(0, at + 1), 0x80, 0xe2, 0x82, ...v.subarray(at + 1), 10]);
    const bytes = new Uint8Array([...enc.encode(HEADER + '\n' + TASKS.join('\n') + '\n'), ...good, ...bad, ...odd]);
    const want = snapshot(feed(new TextDecoder().decode(bytes)));
    for (let k = 0; k <= bytes.length; k++) assert.equal(snapshot(feed(bytes, [k])), want, `split at byte ${k}`);
    assert.equal(feed(bytes).value(TASKS.length + 2), 'A\ufffd\ufffdB');
  });

  it("takes the runtime's lines as bytes without the string scanner or JSON.parse", () => {
    const lines = [HEADER, ...TASKS];
    for (let k = 0; k < 300; k++) lines.push(sw(3000 + k, `'item ${k % 50}'`, k % 2 ? '1' : '2', k % 2 ? '2' : '1'));
    const { result: s, calls: slow } = countingStringScans(() => feed(enc.encode(lines.join('\n') + '\n'), [1000, 5000, 5001]));
    assert.equal(s.length, TASKS.length + 300);
    assert.equal(slow, 3, 'only the header and the two task lines go the generic way');
    assert.equal(s.value(TASKS.length + 299), "'item 49'");
  });

  it('keeps line numbers across windows, long lines and pieces; copies what it keeps (the caller may reuse its buffer)', () => {
    const lines = [HEADER, ...TASKS];
    for (let k = 0; k < 3000; k++) {
      if (k % 500 === 7)
        lines.push('{"type":"switch","ts":1,"from":"1"'); // bad
      else if (k % 700 === 3) lines.push(sw(4000 + k, 'x'.repeat(70000 + k)));
      else lines.push(sw(4000 + k, `v${k}`));
    }
    const text = lines.join('\n') + '\n';
    const bytes = Buffer.from(text, 'utf8');
    const want = snapshot(feed(text));
    // Node Buffers (the socket's) in 64 KB pieces, each overwritten right after it was appended.
    const s = new TraceStore();
    const piece = Buffer.alloc(65536);
    for (let at = 0; at < bytes.length; at += piece.length) {
      const n = bytes.copy(piece, 0, at, at + piece.length);
      s.appendBytes(piece.subarray(0, n));
      piece.fill(0x41);
    }
    s.end();
    assert.equal(snapshot(s), want);
    assert.deepEqual(
      s.problems.map((p) => p.line),
      [11, 511, 1011, 1511, 2011, 2511],
    );
  });

  it('mixes with appendText and flushes a last line without newline on end()', () => {
    const text = [HEADER, ...TASKS, sw(5000, 'é1'), sw(5001, 'é2'), sw(5002, 'é3')].join('\n');
    const want = snapshot(feed(text));
    const bytes = enc.encode(text);
    const boundary = (k: number) => {
      while ((bytes[k] & 0xc0) === 0x80) k++;
      return k;
    }; // not inside a character
    for (const at of [10, 400, 700, bytes.length - 60]) {
      const cut = boundary(at),
        cut2 = boundary(cut + 50);
      const s = new TraceStore();
      s.appendBytes(bytes.subarray(0, cut));
      s.appendText(new TextDecoder().decode(bytes.subarray(cut, cut2)));
      s.appendBytes(bytes.subarray(cut2));
      s.end();
      assert.equal(snapshot(s), want, `cut ${cut}`);
    }
    const s = feed(bytes);
    assert.equal(s.length, TASKS.length + 3, 'the last line, without newline, is flushed by end()');
    assert.equal(feed(enc.encode('\n\n  \n')).length, 0);
  });
});
