// The value arena: event values (which may all differ) copied as bytes into
// 1 MB chunks instead of becoming JS strings. An entry is a 16-bit header
// (length, bit 15 = two bytes per code unit) then the code units; a value's
// id is its offset. A small direct-mapped cache dedups repeated values.
import { scratchString } from './json-chars';

const ARENA_SHIFT = 20;
export const ARENA_CHUNK = 1 << ARENA_SHIFT;
const ARENA_MASK = ARENA_CHUNK - 1;
/** Longest value kept in the arena (UTF-16 code units); longer ones are interned. */
export const ARENA_MAX = 0x7fff;
const DEDUP_SIZE = 1 << 13;

export class ValueArena {
  private chunks: (Uint8Array | undefined)[] = [];
  private pos = ARENA_CHUNK; // forces a first chunk
  private readonly dedup = new Int32Array(DEDUP_SIZE).fill(-1);
  /** Chunks let go, for reuse (a streaming reader then allocates none). */
  private readonly spare: Uint8Array[] = [];
  /** Chunks below this one were let go (`releaseBefore`). */
  private firstChunk = 0;

  get byteLength(): number {
    return (this.chunks.length - this.firstChunk) * ARENA_CHUNK;
  }

  /** Offset where the chunk being filled starts (values from here on stay when older chunks are let go). */
  get currentStart(): number {
    return Math.max(0, this.chunks.length - 1) * ARENA_CHUNK;
  }

  /** Copies the value at `off` to the end of the arena; returns its new offset. */
  move(off: number): number {
    const a = this.chunks[off >>> ARENA_SHIFT]!;
    const p = off & ARENA_MASK;
    const hdr = a[p] | (a[p + 1] << 8);
    const bytes = 2 + ((hdr & 0x8000) !== 0 ? (hdr & 0x7fff) * 2 : hdr & 0x7fff);
    if (this.pos + bytes > ARENA_CHUNK) {
      this.chunks.push(this.spare.pop() ?? new Uint8Array(ARENA_CHUNK));
      this.pos = 0;
    }
    const ci = this.chunks.length - 1;
    this.chunks[ci]!.set(a.subarray(p, p + bytes), this.pos);
    const at = ci * ARENA_CHUNK + this.pos;
    this.pos += bytes;
    return at;
  }

  /** Lets go of the chunks wholly below offset `off` (never the one being filled); the dedup cache forgets them. */
  releaseBefore(off: number): void {
    const upto = Math.min(Math.floor(off / ARENA_CHUNK), this.chunks.length - 1);
    if (upto <= this.firstChunk) return;
    for (let c = this.firstChunk; c < upto; c++) {
      if (this.spare.length < 2) this.spare.push(this.chunks[c]!);
      this.chunks[c] = undefined;
    }
    this.firstChunk = upto;
    const min = upto * ARENA_CHUNK;
    for (let k = 0; k < DEDUP_SIZE; k++) if (this.dedup[k] < min) this.dedup[k] = -1;
  }

  /** Store the ASCII bytes b[from, to) (FNV hash h; at most ARENA_MAX of them): dedup, then a straight copy. */
  storeAscii(b: Uint8Array, from: number, to: number, h: number): number {
    const len = to - from;
    const slot = (h ^ (h >>> 13)) & (DEDUP_SIZE - 1);
    const prev = this.dedup[slot];
    if (prev >= 0) {
      const pa = this.chunks[prev >>> ARENA_SHIFT]!;
      let q = prev & ARENA_MASK;
      if ((pa[q] | (pa[q + 1] << 8)) === len) {
        q += 2;
        let k = 0;
        while (k < len && pa[q + k] === b[from + k]) k++;
        if (k === len) return prev;
      }
    }
    if (this.pos + 2 + len > ARENA_CHUNK) {
      this.chunks.push(this.spare.pop() ?? new Uint8Array(ARENA_CHUNK));
      this.pos = 0;
    }
    const ci = this.chunks.length - 1;
    const a = this.chunks[ci]!;
    const p = this.pos;
    const off = ci * ARENA_CHUNK + p;
    a[p] = len & 255;
    a[p + 1] = len >>> 8;
    if (len < 16) for (let k = 0; k < len; k++) a[p + 2 + k] = b[from + k];
    else a.set(b.subarray(from, to), p + 2);
    this.pos = p + 2 + len;
    this.dedup[slot] = off;
    return off;
  }

