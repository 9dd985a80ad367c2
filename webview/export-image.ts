// The toolbar's SVG / PNG export: the visible diagram drawn again through the
// SVG painter, or onto a 2x canvas, and posted to the host to save.

import type { AppSurface as App } from './app-surface';
import { CanvasPainter, SvgPainter } from './paint';
import { draw } from './render';
import { bodyW, geometry } from './viewport';

export function exportImage(app: App, format: 'svg' | 'png'): void {
  const w = bodyW(app),
    hgt = app.diagram.clientHeight;
  const g = geometry(app);
  if (format === 'svg') {
    const measure = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
    const p = new SvgPainter(measure, w, hgt);
    draw(p, g, app.theme);
    app.vscode.postMessage({ type: 'saveImage', format, data: p.toString() });
  } else {
    const scale = 2;
    const cv = document.createElement('canvas');
    cv.width = w * scale;
    cv.height = hgt * scale;
    const ctx = cv.getContext('2d') as CanvasRenderingContext2D;
    ctx.scale(scale, scale);
    draw(new CanvasPainter(ctx), g, app.theme);
    app.vscode.postMessage({ type: 'saveImage', format, data: cv.toDataURL('image/png') });
  }
}
