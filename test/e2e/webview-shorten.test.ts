// Labels cut for space keep what tells them apart (issue 17), in the real browser on a trace of the real runtime:
// a gather's result holding a RuntimeError among long lists keeps `RuntimeError` whole wherever the value is cut,
// and a creation keeps its verb and cuts the lane's name only between words, where the rest still names one lane
// (`create …#12`, never `create fe…#12` or `create fetch…` among `fetch #1`…`fetch #12`; never `create even…loop`).
// The drawn texts are read from the diagram's own SVG export (the same renderer as the canvas) at a laptop's and a
// narrow page's width (lanes 170 and 140 px wide), where the labels must be cut.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { TraceStore } from '../../trace/store';
import { displayNames } from '../../webview/labels';
import { exportPages, traceProgram, unxml, type Diagram, withDiagram, SHOTS as shots } from './harness';

/** The texts of every label drawn on the Steps scale, page by page, in a page `width` px wide. */
async function drawnLabels(d: Diagram, width: number): Promise<string[]> {
  await d.page.setViewportSize({ width, height: 800 });
  await d.page.waitForFunction((w) => window.innerWidth === w, width);
  const svgs = await exportPages(d.page, 'steps', 10_000);
  const texts: string[] = [];
  for (const svg of svgs) for (const m of svg.matchAll(/<text[^>]*class="[^"]*cs-label[^"]*"[^>]*>([^<]*)<\/text>/g)) texts.push(unxml(m[1]));
  return texts;
}

/** The name's parts a cut kept are whole words: `h` a start of it ending at a word's end, `t` an end starting at a word's start. */
function wholeWords(name: string, h: string, t: string): boolean {
  const starts = new Set([0]);
  const ends = new Set([name.length]);
  for (const m of name.matchAll(/#\d+|[A-Za-z]+|\d+|[^A-Za-z\d]/g)) {
    starts.add(m.index ?? 0);
    ends.add((m.index ?? 0) + m[0].length);
  }
  const headOk = h === '' || [...ends].some((e) => name.slice(0, e).trimEnd() === h);
  const tailOk = t === '' || [...starts].some((s) => name.slice(s).trimStart() === t);
  return headOk && tailOk;
}

describe('diagram: cut labels keep what distinguishes them (issue 17)', function () {
  this.timeout(300_000);
  let d: Diagram;
  let names: string[];
  withDiagram({ width: 1400, height: 800 }, (opened) => {
    d = opened;
  });
  before(async () => {
    const text = traceProgram('test/fixtures/python/gather_fetch.py');
    const store = new TraceStore();
    store.appendText(text);
    store.end();
    names = displayNames(store);
    assert.ok(names.includes('fetch #12') && names.includes('event loop'), names.join(', '));
    await d.load(text, { title: 'gather_fetch', events: store.length });
  });

  it("a gather's result cut for space keeps the RuntimeError; creations cut only between words, naming one lane", async () => {
    let cutResults = 0;
    let cutCreations = 0;
    const bad: string[] = [];
    for (const width of [800, 1400]) {
      const texts = await drawnLabels(d, width);
      assert.ok(texts.length > 10, `${width}: ${texts.length} labels`);
      for (const s of texts) {
        // The gather's result: the event loop's step back into main() with the list of results.
        if (/^step \[/.test(s) && s.includes('…')) {
          cutResults++;
          if (!s.includes('RuntimeError')) bad.push(`${width}: ${JSON.stringify(s)} lost the RuntimeError`);
        }
        const cm = /^(create |first run of )(.*)$/.exec(s);
        if (cm?.[2].includes('…')) {
          cutCreations++;
          const [h, t] = cm[2].split('…');
          const hits = names.filter((n) => n.length >= h.length + t.length && n.startsWith(h) && n.endsWith(t));
          if (hits.length !== 1) bad.push(`${width}: ${JSON.stringify(s)} names ${hits.length} lanes (${hits.join(', ')})`);
          else if (!wholeWords(hits[0], h, t)) bad.push(`${width}: ${JSON.stringify(s)} cuts through a word of ${hits[0]}`);
        }
      }
      await d.page.screenshot({ path: join(shots, `labels-shortened-gather_fetch-${width}.png`) });
    }
    // The widths must have made both kinds of label be cut, or the test says nothing.
    assert.ok(cutResults > 0, 'no cut gather result was drawn');
    assert.ok(cutCreations > 0, 'no cut creation label was drawn');
    assert.deepEqual(bad, []);
  });
});
