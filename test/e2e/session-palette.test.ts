// The whole user journey in a real VS Code (code-server) in a real browser:
// open an example, run "Coroscope: Run Current File" from the command palette,
// and look at the tasklet diagram panel (screenshot in test-results/).
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { SHOTS as results } from './harness';
import { openExample, openWorkbench, type Workbench } from './workbench';

async function findDiagramFrame(page: Page, minEvents: number, timeoutMs: number): Promise<Frame> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const f of page.frames()) {
      const events = await f
        .evaluate(() => {
          const r = document.getElementById('coroscope-root');
          return r && r.dataset.coroscopeState === 'ready' ? Number(r.dataset.events) : -1;
        })
        .catch(() => -1);
      if (events >= minEvents) return f;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no ready tasklet diagram with ≥ ${minEvents} events within ${timeoutMs / 1000} s`);
}

async function runPaletteCommand(page: Page, title: string): Promise<void> {
  // The palette lists a command once its `when` clause holds (here: a Python editor), which may lag the editor
  // opening while the workbench is still starting; reopen it until the command shows.
  const input = page.locator('.quick-input-widget input');
  const item = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    try {
      await item.waitFor({ timeout: 10000 });
      break;
    } catch (e) {
      if (attempt >= 5) throw e;
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1000);
    }
  }
  await page.keyboard.press('Enter');
}

describe('e2e: Run Current File from the command palette in VS Code', function () {
  this.timeout(240000);
  let wb: Workbench | undefined;

  after(async () => {
    await wb?.close();
  });

  it('runs producer_consumer.py and shows its diagram in the panel', async () => {
    wb = await openWorkbench('e2e-palette', { trust: true });
    const { page } = wb;
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await openExample(page, 'producer_consumer.py', 'def consumer');

    await runPaletteCommand(page, 'Coroscope: Run Current File');
    const frame = await findDiagramFrame(page, 20, 90000);
    // The picture once the run has ended and its last batch is drawn.
    await frame.waitForFunction(
      () => document.querySelector('[data-state="exited"]') !== null && document.getElementById('coroscope-root')?.dataset.coroscopeState === 'ready',
      undefined,
      { timeout: 60000 },
    );
    mkdirSync(results, { recursive: true });
    await page.screenshot({ path: join(results, 'e2e-palette-diagram.png') });

    const text = await frame.evaluate(() => document.body.innerText);
    assert.match(text, /consumer/, 'the consumer lane is named in the diagram');
    const events = await frame.evaluate(() => Number(document.getElementById('coroscope-root')?.dataset.events));
    assert.ok(events >= 20, `the panel holds the run's events (${events})`);
  });
});
