// Ends and returns read truthfully when space is short (issue 17), measured in a real browser: a program traced by
// the real runtime (test/fixtures/python/end_labels.py) is drawn on the Steps scale, every page is exported as SVG by
// the diagram's own export and measured in another tab (getBBox). An end pill shortened for its lane keeps the
// exception's type whole and cuts the message (`raised RuntimeError('bad f…')`, never `raised Run…rror: bad fetch`),
// whichever form the trace records the exception in: asyncio's older `RuntimeError: bad fetch` or the repr
// `RuntimeError('bad fetch')`; the drawn words stay inside their pill. A generator delegated to with `yield from` that
// returns reads as itself returning to its delegator, not as the delegator returning.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { TraceStore } from '../../trace/store';
import { svgMarkup, traceProgram, type Diagram, withDiagram, SHOTS as shots } from './harness';

interface Drawn {
  text: string;
  /** The drawn text's box, and the box of the shape drawn just before it (an end's pill). */
  x0: number;
  x1: number;
  boxX0: number;
  boxX1: number;
  boxRx: string;
}

/** Every page of the Steps scale exported as SVG (top to bottom). */
async function stepsPages(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const app = (
      window as unknown as {
        coroscope: {
          view: { top: number; left: number; rowH: number };
          model: { rowCount: number };
          diagram: HTMLElement;
          setScale(s: string): void;
          exportImage(f: string): void;
          render(): void;
        };
      }
    ).coroscope;
    const posted = (window as unknown as { __posted: { type: string; data?: string }[] }).__posted;
    app.setScale('steps');
    app.render();
    const v = app.view;
    const rowsPerPage = Math.max(1, (app.diagram.clientHeight - 58) / v.rowH - 1);
    const out: string[] = [];
    for (let top = 0; top < app.model.rowCount; top += rowsPerPage) {
      v.top = top;
      v.left = 0;
      const before = posted.length;
      app.exportImage('svg');
      const m = posted.slice(before).find((x) => x.type === 'saveImage');
      if (m?.data) out.push(m.data);
      posted.length = before;
    }
    v.top = 0;
    app.render();
    return out;
  });
}

/** The labels of one SVG page, measured by the browser, with the shape drawn just before each. */
async function drawnLabels(tab: Page, svg: string): Promise<Drawn[]> {
  await tab.setContent(svgMarkup(svg));
  return tab.evaluate(() =>
    [...document.querySelectorAll<SVGTextElement>('text.cs-label')].map((el) => {
      const b = el.getBBox();
      const prev = el.previousElementSibling as SVGGraphicsElement | null;
      const pb = prev && prev.tagName === 'rect' ? prev.getBBox() : { x: NaN, width: NaN };
      return {
        text: el.textContent ?? '',
        x0: b.x,
        x1: b.x + b.width,
        boxX0: pb.x,
        boxX1: pb.x + pb.width,
        boxRx: prev?.getAttribute('rx') ?? '',
      };
    }),
  );
}

/** The trace with each exception end written in the other form (repr ↔ `Type: message`). */
function otherForm(trace: string): string {
  return trace
    .split('\n')
    .map((line) => {
      if (!line.includes('"type":"end"') || !line.includes('"outcome":"exception"')) return line;
      const e = JSON.parse(line) as { value?: string };
      const v = e.value ?? '';
      const repr = /^([A-Za-z_][\w.]*)\('(.*)'\)$/s.exec(v);
      const text = /^([A-Za-z_][\w.]*): (.*)$/s.exec(v);
      if (repr) e.value = `${repr[1]}: ${repr[2].replace(/\\'/g, "'")}`;
      else if (text) e.value = `${text[1]}('${text[2].replace(/\\/g, '\\\\').replace(/'/g, "\\'")}')`;
      return JSON.stringify(e);
    })
    .join('\n');
}

