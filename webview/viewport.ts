// The viewport: where the diagram looks (top row or time, zoom, horizontal
// scroll) and the geometry that follows from the panel's size. Functions over
// the App's view state; every change ends in app.changed().

import type { AppSurface as App } from './app-surface';
import { Geometry, HEADER_H, GUTTER_W } from './render';
import { MINIMAP_W } from './minimap';
import { DEFAULT_STATE } from './state';

const MAX_ROW_H = 64;

export function setScale(app: App, scale: 'steps' | 'time'): void {
  if (scale === app.view.scale) return;
  // Keep the row at the top edge in place.
  const g = geometry(app);
  const r = Math.max(0, Math.min(app.model.rowCount - 1, g.rowAt(HEADER_H + 1)));
  app.view.scale = scale;
  if (app.model.rowCount) {
    if (scale === 'time') {
      if (!(app.view.nsPx > 0) || app.view.nsPx === DEFAULT_STATE.nsPx) {
        // Start where a typical step (the median gap between rows) is as tall as a steps row.
        const gaps: number[] = [];
        const n = app.model.rowCount;
        const stride = Math.max(1, Math.floor(n / 2000));
        for (let k = stride; k < n; k += stride) {
          const d = app.model.rowTime(k) - app.model.rowTime(k - 1);
          if (d > 0) gaps.push(d);
        }
        gaps.sort((x, y) => x - y);
        const per = gaps.length ? gaps[gaps.length >> 1] : app.model.totalTime / Math.max(1, n);
        app.view.nsPx = per > 0 ? Math.max(1e-12, 26 / per) : DEFAULT_STATE.nsPx;
      }
      app.view.top = app.model.rowTime(r);
    } else app.view.top = r;
  }
  app.changed();
}

export function bodyH(app: App): number {
  return Math.max(1, app.diagram.clientHeight - HEADER_H);
}

export function bodyW(app: App): number {
  return Math.max(1, app.diagram.clientWidth - MINIMAP_W);
}

/** Lanes drawn full width: not hidden (the folded shutdown's) and not collapsed. */
export function drawnLanes(app: App): number {
  let n = 0;
  for (let l = 0; l < app.store.tasks.length; l++) if (!app.model.hiddenLanes.has(l) && !app.view.collapsed.has(l)) n++;
  return Math.max(1, n);
}

export function geometry(app: App): Geometry {
  // Few lanes get wide columns (room for labels and notes); many lanes stay readable and scroll.
  const lanes = drawnLanes(app);
  app.view.laneW = Math.max(bodyW(app) < 900 ? 140 : 170, Math.min(340, Math.floor((bodyW(app) - GUTTER_W - 40) / lanes)));
  return new Geometry(app.model, app.view, bodyW(app), app.diagram.clientHeight);
}

export function clampView(app: App): void {
  const v = app.view,
    m = app.model;
  if (v.scale === 'steps') {
    const minH = Math.min(4, bodyH(app) / Math.max(1, m.rowCount));
    v.rowH = Math.min(MAX_ROW_H, Math.max(minH, v.rowH));
    const maxTop = Math.max(0, m.rowCount - bodyH(app) / v.rowH + 1);
    if (app.follow) v.top = maxTop;
    v.top = Math.max(0, Math.min(v.top, maxTop));
  } else {
    const total = m.totalTime;
    const minNs = total > 0 ? (bodyH(app) - 40) / total / 2 : 1e-12;
    v.nsPx = Math.min(1e3, Math.max(Math.min(minNs, 1e-3), v.nsPx));
    const maxTop = Math.max(0, total - (bodyH(app) - 40) / v.nsPx);
    if (app.follow) v.top = maxTop;
    v.top = Math.max(0, Math.min(v.top, maxTop));
  }
  const g = geometry(app);
  v.left = Math.max(0, Math.min(v.left, Math.max(0, g.contentW - (bodyW(app) - GUTTER_W) + 40)));
}

export function scrollToRow(app: App, r: number): void {
  const v = app.view;
  const g = geometry(app);
  const y = g.rowY(r);
  if (y < HEADER_H + 20 || y > g.height - 20) {
    if (v.scale === 'steps') v.top = r - bodyH(app) / v.rowH / 3;
    else v.top = app.model.rowTime(r) - bodyH(app) / v.nsPx / 3;
  }
  // And horizontally, to the lanes of the event.
  const e = app.model.rowEvent(r);
  if (e >= 0) {
    const a = app.store.a(e);
    if (a >= 0) {
      const x = g.laneX(a);
      if (x < GUTTER_W + 40 || x > g.width - 40) v.left += x - (GUTTER_W + g.width) / 2;
    }
  }
}

export function zoom(app: App, factor: number, atY: number): void {
  const v = app.view;
  app.follow = false;
  const dy = Math.max(0, atY - HEADER_H);
  if (v.scale === 'steps') {
    const at = v.top + dy / v.rowH;
    v.rowH *= factor;
    clampView(app);
    v.top = at - dy / v.rowH;
  } else {
    const at = v.top + dy / v.nsPx;
    v.nsPx *= factor;
    clampView(app);
    v.top = at - dy / v.nsPx;
  }
  app.changed();
}

export function fit(app: App): void {
  const v = app.view;
  if (v.scale === 'steps') {
    v.rowH = bodyH(app) / Math.max(1, app.model.rowCount);
    v.top = 0;
  } else {
    v.nsPx = (bodyH(app) - 40) / Math.max(1, app.model.totalTime);
    v.top = 0;
  }
  app.follow = false;
  app.changed();
}

export function scrollBy(app: App, rowsOrPx: number, px = false): void {
  const v = app.view;
  const unit = v.scale === 'steps' ? v.rowH : v.nsPx;
  v.top += px ? rowsOrPx / unit : rowsOrPx * (v.scale === 'steps' ? 1 : 26 / v.nsPx);
  app.follow = false;
  clampView(app);
  // Scrolling to the very end resumes following (as a terminal does).
  const g = geometry(app);
  if (app.model.rowCount && g.rowY(app.model.rowCount - 1) < g.height - 4 && rowsOrPx > 0) app.follow = true;
  app.changed();
}

/** Narrowest lane column the automatic table choice keeps for every lane (the lanes' minimum in viewport.ts). */
const LANE_MIN_W = 170;

/**
 * The automatic table choice: shown only when the panel is wide enough and the table (40 % of the width, 420–640 px,
 * as style.css sizes it) leaves every lane its column; otherwise the lanes get the width and the table starts closed.
 */
export function autoTable(width: number, lanes: number, minWidth = 900): boolean {
  if (width < minWidth) return false;
  const table = Math.min(640, Math.max(420, width * 0.4));
  return width - table - GUTTER_W - MINIMAP_W - 40 >= Math.max(1, lanes) * LANE_MIN_W;
}
