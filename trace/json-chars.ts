// Character-level helpers of the JSON scanners: which bytes stand for
// themselves in a string, JSON whitespace and numbers, and turning bytes or
// UTF-16 code units back into flat strings.

/** Bytes that can stand for themselves inside a JSON string in the byte scanner (not a quote, backslash, control or non-ASCII byte). */
export const PLAIN = new Uint8Array(256);
for (let c = 32; c < 128; c++) PLAIN[c] = c === 34 || c === 92 ? 0 : 1;

/** What the escape `\X` in a JSON string stands for, by X: the character's code, ESC_U for `\u` (four hex digits follow), -1 for none. */
export const ESCAPED = new Int32Array(256).fill(-1);
export const ESC_U = -2;
for (const [x, c] of [
  [34, 34], // \"
  [92, 92], // \\
  [47, 47], // \/
  [98, 8], // \b
  [102, 12], // \f
  [110, 10], // \n
  [114, 13], // \r
  [116, 9], // \t
  [117, ESC_U], // \u
])
  ESCAPED[x] = c;

/** The value of a hex digit's character code, -1 for any other (NaN included). */
export function hexValue(x: number): number {
  return x >= 48 && x <= 57 ? x - 48 : x >= 97 && x <= 102 ? x - 87 : x >= 65 && x <= 70 ? x - 55 : -1;
}

/** JSON whitespace inside a line. */
export function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** s[from, to) is a JSON number (-?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?). */
export function isJsonNumber(s: string, from: number, to: number): boolean {
  let p = from;
  const digits = () => {
    const q = p;
    while (p < to) {
      const c = s.charCodeAt(p);
      if (c < 48 || c > 57) break;
      p++;
    }
    return p - q;
  };
  if (s.charCodeAt(p) === 45) p++;
  if (s.charCodeAt(p) === 48) p++;
  else if (digits() === 0) return false;
  if (p < to && s.charCodeAt(p) === 46) {
    p++;
    if (digits() === 0) return false;
  }
  if (p < to && (s.charCodeAt(p) === 101 || s.charCodeAt(p) === 69)) {
    p++;
    if (p < to && (s.charCodeAt(p) === 43 || s.charCodeAt(p) === 45)) p++;
    if (digits() === 0) return false;
  }
  return p === to;
}

/** A copy of src[from, to) as a plain Uint8Array (a Node Buffer's `slice` would be a view). */
export function copyBytes(src: Uint8Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from);
  out.set(src.subarray(from, to));
  return out;
}

/** A flat string from UTF-16 code units (chunked: `apply` has an argument limit). */
export function scratchString(buf: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, len: number): string {
  if (len <= 4096) return String.fromCharCode.apply(null, buf.subarray(0, len) as unknown as number[]);
  let out = '';
  for (let k = 0; k < len; k += 4096) out += String.fromCharCode.apply(null, buf.subarray(k, Math.min(len, k + 4096)) as unknown as number[]);
  return out;
}
