// The self-contained HTML report, written as a stream: the diagram page shell
// (webview/page.ts) with the webview bundle, its styles, the codicon font and
// the report's boot script (webview/report-boot.ts → dist/webview/report-boot.js)
// inlined, and the trace in gzip blocks of about BLOCK_TEXT bytes, each base64
// in its own element: the store's column blocks (trace/column-block.ts,
// `<script type="application/x-coroscope-columns">`: the page imports them
// without scanning JSON) or JSON Lines (`application/x-coroscope-gzip`: a
// window of the trace, a trace with locals). The trace never
// exists as one string or one buffer, so its size is bounded by the disk,
// not by V8's string limit. Above what a browser tab can hold (MAX_PAGE_EVENTS),
// the page keeps a window of the events and says so on the page.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { diagramPage } from '../webview/page';
import type { HeaderEvent } from '../protocol/events';
import { ColumnBlockEncoder } from '../trace/column-block';
import { jsonlRows, type EventRanges } from '../trace/jsonl';
import type { OverviewData } from '../trace/overview';
import type { TraceStore } from '../trace/store';
import { TYPE } from '../trace/store';
import { REPORT_ELEMENT_ID, type ReportConfig } from '../webview/report-config';
import { CliError } from './errors';
import { reportSources } from './report-sources';

export interface ReportAssets {
  /** dist/webview/webview.js */
  webviewJs: string;
  /** dist/webview/report-boot.js */
  bootJs: string;
  /** dist/webview/webview.css */
  webviewCss: string;
  /** dist/webview/codicon.css with its font already inlined (see `inlineCodiconFont`). */
  codiconCss: string;
}

/** The elements' types: gzip of JSON Lines, gzip of column blocks (webview/report-boot.ts reads both). */
const BLOCK_TYPES = { gzip: 'application/x-coroscope-gzip', columns: 'application/x-coroscope-columns' } as const;
type BlockKind = keyof typeof BLOCK_TYPES;

/** JSON Lines text (or column bytes) per gzip block. */
const BLOCK_TEXT = 4 << 20;
/** Events one page holds at most (a tab's heap: ~64 bytes per event in the store, as much again for the layout). */
export const MAX_PAGE_EVENTS = 5_000_000;

/** Where the webview bundle lives: next to dist/cli.js, or $COROSCOPE_DIST. */
export function distDir(): string {
  return process.env.COROSCOPE_DIST || __dirname;
}

