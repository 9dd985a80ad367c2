// A tiny drawing interface with two backends: the live canvas, and SVG text for
// export. The diagram renderer draws through it, so the exported picture is the
// one on screen. Text is only ever drawn as text (fillText / escaped SVG text).

export type Align = 'left' | 'center' | 'right';

export interface Painter {
  setFont(font: string): void;
  measure(text: string): number;
  fillRect(x: number, y: number, w: number, h: number, color: string): void;
  strokeRect(x: number, y: number, w: number, h: number, color: string, width?: number): void;
  roundRect(x: number, y: number, w: number, h: number, r: number, fill: string, stroke?: string): void;
  line(x1: number, y1: number, x2: number, y2: number, color: string, width?: number, dash?: number[]): void;
  /** Filled polygon from flat [x0, y0, x1, y1, …]. */
  poly(points: number[], color: string): void;
  text(text: string, x: number, y: number, color: string, align?: Align): void;
  clip(x: number, y: number, w: number, h: number): void;
  unclip(): void;
  /** Draws what the painter batched (the canvas's dashed lines) now: what is drawn after covers it. */
  flush(): void;
  /**
   * What the next elements are, until changed: `label` (text a learner reads), `marker` (a lane line's mark box),
   * `glyph` (an icon or the symbol inside a marker), `cause` (a cause's connector); undefined: other lines and fills. The SVG export writes it as a
   * class (`cs-label`…), so the exported picture can be styled and its text boxes measured; the canvas ignores it.
   */
  tag(kind: PaintTag | undefined): void;
}

export type PaintTag = 'label' | 'marker' | 'glyph' | 'cause';

