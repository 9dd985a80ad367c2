// The Tasks pane: every task that exists at the cursor's step, one element per
// task carrying the observable contract (data-task, data-name, data-state,
// data-file, data-line; data-thread in addition), and the source pane of the
// report (the program's own files, embedded, with the same highlights and notes
// as the editor). Elements are kept per lane and only their changed texts and
// attributes are written, so a cursor move on a trace with hundreds of tasks
// touches few nodes. Text only (no markup from the program).

import { type TaskAtStep, stepNote } from '../trace/replay';
import { basename } from './labels';
import { el, icon } from './dom';

const STATE_ICON: Record<TaskAtStep['state'], string> = {
  'not-started': 'circle-outline',
  running: 'play',
  suspended: 'debug-pause',
  blocked: 'clock',
  done: 'pass',
};

interface Row {
  last: Map<string, string>;
  root: HTMLDivElement;
  icon: HTMLSpanElement;
  name: HTMLSpanElement;
  state: HTMLSpanElement;
  where: HTMLDivElement;
  waits: HTMLDivElement;
  vals: HTMLDivElement;
  chain: HTMLDivElement;
  creator: HTMLDivElement;
  locals: HTMLDivElement;
}

/** The source of the program's files, when the page has it (the report embeds it; see `sources`). */
export interface Sources {
  files: Map<string, string[]>;
  capped: boolean;
  pane: boolean;
}

export function sourceLine(src: Sources | null, file: string | undefined, line: number | undefined): string | undefined {
  if (!src || !file || !line) return undefined;
  const lines = src.files.get(file);
  return lines?.[line - 1];
}

export class TasksPane {
  readonly root: HTMLDivElement;
  private readonly head: HTMLDivElement;
  private readonly list: HTMLDivElement;
  private readonly rows = new Map<number, Row>();
  private readonly source: SourcePane;

  constructor(private readonly onPick: (t: TaskAtStep) => void) {
    this.head = el('div', { class: 'tasks-head' }, 'Tasks');
    this.list = el('div', { class: 'tasks-list', role: 'list', 'aria-label': 'Tasks at this step' });
    this.source = new SourcePane();
    this.root = el('div', { class: 'tasks-pane', 'aria-label': 'Tasks at the cursor' }, this.head, this.list, this.source.root);
    this.root.hidden = true;
  }

  private tasks: TaskAtStep[] = [];

