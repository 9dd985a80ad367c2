// The JSON keys the two scanners (byte-scanner.ts, text-scanner.ts) decode
// into field slots, which slots each fast-path event type may and must carry,
// and the lookup tables that find a key's slot without making a string.
import { GRESUME, GSTEP, GYIELD, RESUME, STEP, SUSPEND, TYPE_CODES } from './type-codes';

// Field slots of the fast scanner.
export const K_TYPE = 0,
  K_TS = 1,
  K_FROM = 2,
  K_TO = 3,
  K_REASON = 4,
  K_VALUE = 5,
  K_FILE = 6,
  K_LINE = 7,
  K_TOFILE = 8,
  K_TOLINE = 9,
  K_DEPTH = 10,
  K_FRAME = 11,
  K_TASK = 12,
  K_OUTCOME = 13,
  K_ON = 14,
  K_DETAIL = 15,
  K_CHANNEL = 16,
  K_MSG = 17,
  K_STREAM = 18,
  K_TEXT = 19,
  K_KIND = 20,
  K_MESSAGE = 21,
  K_MS = 22,
  K_COUNT = 23,
  K_DUR = 24,
  K_STEPTS = 25,
  K_STEPLINE = 26,
  K_AT = 27,
  K_SENT = 28,
  K_OP = 29,
  NKEYS = 30;
// Which JSON kind each slot must hold: 1 string, 2 number.
export const KEY_KIND = [1, 2, 1, 1, 1, 1, 1, 2, 1, 2, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1];
// String slots whose text is a value (arena), not an interned name.
export const IS_VALUE_SLOT = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
/** Fields each fast-path type may carry (bit per slot); anything else goes the generic way. */
const bits = (...k: number[]) => k.reduce((m, x) => m | (1 << x), 0);
const SITE = bits(K_TYPE, K_TS, K_FILE, K_LINE);
export const ALLOWED: number[] = [];
ALLOWED[TYPE_CODES.switch] = SITE | bits(K_FROM, K_TO, K_REASON, K_VALUE, K_TOFILE, K_TOLINE, K_DEPTH, K_FRAME);
ALLOWED[TYPE_CODES.end] = SITE | bits(K_TASK, K_OUTCOME, K_VALUE);
ALLOWED[TYPE_CODES.block] = SITE | bits(K_TASK, K_ON, K_DETAIL);
ALLOWED[TYPE_CODES.wake] = SITE | bits(K_TASK, K_ON, K_DETAIL);
ALLOWED[TYPE_CODES.send] = SITE | bits(K_TASK, K_CHANNEL, K_VALUE, K_MSG, K_STEPTS, K_STEPLINE, K_OP);
ALLOWED[TYPE_CODES.recv] = ALLOWED[TYPE_CODES.send];
ALLOWED[TYPE_CODES.output] = SITE | bits(K_TASK, K_STREAM, K_TEXT);
ALLOWED[TYPE_CODES.mark] = SITE | bits(K_KIND, K_MESSAGE, K_TASK, K_MS, K_COUNT);
export const REQUIRED: number[] = [];
REQUIRED[TYPE_CODES.switch] = bits(K_TS, K_FROM, K_TO, K_REASON);
REQUIRED[TYPE_CODES.end] = bits(K_TS, K_TASK, K_OUTCOME);
REQUIRED[TYPE_CODES.block] = bits(K_TS, K_TASK, K_ON);
REQUIRED[TYPE_CODES.wake] = REQUIRED[TYPE_CODES.block];
REQUIRED[TYPE_CODES.send] = bits(K_TS, K_TASK, K_CHANNEL);
REQUIRED[TYPE_CODES.recv] = REQUIRED[TYPE_CODES.send];
REQUIRED[TYPE_CODES.output] = bits(K_TS, K_TASK, K_STREAM, K_TEXT);
REQUIRED[TYPE_CODES.mark] = bits(K_TS, K_KIND, K_MESSAGE);
ALLOWED[RESUME] = REQUIRED[RESUME] = bits(K_TYPE, K_TS, K_TASK, K_LINE);
ALLOWED[SUSPEND] = REQUIRED[SUSPEND] = ALLOWED[RESUME];
REQUIRED[STEP] = bits(K_TYPE, K_TS, K_TASK, K_DUR, K_LINE);
ALLOWED[STEP] = REQUIRED[STEP] | bits(K_TOLINE);
REQUIRED[GRESUME] = bits(K_TYPE, K_TS, K_TASK, K_LINE, K_TOLINE);
ALLOWED[GRESUME] = REQUIRED[GRESUME] | bits(K_VALUE);
REQUIRED[GYIELD] = ALLOWED[GYIELD] = ALLOWED[GRESUME];
REQUIRED[GSTEP] = bits(K_TYPE, K_TS, K_DUR, K_TASK, K_LINE, K_TOLINE, K_AT, K_VALUE);
ALLOWED[GSTEP] = REQUIRED[GSTEP] | bits(K_SENT);

