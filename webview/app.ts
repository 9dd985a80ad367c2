// The diagram application: owns the store, the layout model and the view;
// puts the toolbar (toolbar.ts), canvas, minimap, table and tooltip together,
// takes the host's messages and redraws once per animation frame. Input is in
// input.ts, the viewport (zoom, scroll, scale) in viewport.ts.

import type { DiagramSummary, RunState } from '../protocol/messages';
import { TraceStore } from '../trace/store';
import { importColumnBlocks } from '../trace/column-block';
import { foldEnd } from '../trace/fold';
import { DiagramModel } from './model';
import { FramePicture } from './frame-picture';
import { forgetTextWidths } from './paint';
import { type Geometry, HEADER_H, GUTTER_W, foldLabel, resetPairs, type View } from './render';
import { readTheme, type Theme } from './theme';
import { EventTable } from './table';
import { MINIMAP_W, drawMinimap } from './minimap';
import { compileQuery, isEmptyQuery, parseQuery } from './query';
import { details, basename, laneName } from './labels';
import { button, el } from './dom';
import { DEFAULT_STATE, restoreState, type SavedState } from './state';
import { Toolbar } from './toolbar';
import { DetailsPane } from './details-pane';
import { Legend } from './legend';
import type { AppSurface, VsCodeApi } from './app-surface';
import { Replay } from './replay';
import { autoTable, bodyH, bodyW, clampView, drawnLanes, fit, geometry, scrollToRow, setScale, zoom } from './viewport';
import { installPointer, key } from './input';
import { diagramSummary } from './summary';
import { exportImage } from './export-image';
import { PageStrip, type SearchHits } from './paging';
import type { PageOverview } from '../protocol/messages';

export type { VsCodeApi } from './app-surface';

/** Below this panel width the table starts hidden (a half-window panel keeps its height for the diagram). */
export const TABLE_MIN_W = 900;

export class App implements AppSurface {
  store = new TraceStore();
  model = new DiagramModel(this.store);
  readonly view: View;
  theme: Theme;
  follow = true;
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
  /** What the minimap was last drawn from. */
  private miniKey: unknown[] = [];
  private tableAt = 0;
  private tableTimer = 0;
  /**
   * A finished trace is loading (a `reset` that is not live, until its `status`): the canvas shows the first events
   * at once, then redraws at most every BULK_RENDER_MS while the rest comes in (each redraw of a big trace costs the
   * decoder that time), and at once when the status says it is all there.
   */
  private bulk = false;
  private bulkTimer = 0;
  private lastRender = -Infinity;

  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly ctx: CanvasRenderingContext2D;
  readonly mini: HTMLCanvasElement;
  readonly miniCtx: CanvasRenderingContext2D;
  readonly diagram: HTMLDivElement;
  readonly tooltip: HTMLDivElement;
  private readonly followBtn: HTMLButtonElement;
  private readonly bar: Toolbar;
  private readonly live: HTMLDivElement;
  readonly table: EventTable;
  readonly detailsPane: DetailsPane;
  private readonly tablePane: HTMLDivElement;
  private readonly emptyEl: HTMLDivElement;
  /** The frames' content layer kept while the view stays the same (frame-picture.ts). */
  readonly picture = new FramePicture();
  /** Frame times of the last draws (ms), for the benchmark. */
  readonly drawTimes: number[] = [];
  /** The step cursor, its controls and the Tasks pane. */
  readonly replay: Replay;
  /** Paging mode (a window of a huge run): the strip above the diagram and the local ↔ global row mapping. */
  readonly paging: PageStrip;

