// LSP protocol tests against the bundled server, as an editor would talk to
// it: `node dist/server.js --stdio`, JSON-RPC over the child's stdio.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { REVEAL_EVENT_COMMAND, STATS_NOTIFICATION, type StatsParams } from '../../protocol/lsp';
import { computeStats } from '../../trace/stats';
import { fixture, loadTrace, readFixture, ROOT } from './lens-helpers';

interface Lens {
  range: { start: { line: number } };
  command?: { title: string; command: string; arguments?: unknown[] };
}
interface Diag {
  range: { start: { line: number; character: number } };
  message: string;
  severity: number;
  source: string;
  code: string;
}

class Client {
  readonly child: ChildProcess;
  readonly conn: MessageConnection;
  readonly diagnostics = new Map<string, Diag[]>();
  private waiters: (() => void)[] = [];
  stderr = '';

  constructor(initOptions?: unknown) {
    const server = join(ROOT, 'dist/server.js');
    assert.ok(existsSync(server), 'dist/server.js is built');
    this.child = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.conn = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diag[] }) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      for (const w of this.waiters.splice(0)) w();
    });
    this.conn.onNotification('window/logMessage', () => undefined);
    this.conn.listen();
    this.init = this.conn
      .sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: initOptions })
      .then(() => this.conn.sendNotification('initialized', {}));
  }
  readonly init: Promise<void>;

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version, text } });
  }
  change(uri: string, version: number, contentChanges: unknown[]): Promise<void> {
    return this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
  }
  lenses(uri: string): Promise<Lens[] | null> {
    return this.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  }
  resolve(lens: Lens): Promise<Lens> {
    return this.conn.sendRequest('codeLens/resolve', lens);
  }
  async titles(uri: string): Promise<Map<number, string[]>> {
    const m = new Map<number, string[]>();
    for (const l of (await this.lenses(uri)) ?? []) m.set(l.range.start.line + 1, [...(m.get(l.range.start.line + 1) ?? []), l.command?.title ?? '']);
    return m;
  }
  /** Resolves with the next diagnostics for `uri` that satisfy `ok`. */
  async diagnosticsFor(uri: string, ok: (d: Diag[]) => boolean = () => true): Promise<Diag[]> {
    for (;;) {
      const d = this.diagnostics.get(uri);
      if (d && ok(d)) return d;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  async close(): Promise<void> {
    await this.conn.sendRequest('shutdown').catch(() => undefined);
    await this.conn.sendNotification('exit').catch(() => undefined);
    this.conn.dispose();
    await new Promise((r) => {
      if (this.child.exitCode !== null) r(undefined);
      else {
        this.child.once('exit', r);
        setTimeout(() => this.child.kill(), 3000).unref();
      }
    });
  }
}

/** Stats from a fixture trace, with the runtime's paths (files and resume sites) pointed at the fixture file. */
function stats(trace: string, runId: string, live = false): StatsParams {
  const s = computeStats(loadTrace(trace), runId, live);
  const at = (file: string) => fixture(file.split('/').pop()!);
  return {
    ...s,
    files: s.files.map((f) => ({
      ...f,
      file: at(f.file),
      yields: f.yields.map((y) => (y.resumedFrom ? { ...y, resumedFrom: y.resumedFrom.map((r) => ({ ...r, file: at(r.file) })) } : y)),
    })),
  };
}

describe('lsp: the language server over stdio', () => {
  let c: Client;
  beforeEach(async () => {
    c = new Client();
    await c.init;
  });
  afterEach(async () => {
    await c.close();
  });

  it('initializes with lens, hover, code action and incremental sync capabilities', async () => {
    const c2 = new Client();
    const r = await c2.conn.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', { processId: null, rootUri: null, capabilities: {} });
    assert.deepEqual(r.capabilities.codeLensProvider, { resolveProvider: true });
    assert.equal(r.capabilities.hoverProvider, true);
    assert.deepEqual(r.capabilities.textDocumentSync, { openClose: true, change: 2 });
    assert.ok(r.capabilities.codeActionProvider);
    await c2.close();
  });

  it('lenses on a fixture before a run, then stats after coroscope/stats', async () => {
    const uri = pathToFileURL(fixture('producer_consumer.py')).href;
    await c.open(uri, readFixture('producer_consumer.py'));
    let t = await c.titles(uri);
    assert.deepEqual(t.get(4), ['⏸ yield — run to trace']);
    assert.deepEqual(t.get(1), ['generator consumer — run Coroscope: Run Current File to trace']);
    await c.conn.sendNotification(STATS_NOTIFICATION, stats('lens-producer-consumer.jsonl', 'run-1'));
    t = await c.titles(uri);
    assert.deepEqual(
      t.get(4),
      ["⇄ 6× · 1.1 s suspended (max 200 ms) · resumed by produce · last sent 5 · last yielded '200 OK'"],
      'main resumed it from c.send(n) inside produce()',
    );
    assert.deepEqual(
      t.get(17),
      ["⇄ 5× · 5.0 ms suspended (max 1.0 ms) · resumed by consumer · got back '200 OK' · passed 5"],
      'a generator resumer keeps its task name',
    );
    assert.deepEqual(t.get(1), ['consumer: 1 task · 14 switches · returned None']);
    const lens = (await c.lenses(uri))!.find((l) => l.range.start.line === 3)!;
    assert.equal(lens.command?.command, REVEAL_EVENT_COMMAND);
    assert.deepEqual(lens.command?.arguments, [{ index: 3 }], 'the first switch at the yield line, 0-based in the store');
  });

  it('stats follow their lines through didChange, and are dropped when their line is deleted', async () => {
    const uri = pathToFileURL(fixture('producer_consumer.py')).href;
    await c.open(uri, readFixture('producer_consumer.py'));
    await c.conn.sendNotification(STATS_NOTIFICATION, stats('lens-producer-consumer.jsonl', 'run-1'));
    // Two new lines at the top: everything moves down by two.
    await c.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'import sys\n\n' }]);
    let t = await c.titles(uri);
    assert.equal(t.get(4), undefined);
    assert.match(t.get(6)![0], /^⇄ 6× · /);
    assert.match(t.get(3)![0], /^consumer: 1 task/);
    assert.match(t.get(19)![0], /^⇄ 5× · /);
    // Delete the yield line (now line 6): its stats go, the def's stay, the send's move up.
    await c.change(uri, 3, [{ range: { start: { line: 5, character: 0 }, end: { line: 6, character: 0 } }, text: '' }]);
    t = await c.titles(uri);
    assert.ok(![...t.values()].flat().some((x) => x.startsWith('⇄ 6×')), 'no stats for a deleted line');
    assert.match(t.get(18)![0], /^⇄ 5× · /);
    // Type the yield back in: the analysis sees it, but the run did not.
    await c.change(uri, 4, [{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, text: '        n = yield r\n' }]);
    t = await c.titles(uri);
    assert.deepEqual(t.get(6), ['⏸ yield — not reached in the last run']);
  });

  it('a live run updates the lenses as stats arrive, on the lines the run saw even after edits', async () => {
    const uri = pathToFileURL(fixture('producer_consumer.py')).href;
    await c.open(uri, readFixture('producer_consumer.py'));
    const full = stats('lens-producer-consumer.jsonl', 'live-1', true);
    const early: StatsParams = { ...full, files: full.files.map((f) => ({ ...f, yields: f.yields.filter((y) => y.line !== 4) })) };
    await c.conn.sendNotification(STATS_NOTIFICATION, early);
    assert.deepEqual((await c.titles(uri)).get(4), ['⏸ yield — not reached yet']);
    await c.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n' }]);
    await c.conn.sendNotification(STATS_NOTIFICATION, full);
    const t = await c.titles(uri);
    assert.match(t.get(5)![0], /^⇄ 6× /, 'line 4 of the run is line 5 now');
  });

  it('hover on a yield point: stats in Markdown with a timeline', async () => {
    const uri = pathToFileURL(fixture('producer_consumer.py')).href;
    await c.open(uri, readFixture('producer_consumer.py'));
    await c.conn.sendNotification(STATS_NOTIFICATION, stats('lens-producer-consumer.jsonl', 'run-1'));
    const h = await c.conn.sendRequest<{ contents: { kind: string; value: string } } | null>('textDocument/hover', {
      textDocument: { uri },
      position: { line: 3, character: 13 },
    });
    assert.equal(h?.contents.kind, 'markdown');
    assert.match(h!.contents.value, /6 suspends · 6 resumes/);
    assert.match(h!.contents.value, /Resumed by `produce`/);
    assert.match(h!.contents.value, /Suspended over the run: `[·▁▂▃▄▅▆▇█]{32}`/);
    const none = await c.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 4 } });
    assert.equal(none, null);
  });

  it('diagnostics: blocking calls in coroutines, the loop-blocked mark, and the quick fix', async () => {
    const uri = pathToFileURL(fixture('async_blocked.py')).href;
    const text = readFixture('async_blocked.py');
    await c.open(uri, text);
    let d = await c.diagnosticsFor(uri);
    assert.deepEqual(
      d.map((x) => [x.range.start.line + 1, x.code, x.source, x.severity]),
      [[12, 'sleep-in-async', 'coroscope', 2]],
    );
    await c.conn.sendNotification(STATS_NOTIFICATION, stats('lens-asyncio-blocked.jsonl', 'r'));
    d = await c.diagnosticsFor(uri, (x) => x.some((y) => y.code === 'loop-blocked'));
    const mark = d.find((x) => x.code === 'loop-blocked')!;
    assert.equal(mark.range.start.line + 1, 12);
    assert.match(mark.message, /Task-3 blocked the event loop for 300 ms/);
    const actions = await c.conn.sendRequest<{ title: string; kind: string; edit: { changes: Record<string, { newText: string }[]> } }[]>(
      'textDocument/codeAction',
      { textDocument: { uri }, range: d[0].range, context: { diagnostics: d } },
    );
    assert.equal(actions.length, 1);
    assert.equal(actions[0].kind, 'quickfix');
    assert.equal(actions[0].title, 'Replace with await asyncio.sleep(…)');
    assert.deepEqual(
      actions[0].edit.changes[uri].map((e) => e.newText),
      ['await asyncio.sleep'],
    );
  });

  it('settings turn lenses, hovers and diagnostics off and on', async () => {
    const off = new Client({ lens: { enabled: false }, hover: { enabled: false }, diagnostics: { enabled: false } });
    await off.init;
    const uri = pathToFileURL(fixture('async_blocked.py')).href;
    await off.open(uri, readFixture('async_blocked.py'));
    assert.deepEqual(await off.diagnosticsFor(uri), []);
    assert.deepEqual(await off.lenses(uri), []);
    assert.equal(await off.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 6, character: 10 } }), null);
    await off.conn.sendNotification('workspace/didChangeConfiguration', {
      settings: { coroscope: { lens: { enabled: true }, diagnostics: { enabled: true } } },
    });
    assert.ok(((await off.lenses(uri)) ?? []).length > 0);
    assert.ok((await off.diagnosticsFor(uri, (x) => x.length > 0)).length > 0);
    await off.close();
  });

  it('skips notebook cells, and survives syntax errors, junk and non-UTF-8 text', async () => {
    const cell = 'vscode-notebook-cell:/nb.ipynb#W0sZmlsZQ%3D%3D';
    await c.open(cell, 'async def f():\n    time.sleep(1)\n    await g()\n');
    assert.deepEqual(await c.lenses(cell), []);
    const uri = 'untitled:Untitled-1';
    await c.open(uri, readFixture('half_typed.py'));
    assert.ok(((await c.titles(uri)).get(13) ?? []).includes('⏸ yield — run to trace'));
    await c.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } }, text: '\uD800\u0000\uFFFD yield (((\n' }]);
    assert.ok(Array.isArray(await c.lenses(uri)));
    await c.change(uri, 3, [{ text: '' }]);
    assert.deepEqual(await c.lenses(uri), []);
    // A bad stats message is ignored, not fatal.
    await c.conn.sendNotification(STATS_NOTIFICATION, { runId: 5, files: 'nope' });
    assert.deepEqual(await c.lenses(uri), []);
    assert.equal(c.child.exitCode, null, 'still running');
  });

  it('a 10,000-line file: lenses for every copy, still right after an edit in the middle', async () => {
    const chunk = readFixture('producer_consumer.py');
    const per = chunk.split('\n').length - 1; // lines per copy (the chunk ends with a newline)
    const copies = Math.ceil(10_000 / per);
    const text = Array.from({ length: copies }, () => chunk).join('');
    const uri = pathToFileURL(join(ROOT, 'test/fixtures/lens/big.py')).href;
    await c.open(uri, text);
    let lenses = (await c.lenses(uri))!;
    assert.equal(lenses.length, copies * 4);
    const mid = Math.floor(copies / 2) * per + 3; // the yield of a middle copy (0-based)
    await c.change(uri, 2, [{ range: { start: { line: mid, character: 0 }, end: { line: mid, character: 0 } }, text: '\n\n' }]);
    lenses = (await c.lenses(uri))!;
    assert.equal(lenses.length, copies * 4);
    // A file this big gets ranges first; the editor resolves the titles of the lenses it shows.
    const moved = lenses.find((l) => l.range.start.line === mid + 2)!;
    assert.ok(moved, 'a lens on the moved yield line');
    assert.equal(moved.command, undefined, 'titles come with codeLens/resolve');
    assert.equal((await c.resolve(moved)).command?.title, '⏸ yield — run to trace');
    assert.ok(!lenses.some((l) => l.range.start.line === mid));
    // Resolving a lens from before another edit gives the lens now on its line.
    await c.change(uri, 3, [{ range: { start: { line: 1, character: 10 }, end: { line: 1, character: 10 } }, text: ' # r' }]);
    const def = lenses.find((l) => l.range.start.line === 0)!;
    assert.equal((await c.resolve(def)).command?.title, 'generator consumer — run Coroscope: Run Current File to trace');
    assert.deepEqual(
      (await c.lenses(uri))!.map((l) => l.range.start.line),
      lenses.map((l) => l.range.start.line),
      'same lines after a one-character edit',
    );
  });

  it('names a plain-code resumer by the def around its resume site, in a file that is not open (read from disk, re-read when it changes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coroscope-lsp-'));
    try {
      const gen = join(dir, 'gen.py'),
        driver = join(dir, 'driver.py');
      writeFileSync(gen, 'def numbers():\n    while True:\n        x = yield\n');
      writeFileSync(
        driver,
        'from gen import numbers\n\n\ndef pump(g):\n    next(g)\n    for i in range(3):\n        g.send(i)\n\n\npump(numbers())\nnext(g2)\n',
      );
      const uri = pathToFileURL(gen).href;
      await c.open(uri, 'def numbers():\n    while True:\n        x = yield\n');
      const params = (runId: string): StatsParams => ({
        runId,
        live: false,
        files: [
          {
            file: gen,
            defs: [],
            marks: [],
            yields: [
              {
                line: 3,
                suspends: 4,
                resumes: 4,
                suspendedNs: 4000,
                longestNs: 1000,
                resumedBy: ['main', 'other'],
                reasons: ['yield'],
                firstEvent: 3,
                spans: [],
                resumedFrom: [
                  { file: driver, line: 7, task: 'main', count: 3 },
                  { file: driver, line: 11, task: 'main', count: 1 },
                ],
              },
            ],
          },
        ],
      });
      await c.conn.sendNotification(STATS_NOTIFICATION, params('d1'));
      const t1 = (await c.titles(uri)).get(3)![0];
      assert.match(t1, / · resumed by pump, main \+1$/, `${t1}: the def around line 7, then module-level code keeps the task name`);
      writeFileSync(driver, 'def drive(g):\n    pass\n\n\ndef feed(g):\n    next(g)\n    g.send(1)\n');
      const later = new Date(Date.now() + 5000);
      utimesSync(driver, later, later);
      await c.conn.sendNotification(STATS_NOTIFICATION, params('d2'));
      assert.match((await c.titles(uri)).get(3)![0], / · resumed by feed, main \+1$/, 'the file changed on disk: parsed again');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a resumer in the open document is found on its current line after edits', async () => {
    const uri = pathToFileURL(fixture('producer_consumer.py')).href;
    await c.open(uri, readFixture('producer_consumer.py'));
    await c.conn.sendNotification(STATS_NOTIFICATION, stats('lens-producer-consumer.jsonl', 'run-1'));
    // A new def above produce(): line 17 of the run (c.send(n)) is line 20 now, still inside produce.
    await c.change(uri, 2, [{ range: { start: { line: 9, character: 0 }, end: { line: 9, character: 0 } }, text: 'def helper():\n    pass\n\n' }]);
    assert.match((await c.titles(uri)).get(4)![0], / · resumed by produce · /);
  });
});
