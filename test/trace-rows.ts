// The diagram's rows of a trace file's lines, as the store makes them, for tests that find a step by reading the
// file: header and locals lines are not rows, and compact lines (a generator's gresume/gyield/gstep, asyncio's
// resume/suspend/step, a transfer's folded step start) are the switches they stand for.
import { expandCompact, isCompact, type TaskEvent, type TraceLine, unfoldTransfer } from '../protocol/events';

export function traceRows(lines: readonly TraceLine[]): TraceLine[] {
  return expandLines(lines.filter((e) => e.type !== 'header' && (e.type as string) !== 'locals'));
}

/** Every line as the events it stands for (compact lines and folded step starts expanded; the others as they are). */
export function expandLines(lines: readonly TraceLine[]): TraceLine[] {
  const declared = new Map<string, TaskEvent>();
  return lines.flatMap((e): TraceLine[] => {
    if (e.type === 'task') declared.set(e.id, e);
    if (e.type === 'send' || e.type === 'recv') {
      const { resume, transfer } = unfoldTransfer(e, declared.get(e.task));
      return [...resume, transfer];
    }
    return isCompact(e) ? expandCompact(e, declared.get(e.task)) : [e];
  });
}

/** traceRows of a JSON Lines text. */
export function traceRowsOf(text: string): TraceLine[] {
  return traceRows(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TraceLine),
  );
}
