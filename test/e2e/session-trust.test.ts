// Workspace trust in a real VS Code: a folder opened untrusted (Restricted Mode) must not run scripts, and
// opening saved traces stays available.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const root = join(__dirname, '..', '..', '..');
const results = join(root, 'test-results');

interface CodeServer {
  authority: string;
  stop(): void;
}
interface CodeServerModule {
  CHROMIUM_ARGS: string[];
  prepareWorkspace(work: string): string;
  startCodeServer(work: string, ws: string, env?: Record<string, string>, opts?: { trust: boolean }): Promise<CodeServer>;
}

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
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  const work = join(root, '.test-work', `e2e-trust-${process.pid}`);

  after(async () => {
    await browser?.close();
    server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('in Restricted Mode, Run Current File is unavailable while Open Trace… stays', async () => {
    const cs = (await import(join(root, 'test', 'integration', 'code-server.mjs'))) as CodeServerModule;
    const ws = cs.prepareWorkspace(work);
    server = await cs.startCodeServer(work, ws, {}, { trust: false });
    browser = await chromium.launchPersistentContext(join(work, 'chromium'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: cs.CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const payload = [['extensionDevelopmentPath', `vscode-remote://${server.authority}${root}`]];
    await page.goto(`http://${server.authority}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 60000 });

    const row = (name: string) =>
      page
        .locator('.explorer-folders-view .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) }) })
        .first();
    await row('examples').click({ timeout: 60000 });
    await row('producer_consumer.py').click({ timeout: 30000 });
    await page.locator('.monaco-editor .view-lines', { hasText: 'def consumer' }).first().waitFor({ timeout: 30000 });
    await page
      .locator('.statusbar-item', { hasText: /^Python$/ })
      .first()
      .waitFor({ timeout: 60000 });

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
