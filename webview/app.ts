// The diagram application: owns the store, the layout model and the view;
// builds the toolbar, canvas, minimap, table and tooltip; turns input (mouse,
// wheel, keys) into view changes; redraws once per animation frame.

import type { DiagramSummary, RunState, WebviewMessage } from '../protocol/messages';
import { TraceStore, TYPE } from '../trace/store';
import { foldEnd } from '../trace/fold';
import { DiagramModel } from './model';
import { CanvasPainter, SvgPainter } from './paint';
import { Geometry, HEADER_H, GUTTER_W, draw, foldLabel, resetPairs, type View } from './render';
import { readTheme, type Theme } from './theme';
import { EventTable } from './table';
import { MINIMAP_W, drawMinimap } from './minimap';
import { compileQuery, isEmptyQuery, parseQuery } from './query';
import { details, label, basename, laneName } from './labels';
import { button, el } from './dom';
import { DEFAULT_STATE, restoreState, type SavedState } from './state';
import { Replay } from './replay';

export interface VsCodeApi { postMessage(m: WebviewMessage): void; getState(): unknown; setState(s: unknown): void }

const MAX_ROW_H = 64;
/** Below this panel width the table starts hidden (a half-window panel keeps its height for the diagram). */
export const TABLE_MIN_W = 900;

export class App {
  store = new TraceStore();
  model = new DiagramModel(this.store);
  readonly view: View;
  private theme: Theme;
  private follow = true;
  private filterOn = false;
  /** The user's choice; null: automatic (shown when the panel is wide enough, see TABLE_MIN_W). */
  private tableOn: boolean | null = null;
  /** A live run is streaming (reset live, then status running): only then does following make sense. */
  private liveRun = false;
  private query = '';
  private running = false;
  private firstReset = true;
  private frame = 0;
  private dirtyData = false;
  private dpr = 1;
  private tableAt = 0;
  private tableTimer = 0;

  readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly mini: HTMLCanvasElement;
  private readonly miniCtx: CanvasRenderingContext2D;
  private readonly diagram: HTMLDivElement;
  private readonly tooltip: HTMLDivElement;
  private readonly followBtn: HTMLButtonElement;
  private readonly stopBtn: HTMLButtonElement;
  private readonly statusEl: HTMLSpanElement;
  private readonly titleEl: HTMLSpanElement;
  private readonly scaleBtn: HTMLButtonElement;
  private readonly foldBtn: HTMLButtonElement;
  private readonly filterBtn: HTMLButtonElement;
  private readonly tableBtn: HTMLButtonElement;
  private readonly search: HTMLInputElement;
  private readonly countEl: HTMLSpanElement;
  private readonly live: HTMLDivElement;
  private readonly table: EventTable;
  private readonly tablePane: HTMLDivElement;
  private readonly emptyEl: HTMLDivElement;
  /** Frame times of the last draws (ms), for the benchmark. */
  readonly drawTimes: number[] = [];
  /** The step cursor, its controls and the Tasks pane. */
  readonly replay: Replay;

  constructor(root: HTMLElement, private readonly vscode: VsCodeApi) {
    this.root = root;
    const saved = restoreState(vscode.getState());
    this.view = {
      scale: saved.scale, top: saved.top, rowH: saved.rowH, nsPx: saved.nsPx, left: saved.left, laneW: 190,
      collapsed: new Set(saved.collapsed), selected: saved.selected, highlight: null, match: null, hoverRow: -1,
    };
    this.follow = saved.follow;
    this.filterOn = saved.filterOn;
    this.tableOn = saved.tableOn;
    this.query = saved.query;
    this.model.foldingOn = saved.foldingOn;
    for (const x of saved.expanded) this.model.expanded.add(x);
    this.theme = readTheme(root);

    // Toolbar.
    this.titleEl = el('span', { class: 'title' });
    this.statusEl = el('span', { class: 'status', role: 'status' });
    this.stopBtn = button('debug-stop', 'Stop the running script', 'Stop');
    this.stopBtn.classList.add('stop');
    this.stopBtn.hidden = true;
    this.scaleBtn = button('list-ordered', 'Vertical scale: steps (one row per switch) or time (proportional)', 'Steps');
    this.foldBtn = button('fold', 'Fold repeated patterns into one row', 'Fold');
    this.search = el('input', { type: 'search', class: 'search', placeholder: 'Search: text, task:, kind:, reason:, type:', 'aria-label': 'Search events (task:, kind:, reason:, type: narrow)', spellcheck: 'false' });
    this.search.value = this.query;
    this.filterBtn = button('filter', 'Show only matching events');
    this.countEl = el('span', { class: 'count', 'aria-live': 'polite' });
    const zoomOut = button('zoom-out', 'Zoom out (-)');
    const zoomIn = button('zoom-in', 'Zoom in (+)');
    const fitBtn = button('screen-full', 'Fit the whole trace');
    this.tableBtn = button('table', 'Show the events table');
    // A toggle: its name says what it is, aria-pressed says whether it is on (the tooltip says what a click does).
    this.tableBtn.setAttribute('aria-label', 'Events table');
    const svgBtn = button('file-media', 'Export the visible diagram as SVG', 'SVG');
    const pngBtn = button('device-camera', 'Export the visible diagram as PNG', 'PNG');
    const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Diagram' },
      this.titleEl, this.statusEl, this.stopBtn, el('span', { class: 'sep' }),
      this.scaleBtn, this.foldBtn, el('span', { class: 'sep' }),
      this.search, this.filterBtn, this.countEl, el('span', { class: 'grow' }),
      zoomOut, zoomIn, fitBtn, el('span', { class: 'sep' }), this.tableBtn, svgBtn, pngBtn);

