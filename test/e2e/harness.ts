// A real browser on the diagram bundle: serves dist/webview over loopback HTTP
// in the page shell the panel and report use (diagramPage, strict CSP), with a
// stubbed acquireVsCodeApi that records what the page posts and keeps its state
// in sessionStorage (so a reload restores it, as VS Code's does). Feeds host
// messages through window.postMessage, exactly as the panel host does.
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, extname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { diagramPage } from '../../webview/page';
import type { HeaderEvent } from '../../protocol/events';
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

export interface DiagramOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
}

export async function openDiagram(opts: DiagramOptions = {}): Promise<Diagram> {
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

/** Where the e2e tests keep their screenshots (made by withDiagram). */
export const SHOTS = join(ROOT, 'test-results');

/**
 * In a mocha `describe`: before its tests, makes the screenshots folder and opens one diagram page, handed to
 * `opened`; after them, closes it (which fails the suite on any error the page logged). A suite that needs more set
 * up registers its own `before`/`after` after this call: mocha runs hooks in the order they are registered.
 */
export function withDiagram(opts: DiagramOptions, opened: (d: Diagram) => void): void {
  let d: Diagram | undefined;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    d = await openDiagram(opts);
    opened(d);
  });
  after(async () => {
    await d?.close();
  });
}

/** The header of a trace a test makes by hand for `script` (no runtime ran it). */
export function testHeader(script: string): HeaderEvent {
  return {
    type: 'header',
    schema: 1,
    runtime: 'coroscope test',
    python: '3.11',
    capture: 'settrace',
    script,
    argv: [script],
    cwd: dirname(script),
    pid: 1,
    start: 0,
    ts: 0,
  };
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

/** The diagram's scales as the SVG-export tests page through them: Steps, Time, Time at Fit, Time at Fit with compressed gaps. */
export type Mode = 'steps' | 'time' | 'time-fit' | 'time-fit-gaps';
/** At most this many pages per mode and direction (the examples' diagrams are a few pages long). */
const MAX_PAGES = 40;

/** Sets the mode, then exports every page (top to bottom, left to right) as SVG; returns the SVG texts. */
export async function exportPages(page: Page, mode: Mode, max = MAX_PAGES): Promise<string[]> {
  return page.evaluate(
    ({ mode, max }) => {
      interface V {
        scale: string;
        top: number;
        rowH: number;
        nsPx: number;
        left: number;
      }
      const app = (
        window as unknown as {
          coroscope: {
            view: V;
            model: { rowCount: number; totalTime: number };
            diagram: HTMLElement;
            setScale(s: string): void;
            setCompressGaps(on: boolean): void;
            fit(): void;
            exportImage(f: string): void;
            geometry(): { contentW: number; width: number };
            render(): void;
          };
        }
      ).coroscope;
      const posted = (window as unknown as { __posted: { type: string; data?: string }[] }).__posted;
      app.setScale(mode === 'steps' ? 'steps' : 'time');
      app.setCompressGaps(mode === 'time-fit-gaps');
      if (mode === 'time-fit' || mode === 'time-fit-gaps') app.fit();
      app.render();
      const v = app.view;
      const bodyH = app.diagram.clientHeight - 58;
      const g = app.geometry();
      const pageW = Math.max(100, g.width - 52);
      const tops: number[] = [];
      if (mode === 'steps') for (let t = 0; t < app.model.rowCount && tops.length < max; t += Math.max(1, bodyH / v.rowH - 1)) tops.push(t);
      else if (mode === 'time') for (let t = 0; t <= app.model.totalTime && tops.length < max; t += Math.max(1, (bodyH - 20) / v.nsPx)) tops.push(t);
      else tops.push(v.top);
      const lefts: number[] = [];
      for (let l = 0; l < Math.max(1, g.contentW - pageW + 1) && lefts.length < max; l += pageW) lefts.push(l);
      const out: string[] = [];
      for (const top of tops)
        for (const left of lefts) {
          v.top = top;
          v.left = left;
          const before = posted.length;
          app.exportImage('svg');
          const m = posted.slice(before).find((x) => x.type === 'saveImage');
          if (m?.data) out.push(m.data);
          posted.length = before;
        }
      v.top = 0;
      v.left = 0;
      app.render();
      return out;
    },
    { mode, max },
  );
}

/** An exported SVG page as markup a tab's `setContent` takes (without its XML declaration). */
export function svgMarkup(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

/** A text as written in the exported SVG (XML-escaped) back to the drawn characters. */
export function unxml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
