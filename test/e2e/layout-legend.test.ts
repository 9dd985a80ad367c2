// Layout for a laptop and the legend (issue 17, point 8), in the real browser at 1,400 × 800 on every example traced
// by the real runtime: the events table starts closed exactly where it would squeeze the lanes (open: every lane is
// in view, none narrower than a lane's minimum; closed: opening it would push lanes out of view), each lane header's
// tooltip starts with the lane's full display name, and the legend explains every colour the diagram draws (each key
// in its colour, the renderer's own), every lane icon and the words of the issue (`step`, `Hub`, `io-wait`,
// `schedule`, `fd`). Screenshots of each example's first screen and of the legend are kept in test-results/.
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TraceStore } from '../../trace/store';
import { category, displayNames, KIND_ICON } from '../../webview/labels';
import { traceProgram, ROOT, type Diagram, withDiagram, SHOTS as shots } from './harness';

const EXAMPLES = readdirSync(join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.py'))
  .sort();

interface App {
  tableShown: boolean;
  canvas: HTMLCanvasElement;
  geometry(): { width: number; contentW: number; laneX(l: number): number; laneWidth: number[] };
  view: { collapsed: Set<number>; left: number };
}

/** Lanes in view and out of it, with the screen x of each lane's header. */
async function lanes(d: Diagram): Promise<{ shown: boolean; width: number; contentW: number; heads: { lane: number; x: number; y: number; w: number }[] }> {
  return d.page.evaluate(() => {
    const app = (window as unknown as { coroscope: App }).coroscope;
    const g = app.geometry();
    const box = app.canvas.getBoundingClientRect();
    const heads = g.laneWidth.map((w, lane) => ({ lane, x: box.left + g.laneX(lane), y: box.top + 18, w }));
    return { shown: app.tableShown, width: g.width, contentW: g.contentW, heads };
  });
}

describe('layout at 1,400 px and the legend (issue 17)', function () {
  this.timeout(300_000);
  let d: Diagram;
  withDiagram({ width: 1400, height: 800 }, (opened) => {
    d = opened;
  });

  for (const ex of EXAMPLES) {
    it(`examples/${ex}: the table starts closed where it would squeeze the lanes; lane headers name their lane in full`, async () => {
      const text = traceProgram(`examples/${ex}`);
      const store = new TraceStore();
      store.appendText(text);
      store.end();
      // (a fresh page: no saved table choice)
      await d.page.evaluate(() => sessionStorage.clear());
      await d.page.reload();
      await d.load(text, { title: ex });
      const first = await lanes(d);
      // The lanes' room: the canvas less its gutter (52 px) and the 40 px the layout keeps at the right.
      const fits = (l: typeof first) => l.contentW <= l.width - 92;
      if (first.shown) assert.ok(fits(first), `${ex}: the table is open and squeezes the lanes (${first.contentW} px of lanes in ${first.width - 92})`);
      else {
        // (a toggle: its name stays "Events table", aria-pressed says whether the table shows)
        await d.page.click('button[aria-label="Events table"][aria-pressed="false"]');
        const open = await lanes(d);
        assert.ok(!fits(open), `${ex}: the table started closed though the lanes fit beside it`);
        await d.page.click('button[aria-label="Events table"][aria-pressed="true"]');
      }
      await d.page.screenshot({ path: join(shots, `layout-1400-${ex.replace(/\.py$/, '')}.png`) });
      // Each lane header in view: its tooltip starts with the lane's full display name.
      const names = displayNames(store);
      const now = await lanes(d);
      let hovered = 0;
      for (const h of now.heads) {
        // (hidden lanes, the folded shutdown's, have no column)
        if (h.w === 0 || h.x < 60 || h.x > 1400 - 80) continue;
        await d.page.mouse.move(h.x, h.y);
        await d.page.waitForSelector('.tooltip:not([hidden])');
        const tip = (await d.page.textContent('.tooltip')) ?? '';
        assert.ok(
          tip.startsWith(names[h.lane]),
          `${ex}: lane ${h.lane}'s header tooltip ${JSON.stringify(tip)} does not start with ${JSON.stringify(names[h.lane])}`,
        );
        hovered++;
        await d.page.mouse.move(5, 790);
      }
      assert.ok(hovered >= 1, 'at least one lane header checked');
      // Every colour the diagram draws for this example has a legend row in that colour.
      const cats = new Set<string>();
      for (let i = 0; i < store.length; i++) cats.add(category(store, i));
      const tones = await d.page.evaluate(() => {
        const root = getComputedStyle(document.documentElement);
        const probe = document.createElement('span');
        document.body.append(probe);
        const rgb = (c: string) => {
          probe.style.color = c;
          return getComputedStyle(probe).color;
        };
        const out: Record<string, [string, string]> = {};
        for (const k of document.querySelectorAll<HTMLElement>('.legend-key[class*="tone-"]')) {
          const t = /tone-(\w+)/.exec(k.className)![1];
          out[t] = [getComputedStyle(k).color, rgb(root.getPropertyValue(`--cs-${t}`).trim())];
        }
        probe.remove();
        return out;
      });
      for (const c of cats) {
        if (['note', 'warn', 'life', 'other'].includes(c)) continue;
        assert.ok(tones[c], `${ex}: the diagram draws ${c} marks but the legend has no ${c} row`);
        assert.equal(tones[c][0], tones[c][1], `${ex}: the legend's ${c} key is drawn in the diagram's ${c} colour`);
      }
    });
  }

  it('the legend explains every lane icon and the words step, Hub, io-wait, schedule, fd', async () => {
    await d.page.click('button[aria-label^="What the diagram shows"]');
    await d.page.waitForSelector('.legend:not([hidden])');
    const text = (await d.page.textContent('.legend')) ?? '';
    for (const w of ['step', 'Hub', 'io-wait', 'schedule', 'fd', '→ orange', '→ purple', 'lane icons']) assert.ok(text.includes(w), w);
    const icons = await d.page.$$eval('.legend-icon', (xs) => xs.map((x) => x.textContent ?? ''));
    for (const [kind, cp] of Object.entries(KIND_ICON)) assert.ok(icons.includes(String.fromCodePoint(cp)), `the ${kind} lane icon is explained`);
    // The icons are drawn in the codicon font (a box would mean a missing glyph).
    assert.equal(await d.page.$eval('.legend-icon', (x) => getComputedStyle(x).fontFamily), 'codicon');
    await d.page.evaluate(() => {
      const l = document.querySelector('.legend') as HTMLElement;
      l.scrollTop = l.scrollHeight;
    });
    await d.page.screenshot({ path: join(shots, 'layout-legend.png') });
    await d.page.click('button[aria-label^="What the diagram shows"]');
  });
});
