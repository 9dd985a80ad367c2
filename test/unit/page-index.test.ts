// The panel's paging index (issue 19 part 2): a saved trace file scanned by session/page-scan.ts into a sparse
// byte-offset index; any range planned from it, read from the file with its prelude into a fresh store, gives the
// rows the whole trace has at those global indices, with the same lanes. Bounded: past its cap the index thins.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planFor, readPlanned } from '../../session/page-read';
import { scanPages } from '../../session/page-scan';
import { TraceFile } from '../../session/trace-file';
import { PageIndex } from '../../trace/page-index';
import { RowOffsets } from '../../trace/row-offsets';
import { TraceStore } from '../../trace/store';

/** A trace with lanes declared all along, compact generator steps (two rows a line), prints, a child's header and `locals` lines (no rows). */
function generated(lines: number): string {
  const out = [
    '{"type":"header","schema":1,"runtime":"t","python":"3.13","capture":"monitoring","script":"/p/a.py","argv":[],"cwd":"/p","pid":1,"start":0,"ts":0}',
    JSON.stringify({ type: 'task', ts: 1, id: '1', kind: 'main', name: 'main', parent: null }),
  ];
  let lanes = 1;
  for (let i = 0; out.length < lines; i++) {
    const ts = 100 + i * 10;
    if (i % 500 === 0) {
      lanes++;
      out.push(
        JSON.stringify({
          type: 'task',
          ts,
          id: String(lanes),
          kind: 'generator',
          name: `gen${lanes}`,
          parent: '1',
          file: '/p/a.py',
          line: 3,
          codeFile: '/p/a.py',
          codeLine: 3,
        }),
      );
    } else if (i % 7 === 0) {
      out.push(JSON.stringify({ type: 'gstep', ts, dur: 3, task: String(1 + (i % lanes)), line: 5, toLine: 4, at: 9, sent: String(i), value: `'v${i}'` }));
    } else if (i % 11 === 0) {
      out.push(JSON.stringify({ type: 'output', ts, task: '1', stream: 'stdout', text: `line ${i}\n` }));
    } else if (i === 3001) {
      out.push(
        '{"type":"header","schema":1,"runtime":"t","python":"3.13","capture":"monitoring","script":"/p/a.py","argv":[],"cwd":"/p","pid":2,"start":0,"ts":0}',
      );
    } else {
      const to = String(1 + (i % lanes));
      out.push(JSON.stringify({ type: 'switch', ts, from: '1', to, reason: 'resume', value: `'item ${i}'`, file: '/p/a.py', line: 10 + (i % 5) }));
      if (i % 13 === 0) out.push(JSON.stringify({ type: 'locals', ts, task: to, frame: 'gen', vars: { i: String(i) } }));
    }
  }
  return `${out.join('\n')}\n`;
}

function whole(text: string): TraceStore {
  const s = new TraceStore();
  s.appendText(text);
  s.end();
  return s;
}

/** A fresh store fed what the panel sends for rows [from, to): the prelude, then the planned bytes of the file. */
function window(file: string, index: PageIndex, from: number, to: number) {
  const plan = index.plan(from, to);
  assert.ok(plan);
  const s = new TraceStore();
  const prelude = index.prelude(plan);
  s.appendText(prelude);
  const lanes = prelude ? plan.lanes : 0;
  assert.equal(s.length, lanes, 'the prelude makes one row per earlier lane');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(plan.byteEnd - plan.byteStart);
  fs.readSync(fd, buf, 0, buf.length, plan.byteStart);
  fs.closeSync(fd);
  s.appendBytes(buf);
  s.end();
  return { plan, s, lanes };
}

