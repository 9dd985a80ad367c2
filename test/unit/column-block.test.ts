// The column codec (trace/column-block.ts, issue 19 part 6): a store's rows encoded block by block while a streaming
// reader still holds them, imported in order into a fresh store, give that store the same trace as a store that
// scanned the JSON Lines: every row's event, the lanes, the header, the counts and the problems.
import * as assert from 'node:assert/strict';
import { ColumnBlockEncoder, importColumnBlocks } from '../../trace/column-block';
import { TraceStore } from '../../trace/store';
import { feed, traceFixture } from './helpers';

/** The trace fed in chunks of `size` to a store that lets rows go, each chunk's rows encoded before they go. */
function encoded(bytes: Uint8Array, size: number): { blocks: Uint8Array[]; source: TraceStore } {
  const s = new TraceStore();
  const enc = new ColumnBlockEncoder();
  const blocks: Uint8Array[] = [];
  const each = (from: number) => blocks.push(enc.encode(s, from, s.length));
  for (let at = 0; at < bytes.length; at += size) {
    const from = s.length;
    s.appendBytes(bytes.subarray(at, at + size));
    each(from);
    s.releaseBefore(s.length);
  }
  const from = s.length;
  s.end();
  each(from);
  return { blocks, source: s };
}

function imported(blocks: Uint8Array[], joined: boolean): TraceStore {
  const s = new TraceStore();
  if (!joined) for (const b of blocks) importColumnBlocks(s, b.slice());
  else {
    const all = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of blocks) {
      all.set(b, at);
      at += b.length;
    }
    importColumnBlocks(s, all);
  }
  return s;
}

function assertSameTrace(got: TraceStore, want: TraceStore): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.deepEqual(got.event(i), want.event(i), `row ${i}`);
  assert.deepEqual(got.tasks, want.tasks);
  assert.deepEqual(got.header, want.header);
  assert.equal(got.startTs, want.startTs);
  assert.equal(got.switchCount, want.switchCount);
  assert.equal(got.problemCount, want.problemCount);
  assert.equal(got.unknownCount, want.unknownCount);
  assert.deepEqual(got.problems, want.problems);
  // Ids mean the same: the layout groups rows by them.
  for (let i = 0; i < want.length; i += 13) {
    assert.equal(got.siteId(i), want.siteId(i));
    assert.equal(got.site2Id(i), want.site2Id(i));
    assert.equal(got.reasonId(i), want.reasonId(i));
  }
}

describe('column blocks (trace/column-block.ts)', () => {
  // Hostile values (escapes, wide characters, lone surrogates, long strings), renames, compact steps, transfers, bad lines.
  for (const name of [
    'cli-hostile.jsonl',
    'webview-xss.jsonl',
    'lens-runtime-asyncio.jsonl',
    'lens-runtime-gevent.jsonl',
    'cli-bad-lines.jsonl',
    'screen-causes.jsonl',
  ]) {
    it(`${name}: the imported store equals the scanned one, one block per chunk and blocks joined`, () => {
      const bytes = new TextEncoder().encode(traceFixture(name));
      const want = feed(bytes);
      for (const size of [1 << 20, 997]) {
        const { blocks } = encoded(bytes, size);
        assertSameTrace(imported(blocks, false), want);
        assertSameTrace(imported(blocks, true), want);
      }
    });
  }

  it('a trace of many chunks and values (released as it is read) imports whole; ts that are not integers stay exact', () => {
    const lines = [
      '{"type":"header","schema":1,"runtime":"t","python":"3.11","capture":"settrace","script":"/p/a.py","argv":[],"cwd":"/p","pid":1,"start":0,"ts":0.1}',
    ];
    for (let l = 1; l <= 30; l++) lines.push(JSON.stringify({ type: 'task', ts: l + 0.3, id: String(l), kind: 'greenlet', name: `g${l}`, parent: null }));
    for (let i = 0; i < 80_000; i++) {
      const value = i % 3 === 0 ? "'ok'" : `'v${i} ${'é'.repeat(i % 5)}${'\u{1F600}'.repeat(i % 2)}'`;
      lines.push(
        JSON.stringify({
          type: 'switch',
          ts: 1e9 + i * 0.7,
          from: String(1 + (i % 30)),
          to: String(1 + ((i + 1) % 30)),
          reason: 'switch',
          value,
          file: `/p/m${i % 40}.py`,
          line: i % 300,
        }),
      );
    }
    const bytes = new TextEncoder().encode(lines.join('\n') + '\n');
    const want = feed(bytes);
    const { blocks, source } = encoded(bytes, 1 << 18);
    assert.ok(source.released > 0, 'the encoding store let rows go');
    assertSameTrace(imported(blocks, true), want);
  });

  it('columns too wide to narrow (many values in one block, a gap of seconds, nums on every row) come back exact', () => {
    const lines = [
      '{"type":"header","schema":1,"runtime":"t","python":"3.11","capture":"settrace","script":"/p/a.py","argv":[],"cwd":"/p","pid":1,"start":0,"ts":0}',
    ];
    for (let l = 1; l <= 3; l++) lines.push(JSON.stringify({ type: 'task', ts: l, id: String(l), kind: 'generator', name: `g${l}`, parent: null }));
    let ts = 1_000_000_000;
    for (let i = 0; i < 40_000; i++) {
      // A gap of 5 s (no longer an i32 delta of ns) now and then; every switch has a depth (num dense).
      ts += i % 10_000 === 9_999 ? 5_000_000_000 : 1000 + (i % 7);
      lines.push(
        JSON.stringify({
          type: 'switch',
          ts,
          from: String(1 + (i % 3)),
          to: String(1 + ((i + 1) % 3)),
          reason: 'resume',
          value: `'${i}'`,
          depth: i % 4,
          file: '/p/a.py',
          line: 1 + (i % 50_000),
        }),
      );
    }
    const bytes = new TextEncoder().encode(lines.join('\n') + '\n');
    const want = feed(bytes);
    const s = new TraceStore();
    s.appendBytes(bytes);
    s.end();
    // One block of every row: 40,000 distinct values (indices past an i16).
    const block = new ColumnBlockEncoder().encode(s, 0, s.length);
    assertSameTrace(imported([block], false), want);
  });

  it('refuses blocks out of order and bytes that are not a block', () => {
    const bytes = new TextEncoder().encode(traceFixture('cli-pingpong.jsonl'));
    const { blocks } = encoded(bytes, 512);
    assert.ok(blocks.length > 2);
    assert.throws(() => importColumnBlocks(new TraceStore(), blocks[1].slice()), /out of order/);
    assert.throws(() => importColumnBlocks(new TraceStore(), new Uint8Array(64)), /not a column block/);
  });
});
