// The standalone HTML report in a real browser (Debian chromium via
// playwright-core), opened from file:// exactly as a user would: it must need
// nothing from the network or other files, pass its own CSP, inflate the
// embedded trace and mark itself ready with every event.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { TraceStore } from '../../trace/store';
import { readAssets, writeHtmlReport } from '../../cli/report-html';
import { ARGS, ROOT as root } from './harness';

const traces = join(root, 'test/fixtures/traces');

function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'coroscope-e2e-chromium-')), {
    executablePath: '/usr/bin/chromium',
    args: ARGS,
    headless: true,
  });
}

function eventsIn(trace: string): number {
  const s = new TraceStore();
  s.appendText(readFileSync(trace, 'utf8'));
  s.end();
  return s.length;
}

function coroscope(args: string[], cwd: string): string {
  const r = spawnSync(process.execPath, [join(root, 'dist/cli.js'), ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr;
}

interface Opened {
  injected: number;
  events: number;
  state: string;
  requests: string[];
  problems: string[];
  dialogs: number;
  text: string;
  /** Where the trace was inflated (the boot script's `data-inflater`). */
  inflater: string;
  /** Each event's type code, ts and lanes (type:ts:a:b), joined: the store the page built, to compare with Node's. */
  rows: string;
}

async function open(ctx: BrowserContext, html: string, expectEvents: number): Promise<Opened> {
  const page = await ctx.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  let dialogs = 0;
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await page.goto(pathToFileURL(html).href);
  await page.waitForSelector(`#coroscope-root[data-coroscope-state=ready][data-events="${expectEvents}"]`, { timeout: 60_000 });
  const got = await page.evaluate(() => {
    const r = document.getElementById('coroscope-root')!;
    return {
      events: Number(r.dataset.events),
      state: r.dataset.coroscopeState ?? '',
      text: document.body.innerText,
      injected: document.querySelectorAll('img[src=x], script:not([nonce])').length,
      inflater: r.dataset.inflater ?? '',
      rows: ((s) => Array.from({ length: Math.min(s.length, 100_000) }, (_, i) => `${s.typeCode(i)}:${s.ts(i)}:${s.a(i)}:${s.b(i)}`).join(','))(
        (
          window as unknown as {
            coroscope: { store: { length: number; typeCode(i: number): number; ts(i: number): number; a(i: number): number; b(i: number): number } };
          }
        ).coroscope.store,
      ),
    };
  });
  await page.close();
  return { ...got, requests, problems, dialogs };
}

describe('HTML report in a real browser (file://)', function () {
  this.timeout(180_000);
  let ctx: BrowserContext;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coroscope-e2e-report-'));
    ctx = await launchChromium();
  });
  after(async () => {
    await ctx?.close();
  });

  it('a saved trace opens, self-contained, and is ready with all its events', async () => {
    const trace = join(traces, 'cli-pingpong.jsonl');
    coroscope(['report', trace, '--html', 'pingpong.html'], dir);
    const r = await open(ctx, join(dir, 'pingpong.html'), eventsIn(trace));
    assert.equal(r.events, 24);
    assert.deepEqual(
      r.requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:') && !u.startsWith('blob:')),
      [],
      'no network',
    );
    assert.deepEqual(
      r.requests.filter((u) => u.startsWith('file:')),
      [pathToFileURL(join(dir, 'pingpong.html')).href],
      'no other file',
    );
    assert.deepEqual(r.problems, [], 'no CSP violation or script error');
  });

  it('the trace inflates in a worker, block after block in order (JSON Lines or column blocks); under a CSP that refuses workers the page reads it the same on its main thread', async () => {
    const trace = join(traces, 'cli-hostile.jsonl');
    const store = new TraceStore();
    store.appendText(readFileSync(trace, 'utf8'));
    store.end();
    const want = Array.from({ length: store.length }, (_, i) => `${store.typeCode(i)}:${store.ts(i)}:${store.a(i)}:${store.b(i)}`).join(',');
    // Blocks of ~200 bytes: many blocks, lines cut between blocks; JSON Lines, and column blocks (issue 19 part 6).
    for (const [kind, columns] of [
      ['gzip', false],
      ['columns', true],
    ] as const) {
      const file = join(dir, `blocks-${kind}.html`);
      writeHtmlReport(file, store, { title: 'blocks', blockText: 200, columns }, readAssets(join(root, 'dist')));
      const html = readFileSync(file, 'utf8');
      assert.ok((html.match(new RegExp(`<script type="application/x-coroscope-${kind}"`, 'g')) ?? []).length > 5, `many ${kind} blocks`);
      assert.ok(html.includes('; worker-src blob:'), 'the CSP lets the boot script start its worker');
      const refused = join(dir, `blocks-${kind}-no-worker.html`);
      writeFileSync(refused, html.replace('; worker-src blob:', ''));
      for (const [page, inflater] of [
        [file, 'worker'],
        [refused, 'thread'],
      ] as const) {
        const r = await open(ctx, page, store.length);
        assert.equal(r.inflater, inflater, page);
        assert.equal(r.rows, want, `${kind}, ${inflater}: every event, in the trace's order`);
        if (inflater === 'worker') assert.deepEqual(r.problems, []);
      }
    }
  });

  it('hostile names and values stay text', async () => {
    const trace = join(traces, 'cli-hostile.jsonl');
    coroscope(['report', trace, '--html', 'hostile.html'], dir);
    const r = await open(ctx, join(dir, 'hostile.html'), eventsIn(trace));
    assert.equal(r.dialogs, 0);
    assert.equal(r.injected, 0, 'no element made from a program string');
    assert.deepEqual(r.problems, []);
  });

  it('a hostile script name is the title, as text', async () => {
    const evil = `<img src=x onerror=alert(1)>"'&amp;<!--\u2028.py`;
    const lines = readFileSync(join(traces, 'cli-pingpong.jsonl'), 'utf8').split('\n');
    lines[0] = JSON.stringify({ ...(JSON.parse(lines[0]) as object), script: `/w/${evil}` });
    writeFileSync(join(dir, 'evil.jsonl'), lines.join('\n'));
    coroscope(['report', 'evil.jsonl', '--html', 'evil.html'], dir);
    const page = await ctx.newPage();
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.goto(pathToFileURL(join(dir, 'evil.html')).href);
    await page.waitForSelector('#coroscope-root[data-coroscope-state=ready][data-events="24"]');
    assert.equal(await page.title(), `coroscope — ${evil}`);
    assert.equal(await page.locator('img[src=x]').count(), 0);
    assert.equal(dialogs, 0);
    await page.close();
  });

  it('a run of the seed producer/consumer example opens ready', async () => {
    coroscope(['run', '--html', 'pc.html', '--trace', 'pc.jsonl', join(root, 'examples/producer_consumer.py')], dir);
    const n = eventsIn(join(dir, 'pc.jsonl'));
    assert.ok(n > 20, `${n} events`);
    const r = await open(ctx, join(dir, 'pc.html'), n);
    assert.deepEqual(r.problems, []);
    assert.match(r.text, /consumer/);
  });

  const examples = readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.py'))
    .sort();
  for (const ex of examples) {
    it(`seed example ${ex}: the report opens ready with every event of its trace`, async () => {
      const base = ex.replace(/\.py$/, '');
      // Debian's Python has greenlet and gevent, which some examples need.
      coroscope(
        [
          'run',
          '--python',
          existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3',
          '--html',
          `${base}.html`,
          '--trace',
          `${base}.jsonl`,
          join(root, 'examples', ex),
        ],
        dir,
      );
      const r = await open(ctx, join(dir, `${base}.html`), eventsIn(join(dir, `${base}.jsonl`)));
      assert.ok(r.events > 0);
      assert.deepEqual(r.problems, []);
    });
  }
});

