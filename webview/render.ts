// The diagram renderer: lanes, lifelines, activation bars, arrows with labels,
// notes, marks and fold rows, for the visible window only. Draws through a
// Painter (canvas on screen, SVG on export). Also the geometry shared with
// hit-testing (rows ↔ y, lanes ↔ x).

import { TYPE } from '../trace/store';
import { foldEnd } from '../trace/fold';
import { transferOp } from '../trace/transfer-words';
import type { DiagramModel } from './model';
import type { Painter } from './paint';
import { Placement, textBox, textH } from './placement';
import type { Theme } from './theme';
import {
  KIND_ICON,
  ICON_FOLD,
  basename,
  category,
  clip,
  displayNames,
  endCause,
  formatDuration,
  label,
  laneName,
  shorten,
  shortenName,
  switchLabel,
  type Category,
} from './labels';

export const HEADER_H = 58;
/** Pool and executor channels: their transfers read as calls (`run square(3)`, `got result 9`), see labels.ts. */
/** How far from the rows' middles a cause connector runs: clear of their words (end pills are 18 px high). */
const CONNECTOR_CLEAR = 10;
const POOL_CH = /^(ThreadPoolExecutor|ProcessPoolExecutor|Pool|ThreadPool)#/;
export const GUTTER_W = 52;
export const COLLAPSED_W = 30;
const BAR_W = 10;
/** Dense rows: activation bars apart by less than this (px) are drawn as one. */
const BAR_MERGE = 2;

export interface View {
  scale: 'steps' | 'time';
  /** Steps: the row at the top edge (fractional). Time: compressed ns at the top edge. */
  top: number;
  /** Steps: px per row. */
  rowH: number;
  /** Time: px per ns. */
  nsPx: number;
  /** Horizontal scroll, px. */
  left: number;
  laneW: number;
  collapsed: Set<number>;
  selected: number;
  /** Site ids highlighted from the editor's selection. */
  highlight: Set<number> | null;
  /** Search matches to tint (when not filtering). */
  match: ((i: number) => boolean) | null;
  hoverRow: number;
}

export interface VisRow {
  r: number;
  y: number;
  e: number;
  fold: number;
}

export class Geometry {
  readonly laneLeft: number[] = [];
  readonly laneWidth: number[] = [];
  readonly contentW: number;
  constructor(
    readonly model: DiagramModel,
    readonly view: View,
    readonly width: number,
    readonly height: number,
  ) {
    let x = 0;
    const lanes = model.store.tasks.length;
    for (let l = 0; l < lanes; l++) {
      const w = model.hiddenLanes.has(l) ? 0 : view.collapsed.has(l) ? COLLAPSED_W : view.laneW;
      this.laneLeft.push(x);
      this.laneWidth.push(w);
      x += w;
    }
    this.contentW = x;
  }
  laneX(l: number): number {
    return GUTTER_W - this.view.left + this.laneLeft[l] + this.laneWidth[l] / 2;
  }
  laneAt(x: number): number {
    const cx = x - GUTTER_W + this.view.left;
    if (cx < 0) return -1;
    let lo = 0,
      hi = this.laneLeft.length - 1;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (this.laneLeft[m] <= cx) lo = m;
      else hi = m - 1;
    }
    return lo < this.laneLeft.length && cx < this.laneLeft[lo] + this.laneWidth[lo] ? lo : -1;
  }
  get bodyH(): number {
    return this.height - HEADER_H;
  }
  /** Centre y of row r. */
  rowY(r: number): number {
    const v = this.view;
    if (v.scale === 'steps') return HEADER_H + (r - v.top) * v.rowH + v.rowH / 2;
    return HEADER_H + (this.model.rowTime(r) - v.top) * v.nsPx + 8;
  }
  /** Row nearest to y (may be out of range). */
  rowAt(y: number): number {
    const v = this.view;
    if (v.scale === 'steps') return Math.floor(v.top + (y - HEADER_H) / v.rowH);
    const t = v.top + (y - HEADER_H - 8) / v.nsPx;
    const r = this.model.rowAtTime(t);
    // The nearer of r-1 and r.
    if (r > 0 && (r >= this.model.rowCount || Math.abs(this.rowY(r - 1) - y) < Math.abs(this.rowY(r) - y))) return r - 1;
    return r;
  }
  /** The rows to draw, top to bottom, at most one per pixel, plus one above and below for continuity. */
  visibleRows(): VisRow[] {
    const m = this.model,
      v = this.view;
    const count = m.rowCount;
    const out: VisRow[] = [];
    if (count === 0) return out;
    const push = (r: number) => out.push({ r, y: this.rowY(r), e: m.rowEvent(r), fold: m.rowFold(r) });
    if (v.scale === 'steps') {
      const step = v.rowH >= 1 ? 1 : Math.ceil(1 / v.rowH);
      let r0 = Math.max(0, Math.floor(v.top) - 1);
      r0 -= r0 % step;
      const r1 = Math.min(count - 1, Math.ceil(v.top + this.bodyH / v.rowH) + 1);
      for (let r = r0; r <= r1; r += step) push(r);
    } else {
      let r = Math.max(0, m.rowAtTime(v.top) - 1);
      const tEnd = v.top + this.bodyH / v.nsPx;
      const pxNs = 1 / v.nsPx;
      while (r < count) {
        push(r);
        const t = m.rowTime(r);
        if (t > tEnd) break;
        // Skip rows that would land on the same pixel, but keep the last of them: a task that ran for a moment
        // then stopped (its switch out is in there) gets a bar that ends when it stopped, not at the next row drawn.
        const next = m.rowAtTime(t + pxNs, r + 1);
        if (next - 1 > r && next - 1 < count) push(next - 1);
        r = next > r ? next : r + 1;
      }
      // Lanes made or ended inside a pixel's run are drawn too (their head boxes and ends; at most two per lane):
      // greenlets spawned at one moment each get their box.
      if (out.length > 1) {
        const life = m.lifeEvents;
        const e0 = out[0].e,
          e1 = out[out.length - 1].e;
        let lo = 0,
          hi = life.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (life[mid] <= e0) lo = mid + 1;
          else hi = mid;
        }
        const have = new Set(out.map((x) => x.r));
        let added = false;
        for (let k = lo; k < life.length && life[k] < e1; k++) {
          const rr = m.eventRow(life[k]);
          if (have.has(rr) || m.rowEvent(rr) !== life[k]) continue;
          have.add(rr);
          push(rr);
          added = true;
        }
        if (added) out.sort((x, y) => x.r - y.r);
      }
    }
    return out;
  }
}

function catColor(t: Theme, c: Category): string {
  switch (c) {
    case 'resume':
      return t.resume;
    case 'yield':
      return t.yield;
    case 'error':
      return t.error;
    case 'wait':
      return t.wait;
    case 'channel':
      return t.channel;
    case 'note':
      return t.noteBorder;
    case 'warn':
      return t.warn;
    default:
      return t.life;
  }
}

