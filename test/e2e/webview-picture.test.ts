// A frame drawn from the kept picture of its content (webview/frame-picture.ts) is the frame drawn straight, in a
// real browser: at Fit on the Time scale, with a hovered row, the canvas's pixels are compared
// between a frame drawn anew and one composed from the picture (background, bands, picture); a hover must
// show without the picture being made again, a frame that would draw what is shown draws nothing, and a change of
// view must not show the old picture.
import * as assert from 'node:assert/strict';
import { TraceStore } from '../../trace/store';
import { openDiagram, traceProgram, type Diagram } from './harness';

interface App {
  setScale(s: string): void;
  fit(): void;
  render(): void;
  ctx: CanvasRenderingContext2D;
  canvas: HTMLCanvasElement;
  view: { hoverRow: number; selected: number };
  geometry(): { visibleRows(): { r: number; e: number }[] };
  model: { rowCount: number; rowEvent(r: number): number };
  picture: { invalidate(): void; reused: number; made: number; idle: number };
}

/** In the page: the canvas's pixels after `how` (anew: the picture dropped first), and what the frame did to the
 * picture's counters (1 if it made the picture / drew from it / drew nothing). */
async function frame(d: Diagram, how: 'anew' | 'kept', set: { hover?: number; selected?: number; nudge?: boolean } = {}) {
  return d.page.evaluate(
    ({ how, set }) => {
      const app = (window as unknown as { coroscope: App }).coroscope;
      if (set.hover !== undefined) app.view.hoverRow = set.hover;
      if (set.selected !== undefined) app.view.selected = set.selected;
      if (set.nudge) app.setScale('steps');
      if (how === 'anew') app.picture.invalidate();
      // the counters of this frame alone: the page may draw a frame of its own between two of the test's
      const { made, reused, idle } = app.picture;
      app.render();
      const { width, height } = app.canvas;
      const px = app.ctx.getImageData(0, 0, width, height).data;
      // against the last frame taken: how many pixels differ, and by how much at most (per channel)
      const w = window as unknown as { __lastFrame?: Uint8ClampedArray };
      const last = w.__lastFrame;
      let changed = 0,
        most = 0;
      if (last && last.length === px.length)
        for (let k = 0; k < px.length; k += 4) {
          const dd = Math.max(Math.abs(px[k] - last[k]), Math.abs(px[k + 1] - last[k + 1]), Math.abs(px[k + 2] - last[k + 2]));
          if (dd > 0) changed++;
          if (dd > most) most = dd;
        }
      w.__lastFrame = px;
      return { changed, most, made: app.picture.made - made, reused: app.picture.reused - reused, idle: app.picture.idle - idle };
    },
    { how, set },
  );
}

/** Pixels may differ by a rounding of the compositing (premultiplied alpha): by at most this much per channel. */
const ROUNDING = 4;
const same = (f: { changed: number; most: number }, what: string) =>
  assert.ok(f.most <= ROUNDING, `${what}: ${f.changed} pixels differ, by up to ${f.most} in a channel`);

describe('diagram: frames from the kept picture are the frames drawn anew', function () {
  this.timeout(120_000);
  let d: Diagram;
  before(async () => {
    d = await openDiagram({ width: 1400, height: 800 });
    const text = traceProgram('examples/gevent_sleep.py');
    const store = new TraceStore();
    store.appendText(text);
    store.end();
    await d.load(text, { title: 'gevent_sleep.py', events: store.length });
    await d.page.evaluate(() => {
      const app = (window as unknown as { coroscope: App }).coroscope;
      app.setScale('time');
      app.fit();
    });
  });
  after(async () => {
    await d?.close();
  });

  it('at Fit on the Time scale, with a hovered row, pixel for pixel', async () => {
    // rows drawn at Fit (a band shows on a drawn row): one to hover, one to hover next
    const picks = await d.page.evaluate(() => {
      const rows = (window as unknown as { coroscope: App }).coroscope
        .geometry()
        .visibleRows()
        .filter((r) => r.e >= 0);
      const at = (f: number) => rows[Math.floor(rows.length * f)];
      return { hover: at(0.3).r, next: at(0.7).r, count: rows.length };
    });
    assert.ok(picks.count > 10);
    // (a selection opens the details pane, which changes the layout: the hover alone stands for the bands here)
    const set = { hover: picks.hover };
    const straight = await frame(d, 'anew', set);
    assert.equal(straight.idle, 0, 'a frame drawn anew is drawn');
    // the same view and bands again: nothing to draw, the canvas already shows it
    const again = await frame(d, 'kept');
    same(again, 'the frame that drew nothing against the frame drawn anew');
    assert.equal(again.idle, 1, 'a frame that changes nothing draws nothing');
    assert.equal(again.made, 0, 'nor makes the picture');
    // the hover moves: the bands change over the same view, the picture is made once and drawn from after
    const moved = await frame(d, 'kept', { hover: picks.next });
    assert.equal(moved.made, 1, 'the bands changed over the same view: the picture was made');
    assert.ok(moved.most > ROUNDING, 'the hover band moved on screen');
    const back = await frame(d, 'kept', { hover: picks.hover });
    assert.equal(back.made, 0, 'a hover does not remake the picture');
    assert.equal(back.reused, 1, 'it was drawn from it');
    const anew = await frame(d, 'anew');
    same(anew, 'the hovered frame from the picture against the one drawn anew');
    assert.equal(anew.idle, 0, 'a frame drawn anew is drawn');
    // and the frame the picture gives for the other hover is the one drawn anew
    await frame(d, 'kept', { hover: picks.next });
    same(await frame(d, 'anew'), 'the other hovered frame from the picture against the one drawn anew');
  });

  it('a new view never shows the old picture', async () => {
    await frame(d, 'kept');
    await frame(d, 'kept');
    const nudged = await frame(d, 'kept', { nudge: true });
    assert.ok(nudged.most > ROUNDING, 'the view changed on screen');
    same(await frame(d, 'anew'), 'the new view against it drawn anew');
  });
});
