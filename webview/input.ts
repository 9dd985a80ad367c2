// Input on the diagram canvas: wheel (scroll, ctrl+wheel zoom, shift+wheel
// sideways), drag, keys, the minimap, and what the pointer is over (the hover
// tooltip, clicks that select a row or collapse a lane).

import type { AppSurface as App } from './app-surface';
import { HEADER_H, GUTTER_W, foldLabel } from './render';
import { details, label, laneName } from './labels';
import { bodyH, clampView, geometry, scrollBy, zoom } from './viewport';

export function key(app: App, e: KeyboardEvent): void {
  const v = app.view;
  const page = Math.max(1, Math.floor(bodyH(app) / (v.scale === 'steps' ? v.rowH : 26)) - 1);
  const sel = v.selected >= 0 ? app.model.eventRow(v.selected) : -1;
  // Arrows, Home/End and Space move the step cursor (replay.ts); Shift+wheel still pans across lanes.
  if (app.replay.key(e)) return;
  switch (e.key) {
    case 'PageDown':
      scrollBy(app, page);
      break;
    case 'PageUp':
      scrollBy(app, -page);
      break;
    case '+':
    case '=':
      zoom(app, 1.5, HEADER_H + bodyH(app) / 2);
      break;
    case '-':
    case '_':
      zoom(app, 1 / 1.5, HEADER_H + bodyH(app) / 2);
      break;
    case 'Enter':
      if (sel >= 0) app.activateRow(sel);
      break;
    default:
      return;
  }
  e.preventDefault();
}

export function installPointer(app: App): void {
  const c = app.canvas;
  let drag: { x: number; y: number; top: number; left: number; moved: boolean } | null = null;
  c.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? bodyH(app) : 1;
      const dx = e.deltaX * unit,
        dy = e.deltaY * unit;
      if (e.ctrlKey || e.metaKey) {
        zoom(app, Math.exp(-dy / 300), e.offsetY);
        return;
      }
      if (e.shiftKey || Math.abs(dx) > Math.abs(dy)) {
        app.view.left += e.shiftKey ? dy : dx;
        clampView(app);
        app.changed();
        return;
      }
      scrollBy(app, dy, true);
    },
    { passive: false },
  );
  c.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    c.setPointerCapture(e.pointerId);
    drag = { x: e.clientX, y: e.clientY, top: app.view.top, left: app.view.left, moved: false };
  });
  c.addEventListener('pointermove', (e) => {
    if (drag) {
      const dx = e.clientX - drag.x,
        dy = e.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
      if (drag.moved) {
        const unit = app.view.scale === 'steps' ? app.view.rowH : app.view.nsPx;
        app.view.top = drag.top - dy / unit;
        app.view.left = drag.left - dx;
        app.follow = false;
        clampView(app);
        app.tooltip.hidden = true;
        app.changed();
        return;
      }
    }
    hover(app, e.offsetX, e.offsetY);
  });
  c.addEventListener('pointerup', (e) => {
    const d = drag;
    drag = null;
    if (d && !d.moved) click(app, e.offsetX, e.offsetY);
  });
  c.addEventListener('pointerleave', () => {
    app.tooltip.hidden = true;
    app.view.hoverRow = -1;
    app.scheduleRender();
  });
  // The minimap: click or drag to move the view.
  const nav = (e: PointerEvent) => {
    const rows = app.model.rowCount;
    const r = (e.offsetY / app.mini.clientHeight) * rows;
    app.follow = false;
    if (app.view.scale === 'steps') app.view.top = r - bodyH(app) / app.view.rowH / 2;
    else app.view.top = app.model.rowTime(Math.max(0, Math.min(rows - 1, Math.floor(r)))) - bodyH(app) / app.view.nsPx / 2;
    clampView(app);
    app.changed();
  };
  app.mini.addEventListener('pointerdown', (e) => {
    app.mini.setPointerCapture(e.pointerId);
    nav(e);
  });
  app.mini.addEventListener('pointermove', (e) => {
    if (e.buttons & 1) nav(e);
  });
}

