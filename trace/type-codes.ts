// The event type codes the store's type column holds, and the compact asyncio
// step and generator events the scanners read but never store (they become switch rows).
import type { CompactEvent, EventType } from '../protocol/events';

export const TYPE_NAMES: readonly EventType[] = ['task', 'switch', 'end', 'block', 'wake', 'send', 'recv', 'output', 'mark', 'finish', 'rename'];
export const TYPE_CODES: Record<EventType, number> = {
  task: 0,
  switch: 1,
  end: 2,
  block: 3,
  wake: 4,
  send: 5,
  recv: 6,
  output: 7,
  mark: 8,
  finish: 9,
  rename: 10,
};
/**
 * Compact asyncio step events (protocol: `resume`, `suspend`, `step`) and generator switches (`gresume`, `gyield`,
 * `gstep`): scanned like the others, stored as switches.
 */
export const RESUME = 11,
  SUSPEND = 12,
  STEP = 13,
  GRESUME = 14,
  GYIELD = 15,
  GSTEP = 16,
  LAST_TYPE = GSTEP;
export const COMPACT_NAMES: readonly CompactEvent['type'][] = ['resume', 'suspend', 'step', 'gresume', 'gyield', 'gstep'];
/** Key-prediction row of a line whose type is not known yet. */
export const NO_TYPE = LAST_TYPE + 1;