/**
 * Fit text into maxW px by the labels' rule (`shorten`): the verb and an exception's type stay whole, a value is cut
 * in the middle (neighbours that share a prefix, URLs and reprs, keep the tail that tells them apart), an
 * exception's message at its end. Names (`tail = false`) are cut between words where the
 * rest still names one of `names` (the display names), else keep their start.
 */
export function fit(p: Painter, text: string, maxW: number, tail = true, names?: readonly string[]): string {
  if (maxW <= 8) return '';
  if (p.measure(text) <= maxW) return text;
  const fits = (s: string) => p.measure(s) <= maxW;
  if (tail) return shorten(text, fits, names);
  // A lane's name: cut between its words where the rest still names one lane (`…#12`), else its start kept.
  const byWords = names ? shortenName(text, fits, names) : '';
  if (byWords) return byWords;
  let lo = 0,
    hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (p.measure(text.slice(0, mid - 1) + '…') <= maxW) lo = mid;
    else hi = mid - 1;
  }
  return lo <= 1 ? '' : text.slice(0, lo - 1) + '…';
}

/** The sender of a received message (matching `msg`), searched backwards a bounded distance. */
const pairCache = new Map<number, number>();
export function senderOf(m: DiagramModel, recv: number): number {
  const s = m.store;
  const msg = s.num(recv);
  if (Number.isNaN(msg)) return -1;
  const hit = pairCache.get(recv);
  if (hit !== undefined) return hit;
  let found = -1;
  for (let i = recv - 1; i >= 0 && i >= recv - 50000; i--) {
    if (s.typeCode(i) === TYPE.send && s.num(i) === msg && s.reasonId(i) === s.reasonId(recv)) {
      found = i;
      break;
    }
  }
  if (pairCache.size > 10000) pairCache.clear();
  pairCache.set(recv, found);
  return found;
}

/**
 * The waker's event of a wake with `by` (docs/protocol.md): the nearest earlier event of the waking lane (its call
 * at `byLine` when one is found), searched back a bounded distance; -1 when the trace does not say who woke it.
 */
const wakerCache = new Map<number, number>();
export function wakerOf(m: DiagramModel, wake: number): number {
  const hit = wakerCache.get(wake);
  if (hit !== undefined) return hit;
  const s = m.store;
  const x = s.extra(wake);
  const by = x && typeof x.by === 'string' ? s.laneOf(x.by) : undefined;
  let found = -1;
  if (by !== undefined && by !== s.a(wake)) {
    const byLine = x && typeof x.byLine === 'number' ? x.byLine : 0;
    let nearest = -1;
    for (let i = wake - 1; i >= 0 && i >= wake - 5000; i--) {
      if (s.a(i) !== by && !(s.typeCode(i) === TYPE.switch && s.b(i) === by)) continue;
      if (nearest < 0) nearest = i;
      if (!byLine || s.line(i) === byLine) {
        found = i;
        break;
      }
    }
    if (found < 0) found = nearest;
  }
  if (wakerCache.size > 10000) wakerCache.clear();
  wakerCache.set(wake, found);
  return found;
}

/**
 * A cause's thin connector, from the causing lane's event `from` to the mark of lane `to` at row y, stopping `inset` px
 * short of the lane's line (a mark, or an end pill's edge). It runs between the rows: it leaves the causing row below
 * its words and reaches the mark from above its label (through the middle of both rows it struck out an end pill or
 * a wake's own words). Tagged `cause` in the SVG export.
 */
function causeConnector(p: Painter, g: Geometry, t: Theme, from: number, to: number, y: number, inset: number): void {
  const m = g.model;
  const x0 = g.laneX(m.store.a(from)),
    x1 = g.laneX(to);
  const yw = g.rowY(m.eventRow(from));
  const clear = Math.sign(y - yw) * Math.min(CONNECTOR_CLEAR, Math.abs(y - yw) / 2);
  const dir = x1 >= x0 ? 1 : -1;
  p.tag('cause');
  p.line(x0 + dir * (BAR_W / 2), yw + clear, x1 - dir * inset, y - clear, t.wait, 1, [2, 2]);
  p.tag(undefined);
}

/**
 * A `killed`/`cancelled` end's cause (its `by`: labels.ts `endCause`): a connector from the killer's kill or cancel
 * call to the end's pill, as a wake's cause is drawn — unless the lane's wake just before already draws that cause
 * (a greenlet killed in its sleep is woken by the kill: one connector per cause).
 */
function endConnector(p: Painter, g: Geometry, t: Theme, end: number, y: number, inset: number): void {
  const m = g.model;
  const a = m.store.a(end);
  if (a < 0 || g.view.collapsed.has(a)) return;
  const c = endCause(m.store, end);
  if (!c || c.wake >= 0) return;
  const w = wakerOf(m, end);
  if (w >= 0 && m.store.a(w) !== a) causeConnector(p, g, t, w, a, y, inset);
}

export function resetPairs(): void {
  statesMemo = null;
  pairCache.clear();
  wakerCache.clear();
}

/** Label of asyncio.run's folded shutdown: what it stands for, in words. */
function shutdownLabel(m: DiagramModel, start: number, end: number): string {
  const s = m.store;
  let runs = 0;
  const threads: string[] = [];
  for (let i = start; i < end; i++) {
    const t = s.typeCode(i);
    if (t === TYPE.switch && s.reason(i) === 'run') runs++;
    else if (t === TYPE.task) threads.push(laneName(s, s.a(i)));
  }
  const made = threads.length ? `, thread ${threads.join(', ')}` : '';
  return `shutdown: asyncio.run closes its loop (${runs} run${runs === 1 ? '' : 's'} of its own: async generators, default executor${made}; ${(end - start).toLocaleString('en-US')} events)`;
}

/** Label of a fold row. */
export function foldLabel(m: DiagramModel, k: number): string {
  const f = m.folds[k];
  if (f.shutdown) return shutdownLabel(m, f.start, foldEnd(f));
  const hidden = f.count - 2;
  const parts: string[] = [];
  for (let j = 0; j < f.period && j < 3; j++) {
    const e = f.start + j;
    const t = m.store.typeCode(e);
    if (t === TYPE.switch) {
      const st = m.store;
      parts.push(
        switchLabel(st.reason(e), st.value(e) !== undefined && st.value(e) !== 'None' ? '…' : st.value(e), st.tasks[st.b(e)]?.kind, st.tasks[st.a(e)]?.kind),
      );
    } else if (t === TYPE.send || t === TYPE.recv)
      parts.push(
        label(m.store, e)
          .replace(/\((.+)\)/, '(…)')
          .replace(/→ .*$/, '→ …'),
      );
  }
  const what = parts.length ? ` of ${parts.join(' → ')}` : '';
  return `↻ ${hidden.toLocaleString('en-US')} more repetitions${what} (×${f.count.toLocaleString('en-US')} in all)`;
}