describe('paging index (panel paging mode)', function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coroscope-pages-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const text = generated(30_000);
  const file = path.join(dir, 't.jsonl');
  fs.writeFileSync(file, text);
  const full = whole(text);

  it('any planned range read from the file gives the rows the whole trace has at those indices, with the same lanes', async () => {
    const index = await scanPages(file, fs.statSync(file).size, undefined, new PageIndex(new RowOffsets(4096, 256)), 16 * 1024);
    assert.equal(index.total, full.length);
    assert.ok(index.offsets.count > 20, `${index.offsets.count} offsets`);
    for (const [from, to] of [
      [0, 500],
      [1234, 2000],
      [9000, 12_345],
      [full.length - 700, full.length],
      [full.length - 1, full.length],
    ]) {
      const { plan, s, lanes } = window(file, index, from, to);
      assert.ok(plan.base <= from && plan.end >= Math.min(to, full.length), `plan [${plan.base}, ${plan.end}) holds [${from}, ${to})`);
      assert.equal(s.length - lanes, plan.end - plan.base, 'the bytes make exactly the planned rows');
      for (let i = plan.base; i < plan.end; i++) {
        const l = i - plan.base + lanes;
        assert.equal(s.ts(l), full.ts(i), `ts of row ${i}`);
        assert.equal(s.type(l), full.type(i), `type of row ${i}`);
        assert.equal(s.value(l), full.value(i), `value of row ${i}`);
        assert.equal(s.taskId(s.a(l)), full.taskId(full.a(i)), `lane of row ${i}`);
        if (s.b(l) >= 0) assert.equal(s.taskId(s.b(l)), full.taskId(full.b(i)), `to-lane of row ${i}`);
      }
      for (let l = 0; l < s.tasks.length; l++) assert.equal(s.tasks[l].name, full.tasks[full.laneOf(s.tasks[l].id) ?? -1]?.name);
    }
  });

  it('the overview counts every row, and the index stays within its cap by thinning', async () => {
    const index = await scanPages(file, fs.statSync(file).size, undefined, new PageIndex(new RowOffsets(16, 64)), 4 * 1024);
    assert.ok(index.offsets.count <= 16);
    assert.ok(index.offsets.minRows > 64, 'the stride grew');
    const o = index.overviewData();
    assert.equal(
      o?.total.reduce((a, b) => a + b, 0),
      full.length,
    );
    // still exact, with coarser windows
    const { plan, s, lanes } = window(file, index, 15_000, 15_100);
    for (let i = plan.base; i < plan.end; i += 97) assert.equal(s.ts(i - plan.base + lanes), full.ts(i));
  });

  it("a live run's newest window, planned while the trace file is still being written, gets all its rows", async () => {
    // As the panel's live run (RunCore.decode, then the session's batch): each batch handed to the trace file, decoded
    // into a store that lets its rows go, and indexed — while the file's writes run behind.
    const live = path.join(dir, 'live.jsonl');
    const trace = new TraceFile(live);
    const store = new TraceStore();
    const index = new PageIndex(new RowOffsets(4096, 256));
    const batch = (lines: string) => {
      const buf = Buffer.from(lines);
      const start = trace.enqueued;
      trace.write(buf);
      const first = store.length;
      store.appendBytes(buf);
      index.addRows(store, first, store.length - first, start, trace.enqueued);
      store.releaseBefore(store.length);
    };
    const lines = text.split(/(?<=\n)/);
    batch(lines.slice(0, 100).join(''));
    await trace.written();
    for (let i = 100; i < lines.length; i += 100) batch(lines.slice(i, i + 100).join(''));
    const pick = planFor(index, undefined, { threshold: 1000, window: 5000 });
    assert.ok(pick?.follow);
    const { plan } = pick;
    assert.equal(plan.end, full.length, 'the newest rows');
    assert.ok(fs.statSync(live).size < plan.byteStart, 'the window is not on disk yet when it is planned');
    const s = new TraceStore();
    const prelude = index.prelude(plan);
    s.appendText(prelude);
    const lanes = prelude ? plan.lanes : 0;
    for await (const bytes of readPlanned({ file: live, written: () => trace.written() }, plan, 64 * 1024)) s.appendBytes(bytes);
    s.end();
    assert.equal(s.length - lanes, plan.end - plan.base, 'every row of the window');
    for (let i = plan.base; i < plan.end; i++) {
      assert.equal(s.ts(i - plan.base + lanes), full.ts(i), `ts of row ${i}`);
      assert.equal(s.type(i - plan.base + lanes), full.type(i), `type of row ${i}`);
    }
    await trace.close();
  });
});
