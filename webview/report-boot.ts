// Entry of the standalone HTML report's boot script (dist/webview/report-boot.js),
// inlined by the CLI (cli/report-html.ts) before the diagram bundle. It stands
// in for VS Code: defines `acquireVsCodeApi`, then feeds the diagram the trace
// embedded in the page as host messages (`reset`, `appendBytes`, `status`).
//
// The trace is in `<script type="application/x-coroscope-gzip">` blocks, each
// an independent gzip member of JSON Lines, base64 — or, in a page of a whole
// trace, `application/x-coroscope-columns` blocks: gzip members of the CLI
// store's column blocks (trace/column-block.ts), posted whole as
// `appendColumns` and imported by the page's store without a JSON scan. Each block is handed over
// as soon as the parser is past it (not after the whole page is parsed) to a
// worker that decodes and inflates it with the browser's own
// DecompressionStream, so the main thread only scans lines while the next
// block inflates; the lines come back as whole lines in buffers of about
// CHUNK bytes (transferred, no text decode) and are posted to the diagram.
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

/** What goes into the inflater: a block's base64 text (JSON Lines, or column blocks), or the end of the blocks. */
type InflateIn = { b64: string; columns: boolean } | { end: true };
/** What comes out: whole lines or a block's columns (a buffer the receiver owns), the end, or why it stopped. */
type InflateOut = { bytes: Uint8Array<ArrayBuffer> } | { columns: Uint8Array<ArrayBuffer> } | { done: true } | { error: string };

/**
 * Decodes and inflates the blocks in order and emits whole lines in buffers of about `chunk` bytes. Self-contained
 * (it names nothing outside itself: its source is also the worker's, see `startInflater`). Each inflated piece is
 * searched for a newline once and each byte copied once into the buffer emitted: linear in the input, however long
 * a line is (a 100 MB line used to be copied again on every read).
 */
function makeInflater(chunk: number, emit: (m: InflateOut, transfer?: Transferable[]) => void): (m: InflateIn) => void {
  let parts: Uint8Array[] = [];
  let size = 0;
  // The last part holding a newline (-1: none) and the index of its last newline.
  let nlPart = -1;
  let nlAt = -1;
  const flush = (last: boolean): void => {
    if (size === 0 || (!last && nlPart < 0)) return;
    const upto = last ? parts.length - 1 : nlPart;
    const cutAt = last ? parts[upto].length : nlAt + 1;
    let n = cutAt;
    for (let k = 0; k < upto; k++) n += parts[k].length;
    const buf = new Uint8Array(n);
    let at = 0;
    for (let k = 0; k < upto; k++) {
      buf.set(parts[k], at);
      at += parts[k].length;
    }
    buf.set(parts[upto].subarray(0, cutAt), at);
    const rest = parts[upto].subarray(cutAt);
    parts = [...(rest.length ? [rest] : []), ...parts.slice(upto + 1)];
    size -= n;
    nlPart = -1;
    nlAt = -1;
    emit({ bytes: buf }, [buf.buffer]);
  };
  const add = (piece: Uint8Array): void => {
    const nl = piece.lastIndexOf(10);
    parts.push(piece);
    size += piece.length;
    if (nl >= 0) {
      nlPart = parts.length - 1;
      nlAt = nl;
    }
    if (size >= chunk && nlPart >= 0) flush(false);
  };
  const fromBase64 = (b64: string): Uint8Array<ArrayBuffer> => {
    if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(b64);
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  };
  const inflate = async (b64: string, columns: boolean): Promise<void> => {
    const reader = new Blob([fromBase64(b64)]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    // Column blocks go out whole, one buffer per gzip block (the store imports whole blocks).
    const held: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      if (!columns) add(r.value);
      else {
        held.push(r.value);
        n += r.value.length;
      }
    }
    if (!columns) return;
    const buf = new Uint8Array(n);
    let at = 0;
    for (const h of held) {
      buf.set(h, at);
      at += h.length;
    }
    emit({ columns: buf }, [buf.buffer]);
  };
  // One block after the other, in order, whenever they come.
  let queue = Promise.resolve();
  let failed = false;
  return (m: InflateIn): void => {
    queue = queue.then(async () => {
      if (failed) return;
      try {
        if ('b64' in m) await inflate(m.b64, m.columns);
        else {
          flush(true);
          emit({ done: true });
        }
      } catch (e) {
        failed = true;
        emit({ error: String(e) });
      }
    });
  };
}