/** Lanes that hold control mostly to wait for the next ready task (the asyncio loop, the gevent Hub). */
const idleKind = (kind: string | undefined) => kind === 'event-loop' || kind === 'hub';

/** Events whose label a dense view (Fit) keeps: lanes made and ended, warnings, errors and wakes with a cause. */
function important(s: DiagramModel['store'], i: number): boolean {
  const type = s.typeCode(i);
  if (type === TYPE.task || type === TYPE.end || type === TYPE.mark) return true;
  if (type === TYPE.switch) {
    const c = category(s, i);
    return c === 'error';
  }
  return type === TYPE.wake && s.extra(i)?.cause !== undefined;
}

/** The last activation states computed (see `laneStates`). */
let statesMemo: { model: DiagramModel; events: number[]; lanes: number[]; states: Uint8Array } | null = null;

const sameList = (x: number[], y: number[]) => x.length === y.length && x.every((v, k) => v === y[k]);

/**
 * The activation state (0: not running, else 1 + depth) of each visible lane at each row's event, row-major. A
 * lane's state at an event depends only on the events up to it, so the same rows and lanes give the same states
 * whatever was appended since: redraws of an unchanged view (hover, cursor, theme, a live append out of view) reuse
 * the last answer instead of walking the events between the rows again (at Fit on the Time scale, every event).
 */
function laneStates(m: DiagramModel, events: number[], vl: number[]): Uint8Array {
  const memo = statesMemo;
  if (memo && memo.model === m && sameList(memo.events, events) && sameList(memo.lanes, vl)) return memo.states;
  const states = new Uint8Array(events.length * vl.length);
  m.statesAlong(events, (k, st) => {
    for (let j = 0; j < vl.length; j++) states[k * vl.length + j] = st[vl[j]] ?? 0;
  });
  statesMemo = { model: m, events, lanes: [...vl], states };
  return states;
}

/** The lanes at least partly in view, left to right. */
function visibleLanes(g: Geometry): number[] {
  const v = g.view;
  const vl: number[] = [];
  for (let l = 0; l < g.laneWidth.length; l++) {
    const x0 = GUTTER_W - v.left + g.laneLeft[l];
    if (g.laneWidth[l] > 0 && x0 + g.laneWidth[l] >= GUTTER_W && x0 <= g.width) vl.push(l);
  }
  return vl;
}

/** The whole picture (the SVG/PNG export, and a frame whose static layer is not kept): `drawUnder`, `drawBands`, `drawContent`. */
export function draw(p: Painter, g: Geometry, t: Theme): VisRow[] {
  const rows = g.visibleRows();
  drawUnder(p, g, t);
  drawBands(p, g, t, rows);
  drawContent(p, g, t, rows);
  return rows;
}

/** What lies under the row bands: the background and every other lane's shade. */
export function drawUnder(p: Painter, g: Geometry, t: Theme): void {
  const v = g.view;
  p.fillRect(0, 0, g.width, g.height, t.bg);
  p.clip(GUTTER_W, HEADER_H, g.width - GUTTER_W, g.height - HEADER_H);
  for (const l of visibleLanes(g)) if (l % 2 === 1) p.fillRect(GUTTER_W - v.left + g.laneLeft[l], HEADER_H, g.laneWidth[l], g.height - HEADER_H, t.laneBg);
  p.unclip();
}

/**
 * Row bands: highlight from the editor, search matches, selection, hover, folds. The only part of a frame that a
 * hover, a selection or the step cursor changes: the app keeps the rest (`drawContent`) as a picture while the view
 * and the data stay the same, and draws these between the two layers.
 */
export function drawBands(p: Painter, g: Geometry, t: Theme, rows: VisRow[], bands = bandsOf(g, t, rows)): void {
  const W = g.width;
  p.clip(GUTTER_W, HEADER_H, W - GUTTER_W, g.height - HEADER_H);
  for (const band of bands) p.fillRect(GUTTER_W, band.y, W - GUTTER_W, band.h, band.color);
  p.unclip();
}

/** The row bands of a frame, in drawing order (`drawBands`; the app compares them to skip a frame that changes nothing). */
export function bandsOf(g: Geometry, t: Theme, rows: VisRow[]): { y: number; h: number; color: string }[] {
  const v = g.view,
    s = g.model.store;
  const rowH = v.scale === 'steps' ? v.rowH : 18;
  const out: { y: number; h: number; color: string }[] = [];
  for (const row of rows) {
    if (row.y < HEADER_H - rowH || row.y > g.height + rowH) continue;
    const band = (color: string) => out.push({ y: row.y - rowH / 2, h: Math.max(1, rowH), color });
    if (row.fold >= 0) {
      band(t.foldBg);
      continue;
    }
    if (row.e < 0) continue;
    if (v.highlight?.has(s.siteId(row.e))) band(t.highlight);
    else if (v.match?.(row.e)) band(t.match);
    if (row.e === v.selected) band(t.selection);
    if (row.r === v.hoverRow) band(t.selection);
  }
  return out;
}

// The words of one draw (arrow labels, marks' words, notes, end pills), drawn after every line of it: a transfer
// arrow drawn at its receive's row would otherwise strike through the labels of the rows it crosses. Their places
// are taken when they are placed, so the order changes what covers what, never where a label goes.
let later: (() => void)[] | null = null;
function onTop(f: () => void): void {
  if (later) later.push(f);
  else f();
}

