// Dense rows (Fit over a big trace) draw unlabelled arrows as 1 px lines on whole pixel rows (webview/render.ts).
// A line that a later one on the same pixel row covers is not drawn: both are opaque and one pixel high, so the
// later one would paint over every pixel of it. What is drawn must be exactly what drawing every line would show.
import * as assert from 'node:assert/strict';
import type { Painter } from '../../webview/paint';
import { type ThinLine, flushThin, thinArrow } from '../../webview/render';

/** A painter that records its fills; every other call is not expected here. */
function recorder(): { p: Painter; fills: string[] } {
  const fills: string[] = [];
  const no = () => assert.fail('only fills are expected');
  const p: Painter = {
    setFont: no,
    measure: () => 0,
    fillRect: (x, y, w, h, color) => void fills.push(`${color} ${x},${y} ${w}x${h}`),
    strokeRect: no,
    roundRect: no,
    line: no,
    poly: no,
    text: no,
    clip: no,
    unclip: no,
    flush: no,
    tag: no,
  };
  return { p, fills };
}

/** The pixels (x,y → colour) the fills paint, in order: what the canvas would show. */
function pixels(fills: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fills) {
    const [color, at, size] = f.split(' ');
    const [x, y] = at.split(',').map(Number);
    const [w, h] = size.split('x').map(Number);
    for (let py = y; py < y + h; py++) for (let px = x; px < x + w; px++) out.set(`${px},${py}`, color);
  }
  return out;
}

describe('diagram: thin lines of dense rows', () => {
  const g = { width: 1000 };
  // (an arrow between lanes at x1 and x2 is drawn between their bars: 5 px in from each)
  const draw = (arrows: [number, number, number, string][], drop = true) => {
    const { p, fills } = recorder();
    const line: ThinLine = { y: Number.NaN, x0: 0, x1: 0, color: '' };
    for (const [x1, x2, y, color] of arrows) {
      if (drop) thinArrow(p, g, line, x1, x2, y, color);
      else {
        thinArrow(p, g, line, x1, x2, y, color);
        flushThin(p, line);
      }
    }
    flushThin(p, line);
    return fills;
  };

  it('a line covered by the next on its pixel row is not drawn; the picture is the same', () => {
    const arrows: [number, number, number, string][] = [
      [100, 500, 10.2, 'blue'],
      [60, 2000, 10.4, 'orange'], // the Hub to a lane off screen: covers the blue one on row 10
      [100, 300, 11.1, 'blue'], // row 11: kept
      [60, 2000, 11.3, 'orange'], // covers it
      [300, 600, 12, 'blue'],
      [500, 900, 12.4, 'orange'], // overlaps the blue one in part: both drawn, blue first
    ];
    const fills = draw(arrows);
    assert.deepEqual(fills, ['orange 65,10 935x1', 'orange 65,11 935x1', 'blue 305,12 290x1', 'orange 505,12 390x1']);
    assert.deepEqual(pixels(fills), pixels(draw(arrows, false)));
  });

  it('lines of one colour that touch on a pixel row are one fill; other rows are not touched', () => {
    const fills = draw([
      [100, 300, 20.1, 'blue'],
      [200, 700, 20.3, 'blue'],
      [100, 300, 21, 'blue'],
    ]);
    assert.deepEqual(fills, ['blue 105,20 590x1', 'blue 105,21 190x1']);
  });
});
