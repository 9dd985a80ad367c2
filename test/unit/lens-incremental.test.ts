import * as assert from 'node:assert/strict';
import { analyze, IncrementalAnalyzer, type Analysis } from '../../extension/server/analysis';
import { PythonSource } from '../../extension/server/parse';
import { parser, readFixture } from './lens-helpers';

/** What the user sees of an analysis: points, defs, findings, positions included. */
function view(a: Analysis): string[] {
  return [
    ...a.points.map(
      (p) => `P ${p.line}:${p.col}-${p.endLine}:${p.endCol} ${p.label} scope=${p.scope >= 0 ? a.defs[p.scope].name + '@' + a.defs[p.scope].line : '-'}`,
    ),
    ...a.defs.map((d) => `D ${d.line} ${d.headLine} ${d.kind} ${d.name} ${d.nameSpan.col}`),
    ...a.findings.map((f) => `F ${f.line}:${f.col} ${f.code} ${JSON.stringify(f.fix?.edits ?? null)}`),
  ];
}

// A deterministic pseudo-random sequence, so a failure replays.
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

describe('lens: incremental analysis', () => {
  it('after every edit, equals a fresh analysis of the same text (300 random edits over the fixtures)', async () => {
    const b = await parser();
    const text = ['constructs.py', 'gevent_unpatched.py', 'producer_consumer.py', 'blocking_async.py', 'tasklets.py', 'near_misses.py']
      .map(readFixture)
      .join('\n');
    const src = new PythonSource(b, text);
    const inc = new IncrementalAnalyzer(b.language);
    inc.analyze(src.tree.rootNode, src.takeChanges());
    const rand = rng(42);
    const snippets = [
      '\n',
      '    ',
      'x',
      'yield 1\n',
      'import asyncio\n',
      'from gevent import monkey\nmonkey.patch_all()\n',
      '"""',
      ')',
      'async ',
      'def f():\n',
      '#',
      '',
    ];
    for (let step = 0; step < 300; step++) {
      const lines = src.text.split('\n');
      const line = Math.floor(rand() * lines.length);
      const col = Math.floor(rand() * (lines[line].length + 1));
      const del = rand() < 0.3 ? Math.floor(rand() * 12) : 0;
      const endOff = Math.min(src.text.length, src.offsetAt({ line, character: col }) + del);
      const before = src.text.slice(0, endOff).split('\n');
      const end = { line: before.length - 1, character: before[before.length - 1].length };
      const ins = snippets[Math.floor(rand() * snippets.length)];
      src.applyChanges([{ range: { start: { line, character: col }, end }, text: ins }]);
      if (rand() < 0.5 && step % 7 !== 0) continue; // several edits between analyses, too
      const got = view(inc.analyze(src.tree.rootNode, src.takeChanges()));
      const fresh = new PythonSource(b, src.text);
      const want = view(analyze(fresh.tree.rootNode, b.language));
      fresh.dispose();
      assert.deepEqual(got, want, `step ${step}: edit at ${line}:${col} (+${JSON.stringify(ins)}, -${del})`);
    }
    src.dispose();
  });

  it('keeps the tree in step with the text through multi-change edits', async () => {
    const b = await parser();
    const src = new PythonSource(b, 'def g():\n    yield 1\n');
    src.applyChanges([
      { range: { start: { line: 1, character: 4 }, end: { line: 1, character: 11 } }, text: 'x = yield 2' },
      { range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: '\nasync def h():\n    await z\n' },
    ]);
    assert.equal(src.text, 'def g():\n    x = yield 2\n\nasync def h():\n    await z\n');
    assert.equal(src.tree.rootNode.text, src.text);
    src.applyChanges([{ text: 'print(1)\n' }]);
    assert.equal(src.tree.rootNode.text, 'print(1)\n');
    src.dispose();
  });
});

describe('lens: parsing in chunks', () => {
  it("a surrogate pair across the parser's 16 KiB read boundary keeps positions right", async () => {
    const b = await parser();
    for (const shift of [0, 1, 2]) {
      const pad = '#' + 'x'.repeat(16384 - 3 - shift) + '\n'; // puts the emoji at the boundary
      const text = `${pad}s = "\u{1F600}\u{1F600}"; x = yield s\n`;
      const src = new PythonSource(b, text);
      const a = analyze(src.tree.rootNode, b.language);
      const line = text.split('\n')[1];
      assert.equal(a.points.length, 1);
      assert.equal(line.slice(a.points[0].col, a.points[0].col + 5), 'yield');
      src.dispose();
    }
  });
});