/** What is under (x, y): a lane header, a row (with its event), or nothing. */
export function hit(app: App, x: number, y: number): { lane: number } | { row: number; event: number; fold: number } | null {
  const g = geometry(app);
  if (x < GUTTER_W) return null;
  if (y < HEADER_H) {
    const l = g.laneAt(x);
    return l >= 0 ? { lane: l } : null;
  }
  const r = g.rowAt(y);
  const m = app.model;
  if (r < 0 || r >= m.rowCount) return null;
  const rowPx = app.view.scale === 'steps' ? app.view.rowH : 18;
  if (Math.abs(g.rowY(r) - y) > Math.max(6, rowPx / 2)) return null;
  return { row: r, event: m.rowEvent(r), fold: m.rowFold(r) };
}

export function hover(app: App, x: number, y: number): void {
  const h = hit(app, x, y);
  let text = '';
  let row = -1;
  if (h && 'lane' in h) {
    const t = app.store.tasks[h.lane];
    const end = app.model.laneEnd[h.lane] ?? -1;
    // Display names only, never raw task ids (issue 17): the full name, what it is, its pid for processes.
    text = [
      `${laneName(app.store, h.lane)}  (${t.kind}${t.pid !== undefined ? `, pid ${t.pid}` : ''})`,
      laneName(app.store, h.lane) !== t.name ? `named ${JSON.stringify(t.name)} in the program` : '',
      t.parent
        ? `${t.site === 'first-run' ? 'first run by' : 'created by'} ${laneName(app.store, app.store.laneOf(t.parent) ?? -1) || 'a task not in the trace'}`
        : 'root task',
      t.args ? `arguments: ${t.args}` : '',
      // (a first-run site is where it first ran: the runtime did not see the call that made it)
      t.file ? `${t.site === 'first-run' ? 'first run at' : 'created at'} ${t.file}${t.line ? `:${t.line}` : ''}` : '',
      t.codeFile ? `code at ${t.codeFile}${t.codeLine ? `:${t.codeLine}` : ''}` : '',
      end >= 0 ? `ended: ${label(app.store, end)}` : 'still running or no end recorded',
      'click to collapse or expand the lane',
    ]
      .filter(Boolean)
      .join('\n');
  } else if (h && 'row' in h) {
    row = h.row;
    text =
      h.fold >= 0
        ? `${foldLabel(app.model, h.fold)}\n${app.model.folds[h.fold]?.shutdown ? 'click to show its rows' : 'click to expand'}`
        : details(app.store, h.event);
    if (h.fold < 0) text += `\n${app.clickWords(h.event)}`;
  }
  if (row !== app.view.hoverRow) {
    app.view.hoverRow = row;
    app.scheduleRender();
  }
  app.canvas.style.cursor = h ? 'pointer' : 'default';
  if (!text) {
    app.tooltip.hidden = true;
    return;
  }
  app.tooltip.textContent = text;
  app.tooltip.hidden = false;
  const w = app.diagram.clientWidth,
    hh = app.diagram.clientHeight;
  const tw = app.tooltip.offsetWidth,
    th = app.tooltip.offsetHeight;
  app.tooltip.style.left = `${Math.min(x + 14, Math.max(0, w - tw - 4))}px`;
  app.tooltip.style.top = `${y + 18 + th > hh ? Math.max(0, y - th - 10) : y + 18}px`;
}

export function click(app: App, x: number, y: number): void {
  app.canvas.focus();
  const h = hit(app, x, y);
  if (!h) return;
  if ('lane' in h) {
    if (app.view.collapsed.has(h.lane)) app.view.collapsed.delete(h.lane);
    else app.view.collapsed.add(h.lane);
    app.changed();
    return;
  }
  if (h.fold >= 0) {
    app.model.toggleFold(h.fold);
    app.table.setModel(app.model);
    app.changed();
    return;
  }
  app.selectRow(h.row);
  app.reveal(h.event);
}
