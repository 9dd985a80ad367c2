// Line framing: JSON Lines arrive in chunks (text or UTF-8 bytes) cut
// anywhere — inside a line, inside a multi-byte character. The framer keeps
// the partial trailing line until its newline arrives, counts lines (for the
// problem reports), and passes whole lines in windows to the scanners: each
// line to the byte scanner, else (decoded) to the text scanner, else to
// `generic` (JSON.parse + validateEvent).
import { copyBytes } from './json-chars';
import type { ByteScanner } from './byte-scanner';
import { BYTE_SLACK, WINDOW, type ScanState } from './scan-state';
import type { TextScanner } from './text-scanner';

/** Longer windows (a single huge line) are scanned as strings. */
const MAX_WINDOW = 1 << 24;

export class LineFramer {
  /** Lines seen so far (1-based number of the line being scanned). */
  lineNo = 0;
  private pending = '';
  /** appendBytes: the partial trailing line's bytes (pieces, joined when its newline arrives). */
  private pendingBytes: Uint8Array[] = [];
  private pendingByteLen = 0;
  private readonly enc = new TextEncoder();
  /** Lines the byte scanner hands to the string paths (BOM kept, as in text). */
  private readonly dec = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(
    private readonly st: ScanState,
    private readonly bytesScan: ByteScanner,
    private readonly textScan: TextScanner,
    private readonly generic: (line: string) => void,
  ) {}

  /** Feed raw JSON Lines text; partial trailing lines are kept until the next call. */
  appendText(chunk: string): void {
    if (this.pendingByteLen > 0) this.pending += this.dec.decode(this.takePendingBytes());
    const firstNl = chunk.indexOf('\n');
    if (firstNl < 0) {
      this.pending += chunk;
      return;
    }
    if (this.pending) {
      const head = this.pending + chunk.slice(0, firstNl);
      this.pending = '';
      this.scanLines(head, 0, head.length);
    } else {
      this.scanLines(chunk, 0, firstNl);
    }
    const lastNl = chunk.lastIndexOf('\n');
    if (lastNl > firstNl) this.scanLines(chunk, firstNl + 1, lastNl);
    // Copy the tail so the pending text does not keep the whole chunk alive.
    this.pending = lastNl + 1 < chunk.length ? (' ' + chunk.slice(lastNl + 1)).slice(1) : '';
  }

  /** Feed raw JSON Lines as UTF-8 bytes; a partial trailing line (even one cut inside a character) is kept until the next call. */
  appendBytes(chunk: Uint8Array): void {
    if (this.pending) {
      // A partial line left by appendText: carry it on as bytes.
      const head = this.enc.encode(this.pending);
      this.pending = '';
      this.pendingBytes.push(head);
      this.pendingByteLen += head.length;
    }
    const len = chunk.length;
    const firstNl = chunk.indexOf(10);
    if (firstNl < 0) {
      if (len > 0) {
        this.pendingBytes.push(copyBytes(chunk, 0, len));
        this.pendingByteLen += len;
      }
      return;
    }
    if (this.pendingByteLen > 0) {
      const head = this.takePendingBytes(firstNl);
      head.set(chunk.subarray(0, firstNl), head.length - firstNl);
      this.scanByteLines(head, 0, head.length);
    } else {
      this.scanByteLines(chunk, 0, firstNl);
    }
    const lastNl = chunk.lastIndexOf(10);
    if (lastNl > firstNl) this.scanByteLines(chunk, firstNl + 1, lastNl);
    if (lastNl + 1 < len) {
      // Copied: the caller's buffer may be reused.
      this.pendingBytes.push(copyBytes(chunk, lastNl + 1, len));
      this.pendingByteLen = len - lastNl - 1;
    }
  }

  /** Flush a final line that had no trailing newline (end of file or stream). */
  end(): void {
    if (this.pendingByteLen > 0) this.pending += this.dec.decode(this.takePendingBytes());
    const rest = this.pending;
    this.pending = '';
    if (!rest.trim()) return;
    this.scanLines(rest, 0, rest.length);
  }

  /** The pending bytes joined, with `extra` bytes of room at the end; clears them. */
  private takePendingBytes(extra = 0): Uint8Array {
    const parts = this.pendingBytes;
    let out: Uint8Array;
    if (parts.length === 1 && extra === 0) out = parts[0];
    else {
      out = new Uint8Array(this.pendingByteLen + extra);
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
    }
    this.pendingBytes = [];
    this.pendingByteLen = 0;
    return out;
  }

  /** The lines of bytes src[from, to), `to` being a newline or the end: in windows of whole lines copied to the byte window. */
  private scanByteLines(src: Uint8Array, from: number, to: number): void {
    inWindows(src, from, to, (ws, we) => this.scanByteWindow(src, ws, we));
  }

