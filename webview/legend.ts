// The legend: a short help popover that explains each mark, colour and word of the diagram (`step`, `Hub`,
// `io-wait`, `schedule`, `fd`…). Text nodes only; opened from the toolbar's "?" button, closed with it or Escape.

import { el } from './dom';

/** [mark or word, what it means]. */
export const LEGEND: readonly (readonly [string, string])[] = [
  ['lane', 'one task: a generator or coroutine, an asyncio task, a greenlet, a tasklet, a thread, a process, the event loop or the gevent Hub'],
  ['bar on a lane', 'the task is running; thin dashed bars: the event loop or Hub holding control while it waits for the next ready task'],
  ['→ solid arrow', 'control passes from one task to another (send, next, switch, a loop step); blue resumes, green yields and returns, red throws and errors'],
  ['⇢ dashed arrow', 'a value passed through a queue or channel, from the put/send to the get/receive; grey dashed: a task created'],
  ['‖  ▶', 'a task waits (on a queue, lock, event, timer, socket…) and is woken; a dotted line comes from the task that woke it'],
  ['⇡  ⇣', 'a value put on / taken from a queue, channel or pool without a switch'],
  ['note', 'what the program printed (red border: stderr); ⚠ a runtime warning such as a blocked event loop'],
  ['↻ row', 'a repeated pattern folded into one row; click to expand'],
  [
    'shutdown row',
    "asyncio.run's own clean-up after main() returned (the loop run again to close async generators and the default executor, its _do_shutdown thread), folded into one row; the Shutdown toggle or a click shows it",
  ],
  ['step', 'on the Steps scale, one row per event; in asyncio, one run of a task between two awaits (the loop "steps" it)'],
  ['Hub', "gevent's scheduler greenlet: it runs the event loop and switches to whichever greenlet can continue"],
  ['io-wait, fd', 'waiting for a socket or pipe (a file descriptor, `fd=7`) to be ready to read or write'],
  ['schedule', 'a Stackless tasklet lets the others run and goes to the back of the queue'],
  ['unfinished', 'the task was still paused or waiting when the program ended'],
  [
    'first run of …',
    'where a task first ran, drawn instead of "create" when the runtime could not see the call that made it (a generator on Python 3.11, a task asyncio made for a server connection)',
  ],
  ['Time / Steps', 'Time draws events at their times (proportional); Gaps compresses long idle gaps, marked with a zigzag'],
  [
    '⋯ start-up ⋯',
    "on the Time scale, the time before the program's first event (Python starting, the runtime, the imports, the module's code before any task): drawn short, with its real length, so the program's own events fill the view",
  ],
];

/** What a click on a row does: the panel opens the editor; the report (a page with no editor) shows the line's text. */
export function clickLegend(report: boolean): readonly [string, string] {
  return report
    ? [
        'click a row',
        "the event in full below the diagram, with the text of its source line (this report carries the program's own files; it cannot open an editor)",
      ]
    : ['click a row', 'the event in full at the bottom of the diagram, and its source line opened in the editor'];
}

export class Legend {
  readonly root: HTMLDivElement;
  private readonly click: HTMLSpanElement;

  /** `isReport`: asked when the legend opens (the report says what a click does there). */
  constructor(private readonly isReport: () => boolean = () => false) {
    const row = ([k, v]: readonly [string, string]) =>
      el('div', { class: 'legend-row', role: 'listitem' }, el('span', { class: 'legend-key' }, k), el('span', { class: 'legend-text' }, v));
    const click = row(clickLegend(false));
    this.click = click.lastChild as HTMLSpanElement;
    this.root = el(
      'div',
      { class: 'legend', role: 'dialog', 'aria-label': 'What the diagram shows' },
      el('div', { class: 'legend-title' }, 'What the diagram shows'),
      el('div', { role: 'list' }, ...LEGEND.map(row), click),
    );
    this.root.hidden = true;
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.toggle(false);
    });
  }

  toggle(on = this.root.hidden): boolean {
    if (on) this.click.textContent = clickLegend(this.isReport())[1];
    this.root.hidden = !on;
    return on;
  }
}
