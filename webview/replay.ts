// The step cursor: the selected row is the cursor over the run. Keys (←/→ and
// ↑/↓ one step, Shift+←/→ the previous/next switch of the selected lane,
// Home/End, Space play/pause), a play button with a speed, a scrubber, the
// `#step=N` hash of the report (N = the gutter's row number) both ways, the
// Tasks pane, and the cursor posted to the host for the editor's decorations.
// The states come from ReplayIndex (trace/replay.ts): a cursor move costs
// lanes × (log n + 32) event reads, whatever the trace's length.

import type { CursorTask, WebviewMessage } from '../protocol/messages';
import { ReplayIndex, type TaskAtStep, stepNote } from '../trace/replay';
import { newProgramFiles } from '../trace/sources';
import type { TraceStore } from '../trace/store';
import { button, el } from './dom';
import { displayNames } from './labels';
import type { DiagramModel } from './model';
import { type Sources, TasksPane, sourceLine } from './tasks-pane';

export interface ReplayHost {
  readonly store: TraceStore;
  readonly model: DiagramModel;
  /** The selected event (-1: none). */
  selected(): number;
  /** Move the selection to event i (reveals it in a fold, scrolls, selects the table row). */
  focusEvent(i: number): void;
  post(m: WebviewMessage): void;
  /** Scroll the diagram so the lane is in view. */
  showLane(lane: number): void;
}

const SPEEDS = [1, 2, 4, 8, 16, 32, 64];

export class Replay {
  readonly pane: TasksPane;
  /** Toolbar group: play/pause, speed, scrubber. */
  readonly controls: HTMLSpanElement;
  private index: ReplayIndex;
  private readonly playBtn: HTMLButtonElement;
  private readonly speedSel: HTMLSelectElement;
  private readonly scrub: HTMLInputElement;
  /** Locals for the next run (VS Code only: shown once the host says what the setting is). */
  private readonly localsBtn: HTMLButtonElement;
  /** The lane Shift+←/→ walks (picked in the pane; else the cursor event's lane). */
  private lane = -1;
  private shownFor = '';
  private playTimer = 0;
  /** The address's `#step=N` is rewritten at most every 150 ms (see `followHash`). */
  private hashTimer = 0;
  /** `#step=N` asked for before the trace had that many rows. */
  private pendingStep = 0;
  private sources: Sources | null = null;
  /** Files the trace names that were looked at for `wantSources`, and up to which event. */
  private filesSeen = new Set<string>();
  private filesScanned = 0;
  /** The report and the test page follow `#step=N`; a VS Code webview has no address to share. */
  private readonly useHash = typeof location !== 'undefined' && /^(https?|file):$/.test(location.protocol);
  /** The tasks last shown (tests and the benchmark read them). */
  tasks: TaskAtStep[] = [];
  /** Times (ms) of the last pane updates, and of their task-state part alone, for the benchmark. */
  readonly updateTimes: number[] = [];
  readonly stateTimes: number[] = [];

  constructor(
    private readonly host: ReplayHost,
    private readonly root: HTMLElement,
  ) {
    this.index = new ReplayIndex(host.store);
    this.pane = new TasksPane((t) => this.pick(t));
    this.playBtn = button('play', 'Play the run step by step (Space)');
    this.playBtn.classList.add('play');
    this.speedSel = el('select', { class: 'speed', title: 'Steps per second', 'aria-label': 'Steps per second' });
    for (const s of SPEEDS) this.speedSel.append(el('option', { value: String(s) }, `${s}/s`));
    this.speedSel.value = '4';
    this.scrub = el('input', { type: 'range', class: 'scrub', min: '1', max: '1', value: '1', step: '1', 'aria-label': 'Step' });
    this.localsBtn = button('symbol-variable', 'Record local variables in the next run (slower)', 'Locals');
    this.localsBtn.classList.add('locals-toggle');
    this.localsBtn.setAttribute('aria-label', 'Locals in the next run');
    this.localsBtn.hidden = true;
    this.localsBtn.addEventListener('click', () => {
      const on = this.localsBtn.getAttribute('aria-pressed') !== 'true';
      this.showCaptureLocals(on);
      this.host.post({ type: 'setCaptureLocals', on });
    });
    this.controls = el('span', { class: 'replay-controls' }, this.playBtn, this.speedSel, this.scrub, this.localsBtn);
    // The cursor's keys work with the focus in the pane too (after a click on a task).
    this.pane.root.addEventListener('keydown', (e) => {
      if (!e.defaultPrevented) this.key(e);
    });
    this.playBtn.addEventListener('click', () => this.togglePlay());
    this.speedSel.addEventListener('change', () => {
      if (this.playTimer) {
        this.stop();
        this.togglePlay();
      }
    });
    this.scrub.addEventListener('input', () => this.goRow(Number(this.scrub.value) - 1));
    if (this.useHash) {
      this.pendingStep = stepFromHash(location.hash);
      window.addEventListener('hashchange', () => {
        const n = stepFromHash(location.hash);
        if (n > 0) {
          this.pendingStep = n;
          this.applyPending();
        }
      });
    }
  }

