// Workspace trust in a real VS Code: a folder opened untrusted (Restricted Mode) must not run scripts, and
// opening saved traces stays available.
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SHOTS as results } from './harness';
import { openExample, openWorkbench, type Workbench } from './workbench';

/** The palette's rows for `query`, read once a row matching `loaded` shows (the extension's commands are listed). */
async function paletteRows(page: Page, query: string, loaded: RegExp): Promise<string[]> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${query}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: loaded }).first().waitFor({ timeout: 15000 });
  const rows = await page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents();
  await page.keyboard.press('Escape');
  return rows;
}

describe('e2e: workspace trust in VS Code', function () {
  this.timeout(240000);
  let wb: Workbench | undefined;

  after(async () => {
    await wb?.close();
  });

  it('in Restricted Mode, Run Current File is unavailable while Open Trace… stays', async () => {
    wb = await openWorkbench('e2e-trust', { trust: false });
    const { page } = wb;
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 60000 });
    await openExample(page, 'producer_consumer.py', 'def consumer');

    const rows = await paletteRows(page, 'Coroscope:', /Open Trace/);
    mkdirSync(results, { recursive: true });
    await page.screenshot({ path: join(results, 'e2e-trust-restricted.png') });
    assert.ok(
      rows.some((r) => /Open Trace/.test(r)),
      `Open Trace… is offered: ${JSON.stringify(rows)}`,
    );
    assert.ok(!rows.some((r) => /Run Current File/.test(r)), `Run Current File is not offered in Restricted Mode: ${JSON.stringify(rows)}`);
    // And nothing ran: no diagram panel, no Coroscope terminal.
    assert.equal(await page.locator('.tab', { hasText: 'Tasklet Diagram' }).count(), 0);
  });
});
