// A real VS Code (code-server, test/integration/code-server.mjs) in a real browser, on a fresh workspace of the
// examples, with this checkout's extension loaded as in development: what the e2e tests that drive the workbench share.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './harness';

interface CodeServer {
  authority: string;
  stop(): void;
}
interface CodeServerModule {
  CHROMIUM_ARGS: string[];
  prepareWorkspace(work: string): string;
  startCodeServer(work: string, ws: string, env?: Record<string, string>, opts?: { trust: boolean }): Promise<CodeServer>;
}

export interface Workbench {
  page: Page;
  /** Closes the browser, stops code-server and removes the workspace. */
  close(): Promise<void>;
}

/**
 * Starts code-server on a fresh workspace under `.test-work/<name>-<pid>` (trusted, or opened in Restricted Mode) and
 * opens it in Chromium; returns once the page is on its way (the caller waits for what it needs: the workbench, a
 * status bar item). Whatever was started is stopped again if this fails.
 */
export async function openWorkbench(name: string, opts: { trust: boolean }): Promise<Workbench> {
  const cs = (await import(join(ROOT, 'test', 'integration', 'code-server.mjs'))) as CodeServerModule;
  const work = join(ROOT, '.test-work', `${name}-${process.pid}`);
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  const close = async () => {
    await browser?.close();
    server?.stop();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const ws = cs.prepareWorkspace(work);
    server = await cs.startCodeServer(work, ws, {}, { trust: opts.trust });
    browser = await chromium.launchPersistentContext(join(work, 'chromium'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: cs.CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const payload = [['extensionDevelopmentPath', `vscode-remote://${server.authority}${ROOT}`]];
    // (60 s as the workbench waits: on a loaded machine code-server's first page took longer than playwright's 30 s default)
    await page.goto(`http://${server.authority}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`, {
      timeout: 60000,
    });
    return { page, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Opens `examples/<file>` from the Explorer, as a user would (Quick Open depends on a file index that may lag), and
 * waits for its editor to show `text` and for the Python language to be set on it.
 */
export async function openExample(page: Page, file: string, text: string): Promise<void> {
  const row = (name: string) =>
    page
      .locator('.explorer-folders-view .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) }) })
      .first();
  await row('examples').click({ timeout: 60000 });
  await row(file).click({ timeout: 30000 });
  await page.locator('.monaco-editor .view-lines', { hasText: text }).first().waitFor({ timeout: 30000 });
  await page
    .locator('.statusbar-item', { hasText: /^Python$/ })
    .first()
    .waitFor({ timeout: 60000 });
}
