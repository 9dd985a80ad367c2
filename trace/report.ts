// The standalone HTML report: the diagram page shell (webview/page.ts) with
// the webview bundle, its styles and the codicon font inlined, plus a boot
// script that stubs `acquireVsCodeApi`, inflates the embedded trace (gzip +
// base64, inflated by the browser's own DecompressionStream) and feeds it to
// the bundle as `reset` / `appendBytes` / `status` host messages. One file, no
// network, no external resources. Pure string building: the caller (cli/)
// reads the bundle files and gzips the trace. No Node imports.

import { diagramPage } from '../webview/page';
import type { TraceStore } from './store';

export interface ReportAssets {
  /** dist/webview/webview.js */
  webviewJs: string;
  /** dist/webview/webview.css */
  webviewCss: string;
  /** dist/webview/codicon.css with its font already inlined (see `inlineCodiconFont`). */
  codiconCss: string;
}

export interface ReportOptions {
  title: string;
  /** The trace as JSON Lines (header first), gzip-compressed, base64-encoded. */
  traceGzipBase64: string;
  /** Bytes of JSON Lines per `appendBytes` message (cut at line ends). */
  chunkChars?: number;
  /** Defaults to a random nonce. */
  nonce?: string;
  /** The script's exit code (from the trace's `finish`), shown by the diagram's status. */
  exitCode?: number | null;
  /** The program's own source files (`trace/sources.ts`), embedded for the replay's source pane. */
  sources?: { files: { file: string; text: string }[]; capped: boolean };
}

/** Replaces the `url(...codicon.ttf...)` of codicon.css with a data: URL of the font. */
export function inlineCodiconFont(css: string, ttfBase64: string): string {
  return css.replace(/url\((["']?)[^)"']*codicon\.ttf[^)"']*\1\)/g, `url("data:font/ttf;base64,${ttfBase64}")`);
}

/** JSON Lines of a store (header first), in chunks of about `chunkEvents` lines. */
export function* jsonlChunks(store: TraceStore, chunkEvents = 8192): Generator<string> {
  if (store.header) yield JSON.stringify(store.header) + '\n';
  let buf: string[] = [];
  for (let i = 0; i < store.length; i++) {
    buf.push(JSON.stringify(store.event(i)));
    if (buf.length >= chunkEvents) { yield buf.join('\n') + '\n'; buf = []; }
  }
  if (buf.length) yield buf.join('\n') + '\n';
}

/**
 * gzip + base64 with the platform's CompressionStream (Node ≥ 18, browsers),
 * for callers without zlib at hand (the extension's Export Trace may use it;
 * the CLI uses zlib directly, which is faster).
 */
export async function gzipBase64(chunks: Iterable<string>): Promise<string> {
  const enc = new TextEncoder();
  const gz = new CompressionStream('gzip');
  const writer = gz.writable.getWriter();
  const reading = (async () => {
    const parts: Uint8Array[] = [];
    const reader = gz.readable.getReader();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      parts.push(r.value);
    }
    return parts;
  })();
  for (const c of chunks) await writer.write(enc.encode(c));
  await writer.close();
  const parts = await reading;
  let out = '';
  // btoa takes a binary string; build it in slices to keep argument lists short.
  for (const p of parts) {
    let bin = '';
    for (let i = 0; i < p.length; i += 0x8000) bin += String.fromCharCode(...p.subarray(i, i + 0x8000));
    out += bin;
  }
  return btoa(out);
}

function randomNonce(): string {
  const bytes = new Uint8Array(18);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** JSON for inclusion in an inline script (no `<`, no line separators that end a string). */
function jsLiteral(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function bootScript(title: string, traceGzipBase64: string, chunkChars: number, exitCode: number | null = null): string {
  if (!/^[A-Za-z0-9+/=]*$/.test(traceGzipBase64)) throw new Error('traceGzipBase64 is not base64');
  return `(function () {
'use strict';
var TITLE = ${jsLiteral(title)};
var CHUNK = ${Math.max(1024, Math.floor(chunkChars))};
var EXIT = ${jsLiteral(exitCode)};
var DATA = "${traceGzipBase64}";
var state;
var started = false;
function decode(b64) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(b64);
  var bin = atob(b64);
  var out = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function post(m, transfer) { window.postMessage(m, '*', transfer || []); }
function save(format, data) {
  var a = document.createElement('a');
  a.download = 'coroscope-diagram.' + format;
  a.href = format === 'svg' ? URL.createObjectURL(new Blob([data], { type: 'image/svg+xml' })) : data;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
function fail(e) {
  var root = document.getElementById('coroscope-root');
  if (root) { root.dataset.coroscopeState = 'error'; root.textContent = 'Could not read the embedded trace: ' + e; }
  post({ type: 'status', state: 'failed', message: String(e) });
}
async function start() {
  if (started) return;
  started = true;
  try {
    performance.mark('coroscope:boot');
    post({ type: 'reset', title: TITLE, live: false });
    var bytes = decode(DATA);
    performance.mark('coroscope:decoded');
    // The inflated bytes go to the diagram as bytes (appendBytes, whole lines, buffers transferred): no text decode.
    var reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    var parts = [];
    var size = 0;
    var flush = function (last) {
      var one = parts.length === 1 && parts[0].byteOffset === 0 && parts[0].byteLength === parts[0].buffer.byteLength;
      var buf = one ? parts[0] : new Uint8Array(size);
      if (!one) { var at = 0; for (var i = 0; i < parts.length; i++) { buf.set(parts[i], at); at += parts[i].length; } }
      var cut = last ? size : buf.lastIndexOf(10) + 1;
      if (cut === 0) { parts = [buf]; return; }
      var rest = buf.slice(cut);
      post({ type: 'appendBytes', bytes: buf.subarray(0, cut) }, [buf.buffer]);
      parts = rest.length ? [rest] : [];
      size = rest.length;
    };
    for (;;) {
      var r = await reader.read();
      if (r.done) break;
      parts.push(r.value);
      size += r.value.length;
      if (size >= CHUNK) flush(false);
    }
    if (size > 0) flush(true);
    performance.mark('coroscope:inflated');
    post({ type: 'status', state: 'loaded', exitCode: EXIT });
  } catch (e) { fail(e); }
}
window.acquireVsCodeApi = function () {
  return {
    postMessage: function (m) {
      if (!m || typeof m !== 'object') return;
      if (m.type === 'ready') start();
      else if (m.type === 'saveImage' && (m.format === 'svg' || m.format === 'png') && typeof m.data === 'string') save(m.format, m.data);
    },
    getState: function () { return state; },
    setState: function (s) { state = s; },
  };
};
// A bundle that never says 'ready' still gets its trace.
window.addEventListener('load', function () { setTimeout(start, 0); });
})();
`;
}

/** The whole self-contained page. */
export function reportHtml(o: ReportOptions, assets: ReportAssets): string {
  const nonce = o.nonce ?? randomNonce();
  return diagramPage({
    title: o.title,
    nonce,
    inlineStyles: [assets.codiconCss, assets.webviewCss],
    bootScript: bootScript(o.title, o.traceGzipBase64, o.chunkChars ?? 4_000_000, o.exitCode ?? null),
    sources: o.sources,
    inlineScript: assets.webviewJs,
  });
}