  /** The lines of src[ws, we): each through the byte scanner, else (decoded) the text scanner, else JSON.parse. */
  private scanByteWindow(src: Uint8Array, ws: number, we: number): void {
    const len = we - ws;
    let b: Uint8Array = this.st.bytes;
    if (len + BYTE_SLACK > b.length) {
      if (len > MAX_WINDOW) {
        const t = this.dec.decode(src.subarray(ws, we));
        this.st.bsNext = -2;
        this.scanStringLines(t, 0, t.length);
        return;
      }
      b = this.st.growBytes(len + BYTE_SLACK);
    }
    b.set(src.subarray(ws, we), 0);
    b[len] = 10; // sentinel: every scan loop stops at a control byte
    let bp = 0;
    for (;;) {
      this.lineNo++;
      let be = this.bytesScan.scan(b, bp);
      if (be < 0) {
        be = b.indexOf(10, bp);
        if (be > len) be = len;
        let le = be;
        if (le > bp && b[le - 1] === 13) le--;
        if (le > bp) {
          // The text scanner then JSON.parse decide, on the line decoded (UTF-8, even split across chunks: lines end at a newline byte).
          const line = this.dec.decode(b.subarray(bp, le));
          this.st.bsNext = -2;
          if (!this.textScan.scan(line, 0, line.length)) this.generic(line);
        }
      }
      if (be >= len) break;
      bp = be + 1;
    }
  }

  /** The lines of text[from, to), `to` being a newline or the end of the text. */
  private scanLines(text: string, from: number, to: number): void {
    this.st.bsNext = -2; // unknown: the text scanner looks for backslashes lazily
    // Windows of whole lines, encoded to bytes (ASCII text — all the runtime writes — is a plain copy).
    inWindows(text, from, to, (ws, we) => this.scanWindow(text, ws, we));
  }

  /** The lines of text[ws, we): each through the byte scanner, else the text scanner, else JSON.parse. */
  private scanWindow(text: string, ws: number, we: number): void {
    const len = we - ws;
    let b: Uint8Array = this.st.bytes;
    if (len * 3 + BYTE_SLACK > b.length) {
      if (len > MAX_WINDOW) {
        this.scanStringLines(text, ws, we);
        return;
      }
      b = this.st.growBytes(len * 3 + BYTE_SLACK);
    }
    const n = len === 0 ? 0 : this.enc.encodeInto(ws === 0 && we === text.length ? text : text.slice(ws, we), b).written;
    b[n] = 10; // sentinel: every scan loop stops at a control byte
    const ascii = n === len;
    let sp = ws,
      bp = 0;
    for (;;) {
      this.lineNo++;
      let be = this.bytesScan.scan(b, bp);
      let se: number;
      if (be >= 0 && ascii) se = ws + be;
      else {
        se = text.indexOf('\n', sp);
        if (se < 0 || se > we) se = we;
      }
      if (be < 0) {
        if (ascii) be = se - ws;
        else {
          be = b.indexOf(10, bp);
          if (be < 0 || be > n) be = n;
        }
        let sle = se;
        if (sle > sp && text.charCodeAt(sle - 1) === 13) sle--;
        if (sle > sp && !this.textScan.scan(text, sp, sle)) this.generic(text.slice(sp, sle));
      }
      if (se >= we) break;
      sp = se + 1;
      bp = be + 1;
    }
  }

  /** Lines of a window too big to encode (one huge line): the text scanner alone. */
  private scanStringLines(text: string, from: number, to: number): void {
    let p = from;
    for (;;) {
      let e = text.indexOf('\n', p);
      if (e < 0 || e > to) e = to;
      this.lineNo++;
      let le = e;
      if (le > p && text.charCodeAt(le - 1) === 13) le--;
      if (le > p && !this.textScan.scan(text, p, le)) this.generic(text.slice(p, le));
      if (e >= to) break;
      p = e + 1;
    }
  }
}

/**
 * src[from, to) (`to` a newline or the end) cut into windows of whole lines, about WINDOW long (a longer line is one
 * window), each handed to `scan(ws, we)`: we is the window's last newline or `to`. One call per window, not per line.
 */
function inWindows(src: Uint8Array | string, from: number, to: number, scan: (ws: number, we: number) => void): void {
  let p = from;
  for (;;) {
    let we = to;
    if (to - p > WINDOW) {
      const e = typeof src === 'string' ? src.indexOf('\n', p + WINDOW) : src.indexOf(10, p + WINDOW);
      if (e >= 0 && e < to) we = e;
    }
    scan(p, we);
    if (we >= to) break;
    p = we + 1;
  }
}
