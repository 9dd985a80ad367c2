// The Mermaid export renders (issue 17, point 6): every example traced by the real runtime, exported with
// `toMermaid`, drawn by Mermaid's own bundle (node_modules/mermaid/dist/mermaid.min.js) in the real browser; the
// drawing has every participant by its name and a message text per arrow, with program strings (names with
// spaces, quotes, `#`) read back as written. A screenshot of each is kept in test-results/.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { toMermaid } from '../../trace/mermaid';
import { TraceStore } from '../../trace/store';
import { ARGS, ROOT, traceProgram } from './harness';

const shots = join(ROOT, 'test-results');
const EXAMPLES = readdirSync(join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.py'))
  .sort();

/** Mermaid's `#NN;` entities back to characters (what the drawing shows). */
const unentity = (s: string) => s.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));

describe('Mermaid export renders in the real browser: every example (issue 17)', function () {
  this.timeout(300_000);
  let ctx: BrowserContext;
  let page: Page;
  before(async () => {
    mkdirSync(shots, { recursive: true });
    ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'coroscope-e2e-mermaid-')), {
      executablePath: '/usr/bin/chromium',
      args: ARGS,
      viewport: { width: 1400, height: 900 },
    });
    page = await ctx.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: join(ROOT, 'node_modules/mermaid/dist/mermaid.min.js') });
    await page.evaluate(() => (window as unknown as { mermaid: { initialize(o: object): void } }).mermaid.initialize({ startOnLoad: false }));
  });
  after(async () => {
    await ctx?.close();
  });

  const render = (text: string) =>
    page.evaluate(async (t) => {
      const m = (window as unknown as { mermaid: { render(id: string, t: string): Promise<{ svg: string }> } }).mermaid;
      const { svg } = await m.render(`m${Date.now()}`, t);
      document.body.innerHTML = svg;
      const texts = (sel: string) => [...document.querySelectorAll(sel)].map((e) => (e.textContent ?? '').trim());
      return { actors: texts('text.actor'), messages: texts('text.messageText') };
    }, text);

  for (const ex of EXAMPLES) {
    it(`examples/${ex}`, async () => {
      const store = new TraceStore();
      store.appendText(traceProgram(`examples/${ex}`));
      store.end();
      const mm = toMermaid(store).text;
      const drawn = await render(mm);
      const lines = mm.split('\n');
      for (const l of lines) {
        const p = /^participant t\d+ as (.*)$/.exec(l);
        if (p) assert.ok(drawn.actors.includes(unentity(p[1])), `${ex}: participant ${unentity(p[1])} drawn (${JSON.stringify(drawn.actors)})`);
      }
      const arrows = lines.filter((l) => /^\s*t\d+(-->>|->>|--\)|-\))t\d+: /.test(l)).map((l) => unentity(l.slice(l.indexOf(': ') + 2)).trim());
      assert.ok(arrows.length > 0, `${ex}: arrows`);
      for (const a of arrows) assert.ok(drawn.messages.includes(a), `${ex}: arrow text ${JSON.stringify(a)} drawn`);
      await page.screenshot({ path: join(shots, `mermaid-${ex.replace(/\.py$/, '')}.png`) });
    });
  }

  it('names with spaces, quotes and # read back as written', async () => {
    const store = new TraceStore();
    const name = `fetch "a" #1 <b>&'c'`;
    store.appendText(
      [
        {
          type: 'header',
          schema: 1,
          runtime: 't',
          python: '3.11',
          capture: 'settrace',
          script: '/w/a.py',
          argv: ['/w/a.py'],
          cwd: '/w',
          pid: 1,
          start: 0,
          ts: 0,
        },
        { type: 'task', ts: 1, id: '1', kind: 'main', name: 'main', parent: null, pid: 1 },
        { type: 'task', ts: 2, id: '2', kind: 'generator', name, parent: '1' },
        { type: 'switch', ts: 3, from: '1', to: '2', reason: 'resume', value: `'#x; "y"'` },
        { type: 'switch', ts: 4, from: '2', to: '1', reason: 'yield', value: '{"k": [1, 2]}' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    store.end();
    const drawn = await render(toMermaid(store).text);
    assert.ok(drawn.actors.includes(`${name} (generator)`), JSON.stringify(drawn.actors));
    assert.ok(drawn.messages.includes(`resume '#x; "y"'`), JSON.stringify(drawn.messages));
    assert.ok(drawn.messages.includes('yield {"k": [1, 2]}'), JSON.stringify(drawn.messages));
  });
});
