// The diagram's interactions in a real browser, as a learner uses them: wheel,
// ctrl+wheel, drag, keys, the minimap, lane collapse, search/filter, the table's
// keyboard, tasks that share a name, and when the Follow button is offered.
// Every assertion reads observable state: the summary, table rows, and the view
// attributes the page keeps on #coroscope-root (data-first-row, data-last-row,
// data-rows, data-row-h, data-follow, data-follow-shown, data-table,
// data-collapsed, data-selected); waits are for that state, never for time.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { type Diagram, testHeader, withDiagram, SHOTS as shots } from './harness';

const F = '/home/learner/channels.py';

/** main feeding `workers` tasklets all named `output` through a channel, `rounds` times: many rows, one shared name. */
function channelTrace(workers: number, rounds: number, opts: { finish?: boolean } = {}): string {
  const L: object[] = [testHeader(F)];
  let ts = 0;
  L.push({ type: 'task', ts: (ts += 1000), id: '1', kind: 'main', name: 'main', parent: null });
  for (let w = 0; w < workers; w++)
    L.push({ type: 'task', ts: (ts += 1000), id: String(10 + w), kind: 'tasklet', name: 'output', parent: '1', file: F, line: 20 });
  for (let r = 0; r < rounds; r++) {
    const w = String(10 + (r % workers));
    // Each round at its own line, so no two rounds look alike and nothing folds.
    L.push({ type: 'switch', ts: (ts += 1000), from: '1', to: w, reason: 'channel', value: `'job ${r}'`, file: F, line: 1000 + r });
    L.push({ type: 'switch', ts: (ts += 1000), from: w, to: '1', reason: 'schedule', file: F, line: 7 });
  }
  if (opts.finish !== false) L.push({ type: 'finish', ts: (ts += 1000), exitCode: 0, dropped: 0 });
  return L.map((o) => JSON.stringify(o)).join('\n') + '\n';
}

type Attrs = Record<string, string>;

async function attrs(d: Diagram): Promise<Attrs> {
  return d.page.$eval('#coroscope-root', (r) => ({ ...(r as HTMLElement).dataset }) as Record<string, string>);
}

/**
 * Wait until the root's view attributes satisfy `pred` (written over `a`, the attributes, and `n(key)`, a number),
 * then return them. Polled from here: the page's CSP forbids evaluating strings in it.
 */
