// A real browser on the diagram bundle: serves dist/webview over loopback HTTP
// in the page shell the panel and report use (diagramPage, strict CSP), with a
// stubbed acquireVsCodeApi that records what the page posts and keeps its state
// in sessionStorage (so a reload restores it, as VS Code's does). Feeds host
// messages through window.postMessage, exactly as the panel host does.
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, extname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { diagramPage } from '../../webview/page';
import type { HostMessage } from '../../protocol/messages';
import type { DiagramSummary, TestHostMessage } from '../../protocol/test-messages';

export const ROOT = join(__dirname, '..', '..', '..');
export const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const BOOT = `
(function () {
  window.__posted = [];
  window.acquireVsCodeApi = function () {
    return {
      postMessage: function (m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
      getState: function () { var s = sessionStorage.getItem('coroscope-state'); return s ? JSON.parse(s) : undefined; },
      setState: function (s) { sessionStorage.setItem('coroscope-state', JSON.stringify(s)); },
    };
  };
})();
`;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json' };

export interface Diagram {
  page: Page;
  url: string;
  /** The browser's profile folder (identifies its processes). */
  profile: string;
  /** Messages the page posted to the host. */
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  send(m: HostMessage | TestHostMessage): Promise<void>;
  /** reset + the trace text in chunks of `linesPerChunk` lines, then wait for ready with every event. */
  load(text: string, opts?: { title?: string; live?: boolean; linesPerChunk?: number; events?: number }): Promise<void>;
  waitReady(events: number): Promise<void>;
  summary(): Promise<DiagramSummary>;
  /** Cell texts of the rendered table rows. */
  tableRows(): Promise<string[][]>;
  close(): Promise<void>;
}

export async function openDiagram(opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<Diagram> {
  // COROSCOPE_WEBVIEW_DIST: another build of the bundle (the benchmark compares a branch's with its base's, interleaved).
  const dist = process.env.COROSCOPE_WEBVIEW_DIST ?? join(ROOT, 'dist/webview');
  if (!existsSync(join(dist, 'webview.js'))) throw new Error('dist/webview/webview.js missing: run npm run build first');
  const nonce = randomBytes(16).toString('base64');
  let html = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    // (a browser tab asks for one; a VS Code webview does not)
    if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const file = join(dist, path.replace(/^\/+/, '').replace(/\.\./g, ''));
    if (!existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  html = diagramPage({
    title: 'Coroscope test',
    nonce,
    cspSource: origin,
    scriptUri: `${origin}/webview.js`,
    styleUris: [`${origin}/codicon.css`, `${origin}/webview.css`],
    bootScript: BOOT,
  });
  const profile = mkdtempSync(join(tmpdir(), 'coroscope-e2e-webview-'));
  const ctx: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ARGS,
    headless: true,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 760 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));

  const d: Diagram = {
    page,
    profile,
    url: `${origin}/`,
    posted: () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted),
    send: (m) => page.evaluate((msg) => window.postMessage(msg, '*'), m),
    async waitReady(events) {
      await page.waitForSelector(`#coroscope-root[data-coroscope-state=ready][data-events="${events}"]`, { timeout: 60_000 });
    },
    async load(text, o = {}) {
      await d.send({ type: 'reset', title: o.title ?? 'test', live: o.live ?? false });
      const lines = text.split('\n').filter((l) => l.trim());
      const per = o.linesPerChunk ?? 5000;
      for (let k = 0; k < lines.length; k += per) await d.send({ type: 'test.append', chunk: lines.slice(k, k + per).join('\n') + '\n' });
      const events = o.events ?? lines.filter((l) => !l.includes('"type":"header"')).length;
      await d.waitReady(events);
    },
    async summary() {
      const before = (await d.posted()).length;
      await d.send({ type: 'test.query' });
      await page.waitForFunction(
        (n) => (window as unknown as { __posted: { type: string }[] }).__posted.slice(n).some((m) => m.type === 'test.summary'),
        before,
      );
      const all = await d.posted();
      const m = all.slice(before).find((x) => x.type === 'test.summary') as unknown as { summary: DiagramSummary };
      return m.summary;
    },
    tableRows: () =>
      page.$$eval('.table .trows [role=row]', (rows) => rows.map((r) => [...r.querySelectorAll('[role=gridcell]')].map((c) => c.textContent ?? ''))),
    async close() {
      await ctx.close();
      await new Promise<void>((r) => server.close(() => r()));
      // an error in the page's console is a bug the learner would see in the panel's devtools
      assert.deepEqual(errors, [], 'errors in the page');
    },
  };
  return d;
}

export function fixture(name: string): string {
  return readFileSync(join(ROOT, 'test/fixtures/traces', name), 'utf8');
}

/**
 * Runs a Python program under the real runtime (Debian's Python has greenlet and gevent) in its own folder and
 * returns the trace text. `path` is relative to the repository.
 */
export function traceProgram(path: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'coroscope-e2e-trace-'));
  const trace = join(dir, 'trace.jsonl');
  const r = spawnSync('/usr/bin/python3', ['-m', 'coroscope', '--trace', trace, basename(path)], {
    cwd: join(ROOT, dirname(path)),
    env: { ...process.env, PYTHONPATH: join(ROOT, 'runtime') },
    encoding: 'utf8',
    timeout: 90_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(trace, 'utf8');
}
