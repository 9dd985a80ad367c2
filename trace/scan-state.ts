// What the scan of one line leaves for the store to commit: the field
// registers (per key slot: where its text is, its number, its interned id,
// its hash), the byte window the line was copied into, and the scratch
// buffer that JSON strings with escapes are unescaped into (from bytes or
// from a string).
import { ESC_U, ESCAPED, hexValue } from './json-chars';
import { NKEYS } from './scan-keys';

/** Text is encoded to bytes in windows of about this many UTF-16 code units (whole lines). */
export const WINDOW = 1 << 16;
/** Names remembered per field by the byte scanner, and the longest one remembered. */
export const CAND_MAX = 256;
/** Room after the encoded bytes: the sentinel, and the byte name candidates peek at. */
export const BYTE_SLACK = CAND_MAX + 64;

export class ScanState {
  readonly fStart = new Int32Array(NKEYS);
  readonly fEnd = new Int32Array(NKEYS);
  readonly fNum = new Float64Array(NKEYS);
  readonly fStr = new Int32Array(NKEYS);
  readonly fHash = new Int32Array(NKEYS);
  readonly fEsc = new Uint8Array(NKEYS);
  /** The window of lines being scanned (bytes), and a view for comparing 4 bytes at a time. */
  bytes = new Uint8Array(3 * WINDOW + BYTE_SLACK);
  bytesView = new DataView(this.bytes.buffer);
  scratch = new Uint16Array(256);
  scratchLen = 0;
  scratchHash = 0;
  /** Next backslash at or after the scan position of the text scanner's line (-1: none, -2: not looked yet), so escape-free strings skip decoding. */
  bsNext = -1;

  /** A byte window of at least `len` bytes (contents not kept). */
  growBytes(len: number): Uint8Array {
    this.bytes = new Uint8Array(len);
    this.bytesView = new DataView(this.bytes.buffer);
    return this.bytes;
  }

  /** Room for `len` code units in `scratch` (contents not kept). */
  scratchFor(len: number): Uint16Array {
    if (len > this.scratch.length) this.scratch = new Uint16Array(len * 2);
    return this.scratch;
  }

  /** Decode the JSON string whose text starts at b[p] into `scratch`; returns the closing quote's index or -1 (also for non-ASCII). */
  unescapeBytes(b: Uint8Array, p: number): number {
    let buf = this.scratch;
    let n = 0;
    let h = 0x811c9dc5;
    for (;;) {
      let c = b[p++];
      if (c === 34) return this.unescaped(n, h, p - 1);
      if (c < 32 || c >= 128) return -1;
      if (c === 92) {
        c = ESCAPED[b[p++]];
        if (c === ESC_U) {
          c = hex4(b[p], b[p + 1], b[p + 2], b[p + 3]);
          p += 4;
        }
        if (c < 0) return -1;
      }
      if (n === buf.length) buf = this.growScratch();
      buf[n++] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
  }

  /** Decode the JSON string of s starting after its opening quote into `scratch`; returns the closing quote's index or -1. */
  unescape(s: string, p: number, end: number): number {
    let buf = this.scratch;
    let n = 0;
    let h = 0x811c9dc5;
    while (p < end) {
      let c = s.charCodeAt(p++);
      if (c === 34) return this.unescaped(n, h, p - 1);
      if (c === 92) {
        if (p >= end) return -1;
        const e = s.charCodeAt(p++);
        c = e < 256 ? ESCAPED[e] : -1;
        if (c === ESC_U) {
          if (p + 4 > end) return -1;
          c = hex4(s.charCodeAt(p), s.charCodeAt(p + 1), s.charCodeAt(p + 2), s.charCodeAt(p + 3));
          p += 4;
        }
        if (c < 0) return -1;
      } else if (c < 32) return -1;
      if (n === buf.length) buf = this.growScratch();
      buf[n++] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    return -1;
  }

  /** The end of an unescape: `scratch` holds n code units hashing to h; returns the closing quote's index. */
  private unescaped(n: number, h: number, close: number): number {
    this.scratchLen = n;
    this.scratchHash = h | 0;
    return close;
  }

  /** `scratch` twice as long, its contents kept. */
  private growScratch() {
    const nb = new Uint16Array(this.scratch.length * 2);
    nb.set(this.scratch);
    this.scratch = nb;
    return nb;
  }
}

/** The code unit of a `\u` escape's four hex digits, -1 if one is not a hex digit. */
function hex4(a: number, b: number, c: number, d: number): number {
  const x = hexValue(a);
  const y = hexValue(b);
  const z = hexValue(c);
  const w = hexValue(d);
  return (x | y | z | w) < 0 ? -1 : (x << 12) | (y << 8) | (z << 4) | w;
}
