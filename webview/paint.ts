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
  /**
   * What the next elements are, until changed: `label` (text a learner reads), `marker` (a lane line's mark box),
   * `glyph` (an icon or the symbol inside a marker); undefined: lines and fills. The SVG export writes it as a
   * class (`cs-label`…), so the exported picture can be styled and its text boxes measured; the canvas ignores it.
   */
  tag(kind: PaintTag | undefined): void;
}

export type PaintTag = 'label' | 'marker' | 'glyph';

export class CanvasPainter implements Painter {
  constructor(readonly ctx: CanvasRenderingContext2D) {
    ctx.textBaseline = 'middle';
  }
  setFont(font: string): void {
    this.ctx.font = font;
  }
  measure(text: string): number {
    return this.ctx.measureText(text).width;
  }
  fillRect(x: number, y: number, w: number, h: number, color: string): void {
    this.ctx.fillStyle = color;
    this.ctx.fillRect(x, y, w, h);
  }
  strokeRect(x: number, y: number, w: number, h: number, color: string, width = 1): void {
    this.ctx.strokeStyle = color;
    this.ctx.lineWidth = width;
    this.ctx.setLineDash([]);
    this.ctx.strokeRect(x, y, w, h);
  }
  roundRect(x: number, y: number, w: number, h: number, r: number, fill: string, stroke?: string): void {
    const c = this.ctx;
    c.beginPath();
    c.roundRect(x, y, w, h, r);
    c.fillStyle = fill;
    c.fill();
    if (stroke) {
      c.strokeStyle = stroke;
      c.lineWidth = 1;
      c.setLineDash([]);
      c.stroke();
    }
  }
  line(x1: number, y1: number, x2: number, y2: number, color: string, width = 1, dash?: number[]): void {
    const c = this.ctx;
    c.beginPath();
    c.moveTo(x1, y1);
    c.lineTo(x2, y2);
    c.strokeStyle = color;
    c.lineWidth = width;
    c.setLineDash(dash ?? []);
    c.stroke();
  }
  poly(points: number[], color: string): void {
    const c = this.ctx;
    c.beginPath();
    c.moveTo(points[0], points[1]);
    for (let k = 2; k < points.length; k += 2) c.lineTo(points[k], points[k + 1]);
    c.closePath();
    c.fillStyle = color;
    c.fill();
  }
  text(text: string, x: number, y: number, color: string, align: Align = 'left'): void {
    this.ctx.fillStyle = color;
    this.ctx.textAlign = align;
    this.ctx.fillText(text, x, y);
  }
  clip(x: number, y: number, w: number, h: number): void {
    this.ctx.save();
    this.ctx.beginPath();
    this.ctx.rect(x, y, w, h);
    this.ctx.clip();
  }
  unclip(): void {
    this.ctx.restore();
  }
  tag(): void {}
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
  tag(kind: PaintTag | undefined): void {
    this.cls = kind ? ` class="cs-${kind}"` : '';
  }
  toString(): string {
    while (this.depth > 0) this.unclip();
    return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">\n${this.out.join('\n')}\n</svg>\n`;
  }
}
