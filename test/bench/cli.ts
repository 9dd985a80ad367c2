// CLI benchmark (npm run bench:cli; not a test): a 1,000,000-event trace on
// 200 lanes → `coroscope report --html/--perfetto/--mermaid`; then the HTML
// opened from file:// in chromium, timed from navigation start until
// #coroscope-root is ready with every event. Targets: ready ≤ 2 s; heap ≤ 64 B/event (JS heap after a forced GC,
// CDP, plus the store's typed arrays, which live outside it; the empty page's heap is printed apart).
// Usage: node out/test/bench/cli.js [EVENTS] [RUNS]; BENCH_CLI_AB=1 also loads the page with JSON Lines blocks, in turn.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium, loadAverage, median, rendererCpu } from './common';

const root = join(__dirname, '..', '..', '..');
const N = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const LANES = 200;

/** A realistic mix: mostly switches with short values, some prints, blocks/wakes and marks. */
function writeTrace(path: string): number {
  const fd = openSync(path, 'w');
  let ts = 1_000_000_000;
  const header = {
    type: 'header',
    schema: 1,
    runtime: 'coroscope bench',
    python: '3.11.7',
    capture: 'settrace',
    script: '/bench/app.py',
    argv: ['/bench/app.py'],
    cwd: '/bench',
    pid: 1,
    start: Date.now(),
    ts,
  };
  let buf = JSON.stringify(header) + '\n';
  let events = 0;
  const flush = () => {
    writeSync(fd, buf);
    buf = '';
  };
  for (let l = 0; l < LANES && events < N; l++, events++) {
    buf +=
      JSON.stringify({
        type: 'task',
        ts: ts++,
        id: String(l + 1),
        kind: l === 0 ? 'event-loop' : 'asyncio-task',
        name: l === 0 ? 'loop' : `worker-${l}`,
        parent: l === 0 ? null : '1',
        file: '/bench/app.py',
        line: 10 + (l % 7),
      }) + '\n';
  }
  let cur = 1,
    x = 12345;
  while (events < N) {
    x = (x * 1103515245 + 12345) % 2147483648;
    ts += 200 + (x % 5000);
    const r = x % 100;
    if (r < 85) {
      const to = cur === 1 ? 2 + (x % (LANES - 1)) : 1;
      buf +=
        JSON.stringify({
          type: 'switch',
          ts,
          from: String(cur),
          to: String(to),
          reason: cur === 1 ? 'resume' : 'await',
          value: cur === 1 ? String(x % 1000) : "'ok'",
          file: '/bench/app.py',
          line: 20 + (x % 40),
        }) + '\n';
      cur = to;
    } else if (r < 92) {
      buf += JSON.stringify({ type: 'output', ts, task: String(cur), stream: 'stdout', text: `item ${x % 10000} done\n` }) + '\n';
    } else if (r < 99) {
      buf += JSON.stringify({ type: r < 96 ? 'block' : 'wake', ts, task: String(cur), on: 'timer', detail: '0.01 s' }) + '\n';
    } else {
      buf +=
        JSON.stringify({
          type: 'mark',
          ts,
          kind: 'loop-blocked',
          message: 'held the loop for 120 ms',
          task: String(cur),
          ms: 120,
          file: '/bench/app.py',
          line: 33,
        }) + '\n';
    }
    events++;
    if (buf.length > 1 << 20) flush();
  }
  flush();
  closeSync(fd);
  return events;
}

function timed(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'dist/cli.js'), ...args], { cwd, encoding: 'utf8', env, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return performance.now() - t;
}

