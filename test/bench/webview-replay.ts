// Benchmark of the replay cursor in a real browser (not a test), apart from `bench:webview` (which has the same
// move sequence among its other cases): where a cursor move's time goes on a 1,000,000-event trace with 200 tasks.
// Per move: the Tasks pane update (task states + DOM, timed in the page), the whole frame's script, and Chromium's
// own cumulative counters (CDP Performance.getMetrics: script, style recalculation, layout; TaskDuration = all of
// the main thread's work) divided by the moves, plus the renderer processes' CPU time, which waiting for a core on
// a loaded machine does not inflate.
// Usage: npm run build && node out/test/bench/webview-replay.js [events]
import { openDiagram } from '../e2e/harness';
import { loadAverage, rendererCpu } from './common';

const N = Number(process.argv[2] ?? 1_000_000);
const LANES = 200;
const MOVES = 300;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}
const f = (x: number) => x.toFixed(2);

/** In the page: a gevent-like trace (a hub and greenlets switching with values), as UTF-8 chunks in `__bytes`. */
function generate(args: { n: number; lanes: number }): void {
  const { n, lanes } = args;
  const F = '/home/dev/project/server/handlers.py';
  const enc = new TextEncoder();
  const out: Uint8Array[] = [];
  let lines: string[] = [
    JSON.stringify({
      type: 'header',
      schema: 1,
      runtime: 'coroscope bench',
      python: '3.12.0',
      capture: 'monitoring',
      script: F,
      argv: [],
      cwd: '/',
      pid: 1,
      start: 0,
      ts: 1e12,
    }),
  ];
  let made = 0;
  let ts = 1e12;
  const push = (o: object) => {
    lines.push(JSON.stringify(o));
    made++;
    if (lines.length >= 10000) {
      out.push(enc.encode(lines.join('\n') + '\n'));
      lines = [];
    }
  };
  push({ type: 'task', ts, id: '1', kind: 'main', name: 'main', parent: null });
  push({ type: 'task', ts, id: '2', kind: 'hub', name: 'Hub', parent: '1' });
  for (let l = 3; l <= lanes; l++)
    push({ type: 'task', ts, id: String(l), kind: 'greenlet', name: `worker-${l}`, parent: '1', file: F, line: 10, codeFile: F, codeLine: 40 });
  const reasons = ['switch', 'sleep', 'io-wait', 'resume'];
  let cur = 2;
  for (let r = 0; made < n; r++) {
    ts += 1000;
    const to = cur === 2 ? 3 + (r % (lanes - 2)) : 2;
    push({
      type: 'switch',
      ts,
      from: String(cur),
      to: String(to),
      reason: reasons[r % 4],
      value: String(r % 10),
      file: F,
      line: 20 + (r % 60),
      toFile: F,
      toLine: 30 + (r % 25),
    });
    cur = to;
  }
  if (lines.length) out.push(enc.encode(lines.join('\n') + '\n'));
  (window as unknown as { __bytes: Uint8Array[] }).__bytes = out;
}