    // Diagram.
    this.canvas = el('canvas', { class: 'body', tabindex: '0', role: 'img', 'aria-label': 'Sequence diagram of the coroutine switches; the events table has the same content as text' });
    this.ctx = this.canvas.getContext('2d', { alpha: false }) as CanvasRenderingContext2D;
    this.mini = el('canvas', { class: 'minimap', 'aria-hidden': 'true' });
    this.miniCtx = this.mini.getContext('2d') as CanvasRenderingContext2D;
    this.tooltip = el('div', { class: 'tooltip', role: 'tooltip' });
    this.tooltip.hidden = true;
    this.followBtn = button('arrow-down', 'Follow the newest events', 'Follow');
    this.followBtn.classList.add('follow');
    this.emptyEl = el('div', { class: 'empty' }, 'Waiting for events…');
    this.diagram = el('div', { class: 'diagram' }, this.canvas, this.mini, this.followBtn, this.emptyEl, this.tooltip);
    this.table = new EventTable(this.model, {
      select: (r) => { this.selectRow(r, true); },
      activate: (r) => this.activateRow(r),
    });
    this.tablePane = el('div', { class: 'table-pane' }, this.table.root);
    const app = this;
    this.replay = new Replay({
      get store() { return app.store; }, get model() { return app.model; },
      selected: () => this.view.selected, focusEvent: (i) => this.focusEvent(i), post: (m) => this.vscode.postMessage(m),
    }, root);
    toolbar.insertBefore(this.replay.controls, this.scaleBtn);
    this.live = el('div', { class: 'sr-only', 'aria-live': 'polite' });
    root.replaceChildren(toolbar, el('div', { class: 'main' }, this.diagram, this.replay.pane.root, this.tablePane), this.live);

