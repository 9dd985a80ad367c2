// Benchmark of the diagram in a real browser (not a test): 1,000,000 events on
// 200 lanes. Measures, in Debian chromium via playwright-core:
//   - ready: from posting the trace (reset + JSON Lines chunks as UTF-8 bytes + status,
//     as the panel replays a finished run; then as text, the previous protocol, for
//     comparison) to the root's data-coroscope-state="ready" data-events="1000000";
//   - heap: JS heap after a forced GC (CDP Runtime.getHeapUsage) minus the empty
//     page's, plus the store's typed arrays (off the JS heap), per event;
//   - pan/zoom: wheel events (scroll, ctrl+wheel zoom, shift+wheel pan) one per
//     animation frame; frame intervals (requestAnimationFrame) and draw times;
//   - live: 100,000 events/s appended in 20 ms batches for 5 s while following;
//     frame intervals, draw times and per-batch decode times;
//   - Fit: the whole trace on screen (Time scale, then Steps) redrawn every frame.
// BENCH_FIT_ONLY=1 stops after ready, heap and Fit.
// Usage: npm run bench:webview  (node out/test/bench/webview.js [events])
import { readFileSync, readdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { benchDiagram, loadAverage, rendererCpu } from './common';

const N = Number(process.argv[2] ?? 1_000_000);
const LANES = 200;

interface Stats {
  p50: number;
  p95: number;
  max: number;
  n: number;
}
function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { p50: q(0.5), p95: q(0.95), max: s[s.length - 1] ?? NaN, n: s.length };
}
const f = (x: number) => x.toFixed(1);
const fmt = (s: Stats) => `p50 ${f(s.p50)} ms, p95 ${f(s.p95)} ms, max ${f(s.max)} ms (n=${s.n})`;

/** Runs in the page: builds the trace as JSON Lines chunks of `per` lines (a gevent-like server: a hub and 199 greenlets). */
export function generate(args: { n: number; lanes: number; per: number; t0: number; first: boolean }): number {
  const { n, lanes, per, first } = args;
  const w = window as unknown as { __chunks: string[] };
  const F = '/home/dev/project/server/handlers.py';
  const G = '/home/dev/project/server/db.py';
  const reasons = ['switch', 'sleep', 'io-wait', 'join', 'yield', 'resume', 'await', 'lock'];
  const values = ['None', "'200 OK'", '0.01', 'fd=7 read', 'fd=9 write', '<Greenlet "worker-3">', '1', '2', "b'GET / HTTP/1.1'", 'True'];
  const chunks: string[] = [];
  let lines: string[] = [];
  let ts = args.t0;
  let cur = 1;
  let made = 0;
  const push = (o: object) => {
    lines.push(JSON.stringify(o));
    made++;
    if (lines.length === per) {
      chunks.push(lines.join('\n') + '\n');
      lines = [];
    }
  };
  if (first) {
    lines.push(
      JSON.stringify({
        type: 'header',
        schema: 1,
        runtime: 'coroscope bench',
        python: '3.13.5',
        capture: 'monitoring',
        script: F,
        argv: [F],
        cwd: '/home/dev/project',
        pid: 4242,
        start: 1767225600000,
        ts,
      }),
    );
    for (let l = 1; l <= lanes; l++)
      push({
        type: 'task',
        ts: (ts += 500),
        id: String(l),
        kind: l === 1 ? 'hub' : 'greenlet',
        name: l === 1 ? 'Hub' : `worker-${l}`,
        parent: l === 1 ? null : '1',
        file: F,
        line: 10 + (l % 40),
      });
  }
  let i = made;
  while (made < n) {
    i++;
    ts += 800 + (((i * 2654435761) >>> 0) % 4000);
    const r = (i * 40503) >>> 0;
    const kind = r % 100;
    const lane = String(cur);
    if (kind < 4) push({ type: 'block', ts, task: lane, on: 'fd', detail: `fd=${7 + (r % 20)} read`, file: G, line: 88 });
    else if (kind < 8) push({ type: 'wake', ts, task: lane, on: 'fd', detail: `fd=${7 + (r % 20)} read` });
    else if (kind < 9) push({ type: 'output', ts, task: lane, stream: 'stdout', text: `handled request ${i}\n` });
    else {
      const to = cur === 1 ? 2 + (r % (lanes - 1)) : 1;
      const value = r % 10 === 0 ? `'item ${i}'` : values[r % values.length];
      push({
        type: 'switch',
        ts,
        from: lane,
        to: String(to),
        reason: reasons[r % reasons.length],
        value,
        file: r % 3 ? F : G,
        line: 20 + (r % 60),
        toFile: F,
        toLine: 30 + (r % 25),
        depth: r % 7 === 0 ? 1 : 0,
      });
      cur = to;
    }
  }
  if (lines.length) chunks.push(lines.join('\n') + '\n');
  w.__chunks = chunks;
  return chunks.reduce((a, c) => a + c.length, 0);
}

