// Panel memory in paging mode (npm run bench:panel; issue 19 part 2): what a run of N events (default 20,000,000)
// costs the extension host and the webview when the panel pages. Not a test: prints a table; figures go to
// docs/benchmarks.md ("Panel at 20M events").
//  1. host: a child node process does the session's per-batch data work over the trace file (the store's
//     appendBytes in the decoder's 256 KB slices, the paging index and overview, the lens stats builder, then the
//     store lets the rows go: RunCore's releaseRows) and then serves far ranges as the panel does (plan + read the
//     bytes from disk); its peak RSS under GNU time, and above an idle node's;
//  2. webview: the diagram page in Debian chromium holding the largest window a run gives it (the newest rows of a
//     following window: twice `coroscope.paging.windowEvents`), sent as the panel sends it (`reset`, `page` with the
//     overview, the prelude, the bytes read from the file); JS heap after GC + the store's typed arrays, and the
//     renderer's RSS; then a jump to a far range (read from disk + ready in the page).
// Usage: node out/test/bench/panel.js [N] [windowEvents]; $BENCH_HOST_TRACE: a trace of N events written before
// (by this bench or bench:host), 20M take minutes to write.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanPages } from '../../session/page-scan';
import { PageIndex } from '../../trace/page-index';
import { StatsBuilder } from '../../trace/stats';
import { TraceStore } from '../../trace/store';
import { planFor, readLines } from '../../session/page-read';
import { searchFile } from '../../extension/panel/search';
import { benchDiagram, loadAverage, peakRss, rendererRss, writeTraceFile } from './common';

const SLICE = 256 * 1024;