/** A rectangle lines are cut to before they are stroked: the canvas, or the current clip. */
interface Cull {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export class CanvasPainter implements Painter {
  /** The clip rectangles in force (the canvas first); a line is stroked only where it can show. */
  private readonly culls: Cull[];
  /** Dashed axis-aligned lines not filled yet, by tile, direction and phase (`flush`). */
  private readonly dashes = new Map<string, { pat: CanvasPattern; path: Path2D; vertical: boolean; dir: number; phase: number }>();
  constructor(
    readonly ctx: CanvasRenderingContext2D,
    width = Number.POSITIVE_INFINITY,
    height = Number.POSITIVE_INFINITY,
  ) {
    ctx.textBaseline = 'middle';
    this.culls = [{ x0: 0, y0: 0, x1: width, y1: height }];
  }
  /** The font set (setting the same again is skipped: the setter parses it), and the fonts saved by `clip`. */
  private font = '';
  private readonly fonts: string[] = [];
  /**
   * The fill and stroke state last set through this painter ('' or NaN: unknown), so setting the same again is
   * skipped: each setter parses its value (a colour string), ~1,800 fill colours a Time-at-Fit frame over a big trace.
   * Forgotten where the canvas's own state moves under it (a clip's restore, a pattern fill).
   */
  private fillNow = '';
  private strokeNow = '';
  private widthNow = Number.NaN;
  private dashNow = '';
  private alignNow = '';
  private fillColor(color: string): void {
    if (color === this.fillNow) return;
    this.ctx.fillStyle = color;
    this.fillNow = color;
  }
  private strokeStyle(color: string, width: number, dash: number[] | undefined): void {
    const c = this.ctx;
    if (color !== this.strokeNow) {
      c.strokeStyle = color;
      this.strokeNow = color;
    }
    if (width !== this.widthNow) {
      c.lineWidth = width;
      this.widthNow = width;
    }
    const dk = dash?.length ? dash.join(',') : '';
    if (dk !== this.dashNow) {
      c.setLineDash(dash ?? []);
      this.dashNow = dk;
    }
  }
  private forgetStyles(): void {
    this.fillNow = '';
    this.strokeNow = '';
    this.widthNow = Number.NaN;
    this.dashNow = '';
    this.alignNow = '';
  }
  setFont(font: string): void {
    if (font === this.font) return;
    this.ctx.font = font;
    this.font = font;
  }
  measure(text: string): number {
    // A frame at Fit measures the same words several times (fit, place, draw) and frame after frame.
    if (!this.font) return this.ctx.measureText(text).width;
    const k = `${this.font}\u0000${text}`;
    let w = textWidths.get(k);
    if (w === undefined) {
      if (textWidths.size > 20000) textWidths.clear();
      textWidths.set(k, (w = this.ctx.measureText(text).width));
    }
    return w;
  }
  /**
   * Whether the box [x0, x1] × [y0, y1] lies wholly outside the clip in force, so drawing in it paints no pixel.
   * At Fit over many lanes most creations are of lanes far off screen (the bench's trace: ~190 of 200), and each
   * still drew its arrowhead, its label's backing and words and its lane's small mark: ~760 canvas calls a frame
   * that the canvas recorded, shaped (the words) and played back to paint nothing. Where they go is still placed.
   */
  private outside(x0: number, y0: number, x1: number, y1: number): boolean {
    const c = this.culls[this.culls.length - 1];
    return x1 < c.x0 - 1 || x0 > c.x1 + 1 || y1 < c.y0 - 1 || y0 > c.y1 + 1;
  }
  fillRect(x: number, y: number, w: number, h: number, color: string): void {
    if (this.outside(Math.min(x, x + w), Math.min(y, y + h), Math.max(x, x + w), Math.max(y, y + h))) return;
    this.fillColor(color);
    this.ctx.fillRect(x, y, w, h);
  }
  strokeRect(x: number, y: number, w: number, h: number, color: string, width = 1): void {
    if (this.outside(Math.min(x, x + w) - width, Math.min(y, y + h) - width, Math.max(x, x + w) + width, Math.max(y, y + h) + width)) return;
    this.strokeStyle(color, width, undefined);
    this.ctx.strokeRect(x, y, w, h);
  }
  roundRect(x: number, y: number, w: number, h: number, r: number, fill: string, stroke?: string): void {
    if (this.outside(Math.min(x, x + w) - 1, Math.min(y, y + h) - 1, Math.max(x, x + w) + 1, Math.max(y, y + h) + 1)) return;
    const c = this.ctx;
    c.beginPath();
    c.roundRect(x, y, w, h, r);
    this.fillColor(fill);
    c.fill();
    if (stroke) {
      this.strokeStyle(stroke, 1, undefined);
      c.stroke();
    }
  }
  line(x1: number, y1: number, x2: number, y2: number, color: string, width = 1, dash?: number[]): void {
    // Only the part of the line that can show is stroked: a dashed create arrow to a lane 30,000 px off screen was
    // thousands of dashes for the rasterizer (most of a Time-at-Fit frame's raster). The dash keeps its phase.
    const cut = clipSegment(x1, y1, x2, y2, this.culls[this.culls.length - 1], width + 1);
    if (!cut) return;
    const c = this.ctx;
    if (dash?.length && (x1 === x2 || y1 === y2)) {
      // A dashed line along an axis (lifelines, a loop's waiting bar, a create arrow) is one fill with a repeating
      // tile of the dash: Skia strokes a dashed line as one segment per dash, which at Fit was most of the raster.
      const len = Math.hypot(x2 - x1, y2 - y1);
      const a = cut[0] * len,
        b = cut[1] * len;
      const pat = dashPattern(c, dash, color, x1 === x2);
      if (pat) {
        const vertical = x1 === x2;
        const dir = vertical ? Math.sign(y2 - y1) || 1 : Math.sign(x2 - x1) || 1;
        // Batched: the lines of one tile whose starts fall on the same place of its period are one fill (a pattern
        // fill costs ~30-60 µs of setup in Chromium's software canvas, whatever its size: ~320 a Time-at-Fit frame).
        // The tile's origin is the line's start (to half a pixel), so the dashes fall where the stroke put them.
        const period = pat.period;
        const start = vertical ? y1 : x1;
        const phase = Math.round((((start % period) + period) % period) * 2) / 2;
        const key = `${pat.key}|${dir}|${phase}`;
        let batch = this.dashes.get(key);
        if (!batch) this.dashes.set(key, (batch = { pat: pat.pattern, path: new Path2D(), vertical, dir, phase }));
        if (vertical) {
          const ya = y1 + dir * a,
            yb = y1 + dir * b;
          batch.path.rect(x1 - width / 2, Math.min(ya, yb), width, Math.abs(yb - ya));
        } else {
          const xa = x1 + dir * a,
            xb = x1 + dir * b;
          batch.path.rect(Math.min(xa, xb), y1 - width / 2, Math.abs(xb - xa), width);
        }
        return;
      }
    }
    c.beginPath();
    c.moveTo(x1 + (x2 - x1) * cut[0], y1 + (y2 - y1) * cut[0]);
    c.lineTo(x1 + (x2 - x1) * cut[1], y1 + (y2 - y1) * cut[1]);
    this.strokeStyle(color, width, dash);
    if (dash?.length) c.lineDashOffset = cut[0] * Math.hypot(x2 - x1, y2 - y1);
    c.stroke();
  }
  poly(points: number[], color: string): void {
    let x0 = points[0],
      x1 = x0,
      y0 = points[1],
      y1 = y0;
    for (let k = 2; k < points.length; k += 2) {
      x0 = Math.min(x0, points[k]);
      x1 = Math.max(x1, points[k]);
      y0 = Math.min(y0, points[k + 1]);
      y1 = Math.max(y1, points[k + 1]);
    }
    if (this.outside(x0, y0, x1, y1)) return;
    const c = this.ctx;
    c.beginPath();
    c.moveTo(points[0], points[1]);
    for (let k = 2; k < points.length; k += 2) c.lineTo(points[k], points[k + 1]);
    c.closePath();
    this.fillColor(color);
    c.fill();
  }
  text(text: string, x: number, y: number, color: string, align: Align = 'left'): void {
    // (a generous margin for the glyphs' ink beyond their advance and the font's height: a skipped text must be one
    // that could not show; the texts this saves are hundreds or thousands of px away)
    const m = TEXT_INK;
    if (this.outside(x - m, y - m, x + m, y + m)) {
      const c = this.culls[this.culls.length - 1];
      if (y + m < c.y0 || y - m > c.y1) return;
      const w = this.measure(text);
      const left = align === 'left' ? x : align === 'center' ? x - w / 2 : x - w;
      if (this.outside(left - m, y - m, left + w + m, y + m)) return;
    }
    this.fillColor(color);
    if (align !== this.alignNow) {
      this.ctx.textAlign = align;
      this.alignNow = align;
    }
    this.ctx.fillText(text, x, y);
  }
  /** Fills the batched dashed lines (`line`), one fill per tile and phase; before any clip changes, and at the end of a pass. */
  flush(): void {
    if (!this.dashes.size) return;
    const c = this.ctx;
    // (the tile is sampled, not scaled: nearest is exact and cheaper than filtering it)
    c.imageSmoothingEnabled = false;
    for (const b of this.dashes.values()) {
      b.pat.setTransform(b.vertical ? new DOMMatrix([1, 0, 0, b.dir, 0, b.phase]) : new DOMMatrix([b.dir, 0, 0, 1, b.phase, 0]));
      c.fillStyle = b.pat;
      c.fill(b.path);
    }
    c.imageSmoothingEnabled = true;
    this.dashes.clear();
    this.fillNow = '';
  }
  clip(x: number, y: number, w: number, h: number): void {
    this.flush();
    this.fonts.push(this.font);
    const o = this.culls[this.culls.length - 1];
    this.culls.push({ x0: Math.max(o.x0, x), y0: Math.max(o.y0, y), x1: Math.min(o.x1, x + w), y1: Math.min(o.y1, y + h) });
    this.ctx.save();
    this.ctx.beginPath();
    this.ctx.rect(x, y, w, h);
    this.ctx.clip();
  }
  unclip(): void {
    this.flush();
    if (this.culls.length > 1) this.culls.pop();
    this.ctx.restore();
    // (restore set the font saved with the clip back, and the colours, widths, dash and alignment)
    this.font = this.fonts.pop() ?? '';
    this.forgetStyles();
  }
  tag(): void {}
}

/** How far (px) past its advance and its middle a text's ink may reach, for the on-screen test (`CanvasPainter.text`). */
const TEXT_INK = 48;

/** Text widths by font and text, kept across frames (`CanvasPainter.measure`). */
const textWidths = new Map<string, number>();
/** Forgets the kept text widths (a font finished loading: the same text may measure otherwise). */
export function forgetTextWidths(): void {
  textWidths.clear();
}

/** Dash tiles by colour, pattern and direction (a handful per theme). */
const patterns = new Map<string, DashTile | null>();
/** The same tiles by colour, then by a two-length dash and direction as one number (`dashPattern`). */
const quick = new Map<string, Map<number, DashTile | null>>();

interface DashTile {
  pattern: CanvasPattern;
  key: string;
  period: number;
}

/**
 * A repeating tile of `dash` in `color` along y (`vertical`) or x: one period long, one pixel across (stretched to
 * the line's width by the fill); its origin is the start of the first dash.
 */
function dashPattern(ctx: CanvasRenderingContext2D, dash: number[], color: string, vertical: boolean): DashTile | null {
  // (looked up for every dashed line, ~450 a Time-at-Fit frame: by colour, then a number for the usual two-length
  // dash, without building a string key each time — that was ~2 ms of a frame's script)
  const small = dash.length === 2 && dash[0] >= 0 && dash[0] < 256 && dash[1] >= 0 && dash[1] < 256 && Number.isInteger(dash[0] + dash[1]);
  const nk = small ? (dash[0] * 256 + dash[1]) * 2 + (vertical ? 1 : 0) : -1;
  let byColour = small ? quick.get(color) : undefined;
  const hit = byColour?.get(nk);
  if (hit !== undefined) return hit;
  const k = `${color}|${dash.join(',')}|${vertical ? 'v' : 'h'}`;
  let pat = patterns.get(k);
  if (pat !== undefined) {
    if (small) {
      if (!byColour) quick.set(color, (byColour = new Map()));
      byColour.set(nk, pat);
    }
    return pat;
  }
  const segs = dash.length % 2 ? [...dash, ...dash] : dash;
  const period = segs.reduce((x, y) => x + y, 0);
  pat = null;
  if (period > 0 && Number.isInteger(period) && segs.every(Number.isInteger) && typeof document !== 'undefined') {
    // (in CSS px: the context's transform scales the tile with the lines, as it does a stroke)
    const tile = document.createElement('canvas');
    tile.width = vertical ? 1 : period;
    tile.height = vertical ? period : 1;
    const t = tile.getContext('2d');
    if (t) {
      t.fillStyle = color;
      for (let at = 0, j = 0; j < segs.length; at += segs[j], j++) if (j % 2 === 0) vertical ? t.fillRect(0, at, 1, segs[j]) : t.fillRect(at, 0, segs[j], 1);
      const pattern = ctx.createPattern(tile, 'repeat');
      pat = pattern ? { pattern, key: k, period } : null;
    }
  }
  if (patterns.size > 256) {
    patterns.clear();
    quick.clear();
  }
  patterns.set(k, pat);
  return pat;
}

/**
 * The part [t0, t1] (0 = the start, 1 = the end) of the segment inside `r` grown by `pad` on every side
 * (Liang–Barsky), or null when none of it is.
 */
export function clipSegment(x1: number, y1: number, x2: number, y2: number, r: Cull, pad: number): [number, number] | null {
  let t0 = 0,
    t1 = 1;
  const dx = x2 - x1,
    dy = y2 - y1;
  const edge = (p: number, q: number): boolean => {
    if (p === 0) return q >= 0;
    const t = q / p;
    if (p < 0) {
      if (t > t1) return false;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return false;
      if (t < t1) t1 = t;
    }
    return true;
  };
  if (edge(-dx, x1 - (r.x0 - pad)) && edge(dx, r.x1 + pad - x1) && edge(-dy, y1 - (r.y0 - pad)) && edge(dy, r.y1 + pad - y1)) return [t0, t1];
  return null;
}

export function xmlEscape(s: string): string {
  return (
    s
      .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string)
      // Characters XML 1.0 forbids (control characters from program output).
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
  );
}

