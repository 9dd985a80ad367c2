// Flow control of the trace bytes posted to the diagram page (issue 19 part 2, extension/panel/flow.ts), in the real
// VS Code: the host keeps at most a limit of bytes posted and not yet taken by the page, holds back the live batches
// past it, and once the page has taken them reads what it missed from the trace file — every event exactly once,
// below the paging threshold, and the newest window above it. The page's acknowledgements are held by the test API
// (a page that does not keep up, made deterministic) and released after the run.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { api, fixture, sleep } from './helpers';
import type { CoroscopeTestApi } from '../../extension/run/test-api';
import type { DiagramSummary } from '../../protocol/test-messages';
import { MAX_IN_FLIGHT } from '../../extension/panel/flow';
import { traceRowsOf } from '../trace-rows';

/** What the panel posts at most past the limit: one piece of a replay (1 MB of whole lines) or one live batch. */
const PIECE = 1024 * 1024 + 64 * 1024;
const LIMIT = 64 * 1024;

/** Asks the webview until its summary satisfies `ok`. */
async function summaryWhere(a: CoroscopeTestApi, ok: (s: DiagramSummary) => boolean, what: string): Promise<DiagramSummary> {
  let last: DiagramSummary | undefined;
  for (let i = 0; i < 240; i++) {
    last = await a.panelSummary(2000);
    if (last && ok(last)) return last;
    await sleep(250);
  }
  assert.fail(`the diagram never showed ${what} (last: ${last?.events} events, page ${JSON.stringify(last?.page)})`);
}

/** Runs many_sends.py (~100,000 events, 8.6 MB of trace) with the page's acknowledgements held until it has ended. */
async function heldRun(a: CoroscopeTestApi) {
  const before = a.panelFlow({ limit: LIMIT, hold: true }).sent;
  const doc = await vscode.workspace.openTextDocument(fixture('run', 'many_sends.py'));
  await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  await vscode.commands.executeCommand('coroscope.run');
  const info = await a.waitForSessionEnd();
  assert.ok(info && info.state === 'exited' && info.exitCode === 0, info?.message);
  const held = a.panelFlow();
  assert.ok(held.maxInFlight <= LIMIT + PIECE, `at most the limit and one piece in flight: ${held.maxInFlight}`);
  const size = fs.statSync(info.traceFile).size;
  const sent = held.sent - before;
  assert.ok(sent < size / 2, `the page was sent ${sent} bytes of ${size} while it took nothing`);
  a.panelFlow({ hold: false });
  return { info, rows: traceRowsOf(fs.readFileSync(info.traceFile, 'utf8')) };
}

describe('flow control: a page that does not keep up', function () {
  this.timeout(180_000);
  const conf = () => vscode.workspace.getConfiguration('coroscope.paging');
  let a: CoroscopeTestApi;
  before(async () => {
    a = await api();
  });
  afterEach(async () => {
    a.panelFlow({ limit: MAX_IN_FLIGHT, hold: false });
    await conf().update('thresholdEvents', undefined, vscode.ConfigurationTarget.Global);
    await conf().update('windowEvents', undefined, vscode.ConfigurationTarget.Global);
  });

  it('holds the live batches back, then the page reads them from the trace file: every event once', async () => {
    const { info, rows } = await heldRun(a);
    assert.equal(rows.length, info.events);
    const s = await summaryWhere(a, (x) => x.events >= info.events, `all ${info.events} events`);
    assert.equal(s.events, info.events, 'every event exactly once');
    assert.equal(s.page, undefined, 'below the threshold: no paging');
    const f = a.panelFlow();
    assert.ok(f.maxInFlight <= LIMIT + PIECE, `in flight at most ${f.maxInFlight}`);
  });

  it('above the paging threshold: the page catching up gets the newest window, rows as in the trace file', async () => {
    await conf().update('thresholdEvents', 10_000, vscode.ConfigurationTarget.Global);
    await conf().update('windowEvents', 5_000, vscode.ConfigurationTarget.Global);
    const { info, rows } = await heldRun(a);
    const s = await summaryWhere(a, (x) => x.page?.total === info.events && x.page.base + x.page.held === info.events, 'the newest window');
    const p = s.page!;
    assert.ok(p.held <= 10_000, `held ${p.held}`);
    assert.equal(s.events, p.prelude + p.held, 'the prelude and the window, nothing else');
    for (const r of [p.first!, p.last!]) {
      assert.equal(r.ts, (rows[r.index] as { ts: number }).ts, `ts of row ${r.index}`);
      assert.equal(r.type, rows[r.index].type, `type of row ${r.index}`);
    }
    assert.equal(p.last!.index, info.events - 1);
  });
});