/**
 * The inflater in a worker when the page may start one (the report's CSP allows `worker-src blob:`): the main
 * thread then only scans the lines while the next block inflates on another core. Else (no Worker, a CSP that
 * refuses it) the same code on this thread. Which one ran is the root's `data-inflater` (`worker`/`thread`).
 */
function startInflater(onOut: (m: InflateOut) => void): (m: InflateIn) => void {
  const mode = (m: 'worker' | 'thread') => {
    const root = document.getElementById('coroscope-root');
    if (root) root.dataset.inflater = m;
  };
  const here = () => {
    mode('thread');
    return makeInflater(CHUNK, onOut);
  };
  try {
    const src = `const feed = (${makeInflater.toString()})(${CHUNK}, (m, t) => postMessage(m, t || []));\nonmessage = (e) => feed(e.data);`;
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    const worker = new Worker(url);
    let inThread: ((m: InflateIn) => void) | null = null;
    const sent: InflateIn[] = [];
    let heard = false;
    worker.onmessage = (e: MessageEvent<InflateOut>) => {
      if (!heard) mode('worker');
      heard = true;
      sent.length = 0;
      onOut(e.data);
    };
    // A worker refused after construction (CSP) reports an error before any message: redo its blocks here.
    worker.onerror = (e) => {
      e.preventDefault();
      worker.terminate();
      if (heard || inThread) {
        if (!inThread) onOut({ error: e.message || 'the inflating worker failed' });
        return;
      }
      inThread = here();
      for (const m of sent) inThread(m);
      sent.length = 0;
    };
    return (m) => {
      if (inThread) return inThread(m);
      if (!heard) sent.push(m);
      worker.postMessage(m);
    };
  } catch {
    return here();
  }
}

const GZIP_TYPE = 'application/x-coroscope-gzip';
const COLUMNS_TYPE = 'application/x-coroscope-columns';
const BLOCK_SELECTOR = `script[type="${GZIP_TYPE}"], script[type="${COLUMNS_TYPE}"]`;

/**
 * Feeds the diagram as the page is parsed: the config block first (the title), then each trace block once the
 * parser is past it (something follows it, or the document is parsed), so blocks inflate while the rest of the
 * page is still being read.
 */
function start(): void {
  if (started) return;
  started = true;
  performance.mark('coroscope:boot');
  let configured = false;
  let ended = false;
  let exitCode: number | null = null;
  const feed = startInflater((m) => {
    if ('bytes' in m) post({ type: 'appendBytes', bytes: m.bytes }, [m.bytes.buffer]);
    else if ('columns' in m) post({ type: 'appendColumns', bytes: m.columns }, [m.columns.buffer]);
    else if ('done' in m) {
      performance.mark('coroscope:inflated');
      post({ type: 'status', state: 'loaded', exitCode });
    } else fail(m.error);
  });
  const parsed = () => document.readyState !== 'loading';
  const complete = (el: Element) => el.nextSibling !== null || parsed();
  const pump = (): void => {
    if (ended) return;
    try {
      if (!configured) {
        const el = document.getElementById(REPORT_ELEMENT_ID);
        if (el ? !complete(el) : !parsed()) return;
        configured = true;
        const config = readConfig();
        exitCode = config.exitCode;
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
      }
      // Blocks already taken are removed from the page (their text can go once handed over).
      for (const block of Array.from(document.querySelectorAll<HTMLScriptElement>(BLOCK_SELECTOR))) {
        if (!complete(block)) break;
        const b64 = block.textContent ?? '';
        const columns = block.type === COLUMNS_TYPE;
        block.remove();
        feed({ b64, columns });
      }
      if (parsed()) {
        ended = true;
        observer.disconnect();
        feed({ end: true });
      }
    } catch (e) {
      ended = true;
      observer.disconnect();
      fail(e);
    }
  };
  const observer = new MutationObserver(pump);
  observer.observe(document.body, { childList: true });
  if (!parsed()) document.addEventListener('DOMContentLoaded', pump, { once: true });
  pump();
}

window.acquireVsCodeApi = () => ({
  postMessage: (m: unknown) => {
    if (!m || typeof m !== 'object') return;
    const msg = m as { type?: unknown; format?: unknown; data?: unknown };
    if (msg.type === 'ready') start();
    else if (msg.type === 'saveImage' && (msg.format === 'svg' || msg.format === 'png') && typeof msg.data === 'string') save(msg.format, msg.data);
  },
  getState: () => state,
  setState: (s: unknown) => {
    state = s;
  },
});
// A bundle that never says 'ready' still gets its trace.
window.addEventListener('load', () => {
  setTimeout(start, 0);
});