const n = (v: number) => (Math.round(v * 10) / 10).toString();

/** Collects SVG elements; measures text with an offscreen canvas so layout matches the screen. */
export class SvgPainter implements Painter {
  private readonly out: string[] = [];
  private font = '12px sans-serif';
  private clipId = 0;
  private depth = 0;
  private cls = '';
  constructor(
    private readonly measurer: CanvasRenderingContext2D,
    readonly width: number,
    readonly height: number,
  ) {}
  setFont(font: string): void {
    this.font = font;
    this.measurer.font = font;
  }
  measure(text: string): number {
    return this.measurer.measureText(text).width;
  }
  fillRect(x: number, y: number, w: number, h: number, color: string): void {
    this.out.push(`<rect${this.cls} x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${xmlEscape(color)}"/>`);
  }
  strokeRect(x: number, y: number, w: number, h: number, color: string, width = 1): void {
    this.out.push(
      `<rect${this.cls} x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="none" stroke="${xmlEscape(color)}" stroke-width="${width}"/>`,
    );
  }
  roundRect(x: number, y: number, w: number, h: number, r: number, fill: string, stroke?: string): void {
    this.out.push(
      `<rect${this.cls} x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="${r}" fill="${xmlEscape(fill)}"${stroke ? ` stroke="${xmlEscape(stroke)}"` : ''}/>`,
    );
  }
  line(x1: number, y1: number, x2: number, y2: number, color: string, width = 1, dash?: number[]): void {
    this.out.push(
      `<line${this.cls} x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${xmlEscape(color)}" stroke-width="${width}"${dash?.length ? ` stroke-dasharray="${dash.join(' ')}"` : ''}/>`,
    );
  }
  poly(points: number[], color: string): void {
    const pts: string[] = [];
    for (let k = 0; k < points.length; k += 2) pts.push(`${n(points[k])},${n(points[k + 1])}`);
    this.out.push(`<polygon${this.cls} points="${pts.join(' ')}" fill="${xmlEscape(color)}"/>`);
  }
  text(text: string, x: number, y: number, color: string, align: Align = 'left'): void {
    const anchor = align === 'left' ? 'start' : align === 'center' ? 'middle' : 'end';
    this.out.push(
      `<text${this.cls} x="${n(x)}" y="${n(y)}" fill="${xmlEscape(color)}" text-anchor="${anchor}" dominant-baseline="central" style="font:${xmlEscape(this.font)}" xml:space="preserve">${xmlEscape(text)}</text>`,
    );
  }
  clip(x: number, y: number, w: number, h: number): void {
    const id = `c${this.clipId++}`;
    this.out.push(`<clipPath id="${id}"><rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}"/></clipPath><g clip-path="url(#${id})">`);
    this.depth++;
  }
  unclip(): void {
    if (this.depth > 0) {
      this.out.push('</g>');
      this.depth--;
    }
  }
  flush(): void {}
  tag(kind: PaintTag | undefined): void {
    this.cls = kind ? ` class="cs-${kind}"` : '';
  }
  toString(): string {
    while (this.depth > 0) this.unclip();
    return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">\n${this.out.join('\n')}\n</svg>\n`;
  }
}