/** Everything above the row bands: lifelines, bars, arrows, marks, labels, gutter and lane headers. */
export function drawContent(p: Painter, g: Geometry, t: Theme, rows: VisRow[]): void {
  const m = g.model,
    v = g.view,
    s = m.store;
  const W = g.width,
    H = g.height;
  const lanes = s.tasks.length;
  const vl = visibleLanes(g);
  const bodyTop = HEADER_H,
    bodyBot = H;
  const labels = v.scale === 'steps' ? v.rowH >= 14 : true;
  const rowH = v.scale === 'steps' ? v.rowH : 18;
  // Level of detail: rows closer than 2 px on average (Fit over a big trace) are a texture more than arrows to
  // read, so their unlabelled arrows and marks are drawn as 1 px lines and small ticks (one fill each, no path to
  // stroke), and a line that repeats the last one on the same pixel row is not drawn again.
  const dense = rows.length * 2 > bodyBot - bodyTop;
  const thin: ThinLine = { y: NaN, x0: 0, x1: 0, color: '' };

  p.clip(GUTTER_W, bodyTop, W - GUTTER_W, bodyBot - bodyTop);
  // Lifelines: from the lane's first event to its end.
  for (const l of vl) {
    const x = g.laneX(l);
    const start = m.laneStart[l] ?? -1;
    if (start < 0) continue;
    const y0 = Math.max(bodyTop, g.rowY(m.eventRow(start)));
    const end = m.laneEnd[l] ?? -1;
    const y1 = end >= 0 ? Math.min(bodyBot, g.rowY(m.eventRow(end))) : bodyBot;
    if (y1 > y0) p.line(x, y0, x, y1, t.border, 1, [4, 4]);
  }
  p.flush();

  // Activation bars, merged per lane while its state holds.
  if (rows.length) {
    const barTop: number[] = new Array(lanes).fill(-1);
    const barDepth: number[] = new Array(lanes).fill(0);
    const events: number[] = rows.map((r) => (r.fold >= 0 ? foldEnd(m.folds[r.fold]) - 1 : r.e));
    const flush = (l: number, yEnd: number) => {
      const y0 = Math.max(bodyTop, barTop[l]);
      const y1 = Math.min(bodyBot, yEnd);
      if (y1 > y0 && !v.collapsed.has(l) && idleKind(s.tasks[l]?.kind)) {
        // An event loop or gevent Hub holds control while no task runs, mostly waiting in its selector: drawn as
        // waiting (a thin dashed bar), not as a busy activation bar.
        const x = g.laneX(l);
        p.line(x - 2, y0, x - 2, y1, t.wait, 1, [3, 3]);
        p.line(x + 2, y0, x + 2, y1, t.wait, 1, [3, 3]);
      } else if (y1 > y0 && !v.collapsed.has(l)) {
        const x = g.laneX(l);
        p.fillRect(x - BAR_W / 2, y0, BAR_W, y1 - y0, t.activation);
        p.strokeRect(x - BAR_W / 2, y0, BAR_W, y1 - y0, t.activationEdge, 1);
        for (let d = 1; d < barDepth[l] && d <= 3; d++) p.fillRect(x - BAR_W / 2 + 3 * d, y0 + 2, BAR_W - 2, y1 - y0 - 4, t.nested);
      } else if (y1 > y0) {
        p.fillRect(g.laneX(l) - 2, y0, 4, y1 - y0, t.activationEdge);
      }
      barTop[l] = -1;
    };
    const states = laneStates(m, events, vl);
    // Dense rows: a lane that stops and runs again within BAR_MERGE px is one bar (its nesting the deepest seen), as
    // the pixels show it: a lane switched in and out many times a pixel would otherwise be hundreds of bars.
    const barEnd: number[] = new Array(lanes).fill(-1);
    for (let k = 0; k < rows.length; k++) {
      const y = rows[k].y;
      for (let j = 0; j < vl.length; j++) {
        const l = vl[j];
        const on = states[k * vl.length + j];
        if (dense) {
          if (barEnd[l] >= 0 && y - barEnd[l] >= BAR_MERGE) {
            flush(l, barEnd[l]);
            barEnd[l] = -1;
          }
          if (on > 0) {
            if (barTop[l] < 0) {
              barTop[l] = y;
              barDepth[l] = on;
            } else if (on > barDepth[l]) barDepth[l] = on;
            barEnd[l] = -1;
          } else if (barTop[l] >= 0 && barEnd[l] < 0) barEnd[l] = y;
          continue;
        }
        if (barTop[l] >= 0 && on !== barDepth[l]) flush(l, y);
        if (on > 0 && barTop[l] < 0) {
          barTop[l] = y;
          barDepth[l] = on;
        }
      }
    }
    for (let l = 0; l < lanes; l++)
      if (barEnd[l] >= 0) flush(l, barEnd[l]);
      else if (barTop[l] >= 0) flush(l, bodyBot);
  }
  p.flush();

  // Arrows, notes and marks. First the boxes every label must leave free: the lane lines' markers and the gap
  // breaks (always drawn); then the labels, each at the first free place of its candidates (placement.ts).
  const fontLabel = `12px ${t.mono}`;
  const fontSmall = `11px ${t.font}`;
  const taken = new Placement();
  for (const row of rows) {
    const y = row.y;
    if (row.fold >= 0 || row.e < 0 || y < bodyTop - 20 || y > bodyBot + 20) continue;
    const lane = markerLane(m, row.e);
    if (lane >= 0) taken.add({ x: g.laneX(lane) - 7, y: y - 7, w: 14, h: 14 });
  }
  const breaks = placeBreaks(p, g, t, rows, vl, taken);
  p.setFont(fontLabel);
  let lastLabelY = -Infinity;
  // Head boxes are drawn after every arrow, so a create arrow of a lane made at the same moment never crosses one.
  const heads: { x: number; y: number; w: number; name: string }[] = [];
  later = [];
  for (const row of rows) {
    const y = row.y;
    if (y < bodyTop - 20 || y > bodyBot + 20) continue;
    // On the time scale rows can crowd: write a label only where there is room for it. Rows too dense for every
    // label (Fit) keep the important ones where there is room: creations, ends, warnings, errors, causes. A lane's
    // head box and its end are always tried (at most two per lane): lanes made at one moment sit side by side, and
    // the placement keeps whichever fit.
    const spaced = y - lastLabelY >= 15;
    const lifeRow = row.e >= 0 && (s.typeCode(row.e) === TYPE.task || s.typeCode(row.e) === TYPE.end);
    const room = (labels ? v.scale === 'steps' || spaced : spaced && row.e >= 0 && important(s, row.e)) || lifeRow;
    if (room && (v.scale === 'steps' || spaced)) lastLabelY = y;
    if (row.fold >= 0) {
      drawFold(p, g, t, row, room, taken);
      continue;
    }
    const i = row.e;
    if (i < 0) continue;
    const type = s.typeCode(i);
    const a = s.a(i);
    const color = catColor(t, category(s, i));
    const text = room ? label(s, i) : '';
    // What is not a thin line is drawn above the thin lines before it.
    if (!dense || text) flushThin(p, thin);
    switch (type) {
      case TYPE.switch: {
        const b = s.b(i);
        if (a < 0 || b < 0) break;
        if (dense && !text && a !== b) thinArrow(p, g, thin, g.laneX(a), g.laneX(b), y, color);
        else drawArrow(p, g, t, taken, g.laneX(a), g.laneX(b), y, color, text, false);
        break;
      }
      case TYPE.recv: {
        const snd = senderOf(m, i);
        const from = snd >= 0 ? s.a(snd) : -1;
        if (from >= 0 && a >= 0 && from !== a) {
          const yFrom = g.rowY(m.eventRow(snd));
          drawArrow(
            p,
            g,
            t,
            taken,
            g.laneX(from),
            g.laneX(a),
            y,
            color,
            // (the receiver's call as written, `q.get() → 5`, where the trace says which: older traces `q: 5`)
            room ? (POOL_CH.test(s.reason(i)) || transferOp(s, i) !== undefined ? text : clip(`${s.reason(i)}: ${s.value(i) ?? ''}`)) : '',
            true,
            yFrom,
          );
        } else if (a >= 0) (dense && !text ? tick : drawMark)(p, g, t, taken, a, y, '⇣', text, color);
        break;
      }
      case TYPE.send:
        if (a >= 0) (dense && !text ? tick : drawMark)(p, g, t, taken, a, y, '⇡', text, color);
        break;
      case TYPE.block:
        if (a >= 0) (dense && !text ? tick : drawMark)(p, g, t, taken, a, y, '⏸', text, color);
        break;
      case TYPE.wake: {
        if (a < 0) break;
        // The cause: a thin connector from the waker's event (set(), put(), cancel()) to the woken task.
        const w = wakerOf(m, i);
        const wl = w >= 0 ? s.a(w) : -1;
        if (wl >= 0 && wl !== a && !v.collapsed.has(a)) causeConnector(p, g, t, w, a, y, 6);
        (dense && !text ? tick : drawMark)(p, g, t, taken, a, y, '▶', text, color);
        break;
      }
      case TYPE.output:
        if (a >= 0 && room) drawNote(p, g, t, taken, a, y, text, s.reason(i) === 'stderr' ? t.error : t.noteBorder, rowH);
        break;
      case TYPE.mark: {
        const lane = a >= 0 ? a : vl[0];
        if (!(room && lane !== undefined && drawNote(p, g, t, taken, lane, y, text, t.warn, rowH, t.warnBg)))
          p.fillRect(GUTTER_W, y - 1, W - GUTTER_W, 2, t.warn);
        break;
      }
      case TYPE.task: {
        const parentId = s.tasks[a]?.parent;
        const parent = parentId ? s.laneOf(parentId) : undefined;
        const x = g.laneX(a);
        // The lane's head box at its creation row (UML "create"); the create arrow ends at its edge. (A lane out of
        // view has no box to measure: Fit over many lanes has hundreds of creations.)
        const inView = x > GUTTER_W - g.laneWidth[a] && x < W + g.laneWidth[a];
        let name = '';
        let w = 16;
        if (room && inView && !v.collapsed.has(a)) {
          p.setFont(`600 11px ${t.font}`);
          name = fit(p, laneName(s, a), g.laneWidth[a] - 24, false, displayNames(s));
          if (name) w = Math.min(g.laneWidth[a] - 16, p.measure(name) + 16);
          p.setFont(fontLabel);
        }
        // Every lane's head must be readable: at its creation row, else a little down its own lifeline (lanes made
        // at one moment: a neighbour's create arrow label or head box can hold the row; how close they fall depends
        // on the run's timing), never dropped while there is room before the lane's end.
        const slots = name ? headSlots(g, a, y) : [];
        const at = slots.length ? taken.take(...slots.map((hy) => ({ x: x - w / 2, y: hy - 9, w, h: 18 }))) : -1;
        const hy = at >= 0 ? slots[at] : y;
        if (parent !== undefined && parent !== a) {
          const px = g.laneX(parent);
          // (the arrow ends at the box's edge when the box is on its row, else at the lane's small mark)
          const edge = (at === 0 ? w : 16) / 2 - BAR_W / 2 + 1;
          drawArrow(p, g, t, taken, px, px < x ? x - edge : x + edge, y, t.life, text, true);
        }
        if (at >= 0) heads.push({ x, y: hy, w, name });
        if (at !== 0) p.fillRect(x - 6, y - 2, 12, 4, t.life);
        break;
      }
      case TYPE.end: {
        const x = g.laneX(a);
        if (x < GUTTER_W - g.laneWidth[a] || x > W + g.laneWidth[a]) break; // out of view
        p.setFont(fontSmall);
        // The pill holds the words shortened by the labels' rule (an exception's type stays whole), sized to them;
        // when not even the type fits, the lane's small end bar (the tooltip and details pane say the rest).
        const shown = room && !v.collapsed.has(a) ? fit(p, text, g.laneWidth[a] - 18) : '';
        const w = p.measure(shown) + 14;
        if (shown && taken.take({ x: x - w / 2, y: y - 9, w, h: 18 }) >= 0)
          onTop(() => {
            p.setFont(fontSmall);
            p.roundRect(x - w / 2, y - 9, w, 18, 9, t.bg, color);
            p.tag('label');
            p.text(shown, x, y, color, 'center');
            p.tag(undefined);
          });
        else p.fillRect(x - 6, y - 1, 12, 3, color);
        p.setFont(fontLabel);
        endConnector(p, g, t, i, y, shown ? w / 2 : 6);
        break;
      }
      case TYPE.finish: {
        // Child processes may report their own finish; only the last one is the program's end.
        const final = i === m.lastFinish;
        if (final) p.line(GUTTER_W, y, W, y, t.border, 1, [2, 3]);
        if (room) {
          p.setFont(fontSmall);
          const words = final ? text : `a process ended: ${text}`;
          const tw = p.measure(words);
          // The program's end reads above its line, or below it when the last arrow's label is there.
          const at = final
            ? taken.take(textBox(GUTTER_W + 6, y - 8, tw, 11, 'left'), textBox(GUTTER_W + 6, y + 8, tw, 11, 'left'))
            : taken.take(textBox(GUTTER_W + 6, y, tw, 11, 'left'));
          if (at >= 0) {
            p.tag('label');
            p.text(words, GUTTER_W + 6, final ? (at === 0 ? y - 8 : y + 8) : y, t.dim);
            p.tag(undefined);
          }
          p.setFont(fontLabel);
        }
        break;
      }
      default:
        break;
    }
  }
  flushThin(p, thin);
  p.flush();
  const words = later;
  later = null;
  for (const f of words) f();
  p.setFont(`600 11px ${t.font}`);
  for (const h of heads) {
    p.roundRect(h.x - h.w / 2, h.y - 9, h.w, 18, 4, t.headBg, t.border);
    p.tag('label');
    p.text(h.name, h.x, h.y, t.fg, 'center');
    p.tag(undefined);
  }
  p.unclip();

  drawGutter(p, g, t, rows, breaks);
  drawHeader(p, g, t, vl);
  p.flush();
}

