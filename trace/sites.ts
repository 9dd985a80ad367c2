// Sites: the (file, line) of an event and the (toFile, toLine, frame) where a
// switch resumes its target, interned as small ids (a program has few yield
// points), with a direct-mapped cache in front of each map because a trace
// revisits the same few sites.
export class SiteTable {
  /** Per site: the file's string id (-1 none), line (0 none), frame's string id (-1 none). */
  readonly file: number[] = [];
  readonly line: number[] = [];
  readonly frame: number[] = [];
  private readonly ids = new Map<number, number>();
  private readonly ids2 = new Map<number, number>();
  private readonly cache = new Int32Array(4096).fill(-1);
  private readonly cache2 = new Int32Array(4096).fill(-1);

  get count(): number {
    return this.file.length;
  }

  /** The site id of (file id, line). */
  of(fileId: number, line: number): number {
    const slot = (Math.imul(fileId + 1, 0x9e3779b1) ^ line) & 4095;
    const c = this.cache[slot];
    if (c >= 0 && this.line[c] === line && this.file[c] === fileId && this.frame[c] === -1) return c;
    const id = this.ofSlow(fileId, line);
    this.cache[slot] = id;
    return id;
  }

  private ofSlow(fileId: number, line: number): number {
    const key = (fileId + 1) * 4294967296 + (line >>> 0);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.file.length;
      this.file.push(fileId);
      this.line.push(line);
      this.frame.push(-1);
      this.ids.set(key, id);
    }
    return id;
  }

  /** The site id of (file id, line, frame id); the plain (file, line) site when there is no frame. */
  of2(fileId: number, line: number, frameId: number): number {
    const base = this.of(fileId, line);
    if (frameId < 0) return base;
    const slot = (Math.imul(base + 1, 0x85ebca6b) ^ frameId) & 4095;
    const c = this.cache2[slot];
    if (c >= 0 && this.frame[c] === frameId && this.line[c] === line && this.file[c] === fileId) return c;
    const key = base * 2097152 + frameId;
    let id = this.ids2.get(key);
    if (id === undefined) {
      id = this.file.length;
      this.file.push(fileId);
      this.line.push(line);
      this.frame.push(frameId);
      this.ids2.set(key, id);
    }
    this.cache2[slot] = id;
    return id;
  }

  /** Site ids whose file and line match (file compared as given, and by trailing path when one side is relative). */
  at(file: string, line: number, strings: readonly string[]): Set<number> {
    const out = new Set<number>();
    const norm = (f: string) => f.replace(/\\/g, '/');
    const want = norm(file);
    for (let s = 0; s < this.file.length; s++) {
      if (this.line[s] !== line || this.file[s] < 0) continue;
      const f = norm(strings[this.file[s]]);
      if (f === want || f.endsWith('/' + want) || want.endsWith('/' + f)) out.add(s);
    }
    return out;
  }
}
