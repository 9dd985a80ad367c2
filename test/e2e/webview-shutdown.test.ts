// asyncio.run's own shutdown folded (issue 17): on an asyncio example traced by the real runtime, the loop's
// clean-up runs (shutdown_asyncgens, shutdown_default_executor) and its `Thread-1 (_do_shutdown)` lane are one
// "shutdown" row by default, with a visible toolbar toggle that shows them as rows (and a click on the row too).
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { traceProgram, type Diagram, withDiagram, SHOTS as shots } from './harness';

describe('diagram: asyncio.run shutdown folded into one row (issue 17)', function () {
  this.timeout(180_000);
  let d: Diagram;
  withDiagram({ width: 1400, height: 800 }, (opened) => {
    d = opened;
  });

  it('folds the shutdown machinery and its thread by default; the toggle shows it and folds it again', async () => {
    const text = traceProgram('examples/asyncio_tasks.py');
    const events = text.split('\n').filter((l) => l.trim() && !l.includes('"type":"header"'));
    // What the runtime recorded after main() returned: the loop run again twice, a _do_shutdown thread.
    const shutdownThread = events
      .map((l) => JSON.parse(l) as { type: string; id?: string; name?: string })
      .find((e) => e.type === 'task' && /_do_shutdown/.test(e.name ?? ''));
    assert.ok(shutdownThread?.id, 'the runtime records the _do_shutdown thread');
    await d.load(text, { title: 'asyncio_tasks.py' });

    // Folded: one shutdown row, the thread's lane not drawn, no bare run/return pair after main() ended.
    const toggle = d.page.locator('button[aria-label^="Show asyncio.run\'s own shutdown"]');
    assert.equal(await toggle.isVisible(), true, 'the toggle is visible');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    let s = await d.summary();
    const fold = s.folds?.find((f) => f.shutdown);
    assert.ok(fold?.collapsed, JSON.stringify(s.folds));
    assert.deepEqual(s.hiddenLanes, [shutdownThread.id]);
    // (the summary's labels: each fold row's own label, and every switch's)
    const shutdownRows = s.labels.filter((e) => e.startsWith('shutdown: asyncio.run closes its loop'));
    assert.equal(shutdownRows.length, 1, JSON.stringify(s.labels));
    const runs = s.labels.filter((e) => e === 'run').length;
    assert.match(shutdownRows[0], /2 runs of its own.*thread Thread-1 \(_do_shutdown\)/);
    const folded = s.rows ?? 0;
    await d.page.screenshot({ path: join(shots, 'webview-asyncio-shutdown-folded.png') });

    // Shown: every event of it is a row again, the thread has its lane.
    await toggle.click();
    await d.page.waitForFunction(() => document.querySelector('button[aria-label^="Show asyncio.run"]')?.getAttribute('aria-pressed') === 'true');
    s = await d.summary();
    assert.equal(s.folds?.find((f) => f.shutdown)?.collapsed, false);
    assert.deepEqual(s.hiddenLanes, []);
    assert.equal(s.rows, folded - 1 + (fold?.period ?? 0));
    assert.ok(!s.labels.some((e) => e.startsWith('shutdown')), JSON.stringify(s.labels));
    assert.equal(s.labels.filter((e) => e === 'run').length, runs + 2, 'its two runs of the loop are rows again');
    assert.ok(s.tasks.some((t) => t.id === shutdownThread.id));
    await d.page.screenshot({ path: join(shots, 'webview-asyncio-shutdown-shown.png') });

    // The help says what the row and the toggle are.
    await d.page.click('button[aria-label^="What the diagram shows"]');
    assert.match((await d.page.textContent('.legend')) ?? '', /shutdown row.*asyncio\.run's own clean-up.*Shutdown toggle/);
    await d.page.click('button[aria-label^="What the diagram shows"]');

    // And folded again.
    await toggle.click();
    await d.page.waitForFunction(() => document.querySelector('button[aria-label^="Show asyncio.run"]')?.getAttribute('aria-pressed') === 'false');
    s = await d.summary();
    assert.equal(s.rows, folded);
  });

  it('a trace without asyncio.run has no shutdown toggle', async () => {
    await d.load(traceProgram('examples/threads_queue.py'), { title: 'threads_queue.py' });
    assert.equal(await d.page.locator('button[aria-label^="Show asyncio.run\'s own shutdown"]').isVisible(), false);
    const s = await d.summary();
    assert.ok(!s.folds?.some((f) => f.shutdown));
  });
});
