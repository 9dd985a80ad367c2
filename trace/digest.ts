// What the CLI needs to know about a whole trace, gathered while it streams
// through a store that lets its rows go (TraceStore.releaseBefore): counts,
// drops, truncation, the exit code, the last print (does it end its line?),
// the program files named (for the report's source pane) and the overview of
// the whole run (overview.ts). `update(store)` reads only the rows appended
// since its last call, so it runs per batch or per chunk, before they go.
import { newProgramFiles } from './sources';
import { Overview } from './overview';
import { TYPE, type TraceStore } from './store';

export class TraceDigest {
  /** Rows seen (= the store's length after the last update). */
  events = 0;
  /** Sum of the `events-dropped` marks' counts, and the last `finish`'s `dropped` (if any). */
  droppedMarks = 0;
  finishDropped: number | undefined;
  /** Messages of `truncated` marks, in order. */
  readonly truncated: string[] = [];
  /** The exit code of the last `finish` (null: none or no code). */
  exitCode: number | null = null;
  /** The last print: its stream and whether it ended its line (undefined: no print). */
  lastOutput: { stream: string; endsLine: boolean } | undefined;
  /** The program's own files the trace names, in order of appearance. */
  readonly files: string[] = [];
  readonly overview = new Overview();
  private readonly seenFiles = new Set<string>();

  /** Events the runtime could not deliver: the last `finish`'s `dropped`, else the sum of `events-dropped` marks. */
  get dropped(): number {
    return Math.max(this.droppedMarks, this.finishDropped ?? 0);
  }

  /** Reads rows [events, store.length). */
  update(store: TraceStore): void {
    const from = this.events;
    const n = store.length;
    if (from >= n) return;
    for (const f of newProgramFiles(store, from, this.seenFiles)) this.files.push(f);
    for (let i = from; i < n; i++) {
      const t = store.typeCode(i);
      if (t === TYPE.mark) {
        const kind = store.reason(i);
        if (kind === 'events-dropped') this.droppedMarks += Number.isNaN(store.num(i)) ? 0 : store.num(i);
        else if (kind === 'truncated') this.truncated.push(store.value(i) ?? '');
      } else if (t === TYPE.finish) {
        this.exitCode = Number.isNaN(store.num(i)) ? null : store.num(i);
        const d = store.extra(i)?.dropped;
        if (typeof d === 'number') this.finishDropped = d;
      } else if (t === TYPE.output) {
        this.lastOutput = { stream: store.reason(i), endsLine: (store.value(i) ?? '').endsWith('\n') };
      }
    }
    this.overview.update(store, from);
    this.events = n;
  }
}
