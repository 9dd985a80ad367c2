// The true story on screen (issue 17) in a real browser: values as the program wrote them, wakes with their causes
// in words (never raw task ids), the selected event whole in the details pane, and every example traced by the real
// runtime drawn without a page error (screenshots in test-results/).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, ROOT, type Diagram, withDiagram, SHOTS as shots } from './harness';

describe('diagram: values, causes and the details pane (issue 17)', function () {
  this.timeout(180_000);
  let d: Diagram;
  withDiagram({ width: 1400, height: 800 }, (opened) => {
    d = opened;
  });

  it('labels read as written and wakes say who woke them, by name', async () => {
    await d.load(fixture('screen-causes.jsonl'), { title: 'story.py' });
    const s = await d.summary();
    assert.ok(s.labels.includes('switch(2, 3)'), JSON.stringify(s.labels));
    assert.ok(s.labels.includes('got result 9') || s.labels.includes('run square(3)'), JSON.stringify(s.labels));
    // The table lists every event: its Event column carries the same words.
    await d.page.click('button[aria-label="Events table"]').catch(() => undefined);
    await d.page.waitForSelector('.table .trows [role=row]'); // (the table draws its rows in a later frame)
    const events = (await d.tableRows()).map((r) => r[4]);
    for (const want of [
      'woken by main: ready.set() (line 10)',
      'cancelled by main (line 19)',
      'timed out during sleep 0.01 s (line 23)',
      'submit square(3)',
      'run square(3)',
      'unfinished: paused at line 8 (waiting for event ready)',
    ]) {
      assert.ok(events.includes(want), `${want} in ${JSON.stringify(events)}`);
    }
    // The long URL keeps its distinguishing tail when cut.
    const url = events.find((e) => e.startsWith('switch(') && e.includes('127.0.0.1'));
    assert.ok(url?.includes('…') && url.endsWith("/slow')"), url);
    assert.ok(!events.some((e) => /\bby [0-9]+\b/.test(e)), 'no raw task id');
  });

  it('selecting a row shows the whole event in a details pane, copyable', async () => {
    const i = await d.page.evaluate(() => {
      const app = (window as unknown as { coroscope: { store: { length: number; value(i: number): string | undefined }; focusEvent(i: number): void } })
        .coroscope;
      for (let k = 0; k < app.store.length; k++)
        if ((app.store.value(k) ?? '').includes('/slow')) {
          app.focusEvent(k);
          return k;
        }
      return -1;
    });
    assert.ok(i >= 0);
    await d.page.waitForSelector('.details-pane:not([hidden])');
    const text = await d.page.textContent('.details-text');
    assert.ok(text?.includes('a'.repeat(300) + "/slow'"), 'the whole value, not a clipped one');
    assert.ok(text?.includes('main → adder'));
    await d.page.screenshot({ path: join(shots, 'webview-details-pane.png') });
    await d.page.click('.details-pane button[aria-label^="Close"]');
    await d.page.waitForSelector('.details-pane', { state: 'hidden' });
  });

  it('a legend explains each mark and word', async () => {
    await d.page.click('button[aria-label^="What the diagram shows"]');
    await d.page.waitForSelector('.legend:not([hidden])');
    const text = await d.page.textContent('.legend');
    for (const w of ['step', 'Hub', 'io-wait', 'schedule', 'fd', 'unfinished', 'first run of']) assert.ok(text?.includes(w), w);
    await d.page.screenshot({ path: join(shots, 'webview-legend.png') });
    await d.page.click('button[aria-label^="What the diagram shows"]');
    await d.page.waitForSelector('.legend', { state: 'hidden' });
  });

  // Every example, traced by the real runtime (Debian's Python has greenlet and gevent).
  const examples = readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.py'))
    .sort();
  for (const ex of examples) {
    it(`draws examples/${ex} as traced by the runtime`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'coroscope-e2e-ex-'));
      const trace = join(dir, 'trace.jsonl');
      const r = spawnSync('/usr/bin/python3', ['-m', 'coroscope', '--trace', trace, ex], {
        cwd: join(ROOT, 'examples'),
        env: { ...process.env, PYTHONPATH: join(ROOT, 'runtime') },
        encoding: 'utf8',
        timeout: 90_000,
      });
      assert.equal(r.status, 0, r.stderr);
      const text = readFileSync(trace, 'utf8');
      await d.load(text, { title: ex });
      const s = await d.summary();
      assert.ok(s.events > 0);
      if (ex === 'asyncio_tasks.py') {
        // The main thread and the main() task are told apart everywhere.
        const labels = s.tasks.map((t) => t.label);
        assert.ok(labels.includes('main thread') && labels.includes('task main()'), JSON.stringify(labels));
      }
      const events = (await d.tableRows()).map((row) => row[4]);
      assert.ok(!events.some((e) => /\bby [0-9]+(:[0-9]+)?\b/.test(e)), `no raw task id in ${JSON.stringify(events)}`);
      // A task whose site is its first run (3.11 generators) is never drawn as created (issue 16 point 1).
      const decl = text
        .split('\n')
        .filter((l) => l.includes('"type":"task"'))
        .map((l) => JSON.parse(l) as { name: string; site?: string });
      const made = new Set(decl.filter((t) => t.site !== 'first-run').map((t) => t.name));
      const firstRun = new Set(decl.filter((t) => t.site === 'first-run' && !made.has(t.name)).map((t) => t.name));
      const wrong = events.filter((e) => firstRun.has(/^create (.+?)(?: #\d+)?$/.exec(e)?.[1] ?? ''));
      assert.deepEqual(wrong, [], 'first-run tasks drawn as created');
      // (Debian's 3.11 runs the settrace path: the generators' sites are their first runs)
      if (ex === 'producer_consumer.py')
        assert.ok(
          events.some((e) => e.startsWith('first run of ')),
          JSON.stringify(events.slice(0, 8)),
        );
      await d.page.screenshot({ path: join(shots, `webview-example-${ex.replace(/\.py$/, '')}.png`) });
      // Honest time: the Time scale at Fit is proportional (no gap breaks unless asked) and still has labels.
      await d.page.evaluate(() => {
        const app = (window as unknown as { coroscope: { setScale(s: string): void; fit(): void } }).coroscope;
        app.setScale('time');
        app.fit();
      });
      await d.page.waitForFunction(() => document.getElementById('coroscope-root')?.dataset.scale === 'time');
      assert.equal(await d.page.isVisible('button[aria-label^="Compress long gaps"]'), true, 'the gap option is visible on the Time scale');
      assert.equal(await d.page.getAttribute('button[aria-label^="Compress long gaps"]', 'aria-pressed'), 'false');
      await d.page.screenshot({ path: join(shots, `webview-example-${ex.replace(/\.py$/, '')}-time-fit.png`) });
      await d.page.evaluate(() => (window as unknown as { coroscope: { setScale(s: string): void } }).coroscope.setScale('steps'));
    });
  }
});