async function until(d: Diagram, pred: string): Promise<Attrs> {
  const check = new Function('a', 'n', `return (${pred});`) as (a: Attrs, n: (k: string) => number) => boolean;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const a = await attrs(d);
    if (a.coroscopeState === 'ready' && check(a, (k) => Number(a[k]))) return a;
    if (Date.now() > deadline) throw new Error(`view state never satisfied ${pred}: ${JSON.stringify(a)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function canvasBox(d: Diagram) {
  return (await d.page.locator('canvas.body').boundingBox())!;
}

describe('diagram interactions in a real browser', function () {
  this.timeout(120_000);
  let d: Diagram;
  withDiagram({ width: 1280, height: 760 }, (opened) => {
    d = opened;
  });

  async function loadAtTop(workers = 4, rounds = 200): Promise<Attrs> {
    await d.load(channelTrace(workers, rounds), { title: 'channels.py' });
    await d.send({ type: 'status', state: 'loaded' });
    await d.page.focus('canvas.body');
    await d.page.keyboard.press('Home');
    // Many lanes at 1,280 px: the table starts closed so the lanes keep their width (issue 17); these tests read it.
    if ((await attrs(d)).table !== 'shown') await d.page.click('button[aria-label="Events table"]');
    await until(d, 'a.table === "shown"');
    // Home puts the step cursor on the first row (and the Tasks pane above the table).
    return until(d, 'n("firstRow") === 0 && a.step === "1"');
  }

  it('numbers tasks that share a name, in the lane headers, the table, the summary and search', async () => {
    await loadAtTop(10, 40);
    const s = await d.summary();
    assert.deepEqual(
      s.tasks.map((t) => t.label),
      ['main', ...Array.from({ length: 10 }, (_, k) => `output #${k + 1}`)],
    );
    assert.deepEqual(
      s.tasks.map((t) => t.name),
      ['main', ...Array(10).fill('output')],
      "the program's names are kept",
    );
    const rows = await d.tableRows();
    assert.deepEqual(
      rows.slice(1, 4).map((r) => r[4]),
      ['create output #1', 'create output #2', 'create output #3'],
    );
    const firstSend = rows.find((r) => r[4] === "channel.send('job 0')");
    assert.deepEqual(firstSend?.slice(2, 4), ['main', 'output #1']);
    // Filter to one of the ten: only its rows remain.
    const before = await attrs(d);
    await d.page.fill('input.search', 'task:output#3');
    await d.page.press('input.search', 'Enter');
    await d.page.click('button[aria-label="Show only matching events"]');
    const after = await until(d, `n("rows") < ${before.rows}`);
    assert.equal(Number(after.rows), 1 + 2 * 4, 'its creation, and a send and a return in each of its 4 rounds');
    const shown = await d.tableRows();
    assert.ok(shown.length > 0 && shown.every((r) => r[2] === 'output #3' || r[3] === 'output #3'), JSON.stringify(shown));
    await d.page.screenshot({ path: join(shots, 'webview-duplicate-names.png') });
    await d.page.click('button[aria-label="Show only matching events"]');
    await d.page.fill('input.search', '');
    await d.page.press('input.search', 'Escape');
    await until(d, `n("rows") === ${before.rows}`);
  });

  it('search and filter reduce the rows to the matching events', async () => {
    const a0 = await loadAtTop(4, 200);
    await d.page.fill('input.search', "'job 17'");
    await d.page.press('input.search', 'Enter');
    // Without the filter, Enter moves to the next match: it is selected and in view.
    const a1 = await until(d, 'n("selected") >= 0');
    assert.ok(Number(a1.firstRow) <= Number(a1.selected) && Number(a1.selected) <= Number(a1.lastRow) + 1, JSON.stringify(a1));
    assert.equal(a1.rows, a0.rows, 'searching alone hides nothing');
    await d.page.click('button[aria-label="Show only matching events"]');
    await until(d, 'n("rows") === 1');
    assert.deepEqual(
      (await d.tableRows()).map((r) => r[4]),
      ["channel.send('job 17')"],
    );
    await d.page.click('button[aria-label="Show only matching events"]');
    await d.page.fill('input.search', '');
    await d.page.press('input.search', 'Escape');
    await until(d, `n("rows") === ${a0.rows}`);
  });

  it('wheel scrolls, ctrl+wheel zooms, drag pans', async () => {
    const a0 = await loadAtTop();
    const box = await canvasBox(d);
    await d.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await d.page.mouse.wheel(0, 600);
    const a1 = await until(d, 'n("firstRow") > 0');
    assert.ok(Number(a1.firstRow) >= 10, `600 px of wheel moves ~20 rows of 26 px: ${a1.firstRow}`);
    assert.equal(a1.rowH, a0.rowH, 'plain wheel does not zoom');
    // Ctrl+wheel up zooms in around the pointer: taller rows, fewer of them in view.
    await d.page.keyboard.down('Control');
    await d.page.mouse.wheel(0, -200);
    await d.page.keyboard.up('Control');
    const a2 = await until(d, `n("rowH") > ${a1.rowH}`);
    assert.ok(Number(a2.lastRow) - Number(a2.firstRow) < Number(a1.lastRow) - Number(a1.firstRow));
    // Drag the picture up by 300 px: later rows come into view.
    // (from above the details pane that the selected row opens at the bottom)
    const y0 = box.y + Math.round(box.height * 0.55);
    await d.page.mouse.move(box.x + 300, y0);
    await d.page.mouse.down();
    await d.page.mouse.move(box.x + 300, y0 - 150, { steps: 5 });
    await d.page.mouse.move(box.x + 300, y0 - 300, { steps: 5 });
    await d.page.mouse.up();
    const a3 = await until(d, `n("firstRow") > ${a2.firstRow}`);
    assert.ok(Number(a3.firstRow) - Number(a2.firstRow) >= Math.floor(300 / Number(a2.rowH)) - 1, JSON.stringify({ a2, a3 }));
    assert.equal(a3.follow, 'false');
  });

  it('keys move through the diagram: arrows, PageDown, + and -, Home and End', async () => {
    const a0 = await loadAtTop();
    const rows = Number(a0.rows);
    await d.page.keyboard.press('End');
    const end = await until(d, `n("lastRow") === ${rows - 1}`);
    assert.ok(Number(end.firstRow) > 0);
    await d.page.keyboard.press('Home');
    await until(d, 'n("firstRow") === 0');
    await d.page.keyboard.press('PageDown');
    const pd = await until(d, 'n("firstRow") > 0');
    assert.ok(Number(pd.firstRow) >= Number(a0.lastRow) - Number(a0.firstRow) - 3, 'a page is nearly a screenful');
    await d.page.keyboard.press('Home');
    await until(d, 'n("firstRow") === 0');
    await d.page.keyboard.press('ArrowDown');
    const sel = await until(d, 'n("selected") >= 0');
    await d.page.keyboard.press('ArrowDown');
    await until(d, `n("selected") === ${Number(sel.selected) + 1}`);
    const active = await d.page.$eval('.table .trow.active', (r) => r.getAttribute('data-row'));
    assert.equal(active, String(Number(sel.selected) + 1), "the table follows the diagram's selection");
    await d.page.keyboard.press('+');
    const zin = await until(d, `n("rowH") > ${a0.rowH}`);
    await d.page.keyboard.press('-');
    await d.page.keyboard.press('-');
    const zout = await until(d, `n("rowH") < ${a0.rowH}`);
    assert.ok(Number(zout.lastRow) - Number(zout.firstRow) > Number(zin.lastRow) - Number(zin.firstRow));
  });

  it('a click on the minimap jumps there', async () => {
    const a0 = await loadAtTop();
    const rows = Number(a0.rows);
    const mini = (await d.page.locator('canvas.minimap').boundingBox())!;
    await d.page.mouse.click(mini.x + mini.width / 2, mini.y + mini.height * 0.75);
    const a1 = await until(d, 'n("firstRow") > 0');
    const mid = (Number(a1.firstRow) + Number(a1.lastRow)) / 2;
    assert.ok(Math.abs(mid - rows * 0.75) < rows * 0.08, `view centred near 3/4 of ${rows} rows: ${a1.firstRow}–${a1.lastRow}`);
    await d.page.mouse.click(mini.x + mini.width / 2, mini.y + 2);
    await until(d, 'n("firstRow") === 0');
  });

  it('a click on a lane header collapses the lane, another expands it', async () => {
    await loadAtTop();
    const { laneW, left } = await d.page.evaluate(() => {
      const v = (window as unknown as { coroscope: { view: { laneW: number; left: number } } }).coroscope.view;
      return { laneW: v.laneW, left: v.left };
    });
    const box = await canvasBox(d);
    const x = box.x + 52 - left + 2 * laneW + laneW / 2; // lane 2 (`output #2`), past the 52 px gutter
    await d.page.mouse.click(x, box.y + 30);
    await until(d, 'a.collapsed === "2"');
    // Collapsed lanes are narrow: the next lanes move left, so the same header point now falls on another lane.
    const collapsedW = await d.page.evaluate(() => {
      const w = window as unknown as { coroscope: { view: { laneW: number } } };
      return w.coroscope.view.laneW;
    });
    await d.page.mouse.click(box.x + 52 - left + 2 * collapsedW + 15, box.y + 30);
    await until(d, 'a.collapsed === ""');
  });

  it('the events table is a grid driven by the keyboard', async () => {
    const a0 = await loadAtTop();
    assert.equal(await d.page.getAttribute('.table', 'role'), 'grid');
    await d.page.focus('.table');
    await d.page.keyboard.press('ArrowDown'); // first key: row 0
    await d.page.keyboard.press('ArrowDown');
    await d.page.keyboard.press('ArrowDown');
    await until(d, 'n("selected") >= 0');
    assert.equal(await d.page.getAttribute('.table', 'aria-activedescendant'), 'cs-row-3');
    assert.equal(await d.page.$eval('#cs-row-3', (r) => r.getAttribute('aria-selected')), 'true');
    await d.page.keyboard.press('End');
    const rows = Number(a0.rows);
    await d.page.waitForFunction((id) => document.querySelector('.table')?.getAttribute('aria-activedescendant') === id, `cs-row-${rows - 1}`);
    // The diagram scrolled along to the last row.
    await until(d, `n("lastRow") === ${rows - 1}`);
    await d.page.keyboard.press('Home');
    await d.page.waitForFunction(() => document.querySelector('.table')?.getAttribute('aria-activedescendant') === 'cs-row-0');
    await until(d, 'n("firstRow") === 0');
    await d.page.keyboard.press('PageDown');
    const pageRow = await d.page.$eval('.table', (t) => Number((t.getAttribute('aria-activedescendant') ?? '').replace('cs-row-', '')));
    assert.ok(pageRow > 5, `PageDown moves a page of rows: ${pageRow}`);
  });

  it('offers Follow only while a live run streams and the newest events are out of view', async () => {
    const trace = channelTrace(3, 150, { finish: false }).split('\n').filter(Boolean);
    await d.send({ type: 'reset', title: 'live.py', live: true });
    await d.send({ type: 'status', state: 'running' });
    await d.send({ type: 'test.append', chunk: trace.slice(0, 200).join('\n') + '\n' });
    let a = await until(d, 'n("events") === 199');
    assert.equal(a.follow, 'true');
    assert.equal(a.followShown, 'false', 'following: no button');
    assert.equal(Number(a.lastRow), Number(a.rows) - 1, 'following shows the newest row');
    // The learner scrolls up: following stops and the button appears.
    await d.page.focus('canvas.body');
    await d.page.keyboard.press('Home');
    a = await until(d, 'a.followShown === "true"');
    assert.equal(a.follow, 'false');
    // New events do not move the view while the learner reads.
    await d.send({ type: 'test.append', chunk: trace.slice(200, 250).join('\n') + '\n' });
    a = await until(d, 'n("events") === 249');
    assert.equal(a.firstRow, '0');
    assert.ok(await d.page.isVisible('button.follow'));
    await d.page.click('button.follow');
    a = await until(d, 'a.follow === "true" && n("lastRow") === n("rows") - 1');
    assert.equal(a.followShown, 'false');
    // Following again: the next batch scrolls into view.
    await d.send({ type: 'test.append', chunk: trace.slice(250).join('\n') + '\n' });
    a = await until(d, `n("events") === ${trace.length - 1} && n("lastRow") === n("rows") - 1`);
    // The run ends while scrolled away: nothing to follow any more.
    await d.page.focus('canvas.body');
    await d.page.keyboard.press('Home');
    await until(d, 'a.followShown === "true"');
    await d.send({ type: 'status', state: 'exited', exitCode: 0 });
    a = await until(d, 'a.followShown === "false"');
    assert.equal(await d.page.isVisible('button.follow'), false);
    // A loaded trace scrolled to its top never offers Follow.
    await loadAtTop();
    a = await attrs(d);
    assert.equal(a.followShown, 'false');
    assert.equal(await d.page.isVisible('button.follow'), false);
  });
});

