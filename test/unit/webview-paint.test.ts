// The canvas painter strokes only the part of a line that can show (a dashed arrow to a lane far off screen was
// thousands of dashes for the rasterizer): the cut must keep exactly the visible part.
import * as assert from 'node:assert/strict';
import { clipSegment } from '../../webview/paint';

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
