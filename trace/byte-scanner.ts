// The byte scanner, for the runtime's own lines: compact JSON, ASCII only (the
// runtime escapes the rest), plain integers, keys in the runtime's fixed order
// per type. It reads a line's fields straight from UTF-8 bytes into the
// ScanState's registers and hands them to the store's `commit`; anything it
// does not recognise is left to the text scanner, then JSON.parse.
import { LAST_TYPE, NO_TYPE } from './type-codes';
import {
  IS_VALUE_SLOT,
  KEY_KIND,
  KEY_LEN,
  KEY_M1,
  KEY_M2,
  KEY_MASK,
  KEY_SHIFT,
  KEY_TABLE,
  KEY_W0,
  KEY_W1,
  KEY_W2,
  K_TYPE,
  NKEYS,
  sameKeyBytes,
} from './scan-keys';
import { PLAIN } from './json-chars';
import { CAND_MAX, type ScanState } from './scan-state';
import type { StringTable } from './strings';

/** Names remembered per field. */
const WAYS = 4;

/** Stores the scanned line (fields in the ScanState; values in `s`, or in its byte window when s is null); false: not a plain event. */
export type Commit = (seen: number, s: string | null) => boolean;

export class ByteScanner {
  // The recent names: WAYS per field, their bytes (CAND_MAX each), length (0: empty) and string id.
  private readonly candBuf = new Uint8Array(NKEYS * WAYS * CAND_MAX);
  private readonly candView = new DataView(this.candBuf.buffer);
  private readonly candLen = new Int32Array(NKEYS * WAYS);
  private readonly candId = new Int32Array(NKEYS * WAYS);
  private readonly candNext = new Uint8Array(NKEYS);
  /** The last two keys that followed key k (-1: the line's start) in lines of type t (NO_TYPE: before "type"), at ((t × (NKEYS + 1)) + k + 1) × 2. */
  private readonly keyPred = new Int8Array((NO_TYPE + 1) * (NKEYS + 1) * 2).fill(-1);

  constructor(
    private readonly st: ScanState,
    private readonly names: StringTable,
    private readonly commit: Commit,
  ) {}

