// Interning: each distinct name (event types, task ids, reasons, files…) is
// stored once and referred to by a small integer id. An open-addressing FNV
// hash table finds a name from a JS string, from ASCII bytes in place or from
// UTF-16 code units, without making a string unless the name is new.
import { scratchString } from './json-chars';

export class StringTable {
  /** The names by id (the store reads them directly). */
  readonly list: string[] = [];
  /** Per id: the store's lane of that task id (-1 unknown), so the scanners map a task id to its lane with one load. */
  readonly lane: number[] = [];
  private hashes: number[] = [];
  private table = new Int32Array(1024).fill(-1);
  /** Where the probe of `first`/`next` stands in the table (a free slot once they return -1). */
  private slot = 0;

  get tableBytes(): number {
    return this.table.byteLength;
  }

  /** Intern the ASCII bytes b[from, to) (FNV hash h, as `intern` computes it) without making a string unless it is new. */
  internBytes(b: Uint8Array, from: number, to: number, h: number): number {
    const len = to - from;
    for (let id = this.first(h, len); id >= 0; id = this.next(h, len)) {
      const str = this.list[id];
      let k = 0;
      while (k < len && str.charCodeAt(k) === b[from + k]) k++;
      if (k === len) return id;
    }
    return this.add(scratchString(b.subarray(from, to), len), h);
  }

  /** Intern the string in buf[0, len) (FNV hash h). */
  internUnits(buf: Uint16Array, len: number, h: number): number {
    for (let id = this.first(h, len); id >= 0; id = this.next(h, len)) {
      const str = this.list[id];
      let k = 0;
      while (k < len && str.charCodeAt(k) === buf[k]) k++;
      if (k === len) return id;
    }
    return this.add(scratchString(buf, len), h);
  }

  /** Intern s[from, to) (no escapes in it) without making a string unless it is new. */
  internRange(s: string, from: number, to: number): number {
    const h = hashRange(s, from, to);
    const len = to - from;
    for (let id = this.first(h, len); id >= 0; id = this.next(h, len)) if (s.startsWith(this.list[id], from)) return id;
    // A fresh flat copy: a slice would keep the whole chunk alive.
    return this.add((' ' + s.slice(from, to)).slice(1), h);
  }

  /** Intern a JS string. */
  intern(str: string): number {
    const h = hashRange(str, 0, str.length);
    for (let id = this.first(h, str.length); id >= 0; id = this.next(h, str.length)) if (this.list[id] === str) return id;
    return this.add(str, h);
  }

  /** The first id whose name has hash h and length len (the callers compare the text), or -1: none. */
  private first(h: number, len: number): number {
    this.slot = h & (this.table.length - 1);
    return this.probe(h, len);
  }

  /** The next such id after the last one `first`/`next` returned, or -1: none. */
  private next(h: number, len: number): number {
    this.slot = (this.slot + 1) & (this.table.length - 1);
    return this.probe(h, len);
  }

  private probe(h: number, len: number): number {
    const table = this.table;
    const mask = table.length - 1;
    let slot = this.slot;
    for (;;) {
      const id = table[slot];
      if (id < 0 || (this.hashes[id] === h && this.list[id].length === len)) {
        this.slot = slot;
        return id;
      }
      slot = (slot + 1) & mask;
    }
  }

  private add(str: string, h: number): number {
    const id = this.list.length;
    this.list.push(str);
    this.hashes.push(h);
    this.lane.push(-1);
    if (this.list.length * 2 > this.table.length) {
      const t = new Int32Array(this.table.length * 2).fill(-1);
      const m = t.length - 1;
      for (let j = 0; j < this.list.length; j++) {
        let slot = this.hashes[j] & m;
        while (t[slot] >= 0) slot = (slot + 1) & m;
        t[slot] = j;
      }
      this.table = t;
    } else {
      const m = this.table.length - 1;
      let slot = h & m;
      while (this.table[slot] >= 0) slot = (slot + 1) & m;
      this.table[slot] = id;
    }
    return id;
  }
}

/** The FNV-1a hash of s[from, to)'s code units (the byte scanner computes the same over ASCII bytes). */
function hashRange(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let k = from; k < to; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return h | 0;
}