  /** The host's `coroscope.captureLocals`: the Locals toggle's pressed state (the toggle appears with the first one). */
  showCaptureLocals(on: boolean): void {
    this.localsBtn.hidden = false;
    this.localsBtn.setAttribute('aria-pressed', String(on));
    this.localsBtn.title = on
      ? 'The next run records local variables (the Tasks pane shows them); click to stop recording them'
      : 'Record local variables in the next run (the Tasks pane shows them; slower)';
  }

  /** The trace was cleared (a new run). */
  reset(): void {
    this.stop();
    this.index = new ReplayIndex(this.host.store);
    this.lane = -1;
    this.shownFor = '';
    this.filesSeen = new Set();
    // A new run in the panel may have edited files: ask again. The report's embedded sources stay.
    if (this.sources && !this.sources.pane) this.sources = null;
    this.filesScanned = 0;
    this.pane.clear();
    // A `#step=N` the page was opened with waits for the first trace (read in the constructor); a later trace (a new
    // run in the same page) starts without a cursor, whatever the address still says.
  }

  /** The text of a line of the program, when the page has its file (the report embeds them; the panel asks). */
  lineText(file: string | undefined, line: number): string | undefined {
    return sourceLine(this.sources, file, line);
  }

  /** Changes when sources arrive (so text built from them is rebuilt). */
  get sourcesKey(): number {
    return this.sources?.files.size ?? 0;
  }

  /** Source texts from the host (added to those already given). */
  setSources(files: { file: string; text: string }[], capped: boolean, pane: boolean): void {
    const src = this.sources ?? { files: new Map<string, string[]>(), capped: false, pane: false };
    for (const f of files) src.files.set(f.file, f.text.split(/\r?\n/));
    src.capped ||= capped;
    src.pane ||= pane;
    this.sources = src;
    this.shownFor = '';
  }

  /** Before a draw measures the diagram: the Tasks pane is shown once there is a cursor (a debugger's pane appears when paused). */
  layout(): void {
    const want = this.host.selected() >= 0;
    if (this.pane.root.hidden === want) this.pane.root.hidden = !want;
  }

  /** The cursor's row (-1: none). */
  get row(): number {
    const e = this.host.selected();
    return e < 0 ? -1 : this.host.model.eventRow(e);
  }

  /** After each draw: take in new events, follow a pending `#step`, refresh the pane if the cursor or data moved. */
  sync(): void {
    const s = this.host.store,
      m = this.host.model;
    this.applyPending();
    const e = this.host.selected();
    // Indexed only once there is a cursor: a trace nobody steps through costs nothing more.
    if (e >= 0) {
      this.index.update();
      this.askSources();
    }
    const row = this.row;
    const step = row + 1;
    this.root.dataset.step = String(step);
    const key = `${e}/${s.length}/${s.tasks.length}/${this.lane}/${this.sources ? 1 : 0}`;
    if (key === this.shownFor) return;
    this.shownFor = key;
    const t0 = performance.now();
    const names = displayNames(s);
    this.tasks = e >= 0 ? this.index.tasksAt(e, (l) => names[l] ?? s.taskId(l)) : [];
    this.stateTimes.push(performance.now() - t0);
    if (this.stateTimes.length > 1000) this.stateTimes.splice(0, 500);
    this.pane.show(step, this.tasks, this.sources, this.lane);
    this.scrub.max = String(Math.max(1, m.rowCount));
    this.scrub.value = String(Math.max(1, step));
    this.updateTimes.push(performance.now() - t0);
    if (this.updateTimes.length > 1000) this.updateTimes.splice(0, 500);
    if (this.useHash && step > 0 && this.pendingStep === 0) this.followHash();
    this.postCursor(step, e);
  }

  /**
   * The address follows the cursor at most every 150 ms (always ending at its last step): `history.replaceState` costs a round trip to the
   * browser (2.5 ms p50, 8 ms on average, 26 ms p95 a call on the loaded bench machine), too much for every step of
   * a play or a scrub.
   */
  private followHash(): void {
    if (this.hashTimer) return;
    // (an address changed meanwhile by the user or a link wins: its hashchange may not have run yet, and rewriting
    // the address here would turn it back to the old step)
    const seen = location.hash;
    this.hashTimer = window.setTimeout(() => {
      this.hashTimer = 0;
      const step = this.row + 1;
      if (location.hash !== seen) return;
      if (step > 0 && this.pendingStep === 0 && stepFromHash(location.hash) !== step) history.replaceState(null, '', `#step=${step}`);
    }, 150);
  }

