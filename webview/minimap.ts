// The overview strip beside the diagram: the whole trace squeezed into its
// height, one sampled row per pixel (a dot per lane involved), and the
// viewport as a box. Cost is per pixel, not per event; the rows' picture is
// kept between frames until the rows, the size or the theme change (a redraw
// for a hover or a scroll only copies it and draws the viewport box).

import type { DiagramModel } from './model';
import type { Theme } from './theme';
import { TYPE } from '../trace/store';

export const MINIMAP_W = 64;

interface Picture {
  canvas: HTMLCanvasElement;
  model: DiagramModel;
  version: number;
  w: number;
  h: number;
  dpr: number;
  theme: Theme;
}
let picture: Picture | null = null;

/** The sampled rows, drawn once per (rows, size, theme) into a canvas of the minimap's pixel size. */
function rowsPicture(m: DiagramModel, t: Theme, w: number, h: number, dpr: number): HTMLCanvasElement {
  const p = picture;
  if (p && p.model === m && p.version === m.rowsVersion && p.w === w && p.h === h && p.dpr === dpr && p.theme === t) return p.canvas;
  const canvas = p?.canvas ?? document.createElement('canvas');
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = t.gutterBg;
  ctx.fillRect(0, 0, w, h);
  const rows = m.rowCount;
  const lanes = Math.max(1, m.store.tasks.length);
  const s = m.store;
  if (rows > 0) {
    const pad = 4;
    const lw = (w - 2 * pad) / lanes;
    const dot = Math.max(1, Math.min(3, lw));
    for (let y = 0; y < h; y++) {
      const r = Math.min(rows - 1, Math.floor((y / h) * rows));
      const e = m.rowEvent(r);
      if (e < 0) continue;
      if (m.rowFold(r) >= 0) {
        ctx.fillStyle = t.channel;
        ctx.fillRect(pad, y, w - 2 * pad, 1);
        continue;
      }
      const type = s.typeCode(e);
      ctx.fillStyle = type === TYPE.switch ? t.resume : type === TYPE.mark ? t.warn : type === TYPE.end ? t.error : t.dim;
      const a = s.a(e),
        b = s.b(e);
      if (a >= 0) ctx.fillRect(pad + a * lw, y, dot, 1);
      if (b >= 0) ctx.fillRect(pad + b * lw, y, dot, 1);
    }
  }
  picture = { canvas, model: m, version: m.rowsVersion, w, h, dpr, theme: t };
  return canvas;
}

/** Draws the minimap into ctx (transformed to CSS pixels by `dpr`). */
export function drawMinimap(ctx: CanvasRenderingContext2D, m: DiagramModel, t: Theme, w: number, h: number, view: { from: number; to: number }, dpr = 1): void {
  const pic = rowsPicture(m, t, w, h, dpr);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(pic, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const rows = m.rowCount;
  if (rows > 0) {
    const y0 = (view.from / rows) * h;
    const y1 = Math.max(y0 + 3, (view.to / rows) * h);
    if (view.from > 0 || view.to < rows) {
      ctx.fillStyle = t.selection;
      ctx.fillRect(0, y0, w, y1 - y0);
    }
    ctx.strokeStyle = t.focus;
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, y0 + 0.5, w - 1, y1 - y0 - 1);
  }
  ctx.fillStyle = t.border;
  ctx.fillRect(0, 0, 1, h);
}