const mb = (p: string) => (statSync(p).size / 1e6).toFixed(1);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'coroscope-bench-cli-'));
  const trace = join(dir, 'trace.jsonl');
  const events = writeTrace(trace);
  console.log(`trace: ${events.toLocaleString('en-US')} events, ${LANES} lanes, ${mb(trace)} MB JSONL`);
  const tHtml = timed(['report', trace, '--html', 'r.html'], dir);
  const tPerf = timed(['report', trace, '--perfetto', 'r.json'], dir);
  const tMmd = timed(['report', trace, '--mermaid', 'r.mmd'], dir);
  console.log(`coroscope report --html: ${(tHtml / 1000).toFixed(2)} s → ${mb(join(dir, 'r.html'))} MB`);
  console.log(`coroscope report --perfetto: ${(tPerf / 1000).toFixed(2)} s → ${mb(join(dir, 'r.json'))} MB`);
  console.log(`coroscope report --mermaid: ${(tMmd / 1000).toFixed(2)} s → ${statSync(join(dir, 'r.mmd')).size.toLocaleString('en-US')} characters`);
  // $BENCH_CLI_AB=1: the same trace's page with JSON Lines blocks too (COROSCOPE_REPORT_EMBED=jsonl, the page before
  // column blocks), loaded in turn with the column page: the ratio holds whatever the machine's load.
  const ab = process.env.BENCH_CLI_AB === '1';
  if (ab) {
    const tJ = timed(['report', trace, '--html', 'rj.html'], dir, { ...process.env, COROSCOPE_REPORT_EMBED: 'jsonl' });
    console.log(`coroscope report --html with JSON Lines blocks: ${(tJ / 1000).toFixed(2)} s → ${mb(join(dir, 'rj.html'))} MB`);
  }
  const pages = ab ? ['r.html', 'rj.html'] : ['r.html'];

  const { ctx, profile } = await launchChromium('coroscope-bench-chromium-');
  const by = new Map(pages.map((f) => [f, { readies: [] as number[], cpus: [] as number[], perEvent: [] as number[] }]));
  try {
    for (let run = 0; run < RUNS; run++)
      for (const html of pages) {
        const { readies, cpus, perEvent } = by.get(html)!;
        const page = await ctx.newPage();
        await page.goto('about:blank');
        const load = loadAverage(1, 1);
        const cpu0 = rendererCpu(profile);
        await page.goto(pathToFileURL(join(dir, html)).href, { waitUntil: 'commit' });
        // Polled every frame in the page; the value is ms since navigation start.
        const handle = await page.waitForFunction(
          (n) => {
            const r = document.getElementById('coroscope-root');
            return r && r.dataset.coroscopeState === 'ready' && Number(r.dataset.events) === n ? performance.now() : 0;
          },
          events,
          { polling: 'raf', timeout: 120_000 },
        );
        const ms = (await handle.jsonValue()) as number;
        const cpuMs = (rendererCpu(profile) - cpu0) * 1000;
        readies.push(ms);
        cpus.push(cpuMs);
        // The boot script's marks (boot: the bundle asked for the trace; inflated: every block inflated and posted),
        // when the page was parsed, and where the trace was inflated (worker or the main thread).
        const marks = await page.evaluate(() => {
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
          return [
            ...performance.getEntriesByType('mark').map((m) => `${m.name.replace('coroscope:', '')} ${m.startTime.toFixed(0)}`),
            `parsed ${nav ? nav.domContentLoadedEventStart.toFixed(0) : '?'}`,
            `inflater ${document.getElementById('coroscope-root')?.dataset.inflater ?? '?'}`,
          ].join(', ');
        });
        const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
        // After a forced GC: what the page keeps (the JS heap) and the store's columns and values (typed arrays, off-heap).
        const cdp = await ctx.newCDPSession(page);
        await cdp.send('HeapProfiler.collectGarbage');
        await cdp.send('HeapProfiler.collectGarbage');
        const kept = (await cdp.send('Runtime.getHeapUsage')).usedSize;
        const storeBytes = await page.evaluate(() => (window as unknown as { coroscope: { store: { approxBytes(): number } } }).coroscope.store.approxBytes());
        perEvent.push((kept + storeBytes) / events);
        console.log(
          `  ${html} run ${run + 1}: after GC: JS heap ${(kept / 1e6).toFixed(1)} MB + store typed arrays ${(storeBytes / 1e6).toFixed(1)} MB = ${((kept + storeBytes) / events).toFixed(1)} B/event (target ≤ 64)`,
        );
        console.log(
          `  ${html} run ${run + 1}: ready with ${events.toLocaleString('en-US')} events after ${ms.toFixed(0)} ms, renderer CPU ${cpuMs.toFixed(0)} ms, load average ${load} (JS heap ${(heap / 1e6).toFixed(0)} MB; marks ms: ${marks})`,
        );
        await page.close();
      }
  } finally {
    await ctx.close();
  }
  for (const [html, { readies, cpus, perEvent }] of by) {
    const m = median(readies);
    console.log(
      `${html}: HTML ready in the browser: median ${m.toFixed(0)} ms over ${RUNS} runs (target ≤ 2000 ms) ${m <= 2000 ? 'OK' : 'OVER'}; renderer CPU median ${median(cpus).toFixed(0)} ms; heap after GC median ${median(perEvent).toFixed(1)} B/event (target ≤ 64); load average now ${loadAverage(1, 1)}`,
    );
  }
  // The page without a trace: what the bundle and the DOM cost whatever the trace.
  const { ctx: c2 } = await launchChromium('coroscope-bench-chromium-empty-');
  try {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(
      empty,
      '{"type":"header","schema":1,"runtime":"t","python":"3.11","capture":"settrace","script":"/bench/app.py","argv":[],"cwd":"/bench","pid":1,"start":0,"ts":0}\n{"type":"task","ts":1,"id":"1","kind":"main","name":"main","parent":null}\n',
    );
    timed(['report', empty, '--html', 'empty.html'], dir);
    const page = await c2.newPage();
    await page.goto(pathToFileURL(join(dir, 'empty.html')).href);
    await page.waitForSelector('#coroscope-root[data-coroscope-state=ready]');
    const cdp = await c2.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    console.log(`the report page with one event: JS heap after GC ${((await cdp.send('Runtime.getHeapUsage')).usedSize / 1e6).toFixed(1)} MB`);
  } finally {
    await c2.close();
  }
}

void main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