  /** Show the tasks at `step` (1-based row number; 0: no cursor). */
  show(step: number, tasks: TaskAtStep[], src: Sources | null, focus: number): void {
    this.tasks = tasks;
    this.head.textContent = step > 0 ? `Tasks at step ${step.toLocaleString('en-US')}` : 'Tasks (select a row to step through the run)';
    const seen = new Set<number>();
    let prev: HTMLElement | null = null;
    for (const t of tasks) {
      seen.add(t.lane);
      let r = this.rows.get(t.lane);
      if (!r) {
        r = this.row(t.lane);
        this.rows.set(t.lane, r);
      }
      // What was written last is remembered here: comparing with the DOM would read it back on every move.
      const L = r.last;
      const attr = (k: string, v: string) => {
        if (L.get(k) !== v) {
          L.set(k, v);
          r.root.setAttribute(`data-${k}`, v);
        }
      };
      const text = (k: string, e: HTMLElement, v: string) => {
        if (L.get(k) !== v) {
          L.set(k, v);
          // (an empty line is hidden by CSS, :empty: a `hidden` attribute written here would re-run the side
          // column's :has() rules on every move)
          e.textContent = v;
        }
      };
      attr('task', t.id);
      attr('name', t.name);
      attr('state', t.state);
      attr('thread', t.thread);
      const placed = t.state !== 'not-started' && t.file !== undefined && t.line !== undefined;
      attr('file', placed ? t.file! : '');
      attr('line', placed ? String(t.line) : '');
      const cls = `codicon codicon-${STATE_ICON[t.state]}`;
      if (L.get('icon') !== cls) {
        L.set('icon', cls);
        r.icon.className = cls;
      }
      text('n', r.name, t.name);
      text('s', r.state, t.state);
      const code = sourceLine(src, t.file, t.line);
      text('where', r.where, placed ? `${basename(t.file!)}:${t.line}${code !== undefined ? `  ${code.trim()}` : ''}` : '');
      text('waits', r.waits, waitText(t));
      const vals = [t.received !== undefined ? `got ${t.received}` : '', t.sent !== undefined ? `sent ${t.sent}` : ''].filter(Boolean).join(' · ');
      text('vals', r.vals, vals);
      text('chain', r.chain, t.chain.length > 1 ? `in ${t.chain.join(' ← ')}` : '');
      const c = t.creator;
      text('creator', r.creator, c ? `${c.firstRun ? 'first ran' : 'created'} by ${c.name}${c.file && c.line ? ` at ${basename(c.file)}:${c.line}` : ''}` : '');
      showLocals(r, t);
      const picked = t.lane === focus ? '1' : '';
      if (L.get('picked') !== picked) {
        L.set('picked', picked);
        r.root.classList.toggle('picked', picked === '1');
      }
      const note = stepNote(t);
      if (L.get('title') !== note) {
        L.set('title', note);
        r.root.title = note;
      }
      // Keep lane order without re-inserting nodes already in place.
      const want: ChildNode | null = prev ? prev.nextSibling : this.list.firstChild;
      if (want !== r.root) this.list.insertBefore(r.root, want);
      prev = r.root;
    }
    for (const [lane, r] of this.rows)
      if (!seen.has(lane)) {
        r.root.remove();
        this.rows.delete(lane);
      }
    this.source.show(src, tasks, focus);
  }

  clear(): void {
    this.rows.clear();
    this.list.replaceChildren();
    this.tasks = [];
    this.source.show(null, [], -1);
  }

  private row(lane: number): Row {
    const r: Row = {
      last: new Map(),
      root: el('div', { class: 'task', role: 'listitem', tabindex: '0' }),
      icon: icon('circle-outline'),
      name: el('span', { class: 'name' }),
      state: el('span', { class: 'state' }),
      where: el('div', { class: 'where' }),
      waits: el('div', { class: 'waits' }),
      vals: el('div', { class: 'vals' }),
      chain: el('div', { class: 'chain' }),
      creator: el('div', { class: 'creator' }),
      locals: el('div', { class: 'locals', role: 'table', 'aria-label': 'Local variables' }),
    };
    r.root.append(el('div', { class: 'line1' }, r.icon, r.name, r.state), r.where, r.waits, r.vals, r.chain, r.creator, r.locals);
    const pick = () => {
      const t = this.tasks.find((x) => x.lane === lane);
      if (t) this.onPick(t);
    };
    r.root.addEventListener('click', pick);
    r.root.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        pick();
      }
    });
    return r;
  }
}

/**
 * The task's locals at its last switch at or before the step (`--locals` traces), as Python Tutor lists a frame:
 * one `name = value` row per variable (`data-var` = the name, `.v` = the value as the runtime wrote it), under the
 * frame's name (`data-frame`). Rebuilt only when they changed.
 */
function showLocals(r: Row, t: TaskAtStep): void {
  const loc = t.state === 'not-started' ? undefined : t.locals;
  const key = loc ? `${loc.row}/${loc.frame}` : '';
  if (r.last.get('locals') === key) return;
  r.last.set('locals', key);
  const box = r.locals;
  if (!loc) {
    box.replaceChildren();
    box.removeAttribute('data-frame');
    return;
  }
  box.setAttribute('data-frame', loc.frame);
  const rows: HTMLElement[] = [el('div', { class: 'locals-head' }, loc.vars.length ? `locals of ${loc.frame}` : `${loc.frame}: no locals`)];
  for (const [k, v] of loc.vars) {
    rows.push(
      el('div', { class: 'var', role: 'row', 'data-var': k }, el('span', { class: 'k', role: 'cell' }, k), el('span', { class: 'v', role: 'cell' }, v)),
    );
  }
  if (loc.more) rows.push(el('div', { class: 'more' }, `… ${loc.more} more not recorded`));
  box.replaceChildren(...rows);
}

