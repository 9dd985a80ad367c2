// Entry of the standalone HTML report's boot script (dist/webview/report-boot.js),
// inlined by the CLI (cli/report-html.ts) before the diagram bundle. It stands
// in for VS Code: defines `acquireVsCodeApi`, then feeds the diagram the trace
// embedded in the page as host messages (`reset`, `appendBytes`, `status`).
//
// The trace is in `<script type="application/x-coroscope-gzip">` blocks, each
// an independent gzip member of whole JSON Lines, base64. Blocks are inflated
// one after the other with the browser's own DecompressionStream and posted
// as whole lines in buffers of about CHUNK bytes (transferred, no text
// decode). Each inflated piece is searched for a newline once and each byte
// copied once, so the loader is linear in the input whatever the line
// lengths (a 100 MB line used to be copied again on every read).
import type { HostMessage } from '../protocol/messages';
import { REPORT_ELEMENT_ID, type ReportConfig } from './report-config';

const CHUNK = 4_000_000;

interface VsCodeStub {
  postMessage(m: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare global {
  interface Window {
    acquireVsCodeApi?: () => VsCodeStub;
  }
  interface Uint8ArrayConstructor {
    fromBase64?: (s: string) => Uint8Array<ArrayBuffer>;
  }
}

let state: unknown;
let started = false;

function readConfig(): ReportConfig {
  const el = document.getElementById(REPORT_ELEMENT_ID);
  const raw = el ? (JSON.parse(el.textContent ?? '{}') as Partial<ReportConfig>) : {};
  return {
    title: typeof raw.title === 'string' ? raw.title : 'coroscope',
    exitCode: typeof raw.exitCode === 'number' ? raw.exitCode : null,
    ...(typeof raw.windowNote === 'string' ? { windowNote: raw.windowNote } : {}),
    ...(isWindow(raw.window) ? { window: raw.window } : {}),
  };
}

function isWindow(w: unknown): w is NonNullable<ReportConfig['window']> {
  if (!w || typeof w !== 'object') return false;
  const x = w as NonNullable<ReportConfig['window']>;
  return Array.isArray(x.ranges) && typeof x.total === 'number' && !!x.overview && Array.isArray(x.overview.total) && Array.isArray(x.overview.lanes);
}

/**
 * The whole run above the window: a row per lane (the busiest ones), a column per slice of the run's time, darker
 * where the lane had more events; the slices this page holds are outlined. The canvas carries what it shows as
 * data attributes (lanes, bins, per-lane event counts, the window) for tests and scripts.
 */
function overview(w: NonNullable<ReportConfig['window']>): HTMLElement {
  const o = w.overview;
  const box = document.createElement('div');
  box.id = 'coroscope-overview';
  const bins = Math.max(1, o.bins);
  const rowH = Math.max(1, Math.min(4, Math.floor(120 / Math.max(1, o.lanes.length))));
  const c = document.createElement('canvas');
  c.width = bins;
  c.height = Math.max(1, o.lanes.length * rowH);
  c.style.cssText = 'display:block;width:100%;height:' + c.height + 'px;image-rendering:pixelated;background:#fffbe8;margin-top:4px';
  c.setAttribute('role', 'img');
  // Event index → bin, through the running sum of events per bin.
  const binOf = (index: number): number => {
    let sum = 0;
    for (let b = 0; b < o.total.length; b++) {
      sum += o.total[b];
      if (sum > index) return b;
    }
    return bins - 1;
  };
  const held = w.ranges.map(([a, b]) => [binOf(a), binOf(Math.max(a, b - 1))]);
  const spanS = (bins * o.binNs) / 1e9;
  c.setAttribute(
    'aria-label',
    `Overview of the whole run: ${w.total.toLocaleString('en-US')} events of ${o.lanes.length + o.more} lanes over ${spanS.toFixed(3)} s; outlined: the part this page holds`,
  );
  c.dataset.lanes = String(o.lanes.length);
  c.dataset.more = String(o.more);
  c.dataset.bins = String(bins);
  c.dataset.total = String(w.total);
  c.dataset.window = w.ranges.map(([a, b]) => `${a}-${b}`).join(',');
  c.dataset.laneEvents = o.lanes.map((l) => `${l.id}:${l.counts.reduce((x, y) => x + y, 0)}`).join(',');
  const g = c.getContext('2d');
  if (g) {
    let max = 1;
    for (const l of o.lanes) for (const n of l.counts) if (n > max) max = n;
    o.lanes.forEach((l, row) => {
      l.counts.forEach((n, b) => {
        if (!n) return;
        // Log scale: a lane busy once in a slice still shows.
        const a = 0.25 + (0.75 * Math.log1p(n)) / Math.log1p(max);
        g.fillStyle = `rgba(40,70,140,${a.toFixed(3)})`;
        g.fillRect(b, row * rowH, 1, rowH >= 3 ? rowH - 1 : rowH); // a gap between rows tall enough to keep one
      });
    });
    g.fillStyle = 'rgba(230,120,0,0.25)';
    for (const [a, b] of held) g.fillRect(a, 0, b - a + 1, c.height);
  }
  const caption = document.createElement('div');
  caption.textContent = `Overview of the whole run (${w.total.toLocaleString('en-US')} events, ${spanS.toFixed(3)} s; ${o.lanes.length} busiest lanes${o.more ? `, ${o.more} more not drawn` : ''}); orange: the events this page holds.`;
  box.append(caption, c);
  return box;
}

function post(m: HostMessage, transfer: Transferable[] = []): void {
  window.postMessage(m, '*', transfer);
}

function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(b64);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function save(format: 'svg' | 'png', data: string): void {
  const a = document.createElement('a');
  a.download = `coroscope-diagram.${format}`;
  a.href = format === 'svg' ? URL.createObjectURL(new Blob([data], { type: 'image/svg+xml' })) : data;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function fail(e: unknown): void {
  const root = document.getElementById('coroscope-root');
  if (root) {
    root.dataset.coroscopeState = 'error';
    root.textContent = `Could not read the embedded trace: ${String(e)}`;
  }
  post({ type: 'status', state: 'failed', message: String(e) });
}

/**
 * Collects inflated pieces and posts whole lines (the diagram takes each message as whole lines) once about
 * CHUNK bytes are in. Each piece is searched for a newline once, when it arrives, and each byte is copied
 * once into the buffer posted: linear in the input, however long a line is.
 */
class Feeder {
  private parts: Uint8Array[] = [];
  private size = 0;
  /** The last part holding a newline (-1: none) and the index of its last newline. */
  private nlPart = -1;
  private nlAt = -1;

  add(piece: Uint8Array): void {
    const nl = piece.lastIndexOf(10);
    this.parts.push(piece);
    this.size += piece.length;
    if (nl >= 0) {
      this.nlPart = this.parts.length - 1;
      this.nlAt = nl;
    }
    if (this.size >= CHUNK && this.nlPart >= 0) this.flush(false);
  }

  /** Posts every whole line held (`last`: everything held). */
  flush(last: boolean): void {
    if (this.size === 0 || (!last && this.nlPart < 0)) return;
    const upto = last ? this.parts.length - 1 : this.nlPart;
    const cutAt = last ? this.parts[upto].length : this.nlAt + 1;
    let n = cutAt;
    for (let k = 0; k < upto; k++) n += this.parts[k].length;
    const buf = new Uint8Array(n);
    let at = 0;
    for (let k = 0; k < upto; k++) {
      buf.set(this.parts[k], at);
      at += this.parts[k].length;
    }
    buf.set(this.parts[upto].subarray(0, cutAt), at);
    const rest = this.parts[upto].subarray(cutAt);
    this.parts = [...(rest.length ? [rest] : []), ...this.parts.slice(upto + 1)];
    this.size -= n;
    this.nlPart = -1;
    this.nlAt = -1;
    post({ type: 'appendBytes', bytes: buf }, [buf.buffer]);
  }
}

async function start(): Promise<void> {
  if (started) return;
  started = true;
  try {
    performance.mark('coroscope:boot');
    const config = readConfig();
    if (config.windowNote) {
      const note = document.createElement('div');
      note.id = 'coroscope-window-note';
      note.setAttribute('role', 'note');
      note.textContent = config.windowNote;
      note.style.cssText = 'padding:4px 8px;font:12px sans-serif;background:#fff3c4;color:#3b2f00;border-bottom:1px solid #d9c27a';
      if (config.window) note.append(overview(config.window));
      document.body.insertBefore(note, document.body.firstChild);
    }
    post({ type: 'reset', title: config.title, live: false });
    const feeder = new Feeder();
    const blocks = Array.from(document.querySelectorAll<HTMLScriptElement>('script[type="application/x-coroscope-gzip"]'));
    for (const block of blocks) {
      const bytes = fromBase64(block.textContent ?? '');
      block.remove(); // the page's copy of the text can go once decoded
      const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        feeder.add(r.value);
      }
    }
    feeder.flush(true);
    performance.mark('coroscope:inflated');
    post({ type: 'status', state: 'loaded', exitCode: config.exitCode });
  } catch (e) {
    fail(e);
  }
}

/** Starts once the bundle says `ready` and the whole page (its trace blocks) is parsed. */
function whenParsed(): void {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void start(), { once: true });
  else void start();
}

window.acquireVsCodeApi = () => ({
  postMessage: (m: unknown) => {
    if (!m || typeof m !== 'object') return;
    const msg = m as { type?: unknown; format?: unknown; data?: unknown };
    if (msg.type === 'ready') whenParsed();
    else if (msg.type === 'saveImage' && (msg.format === 'svg' || msg.format === 'png') && typeof msg.data === 'string') save(msg.format, msg.data);
  },
  getState: () => state,
  setState: (s: unknown) => {
    state = s;
  },
});
// A bundle that never says 'ready' still gets its trace.
window.addEventListener('load', () => {
  setTimeout(() => void start(), 0);
});
