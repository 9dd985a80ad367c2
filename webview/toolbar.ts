// The toolbar: title, run status, Stop, the scale and fold toggles, search and
// filter, zoom, the table toggle and the image exports. Built from text nodes
// only; the App wires the buttons and keeps their pressed states in sync.

import { button, el } from './dom';

export class Toolbar {
  readonly root: HTMLDivElement;
  readonly title = el('span', { class: 'title' });
  readonly status = el('span', { class: 'status', role: 'status' });
  readonly stop = button('debug-stop', 'Stop the running script', 'Stop');
  readonly scale = button('list-ordered', 'Vertical scale: steps (one row per switch) or time (proportional)', 'Steps');
  readonly fold = button('fold', 'Fold repeated patterns into one row', 'Fold');
  /** Time scale only: compress long gaps (the time axis is proportional unless this is on). */
  readonly gaps = button('fold-up', 'Compress long gaps on the time scale (off: proportional time)', 'Gaps');
  /** Shown when the trace has asyncio.run's shutdown: pressed, its machinery is drawn as rows; else one folded row. */
  readonly shutdown = button(
    'eye',
    "Show asyncio.run's own shutdown (the loop's clean-up runs and its _do_shutdown thread), folded into one row by default",
    'Shutdown',
  );
  readonly search = el('input', {
    type: 'search',
    class: 'search',
    placeholder: 'Search: text, task:, kind:, reason:, type:',
    'aria-label': 'Search events (task:, kind:, reason:, type: narrow)',
    spellcheck: 'false',
  });
  readonly filter = button('filter', 'Show only matching events');
  readonly count = el('span', { class: 'count', 'aria-live': 'polite' });
  readonly zoomOut = button('zoom-out', 'Zoom out (-)');
  readonly zoomIn = button('zoom-in', 'Zoom in (+)');
  readonly fit = button('screen-full', 'Fit the whole trace');
  readonly table = button('table', 'Show the events table');
  readonly svg = button('file-media', 'Export the visible diagram as SVG', 'SVG');
  readonly png = button('device-camera', 'Export the visible diagram as PNG', 'PNG');
  readonly help = button('question', 'What the diagram shows: marks, colours and words');

  constructor(query: string) {
    this.stop.classList.add('stop');
    this.stop.hidden = true;
    this.search.value = query;
    // A toggle: its name says what it is, aria-pressed says whether it is on (the tooltip says what a click does).
    this.table.setAttribute('aria-label', 'Events table');
    this.root = el(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Diagram' },
      this.title,
      this.status,
      this.stop,
      el('span', { class: 'sep' }),
      this.scale,
      this.gaps,
      this.fold,
      this.shutdown,
      el('span', { class: 'sep' }),
      this.search,
      this.filter,
      this.count,
      el('span', { class: 'grow' }),
      this.zoomOut,
      this.zoomIn,
      this.fit,
      el('span', { class: 'sep' }),
      this.table,
      this.svg,
      this.png,
      this.help,
    );
  }

  /** The toggles' faces: the scale's name and icon, and which toggles are pressed. */
  /** `shutdown`: null when the trace has no asyncio.run shutdown (the toggle is hidden), else whether it is shown. */
  sync(scale: 'steps' | 'time', folding: boolean, filtering: boolean, tableShown: boolean, gaps = false, shutdown: boolean | null = null): void {
    this.shutdown.hidden = shutdown === null;
    this.shutdown.setAttribute('aria-pressed', String(shutdown === true));
    this.gaps.hidden = scale !== 'time';
    this.gaps.setAttribute('aria-pressed', String(gaps));
    this.scale.querySelector('.label')!.textContent = scale === 'steps' ? 'Steps' : 'Time';
    this.scale.querySelector('.codicon')!.className = `codicon codicon-${scale === 'steps' ? 'list-ordered' : 'clock'}`;
    this.fold.setAttribute('aria-pressed', String(folding));
    this.filter.setAttribute('aria-pressed', String(filtering));
    this.table.setAttribute('aria-pressed', String(tableShown));
    this.table.title = tableShown ? 'Hide the events table' : 'Show the events table';
  }
}