describe('diagram in a narrow panel', function () {
  this.timeout(120_000);
  let d: Diagram;
  withDiagram({ width: 700, height: 900 }, (opened) => {
    d = opened;
  });

  it('starts with the table hidden so the diagram has the height, and remembers when the learner shows it', async () => {
    await d.load(channelTrace(10, 40), { title: 'stackless_channels.py' });
    await d.send({ type: 'status', state: 'loaded' });
    await until(d, 'a.table === "hidden"');
    assert.equal(await d.page.isVisible('.table'), false);
    const canvasH = (await canvasBox(d)).height;
    assert.ok(canvasH > 780, `the diagram takes the panel's height: ${canvasH}`);
    // The toolbar stays one row.
    const tb = (await d.page.locator('.toolbar').boundingBox())!;
    assert.ok(tb.height < 40, `toolbar height ${tb.height}`);
    await d.page.screenshot({ path: join(shots, 'webview-narrow.png') });
    await d.page.click('button[aria-label="Events table"]');
    await until(d, 'a.table === "shown"');
    assert.ok(await d.page.isVisible('.table'));
    assert.ok((await d.tableRows()).length > 5);
    await d.page.waitForFunction(() => JSON.parse(sessionStorage.getItem('coroscope-state') ?? '{}').tableOn === true);
    await d.page.reload();
    await d.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await d.load(channelTrace(10, 40), { title: 'stackless_channels.py' });
    await until(d, 'a.table === "shown"');
    assert.ok(await d.page.isVisible('.table'));
  });
});