/** Replaces the `url(...codicon.ttf...)` of codicon.css with a data: URL of the font. */
export function inlineCodiconFont(css: string, ttfBase64: string): string {
  return css.replace(/url\((["']?)[^)"']*codicon\.ttf[^)"']*\1\)/g, `url("data:font/ttf;base64,${ttfBase64}")`);
}

export function readAssets(dir = distDir()): ReportAssets {
  const file = (name: string): string => {
    const p = join(dir, 'webview', name);
    if (!existsSync(p)) throw new CliError(`the diagram bundle is missing (${p}); reinstall coroscope or run npm run build`);
    return p;
  };
  const ttf = readFileSync(file('codicon.ttf')).toString('base64');
  return {
    webviewJs: readFileSync(file('webview.js'), 'utf8'),
    bootJs: readFileSync(file('report-boot.js'), 'utf8'),
    webviewCss: readFileSync(file('webview.css'), 'utf8'),
    codiconCss: inlineCodiconFont(readFileSync(file('codicon.css'), 'utf8'), ttf),
  };
}

/** JSON for inclusion in an HTML script element (no `<`, no line separators). */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function randomNonce(): string {
  const bytes = new Uint8Array(18);
  globalThis.crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('hex');
}

/** The exit code in the trace's last `finish`, if any. */
export function exitCodeOf(store: TraceStore): number | null {
  for (let i = store.length - 1; i >= 0 && i >= store.length - 1000; i--) {
    if (store.typeCode(i) === TYPE.finish) return Number.isNaN(store.num(i)) ? null : store.num(i);
  }
  return null;
}

export interface PageWindow {
  /** Event index ranges [from, to) the page holds. */
  ranges: EventRanges;
  /** What the page says about it. */
  note: string;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Which events a page of this store holds: all of them when they fit; else the range asked for (`from`/`to`,
 * event indices, `to` exclusive) or the first and last `max / 2`. Undefined: the whole trace.
 */
export function pageWindow(total: number, from: number | undefined, to: number | undefined, max = MAX_PAGE_EVENTS): PageWindow | undefined {
  const how = 'a browser tab cannot hold more; pick a range with coroscope report --from N --to M';
  if (from !== undefined || to !== undefined) {
    const a = Math.max(0, Math.min(from ?? 0, total));
    let b = Math.max(a, Math.min(to ?? total, total));
    let cut = '';
    if (b - a > max) {
      b = a + max;
      cut = ` (the range asked for was cut to ${count(max)} events: ${how})`;
    }
    if (a === 0 && b === total) return undefined;
    return {
      ranges: [[a, b]],
      note: `This page holds events ${count(a)}–${count(Math.max(a, b - 1))} of ${count(total)} (from ${count(a)} to ${count(b)}, as asked)${cut}; every task is declared.`,
    };
  }
  if (total <= max) return undefined;
  const half = Math.floor(max / 2);
  return {
    ranges: [
      [0, half],
      [total - half, total],
    ],
    note: `This page holds the first ${count(half)} and the last ${count(half)} of ${count(total)} events (events ${count(half)}–${count(total - half - 1)} are left out: ${how}); every task is declared.`,
  };
}

export interface HtmlReportOptions {
  title: string;
  window?: PageWindow;
  nonce?: string;
  /** JSON Lines text per gzip block (tests make it small to get many blocks). */
  blockText?: number;
  /** Embed column blocks (trace/column-block.ts) instead of JSON Lines (a page of the whole trace only). */
  columns?: boolean;
}

/** Writes the report of a whole store to `path` as it is made; returns the bytes written. */
export function writeHtmlReport(path: string, store: TraceStore, o: HtmlReportOptions, assets: ReportAssets): number {
  const w = new HtmlReportWriter(path, { ...o, exitCode: exitCodeOf(store), sources: reportSources(store), header: store.header }, assets);
  const limit = o.blockText ?? BLOCK_TEXT;
  // Small blocks (tests) take fewer lines at a time.
  const rows = Math.max(1, Math.min(8192, Math.floor(limit / 64)));
  if (o.columns && !o.window) {
    const enc = new ColumnBlockEncoder();
    for (let i = 0; i < store.length || i === 0; i += rows) w.addColumns(enc.encode(store, i, Math.min(store.length, i + rows)));
  } else for (const c of jsonlRows(store, 0, store.length, rows, o.window?.ranges)) w.add(c);
  return w.close();
}

export interface HtmlReportFacts extends HtmlReportOptions {
  exitCode: number | null;
  sources: ReturnType<typeof reportSources>;
  /** The trace's header (its JSON line comes first in the page). */
  header: HeaderEvent | undefined;
  /** With a window: the overview of the whole run, and the trace's event count. */
  overview?: OverviewData;
  total?: number;
}

/**
 * The report written as its JSON Lines come (`add`, any pieces of whole lines, header excluded), for callers that
 * stream a trace instead of holding it: the page shell and the config first, then gzip blocks of about
 * `blockText` bytes of text, then the end of the page (`close`).
 */
export class HtmlReportWriter {
  private readonly fd: number;
  private readonly nonce: string;
  private readonly tailHtml: string;
  private readonly limit: number;
  private parts: Uint8Array[] = [];
  private kind: BlockKind = 'gzip';
  private size = 0;
  private bytes = 0;

  constructor(path: string, o: HtmlReportFacts, assets: ReportAssets) {
    const nonce = (this.nonce = o.nonce ?? randomNonce());
    const page = diagramPage({
      title: o.title,
      nonce,
      inlineStyles: [assets.codiconCss, assets.webviewCss],
      bootScript: assets.bootJs,
      blobWorkers: true,
      inlineScript: assets.webviewJs,
      sources: o.sources,
    });
    const end = page.lastIndexOf('</body>');
    if (end < 0) throw new Error('the page shell has no </body>');
    this.tailHtml = page.slice(end);
    this.limit = o.blockText ?? BLOCK_TEXT;
    const config: ReportConfig = {
      title: o.title,
      exitCode: o.exitCode,
      ...(o.window ? { windowNote: o.window.note } : {}),
      ...(o.window && o.overview
        ? { window: { ranges: o.window.ranges.map(([a, b]) => [a, b] as [number, number]), total: o.total ?? 0, overview: o.overview } }
        : {}),
    };
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
    }
    try {
      this.write(page.slice(0, end));
      this.write(`<script type="application/json" id="${REPORT_ELEMENT_ID}" nonce="${nonce}">${scriptJson(config)}</script>\n`);
      if (o.header) this.add(JSON.stringify(o.header) + '\n');
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  private write(s: string): void {
    this.bytes += writeSync(this.fd, s);
  }

  /** JSON Lines, as text or UTF-8 bytes; a block may end inside a line (the page joins the blocks' lines). */
  add(text: string | Uint8Array): void {
    this.part('gzip', typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  }

  /**
   * Column blocks (trace/column-block.ts) of the trace's rows, in order, instead of its JSON Lines: the page's store
   * imports them without scanning JSON. Several go into one gzip block; a page holds one kind or the other.
   */
  addColumns(block: Uint8Array): void {
    this.part('columns', block);
  }

  private part(kind: BlockKind, b: Uint8Array): void {
    if (kind !== this.kind) {
      this.block();
      this.kind = kind;
    }
    this.parts.push(b);
    this.size += b.length;
    if (this.size >= this.limit) this.block();
  }

  private block(): void {
    if (this.size === 0) return;
    const gz = gzipSync(Buffer.concat(this.parts), { level: 6 });
    this.parts = [];
    this.size = 0;
    this.write(`<script type="${BLOCK_TYPES[this.kind]}" nonce="${this.nonce}">`);
    this.write(gz.toString('base64'));
    this.write('</script>\n');
  }

  /** Writes the last block and the end of the page; returns the bytes written. */
  close(): number {
    try {
      this.block();
      this.write(this.tailHtml);
    } finally {
      closeSync(this.fd);
    }
    return this.bytes;
  }

  /** Closes the file after a failure (what was written stays). */
  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* closed */
    }
  }
}