/** In the page: `__everyFrame(step)` calls step(k) in one animation frame after another (k = 0, 1, …) until it returns false; resolves with the intervals between the frames. */
interface FrameLoop {
  __everyFrame(step: (k: number) => boolean): Promise<number[]>;
  /**
   * 60 frames of the Fit view on `scale`, `render()` timed in each, after that frame's change (`kind`): none, the
   * same view redrawn; `hover`, the hovered row moving; `fresh`, the content drawn anew (no kept picture);
   * `scroll`, zoomed in 1.25x from Fit (Fit cannot scroll) and scrolled down 1 px. Leaves the Steps scale on.
   */
  __fitFrames(scale: FitScale, kind: FitKind): Promise<{ intervals: number[]; draws: number[] }>;
}
type FitScale = 'time' | 'steps';
type FitKind = 'same' | 'hover' | 'fresh' | 'scroll';
function installFrameLoop(page: Page): Promise<void> {
  return page.evaluate(() => {
    const loop = window as unknown as FrameLoop;
    loop.__everyFrame = (step) =>
      new Promise((resolve) => {
        const intervals: number[] = [];
        let last = 0,
          k = 0;
        const tick = (t: number) => {
          if (last) intervals.push(t - last);
          last = t;
          if (!step(k++)) {
            resolve(intervals);
            return;
          }
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
    loop.__fitFrames = async (scale, kind) => {
      const app = (
        window as unknown as {
          coroscope: {
            setScale(s: string): void;
            fit(): void;
            render(): void;
            picture?: { invalidate(): void };
            view: { hoverRow: number; top: number; rowH: number; nsPx: number };
            geometry(): { visibleRows(): { r: number; e: number }[] };
          };
        }
      ).coroscope;
      app.setScale(scale);
      app.fit();
      let rows: { r: number; e: number }[] = [];
      if (kind === 'hover') {
        app.render();
        rows = app
          .geometry()
          .visibleRows()
          .filter((r) => r.e >= 0);
      }
      if (kind === 'scroll') {
        if (scale === 'time') app.view.nsPx *= 1.25;
        else app.view.rowH *= 1.25;
      }
      const draws: number[] = [];
      const intervals = await loop.__everyFrame((k) => {
        if (k === 60) return false;
        if (kind === 'hover') app.view.hoverRow = rows[Math.floor((k / 60) * rows.length)]?.r ?? -1;
        else if (kind === 'fresh')
          app.picture?.invalidate(); // (a base bundle without the picture draws every frame anew)
        else if (kind === 'scroll') app.view.top += 1 / (scale === 'time' ? app.view.nsPx : app.view.rowH);
        const t0 = performance.now();
        app.render();
        draws.push(performance.now() - t0);
        return true;
      });
      app.view.hoverRow = -1;
      app.setScale('steps');
      return { intervals, draws };
    };
  });
}
/** In the page: 60 frames of the Fit view (FrameLoop.__fitFrames). */
function fitFramesOf(page: Page, scale: FitScale, kind: FitKind): Promise<{ intervals: number[]; draws: number[] }> {
  return page.evaluate(([sc, k]) => (window as unknown as FrameLoop).__fitFrames(sc, k), [scale, kind] as const);
}

type Cdp = Awaited<ReturnType<ReturnType<Page['context']>['newCDPSession']>>;

/**
 * BENCH_TRACE=1: Chromium's own timeline (every process: the page's main thread, its compositor and raster
 * threads, the display compositor) while a measured loop runs; the returned function stops it and sums the complete
 * events' thread CPU time per thread and name, per frame (nested events count in their parents too), largest first
 * (the first 30, or BENCH_TRACE_TOP).
 */
async function startTrace(cdp: Cdp): Promise<(frames: number) => Promise<string>> {
  const evs: { name: string; ph: string; dur?: number; tdur?: number; pid: number; tid: number; args?: { name?: string } }[] = [];
  // (the protocol types trace events as string maps; Chromium's have numbers and objects too)
  const onData = (e: { value: unknown[] }) => evs.push(...(e.value as typeof evs));
  cdp.on('Tracing.dataCollected', onData);
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,blink,cc,viz,gpu,skia,disabled-by-default-skia,toplevel,benchmark,renderer.scheduler',
    transferMode: 'ReportEvents',
  });
  return async (frames) => {
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.end');
    await done;
    cdp.off('Tracing.dataCollected', onData);
    const threads = new Map<string, string>();
    for (const e of evs) if (e.name === 'thread_name' && e.args?.name) threads.set(`${e.pid}:${e.tid}`, e.args.name);
    const by = new Map<string, number>();
    // The thread's CPU time in the event (`tdur`) where Chromium gives it: on a loaded machine wall time (`dur`)
    // counts the time the thread waited for a core.
    for (const e of evs) {
      const d = e.tdur ?? e.dur;
      if (e.ph !== 'X' || !d) continue;
      const k = `${threads.get(`${e.pid}:${e.tid}`) ?? e.tid} ${e.name}`;
      by.set(k, (by.get(k) ?? 0) + d / 1000 / frames);
    }
    return [...by]
      .sort((a, b) => b[1] - a[1])
      .slice(0, Number(process.env.BENCH_TRACE_TOP ?? 30))
      .map(([k, v]) => `${k} ${f(v)}`)
      .join('; ');
  };
}

/**
 * CPU ms used so far by the main threads of the renderer processes of the browser using `profile` (Linux /proc: a
 * process's first thread, tid = pid, is Blink's main thread, where the page's script runs and the canvas is
 * rasterized at each commit). Unlike the timeline it needs no tracing: Chromium's `skia` trace category records an
 * event per drawing call, which at ~1,000 calls a frame inflates the very thread it measures. Clock ticks (10 ms):
 * read over 60 frames or more.
 */
function mainThreadCpu(profile: string): number {
  let ticks = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer') || !cmd.includes(profile)) continue;
      const st = readFileSync(`/proc/${d}/task/${d}/stat`, 'utf8');
      const fld = st.slice(st.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fld[11]) + Number(fld[12]);
    } catch {
      /* gone */
    }
  }
  return ticks * 10;
}