describe('diagram: ends and returns read truthfully when shortened (issue 17)', function () {
  this.timeout(180_000);
  let d: Diagram;
  let tab: Page;
  let recorded = '';
  withDiagram({ width: 1400, height: 800 }, (opened) => {
    d = opened;
  });
  before(async () => {
    tab = await d.page.context().newPage(); // (closed with the diagram's browser)
    recorded = traceProgram('test/fixtures/python/end_labels.py');
  });

  const load = async (text: string, title: string) => {
    const store = new TraceStore();
    store.appendText(text);
    store.end();
    await d.load(text, { title, events: store.length });
    return store;
  };

  for (const form of ['as recorded', 'in the other form'] as const) {
    it(`an end pill keeps the exception's type whole and cuts its message (${form})`, async () => {
      const text = form === 'as recorded' ? recorded : otherForm(recorded);
      const store = await load(text, `end_labels.py (${form})`);
      const laneW = await d.page.evaluate(() => (window as unknown as { coroscope: { view: { laneW: number } } }).coroscope.view.laneW);
      const drawn: Drawn[] = [];
      for (const svg of await stepsPages(d.page)) drawn.push(...(await drawnLabels(tab, svg)));
      await d.page.screenshot({ path: join(shots, `webview-ends-${form.replace(/ /g, '-')}.png`) });
      // Each exception end of the trace, with what its pill must read.
      const ends: { type: string; message: string; repr: boolean }[] = [];
      for (let i = 0; i < store.length; i++) {
        if (store.type(i) !== 'end' || store.reason(i) !== 'exception') continue;
        const v = store.value(i) ?? '';
        const repr = /^([A-Za-z_][\w.]*)\('(.*)'\)$/s.exec(v);
        const plain = /^([A-Za-z_][\w.]*): (.*)$/s.exec(v);
        const m = repr ?? plain;
        assert.ok(m, `an exception value in either form: ${v}`);
        ends.push({ type: m[1], message: m[2], repr: !!repr });
      }
      assert.deepEqual(ends.map((e) => e.type).sort(), ['FetchFailed', 'RuntimeError']);
      for (const e of ends) {
        const pills = drawn.filter((l) => l.boxRx === '9' && l.text.includes(e.type));
        assert.equal(pills.length, 1, `one end pill for ${e.type} in ${JSON.stringify(drawn.map((l) => l.text))}`);
        const [pill] = pills;
        // The verb and the type whole, then the start of the message, cut where the lane ends.
        const open = e.repr ? `raised ${e.type}('` : `raised ${e.type}: `;
        const close = e.repr ? "…')" : '…';
        assert.ok(pill.text.startsWith(open) && pill.text.endsWith(close), `${JSON.stringify(pill.text)} reads ${open}…${close}`);
        const kept = pill.text.slice(open.length, pill.text.length - close.length);
        assert.ok(kept.length >= 3 && e.message.startsWith(kept), `${JSON.stringify(kept)} starts the message ${JSON.stringify(e.message)}`);
        // Measured: the words inside their pill, the pill inside its lane.
        assert.ok(pill.x0 >= pill.boxX0 && pill.x1 <= pill.boxX1, `text ${pill.x0}–${pill.x1} inside its pill ${pill.boxX0}–${pill.boxX1}`);
        assert.ok(pill.boxX1 - pill.boxX0 <= laneW, `pill ${pill.boxX1 - pill.boxX0} px within the lane's ${laneW} px`);
      }
    });
  }

  it("a delegate's return reads inner returned 'numbers done' to outer, and outer goes on", async () => {
    const store = await load(recorded, 'end_labels.py');
    const drawn: string[] = [];
    for (const svg of await stepsPages(d.page)) drawn.push(...(await drawnLabels(tab, svg)).map((l) => l.text));
    assert.ok(drawn.includes("inner returned 'numbers done' to outer"), JSON.stringify(drawn));
    // never as outer returning: its only return is its own end, after it yielded 'numbers done' and 3
    assert.ok(!drawn.some((t) => /^return 'numbers/.test(t)), JSON.stringify(drawn));
    const outer = store.tasks.findIndex((t) => t.name === 'outer');
    const after: string[] = [];
    let seen = false;
    for (let i = 0; i < store.length; i++) {
      if (store.type(i) === 'switch' && store.a(i) === outer && store.b(i) === outer) seen = true;
      else if (seen && store.type(i) === 'switch' && store.a(i) === outer) after.push(`${store.reason(i)} ${store.value(i)}`);
    }
    assert.deepEqual(after, ["yield 'numbers done'", 'yield 3', 'return None']);
    assert.ok(drawn.includes("yield 'numbers done'") && drawn.includes('returned None'), JSON.stringify(drawn));
    await d.page.screenshot({ path: join(shots, 'webview-ends-delegate-return.png') });
  });
});
