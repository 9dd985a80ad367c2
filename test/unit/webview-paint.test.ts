// The canvas painter strokes only the part of a line that can show (a dashed arrow to a lane far off screen was
// thousands of dashes for the rasterizer): the cut must keep exactly the visible part.
import * as assert from 'node:assert/strict';
import { CanvasPainter, clipSegment } from '../../webview/paint';

describe('canvas painter: lines cut to what can show', () => {
  const r = { x0: 0, y0: 0, x1: 100, y1: 50 };
  it('keeps a line inside whole, drops one outside, cuts one that crosses', () => {
    assert.deepEqual(clipSegment(10, 10, 90, 40, r, 0), [0, 1]);
    assert.equal(clipSegment(-50, 10, -10, 10, r, 0), null);
    assert.equal(clipSegment(10, 60, 90, 70, r, 0), null);
    // a create arrow from x = 50 to a lane 30,000 px to the right: only its first 50 px (t up to 50/29,950)
    const cut = clipSegment(50, 20, 30_000, 20, r, 0);
    assert.ok(cut);
    assert.equal(cut[0], 0);
    assert.ok(Math.abs(cut[1] * 29_950 - 50) < 1e-6, String(cut[1] * 29_950));
    // entering from the left: starts where it crosses x = 0 (so the dash offset is that distance)
    const left = clipSegment(-200, 10, 50, 10, r, 0);
    assert.ok(left && Math.abs(left[0] * 250 - 200) < 1e-9 && left[1] === 1);
    // vertical, crossing both edges
    const v = clipSegment(30, -100, 30, 200, r, 0);
    assert.ok(v && Math.abs(v[0] * 300 - 100) < 1e-9 && Math.abs(v[1] * 300 - 150) < 1e-9);
  });
  it('the margin keeps a wide line whose edge shows', () => {
    assert.equal(clipSegment(-2, 10, -2, 40, r, 1), null);
    assert.deepEqual(clipSegment(-2, 10, -2, 40, r, 3), [0, 1]);
  });
});

describe('canvas painter: nothing drawn where it cannot show', () => {
  // A context that records the drawing calls made on it (the painter's culling is what is tested here: the pixels
  // of the frames it draws are compared with the previous build's by test/bench/webview-pixels.ts).
  function recording(): { ctx: CanvasRenderingContext2D; calls: string[] } {
    const calls: string[] = [];
    const rec =
      (name: string) =>
      (...a: unknown[]) =>
        void calls.push(`${name} ${a.filter((v) => typeof v !== 'object').join(',')}`);
    const ctx = {
      fillRect: rec('fillRect'),
      strokeRect: rec('strokeRect'),
      fillText: rec('fillText'),
      fill: rec('fill'),
      stroke: rec('stroke'),
      beginPath() {},
      moveTo() {},
      lineTo() {},
      closePath() {},
      roundRect() {},
      rect() {},
      clip() {},
      save() {},
      restore() {},
      setLineDash() {},
      measureText: (s: string) => ({ width: s.length * 7 }),
    };
    return { ctx: ctx as unknown as CanvasRenderingContext2D, calls };
  }

  it('skips fills, boxes, polygons and words wholly outside the clip; keeps what touches it', () => {
    const { ctx, calls } = recording();
    const p = new CanvasPainter(ctx, 1000, 600);
    p.setFont('12px monospace');
    p.clip(50, 60, 950, 540);
    // a create arrow's head, its label's backing and words, and its lane's small mark, for a lane 30,000 px away
    p.poly([30_000, 70, 29_992, 65.5, 29_992, 74.5], 'blue');
    p.fillRect(29_900, 50, 120, 13, 'white');
    p.text('create worker-190', 29_902, 56.5, 'grey', 'left');
    p.fillRect(30_000, 64, 12, 4, 'grey');
    p.roundRect(29_950, 61, 100, 18, 4, 'white', 'grey');
    p.strokeRect(29_990, 70, 10, 400, 'blue');
    // left of the clip, above and below it
    p.fillRect(0, 100, 45, 10, 'red');
    p.fillRect(100, 0, 10, 58, 'red');
    p.fillRect(100, 602, 10, 10, 'red');
    p.text('far left', -300, 100, 'grey', 'left');
    p.text('above', 500, -100, 'grey', 'center');
    assert.equal(calls.length, 0, calls.join('; '));
    // inside, straddling an edge, and words whose origin is out of the clip but whose ink reaches in
    p.fillRect(100, 100, 10, 10, 'red');
    p.fillRect(40, 100, 20, 1, 'red');
    p.fillRect(999, 300, 5, 1, 'red');
    p.poly([45, 100, 55, 95, 55, 105], 'blue');
    p.strokeRect(1000.5, 100, 10, 10, 'blue');
    p.text('a long label read from the left', -100, 100, 'grey', 'left');
    p.text('right aligned', 1100, 100, 'grey', 'right');
    p.text('centred', 500, 45, 'grey', 'center');
    p.roundRect(990, 590, 40, 18, 9, 'white');
    assert.deepEqual(
      calls.map((c) => c.split(' ')[0]),
      ['fillRect', 'fillRect', 'fillRect', 'fill', 'strokeRect', 'fillText', 'fillText', 'fillText', 'fill'],
    );
    p.unclip();
    // without the clip, the canvas's own edges
    calls.length = 0;
    p.fillRect(0, 100, 49, 10, 'red');
    p.fillRect(1002, 100, 10, 10, 'red');
    assert.deepEqual(calls, ['fillRect 0,100,49,10']);
  });
});