async function main(): Promise<void> {
  const { d, cdp, heap } = await benchDiagram();
  const page = d.page;
  const out: string[] = [];
  const say = (s: string) => {
    console.log(s);
    out.push(s);
  };
  say(`webview benchmark: ${N.toLocaleString('en-US')} events on ${LANES} lanes, chromium ${(await page.context().browser()?.version()) ?? ''}`);

  // 1. Ready after the data arrived.
  await d.send({ type: 'reset', title: 'bench', live: false });
  await d.waitReady(0);
  const heap0 = await heap();
  const textBytes = await page.evaluate(generate, { n: N, lanes: LANES, per: 10000, t0: 1e12, first: true });
  const nChunks = await page.evaluate(() => (window as unknown as { __chunks: string[] }).__chunks.length);
  say(`trace: ${(textBytes / 1e6).toFixed(0)} MB of JSON Lines in ${nChunks} chunks of 10,000 lines (ASCII: as many bytes)`);
  // As the panel sends them now: UTF-8 bytes (appendBytes), each message's buffer transferred (VS Code's webview
  // host transfers message buffers into the page). Encoded here, before the clock starts (the host has bytes).
  await page.evaluate(() => {
    const w = window as unknown as { __chunks: string[] | null; __bytes: Uint8Array[] };
    const enc = new TextEncoder();
    w.__bytes = w.__chunks!.map((c) => enc.encode(c));
    w.__chunks = null;
  });
  /**
   * Posts reset + every chunk (bytes or text) and resolves with the ms until the root is ready with all events, and
   * where they went: the store's decoding (`appendBytes`/`appendText`), the layout (`DiagramModel.update`) and the
   * renders meanwhile (each timed on the page's clock; the rest is message handling, GC and the browser).
   */
  const ready = (kind: 'bytes' | 'text') =>
    page.evaluate(
      async ({ n, kind: k }) => {
        type Timed = Record<string, (...a: unknown[]) => unknown>;
        const w = window as unknown as { __chunks: string[] | null; __bytes: Uint8Array[] | null; coroscope: { render(): void } };
        const root = document.getElementById('coroscope-root')!;
        const split = { decode: 0, layout: 0, render: 0, renders: 0 };
        // The store and model of the reset below are new objects: time their prototypes' methods.
        const app = w.coroscope as unknown as { store: object; model: object; render(): void };
        const storeProto = Object.getPrototypeOf(app.store) as Timed,
          modelProto = Object.getPrototypeOf(app.model) as Timed;
        const wrap = (o: Timed, name: string, into: 'decode' | 'layout') => {
          const orig = o[name];
          o[name] = function (this: unknown, ...a: unknown[]) {
            const t = performance.now();
            const r = orig.apply(this, a);
            split[into] += performance.now() - t;
            return r;
          };
          return () => {
            o[name] = orig;
          };
        };
        const unwrap = [wrap(storeProto, 'appendBytes', 'decode'), wrap(storeProto, 'appendText', 'decode'), wrap(modelProto, 'update', 'layout')];
        const render = app.render;
        app.render = () => {
          const t = performance.now();
          render.call(app);
          split.render += performance.now() - t;
          split.renders++;
        };
        const t0 = performance.now();
        const done = new Promise<number>((resolve) => {
          const check = () => {
            if (root.dataset.coroscopeState === 'ready' && root.dataset.events === String(n)) {
              obs.disconnect();
              resolve(performance.now());
            }
          };
          const obs = new MutationObserver(check);
          obs.observe(root, { attributes: true });
        });
        window.postMessage({ type: 'reset', title: 'bench', live: false }, '*');
        if (k === 'bytes') for (const b of w.__bytes!) window.postMessage({ type: 'appendBytes', bytes: b }, '*', [b.buffer]);
        else for (const c of w.__chunks!) window.postMessage({ type: 'test.append', chunk: c }, '*');
        // As the panel ends the replay of a finished run or an opened trace.
        window.postMessage({ type: 'status', state: 'loaded' }, '*');
        w.__chunks = null;
        w.__bytes = null;
        const ms = (await done) - t0;
        for (const u of unwrap) u();
        delete (app as { render?: unknown }).render;
        return { ms, ...split };
      },
      { n: N, kind },
    );
  const splitText = (r: { decode: number; layout: number; render: number; renders: number }) =>
    `store decode ${f(r.decode)} ms, layout ${f(r.layout)} ms, ${r.renders} renders ${f(r.render)} ms`;
  const cpu0 = rendererCpu(d.profile);
  const load0 = loadAverage(2, 1);
  const readyRun = await ready('bytes');
  const readyMs = readyRun.ms;
  const readyCpu = (rendererCpu(d.profile) - cpu0) * 1000;
  say(
    `ready (appendBytes, as the panel and the report send): ${f(readyMs)} ms after the data was posted (target ≤ 1000 ms); renderer CPU time ${f(readyCpu)} ms (load average ${load0} on this shared machine); of it: ${splitText(readyRun)}`,
  );

  const heap1 = await heap();
  const storeBytes = await page.evaluate(() => (window as unknown as { coroscope: { store: { approxBytes(): number } } }).coroscope.store.approxBytes());
  const jsPer = (heap1 - heap0) / N;
  say(
    `heap: JS heap +${((heap1 - heap0) / 1e6).toFixed(1)} MB (${f(jsPer)} B/event); store columns + value arena (typed arrays, outside the JS heap) ${(storeBytes / 1e6).toFixed(1)} MB (${f(storeBytes / N)} B/event); total ≤ ${f(jsPer + storeBytes / N)} B/event (target ≤ 64)`,
  );

  // Fit: the whole trace on one screen, redrawn once per frame (a resize, a theme change, the minimap's hover), on
  // each scale. `render()` is timed (the canvas draw, the minimap, the table upkeep); the frame intervals say whether
  // the redraw kept up.
  await installFrameLoop(page);
  for (const scale of ['time', 'steps'] as const) {
    const cpuFit = rendererCpu(d.profile, true);
    const tracing = process.env.BENCH_TRACE === '1' ? await startTrace(cdp) : undefined;
    const fitFrames = await fitFramesOf(page, scale, 'same');
    const cpuPer = ((rendererCpu(d.profile, true) - cpuFit) * 1000) / fitFrames.draws.length;
    say(
      `${scale} scale at Fit, redrawn every frame (${fitFrames.draws.length} frames): frame interval ${fmt(stats(fitFrames.intervals))}; render ${fmt(stats(fitFrames.draws))}; browser CPU (all processes) ${f(cpuPer)} ms/frame (load average ${loadAverage(2, 1)})`,
    );
    if (tracing) say(`  ${scale} at Fit, Chromium's timeline per frame: ${await tracing(fitFrames.draws.length)}`);
    // The same view with the hovered row moving every frame (a mouse over the diagram): the bands change, the content does not.
    const cpuHover = rendererCpu(d.profile, true);
    const hover = await fitFramesOf(page, scale, 'hover');
    say(
      `${scale} scale at Fit, the hovered row moving every frame (${hover.draws.length} frames): frame interval ${fmt(stats(hover.intervals))}; render ${fmt(stats(hover.draws))}; browser CPU (all processes) ${f(((rendererCpu(d.profile, true) - cpuHover) * 1000) / hover.draws.length)} ms/frame (load average ${loadAverage(2, 1)})`,
    );
    // The same frames with the content drawn anew each time (the frame after a resize, a theme change, a new scale:
    // the app keeps a frame's content as a picture only while the view stays the same, webview/frame-picture.ts).
    const cpuNew = rendererCpu(d.profile, true);
    const mainNew = mainThreadCpu(d.profile);
    const tracingNew = process.env.BENCH_TRACE === '1' ? await startTrace(cdp) : undefined;
    const fresh = await fitFramesOf(page, scale, 'fresh');
    const mainPer = (mainThreadCpu(d.profile) - mainNew) / fresh.draws.length;
    say(
      `${scale} scale at Fit, content drawn anew every frame (${fresh.draws.length} frames): frame interval ${fmt(stats(fresh.intervals))}; render ${fmt(stats(fresh.draws))}; browser CPU (all processes) ${f(((rendererCpu(d.profile, true) - cpuNew) * 1000) / fresh.draws.length)} ms/frame; renderer main thread CPU${tracingNew ? ' (tracing on)' : ''} ${f(mainPer)} ms/frame (load average ${loadAverage(2, 1)})`,
    );
    if (tracingNew) say(`  ${scale} at Fit drawn anew, Chromium's timeline per frame: ${await tracingNew(fresh.draws.length)}`);
    // A new view every frame for real: zoomed in 1.25× from Fit (Fit itself cannot scroll), the view scrolled down by
    // one pixel a frame (the rows drawn, the lanes' states at them and everything above are found anew; the loop
    // above keeps the same rows).
    const mainScroll = mainThreadCpu(d.profile);
    const scrolled = await fitFramesOf(page, scale, 'scroll');
    say(
      `${scale} scale at 1.25× Fit, scrolled down 1 px every frame (${scrolled.draws.length} frames): frame interval ${fmt(stats(scrolled.intervals))}; render ${fmt(stats(scrolled.draws))}; renderer main thread CPU ${f((mainThreadCpu(d.profile) - mainScroll) / scrolled.draws.length)} ms/frame (load average ${loadAverage(2, 1)})`,
    );
  }
  // BENCH_FIT_ONLY=1: only ready and Fit (an A/B of the Fit redraw, base vs branch, run after run).
  if (process.env.BENCH_FIT_ONLY) {
    await d.close();
    return;
  }

  // For comparison: the same trace as text (`append` strings, structured-cloned), as the panel sent it before.
  await page.evaluate(generate, { n: N, lanes: LANES, per: 10000, t0: 1e12, first: true });
  const cpu1 = rendererCpu(d.profile);
  const load1 = loadAverage(2, 1);
  const readyText = (await ready('text')).ms;
  const readyTextCpu = (rendererCpu(d.profile) - cpu1) * 1000;
  say(`ready (append, text; the previous protocol): ${f(readyText)} ms; renderer CPU time ${f(readyTextCpu)} ms (load average ${load1})`);

  // 2. Pan and zoom, one wheel event per frame.
  await installFrameLoop(page);
  const frames = await page.evaluate(async () => {
    const app = (window as unknown as { coroscope: { drawTimes: number[] } }).coroscope;
    const canvas = document.querySelector('canvas.body') as HTMLCanvasElement;
    const r = canvas.getBoundingClientRect();
    const wheel = (o: WheelEventInit) =>
      canvas.dispatchEvent(new WheelEvent('wheel', { clientX: r.left + 400, clientY: r.top + 400, bubbles: true, cancelable: true, ...o }));
    const steps: WheelEventInit[] = [];
    for (let k = 0; k < 120; k++) steps.push({ deltaY: 120 }); // scroll down
    for (let k = 0; k < 90; k++) steps.push({ deltaY: 60, ctrlKey: true }); // zoom out to the whole trace
    for (let k = 0; k < 60; k++) steps.push({ deltaY: 240 }); // pan zoomed out
    for (let k = 0; k < 90; k++) steps.push({ deltaY: -60, ctrlKey: true }); // zoom back in
    for (let k = 0; k < 60; k++) steps.push({ deltaY: 200, shiftKey: true }); // pan across lanes
    for (let k = 0; k < 60; k++) steps.push({ deltaY: -120 }); // scroll up
    const work: number[] = [];
    app.drawTimes.length = 0;
    const intervals = await (window as unknown as FrameLoop).__everyFrame((k) => {
      if (k === steps.length) return false;
      const t0 = performance.now();
      wheel(steps[k]);
      work.push(performance.now() - t0);
      return true;
    });
    await new Promise((r2) => setTimeout(r2, 200));
    return { intervals, work, draws: [...app.drawTimes] };
  });
  say(
    `pan/zoom (${frames.intervals.length} frames): frame interval ${fmt(stats(frames.intervals))}; draw ${fmt(stats(frames.draws))}; input handling ${fmt(stats(frames.work))} (target: frames ≤ 16 ms)`,
  );

  // Time scale: switch and pan.
  const timeFrames = await page.evaluate(async () => {
    const app = (window as unknown as { coroscope: { drawTimes: number[]; setScale(s: string): void } }).coroscope;
    app.setScale('time');
    const canvas = document.querySelector('canvas.body') as HTMLCanvasElement;
    app.drawTimes.length = 0;
    const intervals = await (window as unknown as FrameLoop).__everyFrame((j) => {
      if (j === 150) return false;
      const k = j + 1;
      canvas.dispatchEvent(
        new WheelEvent('wheel', { deltaY: k < 60 ? 200 : k < 110 ? 60 : -60, ctrlKey: k >= 60, clientX: 400, clientY: 400, bubbles: true, cancelable: true }),
      );
      return true;
    });
    app.setScale('steps');
    return { intervals, draws: [...app.drawTimes] };
  });
  say(`time scale pan/zoom (${timeFrames.intervals.length} frames): frame interval ${fmt(stats(timeFrames.intervals))}; draw ${fmt(stats(timeFrames.draws))}`);

  // 3. Replay: the step cursor moved one step per frame (→), then to random steps (the scrubber); each move
  // recomputes every task's state at the step (trace/replay.ts) and updates the Tasks pane.
  const replay = await page.evaluate(async () => {
    type R = { updateTimes: number[]; stateTimes: number[]; tasks: unknown[]; goRow(r: number): void };
    const app = (window as unknown as { coroscope: { drawTimes: number[]; replay: R; model: { rowCount: number } } }).coroscope;
    const canvas = document.querySelector('canvas.body') as HTMLCanvasElement;
    canvas.focus();
    const rows = app.model.rowCount;
    app.replay.goRow(Math.floor(rows / 2));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    app.replay.updateTimes.length = 0;
    app.replay.stateTimes.length = 0;
    app.drawTimes.length = 0;
    const key = (k: string) => canvas.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const steps = await (window as unknown as FrameLoop).__everyFrame((k) => {
      if (k === 300) return false;
      if (k < 200) key('ArrowRight');
      else app.replay.goRow(Math.floor(rnd() * rows));
      return true;
    });
    await new Promise((r) => setTimeout(r, 200));
    return {
      intervals: steps,
      updates: [...app.replay.updateTimes],
      states: [...app.replay.stateTimes],
      draws: [...app.drawTimes],
      tasks: app.replay.tasks.length,
    };
  });
  say(
    `replay cursor (200 steps → one per frame, then 100 random steps; ${replay.tasks} tasks in the pane): task states at the step ${fmt(stats(replay.states))}; pane update (states + DOM) ${fmt(stats(replay.updates))}; whole frame (draw + pane) ${fmt(stats(replay.draws))}; frame interval ${fmt(stats(replay.intervals))} (target: ≤ 16 ms per move)`,
  );

  // 4. Live: 100,000 events/s in 20 ms batches of 2,000, for 5 s, while following.
  const LIVE = 500_000;
  await page.evaluate(generate, { n: LIVE, lanes: LANES, per: 2000, t0: 1e12, first: true });
  const live = await page.evaluate(async () => {
    const w = window as unknown as { __chunks: string[] | null; coroscope: { drawTimes: number[]; appendBytes(b: Uint8Array): void } };
    const app = w.coroscope;
    const enc = new TextEncoder();
    const chunks = w.__chunks!.map((c) => enc.encode(c));
    w.__chunks = null;
    const decode: number[] = [];
    const orig = app.appendBytes.bind(app);
    app.appendBytes = (b: Uint8Array) => {
      const t = performance.now();
      orig(b);
      decode.push(performance.now() - t);
    };
    window.postMessage({ type: 'reset', title: 'live', live: true }, '*');
    app.drawTimes.length = 0;
    const intervals: number[] = [];
    let running = true;
    let last = 0;
    const tick = (t: number) => {
      if (last) intervals.push(t - last);
      last = t;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      let k = 0;
      const timer = setInterval(() => {
        // Keep to the schedule: batches due by now (a late timer sends what it owes).
        const due = Math.min(chunks.length, Math.floor((performance.now() - t0) / 20) + 1);
        while (k < due) {
          const b = chunks[k++];
          window.postMessage({ type: 'appendBytes', bytes: b }, '*', [b.buffer]);
        }
        if (k >= chunks.length) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    const elapsed = performance.now() - t0;
    return { intervals, draws: [...app.drawTimes], decode, elapsed, events: Number(document.getElementById('coroscope-root')!.dataset.events) };
  });
  say(
    `live: ${live.events.toLocaleString('en-US')} events in ${f(live.elapsed / 1000)} s (${Math.round(live.events / (live.elapsed / 1000)).toLocaleString('en-US')} events/s offered at 100,000/s): frame interval ${fmt(stats(live.intervals))}; draw ${fmt(stats(live.draws))}; decode per 2,000-event batch ${fmt(stats(live.decode))}; main-thread work per frame ≈ draw + decode p95 ${f(stats(live.draws).p95 + stats(live.decode).p95)} ms (target ≤ 16 ms)`,
  );
  await d.close();
}

// (the generator is also used by other benchmarks: run only when started as a script)
if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