function drawArrow(
  p: Painter,
  g: Geometry,
  t: Theme,
  taken: Placement,
  x1: number,
  x2: number,
  y: number,
  color: string,
  text: string,
  dashed: boolean,
  yFrom = y,
): void {
  const dir = x2 >= x1 ? 1 : -1;
  const inset = BAR_W / 2;
  if (Math.abs(x2 - x1) < 2) {
    // A task switching to itself: a small loop.
    p.line(x1 + inset, y - 5, x1 + 24, y - 5, color, 1.5);
    p.line(x1 + 24, y - 5, x1 + 24, y + 5, color, 1.5);
    p.line(x1 + 24, y + 5, x1 + inset + 4, y + 5, color, 1.5);
    p.poly([x1 + inset, y + 5, x1 + inset + 7, y + 1, x1 + inset + 7, y + 9], color);
    if (!text) return;
    // Right of the loop, else left of the lane (the last lane's right is the view's edge); up to two lanes wide, as
    // `inner returned 'numbers done' to outer` needs: the placement keeps it off every other label.
    const maxW = 2 * g.view.laneW - 40;
    wordsBeside(
      p,
      t,
      taken,
      text,
      y,
      color,
      ARROW_WORDS,
      [
        { x: x1 + 28, maxW: Math.min(maxW, g.width - x1 - 32), align: 'left' },
        { x: x1 - inset - 4, maxW: Math.min(maxW, x1 - inset - GUTTER_W - 8), align: 'right' },
      ],
      displayNames(g.model.store),
    );
    return;
  }
  const sx = x1 + dir * inset,
    ex = x2 - dir * inset;
  p.line(sx, yFrom, ex - dir * 6, y, color, 1.5, dashed ? [5, 3] : undefined);
  p.poly([ex, y, ex - dir * 8, y - 4.5, ex - dir * 8, y + 4.5], color);
  if (!text) return;
  const span = Math.abs(ex - sx) - 12;
  const shown = fit(p, text, Math.max(span, 0), true, displayNames(g.model.store));
  if (!shown) return;
  const tw = p.measure(shown);
  // A straight arrow's label sits above it, else below. A transfer slants down from the send's row to the
  // receive's: its label goes under the arrowhead, on the receive's row (the line comes from above, so nothing is
  // hidden), towards the sender; else above the arrowhead.
  const lx = yFrom !== y ? (dir > 0 ? ex - 4 - tw : ex + 4) : (sx + ex) / 2 - tw / 2;
  const places = yFrom !== y ? [y + 9.5, y - 9.5] : [y - 9.5, y + 9.5];
  const at = taken.take(...places.map((ly) => textBox(lx, ly, tw, 12, 'left')));
  if (at < 0) return;
  const ly = places[at];
  onTop(() => {
    p.setFont(`12px ${t.mono}`);
    p.fillRect(lx - 2, ly - 6.5, tw + 4, 13, t.bg);
    p.tag('label');
    p.text(shown, lx, ly, color, 'left');
    p.tag(undefined);
  });
}

