// The diagram in a real browser (Debian chromium): fed the host's messages, it
// must draw the lanes and arrows a learner expects, fold long loops, show
// hostile program strings as text, mark itself ready, and talk back to the host.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixture, type Diagram, testHeader, withDiagram, SHOTS as shots } from './harness';

function loopTrace(iterations: number): string {
  const F = '/home/learner/loop.py';
  const L: object[] = [testHeader(F)];
  let ts = 0;
  L.push({ type: 'task', ts: (ts += 1000), id: '1', kind: 'main', name: 'main', parent: null });
  L.push({ type: 'task', ts: (ts += 1000), id: '2', kind: 'generator', name: 'numbers', parent: '1', file: F, line: 6 });
  L.push({ type: 'switch', ts: (ts += 1000), from: '1', to: '2', reason: 'start', file: F, line: 7 });
  for (let i = 0; i < iterations; i++) {
    L.push({ type: 'switch', ts: (ts += 1000), from: '2', to: '1', reason: 'yield', value: String(i), file: F, line: 3 });
    L.push({ type: 'switch', ts: (ts += 1000), from: '1', to: '2', reason: 'resume', file: F, line: 7 });
  }
  L.push({ type: 'end', ts: (ts += 1000), task: '2', outcome: 'return', value: 'None' });
  L.push({ type: 'switch', ts: (ts += 1000), from: '2', to: '1', reason: 'return', value: 'None', file: F, line: 4 });
  L.push({ type: 'output', ts: (ts += 1000), task: '1', stream: 'stdout', text: `sum = ${(iterations * (iterations - 1)) / 2}\n` });
  L.push({ type: 'finish', ts: (ts += 1000), exitCode: 0, dropped: 0 });
  return L.map((o) => JSON.stringify(o)).join('\n') + '\n';
}

