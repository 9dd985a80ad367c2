import * as assert from 'node:assert/strict';
import { analyzeText, labelsByLine, lineOf, readFixture } from './lens-helpers';

describe('lens: yield-point analysis', () => {
  it('finds generator, coroutine and thread yield points with their kinds', async () => {
    const text = readFixture('constructs.py');
    const { a } = await analyzeText(text);
    const at = labelsByLine(a);
    assert.deepEqual(at.get(lineOf(text, 'x = yield 1')), ['yield']);
    assert.deepEqual(at.get(lineOf(text, 'yield from sub()')), ['yield from']);
    assert.deepEqual(at.get(lineOf(text, 'await asyncio.sleep(0.1)')), ['await asyncio.sleep']);
    assert.deepEqual(at.get(lineOf(text, 'async for item')), ['async for']);
    assert.deepEqual(at.get(lineOf(text, 'async with lock')), ['async with']);
    assert.deepEqual(at.get(lineOf(text, 'asyncio.gather(a(), b())')), ['await asyncio.gather']);
    // q.get() inside a coroutine makes an awaitable: only the await is a point.
    assert.deepEqual(at.get(lineOf(text, 'asyncio.wait_for(')), ['await asyncio.wait_for']);
    assert.deepEqual(at.get(lineOf(text, 'v async for v')), ['async for']);
    assert.deepEqual(at.get(lineOf(text, 'job = jobs.get()')), ['queue get']);
    assert.deepEqual(at.get(lineOf(text, 'jobs.put(job)')), ['queue put']);
    assert.deepEqual(at.get(lineOf(text, 't.join()')), ['thread join']);
    assert.deepEqual(at.get(lineOf(text, 'jobs.get(True, 1)')), ['queue get']);
    const kinds = Object.fromEntries(a.defs.map((d) => [d.name, d.kind]));
    assert.deepEqual(kinds, { gen: 'generator', sub: 'generator', worker: 'coroutine', aiter_items: 'async-generator', thread_main: 'function' });
  });

  it('finds greenlet switch and throw', async () => {
    const text = readFixture('greenlets.py');
    const at = labelsByLine((await analyzeText(text)).a);
    assert.deepEqual(at.get(lineOf(text, 'gr2.switch()')), ['greenlet switch']);
    assert.deepEqual(at.get(lineOf(text, '    gr1.switch()')), ['greenlet switch']);
    assert.deepEqual(at.get(lineOf(text, 'gr2.throw(')), ['greenlet throw']);
    assert.equal(at.get(lineOf(text, 'gr1 = greenlet(test1)')), undefined, 'creating a greenlet is not a switch');
  });

  it('finds gevent points and monkey-patched blocking I/O', async () => {
    const text = readFixture('gevent_patched.py');
    const { a } = await analyzeText(text);
    const at = labelsByLine(a);
    assert.deepEqual(at.get(lineOf(text, 'urlopen(url)')), ['urlopen → gevent hub']);
    assert.deepEqual(at.get(lineOf(text, 'time.sleep(0.01)')), ['time.sleep → gevent hub']);
    assert.deepEqual(at.get(lineOf(text, 'create_connection')), ['socket create_connection → gevent hub']);
    assert.deepEqual(at.get(lineOf(text, 's.sendall')), ['socket sendall → gevent hub']);
    assert.deepEqual(at.get(lineOf(text, 's.recv(100)')), ['socket recv → gevent hub']);
    assert.deepEqual(at.get(lineOf(text, 'gevent.sleep(0)')), ['gevent.sleep']);
    assert.deepEqual(at.get(lineOf(text, 'gevent.joinall(')), ['gevent.joinall']);
    assert.deepEqual(at.get(lineOf(text, 'g.join()')), ['greenlet join']);
    assert.deepEqual(at.get(lineOf(text, 'g.get()')), ['greenlet get']);
    assert.equal(a.findings.length, 0, 'patched gevent code has nothing to warn about');
  });

  it('finds stackless channel send/receive and schedule', async () => {
    const text = readFixture('tasklets.py');
    const at = labelsByLine((await analyzeText(text)).a);
    assert.deepEqual(at.get(lineOf(text, 'ch.send(i)')), ['channel send']);
    assert.deepEqual(at.get(lineOf(text, 'ch.receive()')), ['channel receive']);
    assert.deepEqual(at.get(lineOf(text, 'stackless.schedule()')), ['stackless.schedule']);
    assert.equal(at.get(lineOf(text, 'ch = stackless.channel()')), undefined);
  });

  it('sees the seed producer/consumer: the yield and both sends', async () => {
    const text = readFixture('producer_consumer.py');
    const { a } = await analyzeText(text);
    const at = labelsByLine(a);
    assert.deepEqual([...at.keys()], [lineOf(text, 'n = yield r'), lineOf(text, 'c.send(None)'), lineOf(text, 'r = c.send(n)')]);
    assert.deepEqual(
      a.defs.map((d) => `${d.name}:${d.kind}`),
      ['consumer:generator', 'produce:function'],
    );
  });

  it('ignores yield in strings and comments, string joins and dict gets; a nested def or lambda owns its yield', async () => {
    const text = readFixture('near_misses.py');
    const { a } = await analyzeText(text);
    const at = labelsByLine(a);
    assert.deepEqual(
      [...at.keys()].sort((x, y) => x - y),
      [lineOf(text, '        yield 1'), lineOf(text, 'lambda: (yield)')],
    );
    const kind = (n: string) => a.defs.find((d) => d.name === n)?.kind;
    assert.equal(kind('outer'), 'function', 'a yield in a nested def does not make the outer def a generator');
    assert.equal(kind('inner'), 'generator');
    assert.equal(kind('with_lambda'), 'function', 'a yield in a lambda belongs to the lambda');
    const lam = a.points.find((p) => p.line + 1 === lineOf(text, 'lambda: (yield)'))!;
    assert.equal(a.defs[lam.scope].kind, 'lambda');
  });

  it('survives half-typed code and syntax errors, still finding the intact points', async () => {
    const text = readFixture('half_typed.py');
    const { a } = await analyzeText(text);
    assert.equal(a.hasErrors, true);
    const at = labelsByLine(a);
    assert.deepEqual(at.get(lineOf(text, 'await asyncio.sleep(1)')), ['await asyncio.sleep']);
    assert.deepEqual(at.get(lineOf(text, '    yield 1')), ['yield']);
    for (const junk of ['def', 'async def f(:\n  await', 'yield', 'x = (yield', '\u0000\uFFFD\uD800 yield', 'await await await', '"""unterminated\nyield']) {
      assert.doesNotThrow(() => void analyzeText(junk));
      await analyzeText(junk);
    }
  });

  it('reads text decoded from non-UTF-8 bytes (replacement characters, Latin-1) without losing positions', async () => {
    const bytes = readFixture('latin1.py'); // invalid UTF-8 → U+FFFD, as VS Code decodes it
    assert.ok(bytes.includes('\uFFFD'));
    const { a } = await analyzeText(bytes);
    const p = a.points.find((x) => x.label === 'yield')!;
    assert.equal(p.line + 1, 3);
    const line = bytes.split('\n')[2];
    assert.equal(line.slice(p.col, p.col + 5), 'yield');
    const { a: a2 } = await analyzeText('def g():\n    s = "\u00e9\u{1F600}"; x = yield s\n');
    const p2 = a2.points[0];
    assert.equal('    s = "\u00e9\u{1F600}"; x = yield s'.slice(p2.col, p2.col + 5), 'yield', 'columns are UTF-16 code units, as in LSP');
  });

  it('warns about blocking calls inside async def, with a quick fix for time.sleep', async () => {
    const text = readFixture('blocking_async.py');
    const { a } = await analyzeText(text);
    const byLine = new Map(a.findings.map((f) => [f.line + 1, f]));
    const sleep = byLine.get(lineOf(text, 'time.sleep(0.5)'))!;
    assert.equal(sleep.code, 'sleep-in-async');
    assert.equal(sleep.severity, 'warning');
    assert.match(sleep.message, /blocks the event loop/);
    assert.deepEqual(
      sleep.fix?.edits.map((e) => e.newText),
      ['await asyncio.sleep', 'import asyncio\n'],
    );
    // The fix applied gives code that awaits asyncio.sleep and imports asyncio.
    const fixed = applyEdits(text, sleep.fix!.edits);
    assert.match(fixed, /^import asyncio$/m);
    assert.match(fixed, /await asyncio\.sleep\(0\.5\)/);
    assert.equal(byLine.get(lineOf(text, 'requests.get(url)'))?.code, 'blocking-io-in-async');
    assert.equal(byLine.get(lineOf(text, 'urllib.request.urlopen(url)'))?.code, 'blocking-io-in-async');
    assert.equal(byLine.get(lineOf(text, 'socket.create_connection'))?.code, 'blocking-io-in-async');
    const fine = text.split('\n').lastIndexOf('    time.sleep(0.5)') + 1;
    assert.equal(byLine.get(fine), undefined, 'time.sleep in a plain def is fine');
  });

  it('the time.sleep fix reuses an existing asyncio import', async () => {
    const text = readFixture('async_blocked.py');
    const { a } = await analyzeText(text);
    const f = a.findings.find((x) => x.code === 'sleep-in-async')!;
    assert.deepEqual(
      f.fix?.edits.map((e) => e.newText),
      ['await asyncio.sleep'],
    );
  });

  it('warns about socket I/O and time.sleep in gevent code without monkey.patch_all()', async () => {
    const text = readFixture('gevent_unpatched.py');
    const { a } = await analyzeText(text);
    const codes = a.findings.map((f) => `${f.line + 1}:${f.code}`);
    assert.deepEqual(codes, [
      `${lineOf(text, 'create_connection')}:gevent-unpatched-io`,
      `${lineOf(text, 'sendall')}:gevent-unpatched-io`,
      `${lineOf(text, 'time.sleep(1)')}:gevent-unpatched-sleep`,
      `${lineOf(text, 's.recv(100)')}:gevent-unpatched-io`,
    ]);
    assert.match(a.findings[0].message, /monkey\.patch_all\(\)/);
    assert.equal(a.findings[2].fix?.edits[0].newText, 'gevent.sleep');
  });

  it('resolves import aliases', async () => {
    const { a } = await analyzeText('import time as t\nfrom time import sleep as nap\nasync def f():\n    t.sleep(1)\n    nap(2)\n');
    assert.deepEqual(
      a.findings.map((f) => f.line + 1),
      [4, 5],
    );
  });
});

function applyEdits(text: string, edits: { range: { line: number; col: number; endLine: number; endCol: number }; newText: string }[]): string {
  const lines = text.split('\n');
  const off = (l: number, c: number) => lines.slice(0, l).reduce((n, s) => n + s.length + 1, 0) + c;
  const sorted = [...edits].sort((x, y) => off(y.range.line, y.range.col) - off(x.range.line, x.range.col));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.line, e.range.col)) + e.newText + out.slice(off(e.range.endLine, e.range.endCol));
  return out;
}