/** How far (px) a head box may slide down its lane's lifeline from its creation row, and by how much at a time. */
const HEAD_SLIDE = 96;
const HEAD_STEP = 20;

/**
 * The rows (y) where a lane's head box may go, in order: its creation row, then down its lifeline, while the lane
 * lives and the box stays in the body.
 */
function headSlots(g: Geometry, lane: number, y: number): number[] {
  const end = g.model.laneEnd[lane] ?? -1;
  const yEnd = end >= 0 ? g.rowY(g.model.eventRow(end)) - 18 : g.height - 9;
  const out = [y];
  for (let dy = HEAD_STEP; dy <= HEAD_SLIDE && y + dy <= Math.min(yEnd, g.height - 9); dy += HEAD_STEP) out.push(y + dy);
  return out;
}

/** The thin line not drawn yet (dense rows): lines of one colour on one pixel row that touch are drawn as one. */
export interface ThinLine {
  y: number;
  x0: number;
  x1: number;
  color: string;
}

export function flushThin(p: Painter, line: ThinLine): void {
  if (Number.isNaN(line.y)) return;
  p.fillRect(line.x0, line.y, line.x1 - line.x0, 1, line.color);
  line.y = NaN;
}

/**
 * An unlabelled arrow among dense rows: a 1 px line between the bars, on whole pixels, clipped to the view. No
 * head: at under 2 px a row, heads would be a solid column (the colour still tells resume from yield).
 */
export function thinArrow(p: Painter, g: Pick<Geometry, 'width'>, line: ThinLine, x1: number, x2: number, y: number, color: string): void {
  const x0 = Math.round(Math.max(GUTTER_W, Math.min(x1, x2) + BAR_W / 2)),
    xe = Math.round(Math.min(g.width, Math.max(x1, x2) - BAR_W / 2));
  if (xe <= x0) return;
  const py = Math.round(y);
  if (line.y === py && line.color === color && x0 <= line.x1 && xe >= line.x0) {
    line.x0 = Math.min(line.x0, x0);
    line.x1 = Math.max(line.x1, xe);
  } else {
    // A line that covers the one held on its pixel row hides every pixel of it (both opaque, one pixel high): the
    // held one is not drawn (at Fit over a big trace most lines run from the Hub to the view's edge, and a pixel
    // row holds two or three of them: 1,648 → 1,246 fills a Time-at-Fit frame of the bench's trace, same pixels).
    if (!(line.y === py && x0 <= line.x0 && xe >= line.x1)) flushThin(p, line);
    line.y = py;
    line.x0 = x0;
    line.x1 = xe;
    line.color = color;
  }
}

/** An unlabelled mark among dense rows: a small tick on the lane (the glyph and its box would not be legible). */
function tick(p: Painter, g: Geometry, _t: Theme, _taken: Placement, lane: number, y: number, _glyph: string, _text: string, color: string): void {
  const x = g.laneX(lane);
  if (x > GUTTER_W - 8 && x < g.width + 8) p.fillRect(x - 5, Math.round(y) - 1.5, 10, 3, color);
}

function drawMark(p: Painter, g: Geometry, t: Theme, taken: Placement, lane: number, y: number, glyph: string, text: string, color: string): void {
  const x = g.laneX(lane);
  p.tag('marker');
  p.roundRect(x - 7, y - 7, 14, 14, 3, t.bg, color);
  p.tag('glyph');
  // A pause is drawn as two bars: ⏸ (U+23F8) is missing from common fonts (DejaVu) and would show as a box.
  if (glyph === '⏸') {
    p.fillRect(x - 3, y - 3.5, 2, 7, color);
    p.fillRect(x + 1, y - 3.5, 2, 7, color);
  } else p.text(glyph, x, y + 0.5, color, 'center');
  p.tag(undefined);
  if (text && !g.view.collapsed.has(lane)) {
    // Right of the marker, else left of it; each side's words fit the lane and the view (a lane at the view's right
    // edge would cut them off mid-word).
    const maxW = g.laneWidth[lane] - 24;
    wordsBeside(p, t, taken, text, y, color, MARK_WORDS, [
      { x: x + 11, maxW: Math.min(maxW, g.width - x - 15), align: 'left' },
      { x: x - 11, maxW: Math.min(maxW, x - 11 - GUTTER_W - 4), align: 'right' },
    ]);
    p.setFont(`12px ${t.mono}`);
  }
}

