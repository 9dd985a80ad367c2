// The diagram's frames with their static layer kept as a picture. At Fit over a big trace one frame's content
// (lifelines, bars, ~1,700 arrows, marks, labels) costs tens of milliseconds to draw and, mostly, to rasterize
// (docs/benchmarks.md), yet a hover, a selection or the step cursor change only the row bands under it. So once the
// same view is drawn twice (the same data, rows, scale, position, size, lanes, theme), its content layer is drawn
// once into a canvas of its own and each frame is: background, bands, that picture. The first frame of a new view is
// drawn straight onto the screen: a pan or a zoom changes the view every frame and pays no extra copy.
import { CanvasPainter } from './paint';
import { type Geometry, type VisRow, draw, drawBands, drawContent, drawUnder } from './render';
import type { Theme } from './theme';

export class FramePicture {
  private canvas: HTMLCanvasElement | null = null;
  private key: unknown[] = [];
  private rows: VisRow[] = [];
  /** The key of the last frame drawn straight (a second frame with it makes the picture). */
  private seen: unknown[] = [];
  /** Bumped when something outside the key changes what is drawn (a font finished loading). */
  private generation = 0;
  /** Frames drawn from the picture, and pictures made (tests, benchmarks). */
  reused = 0;
  made = 0;

  invalidate(): void {
    this.generation++;
  }

  /** Draws one frame on `ctx` (CSS px w × h at `dpr`, its transform set); returns the rows drawn. */
  frame(ctx: CanvasRenderingContext2D, g: Geometry, t: Theme, w: number, h: number, dpr: number): VisRow[] {
    const key = this.keyOf(g, t, w, h, dpr);
    if (this.canvas && same(key, this.key)) {
      this.reused++;
      this.compose(ctx, g, t, w, h);
      return this.rows;
    }
    if (!same(key, this.seen)) {
      this.seen = key;
      this.drop();
      return draw(new CanvasPainter(ctx, w, h), g, t);
    }
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
    this.compose(ctx, g, t, w, h);
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

function same(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return false;
  return true;
}
