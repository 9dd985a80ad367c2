// The legend: a short help popover that explains each mark, colour and word of the diagram (`step`, `Hub`,
// `io-wait`, `schedule`, `fd`…). Text nodes only; opened from the toolbar's "?" button, closed with it or Escape.

import { el } from './dom';
import { KIND_ICON } from './labels';

/** [mark or word, what it means]. */
export const LEGEND: readonly (readonly [string, string])[] = [
  ['lane', 'one task: a generator or coroutine, an asyncio task, a greenlet, a tasklet, a thread, a process, the event loop or the gevent Hub'],
  ['bar on a lane', 'the task is running; thin dashed bars: the event loop or Hub holding control while it waits for the next ready task'],
  ['→ solid arrow', 'control passes from one task to another; its colour says why (the rows below)'],
  ['⇢ dashed arrow', 'a value passed through a queue or channel, from the put/send to the get/receive; grey dashed: a task created'],
  ['‖  ▶', 'a task waits (on a queue, lock, event, timer, socket…) and is woken; a dotted line comes from the task that woke it'],
  ['⇡  ⇣', 'a value put on / taken from a queue, channel or pool without a switch'],
  [
    '( end )',
    'a task ended: returned, raised, closed, exited; "killed by main (line 17)", "cancelled by …": a dotted line comes from who did it (to the ▶ of the wait it ended, else to the end itself)',
  ],
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

/**
 * The colours of arrows and marks (webview/labels.ts `category` → the theme's `--cs-<tone>`), each key drawn in its
 * colour: a learner sees orange and purple arrows as often as blue ones.
 */
export const TONES: readonly (readonly ['resume' | 'yield' | 'wait' | 'channel' | 'error', string, string])[] = [
  ['resume', '→ blue', 'a task is started or resumed: send, next, switch, schedule'],
  ['yield', '→ green', 'a task yields a value or returns'],
  [
    'wait',
    '→ orange',
    'a task hands control to its event loop or Hub to wait (await, sleep, io-wait, join, lock), and the loop or Hub hands it back (step, run); ‖ ▶ waits and wakes',
  ],
  ['channel', '→ purple', 'a task waits on a queue or channel, or a value passes through one (put/get, send/receive); ⇡ ⇣ transfers'],
  ['error', '→ red', 'a throw, close or kill, an exception raised; a red end: the task ended with an error'],
];

/** The lane header's icon per kind of task (webview/labels.ts KIND_ICON), in the words the legend uses. */
const KIND_WORDS: Record<string, string> = {
  main: 'main thread',
  generator: 'generator',
  coroutine: 'coroutine',
  'async-generator': 'async generator',
  'asyncio-task': 'asyncio task',
  greenlet: 'greenlet',
  tasklet: 'tasklet',
  thread: 'thread',
  process: 'process',
  'event-loop': 'event loop',
  hub: 'gevent Hub',
};

/** The lane icons row: each icon once, with the kinds it stands for. */
export function laneIcons(): { glyph: string; words: string[] }[] {
  const out = new Map<number, string[]>();
  for (const [kind, cp] of Object.entries(KIND_ICON)) out.set(cp, [...(out.get(cp) ?? []), KIND_WORDS[kind] ?? kind]);
  return [...out].map(([cp, words]) => ({ glyph: String.fromCodePoint(cp), words }));
}

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
    const tone = ([t, k, v]: readonly [string, string, string]) =>
      el('div', { class: 'legend-row', role: 'listitem' }, el('span', { class: `legend-key tone-${t}` }, k), el('span', { class: 'legend-text' }, v));
    const icons = () =>
      el(
        'div',
        { class: 'legend-row', role: 'listitem' },
        el('span', { class: 'legend-key' }, 'lane icons'),
        el(
          'span',
          { class: 'legend-text legend-icons' },
          ...laneIcons().flatMap(({ glyph, words }) => [
            el('span', { class: 'legend-icon', 'aria-hidden': 'true' }, glyph),
            el('span', {}, `${words.join(', ')} `),
          ]),
        ),
      );
    this.click = click.lastChild as HTMLSpanElement;
    this.root = el(
      'div',
      { class: 'legend', role: 'dialog', 'aria-label': 'What the diagram shows' },
      el('div', { class: 'legend-title' }, 'What the diagram shows'),
      el('div', { role: 'list' }, ...LEGEND.slice(0, 3).map(row), ...TONES.map(tone), ...LEGEND.slice(3).map(row), icons(), click),
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