async function main(): Promise<void> {
  const d = await openDiagram({ width: 1400, height: 900 });
  const page = d.page;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  console.log(`replay cursor benchmark: ${N.toLocaleString('en-US')} events on ${LANES} lanes, ${MOVES} moves`);
  await page.evaluate(generate, { n: N, lanes: LANES });
  await page.evaluate(() => {
    const w = window as unknown as { __bytes: Uint8Array[] };
    window.postMessage({ type: 'reset', title: 'bench', live: false }, '*');
    for (const b of w.__bytes) window.postMessage({ type: 'appendBytes', bytes: b }, '*', [b.buffer]);
  });
  const events = await page.evaluate(() => (window as unknown as { __bytes: Uint8Array[] }).__bytes.length);
  void events;
  await page.waitForSelector(`#coroscope-root[data-coroscope-state=ready][data-events="${N}"]`, { timeout: 300_000 });

  const metrics = async () => {
    const m = (await cdp.send('Performance.getMetrics')).metrics;
    const get = (k: string) => (m.find((x) => x.name === k)?.value ?? 0) * 1000;
    return { script: get('ScriptDuration'), style: get('RecalcStyleDuration'), layout: get('LayoutDuration'), task: get('TaskDuration') };
  };

  const run = async (label: string) => {
    // the cursor exists (the index is built) before the clock starts
    await page.evaluate(async () => {
      const app = (window as unknown as { coroscope: { replay: { goRow(r: number): void }; model: { rowCount: number } } }).coroscope;
      app.replay.goRow(Math.floor(app.model.rowCount / 2));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    });
    const m0 = await metrics();
    const cpu0 = rendererCpu(d.profile);
    const load = loadAverage(2, 1);
    const r = await page.evaluate(async (moves) => {
      type R = { updateTimes: number[]; goRow(r: number): void };
      const app = (window as unknown as { coroscope: { drawTimes: number[]; replay: R; model: { rowCount: number } } }).coroscope;
      const canvas = document.querySelector('canvas.body') as HTMLCanvasElement;
      canvas.focus();
      const rows = app.model.rowCount;
      app.replay.updateTimes.length = 0;
      app.drawTimes.length = 0;
      let seed = 12345;
      const rnd = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x7fffffff;
      };
      const intervals: number[] = [];
      await new Promise<void>((resolve) => {
        let k = 0,
          last = 0;
        const tick = (t: number) => {
          if (last) intervals.push(t - last);
          last = t;
          if (k === moves) return resolve();
          if (k < (moves * 2) / 3) canvas.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true, cancelable: true }));
          else app.replay.goRow(Math.floor(rnd() * rows));
          k++;
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      await new Promise((res) => setTimeout(res, 100));
      return { updates: [...app.replay.updateTimes], draws: [...app.drawTimes], intervals };
    }, MOVES);
    const cpu = ((rendererCpu(d.profile) - cpu0) * 1000) / MOVES;
    const m1 = await metrics();
    const per = (k: keyof typeof m0) => (m1[k] - m0[k]) / MOVES;
    console.log(
      `${label} (load average ${load}): pane update p50 ${f(pct(r.updates, 0.5))} / p95 ${f(pct(r.updates, 0.95))} ms; whole frame script p50 ${f(pct(r.draws, 0.5))} / p95 ${f(pct(r.draws, 0.95))} ms; frame interval p50 ${f(pct(r.intervals, 0.5))} ms; per move: main thread ${f(per('task'))} ms = script ${f(per('script'))} + style ${f(per('style'))} + layout ${f(per('layout'))} + other; renderer CPU ${f(cpu)} ms`,
    );
  };
  /** BENCH_TRACE=1: Chromium's own timeline of each run, main-thread time per move by event name (nested events counted in their parents too). */
  const measure = async (label: string) => {
    if (process.env.BENCH_TRACE !== '1') return run(label);
    const evs: {
      name: string;
      ph: string;
      dur?: number;
      tid: number;
      args?: { name?: string; beginData?: { stackTrace?: { functionName: string; url: string; lineNumber: number }[] } };
    }[] = [];
    // (the protocol types trace events as string maps; Chromium's have numbers and objects too)
    const onData = (e: { value: unknown[] }) => evs.push(...(e.value as typeof evs));
    cdp.on('Tracing.dataCollected', onData);
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.start', {
      categories: 'devtools.timeline,disabled-by-default-devtools.timeline,disabled-by-default-devtools.timeline.stack',
      transferMode: 'ReportEvents',
    });
    await run(label);
    await cdp.send('Tracing.end');
    await done;
    cdp.off('Tracing.dataCollected', onData);
    const main = evs.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')?.tid;
    const by = new Map<string, number>();
    const forced = new Map<string, number>();
    for (const e of evs) {
      if (e.tid !== main || e.ph !== 'X' || !e.dur) continue;
      by.set(e.name, (by.get(e.name) ?? 0) + e.dur / 1000 / MOVES);
      const st = e.args?.beginData?.stackTrace;
      if ((e.name === 'Layout' || e.name === 'UpdateLayoutTree') && st?.length) {
        const k = `${e.name} ← ${st
          .slice(0, 3)
          .map((x) => x.functionName || '?')
          .join(' ← ')}`;
        forced.set(k, (forced.get(k) ?? 0) + e.dur / 1000 / MOVES);
      }
    }
    if (forced.size)
      console.log(
        `  forced (in script) per move: ${[...forced]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 8)
          .map(([k, v]) => `${k} ${f(v)}`)
          .join('; ')}`,
      );
    console.log(
      `  timeline per move: ${[...by]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 16)
        .map(([k, v]) => `${k} ${f(v)}`)
        .join('; ')}`,
    );
  };
  if (process.env.BENCH_PROFILE === '1') {
    // V8's sampling profile of the moves: self time per function (ms per move)
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    await run('cursor moves, profiled');
    const { profile } = await cdp.send('Profiler.stop');
    const dt = new Map<number, number>();
    const ts = profile.timeDeltas ?? [];
    const samples = profile.samples ?? [];
    for (let k = 0; k < samples.length; k++) dt.set(samples[k], (dt.get(samples[k]) ?? 0) + (ts[k] ?? 0) / 1000 / MOVES);
    const by = new Map<string, number>();
    for (const n of profile.nodes) {
      const k = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
      by.set(k, (by.get(k) ?? 0) + (dt.get(n.id) ?? 0));
    }
    console.log(
      `  self time per move: ${[...by]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 14)
        .map(([k, v]) => `${k} ${f(v)}`)
        .join('; ')}`,
    );
  }
  await measure('cursor moves');
  if (process.env.BENCH_MUTATIONS === '1') {
    // what a move writes in the pane: mutation records per move, by kind and attribute
    const m = await page.evaluate(async () => {
      const app = (window as unknown as { coroscope: { replay: { goRow(r: number): void }; model: { rowCount: number } } }).coroscope;
      const by: Record<string, number> = {};
      const obs = new MutationObserver((recs) => {
        for (const r of recs) {
          const k = `${r.type}${r.attributeName ? `:${r.attributeName}` : ''} in ${(r.target as Element).className ?? r.target.parentElement?.className ?? ''}`;
          by[k] = (by[k] ?? 0) + 1;
        }
      });
      obs.observe(document.querySelector('.side')!, { subtree: true, attributes: true, childList: true, characterData: true });
      const start = Math.floor(app.model.rowCount / 3);
      for (let k = 0; k < 20; k++) {
        app.replay.goRow(start + k);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      }
      obs.disconnect();
      return by;
    });
    console.log(`  mutations in the side column per move: ${JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v / 20])))}`);
  }
  // BENCH_HIDE="label=selector;…": where the time goes, by hiding parts of the page one after another
  for (const [label, sel] of (process.env.BENCH_HIDE ?? '')
    .split(';')
    .filter(Boolean)
    .map((v) => v.split('=') as [string, string])) {
    await page.evaluate((q) => {
      for (const e of document.querySelectorAll(q)) (e as HTMLElement).style.setProperty('display', 'none', 'important');
    }, sel);
    await measure(`${label} (hidden: ${sel})`);
  }
  await d.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