  /**
   * Scans the line from b[p] (b is the ScanState's window) to a line feed or the sentinel. Keys are predicted from
   * the last line of the same type; names (type, task ids, reasons, files…) are compared in place with the last
   * few seen in that field before any hashing; values are hashed while scanned (copied into the arena at commit).
   * Returns the index of the line's line feed (or of the sentinel) when it stored the event, else -1: anything
   * else (whitespace, non-ASCII, fractions, unknown keys…) goes to the text scanner, then JSON.parse, so every
   * path accepts exactly what JSON.parse + validateEvent accept.
   */
  scan(b: Uint8Array, p: number): number {
    if (b[p] !== 123 /* { */) return -1;
    p++;
    const st = this.st;
    const fStart = st.fStart,
      fEnd = st.fEnd,
      fNum = st.fNum,
      fStr = st.fStr,
      fHash = st.fHash,
      fEsc = st.fEsc;
    const keyPred = this.keyPred,
      candLen = this.candLen,
      candBuf = this.candBuf,
      candId = this.candId,
      candView = this.candView;
    const dv = st.bytesView;
    let seen = 0;
    let prev = -1;
    for (;;) {
      let c = b[p];
      if (c === 125 /* } */) {
        p++;
        break;
      }
      if (seen !== 0) {
        if (c !== 44 /* , */) return -1;
        c = b[++p];
      }
      if (c !== 34 /* " */) return -1;
      // The key: the runtime writes the keys of a type in one order, optional ones left out, so try the
      // two keys that followed the previous key in lines of this type (`"name":` compared 4 bytes at a time).
      const oi = ((seen & 1 ? fStr[K_TYPE] : NO_TYPE) * (NKEYS + 1) + prev + 1) * 2;
      let key = -1;
      for (let w = 0; w < 2; w++) {
        const guess = keyPred[oi + w];
        if (guess < 0 || (seen & (1 << guess)) !== 0) continue;
        // Three big-endian words, the bytes past the key masked off (the buffer has slack after the line).
        if (
          dv.getInt32(p) === KEY_W0[guess] &&
          (dv.getInt32(p + 4) & KEY_M1[guess]) === KEY_W1[guess] &&
          (dv.getInt32(p + 8) & KEY_M2[guess]) === KEY_W2[guess]
        ) {
          key = guess;
          p += KEY_LEN[guess];
          break;
        }
      }
      if (key < 0) {
        const ks = ++p;
        let kh = 0;
        let x = b[p];
        while (PLAIN[x] === 1) {
          kh = (kh * 33 + x) | 0;
          x = b[++p];
        }
        if (x !== 34) return -1;
        key = KEY_TABLE[(kh ^ (kh >>> KEY_SHIFT)) & KEY_MASK];
        if (key < 0 || (seen & (1 << key)) !== 0 || !sameKeyBytes(b, ks, p, key)) return -1;
        keyPred[oi + 1] = keyPred[oi];
        keyPred[oi] = key;
        if (b[++p] !== 58 /* : */) return -1;
        p++;
      }
      prev = key;
      c = b[p];
      if (c === 34) {
        if (KEY_KIND[key] !== 1) return -1;
        const vs = ++p;
        if (IS_VALUE_SLOT[key]) {
          let h = 0x811c9dc5;
          let x = b[p];
          while (PLAIN[x] === 1) {
            h = Math.imul(h ^ x, 0x01000193);
            x = b[++p];
          }
          fStart[key] = vs;
          if (x === 34) {
            fEnd[key] = p;
            fHash[key] = h;
            fEsc[key] = 0;
          } else if (x === 92) {
            const close = st.unescapeBytes(b, vs);
            if (close < 0) return -1;
            fEnd[key] = p = close;
            fEsc[key] = 1;
          } else return -1;
          p++;
        } else {
          // A name: compare in place with the last few of this field (a quick look at the byte that
          // must be the closing quote first), then hash + intern on a miss.
          let id = -1;
          const base = key * WAYS;
          for (let j = 0; j < WAYS; j++) {
            const len = candLen[base + j];
            if (len === 0 || b[p + len] !== 34) continue;
            const off = (base + j) * CAND_MAX;
            let k = 0;
            while (k + 4 <= len && dv.getInt32(p + k) === candView.getInt32(off + k)) k += 4;
            while (k < len && b[p + k] === candBuf[off + k]) k++;
            if (k === len) {
              id = candId[base + j];
              p += len + 1;
              break;
            }
          }
          if (id < 0) {
            let h = 0x811c9dc5;
            let x = b[p];
            while (PLAIN[x] === 1) {
              h = Math.imul(h ^ x, 0x01000193);
              x = b[++p];
            }
            if (x === 34) {
              id = this.names.internBytes(b, vs, p, h | 0);
              this.remember(key, b, vs, p, id);
            } else if (x === 92) {
              const close = st.unescapeBytes(b, vs);
              if (close < 0) return -1;
              id = this.names.internUnits(st.scratch, st.scratchLen, st.scratchHash);
              p = close;
            } else return -1;
            p++;
          }
          fStr[key] = id;
          if (key === K_TYPE && id > LAST_TYPE) return -1; // header, unknown types: the generic path decides
        }
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        if (KEY_KIND[key] !== 2) return -1;
        const neg = c === 45;
        if (neg) p++;
        const ds = p;
        let v = 0;
        let d = b[p] - 48;
        while (d >= 0 && d <= 9) {
          v = v * 10 + d;
          d = b[++p] - 48;
        }
        const nd = p - ds;
        // Fractions, exponents, long or malformed numbers: the text scanner.
        if (nd === 0 || nd > 15 || (nd > 1 && b[ds] === 48) || d === 46 - 48 || d === 101 - 48 || d === 69 - 48) return -1;
        fNum[key] = neg ? -v : v;
      } else {
        return -1; // whitespace, null, booleans, objects, arrays
      }
      seen |= 1 << key;
    }
    let c = b[p];
    if (c === 13) c = b[++p];
    if (c !== 10 || !this.commit(seen, null)) return -1;
    return p;
  }

  /** Keep name bytes b[from, to) (interned as id) among the last WAYS of field `key`. */
  private remember(key: number, b: Uint8Array, from: number, to: number, id: number): void {
    const len = to - from;
    if (len === 0 || len > CAND_MAX) return;
    const j = key * WAYS + this.candNext[key];
    this.candNext[key] = (this.candNext[key] + 1) % WAYS;
    const buf = this.candBuf,
      off = j * CAND_MAX;
    for (let k = 0; k < len; k++) buf[off + k] = b[from + k];
    this.candLen[j] = len;
    this.candId[j] = id;
  }
}
