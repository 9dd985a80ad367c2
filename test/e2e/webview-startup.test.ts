// The start-up on the Time scale (issue 17): a short program's trace is mostly Python starting, the runtime and the
// imports (gevent_sleep: 324 ms blank before its first greenlet, of 2.3 s). At Fit the program's own events fill the
// view: the start-up is drawn short, marked by a break whose words give its real length, and the gutter keeps
// the real times. A fixed trace (gevent_sleep's, recorded by the runtime) and one without a start-up, in a real browser.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixture, type Diagram, withDiagram, SHOTS as shots } from './harness';

interface App {
  setScale(s: string): void;
  setCompressGaps(on: boolean): void;
  fit(): void;
  render(): void;
  exportImage(f: string): void;
  geometry(): { rowY(r: number): number; height: number };
  model: { rowCount: number; startupAt: number; startupNs: number; eventRow(e: number): number };
}

/** At Fit on the Time scale (gaps compressed or not): the rows' y, the SVG's words, the start-up the model found. */
async function atFit(d: Diagram, gaps: boolean) {
  return d.page.evaluate((gaps) => {
    const app = (window as unknown as { coroscope: App }).coroscope;
    const posted = (window as unknown as { __posted: { type: string; data?: string }[] }).__posted;
    app.setScale('time');
    app.setCompressGaps(gaps);
    app.fit();
    app.render();
    const g = app.geometry();
    const ys = Array.from({ length: app.model.rowCount }, (_, r) => g.rowY(r));
    const before = posted.length;
    app.exportImage('svg');
    const svg = posted.slice(before).find((m) => m.type === 'saveImage')?.data ?? '';
    posted.length = before;
    const words = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    return { ys, height: g.height, words, startupAt: app.model.startupAt, startupNs: app.model.startupNs };
  }, gaps);
}

describe('diagram: the start-up is drawn short and named on the Time scale (issue 17)', function () {
  this.timeout(120_000);
  let d: Diagram;
  withDiagram({ width: 1400, height: 800 }, (opened) => {
    d = opened;
  });

  it('gevent_sleep at Fit: the program fills the view, the start-up is a marked break with its real length', async () => {
    const text = fixture('gevent-heads-crowded.jsonl');
    await d.load(text, { title: 'gevent_sleep.py', events: text.trim().split('\n').length - 1 });
    for (const gaps of [false, true]) {
      const f = await atFit(d, gaps);
      // The runtime's main task at 0, the program's first event (fun1 made) 324.475 ms later.
      assert.equal(f.startupAt, 1);
      assert.equal(Math.round(f.startupNs / 1e3), 324475);
      const [y0, y1] = f.ys;
      const last = f.ys[f.ys.length - 1];
      // Drawn to scale the start-up would be 14 % of the height (324 ms of 2.33 s); drawn short it is a small band,
      // with room for its words between the two rows, and the program's 2 s take the rest of the view.
      assert.ok(y1 - y0 >= 30 && y1 - y0 <= 0.08 * (last - y0), `start-up band ${y1 - y0} px of ${last - y0}: ${f.ys.slice(0, 8)}`);
      assert.ok(last > 0.85 * f.height, `last row at ${last} of ${f.height}`);
      assert.ok(
        f.words.some((w) => /^⋯ start-up 324\.5 ms .*not to scale.* ⋯$/.test(w)),
        `gaps ${gaps}: start-up words in ${JSON.stringify(f.words)}`,
      );
      // The gutter still reads the real time of the program's first event.
      assert.ok(f.words.includes('324.5 ms'), JSON.stringify(f.words));
      await d.page.screenshot({ path: join(shots, `webview-startup-${gaps ? 'gaps' : 'time'}.png`) });
    }
  });

  it('a trace whose first event follows at once has no start-up break', async () => {
    const text = fixture('webview-producer-consumer.jsonl');
    await d.load(text, { title: 'producer_consumer.py', events: text.trim().split('\n').length - 1 });
    const f = await atFit(d, false);
    assert.equal(f.startupAt, 0);
    assert.ok(!f.words.some((w) => w.includes('start-up')), JSON.stringify(f.words));
  });
});
