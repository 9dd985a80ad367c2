// Paging mode in a real browser (issue 19 part 2): the diagram page given a window of a real run's trace (the
// runtime on test/fixtures/run/many_sends.py, ~100,000 events) as the panel sends it — the host side here is the
// panel's own (session/page-scan.ts, session/page-read.ts, trace/page-index.ts) answering each `wantRange` the
// page posts — shows the strip with the whole run's overview, and asks for the right ranges: Earlier, scrolling on
// against the window's last row, a click on the overview, a jump (`focus`) to an event outside the window. Every
// window's rows are the trace file's rows at those global indices.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanPages } from '../../session/page-scan';
import { planFor, readLines } from '../../session/page-read';
import type { PageIndex } from '../../trace/page-index';
import type { DiagramSummary } from '../../protocol/test-messages';
import type { HostMessage } from '../../protocol/messages';
import { searchFile } from '../../extension/panel/search';
import { TraceStore } from '../../trace/store';
import { compileQuery, parseQuery } from '../../webview/query';
import { traceRowsOf } from '../trace-rows';
import { openDiagram, traceProgram, type Diagram } from './harness';

const WINDOW = 5000;

describe('diagram: paging mode (a window of a huge run, the rest on disk)', function () {
  this.timeout(180_000);
  let d: Diagram;
  let dir: string;
  let file: string;
  let index: PageIndex;
  let rows: { ts: number; type: string }[];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coroscope-e2e-paging-'));
    file = join(dir, 'trace.jsonl');
    const text = traceProgram('test/fixtures/run/many_sends.py');
    writeFileSync(file, text);
    rows = traceRowsOf(text) as unknown as { ts: number; type: string }[];
    index = await scanPages(file, statSync(file).size);
    assert.equal(index.total, rows.length, 'the scan counts every row');
    d = await openDiagram({ width: 1400, height: 800 });
  });
  after(async () => {
    await d?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the panel does for a range: reset, page, the prelude and the window's lines (as text here). */
  async function serve(req: { from: number; to: number } | undefined): Promise<void> {
    const pick = planFor(index, req, { threshold: 10_000, window: WINDOW });
    assert.ok(pick);
    const prelude = index.prelude(pick.plan);
    await d.send({ type: 'reset', title: 'many_sends.py', live: false });
    await d.send({
      type: 'page',
      base: pick.plan.base,
      prelude: prelude ? pick.plan.lanes : 0,
      total: index.total,
      follow: pick.follow,
      overview: index.overviewData() ?? null,
    });
    const chunks = [prelude];
    for await (const b of readLines(file, pick.plan.byteStart, pick.plan.byteEnd)) chunks.push(Buffer.from(b).toString('utf8'));
    await d.send({ type: 'test.append', chunk: chunks.join('') });
    await d.waitReady((prelude ? pick.plan.lanes : 0) + pick.plan.end - pick.plan.base);
  }

  /** The last `wantRange` the page posted after `since` messages. */
  async function asked(since: number): Promise<{ from: number; to: number }> {
    await d.page.waitForFunction((n) => (window as unknown as { __posted: { type: string }[] }).__posted.slice(n).some((m) => m.type === 'wantRange'), since);
    const m = (await d.posted()).slice(since).filter((x) => x.type === 'wantRange');
    return m[m.length - 1] as unknown as { from: number; to: number };
  }

  /** The page holds the file's rows at the global indices it claims. */
  function check(s: DiagramSummary): NonNullable<DiagramSummary['page']> {
    const p = s.page;
    assert.ok(p?.first && p.last, JSON.stringify(p));
    assert.equal(s.events, p.prelude + p.held);
    for (const r of [p.first, p.last]) {
      assert.equal(r.ts, rows[r.index].ts, `ts of row ${r.index}`);
      assert.equal(r.type, rows[r.index].type, `type of row ${r.index}`);
    }
    return p;
  }

  it('shows the newest window with the overview; Earlier, scrolling past the end, the overview and a jump ask for the right rows', async () => {
    await serve(undefined);
    const root = d.page.locator('#coroscope-root');
    assert.equal(await root.getAttribute('data-paging'), 'on');
    assert.equal(await root.getAttribute('data-page-total'), String(index.total));
    assert.equal(await root.getAttribute('data-page-end'), String(index.total));
    assert.equal(await d.page.locator('#coroscope-paging').isVisible(), true);
    assert.match((await d.page.locator('.paging-text').textContent()) ?? '', /^Paging from disk: events [\d,]+–[\d,]+ of [\d,]+ in detail \(the newest\)$/);
    const tail = check(await d.summary());
    assert.equal(tail.base + tail.held, index.total);

    // Earlier: the window before this one.
    let n = (await d.posted()).length;
    await d.page.locator('#coroscope-paging button', { hasText: 'Earlier' }).click();
    const earlier = await asked(n);
    assert.equal(earlier.to, tail.base);
    assert.ok(earlier.from < tail.base);
    await serve(earlier);
    const p1 = check(await d.summary());
    assert.ok(p1.base <= earlier.from && p1.base + p1.held >= earlier.to, JSON.stringify(p1));

    // Scrolling on against the window's last row: a window around that row, which stays in view.
    n = (await d.posted()).length;
    await d.page.locator('canvas.body').focus();
    await d.page.keyboard.press('End');
    const box = (await d.page.locator('canvas.body').boundingBox())!;
    await d.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let k = 0; k < 60 && !(await d.posted()).slice(n).some((m) => m.type === 'wantRange'); k++) await d.page.mouse.wheel(0, 4000);
    const next = await asked(n);
    const last = p1.base + p1.held - 1;
    assert.ok(next.from < last && next.to > last, `asked ${JSON.stringify(next)} around row ${last}`);
    await serve(next);
    const p2 = check(await d.summary());
    assert.ok(p2.base <= last && p2.base + p2.held > last);

    // A click on the overview's first tenth: a window early in the run.
    n = (await d.posted()).length;
    const ov = (await d.page.locator('canvas.paging-overview').boundingBox())!;
    await d.page.mouse.click(ov.x + ov.width * 0.05, ov.y + ov.height / 2);
    const early = await asked(n);
    assert.ok(early.from < index.total * 0.2, JSON.stringify(early));
    await serve(early);
    check(await d.summary());

    // Newest: everything from the last window on, which the host reads as "follow the newest rows".
    n = (await d.posted()).length;
    await d.page.locator('#coroscope-paging button', { hasText: 'Newest' }).click();
    const newest = await asked(n);
    assert.equal(newest.to, Number.MAX_SAFE_INTEGER);
    await serve(newest);
    const p3 = check(await d.summary());
    assert.ok(p3.follow && p3.base + p3.held === index.total, JSON.stringify(p3));

    // A jump to an event outside the window (the host's `focus`): the page asks for it, then selects it.
    const target = Math.floor(index.total * 0.6);
    n = (await d.posted()).length;
    await d.send({ type: 'focus', index: target });
    const around = await asked(n);
    assert.ok(around.from <= target && around.to > target, JSON.stringify(around));
    await serve(around);
    const p4 = check(await d.summary());
    await d.page.waitForFunction(() => document.getElementById('coroscope-root')?.dataset.selected !== '-1');
    const selected = Number(await root.getAttribute('data-selected'));
    assert.equal(selected - p4.prelude + p4.base, target, 'the jumped-to event is selected');
  });

  it("searches the whole run (the host's search of the trace file), counts its hits and jumps to one outside the window", async () => {
    await serve(undefined);
    const tail = check(await d.summary());
    let n = (await d.posted()).length;
    await d.page.fill('input.search', '4999');
    await d.page.waitForFunction((k) => (window as unknown as { __posted: { type: string }[] }).__posted.slice(k).some((m) => m.type === 'wantSearch'), n);
    const ask = (await d.posted()).slice(n).find((m) => m.type === 'wantSearch') as unknown as { query: string };
    assert.equal(ask.query, '4999');
    // The host's side: extension/panel/search.ts over the file, its answers posted as the panel posts them.
    const answers: HostMessage[] = [];
    const r = await searchFile(file, statSync(file).size, ask.query, (p) =>
      answers.push({ type: 'searchHits', query: ask.query, count: p.count, hits: p.hits, scanned: p.scanned, total: index.total, done: p.done }),
    );
    // The same hits as the page's own predicate over the whole trace in one store.
    const whole = new TraceStore();
    whole.appendText(readFileSync(file, 'utf8'));
    whole.end();
    const pred = compileQuery(whole, parseQuery('4999'));
    const want = [...Array(whole.length).keys()].filter(pred);
    assert.deepEqual(r.hits, want);
    assert.ok(
      want.some((i) => i < tail.base),
      'hits outside the newest window',
    );
    for (const m of answers) await d.send(m);
    await d.page.waitForFunction((c) => document.querySelector('.count')?.textContent === `${c} matches in the whole run`, want.length.toLocaleString('en-US'));
    const s = await d.summary();
    assert.deepEqual(s.page?.search?.hits, want.slice(0, 50));
    assert.equal(s.page?.search?.done, true);
    assert.match(
      (await d.page.locator('.paging-note').textContent()) ?? '',
      /Search counts and jumps across the whole run \(Enter, with the filter on too\); the filter shows, and folds, the step cursor and row numbers work on, the events in detail only/,
    );

    // Enter with nothing selected: the first hit at or after the window's start (held: selected at once).
    const selectedGlobal = async () => {
      const p = check(await d.summary());
      return Number(await d.page.locator('#coroscope-root').getAttribute('data-selected')) - p.prelude + p.base;
    };
    const first = want.find((i) => i >= tail.base);
    assert.ok(first !== undefined, 'a hit in the newest window');
    await d.page.press('input.search', 'Enter');
    await d.page.waitForFunction(() => document.getElementById('coroscope-root')?.dataset.selected !== '-1');
    assert.equal(await selectedGlobal(), first, 'the hit in the window is selected');
    // Shift+Enter: the hit before it, outside the window: the page asks for a window around it, then selects it.
    const before = want[want.indexOf(first) - 1];
    assert.ok(before < tail.base, `hit ${before} lies before the window (${tail.base})`);
    n = (await d.posted()).length;
    await d.page.press('input.search', 'Shift+Enter');
    const around = await asked(n);
    assert.ok(around.from <= before && around.to > before, `asked ${JSON.stringify(around)} for hit ${before}`);
    assert.match((await d.page.locator('.count').textContent()) ?? '', new RegExp(`^match \\d+ of ${want.length} in the whole run \\(event [\\d,]+\\)$`));
    await serve(around);
    await d.page.waitForFunction(() => document.getElementById('coroscope-root')?.dataset.selected !== '-1');
    assert.equal(await selectedGlobal(), before, 'the hit outside the window is selected once its window arrived');

    // The filter on: the window shows its own matches only, and the count and Enter stay the whole run's — Enter from
    // this hit goes to the run's next one (the first hit of the newest window), loading its window if need be.
    await d.page.click('button[aria-label="Show only matching events"]');
    await d.page.waitForFunction(
      (c) => new RegExp(`^[\\d,]+ shown of the events in detail; ${c} matches in the whole run$`).test(document.querySelector('.count')?.textContent ?? ''),
      want.length.toLocaleString('en-US'),
    );
    n = (await d.posted()).length;
    await d.page.press('input.search', 'Enter');
    const held = check(await d.summary());
    if (first < held.base || first >= held.base + held.held) {
      const next = await asked(n);
      assert.ok(next.from <= first && next.to > first, `asked ${JSON.stringify(next)} for hit ${first}`);
      await serve(next);
    }
    await d.page.waitForFunction(() => document.getElementById('coroscope-root')?.dataset.selected !== '-1');
    assert.equal(await selectedGlobal(), first, 'Enter with the filter on: the next hit of the whole run');
  });
});