  /** Ask the host for the text of program files the trace names (the report has them already). */
  private askSources(): void {
    const s = this.host.store;
    if (this.filesScanned === s.length || this.sources?.pane) return;
    const files = newProgramFiles(s, this.filesScanned, this.filesSeen).filter((f) => !this.sources?.files.has(f));
    this.filesScanned = s.length;
    if (files.length) this.host.post({ type: 'wantSources', files });
  }

  private postCursor(step: number, e: number): void {
    const tasks: CursorTask[] = [];
    for (const t of this.tasks) {
      if (t.file === undefined || t.line === undefined || (t.state !== 'running' && t.state !== 'suspended' && t.state !== 'blocked')) continue;
      tasks.push({ id: t.id, name: t.name, state: t.state, file: t.file, line: t.line, note: stepNote(t) });
    }
    this.host.post({ type: 'cursor', step, index: e, tasks });
  }

  private applyPending(): void {
    const n = this.pendingStep;
    if (n <= 0 || this.host.model.rowCount < n) return;
    this.pendingStep = 0;
    this.goRow(n - 1);
  }

  /** Move the cursor to row r (a fold row is opened: every step is an event). */
  goRow(r: number): void {
    const m = this.host.model;
    if (m.rowCount === 0) return;
    const row = Math.max(0, Math.min(m.rowCount - 1, r));
    const e = m.rowEvent(row);
    if (e >= 0) this.host.focusEvent(e);
  }

  /** The host asks to step to a task (a click on its decorated line): its event nearest to the cursor. */
  goToTask(id: string): void {
    const lane = this.host.store.laneOf(id);
    if (lane === undefined) return;
    this.index.update();
    const e = this.index.nearestEvent(lane, Math.max(0, this.host.selected()));
    this.lane = lane;
    if (e >= 0) this.host.focusEvent(e);
  }

  private pick(t: TaskAtStep): void {
    this.lane = t.lane;
    this.shownFor = '';
    this.host.showLane(t.lane);
    if (t.file !== undefined && t.line !== undefined) this.host.post({ type: 'reveal', file: t.file, line: t.line, index: Math.max(0, t.event) });
    this.sync();
  }

  /** Keys of the cursor; false when the key is not one of them. */
  key(e: KeyboardEvent): boolean {
    const m = this.host.model;
    const row = this.row;
    switch (e.key) {
      case 'ArrowRight':
      case 'ArrowLeft': {
        const dir = e.key === 'ArrowRight' ? 1 : -1;
        if (e.shiftKey) this.jumpSwitch(dir);
        else this.goRow(row < 0 ? 0 : row + dir);
        break;
      }
      case 'ArrowDown':
        this.goRow(row < 0 ? 0 : row + 1);
        break;
      case 'ArrowUp':
        this.goRow(row < 0 ? 0 : row - 1);
        break;
      case 'Home':
        this.goRow(0);
        break;
      case 'End':
        this.goRow(m.rowCount - 1);
        break;
      case ' ':
        this.togglePlay();
        break;
      default:
        return false;
    }
    e.preventDefault();
    return true;
  }

  private jumpSwitch(dir: 1 | -1): void {
    const s = this.host.store;
    this.index.update();
    const cur = this.host.selected();
    const lane = this.lane >= 0 ? this.lane : cur >= 0 ? s.a(cur) : -1;
    if (lane < 0) return;
    const e = this.index.switchOf(lane, cur < 0 ? -1 : cur, dir);
    if (e >= 0) {
      this.lane = lane;
      this.host.focusEvent(e);
    }
  }

  togglePlay(): void {
    if (this.playTimer) {
      this.stop();
      return;
    }
    const m = this.host.model;
    if (this.row >= m.rowCount - 1) this.goRow(0);
    this.playBtn.classList.add('playing');
    this.playBtn.setAttribute('aria-pressed', 'true');
    this.playBtn.querySelector('.codicon')!.className = 'codicon codicon-debug-pause';
    this.root.dataset.playing = 'true';
    const tick = () => {
      const r = this.row;
      if (r >= this.host.model.rowCount - 1) {
        this.stop();
        return;
      }
      this.goRow(r + 1);
      this.playTimer = window.setTimeout(tick, 1000 / Number(this.speedSel.value));
    };
    this.playTimer = window.setTimeout(tick, 1000 / Number(this.speedSel.value));
  }

  stop(): void {
    if (this.playTimer) clearTimeout(this.playTimer);
    this.playTimer = 0;
    this.playBtn.classList.remove('playing');
    this.playBtn.setAttribute('aria-pressed', 'false');
    this.playBtn.querySelector('.codicon')!.className = 'codicon codicon-play';
    this.root.dataset.playing = 'false';
  }
}

function stepFromHash(h: string): number {
  const m = /(?:^#|&)step=(\d+)/.exec(h);
  return m ? Number(m[1]) : 0;
}