/** How words beside a point are drawn: their font (from the theme), its size, and the background's padding. */
interface WordStyle {
  font: (t: Theme) => string;
  px: number;
  pad: number;
}
/** A self-loop's label: the arrows' font. */
const ARROW_WORDS: WordStyle = { font: (t) => `12px ${t.mono}`, px: 12, pad: 2 };
/** A mark's words: the smaller UI font. */
const MARK_WORDS: WordStyle = { font: (t) => `11px ${t.font}`, px: 11, pad: 1 };

/**
 * Words on a background on one side of a point at y (a mark, a self-loop): each side in `sides` (in order of
 * preference) gets the words fitted to its width; a side that holds them whole goes before one that cuts them; the
 * first side whose box is free is taken and drawn on top (the lines of later rows pass under the words). False when
 * no side had room.
 */
function wordsBeside(
  p: Painter,
  t: Theme,
  taken: Placement,
  text: string,
  y: number,
  color: string,
  style: WordStyle,
  sides: { x: number; maxW: number; align: 'left' | 'right' }[],
  names?: readonly string[],
): boolean {
  const font = style.font(t);
  p.setFont(font);
  const places = sides.map((c) => ({ ...c, shown: fit(p, text, c.maxW, true, names) })).filter((c) => c.shown);
  if (places.length > 1 && places[0].shown !== text && places.some((c) => c.shown === text))
    places.sort((a, b) => Number(b.shown === text) - Number(a.shown === text));
  const at = places.length ? taken.take(...places.map((c) => textBox(c.x, y, p.measure(c.shown), style.px, c.align))) : -1;
  if (at < 0) return false;
  const c = places[at];
  const cw = p.measure(c.shown);
  onTop(() => {
    p.setFont(font);
    p.fillRect(c.align === 'left' ? c.x - style.pad : c.x - cw - style.pad, y - 6.5, cw + 2 * style.pad, 13, t.bg);
    p.tag('label');
    p.text(c.shown, c.x, y, color, c.align);
    p.tag(undefined);
  });
  return true;
}

/** Draws the note where it covers no other label; false when there was no such place (nothing drawn). */
function drawNote(
  p: Painter,
  g: Geometry,
  t: Theme,
  taken: Placement,
  lane: number,
  y: number,
  text: string,
  border: string,
  rowH: number,
  bg = t.noteBg,
): boolean {
  const x = g.laneX(lane);
  if (g.view.collapsed.has(lane)) {
    p.fillRect(x - 4, y - 4, 8, 8, border);
    return true;
  }
  const maxW = Math.max(60, g.laneWidth[lane] + 40);
  const shown = fit(p, text, maxW - 12);
  const w = Math.min(maxW, p.measure(shown) + 12);
  const h = Math.min(20, Math.max(12, rowH - 4));
  // Notes sit right of the lane; on the last lanes they would leave the view, so they go left. Never over the row
  // numbers' gutter: a note on the first lane went left into it and read `ailed no 3`.
  const right = x + BAR_W / 2 + 4,
    left = x - BAR_W / 2 - 4 - w;
  const sides = left < GUTTER_W + 2 ? [right] : right + w > g.width - 8 ? [left, right] : [right, left];
  const at = taken.take(...sides.map((nx) => ({ x: nx, y: y - Math.max(h, textH(12)) / 2, w, h: Math.max(h, textH(12)) })));
  if (at < 0) return false;
  const nx = sides[at];
  onTop(() => {
    p.setFont(`12px ${t.mono}`);
    p.roundRect(nx, y - h / 2, w, h, 3, bg, border);
    p.tag('label');
    p.text(shown, nx + 6, y, t.fg, 'left');
    p.tag(undefined);
  });
  return true;
}

function drawFold(p: Painter, g: Geometry, t: Theme, row: VisRow, labels: boolean, taken: Placement): void {
  const m = g.model;
  const f = m.folds[row.fold];
  let lo = Infinity,
    hi = -Infinity;
  for (let j = 0; j < f.period; j++) {
    for (const l of [m.store.a(f.start + j), m.store.b(f.start + j)])
      if (l >= 0) {
        lo = Math.min(lo, g.laneX(l));
        hi = Math.max(hi, g.laneX(l));
      }
  }
  if (!Number.isFinite(lo)) {
    lo = GUTTER_W + 20;
    hi = lo + 200;
  }
  p.setFont(`600 12px ${t.font}`);
  const full = foldLabel(m, row.fold) + (f.shutdown ? '  — click to show' : '  — click to expand');
  const x0 = Math.max(GUTTER_W + 4, lo - 30);
  const x1 = Math.min(g.width - 4, Math.max(hi + 30, x0 + p.measure(full) + 36));
  const h = Math.min(22, Math.max(4, (g.view.scale === 'steps' ? g.view.rowH : 18) - 2));
  p.roundRect(x0, row.y - h / 2, x1 - x0, h, 4, t.foldBg, t.channel);
  const text = labels && h >= 12 ? fit(p, full, x1 - x0 - 32) : '';
  if (text && taken.take(textBox(x0 + 4, row.y, p.measure(text) + 20, 14, 'left')) >= 0) {
    p.setFont(`14px codicon`);
    p.tag('glyph');
    p.text(String.fromCodePoint(ICON_FOLD), x0 + 12, row.y + 1, t.channel, 'center');
    p.setFont(`600 12px ${t.font}`);
    p.tag('label');
    p.text(text, x0 + 24, row.y, t.fg, 'left');
    p.tag(undefined);
  }
  p.setFont(`12px ${t.mono}`);
}

function drawGutter(p: Painter, g: Geometry, t: Theme, rows: VisRow[], breaks: Break[]): void {
  const m = g.model,
    v = g.view;
  p.fillRect(0, HEADER_H, GUTTER_W, g.height - HEADER_H, t.gutterBg);
  p.line(GUTTER_W, HEADER_H, GUTTER_W, g.height, t.border);
  p.setFont(`10px ${t.mono}`);
  p.tag('label');
  let lastY = -Infinity;
  if (v.scale === 'steps') {
    const every = v.rowH >= 16 ? 1 : 10 ** Math.ceil(Math.log10(16 / v.rowH));
    for (const row of rows) {
      if (row.r % every !== 0 || row.y - lastY < 14 || row.y < HEADER_H + 6) continue;
      p.text(row.fold >= 0 ? '↻' : String(row.r + 1), GUTTER_W - 6, row.y, t.dim, 'right');
      lastY = row.y;
    }
    p.tag(undefined);
  } else {
    for (const row of rows) {
      if (row.y - lastY < 28 || row.y < HEADER_H + 6 || row.e < 0) continue;
      p.text(formatDuration(m.store.rel(row.e)), GUTTER_W - 4, row.y, t.dim, 'right');
      lastY = row.y;
    }
    p.tag(undefined);
    // Compressed gaps: a break across the lanes, labelled with the real duration where its words found room.
    for (const b of breaks) {
      if (b.w > 0) {
        p.fillRect(b.x, b.y - 8, b.w, 16, t.bg);
        p.setFont(`11px ${t.font}`);
        p.tag('label');
        p.text(b.text, b.x + 5, b.y, t.dim, 'left');
      }
      // The zigzag runs across the lanes, around the words of this break and of any break close above or below.
      const gaps = breaks
        .filter((o) => o.w > 0 && Math.abs(o.y - b.y) < 12)
        .map((o) => [o.x, o.x + o.w])
        .sort((x, y) => x[0] - y[0]);
      p.tag('marker');
      let x0 = GUTTER_W;
      for (const [a, z] of gaps) {
        zigzag(p, t, x0, a, b.y);
        x0 = Math.max(x0, z);
      }
      zigzag(p, t, x0, g.width, b.y);
      p.tag(undefined);
    }
    p.setFont(`10px ${t.mono}`);
  }
}