/** The child: the session's data work per batch, then far ranges served; prints one JSON line. */
async function hostChild(file: string, window: number): Promise<void> {
  const store = new TraceStore();
  const index = new PageIndex();
  const stats = new StatsBuilder();
  const fd = fs.openSync(file, 'r');
  const size = fs.fstatSync(fd).size;
  let pos = 0;
  let carry = Buffer.alloc(0);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (pos < size) {
    const buf = Buffer.alloc(carry.length + Math.min(SLICE, size - pos));
    carry.copy(buf);
    const n = fs.readSync(fd, buf, carry.length, buf.length - carry.length, pos);
    const nl = buf.lastIndexOf(10);
    const start = pos - carry.length;
    pos += n;
    const first = store.length;
    store.appendBytes(buf.subarray(0, nl + 1));
    index.addRows(store, first, store.length - first, start, start + nl + 1);
    stats.update(store);
    store.releaseBefore(store.length);
    carry = buf.subarray(nl + 1);
  }
  fs.closeSync(fd);
  const decodeS = (performance.now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  const decodeCpuS = (c1.user + c1.system) / 1e6;
  const total = index.total;
  const ranges: number[] = [];
  for (const at of [0.1, 0.5, 0.9, 0.3, 0.7]) {
    const r0 = performance.now();
    const pick = planFor(index, { from: Math.floor(total * at), to: Math.floor(total * at) + window }, { threshold: 0, window });
    if (!pick) throw new Error('nothing indexed');
    let bytes = index.prelude(pick.plan).length;
    for await (const b of readLines(file, pick.plan.byteStart, pick.plan.byteEnd)) bytes += b.length;
    ranges.push(performance.now() - r0);
    if (bytes <= 0) throw new Error('empty range');
  }
  console.log(
    JSON.stringify({
      total,
      decodeS,
      decodeCpuS,
      offsets: index.offsets.count,
      offsetBytes: index.offsets.byteLength,
      stride: index.offsets.minRows,
      rangeMs: ranges,
    }),
  );
}

async function webview(file: string, index: PageIndex, win: number, say: (s: string) => void): Promise<void> {
  const { d, heap } = await benchDiagram();
  const page = d.page;
  await d.send({ type: 'reset', title: 'bench', live: false });
  await d.waitReady(0);
  const heap0 = await heap();
  const rss0 = rendererRss(d.profile);
  /** What the panel posts for rows [from, to): reset, page, the prelude, the bytes (1 MB pieces, buffers transferred); ms until ready. */
  const show = async (from: number, to: number): Promise<{ ms: number; readMs: number; rows: number; events: number }> => {
    const r0 = performance.now();
    const pick = planFor(index, { from, to }, { threshold: 0, window: win });
    if (!pick) throw new Error('nothing indexed');
    const prelude = index.prelude(pick.plan);
    const bufs: Uint8Array[] = [];
    for await (const b of readLines(file, pick.plan.byteStart, pick.plan.byteEnd)) bufs.push(b);
    const readMs = performance.now() - r0;
    const pieces = [...(prelude ? [Buffer.from(prelude)] : []), ...bufs].map((b) => Buffer.from(b).toString('base64'));
    const events = (prelude ? pick.plan.lanes : 0) + pick.plan.end - pick.plan.base;
    await page.evaluate(() => {
      (window as unknown as { __pieces: Uint8Array[] }).__pieces = [];
    });
    // Into the page first (playwright's transport is not the panel's), then posted as the panel posts them.
    for (const p of pieces)
      await page.evaluate((b64) => {
        const bin = atob(b64);
        const u = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
        (window as unknown as { __pieces: Uint8Array[] }).__pieces.push(u);
      }, p);
    const ms = await page.evaluate(
      async ({ n, base, prelude: pre, total, overview }) => {
        const w = window as unknown as { __pieces: Uint8Array[] | null };
        const root = document.getElementById('coroscope-root')!;
        const t0 = performance.now();
        const done = new Promise<number>((resolve) => {
          const obs = new MutationObserver(() => {
            if (root.dataset.coroscopeState === 'ready' && root.dataset.events === String(n)) {
              obs.disconnect();
              resolve(performance.now());
            }
          });
          obs.observe(root, { attributes: true });
        });
        window.postMessage({ type: 'reset', title: 'bench', live: false }, '*');
        window.postMessage({ type: 'page', base, prelude: pre, total, follow: false, overview }, '*');
        for (const b of w.__pieces!) window.postMessage({ type: 'appendBytes', bytes: b }, '*', [b.buffer]);
        w.__pieces = null;
        return (await done) - t0;
      },
      { n: events, base: pick.plan.base, prelude: prelude ? pick.plan.lanes : 0, total: index.total, overview: index.overviewData() ?? null },
    );
    return { ms, readMs, rows: pick.plan.end - pick.plan.base, events };
  };
  const total = index.total;
  const tail = await show(total - 2 * win, total);
  const heap1 = await heap();
  const storeBytes = await page.evaluate(() => (window as unknown as { coroscope: { store: { approxBytes(): number } } }).coroscope.store.approxBytes());
  const rss1 = rendererRss(d.profile);
  say(
    `webview holding the newest ${tail.rows.toLocaleString('en-US')} rows (a following window at its largest, 2 × ${win.toLocaleString('en-US')}): JS heap +${((heap1 - heap0) / 1e6).toFixed(1)} MB, store typed arrays ${(storeBytes / 1e6).toFixed(1)} MB, renderer RSS ${(rss1 / 1e6).toFixed(0)} MB (+${((rss1 - rss0) / 1e6).toFixed(0)} MB over the empty page); the host read it from the file in ${tail.readMs.toFixed(0)} ms, the page was ready ${tail.ms.toFixed(0)} ms after the messages were posted`,
  );
  for (const at of [0.25, 0.5]) {
    const from = Math.floor(total * at);
    const r = await show(from, from + win);
    say(
      `  jump to event ${from.toLocaleString('en-US')}: ${r.rows.toLocaleString('en-US')} rows read in ${r.readMs.toFixed(0)} ms, ready ${r.ms.toFixed(0)} ms after posting`,
    );
  }
  const heap2 = await heap();
  const rss2 = rendererRss(d.profile);
  say(
    `  after the jumps and a GC: JS heap +${((heap2 - heap0) / 1e6).toFixed(1)} MB over the empty page, renderer RSS ${(rss2 / 1e6).toFixed(0)} MB (freed memory is not always handed back to the system at once)`,
  );
  await d.close();
}

async function main(): Promise<void> {
  if (process.argv[2] === '--host') return hostChild(process.argv[3], Number(process.argv[4]));
  const events = Number(process.argv[2] ?? 20_000_000);
  const window = Number(process.argv[3] ?? 250_000);
  const given = process.env.BENCH_HOST_TRACE;
  const dir = given ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'coroscope-bench-panel-'));
  const file = given ?? path.join(dir ?? '', 'trace.jsonl');
  if (!given) writeTraceFile(file, events);
  const size = fs.statSync(file).size;
  const lines: string[] = [];
  const say = (s: string) => {
    console.log(s);
    lines.push(s);
  };
  say(
    `panel bench: ${events.toLocaleString('en-US')} events, ${(size / 1e9).toFixed(2)} GB of JSON Lines, window ${window.toLocaleString('en-US')}; load average ${loadAverage()}`,
  );
  // $BENCH_PANEL_ONLY=host or webview: one half (each takes minutes at 20M on a loaded machine).
  const only = process.env.BENCH_PANEL_ONLY;
  if (only !== 'webview') {
    hostPart(file, window, say);
    // Paging mode's whole-run search (extension/panel/search.ts): one read of the file per query.
    const s0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await searchFile(file, size, 'worker-7', () => {});
    const c = process.cpuUsage(c0);
    say(
      `whole-run search ("worker-7", a lane name) of the trace file: ${r.count.toLocaleString('en-US')} matches in ${r.scanned.toLocaleString('en-US')} events, ${((performance.now() - s0) / 1000).toFixed(1)} s (${((c.user + c.system) / 1e6).toFixed(1)} s CPU)`,
    );
  }
  if (only !== 'host') {
    const s0 = performance.now();
    const index = await scanPages(file, size);
    say(`saved trace indexed for paging (Open Trace…, a reload): ${((performance.now() - s0) / 1000).toFixed(1)} s`);
    await webview(file, index, window, say);
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  console.log(`\nload average at the end: ${loadAverage()}`);
}

function hostPart(file: string, window: number, say: (s: string) => void): void {
  const idle = peakRss(['-e', '0']).kb;
  const h = peakRss([__filename, '--host', file, String(window)]);
  const r = JSON.parse(h.stdout.trim().split('\n').pop() ?? '{}') as {
    total: number;
    decodeS: number;
    decodeCpuS: number;
    offsets: number;
    offsetBytes: number;
    stride: number;
    rangeMs: number[];
  };
  say(
    `host (decode, paging index, overview, lens stats, rows let go): peak RSS ${(h.kb / 1024).toFixed(0)} MB (${((h.kb - idle) / 1024).toFixed(0)} MB above an idle node's ${(idle / 1024).toFixed(0)} MB) = ${((h.kb * 1024) / r.total).toFixed(1)} B/event; ${r.total.toLocaleString('en-US')} rows in ${r.decodeS.toFixed(1)} s (${r.decodeCpuS.toFixed(1)} s CPU); index ${r.offsets} offsets (${(r.offsetBytes / 1024).toFixed(0)} KB, every ≥ ${r.stride} rows); a far range of ${window.toLocaleString('en-US')} rows planned and read in ${r.rangeMs.map((x) => x.toFixed(0)).join(' / ')} ms`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
