// The events table: the diagram's rows as an accessible, virtualized grid
// (role=grid, aria-rowcount, keyboard navigation). Only the visible rows exist
// in the DOM; every cell is text.

import type { DiagramModel } from './model';
import { el } from './dom';
import { foldLabel } from './render';
import { formatDuration, label, laneName, siteText } from './labels';

const ROW_H = 22;
const MAX_PX = 3e7; // browsers cap element heights near 33M px

export interface TableHandlers {
  select(row: number): void;
  activate(row: number): void;
}

export class EventTable {
  readonly root: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly rowsEl: HTMLDivElement;
  private active = -1;
  private rendered = '';

  constructor(
    private model: DiagramModel,
    private readonly h: TableHandlers,
  ) {
    const head = el(
      'div',
      { class: 'thead', role: 'rowgroup' },
      el(
        'div',
        { role: 'row', 'aria-rowindex': '1', class: 'trow head' },
        ...['Step', 'Time', 'Task', 'To', 'Event', 'Site'].map((c, k) => el('div', { role: 'columnheader', class: `c${k}` }, c)),
      ),
    );
    this.rowsEl = el('div', { class: 'trows', role: 'rowgroup' });
    this.spacer = el('div', { class: 'spacer' }, this.rowsEl);
    this.body = el('div', { class: 'tbody' }, this.spacer);
    this.root = el(
      'div',
      { class: 'table', role: 'grid', 'aria-label': 'Events, one row per step of the diagram', 'aria-colcount': '6', tabindex: '0' },
      head,
      this.body,
    );
    this.body.addEventListener('scroll', () => this.render());
    this.root.addEventListener('keydown', (e) => this.key(e));
    this.rowsEl.addEventListener('click', (e) => {
      const r = rowOf(e.target);
      if (r >= 0) {
        this.setActive(r);
        this.h.select(r);
      }
    });
    this.rowsEl.addEventListener('dblclick', (e) => {
      const r = rowOf(e.target);
      if (r >= 0) this.h.activate(r);
    });
  }

  setModel(m: DiagramModel): void {
    this.model = m;
    this.active = -1;
    this.body.scrollTop = 0;
    this.rendered = '';
  }

  private get ratio(): number {
    const full = this.model.rowCount * ROW_H;
    return full > MAX_PX ? MAX_PX / full : 1;
  }

  private key(e: KeyboardEvent): void {
    const n = this.model.rowCount;
    if (!n) return;
    const page = Math.max(1, Math.floor(this.body.clientHeight / ROW_H) - 1);
    let r = Math.max(this.active, 0);
    switch (e.key) {
      case 'ArrowDown':
        r++;
        break;
      case 'ArrowUp':
        r--;
        break;
      case 'PageDown':
        r += page;
        break;
      case 'PageUp':
        r -= page;
        break;
      case 'Home':
        r = 0;
        break;
      case 'End':
        r = n - 1;
        break;
      case 'Enter':
      case ' ':
        if (this.active >= 0) this.h.activate(this.active);
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    r = Math.max(0, Math.min(n - 1, r));
    this.setActive(r);
    this.h.select(r);
  }

  /** Mark row r active and scroll it into view. */
  setActive(r: number): void {
    this.active = r;
    const top = this.body.scrollTop / this.ratio;
    const y = r * ROW_H;
    const hgt = this.body.clientHeight;
    if (y < top || y + ROW_H > top + hgt) this.body.scrollTop = Math.max(0, (y - hgt / 3) * this.ratio);
    this.rendered = '';
    this.render();
  }

  get activeRow(): number {
    return this.active;
  }

  render(): void {
    const m = this.model;
    const n = m.rowCount;
    const ratio = this.ratio;
    this.root.setAttribute('aria-rowcount', String(n + 1));
    this.spacer.style.height = `${Math.max(0, n * ROW_H * ratio)}px`;
    const hgt = this.body.clientHeight || 400;
    const scrollTop = this.body.scrollTop;
    const first = Math.max(0, Math.floor(scrollTop / ratio / ROW_H) - 2);
    const last = Math.min(n - 1, first + Math.ceil(hgt / ROW_H) + 4);
    const key = `${n}:${first}:${last}:${this.active}:${m.store.length}`;
    if (key === this.rendered) return;
    this.rendered = key;
    const s = m.store;
    const frag = document.createDocumentFragment();
    for (let r = first; r <= last; r++) {
      const fold = m.rowFold(r);
      const e = m.rowEvent(r);
      let cells: string[];
      if (fold >= 0) cells = ['↻', formatDuration(s.rel(e)), '', '', foldLabel(m, fold), ''];
      else {
        const a = s.a(e),
          b = s.b(e);
        cells = [String(r + 1), formatDuration(s.rel(e)), laneName(s, a), b >= 0 ? laneName(s, b) : '', label(s, e), siteText(s, e)];
      }
      const row = el(
        'div',
        {
          role: 'row',
          class: `trow${fold >= 0 ? ' fold' : ''}${r === this.active ? ' active' : ''}`,
          id: `cs-row-${r}`,
          'aria-rowindex': String(r + 2),
          'aria-selected': r === this.active ? 'true' : 'false',
          'data-row': String(r),
        },
        ...cells.map((c, k) => el('div', k >= 2 && c ? { role: 'gridcell', class: `c${k}`, title: c } : { role: 'gridcell', class: `c${k}` }, c)),
      );
      if (fold >= 0) row.setAttribute('aria-expanded', 'false');
      row.style.top = `${r * ROW_H * ratio + (r - first) * 0}px`;
      if (ratio < 1) row.style.top = `${scrollTop + (r - Math.floor(scrollTop / ratio / ROW_H)) * ROW_H}px`;
      frag.append(row);
    }
    this.rowsEl.replaceChildren(frag);
    if (this.active >= first && this.active <= last) this.root.setAttribute('aria-activedescendant', `cs-row-${this.active}`);
    else this.root.removeAttribute('aria-activedescendant');
  }
}

function rowOf(t: EventTarget | null): number {
  let n = t instanceof Element ? t : null;
  while (n && !n.hasAttribute('data-row')) n = n.parentElement;
  return n ? Number(n.getAttribute('data-row')) : -1;
}