export function waitText(t: TaskAtStep): string {
  if (t.state === 'blocked' && t.waits) {
    const w = t.waits;
    const wake = w.cause
      ? ` — woken by ${w.cause}${w.byName ? ` from ${w.byName}` : ''}${w.byFile && w.byLine ? ` (${basename(w.byFile)}:${w.byLine})` : ''}`
      : '';
    return `waits on ${w.on}${w.detail ? ` ${w.detail}` : ''}${wake}`;
  }
  if (t.state === 'suspended' && t.paused) return t.paused.reason === 'yield' ? 'waiting at yield' : `waiting for ${t.paused.to} (${t.paused.reason})`;
  if (t.state === 'done' && t.outcome) return `${t.outcome}${t.value !== undefined ? ` ${t.value}` : ''}`;
  return '';
}

/**
 * The report's source pane: the file of the picked task (else of the running one), its lines numbered, the running
 * line highlighted and each paused task's line marked with its note. Only files the page was given are shown.
 */
class SourcePane {
  readonly root: HTMLDivElement;
  private readonly title: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private file = '';
  private lineEls: HTMLDivElement[] = [];
  private marked: HTMLDivElement[] = [];

  constructor() {
    this.title = el('div', { class: 'source-title' });
    this.body = el('div', { class: 'source-body', role: 'region', 'aria-label': 'Source' });
    this.root = el('div', { class: 'source-pane' }, this.title, this.body);
    this.root.hidden = true;
  }

  show(src: Sources | null, tasks: TaskAtStep[], focus: number): void {
    // (`hidden` written only when it changes: see the side column's :has() rules in style.css)
    if (!src?.pane || src.files.size === 0) {
      if (!this.root.hidden) this.root.hidden = true;
      return;
    }
    if (this.root.hidden) this.root.hidden = false;
    const placed = tasks.filter(
      (t) => t.file !== undefined && t.line !== undefined && src.files.has(t.file) && t.state !== 'not-started' && t.state !== 'done',
    );
    const want =
      tasks.find((t) => t.lane === focus && t.file && src.files.has(t.file))?.file ??
      placed.find((t) => t.state === 'running')?.file ??
      placed[0]?.file ??
      (this.file || src.files.keys().next().value!);
    if (want !== this.file) {
      this.file = want;
      const lines = src.files.get(want) ?? [];
      this.lineEls = lines.map((l, k) =>
        el('div', { class: 'src-line', 'data-line': String(k + 1) }, el('span', { class: 'ln' }, String(k + 1)), el('span', { class: 'code' }, l)),
      );
      this.body.replaceChildren(...this.lineEls);
      this.marked = [];
    }
    this.title.textContent = `${basename(want)}${src.capped ? ' (some sources were left out: the report caps them at 2 MB)' : ''}`;
    for (const m of this.marked) {
      m.classList.remove('running', 'paused');
      m.removeAttribute('data-state');
      m.querySelector('.note')?.remove();
    }
    this.marked = [];
    let scrollTo: HTMLDivElement | null = null;
    for (const t of placed) {
      if (t.file !== want) continue;
      const row = this.lineEls[t.line! - 1];
      if (!row) continue;
      const running = t.state === 'running';
      row.classList.add(running ? 'running' : 'paused');
      row.dataset.state = running ? 'running' : (row.dataset.state ?? t.state);
      if (!running) {
        let note = row.querySelector('.note');
        if (!note) {
          note = el('span', { class: 'note' });
          row.append(note);
        }
        note.textContent = note.textContent ? `${note.textContent}  ${stepNote(t)}` : stepNote(t);
      }
      this.marked.push(row);
      if (running || t.lane === focus) scrollTo = row;
    }
    (scrollTo ?? this.marked[0])?.scrollIntoView({ block: 'nearest' });
  }
}
