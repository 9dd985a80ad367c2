// The diagram's frames with their static layer kept as a picture. At Fit over a big trace one frame's content
// (lifelines, bars, ~1,700 arrows, marks, labels) costs tens of milliseconds to draw and, mostly, to rasterize
// (docs/benchmarks.md), yet a hover, a selection or the step cursor change only the row bands under it. So once the
// bands change over an unchanged view (the same data, rows, scale, position, size, lanes, theme), its content layer
// is drawn once into a canvas of its own and each frame is: background, bands, that picture. The first frame of a
// new view is drawn straight onto the screen: a pan or a zoom changes the view every frame and pays no extra copy.
// A frame that would draw what the canvas already shows (same view, same bands: a redraw asked for by the table, the
// toolbar, a batch out of view) draws nothing, so the browser has nothing to rasterize or composite.
import { CanvasPainter } from './paint';
import { type Geometry, type VisRow, bandsOf, draw, drawBands, drawContent, drawUnder } from './render';
import type { Theme } from './theme';

export class FramePicture {
  private canvas: HTMLCanvasElement | null = null;
  private key: unknown[] = [];
  private rows: VisRow[] = [];
  /** The key of the last frame drawn straight (a later frame of it with other bands makes the picture). */
  private seen: unknown[] = [];
  /** What the screen's canvas shows: the view's key, its rows and its bands ('' when unknown). */
  private shownKey: unknown[] = [];
  private shownRows: VisRow[] = [];
  private shownBands = '';
  /** Bumped when something outside the key changes what is drawn (a font finished loading). */
  private generation = 0;
  /** Frames drawn from the picture, pictures made, frames that drew nothing (tests, benchmarks). */
  reused = 0;
  made = 0;
  idle = 0;

  invalidate(): void {
    this.generation++;
  }

  /** Draws one frame on `ctx` (CSS px w × h at `dpr`, its transform set); returns the rows drawn. */
  frame(ctx: CanvasRenderingContext2D, g: Geometry, t: Theme, w: number, h: number, dpr: number): VisRow[] {
    const key = this.keyOf(g, t, w, h, dpr);
    if (same(key, this.shownKey) && bandsKey(g, t, this.shownRows) === this.shownBands) {
      this.idle++;
      return this.shownRows;
    }
    let rows: VisRow[];
    if (this.canvas && same(key, this.key)) {
      this.reused++;
      rows = this.rows;
      this.compose(ctx, g, t, w, h);
    } else if (!same(key, this.seen)) {
      this.seen = key;
      this.drop();
      rows = draw(new CanvasPainter(ctx, w, h), g, t);
    } else {
      rows = this.make(g, t, w, h, dpr, key);
      this.compose(ctx, g, t, w, h);
    }
    this.shownKey = key;
    this.shownRows = rows;
    this.shownBands = bandsKey(g, t, rows);
    return rows;
  }

  /** Draws the view's content layer into the picture. */
  private make(g: Geometry, t: Theme, w: number, h: number, dpr: number, key: unknown[]): VisRow[] {
    const c = this.canvas ?? document.createElement('canvas');
    const cw = Math.round(w * dpr),
      ch = Math.round(h * dpr);
    if (c.width !== cw || c.height !== ch) {
      c.width = cw;
      c.height = ch;
    }
    const cctx = c.getContext('2d') as CanvasRenderingContext2D;
    cctx.setTransform(1, 0, 0, 1, 0, 0);
    cctx.clearRect(0, 0, cw, ch);
    cctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const rows = g.visibleRows();
    drawContent(new CanvasPainter(cctx, w, h), g, t, rows);
    this.canvas = c;
    this.key = key;
    this.rows = rows;
    this.made++;
    return rows;
  }

  private compose(ctx: CanvasRenderingContext2D, g: Geometry, t: Theme, w: number, h: number): void {
    const p = new CanvasPainter(ctx, w, h);
    drawUnder(p, g, t);
    drawBands(p, g, t, this.rows);
    const m = ctx.getTransform();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.canvas as HTMLCanvasElement, 0, 0);
    ctx.setTransform(m);
  }

  /** Lets the picture's pixels go (the view moved on). */
  private drop(): void {
    if (!this.canvas) return;
    this.canvas.width = 0;
    this.canvas.height = 0;
    this.canvas = null;
    this.key = [];
  }

  /** Everything the content layer is drawn from (not the bands: selection, hover, highlight, search matches). */
  private keyOf(g: Geometry, t: Theme, w: number, h: number, dpr: number): unknown[] {
    const m = g.model,
      v = g.view;
    return [
      m,
      m.rowsVersion,
      m.store.length,
      m.store.tasks.length,
      m.compressGaps,
      v.scale,
      v.top,
      v.rowH,
      v.nsPx,
      v.left,
      v.laneW,
      [...v.collapsed].sort((a, b) => a - b).join(','),
      t,
      w,
      h,
      dpr,
      this.generation,
    ];
  }
}

/** The bands a frame of these rows draws, as one string. */
function bandsKey(g: Geometry, t: Theme, rows: VisRow[]): string {
  let k = '';
  for (const b of bandsOf(g, t, rows)) k += `${b.y},${b.h},${b.color};`;
  return k;
}

function same(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return false;
  return true;
}