  constructor(
    root: HTMLElement,
    readonly vscode: VsCodeApi,
    /**
     * Whether the page is the CLI's HTML report: nothing can open an editor there, so a click shows the source line's
     * text instead. Asked when needed (the report's config block comes after the bundle in the page).
     */
    private readonly isReport: () => boolean = () => false,
  ) {
    this.root = root;
    const saved = restoreState(vscode.getState());
    this.view = {
      scale: saved.scale,
      top: saved.top,
      rowH: saved.rowH,
      nsPx: saved.nsPx,
      left: saved.left,
      laneW: 190,
      collapsed: new Set(saved.collapsed),
      selected: saved.selected,
      highlight: null,
      match: null,
      hoverRow: -1,
    };
    this.follow = saved.follow;
    this.filterOn = saved.filterOn;
    this.tableOn = saved.tableOn;
    this.query = saved.query;
    this.model.foldingOn = saved.foldingOn;
    this.model.compressGaps = saved.compressGaps;
    this.model.showShutdown = saved.showShutdown;
    for (const x of saved.expanded) this.model.expanded.add(x);
    this.theme = readTheme(root);

    const bar = new Toolbar(this.query);
    this.bar = bar;

    // Diagram.
    this.canvas = el('canvas', {
      class: 'body',
      tabindex: '0',
      role: 'img',
      'aria-label': 'Sequence diagram of the coroutine switches; the events table has the same content as text',
    });
    this.ctx = this.canvas.getContext('2d', { alpha: false }) as CanvasRenderingContext2D;
    this.mini = el('canvas', { class: 'minimap', 'aria-hidden': 'true' });
    this.miniCtx = this.mini.getContext('2d') as CanvasRenderingContext2D;
    this.tooltip = el('div', { class: 'tooltip', role: 'tooltip' });
    this.tooltip.hidden = true;
    this.followBtn = button('arrow-down', 'Follow the newest events', 'Follow');
    this.followBtn.classList.add('follow');
    this.emptyEl = el('div', { class: 'empty' }, 'Waiting for events…');
    this.detailsPane = new DetailsPane(() => {
      this.view.selected = -1;
      this.changed();
    });
    const legend = new Legend(isReport);
    bar.help.addEventListener('click', () => {
      bar.help.setAttribute('aria-pressed', String(legend.toggle()));
    });
    this.diagram = el('div', { class: 'diagram' }, this.canvas, this.mini, this.followBtn, this.emptyEl, this.tooltip, this.detailsPane.root, legend.root);
    this.table = new EventTable(this.model, {
      select: (r) => {
        this.selectRow(r, true);
      },
      activate: (r) => this.activateRow(r),
    });
    this.tablePane = el('div', { class: 'table-pane' }, this.table.root);
    this.live = el('div', { class: 'sr-only', 'aria-live': 'polite' });
    const app = this;
    this.replay = new Replay(
      {
        get store() {
          return app.store;
        },
        get model() {
          return app.model;
        },
        selected: () => this.view.selected,
        focusEvent: (i) => this.focusEvent(i),
        post: (m) => this.vscode.postMessage(m),
        showLane: (lane) => {
          // A task picked in the Tasks pane: its lane scrolls into view (centred) if it is off screen.
          const g = geometry(this);
          const x = g.laneX(lane);
          if (Number.isNaN(x) || (x > GUTTER_W + 20 && x < g.width - 20)) return;
          this.view.left += x - (GUTTER_W + g.width) / 2;
          clampView(this);
          this.changed();
        },
      },
      root,
    );
    bar.root.insertBefore(this.replay.controls, bar.scale);
    this.paging = new PageStrip((m) => this.vscode.postMessage(m));
    // The Tasks pane sits above the events table, in one side column: stepping does not narrow the diagram.
    root.replaceChildren(
      bar.root,
      this.paging.root,
      el('div', { class: 'main' }, this.diagram, el('div', { class: 'side' }, this.replay.pane.root, this.tablePane)),
      this.live,
    );

    // Wiring.
    this.bar.stop.addEventListener('click', () => this.vscode.postMessage({ type: 'stop' }));
    this.bar.scale.addEventListener('click', () => this.setScale(this.view.scale === 'steps' ? 'time' : 'steps'));
    this.bar.fold.addEventListener('click', () => {
      this.model.setFolding(!this.model.foldingOn);
      this.changed();
    });
    this.bar.gaps.addEventListener('click', () => this.setCompressGaps(!this.model.compressGaps));
    this.bar.shutdown.addEventListener('click', () => {
      this.model.setShutdownShown(!this.model.shutdownShown);
      this.table.setModel(this.model);
      this.changed();
    });
    this.bar.filter.addEventListener('click', () => {
      this.filterOn = !this.filterOn;
      this.applyQuery();
    });
    let qTimer = 0;
    this.bar.search.addEventListener('input', () => {
      clearTimeout(qTimer);
      qTimer = window.setTimeout(() => {
        this.query = this.bar.search.value;
        this.applyQuery();
      }, 150);
    });
    this.bar.search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.query = this.bar.search.value;
        this.applyQuery();
        this.nextMatch(e.shiftKey ? -1 : 1);
      }
      if (e.key === 'Escape') {
        this.bar.search.value = '';
        this.query = '';
        this.applyQuery();
      }
    });
    bar.zoomIn.addEventListener('click', () => zoom(this, 1.5, bodyH(this) / 2 + HEADER_H));
    bar.zoomOut.addEventListener('click', () => zoom(this, 1 / 1.5, bodyH(this) / 2 + HEADER_H));
    bar.fit.addEventListener('click', () => this.fit());
    this.bar.table.addEventListener('click', () => {
      this.tableOn = !this.tableShown;
      this.changed();
    });
    bar.svg.addEventListener('click', () => this.exportImage('svg'));
    bar.png.addEventListener('click', () => this.exportImage('png'));
    this.followBtn.addEventListener('click', () => {
      this.follow = true;
      this.changed();
    });
    installPointer(this);
    this.canvas.addEventListener('keydown', (e) => key(this, e));
    new ResizeObserver(() => this.scheduleRender()).observe(this.diagram);
    // The automatic table choice follows the panel's width.
    new ResizeObserver(() => {
      if (this.tableOn === null && this.tablePane.hidden === this.tableShown) {
        this.syncToolbar();
        this.scheduleRender();
      }
    }).observe(root);
    // Theme changes: VS Code swaps body classes and inline variables; the report follows the OS.
    new MutationObserver(() => {
      this.theme = readTheme(root);
      this.scheduleRender();
    }).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
      this.theme = readTheme(root);
      this.scheduleRender();
    });
    // Canvas text needs the icon font loaded before the first draw that uses it.
    document.fonts?.load('16px codicon').then(
      () => {
        forgetTextWidths();
        this.picture.invalidate();
        this.scheduleRender();
      },
      () => undefined,
    );
    if (this.query) this.applyQuery(false);
    this.syncToolbar();
    this.scheduleRender();
  }

  // ---- host messages -------------------------------------------------------

  reset(title: string, live: boolean): void {
    const keep = this.firstReset; // the first reset after a reload replays the same trace: keep the restored view
    this.firstReset = false;
    const gaps = this.model.compressGaps;
    const shutdown = this.model.showShutdown;
    this.store = new TraceStore();
    this.model = new DiagramModel(this.store);
    this.replay.reset();
    this.paging.reset(title);
    this.model.compressGaps = keep ? restoreState(this.vscode.getState()).compressGaps : gaps;
    this.model.showShutdown = keep ? restoreState(this.vscode.getState()).showShutdown : shutdown;
    resetPairs();
    this.bar.title.textContent = title;
    this.bar.title.title = title;
    document.title = title;
    const hadState = this.vscode.getState() !== undefined && this.vscode.getState() !== null;
    if (!keep || !hadState) {
      this.view.top = 0;
      this.view.left = 0;
      this.view.selected = -1;
      this.view.collapsed.clear();
      this.follow = live;
    }
    this.liveRun = live;
    this.bulk = !live;
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

  /** Rows as column blocks (the CLI report's): imported into the store as they are, no JSON scanned. */
  appendColumns(bytes: Uint8Array): void {
    this.firstReset = false;
    this.tooltip.hidden = true;
    this.markLoading();
    importColumnBlocks(this.store, bytes);
    this.dataChanged();
  }

  status(state: RunState, exitCode?: number | null, message?: string): void {
    this.bulk = false;
    this.running = state === 'running';
    this.liveRun = this.running;
    this.syncToolbar();
    this.scheduleRender();
    const text =
      state === 'running'
        ? 'running'
        : state === 'exited'
          ? `exited${exitCode !== undefined && exitCode !== null ? ` (code ${exitCode})` : ''}`
          : state === 'stopped'
            ? 'stopped'
            : state === 'failed'
              ? 'failed'
              : 'loaded';
    this.bar.status.textContent = message ? `${text} — ${message}` : text;
    this.bar.status.title = this.bar.status.textContent;
    this.bar.status.dataset.state = state;
    this.bar.stop.hidden = !this.running;
    this.live.textContent = `Run ${text}. ${this.store.length} events.`;
  }

  highlight(file: string, line: number): void {
    if (line <= 0 || !file) {
      this.view.highlight = null;
      this.scheduleRender();
      return;
    }
    const sites = this.store.sitesAt(file, line);
    this.view.highlight = sites.size ? sites : null;
    if (sites.size) {
      // Bring the first highlighted event into view when none is visible.
      const g = this.geometry();
      const rows = g.visibleRows().filter((r) => r.y >= HEADER_H && r.y <= g.height);
      if (!rows.some((r) => r.e >= 0 && sites.has(this.store.siteId(r.e)))) {
        for (let i = 0; i < this.store.length; i++)
          if (sites.has(this.store.siteId(i))) {
            this.focusEvent(i, false);
            break;
          }
      }
    }
    this.scheduleRender();
  }

  focusEvent(index: number, select = true): void {
    if (index < 0 || index >= this.store.length) return;
    if (this.model.filtered && this.model.rowEvent(this.model.eventRow(index)) !== index) {
      this.filterOn = false;
      this.applyQuery(false);
    }
    this.model.reveal(index);
    if (select) this.view.selected = index;
    this.follow = false;
    scrollToRow(this, this.model.eventRow(index));
    if (select) this.table.setActive(this.model.eventRow(index));
    this.changed();
  }

  summary(): DiagramSummary {
    const s = diagramSummary(this.store, this.model);
    const p = this.paging;
    if (!p.on) return s;
    const row = (local: number) =>
      local >= p.prelude && local < this.store.length ? { index: p.toGlobal(local), ts: this.store.ts(local), type: this.store.type(local) } : undefined;
    return {
      ...s,
      page: {
        base: p.base,
        prelude: p.prelude,
        total: p.total,
        follow: p.follow,
        held: this.store.length - p.prelude,
        first: row(p.prelude),
        last: row(this.store.length - 1),
        selected: this.view.selected >= 0 ? p.toGlobal(this.view.selected) : -1,
        ...(p.search
          ? { search: { query: p.search.query, count: p.search.count, hits: p.search.hits.slice(0, 50), scanned: p.search.scanned, done: p.search.done } }
          : {}),
      },
    };
  }

  /** Paging mode: the window that follows this `reset` (see PageStrip). */
  setPage(base: number, prelude: number, total: number, follow: boolean, overview: PageOverview | null): void {
    this.paging.set(base, prelude, total, follow, overview);
    this.follow = follow && this.liveRun;
    // A query typed before (or kept from an earlier window of this trace): searched over the whole run once.
    if (this.query) {
      this.paging.askSearch(this.query);
      this.showSearchCount();
    }
    this.dataChanged();
  }

  /** Paging mode: the whole run's matches for the query (the host's `searchHits`). */
  setSearchHits(h: SearchHits): void {
    if (!this.paging.gotHits(h)) return;
    this.showSearchCount();
    // Enter pressed before any hit was listed: go to the first one now.
    if (this.pendingNext && h.hits.length) {
      const dir = this.pendingNext;
      this.pendingNext = 0;
      this.nextMatch(dir);
    }
    this.scheduleRender();
  }

  /** Paging mode: Enter pressed while the whole run's search had listed no hit yet. */
  private pendingNext: 0 | 1 | -1 = 0;

  /** The search box's count in paging mode: the whole run's (the filter's count of this window first when it is on). */
  private showSearchCount(): void {
    if (!this.paging.on || !this.paging.search) return;
    const whole = this.paging.searchText();
    this.bar.count.textContent = this.filterOn ? `${this.model.rowCount.toLocaleString('en-US')} shown of the events in detail; ${whole}` : whole;
  }

  setPageTotal(total: number, overview: PageOverview | null): void {
    this.paging.setTotal(total, overview);
    this.scheduleRender();
  }

  pageEdge(dir: -1 | 1): void {
    this.paging.edge(dir);
  }

  /** The host's `focus`: a run's event index, which in paging mode may be outside the window held. */
  focusGlobal(index: number): void {
    this.paging.focus(index, (l) => this.focusEvent(l));
  }

  // ---- view ----------------------------------------------------------------

  private markLoading(): void {
    this.root.dataset.coroscopeState = 'loading';
  }

  private dataChanged(): void {
    this.model.update();
    this.dirtyData = true;
    this.scheduleRender();
  }

  changed(): void {
    this.saveState();
    this.syncToolbar();
    this.scheduleRender();
  }

  private syncToolbar(): void {
    const shown = this.tableShown;
    this.bar.sync(
      this.view.scale,
      this.model.foldingOn,
      this.filterOn,
      shown,
      this.model.compressGaps,
      this.model.hasShutdown ? this.model.shutdownShown : null,
    );
    // (written only when it changes: every cursor move comes here, and a rewritten `hidden` re-runs the side
    // column's :has() rules, restyling and laying out the Tasks pane)
    if (this.tablePane.hidden !== !shown) this.tablePane.hidden = !shown;
    this.followBtn.hidden = !this.liveRun || this.follow || this.store.length === 0;
  }

  /** Whether the events table shows: the user's choice, else by the panel's width. */
  get tableShown(): boolean {
    return this.tableOn ?? autoTable(this.root.clientWidth || window.innerWidth, drawnLanes(this), TABLE_MIN_W);
  }

  private saveTimer = 0;
  private saveState(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => {
      const st: SavedState = {
        scale: this.view.scale,
        top: this.view.top,
        rowH: this.view.rowH,
        nsPx: this.view.nsPx,
        left: this.view.left,
        query: this.query,
        filterOn: this.filterOn,
        foldingOn: this.model.foldingOn,
        compressGaps: this.model.compressGaps,
        showShutdown: this.model.showShutdown,
        tableOn: this.tableOn,
        follow: this.follow,
        collapsed: [...this.view.collapsed],
        expanded: [...this.model.expanded].slice(0, 10000),
        selected: this.view.selected,
      };
      this.vscode.setState(st);
    }, 200);
  }

  private applyQuery(save = true): void {
    const q = parseQuery(this.query);
    if (isEmptyQuery(q)) {
      this.view.match = null;
      this.model.setFilter(null);
      this.bar.count.textContent = '';
    } else {
      const pred = compileQuery(this.store, q);
      if (this.filterOn) {
        this.model.setFilter(pred);
        this.view.match = null;
        this.bar.count.textContent = `${this.model.rowCount.toLocaleString('en-US')} shown`;
      } else {
        this.model.setFilter(null);
        this.view.match = pred;
        this.bar.count.textContent = 'Enter: next match';
      }
    }
    this.table.setModel(this.model);
    if (this.view.selected >= 0) this.table.setActive(this.model.eventRow(this.view.selected));
    // Paging mode: the host searches the whole run (the window's own matches are still highlighted here).
    if (this.paging.on) {
      this.paging.askSearch(isEmptyQuery(q) ? '' : this.query);
      this.showSearchCount();
    }
    if (save) this.changed();
    else this.scheduleRender();
  }

  /** The search box's query set as if typed (and Enter / Shift+Enter pressed with `next`): for tests. */
  searchFor(query: string, next?: 1 | -1): void {
    this.bar.search.value = query;
    this.query = query;
    this.applyQuery();
    if (next) this.nextMatch(next);
  }

  private nextMatch(dir: 1 | -1): void {
    const q = parseQuery(this.query);
    if (isEmptyQuery(q)) return;
    if (this.paging.on && this.paging.search) {
      // The whole run's hits: the next one after the selected event (or the window's start), loaded if outside the window.
      const p = this.paging;
      const at = this.view.selected >= 0 ? p.toGlobal(this.view.selected) : dir > 0 ? p.base - 1 : p.base + p.held;
      const hit = p.nextHit(at, dir);
      const h = p.search!;
      if (hit < 0) {
        this.pendingNext = h.done ? 0 : dir;
        this.bar.count.textContent = h.done ? 'no match in the whole run' : 'searching the whole run…';
        return;
      }
      this.pendingNext = 0;
      this.focusGlobal(hit);
      const k = h.hits.indexOf(hit);
      this.bar.count.textContent = `match ${(k + 1).toLocaleString('en-US')} of ${h.count.toLocaleString('en-US')}${h.done ? '' : '+'} in the whole run (event ${(hit + 1).toLocaleString('en-US')})`;
      return;
    }
    const pred = compileQuery(this.store, q);
    const n = this.store.length;
    const from = this.view.selected;
    for (let k = 1; k <= n; k++) {
      const i = (((from + dir * k) % n) + n) % n;
      if (pred(i)) {
        this.focusEvent(i);
        this.bar.count.textContent = `match at step ${this.model.eventRow(i) + 1}`;
        return;
      }
    }
    this.bar.count.textContent = 'no match';
  }

  fit(): void {
    fit(this);
  }
  /** Time scale: compress long gaps, or draw time proportionally; the row at the top edge stays in place. */
  setCompressGaps(on: boolean): void {
    if (on === this.model.compressGaps) return;
    const g = geometry(this);
    const r = Math.max(0, Math.min(this.model.rowCount - 1, g.rowAt(HEADER_H + 1)));
    this.model.compressGaps = on;
    if (this.view.scale === 'time' && this.model.rowCount) this.view.top = this.model.rowTime(r);
    this.changed();
  }
  setScale(scale: 'steps' | 'time'): void {
    setScale(this, scale);
  }
  geometry(): Geometry {
    return geometry(this);
  }
  exportImage(format: 'svg' | 'png'): void {
    exportImage(this, format);
  }

  selectRow(r: number, fromTable = false): void {
    const m = this.model;
    if (r < 0 || r >= m.rowCount) return;
    const e = m.rowEvent(r);
    this.view.selected = m.rowFold(r) >= 0 ? -1 : e;
    this.follow = false;
    scrollToRow(this, r);
    if (!fromTable) this.table.setActive(r);
    if (e >= 0) this.live.textContent = m.rowFold(r) >= 0 ? foldLabel(m, m.rowFold(r)) : details(this.store, e).split('\n').slice(0, 2).join('. ');
    this.changed();
  }

  activateRow(r: number): void {
    const m = this.model;
    const f = m.rowFold(r);
    if (f >= 0) {
      m.toggleFold(f);
      this.table.setModel(m);
      this.table.setActive(r);
      this.changed();
      return;
    }
    const e = m.rowEvent(r);
    if (e >= 0) this.reveal(e);
  }

  reveal(e: number): void {
    const file = this.store.file(e);
    const line = this.store.line(e);
    if (file !== undefined && line > 0) this.vscode.postMessage({ type: 'reveal', file, line, index: e });
  }

  scheduleRender(): void {
    if (this.frame) return;
    if (this.bulk && this.dirtyData) {
      const wait = this.lastRender + BULK_RENDER_MS - performance.now();
      if (wait > 0) {
        if (!this.bulkTimer)
          this.bulkTimer = window.setTimeout(() => {
            this.bulkTimer = 0;
            this.scheduleRender();
          }, wait);
        return;
      }
    }
    const run = () => {
      if (!this.frame) return;
      this.frame = 0;
      this.render();
    };
    this.frame = requestAnimationFrame(run);
    // Hidden panels get no animation frames; still render (and mark ready) soon.
    setTimeout(() => {
      if (this.frame) {
        cancelAnimationFrame(this.frame);
        run();
      }
    }, 120);
  }

  render(): void {
    this.replay.layout();
    const t0 = performance.now();
    // The automatic table choice depends on the lanes too: a trace that grows lanes may close it.
    if (this.tableOn === null && this.tablePane.hidden === this.tableShown) this.syncToolbar();
    // The Shutdown toggle appears once the trace has asyncio.run's shutdown.
    else if (this.bar.shutdown.hidden === this.model.hasShutdown) this.syncToolbar();
    const w = bodyW(this),
      h = this.diagram.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr) || dpr !== this.dpr) {
      this.dpr = dpr;
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
      this.miniKey = [];
      this.mini.width = Math.round(MINIMAP_W * dpr);
      this.mini.height = Math.round(h * dpr);
      this.mini.style.width = `${MINIMAP_W}px`;
      this.mini.style.height = `${h}px`;
    }
    clampView(this);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const g = this.geometry();
    const rows = this.picture.frame(this.ctx, g, this.theme, w, h, dpr);
    const inView = rows.filter((r) => r.y >= HEADER_H && r.y <= h);
    const from = inView.length ? inView[0].r : 0,
      to = inView.length ? inView[inView.length - 1].r + 1 : 0;
    // The minimap is drawn again only when it changes (a frame that changes nothing leaves both canvases alone).
    const miniKey = [this.model, this.model.rowsVersion, this.theme, from, to, h, dpr, this.mini.width, this.mini.height];
    if (miniKey.some((x, k) => !Object.is(x, this.miniKey[k]))) {
      this.miniKey = miniKey;
      this.miniCtx.setTransform(dpr, 0, 0, dpr, 0, 0);
      drawMinimap(this.miniCtx, this.model, this.theme, MINIMAP_W, h, { from, to }, dpr);
    }
    this.emptyEl.hidden = this.store.length > 0;
    if (this.store.length === 0 && this.store.problemCount)
      this.emptyEl.textContent = `No events could be read (${this.store.problems[0]?.message ?? 'bad trace'}).`;
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
        this.tableTimer = window.setTimeout(() => {
          this.tableTimer = 0;
          this.scheduleRender();
        }, 110);
      }
    }
    if (this.store.problemCount && this.store.length)
      this.bar.status.title = `${this.store.problemCount} trace lines could not be read, first: line ${this.store.problems[0].line}: ${this.store.problems[0].message}`;
    this.dirtyData = false;
    this.root.dataset.events = String(this.store.length);
    this.paging.update(this.store.length, (l, select) => this.focusEvent(l, select), this.root);
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
    // The selected event in full (value, creator, site, cause), selectable and copyable.
    const sel = this.view.selected;
    if (sel >= 0 && sel < this.store.length) this.detailsPane.show(`${sel}:${this.store.length}:${this.replay.sourcesKey}`, () => this.fullDetails(sel));
    else this.detailsPane.hide();
    this.replay.sync();
    // Ready once everything shows what it was given (the table may be a moment behind while data streams).
    this.root.dataset.coroscopeState = this.tableTimer ? 'loading' : 'ready';
    this.lastRender = performance.now();
    this.drawTimes.push(this.lastRender - t0);
    if (this.drawTimes.length > 1000) this.drawTimes.splice(0, 500);
  }

  /** The details pane's text: the event in full, then its source line's text when the page has the file. */
  fullDetails(e: number): string {
    const text = details(this.store, e, true);
    const file = this.store.file(e),
      line = this.store.line(e);
    const src = this.replay.lineText(file, line);
    if (file === undefined || line <= 0) return text;
    if (src !== undefined) return `${text}\n\nline ${line} of ${basename(file)}:\n${src.trim()}`;
    return this.isReport() ? `${text}\n\n(the source of ${basename(file)} is not in this report)` : text;
  }

  /** What a click on an event's row does, as the tooltip says it (honest about the report, which has no editor). */
  clickWords(e: number): string {
    const file = this.store.file(e),
      line = this.store.line(e);
    if (file === undefined || line <= 0) return 'click to see it in full';
    if (!this.isReport()) return 'click to open the source line in the editor';
    return this.replay.lineText(file, line) !== undefined
      ? `click to see it in full with the text of line ${line} of ${basename(file)}`
      : 'click to see it in full (its source file is not in this report)';
  }

  /** For tests and the benchmark: the event index under a row's arrow, and its y. */
  rowPosition(r: number): { x: number; y: number } | null {
    const g = this.geometry();
    const e = this.model.rowEvent(r);
    if (e < 0) return null;
    const a = this.store.a(e),
      b = this.store.b(e);
    const x = a >= 0 && b >= 0 ? (g.laneX(a) + g.laneX(b)) / 2 : a >= 0 ? g.laneX(a) : GUTTER_W + 40;
    return { x, y: g.rowY(r) };
  }

  describeLane(l: number): string {
    const t = this.store.tasks[l];
    return t ? `${laneName(this.store, l)} ${t.kind} ${t.file ? basename(t.file) : ''}` : '';
  }

  get foldCount(): number {
    return this.model.folds.filter((f) => foldEnd(f) > f.start).length;
  }
}

const NEWLINE = new Uint8Array([10]);
/** While a finished trace loads: the longest wait between two redraws (see `App.bulk`). */
const BULK_RENDER_MS = 250;