  /** Store the UTF-16 code units buf[0, len) (FNV hash h; len ≤ ARENA_MAX). */
  storeUnits(buf: Uint16Array, len: number, h: number): number {
    const slot = (h ^ (h >>> 13)) & (DEDUP_SIZE - 1);
    const prev = this.dedup[slot];
    if (prev >= 0 && this.equals(prev, buf, len)) return prev;
    let wide = false;
    for (let k = 0; k < len; k++)
      if (buf[k] > 255) {
        wide = true;
        break;
      }
    const bytes = 2 + (wide ? len * 2 : len);
    if (this.pos + bytes > ARENA_CHUNK) {
      this.chunks.push(this.spare.pop() ?? new Uint8Array(ARENA_CHUNK));
      this.pos = 0;
    }
    const ci = this.chunks.length - 1;
    const a = this.chunks[ci]!;
    let p = this.pos;
    const off = ci * ARENA_CHUNK + p;
    const hdr = len | (wide ? 0x8000 : 0);
    a[p++] = hdr & 255;
    a[p++] = hdr >>> 8;
    if (wide)
      for (let k = 0; k < len; k++) {
        a[p++] = buf[k] & 255;
        a[p++] = buf[k] >>> 8;
      }
    else for (let k = 0; k < len; k++) a[p++] = buf[k];
    this.pos = p;
    this.dedup[slot] = off;
    return off;
  }

  private equals(off: number, buf: Uint16Array, len: number): boolean {
    const a = this.chunks[off >>> ARENA_SHIFT]!;
    let p = off & ARENA_MASK;
    const hdr = a[p] | (a[p + 1] << 8);
    p += 2;
    if ((hdr & 0x7fff) !== len) return false;
    if (hdr & 0x8000) {
      for (let k = 0; k < len; k++, p += 2) if ((a[p] | (a[p + 1] << 8)) !== buf[k]) return false;
    } else for (let k = 0; k < len; k++) if (a[p + k] !== buf[k]) return false;
    return true;
  }

  /** The raw entry at `off` (its 2-byte header and code units), for the column codec (trace/column-block.ts). */
  entry(off: number): Uint8Array {
    const a = this.chunks[off >>> ARENA_SHIFT]!;
    const p = off & ARENA_MASK;
    const hdr = a[p] | (a[p + 1] << 8);
    return a.subarray(p, p + 2 + ((hdr & 0x8000) !== 0 ? (hdr & 0x7fff) * 2 : hdr & 0x7fff));
  }

  /** Appends a raw entry as `entry` gives it (no dedup: the codec sends each value once per block); returns its offset. */
  storeEntry(src: Uint8Array): number {
    if (this.pos + src.length > ARENA_CHUNK) {
      this.chunks.push(this.spare.pop() ?? new Uint8Array(ARENA_CHUNK));
      this.pos = 0;
    }
    const ci = this.chunks.length - 1;
    this.chunks[ci]!.set(src, this.pos);
    const off = ci * ARENA_CHUNK + this.pos;
    this.pos += src.length;
    return off;
  }

  /** The value stored at `off`. */
  string(off: number): string {
    const a = this.chunks[off >>> ARENA_SHIFT]!;
    let p = off & ARENA_MASK;
    const hdr = a[p] | (a[p + 1] << 8);
    p += 2;
    const len = hdr & 0x7fff;
    if (hdr & 0x8000) {
      const u = new Uint16Array(len);
      for (let k = 0; k < len; k++, p += 2) u[k] = a[p] | (a[p + 1] << 8);
      return scratchString(u, len);
    }
    return scratchString(a.subarray(p, p + len), len);
  }
}