export const KEY_NAMES = [
  'type',
  'ts',
  'from',
  'to',
  'reason',
  'value',
  'file',
  'line',
  'toFile',
  'toLine',
  'depth',
  'frame',
  'task',
  'outcome',
  'on',
  'detail',
  'channel',
  'msg',
  'stream',
  'text',
  'kind',
  'message',
  'ms',
  'count',
  'dur',
  'stepTs',
  'stepLine',
  'at',
  'sent',
  'op',
];
export const KEY_QUOTED = KEY_NAMES.map((k) => `"${k}":`);
export const KEY_MASK = 255;
let shift = 0;
/** A collision-free hash table of the scanner's keys (the shift is chosen once, at load). */
export const KEY_TABLE = new Int8Array(KEY_MASK + 1);
for (shift = 0; shift < 32; shift++) {
  KEY_TABLE.fill(-1);
  let ok = true;
  KEY_NAMES.forEach((k, slot) => {
    let h = 0;
    for (let j = 0; j < k.length; j++) h = (h * 33 + k.charCodeAt(j)) | 0;
    const at = (h ^ (h >>> shift)) & KEY_MASK;
    if (KEY_TABLE[at] >= 0) ok = false;
    else KEY_TABLE[at] = slot;
  });
  if (ok) break;
}
export const KEY_SHIFT = shift;

/** `"name":` (at most 12 bytes) as three big-endian words and masks, for the byte scanner. */
export const KEY_W0 = new Int32Array(KEY_QUOTED.length),
  KEY_W1 = new Int32Array(KEY_QUOTED.length),
  KEY_W2 = new Int32Array(KEY_QUOTED.length);
export const KEY_M1 = new Int32Array(KEY_QUOTED.length),
  KEY_M2 = new Int32Array(KEY_QUOTED.length),
  KEY_LEN = new Int32Array(KEY_QUOTED.length);
KEY_QUOTED.forEach((k, i) => {
  const word = (at: number): [number, number] => {
    let w = 0,
      m = 0;
    for (let j = 0; j < 4; j++) {
      const on = at + j < k.length;
      w = (w << 8) | (on ? k.charCodeAt(at + j) : 0);
      m = (m << 8) | (on ? 255 : 0);
    }
    return [w | 0, m | 0];
  };
  if (k.length > 12 || k.length < 5) throw new Error(`key ${k}`);
  KEY_W0[i] = word(0)[0];
  [KEY_W1[i], KEY_M1[i]] = word(4);
  [KEY_W2[i], KEY_M2[i]] = word(8);
  KEY_LEN[i] = k.length;
});

export function sameKeyBytes(b: Uint8Array, from: number, to: number, slot: number): boolean {
  const k = KEY_NAMES[slot];
  if (k.length !== to - from) return false;
  for (let j = 0; j < k.length; j++) if (b[from + j] !== k.charCodeAt(j)) return false;
  return true;
}

export function sameKey(s: string, from: number, to: number, slot: number): boolean {
  const k = KEY_NAMES[slot];
  if (k.length !== to - from) return false;
  for (let j = 0; j < k.length; j++) if (s.charCodeAt(from + j) !== k.charCodeAt(j)) return false;
  return true;
}
