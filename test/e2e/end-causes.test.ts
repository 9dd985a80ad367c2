// Who ended a task is drawn (issue 17, point 1): a gevent `kill()`/`killall()` and an asyncio `cancel()`, traced by
// the real runtime (test/fixtures/python/gevent_killall.py, asyncio_cancel_early.py), are drawn in a real browser on
// the Steps scale and every page is exported as SVG by the diagram's own export. The ended task's end pill reads who
// ended it and where (`killed by main (line 17)`, `cancelled by task main() (line 12)`), and a thin cause connector
// (`cs-cause`) runs from the killer's lane to the ended lane: to its wake mark when the kill or cancel woke it from a
// wait (as every wake's cause is drawn), else to the end pill itself (a task cancelled before it ever waited) — one
// connector per cause, never two.
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TraceStore } from '../../trace/store';
import { type Diagram, exportPages, openDiagram, traceProgram, unxml, ROOT } from './harness';

const shots = join(ROOT, 'test-results');

interface Pill {
  text: string;
  /** The pill's box. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
interface Connector {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

const num = (tag: string, k: string) => Number(new RegExp(`\\b${k}="([-\\d.]+)"`).exec(tag)?.[1] ?? NaN);

/** One SVG page's end pills (a rect with rx 9, then its label) and cause connectors. */
function readPage(svg: string): { pills: Pill[]; connectors: Connector[] } {
  const pills: Pill[] = [];
  for (const m of svg.matchAll(/(<rect[^>]*rx="9"[^>]*\/>)\n<text[^>]*class="cs-label"[^>]*>([^<]*)<\/text>/g)) {
    const x = num(m[1], 'x'),
      y = num(m[1], 'y');
    pills.push({ text: unxml(m[2]), x0: x, x1: x + num(m[1], 'width'), y0: y, y1: y + num(m[1], 'height') });
  }
  const connectors = [...svg.matchAll(/<line[^>]*class="cs-cause"[^>]*\/>/g)].map((m) => ({
    x1: num(m[0], 'x1'),
    y1: num(m[0], 'y1'),
    x2: num(m[0], 'x2'),
    y2: num(m[0], 'y2'),
  }));
  return { pills, connectors };
}

describe('diagram: who killed or cancelled a task is drawn (issue 17)', function () {
  this.timeout(180_000);
  let d: Diagram;
  before(async () => {
    mkdirSync(shots, { recursive: true });
    // (tall: each program's diagram is one page, so a connector and the marks it joins are on the same page)
    d = await openDiagram({ width: 1400, height: 1800 });
  });
  after(async () => {
    await d?.close();
  });

  const load = async (program: string) => {
    const text = traceProgram(`test/fixtures/python/${program}`);
    const store = new TraceStore();
    store.appendText(text);
    store.end();
    await d.load(text, { title: program, events: store.length });
    const pages = (await exportPages(d.page, 'steps')).map(readPage);
    await d.page.screenshot({ path: join(shots, `end-causes-${program.replace('.py', '')}.png`) });
    assert.equal(pages.length, 1, `${program}: one page`);
    return { store, ...pages[0] };
  };
  /** The pill whose text is exactly `text`, once. */
  const pill = (pills: Pill[], text: string) => {
    const found = pills.filter((p) => p.text === text);
    assert.equal(found.length, 1, `one pill "${text}" in ${JSON.stringify(pills.map((p) => p.text))}`);
    return found[0];
  };
  const mid = (p: Pill) => (p.x0 + p.x1) / 2;

  it('gevent: each greenlet killall() or kill() ended reads "killed by main (line N)", its kill drawn to its wake', async () => {
    const { pills, connectors } = await load('gevent_killall.py');
    const killed = pills.filter((p) => p.text.startsWith('killed'));
    assert.deepEqual(killed.map((p) => p.text).sort(), ['killed by main (line 17)', 'killed by main (line 17)', 'killed by main (line 20)']);
    const main = mid(pill(pills, 'exited 0'));
    for (const k of killed) {
      const x = mid(k);
      // The kill woke it from its sleep: one connector from main's lane to the greenlet's lane, reaching its wake mark
      // (a few rows above the end), none to the pill itself.
      const to = connectors.filter((c) => Math.abs(c.x1 - main) <= 8 && Math.abs(c.x2 - x) <= 8 && c.y2 < k.y0);
      assert.equal(to.length, 1, `one connector main → ${k.text} at x ${x}: ${JSON.stringify(connectors)}`);
      assert.ok(!connectors.some((c) => Math.abs(c.x2 - x) <= k.x1 - k.x0 && c.y2 >= k.y0 - 12 && c.y2 <= k.y1), `no second connector to the pill at x ${x}`);
    }
  });

  it('asyncio: a task cancelled before it ran reads "cancelled by task main() (line 12)", the connector reaching its end pill', async () => {
    const { pills, connectors } = await load('asyncio_cancel_early.py');
    const early = pill(pills, 'cancelled by task main() (line 12)');
    // (its cancel is only in its end: the connector reaches the pill's edge from above)
    const toEarly = connectors.filter((c) => Math.abs(c.x2 - early.x0) <= 2 || Math.abs(c.x2 - early.x1) <= 2);
    assert.equal(toEarly.length, 1, `one connector to the early task's pill ${JSON.stringify(early)}: ${JSON.stringify(connectors)}`);
    assert.ok(toEarly[0].y2 >= early.y0 - 2 && toEarly[0].y2 <= early.y1 && toEarly[0].y1 < toEarly[0].y2, 'it comes down to the pill');
    // The sleeper was cancelled in its sleep: its wake says so (with its connector), and its end too, in words.
    const sleeper = pill(pills, 'cancelled by task main() (line 15)');
    const x = mid(sleeper);
    const toSleeper = connectors.filter((c) => Math.abs(c.x2 - x) <= 8 && c.y2 < sleeper.y0);
    assert.equal(toSleeper.length, 1, `one connector to the sleeper's wake: ${JSON.stringify(connectors)}`);
    assert.ok(Math.abs(toEarly[0].x1 - toSleeper[0].x1) <= 1, 'both from the main() task');
  });
});