    // Wiring.
    this.stopBtn.addEventListener('click', () => this.vscode.postMessage({ type: 'stop' }));
    this.scaleBtn.addEventListener('click', () => this.setScale(this.view.scale === 'steps' ? 'time' : 'steps'));
    this.foldBtn.addEventListener('click', () => { this.model.setFolding(!this.model.foldingOn); this.changed(); });
    this.filterBtn.addEventListener('click', () => { this.filterOn = !this.filterOn; this.applyQuery(); });
    let qTimer = 0;
    this.search.addEventListener('input', () => { clearTimeout(qTimer); qTimer = window.setTimeout(() => { this.query = this.search.value; this.applyQuery(); }, 150); });
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); this.query = this.search.value; this.applyQuery(); this.nextMatch(e.shiftKey ? -1 : 1); }
      if (e.key === 'Escape') { this.search.value = ''; this.query = ''; this.applyQuery(); }
    });
    zoomIn.addEventListener('click', () => this.zoom(1.5, this.bodyH() / 2 + HEADER_H));
    zoomOut.addEventListener('click', () => this.zoom(1 / 1.5, this.bodyH() / 2 + HEADER_H));
    fitBtn.addEventListener('click', () => this.fit());
    this.tableBtn.addEventListener('click', () => { this.tableOn = !this.tableShown; this.changed(); });
    svgBtn.addEventListener('click', () => this.exportImage('svg'));
    pngBtn.addEventListener('click', () => this.exportImage('png'));
    this.followBtn.addEventListener('click', () => { this.follow = true; this.changed(); });
    this.installPointer();
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    new ResizeObserver(() => this.scheduleRender()).observe(this.diagram);
    // The automatic table choice follows the panel's width.
    new ResizeObserver(() => { if (this.tableOn === null && this.tablePane.hidden === this.tableShown) { this.syncToolbar(); this.scheduleRender(); } }).observe(root);
    // Theme changes: VS Code swaps body classes and inline variables; the report follows the OS.
    new MutationObserver(() => { this.theme = readTheme(root); this.scheduleRender(); })
      .observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { this.theme = readTheme(root); this.scheduleRender(); });
    // Canvas text needs the icon font loaded before the first draw that uses it.
    document.fonts?.load('16px codicon').then(() => this.scheduleRender(), () => undefined);
    if (this.query) this.applyQuery(false);
    this.syncToolbar();
    this.scheduleRender();
  }

  // ---- host messages -------------------------------------------------------

  reset(title: string, live: boolean): void {
    const keep = this.firstReset; // the first reset after a reload replays the same trace: keep the restored view
    this.firstReset = false;
    this.store = new TraceStore();
    this.model = new DiagramModel(this.store);
    this.replay.reset();
    resetPairs();
    this.titleEl.textContent = title;
    this.titleEl.title = title;
    document.title = title;
    const hadState = this.vscode.getState() !== undefined && this.vscode.getState() !== null;
    if (!keep || !hadState) {
      this.view.top = 0; this.view.left = 0; this.view.selected = -1;
      this.view.collapsed.clear();
      this.follow = live;
    }
    this.liveRun = live;
    this.tooltip.hidden = true;
    this.view.hoverRow = -1;
    const saved = keep ? restoreState(this.vscode.getState()) : DEFAULT_STATE;
    this.model.foldingOn = keep ? saved.foldingOn : this.model.foldingOn;
    if (keep) for (const x of saved.expanded) this.model.expanded.add(x);
    this.view.highlight = null;
    this.table.setModel(this.model);
    if (this.query) this.applyQuery(false);
    this.markLoading();
    this.dataChanged();
  }

  append(chunk: string): void {
    this.firstReset = false;
    this.tooltip.hidden = true;
    this.markLoading();
    // Chunks are whole lines; a missing final newline must not hold back the last event.
    this.store.appendText(chunk.endsWith('\n') ? chunk : chunk + '\n');
    this.dataChanged();
  }

  /** `append` as UTF-8 bytes (whole lines): scanned as bytes, never decoded to a string first. */
  appendBytes(bytes: Uint8Array): void {
    this.firstReset = false;
    this.tooltip.hidden = true;
    this.markLoading();
    this.store.appendBytes(bytes);
    if (bytes.length > 0 && bytes[bytes.length - 1] !== 10) this.store.appendBytes(NEWLINE);
    this.dataChanged();
  }

  status(state: RunState, exitCode?: number | null, message?: string): void {
    this.running = state === 'running';
    this.liveRun = this.running;
    this.syncToolbar();
    this.scheduleRender();
    const text = state === 'running' ? 'running' : state === 'exited' ? `exited${exitCode !== undefined && exitCode !== null ? ` (code ${exitCode})` : ''}`
      : state === 'stopped' ? 'stopped' : state === 'failed' ? 'failed' : 'loaded';
    this.statusEl.textContent = message ? `${text} — ${message}` : text;
    this.statusEl.title = this.statusEl.textContent;
    this.statusEl.dataset.state = state;
    this.stopBtn.hidden = !this.running;
    this.live.textContent = `Run ${text}. ${this.store.length} events.`;
  }

  highlight(file: string, line: number): void {
    if (line <= 0 || !file) { this.view.highlight = null; this.scheduleRender(); return; }
    const sites = this.store.sitesAt(file, line);
    this.view.highlight = sites.size ? sites : null;
    if (sites.size) {
      // Bring the first highlighted event into view when none is visible.
      const g = this.geometry();
      const rows = g.visibleRows().filter((r) => r.y >= HEADER_H && r.y <= g.height);
      if (!rows.some((r) => r.e >= 0 && sites.has(this.store.siteId(r.e)))) {
        for (let i = 0; i < this.store.length; i++) if (sites.has(this.store.siteId(i))) { this.focusEvent(i, false); break; }
      }
    }
    this.scheduleRender();
  }

  focusEvent(index: number, select = true): void {
    if (index < 0 || index >= this.store.length) return;
    if (this.model.filtered && this.model.rowEvent(this.model.eventRow(index)) !== index) { this.filterOn = false; this.applyQuery(false); }
    this.model.reveal(index);
    if (select) this.view.selected = index;
    this.follow = false;
    this.scrollToRow(this.model.eventRow(index));
    if (select) this.table.setActive(this.model.eventRow(index));
    this.changed();
  }

  summary(): DiagramSummary {
    const s = this.store, m = this.model;
    const labels: string[] = [];
    for (let r = 0; r < m.rowCount && labels.length < 500; r++) {
      const f = m.rowFold(r);
      if (f >= 0) { labels.push(foldLabel(m, f)); continue; }
      const e = m.rowEvent(r);
      const t = s.typeCode(e);
      if (t === TYPE.switch || t === TYPE.recv) labels.push(label(s, e));
    }
    return {
      events: s.length,
      tasks: s.tasks.map((t, l) => ({ id: t.id, name: t.name, kind: t.kind, label: laneName(s, l) })),
      switches: s.switchCount,
      labels,
      rows: m.rowCount,
      folds: m.folds.map((f) => ({ start: f.start, period: f.period, count: f.count, collapsed: m.foldingOn && !m.expanded.has(f.start) })),
    };
  }

  // ---- view ----------------------------------------------------------------

  private markLoading(): void { this.root.dataset.coroscopeState = 'loading'; }

  private dataChanged(): void {
    this.model.update();
    this.dirtyData = true;
    this.scheduleRender();
  }

  private changed(): void { this.saveState(); this.syncToolbar(); this.scheduleRender(); }

  private syncToolbar(): void {
    this.scaleBtn.querySelector('.label')!.textContent = this.view.scale === 'steps' ? 'Steps' : 'Time';
    this.scaleBtn.querySelector('.codicon')!.className = `codicon codicon-${this.view.scale === 'steps' ? 'list-ordered' : 'clock'}`;
    this.foldBtn.setAttribute('aria-pressed', String(this.model.foldingOn));
    this.filterBtn.setAttribute('aria-pressed', String(this.filterOn));
    const shown = this.tableShown;
    this.tableBtn.setAttribute('aria-pressed', String(shown));
    this.tableBtn.title = shown ? 'Hide the events table' : 'Show the events table';
    this.tablePane.hidden = !shown;
    this.followBtn.hidden = !this.liveRun || this.follow || this.store.length === 0;
  }

  /** Whether the events table shows: the user's choice, else by the panel's width. */
  get tableShown(): boolean { return this.tableOn ?? (this.root.clientWidth || window.innerWidth) >= TABLE_MIN_W; }

  private saveTimer = 0;
  private saveState(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => {
      const st: SavedState = {
        scale: this.view.scale, top: this.view.top, rowH: this.view.rowH, nsPx: this.view.nsPx, left: this.view.left,
        query: this.query, filterOn: this.filterOn, foldingOn: this.model.foldingOn, tableOn: this.tableOn, follow: this.follow,
        collapsed: [...this.view.collapsed], expanded: [...this.model.expanded].slice(0, 10000), selected: this.view.selected,
      };
      this.vscode.setState(st);
    }, 200);
  }

  private applyQuery(save = true): void {
    const q = parseQuery(this.query);
    if (isEmptyQuery(q)) {
      this.view.match = null;
      this.model.setFilter(null);
      this.countEl.textContent = '';
    } else {
      const pred = compileQuery(this.store, q);
      if (this.filterOn) { this.model.setFilter(pred); this.view.match = null; this.countEl.textContent = `${this.model.rowCount.toLocaleString('en-US')} shown`; }
      else { this.model.setFilter(null); this.view.match = pred; this.countEl.textContent = 'Enter: next match'; }
    }
    this.table.setModel(this.model);
    if (this.view.selected >= 0) this.table.setActive(this.model.eventRow(this.view.selected));
    if (save) this.changed(); else this.scheduleRender();
  }

  private nextMatch(dir: 1 | -1): void {
    const q = parseQuery(this.query);
    if (isEmptyQuery(q)) return;
    const pred = compileQuery(this.store, q);
    const n = this.store.length;
    const from = this.view.selected;
    for (let k = 1; k <= n; k++) {
      const i = ((from + dir * k) % n + n) % n;
      if (pred(i)) { this.focusEvent(i); this.countEl.textContent = `match at step ${this.model.eventRow(i) + 1}`; return; }
    }
    this.countEl.textContent = 'no match';
  }

  setScale(scale: 'steps' | 'time'): void {
    if (scale === this.view.scale) return;
    // Keep the row at the top edge in place.
    const g = this.geometry();
    const r = Math.max(0, Math.min(this.model.rowCount - 1, g.rowAt(HEADER_H + 1)));
    this.view.scale = scale;
    if (this.model.rowCount) {
      if (scale === 'time') {
        if (!(this.view.nsPx > 0) || this.view.nsPx === DEFAULT_STATE.nsPx) {
          // Start where a typical step (the median gap between rows) is as tall as a steps row.
          const gaps: number[] = [];
          const n = this.model.rowCount;
          const stride = Math.max(1, Math.floor(n / 2000));
          for (let k = stride; k < n; k += stride) { const d = this.model.rowTime(k) - this.model.rowTime(k - 1); if (d > 0) gaps.push(d); }
          gaps.sort((x, y) => x - y);
          const per = gaps.length ? gaps[gaps.length >> 1] : this.model.totalTime / Math.max(1, n);
          this.view.nsPx = per > 0 ? Math.max(1e-12, 26 / per) : DEFAULT_STATE.nsPx;
        }
        this.view.top = this.model.rowTime(r);
      } else this.view.top = r;
    }
    this.changed();
  }

  private bodyH(): number { return Math.max(1, this.diagram.clientHeight - HEADER_H); }
  private bodyW(): number { return Math.max(1, this.diagram.clientWidth - MINIMAP_W); }

  geometry(): Geometry {
    // Few lanes get wide columns (room for labels and notes); many lanes stay readable and scroll.
    const lanes = Math.max(1, this.store.tasks.length - this.view.collapsed.size);
    this.view.laneW = Math.max(this.bodyW() < 900 ? 140 : 170, Math.min(340, Math.floor((this.bodyW() - GUTTER_W - 40) / lanes)));
    return new Geometry(this.model, this.view, this.bodyW(), this.diagram.clientHeight);
  }

  private clampView(): void {
    const v = this.view, m = this.model;
    if (v.scale === 'steps') {
      const minH = Math.min(4, this.bodyH() / Math.max(1, m.rowCount));
      v.rowH = Math.min(MAX_ROW_H, Math.max(minH, v.rowH));
      const maxTop = Math.max(0, m.rowCount - this.bodyH() / v.rowH + 1);
      if (this.follow) v.top = maxTop;
      v.top = Math.max(0, Math.min(v.top, maxTop));
    } else {
      const total = m.totalTime;
      const minNs = total > 0 ? (this.bodyH() - 40) / total / 2 : 1e-12;
      v.nsPx = Math.min(1e3, Math.max(Math.min(minNs, 1e-3), v.nsPx));
      const maxTop = Math.max(0, total - (this.bodyH() - 40) / v.nsPx);
      if (this.follow) v.top = maxTop;
      v.top = Math.max(0, Math.min(v.top, maxTop));
    }
    const g = this.geometry();
    v.left = Math.max(0, Math.min(v.left, Math.max(0, g.contentW - (this.bodyW() - GUTTER_W) + 40)));
  }

  private scrollToRow(r: number): void {
    const v = this.view;
    const g = this.geometry();
    const y = g.rowY(r);
    if (y < HEADER_H + 20 || y > g.height - 20) {
      if (v.scale === 'steps') v.top = r - this.bodyH() / v.rowH / 3;
      else v.top = this.model.rowTime(r) - this.bodyH() / v.nsPx / 3;
    }
    // And horizontally, to the lanes of the event.
    const e = this.model.rowEvent(r);
    if (e >= 0) {
      const a = this.store.a(e);
      if (a >= 0) {
        const x = g.laneX(a);
        if (x < GUTTER_W + 40 || x > g.width - 40) v.left += x - (GUTTER_W + g.width) / 2;
      }
    }
  }

  private zoom(factor: number, atY: number): void {
    const v = this.view;
    this.follow = false;
    const dy = Math.max(0, atY - HEADER_H);
    if (v.scale === 'steps') {
      const at = v.top + dy / v.rowH;
      v.rowH *= factor;
      this.clampView();
      v.top = at - dy / v.rowH;
    } else {
      const at = v.top + dy / v.nsPx;
      v.nsPx *= factor;
      this.clampView();
      v.top = at - dy / v.nsPx;
    }
    this.changed();
  }

  fit(): void {
    const v = this.view;
    if (v.scale === 'steps') { v.rowH = this.bodyH() / Math.max(1, this.model.rowCount); v.top = 0; }
    else { v.nsPx = (this.bodyH() - 40) / Math.max(1, this.model.totalTime); v.top = 0; }
    this.follow = false;
    this.changed();
  }

  private scrollBy(rowsOrPx: number, px = false): void {
    const v = this.view;
    const unit = v.scale === 'steps' ? v.rowH : v.nsPx;
    v.top += px ? rowsOrPx / unit : rowsOrPx * (v.scale === 'steps' ? 1 : 26 / v.nsPx);
    this.follow = false;
    this.clampView();
    // Scrolling to the very end resumes following (as a terminal does).
    const g = this.geometry();
    if (this.model.rowCount && g.rowY(this.model.rowCount - 1) < g.height - 4 && rowsOrPx > 0) this.follow = true;
    this.changed();
  }

  private selectRow(r: number, fromTable = false): void {
    const m = this.model;
    if (r < 0 || r >= m.rowCount) return;
    const e = m.rowEvent(r);
    this.view.selected = m.rowFold(r) >= 0 ? -1 : e;
    this.follow = false;
    this.scrollToRow(r);
    if (!fromTable) this.table.setActive(r);
    if (e >= 0) this.live.textContent = m.rowFold(r) >= 0 ? foldLabel(m, m.rowFold(r)) : details(this.store, e).split('\n').slice(0, 2).join('. ');
    this.changed();
  }

  private activateRow(r: number): void {
    const m = this.model;
    const f = m.rowFold(r);
    if (f >= 0) { m.toggleFold(f); this.table.setModel(m); this.table.setActive(r); this.changed(); return; }
    const e = m.rowEvent(r);
    if (e >= 0) this.reveal(e);
  }

  private reveal(e: number): void {
    const file = this.store.file(e);
    const line = this.store.line(e);
    if (file !== undefined && line > 0) this.vscode.postMessage({ type: 'reveal', file, line, index: e });
  }

  private key(e: KeyboardEvent): void {
    const v = this.view;
    const page = Math.max(1, Math.floor(this.bodyH() / (v.scale === 'steps' ? v.rowH : 26)) - 1);
    const sel = v.selected >= 0 ? this.model.eventRow(v.selected) : -1;
    // Arrows, Home/End and Space move the step cursor (webview/replay.ts); Shift+wheel still pans across lanes.
    if (this.replay.key(e)) return;
    switch (e.key) {
      case 'PageDown': this.scrollBy(page); break;
      case 'PageUp': this.scrollBy(-page); break;
      case '+': case '=': this.zoom(1.5, HEADER_H + this.bodyH() / 2); break;
      case '-': case '_': this.zoom(1 / 1.5, HEADER_H + this.bodyH() / 2); break;
      case 'Enter': if (sel >= 0) this.activateRow(sel); break;
      default: return;
    }
    e.preventDefault();
  }

  private installPointer(): void {
    const c = this.canvas;
    let drag: { x: number; y: number; top: number; left: number; moved: boolean } | null = null;
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.bodyH() : 1;
      const dx = e.deltaX * unit, dy = e.deltaY * unit;
      if (e.ctrlKey || e.metaKey) { this.zoom(Math.exp(-dy / 300), e.offsetY); return; }
      if (e.shiftKey || Math.abs(dx) > Math.abs(dy)) { this.view.left += e.shiftKey ? dy : dx; this.clampView(); this.changed(); return; }
      this.scrollBy(dy, true);
    }, { passive: false });
    c.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      c.setPointerCapture(e.pointerId);
      drag = { x: e.clientX, y: e.clientY, top: this.view.top, left: this.view.left, moved: false };
    });
    c.addEventListener('pointermove', (e) => {
      if (drag) {
        const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
        if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
        if (drag.moved) {
          const unit = this.view.scale === 'steps' ? this.view.rowH : this.view.nsPx;
          this.view.top = drag.top - dy / unit;
          this.view.left = drag.left - dx;
          this.follow = false;
          this.clampView();
          this.tooltip.hidden = true;
          this.changed();
          return;
        }
      }
      this.hover(e.offsetX, e.offsetY);
    });
    c.addEventListener('pointerup', (e) => {
      const d = drag;
      drag = null;
      if (d && !d.moved) this.click(e.offsetX, e.offsetY);
    });
    c.addEventListener('pointerleave', () => { this.tooltip.hidden = true; this.view.hoverRow = -1; this.scheduleRender(); });
    // The minimap: click or drag to move the view.
    const nav = (e: PointerEvent) => {
      const rows = this.model.rowCount;
      const r = (e.offsetY / this.mini.clientHeight) * rows;
      this.follow = false;
      if (this.view.scale === 'steps') this.view.top = r - this.bodyH() / this.view.rowH / 2;
      else this.view.top = this.model.rowTime(Math.max(0, Math.min(rows - 1, Math.floor(r)))) - this.bodyH() / this.view.nsPx / 2;
      this.clampView();
      this.changed();
    };
    this.mini.addEventListener('pointerdown', (e) => { this.mini.setPointerCapture(e.pointerId); nav(e); });
    this.mini.addEventListener('pointermove', (e) => { if (e.buttons & 1) nav(e); });
  }

  /** What is under (x, y): a lane header, a row (with its event), or nothing. */
  private hit(x: number, y: number): { lane: number } | { row: number; event: number; fold: number } | null {
    const g = this.geometry();
    if (x < GUTTER_W) return null;
    if (y < HEADER_H) { const l = g.laneAt(x); return l >= 0 ? { lane: l } : null; }
    const r = g.rowAt(y);
    const m = this.model;
    if (r < 0 || r >= m.rowCount) return null;
    const rowPx = this.view.scale === 'steps' ? this.view.rowH : 18;
    if (Math.abs(g.rowY(r) - y) > Math.max(6, rowPx / 2)) return null;
    return { row: r, event: m.rowEvent(r), fold: m.rowFold(r) };
  }

  private hover(x: number, y: number): void {
    const h = this.hit(x, y);
    let text = '';
    let row = -1;
    if (h && 'lane' in h) {
      const t = this.store.tasks[h.lane];
      const end = this.model.laneEnd[h.lane] ?? -1;
      text = [`${laneName(this.store, h.lane)}  (${t.kind}, id ${t.id}${t.pid !== undefined ? `, pid ${t.pid}` : ''})`,
        laneName(this.store, h.lane) !== t.name ? `named ${JSON.stringify(t.name)} in the program` : '',
        t.parent ? `created by ${laneName(this.store, this.store.laneOf(t.parent) ?? -1) || t.parent}` : 'root task',
        t.file ? `created at ${t.file}${t.line ? `:${t.line}` : ''}` : '',
        t.codeFile ? `code at ${t.codeFile}${t.codeLine ? `:${t.codeLine}` : ''}` : '',
        end >= 0 ? `ended: ${label(this.store, end)}` : 'still running or no end recorded',
        'click to collapse or expand the lane'].filter(Boolean).join('\n');
    } else if (h && 'row' in h) {
      row = h.row;
      text = h.fold >= 0 ? `${foldLabel(this.model, h.fold)}\nclick to expand` : details(this.store, h.event);
      if (h.fold < 0 && this.store.file(h.event) !== undefined) text += '\nclick to open the source line';
    }
    if (row !== this.view.hoverRow) { this.view.hoverRow = row; this.scheduleRender(); }
    this.canvas.style.cursor = h ? 'pointer' : 'default';
    if (!text) { this.tooltip.hidden = true; return; }
    this.tooltip.textContent = text;
    this.tooltip.hidden = false;
    const w = this.diagram.clientWidth, hh = this.diagram.clientHeight;
    const tw = this.tooltip.offsetWidth, th = this.tooltip.offsetHeight;
    this.tooltip.style.left = `${Math.min(x + 14, Math.max(0, w - tw - 4))}px`;
    this.tooltip.style.top = `${y + 18 + th > hh ? Math.max(0, y - th - 10) : y + 18}px`;
  }

  private click(x: number, y: number): void {
    this.canvas.focus();
    const h = this.hit(x, y);
    if (!h) return;
    if ('lane' in h) {
      if (this.view.collapsed.has(h.lane)) this.view.collapsed.delete(h.lane); else this.view.collapsed.add(h.lane);
      this.changed();
      return;
    }
    if (h.fold >= 0) { this.model.toggleFold(h.fold); this.table.setModel(this.model); this.changed(); return; }
    this.selectRow(h.row);
    this.reveal(h.event);
  }

  exportImage(format: 'svg' | 'png'): void {
    const w = this.bodyW(), hgt = this.diagram.clientHeight;
    const g = this.geometry();
    if (format === 'svg') {
      const measure = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
      const p = new SvgPainter(measure, w, hgt);
      draw(p, g, this.theme);
      this.vscode.postMessage({ type: 'saveImage', format, data: p.toString() });
    } else {
      const scale = 2;
      const cv = document.createElement('canvas');
      cv.width = w * scale; cv.height = hgt * scale;
      const ctx = cv.getContext('2d') as CanvasRenderingContext2D;
      ctx.scale(scale, scale);
      draw(new CanvasPainter(ctx), g, this.theme);
      this.vscode.postMessage({ type: 'saveImage', format, data: cv.toDataURL('image/png') });
    }
  }

  scheduleRender(): void {
    if (this.frame) return;
    const run = () => { if (!this.frame) return; this.frame = 0; this.render(); };
    this.frame = requestAnimationFrame(run);
    // Hidden panels get no animation frames; still render (and mark ready) soon.
    setTimeout(() => { if (this.frame) { cancelAnimationFrame(this.frame); run(); } }, 120);
  }

  render(): void {
    const t0 = performance.now();
    const w = this.bodyW(), h = this.diagram.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr) || dpr !== this.dpr) {
      this.dpr = dpr;
      this.canvas.width = Math.round(w * dpr); this.canvas.height = Math.round(h * dpr);
      this.canvas.style.width = `${w}px`; this.canvas.style.height = `${h}px`;
      this.mini.width = Math.round(MINIMAP_W * dpr); this.mini.height = Math.round(h * dpr);
      this.mini.style.width = `${MINIMAP_W}px`; this.mini.style.height = `${h}px`;
    }
    this.clampView();
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const g = this.geometry();
    const rows = draw(new CanvasPainter(this.ctx), g, this.theme);
    const inView = rows.filter((r) => r.y >= HEADER_H && r.y <= h);
    this.miniCtx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawMinimap(this.miniCtx, this.model, this.theme, MINIMAP_W, h, {
      from: inView.length ? inView[0].r : 0, to: inView.length ? inView[inView.length - 1].r + 1 : 0,
    });
    this.emptyEl.hidden = this.store.length > 0;
    if (this.store.length === 0 && this.store.problemCount) this.emptyEl.textContent = `No events could be read (${this.store.problems[0]?.message ?? 'bad trace'}).`;
    const lastY = this.model.rowCount ? g.rowY(this.model.rowCount - 1) : 0;
    // Follow is offered only while a live run streams and the newest events are out of view.
    this.followBtn.hidden = !this.liveRun || this.follow || this.store.length === 0 || lastY <= h;
    if (this.tableShown) {
      // While events stream in, the table (DOM) catches up at most every 100 ms; the canvas every frame.
      const now = performance.now();
      if (!this.dirtyData || now - this.tableAt >= 100) {
        this.tableAt = now;
        const last = Math.max(0, this.model.rowCount - 1);
        if (this.follow && this.model.rowCount && this.table.activeRow !== last) this.table.setActive(last);
        else this.table.render();
      } else if (!this.tableTimer) {
        this.tableTimer = window.setTimeout(() => { this.tableTimer = 0; this.scheduleRender(); }, 110);
      }
    }
    if (this.store.problemCount && this.store.length) this.statusEl.title = `${this.store.problemCount} trace lines could not be read, first: line ${this.store.problems[0].line}: ${this.store.problems[0].message}`;
    this.dirtyData = false;
    this.root.dataset.events = String(this.store.length);
    // Observable view state (tests, and anyone scripting the report): rows wholly or partly in view, etc.
    const ds = this.root.dataset;
    ds.firstRow = String(inView.length ? inView[0].r : -1);
    ds.lastRow = String(inView.length ? inView[inView.length - 1].r : -1);
    ds.rows = String(this.model.rowCount);
    ds.left = String(Math.round(this.view.left));
    ds.rowH = this.view.rowH.toFixed(3);
    ds.scale = this.view.scale;
    ds.follow = String(this.follow);
    ds.followShown = String(!this.followBtn.hidden);
    ds.table = this.tableShown ? 'shown' : 'hidden';
    ds.collapsed = [...this.view.collapsed].sort((x, y) => x - y).join(',');
    ds.selected = String(this.view.selected);
    this.replay.sync();
    // Ready once everything shows what it was given (the table may be a moment behind while data streams).
    this.root.dataset.coroscopeState = this.tableTimer ? 'loading' : 'ready';
    this.drawTimes.push(performance.now() - t0);
    if (this.drawTimes.length > 1000) this.drawTimes.splice(0, 500);
  }

  /** For tests and the benchmark: the event index under a row's arrow, and its y. */
  rowPosition(r: number): { x: number; y: number } | null {
    const g = this.geometry();
    const e = this.model.rowEvent(r);
    if (e < 0) return null;
    const a = this.store.a(e), b = this.store.b(e);
    const x = a >= 0 && b >= 0 ? (g.laneX(a) + g.laneX(b)) / 2 : a >= 0 ? g.laneX(a) : GUTTER_W + 40;
    return { x, y: g.rowY(r) };
  }

  describeLane(l: number): string { const t = this.store.tasks[l]; return t ? `${laneName(this.store, l)} ${t.kind} ${t.file ? basename(t.file) : ''}` : ''; }

  get foldCount(): number { return this.model.folds.filter((f) => foldEnd(f) > f.start).length; }
}

const NEWLINE = new Uint8Array([10]);
