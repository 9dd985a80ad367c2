// Paging mode in the real VS Code (issue 19 part 2): with the threshold set to 10,000 events, a run of ~100,000
// pages — the host keeps no rows, the webview holds a window plus the overview, the status bar says so — and the
// rows the webview holds, for the newest window, a far range asked for by the page and a jump to an event outside
// the window, are the trace file's rows at those global indices; a search covers the whole run (the host scans the
// file), not only the window.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { api, fixture, sleep } from './helpers';
import type { CoroscopeTestApi } from '../../extension/run/test-api';
import type { DiagramSummary } from '../../protocol/test-messages';
import type { HostMessage } from '../../protocol/messages';
import { traceRowsOf } from '../trace-rows';
import { TraceStore } from '../../trace/store';
import { compileQuery, parseQuery } from '../../webview/query';

type Page = NonNullable<DiagramSummary['page']>;

/** Asks the webview until its page satisfies `ok` (it loads and renders asynchronously). */
async function pageWhere(a: CoroscopeTestApi, ok: (p: Page, s: DiagramSummary) => boolean, what: string): Promise<{ p: Page; s: DiagramSummary }> {
  let last: DiagramSummary | undefined;
  for (let i = 0; i < 120; i++) {
    last = await a.panelSummary(2000);
    if (last?.page && ok(last.page, last)) return { p: last.page, s: last };
    await sleep(250);
  }
  assert.fail(`the diagram never showed ${what} (last: ${JSON.stringify(last?.page)}, events ${last?.events})`);
}

describe('paging: a run above coroscope.paging.thresholdEvents', function () {
  this.timeout(180_000);
  const conf = () => vscode.workspace.getConfiguration('coroscope.paging');

  before(async () => {
    await conf().update('thresholdEvents', 10_000, vscode.ConfigurationTarget.Global);
    await conf().update('windowEvents', 5_000, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await conf().update('thresholdEvents', undefined, vscode.ConfigurationTarget.Global);
    await conf().update('windowEvents', undefined, vscode.ConfigurationTarget.Global);
  });

  it("holds a window, says so in the status bar, and shows the trace file's rows for any range asked for", async () => {
    const a = await api();
    const doc = await vscode.workspace.openTextDocument(fixture('run', 'many_sends.py'));
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('coroscope.run');
    const info = await a.waitForSessionEnd();
    assert.ok(info && info.state === 'exited' && info.exitCode === 0, info?.message);
    assert.ok(info.events > 100_000, `events: ${info.events}`);
    const rows = traceRowsOf(fs.readFileSync(info.traceFile, 'utf8'));
    assert.equal(rows.length, info.events, 'the trace file has every row');

    /** The page's first and last rows are the file's rows at their global indices; it holds what it says. */
    const matches = (p: Page, s: DiagramSummary) => {
      assert.ok(p.first && p.last, 'rows held');
      assert.equal(p.first.index, p.base);
      assert.equal(p.last.index, p.base + p.held - 1);
      assert.equal(s.events, p.prelude + p.held, 'the store holds the prelude and the window, nothing else');
      for (const r of [p.first, p.last]) {
        assert.equal(r.ts, (rows[r.index] as { ts: number }).ts, `ts of row ${r.index}`);
        assert.equal(r.type, rows[r.index].type, `type of row ${r.index}`);
      }
    };

    // The newest window: the end of the run, at most two windows (10,000 rows) of it.
    const tail = await pageWhere(a, (p) => p.total === info.events && p.base + p.held === info.events, 'the newest window');
    matches(tail.p, tail.s);
    assert.ok(tail.p.held <= 10_000, `held ${tail.p.held}`);
    assert.ok(tail.p.prelude >= 2, 'the lanes declared before the window come first');
    assert.ok(
      tail.s.tasks.some((t) => t.name === 'echo'),
      `the generator's lane is there: ${tail.s.tasks.map((t) => t.name)}`,
    );
    assert.match(a.panelPaging().status, /^Coroscope: paging 10\dk events from disk$/);

    // A far range, as the page asks when the user clicks the overview or presses Earlier.
    await a.panelMessage({ type: 'wantRange', from: 40_000, to: 42_000 });
    const far = await pageWhere(a, (p) => !p.follow && p.base <= 40_000 && p.base + p.held >= 42_000, 'events 40,000–42,000');
    matches(far.p, far.s);
    assert.ok(far.p.held <= 10_000, `held ${far.p.held}`);

    // Jump to an event outside the window (the host's `focus`, e.g. Show in Diagram of a mark): the page asks for it.
    a.panelPost({ type: 'focus', index: 7_777 });
    const jump = await pageWhere(a, (p) => p.base <= 7_777 && p.base + p.held > 7_777, 'a window holding event 7,777');
    matches(jump.p, jump.s);
    const w = a.panelPaging().window;
    assert.ok(w && w.base === jump.p.base && !w.follow, `host window ${JSON.stringify(w)}`);

    // Search over the whole run, as the page asks when a query is typed in paging mode: the host scans the trace file
    // and the page has every hit (global indices) of the run, not only the window's — the same as the page's own
    // predicate over the whole file.
    const whole = new TraceStore();
    whole.appendText(fs.readFileSync(info.traceFile, 'utf8'));
    whole.end();
    const pred = compileQuery(whole, parseQuery('4999'));
    const want = [...Array(whole.length).keys()].filter(pred);
    assert.ok(want.length > 4 && want.some((i) => i < jump.p.base || i >= jump.p.base + jump.p.held), `hits outside the window: ${want}`);
    assert.equal((await a.panelSummary(2000))?.page?.search, undefined, 'no search before one is asked');
    // Typed into the page's search box (its `wantSearch` goes to the host, the host's `searchHits` come back).
    a.panelPost({ type: 'test.search', query: '4999' } as unknown as HostMessage);
    const found = await pageWhere(a, (p) => p.search?.done === true, 'the whole run searched');
    assert.equal(found.p.search?.count, want.length);
    assert.deepEqual(found.p.search?.hits, want.slice(0, 50));
    assert.equal(found.p.search?.scanned, info.events);
    // Enter goes from the selected event (7,777, the jump's) through the hits after it: the ones in the window, then
    // the first past its end, which is loaded (wantRange) and selected when its window arrives.
    assert.equal(found.p.selected, 7_777);
    const end = found.p.base + found.p.held;
    const outside = want.find((i) => i >= end);
    assert.ok(outside !== undefined, `a hit after the window's end (${end})`);
    const inWindow = want.filter((i) => i > 7_777 && i < end);
    for (let k = 0; k <= inWindow.length; k++) a.panelPost({ type: 'test.search', query: '4999', next: 1 } as unknown as HostMessage);
    const hop = await pageWhere(a, (p) => p.selected === outside, `hit ${outside} loaded and selected`);
    matches(hop.p, hop.s);
    assert.ok(hop.p.base <= outside && hop.p.base + hop.p.held > outside);
  });
});