describe('HTML report: big lines and windows (file://)', function () {
  this.timeout(300_000);
  let ctx: BrowserContext;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coroscope-e2e-report-big-'));
    ctx = await launchChromium();
  });
  after(async () => {
    await ctx?.close();
  });

  it('a trace with one 100 MB line loads (the loader copies each byte a bounded number of times; it used to copy the whole buffer again on every read)', async () => {
    const lines = readFileSync(join(traces, 'cli-pingpong.jsonl'), 'utf8').trim().split('\n');
    const big = JSON.stringify({ type: 'output', ts: 1000010800, task: '1', stream: 'stdout', text: 'x'.repeat(100 * 1024 * 1024) });
    lines.splice(lines.length - 1, 0, big);
    writeFileSync(join(dir, 'big.jsonl'), lines.join('\n') + '\n');
    coroscope(['report', 'big.jsonl', '--html', 'big.html'], dir);
    const r = await open(ctx, join(dir, 'big.html'), 25);
    assert.equal(r.events, 25);
    assert.deepEqual(r.problems, []);
  });

  it('a page that holds a window of the trace says so, and holds that window', async () => {
    const trace = join(traces, 'cli-pingpong.jsonl');
    const r = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'report', trace, '--html', 'win.html'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, COROSCOPE_MAX_PAGE_EVENTS: '10' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /coroscope: note: This page holds the first 5 and the last 5 of 24 events/);
    // 5 + 5 events, plus the lane declarations outside them (3 tasks, 2 of them in the first 5 events).
    const opened = await open(ctx, join(dir, 'win.html'), 11);
    assert.match(opened.text, /This page holds the first 5 and the last 5 of 24 events/);
    assert.match(opened.text, /Overview of the whole run \(24 events/);
    assert.deepEqual(opened.problems, []);
  });

  it('above the window, the page draws the whole run: every lane, its events over the full time span, the window marked', async () => {
    // 300,000 events on 20 lanes, written in a blink; the page may hold 20,000 of them.
    const lanes = 20;
    const lines = [
      JSON.stringify({
        type: 'header',
        schema: 1,
        runtime: 't',
        python: '3.11',
        capture: 'settrace',
        script: '/p/a.py',
        argv: [],
        cwd: '/p',
        pid: 1,
        start: 0,
        ts: 0,
      }),
    ];
    for (let l = 1; l <= lanes; l++) lines.push(JSON.stringify({ type: 'task', ts: l, id: String(l), kind: 'generator', name: `g${l}`, parent: null }));
    const expected = new Map<string, number>();
    const count = (id: string) => expected.set(id, (expected.get(id) ?? 0) + 1);
    for (let l = 1; l <= lanes; l++) count(String(l));
    let cur = 1;
    for (let i = 0; i < 300_000 - lanes; i++) {
      // Lane 20 only runs in the second half of the run: its activity must show there, outside the page's window.
      const to = i < 150_000 ? 1 + ((cur * 7 + i) % (lanes - 1)) : 1 + ((cur * 7 + i) % lanes);
      lines.push(JSON.stringify({ type: 'switch', ts: 100 + i * 1000, from: String(cur), to: String(to), reason: 'resume', value: String(i % 10) }));
      count(String(cur));
      if (to !== cur) count(String(to));
      cur = to;
    }
    writeFileSync(join(dir, 'many.jsonl'), lines.join('\n') + '\n');
    const r = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'report', 'many.jsonl', '--html', 'many.html'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, COROSCOPE_MAX_PAGE_EVENTS: '20000' },
    });
    assert.equal(r.status, 0, r.stderr);
    const page = await ctx.newPage();
    await page.goto(pathToFileURL(join(dir, 'many.html')).href);
    await page.waitForSelector('#coroscope-root[data-coroscope-state=ready]', { timeout: 60_000 });
    const o: Record<string, string> = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('#coroscope-overview canvas')!;
      return { ...(c.dataset as Record<string, string>), text: document.getElementById('coroscope-window-note')!.innerText };
    });
    await page.close();
    assert.equal(o.lanes, String(lanes), 'a row per lane');
    assert.equal(o.total, '300000');
    assert.equal(o.window, '0-10000,290000-300000', 'the ranges the page holds');
    const got = new Map((o.laneEvents ?? '').split(',').map((x: string) => x.split(':') as [string, string]));
    for (const [id, n] of expected) assert.equal(Number(got.get(id)), n, `lane ${id}: events over the whole run`);
    assert.ok(Number(o.bins) > 100, `${o.bins} time slices`);
    assert.match(o.text, /This page holds the first 10,000 and the last 10,000 of 300,000 events/);
    assert.match(o.text, /Overview of the whole run \(300,000 events/);
  });

  it("is honest about itself: a click shows the source line's text from the embedded sources, and nothing promises an editor (issue 17)", async () => {
    const script = join(root, 'examples/producer_consumer.py');
    const run = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'run', '--html', 'honest.html', script], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 1400, height: 800 });
    await page.goto(pathToFileURL(join(dir, 'honest.html')).href);
    await page.waitForSelector('#coroscope-root[data-coroscope-state=ready]');
    interface Pick {
      row: number;
      line: number;
      x: number;
      y: number;
    }
    // The first row in view whose event has a source line of the program.
    const pick = await page.evaluate((file) => {
      const app = (
        window as unknown as {
          coroscope: {
            model: { rowCount: number; rowEvent(r: number): number };
            store: { file(i: number): string | undefined; line(i: number): number };
            rowPosition(r: number): { x: number; y: number } | null;
            canvas: HTMLCanvasElement;
          };
        }
      ).coroscope;
      const box = app.canvas.getBoundingClientRect();
      for (let r = 0; r < Math.min(20, app.model.rowCount); r++) {
        const e = app.model.rowEvent(r);
        const at = app.rowPosition(r);
        if (app.store.file(e) === file && app.store.line(e) > 0 && at) return { row: r, line: app.store.line(e), x: box.left + at.x, y: box.top + at.y };
      }
      return null;
    }, script);
    assert.ok(pick, 'a row with a site in view');
    const { line, x, y } = pick as Pick;
    const want = readFileSync(script, 'utf8').split('\n')[line - 1].trim();
    await page.mouse.move(x, y);
    await page.waitForSelector('.tooltip:not([hidden])');
    const tip = (await page.textContent('.tooltip')) ?? '';
    assert.ok(tip.includes(`click to see it in full with the text of line ${line} of producer_consumer.py`), tip);
    assert.ok(!/open|editor/i.test(tip.split('\n').pop() ?? ''), `the click promises no editor: ${tip}`);
    await page.mouse.click(x, y);
    await page.waitForSelector('.details-pane:not([hidden])');
    const text = (await page.textContent('.details-text')) ?? '';
    assert.ok(text.includes(`line ${line} of producer_consumer.py:\n${want}`), text);
    await page.screenshot({ path: join(root, 'test-results', 'report-click-source-line.png') });
    // The help says what a click does here.
    await page.click('button[aria-label^="What the diagram shows"]');
    const help = (await page.textContent('.legend')) ?? '';
    assert.ok(help.includes('cannot open an editor') && !help.includes('opened in the editor'), help);
    await page.close();
  });
});