describe('diagram webview in a real browser', function () {
  this.timeout(120_000);
  let d: Diagram;
  withDiagram({}, (opened) => {
    d = opened;
  });

  it('posts ready on load and marks the root ready with the event count', async () => {
    assert.ok((await d.posted()).some((m) => m.type === 'ready'));
    const text = fixture('webview-producer-consumer.jsonl');
    await d.load(text, { title: 'producer_consumer.py', linesPerChunk: 7 });
    const root = await d.page.$eval('#coroscope-root', (r) => ({ state: r.getAttribute('data-coroscope-state'), events: r.getAttribute('data-events') }));
    assert.deepEqual(root, { state: 'ready', events: String(text.trim().split('\n').length - 1) });
  });

  it('draws the producer/consumer lanes and arrows as a learner reads them', async () => {
    await d.load(fixture('webview-producer-consumer.jsonl'), { title: 'producer_consumer.py' });
    const s = await d.summary();
    assert.deepEqual(
      s.tasks.map((t) => `${t.name}:${t.kind}`),
      ['main:main', 'consumer:generator'],
    );
    assert.equal(s.switches, 14);
    for (let n = 1; n <= 5; n++) assert.ok(s.labels.includes(`send(${n})`), `label send(${n}) in ${JSON.stringify(s.labels)}`);
    assert.ok(s.labels.includes("yield '200 OK'"));
    // The program starts the consumer with `c.send(None)` (line 18): drawn as written, not as next().
    assert.equal(s.labels[0], 'send(None)');
    assert.equal(s.labels.filter((l) => l === "yield '200 OK'").length, 5);
    // The table says the same, row by row, in the order of the diagram.
    const rows = await d.tableRows();
    const events = rows.map((r) => r[4]);
    const firstSend = events.indexOf('send(1)');
    assert.ok(firstSend > 0, `table rows: ${JSON.stringify(events)}`);
    assert.deepEqual(rows[firstSend].slice(2, 4), ['main', 'consumer']);
    assert.equal(events[firstSend + 1], '[CONSUMER] Consuming 1...');
    assert.equal(events[firstSend + 2], "yield '200 OK'");
    assert.deepEqual(rows[firstSend + 2].slice(2, 4), ['consumer', 'main']);
    assert.ok(events.includes('returned None'), 'the consumer lane ends with its outcome');
    assert.equal(await d.page.getAttribute('.table', 'role'), 'grid');
    await d.page.screenshot({ path: join(shots, 'webview-producer-consumer.png') });
  });

  it('posts reveal with the source site when an arrow is clicked', async () => {
    await d.load(fixture('webview-producer-consumer.jsonl'), { title: 'producer_consumer.py' });
    const pos = await d.page.evaluate(() => {
      const app = (
        window as unknown as {
          coroscope: {
            model: { rowCount: number; rowEvent(r: number): number; store: { value(i: number): string | undefined; type(i: number): string } };
            rowPosition(r: number): { x: number; y: number } | null;
          };
        }
      ).coroscope;
      for (let r = 0; r < app.model.rowCount; r++) {
        const e = app.model.rowEvent(r);
        if (app.model.store.type(e) === 'switch' && app.model.store.value(e) === '3') return { ...app.rowPosition(r)!, e };
      }
      return null;
    });
    assert.ok(pos, 'the send(3) row is on screen');
    const box = (await d.page.locator('canvas.body').boundingBox())!;
    await d.page.mouse.click(box.x + pos.x, box.y + pos.y);
    const reveal = (await d.posted()).filter((m) => m.type === 'reveal').pop();
    assert.deepEqual(reveal, { type: 'reveal', file: '/home/learner/examples/producer_consumer.py', line: 18, index: pos.e });
  });

  it('folds a 10,000-iteration loop into one expandable row with its count', async () => {
    const text = loopTrace(10_000);
    await d.load(text, { title: 'loop.py', linesPerChunk: 3000 });
    const s = await d.summary();
    assert.equal(s.events, 2 + 1 + 20_000 + 4);
    assert.equal(s.folds?.length, 1);
    assert.equal(s.folds![0].period, 2);
    assert.equal(s.folds![0].count, 10_000);
    assert.ok(s.rows! < 20, `rows: ${s.rows}`);
    const fold = s.labels.find((l) => l.startsWith('↻'));
    assert.ok(fold?.includes('9,998 more') && fold.includes('×10,000'), `fold label: ${fold}`);
    assert.ok(s.labels.includes('yield 0') && s.labels.includes('yield 9999'), 'first and last iterations stay visible');
    const foldRow = await d.page.$$eval('.table .trow.fold', (r) => r.map((x) => x.textContent ?? ''));
    assert.equal(foldRow.length, 1);
    assert.match(foldRow[0], /9,998 more repetitions/);
    // fit() draws on the next animation frame; a frame callback queued after it runs once that draw is done.
    await d.page.evaluate(
      () =>
        new Promise<void>((r) => {
          (window as unknown as { coroscope: { fit(): void } }).coroscope.fit();
          requestAnimationFrame(() => r());
        }),
    );
    await d.page.screenshot({ path: join(shots, 'webview-fold.png') });
    // Expanding the row (Enter in the table) shows every iteration.
    await d.page.click('.table .trow.fold');
    await d.page.keyboard.press('Enter');
    const expanded = await d.summary();
    assert.equal(expanded.rows, expanded.events);
    assert.equal(expanded.folds![0].collapsed, false);
  });

  it('shows hostile program strings as text, never markup', async () => {
    await d.page.evaluate(() => {
      (window as unknown as { __pwned?: number }).__pwned = undefined;
    });
    const text = fixture('webview-xss.jsonl');
    await d.load(text, { title: '<img src=x onerror=window.__pwned=9>' });
    const s = await d.summary();
    assert.ok(s.labels.includes('switch(<img src=x onerror=window.__pwned=1>)'), JSON.stringify(s.labels));
    const cells = (await d.tableRows()).flat();
    assert.ok(cells.includes('switch(<img src=x onerror=window.__pwned=1>)'));
    assert.ok(cells.includes('<script>window.__pwned=4</script>'));
    // Hover shows the full value as text too.
    const pos = await d.page.evaluate(() =>
      (window as unknown as { coroscope: { rowPosition(r: number): { x: number; y: number } | null } }).coroscope.rowPosition(2),
    );
    const box = (await d.page.locator('canvas.body').boundingBox())!;
    await d.page.mouse.move(box.x + pos!.x, box.y + pos!.y);
    const tip = await d.page.$eval('.tooltip', (t) => t.textContent ?? '');
    assert.match(tip, /value: <img src=x onerror=window\.__pwned=1>/);
    const injected = await d.page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      imgs: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script:not([nonce])').length,
      bold: document.querySelectorAll('#coroscope-root b, #coroscope-root i, #coroscope-root svg').length,
    }));
    assert.deepEqual(injected, { pwned: undefined, imgs: 0, scripts: 0, bold: 0 });
    await d.page.screenshot({ path: join(shots, 'webview-xss.png') });
  });

  it('highlights the events of the editor line, focuses an event, and exports SVG and PNG', async () => {
    await d.load(fixture('webview-producer-consumer.jsonl'), { title: 'producer_consumer.py' });
    await d.send({ type: 'highlight', file: '/home/learner/examples/producer_consumer.py', line: 18 });
    await d.send({ type: 'focus', index: 20 });
    await d.page
      .waitForFunction(() => /send\(4\)/.test(document.querySelector('.table .trow.active')?.textContent ?? ''), undefined, { timeout: 10000 })
      .catch(() => undefined); // the assertion below reports what was selected instead
    const active = await d.page.$eval('.table .trow.active', (r) => r.textContent ?? '');
    assert.match(active, /send\(4\)/);
    await d.page.click('button[title^="Export the visible diagram as SVG"]');
    await d.page.click('button[title^="Export the visible diagram as PNG"]');
    const saved = (await d.posted()).filter((m) => m.type === 'saveImage') as unknown as { format: string; data: string }[];
    assert.equal(saved.length, 2);
    assert.equal(saved[0].format, 'svg');
    assert.match(saved[0].data, /^<\?xml[\s\S]*<svg[\s\S]*send\(4\)[\s\S]*<\/svg>\s*$/);
    assert.equal(saved[1].format, 'png');
    assert.match(saved[1].data, /^data:image\/png;base64,/);
    await d.page.screenshot({ path: join(shots, 'webview-highlight.png') });
  });

  it('shows a Stop button while running that posts stop, and keeps its view after a reload', async () => {
    await d.load(fixture('webview-producer-consumer.jsonl'), { title: 'producer_consumer.py' });
    await d.send({ type: 'status', state: 'running' });
    await d.page.click('button.stop');
    assert.ok((await d.posted()).some((m) => m.type === 'stop'));
    await d.send({ type: 'status', state: 'exited', exitCode: 0 });
    // postMessage is delivered asynchronously: wait for the page to take the new status.
    await d.page.waitForSelector('.toolbar .status[data-state="exited"]');
    assert.equal(await d.page.isVisible('button.stop'), false);
    // Switch to the time scale and hide the table, then reload: the host replays the trace.
    await d.page.click('button[title^="Vertical scale"]');
    await d.page.click('button[aria-label="Events table"]');
    // The view state is saved shortly after a change; reload once it is (not after a fixed wait).
    await d.page.waitForFunction(() => {
      const s = JSON.parse(sessionStorage.getItem('coroscope-state') ?? '{}') as { scale?: string; tableOn?: boolean | null };
      return s.scale === 'time' && typeof s.tableOn === 'boolean';
    });
    await d.page.reload();
    await d.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await d.load(fixture('webview-producer-consumer.jsonl'), { title: 'producer_consumer.py' });
    assert.equal(await d.page.textContent('button[title^="Vertical scale"] .label'), 'Time');
    assert.equal(await d.page.isVisible('.table'), false);
  });
});