function zigzag(p: Painter, t: Theme, x0: number, x1: number, y: number): void {
  for (let x = x0; x + 12 <= x1; x += 12) {
    p.line(x, y - 3, x + 6, y + 3, t.dim, 1);
    p.line(x + 6, y + 3, x + 12, y - 3, t.dim, 1);
  }
}

/** A compressed gap's break: its y, and its words (`⋯ 171 µs later ⋯`) at x, w px wide (w = 0: no room for them). */
interface Break {
  y: number;
  text: string;
  x: number;
  w: number;
}

/**
 * The compressed gaps in view on the Time scale. Their words go at the left, else after the first lane line where
 * they cover no marker; then the whole band is kept free of labels (a label never sits on a zigzag).
 */
function placeBreaks(p: Painter, g: Geometry, t: Theme, rows: VisRow[], vl: number[], taken: Placement): Break[] {
  const m = g.model;
  const out: Break[] = [];
  if (g.view.scale !== 'time' || rows.length < 2) return out;
  const e0 = Math.max(0, rows[0].e),
    e1 = Math.max(0, rows[rows.length - 1].e);
  p.setFont(`11px ${t.font}`);
  const gaps: [number, string][] = m.gapsBetween(e0, e1).map(([ev, ns]) => [ev, `⋯ ${formatDuration(ns)} later ⋯`]);
  // The start-up (before the program's first event: Python starting, the runtime, the imports) is drawn short, with
  // its real length in words, between the main task's row and the program's first.
  const up = m.startupBreak(e0, e1);
  if (up) gaps.unshift([up[0], `⋯ start-up ${formatDuration(up[1])} (Python, imports; not to scale) ⋯`]);
  for (const [ev, text] of gaps) {
    const r = m.eventRow(ev);
    const y = ev === up?.[0] && r > 0 ? (g.rowY(r - 1) + g.rowY(r)) / 2 : g.rowY(r) - 8;
    if (y < HEADER_H || y > g.height) continue;
    const w = p.measure(text) + 10;
    const xs = [GUTTER_W + 8, ...vl.map((l) => g.laneX(l) + 10)].filter((x) => x + w < g.width);
    const at = taken.take(...xs.map((x) => ({ x, y: y - 8, w, h: 16 })));
    out.push({ y, text, x: at >= 0 ? xs[at] : 0, w: at >= 0 ? w : 0 });
  }
  for (const b of out) taken.add({ x: GUTTER_W, y: b.y - 4, w: g.width - GUTTER_W, h: 8 });
  return out;
}

/** The lane whose line carries a marker box at event i (block, wake, send, a receive without a sender drawn), or -1. */
function markerLane(m: DiagramModel, i: number): number {
  const s = m.store;
  const a = s.a(i);
  if (a < 0) return -1;
  switch (s.typeCode(i)) {
    case TYPE.send:
    case TYPE.block:
    case TYPE.wake:
      return a;
    case TYPE.recv: {
      const snd = senderOf(m, i);
      const from = snd >= 0 ? s.a(snd) : -1;
      return from >= 0 && from !== a ? -1 : a;
    }
    default:
      return -1;
  }
}

function drawHeader(p: Painter, g: Geometry, t: Theme, vl: number[]): void {
  const s = g.model.store,
    v = g.view;
  p.fillRect(0, 0, g.width, HEADER_H, t.headBg);
  p.line(0, HEADER_H - 0.5, g.width, HEADER_H - 0.5, t.border);
  p.clip(GUTTER_W, 0, g.width - GUTTER_W, HEADER_H);
  const multiProcess = s.tasks.some((x) => x.kind === 'process');
  for (const l of vl) {
    const task = s.tasks[l];
    const x0 = GUTTER_W - v.left + g.laneLeft[l];
    const w = g.laneWidth[l];
    const cx = x0 + w / 2;
    const ended = (g.model.laneEnd[l] ?? -1) >= 0;
    const icon = String.fromCodePoint(KIND_ICON[task.kind] ?? KIND_ICON.main);
    if (v.collapsed.has(l)) {
      p.setFont('16px codicon');
      p.tag('glyph');
      p.text(icon, cx, HEADER_H / 2, t.dim, 'center');
      p.tag(undefined);
      continue;
    }
    p.roundRect(x0 + 6, 6, w - 12, HEADER_H - 12, 6, t.bg, t.border);
    p.setFont('16px codicon');
    p.tag('glyph');
    p.text(icon, x0 + 20, 20, ended ? t.dim : t.resume, 'center');
    p.setFont(`600 12px ${t.font}`);
    p.tag('label');
    p.text(fit(p, laneName(s, l), w - 44, false, displayNames(s)), x0 + 32, 20, t.fg, 'left');
    p.setFont(`10px ${t.font}`);
    // Processes say which pid they are (the table, stdout and `ps` speak in pids).
    const kind = multiProcess && task.pid !== undefined && (task.kind === 'process' || task.kind === 'main') ? `${task.kind} · pid ${task.pid}` : task.kind;
    const where = task.file ? `${basename(task.file)}${task.line ? `:${task.line}` : ''}` : '';
    const site = where ? `${kind} · ${where}` : kind;
    // Narrow, the site alone (the icon says the kind): `asyncio_tasks.py:39`, not `asyncio-tas…ncio_tasks.py:39`.
    p.text(fit(p, where && p.measure(site) > w - 26 ? where : site, w - 26), x0 + 13, 38, t.dim, 'left');
    p.tag(undefined);
  }
  p.unclip();
  p.setFont(`10px ${t.font}`);
  p.tag('label');
  p.text(v.scale === 'steps' ? 'step' : 'time', GUTTER_W / 2, HEADER_H / 2, t.dim, 'center');
  p.tag(undefined);
}

/** Name of a lane for the header (exported for the table and tests). */
export { laneName };
