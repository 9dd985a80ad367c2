// The text scanner: the same fields as the byte scanner, from a JS string, for
// the lines the byte scanner leaves (whitespace, non-ASCII text, fractions,
// escaped names…) and for text fed with `appendText`. It accepts any JSON
// object of a plain event in any key order; what it does not recognise goes
// to JSON.parse + validateEvent.
import { LAST_TYPE, NO_TYPE } from './type-codes';
import { IS_VALUE_SLOT, KEY_KIND, KEY_MASK, KEY_QUOTED, KEY_SHIFT, KEY_TABLE, K_TYPE, NKEYS, sameKey } from './scan-keys';
import { isJsonNumber, isWs } from './json-chars';
import type { Commit } from './byte-scanner';
import type { ScanState } from './scan-state';
import type { StringTable } from './strings';

export class TextScanner {
  private readonly lastStr: string[] = new Array<string>(NKEYS).fill('\u0000');
  private readonly lastId = new Int32Array(NKEYS);
  /** Key slot seen at each position of the last line of each type (index type × NKEYS + position; NO_TYPE: before "type"). */
  private readonly keyOrder = new Int8Array((NO_TYPE + 1) * NKEYS).fill(-1);

  constructor(
    private readonly st: ScanState,
    private readonly names: StringTable,
    private readonly commit: Commit,
  ) {}

  /** Scans s[p, end) (one line): true when the line was blank or a plain event it stored; false sends it the generic way. */
  scan(s: string, p: number, end: number): boolean {
    while (p < end && isWs(s.charCodeAt(p))) p++;
    if (p >= end) return true;
    if (s.charCodeAt(p) !== 123 /* { */) return false;
    p++;
    const st = this.st;
    const fStart = st.fStart,
      fEnd = st.fEnd,
      fNum = st.fNum,
      fStr = st.fStr;
    let seen = 0;
    let pos = 0;
    for (;;) {
      while (p < end && isWs(s.charCodeAt(p))) p++;
      let c = s.charCodeAt(p);
      if (c === 125 /* } */) {
        p++;
        break;
      }
      if (seen !== 0) {
        if (c !== 44 /* , */) return false;
        p++;
        while (p < end && isWs(s.charCodeAt(p))) p++;
        c = s.charCodeAt(p);
      }
      if (c !== 34 /* " */) return false;
      // Key: the runtime writes the keys of a type in one order, so first try the key that
      // came at this position in the last line of the same type (one native compare of
      // `"name":`); otherwise hash while looking for the closing quote and verify the spelling.
      const oi = (seen & 1 ? fStr[K_TYPE] : NO_TYPE) * NKEYS + pos;
      const guess = this.keyOrder[oi];
      let key: number;
      if (guess >= 0 && (seen & (1 << guess)) === 0 && s.startsWith(KEY_QUOTED[guess], p)) {
        key = guess;
        p += KEY_QUOTED[guess].length;
      } else {
        const ks = ++p;
        let kh = 0;
        while (p < end) {
          const x = s.charCodeAt(p);
          if (x === 34 || x === 92) break;
          kh = (kh * 33 + x) | 0;
          p++;
        }
        if (s.charCodeAt(p) !== 34) return false;
        const ke = p;
        key = KEY_TABLE[(kh ^ (kh >>> KEY_SHIFT)) & KEY_MASK];
        if (key < 0 || (seen & (1 << key)) !== 0 || !sameKey(s, ks, ke, key)) return false;
        if (oi < this.keyOrder.length) this.keyOrder[oi] = key;
        p = ke + 1;
        while (p < end && isWs(s.charCodeAt(p))) p++;
        if (s.charCodeAt(p) !== 58 /* : */) return false;
        p++;
      }
      pos++;
      while (p < end && isWs(s.charCodeAt(p))) p++;
      c = s.charCodeAt(p);
      if (c === 34) {
        if (KEY_KIND[key] !== 1) return false;
        let close = s.indexOf('"', p + 1);
        if (close < 0 || close >= end) return false;
        if (st.bsNext !== -1 && st.bsNext < p) st.bsNext = s.indexOf('\\', p);
        const escaped = st.bsNext !== -1 && st.bsNext < close;
        if (escaped) {
          close = st.unescape(s, p + 1, end);
          if (close < 0) return false;
          if (!IS_VALUE_SLOT[key]) {
            fStr[key] = this.names.internUnits(st.scratch, st.scratchLen, st.scratchHash);
            if (key === K_TYPE && fStr[key] > LAST_TYPE) return false;
          }
        } else {
          // Raw control characters are not JSON.
          for (let k = p + 1; k < close; k++) if (s.charCodeAt(k) < 32) return false;
        }
        if (!escaped && !IS_VALUE_SLOT[key]) {
          // Names repeat from line to line (type, reason, file, task ids): compare with the last one first.
          const last = this.lastStr[key];
          if (last.length === close - p - 1 && s.startsWith(last, p + 1)) fStr[key] = this.lastId[key];
          else {
            const id = this.names.internRange(s, p + 1, close);
            fStr[key] = id;
            this.lastStr[key] = this.names.list[id];
            this.lastId[key] = id;
          }
          if (key === K_TYPE && fStr[key] > LAST_TYPE) return false; // header, unknown types: the generic path decides
        }
        if (IS_VALUE_SLOT[key]) {
          fStart[key] = p + 1;
          fEnd[key] = escaped ? -close : close;
        }
        p = close + 1;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        if (KEY_KIND[key] !== 2) return false;
        let q = p;
        let v = 0;
        let neg = false;
        if (c === 45) {
          neg = true;
          q++;
        }
        const ds = q;
        while (q < end) {
          const d = s.charCodeAt(q);
          if (d < 48 || d > 57) break;
          v = v * 10 + (d - 48);
          q++;
        }
        if (q === ds) return false;
        const d = s.charCodeAt(q);
        if (d === 46 || d === 101 || d === 69 || q - ds > 15 || (q - ds > 1 && s.charCodeAt(ds) === 48)) {
          // Fractions, exponents and very long integers: let the engine parse them exactly (JSON's grammar only).
          while (q < end) {
            const x = s.charCodeAt(q);
            if (!((x >= 48 && x <= 57) || x === 46 || x === 101 || x === 69 || x === 43 || x === 45)) break;
            q++;
          }
          if (!isJsonNumber(s, p, q)) return false;
          v = Number(s.slice(p, q));
          if (!Number.isFinite(v)) return false;
        } else if (neg) v = -v;
        fNum[key] = v;
        p = q;
      } else {
        return false; // null, booleans, objects, arrays: rare here, generic path
      }
      seen |= 1 << key;
    }
    while (p < end && isWs(s.charCodeAt(p))) p++;
    if (p !== end) return false;
    return this.commit(seen, s);
  }
}
