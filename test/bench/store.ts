// Store micro-benchmark (npm run bench:store): TraceStore.appendBytes (what the host, the panel and the
// report feed now) and appendText throughput, and memory, on
//  (a) a generated realistic trace of 1,000,000 events (the runtime's key order and absolute paths), and
//  (b) real runtime traces (test/bench/python workloads run under `python3 -m coroscope --trace`), or the
//      JSON Lines files given as arguments.
// Text is pre-split into ~1 MB whole-line strings and the same as UTF-8 byte arrays (as the webview's chunks),
// so only decode + store is timed. events/s = median of 5; bytes/event = heap + array buffers after GC,
// store held, measured in a fresh run.
// Not a test: prints a table; figures go to docs/benchmarks.md (## Store).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { TraceStore } from '../../trace/store';
import { cpuMs, generateTrace, loadAverage, median } from './common';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const ROOT = path.join(__dirname, '..', '..', '..');

/** Like the runtime's output: fixed key order per type, absolute paths on every event, optional fields left out. */
const generate = (events: number) =>
  generateTrace(events, {
    dir: '/home/someone/projects/service/src/app',
    script: 'main.py',
    ts: 2343201272748,
    header: { implementation: 'cpython' },
    sparse: true,
  });

/** Real runtime traces of the bench workloads (cached in the temp dir). */
function runtimeTraces(): string[] {
  const out: string[] = [];
  for (const [wl, py] of [
    ['gen_pingpong', 'python3'],
    ['asyncio_mix', 'python3'],
    ['greenlet_pingpong', '/usr/bin/python3'],
  ]) {
    const file = path.join(os.tmpdir(), `coroscope-bench-store-${wl}.jsonl`);
    if (!fs.existsSync(file)) {
      const r = spawnSync(py, ['-m', 'coroscope', '--trace', file, path.join(ROOT, 'test/bench/python', `${wl}.py`)], {
        env: { ...process.env, PYTHONPATH: path.join(ROOT, 'runtime') },
        stdio: ['ignore', 'ignore', 'inherit'],
        timeout: 300_000,
      });
      if (r.status !== 0 || !fs.existsSync(file)) {
        console.log(`(could not trace ${wl} with ${py}: skipped)`);
        continue;
      }
    }
    out.push(file);
  }
  return out;
}

/** ~1 MB whole-line strings. */
function slices(text: string, size = 1 << 20): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    let end = Math.min(text.length, pos + size);
    if (end < text.length) end = text.indexOf('\n', end) + 1 || text.length;
    out.push(text.slice(pos, end));
    pos = end;
  }
  // Flatten so slicing is not part of the timing.
  return out.map((s) => (' ' + s).slice(1));
}

function decode(parts: (string | Uint8Array)[]): TraceStore {
  const store = new TraceStore();
  for (const p of parts) {
    if (typeof p === 'string') store.appendText(p);
    else store.appendBytes(p);
  }
  store.end();
  return store;
}

interface Result {
  name: string;
  events: number;
  bytesPerLine: number;
  mb: number;
  rate: number;
  min: number;
  max: number;
  cpuRate: number;
  perEvent: number;
  approx: number;
  problems: number;
}

function measure(name: string, text: string, mode: 'bytes' | 'text'): Result {
  const enc = new TextEncoder();
  const parts: (string | Uint8Array)[] = mode === 'text' ? slices(text) : slices(text).map((x) => enc.encode(x));
  // Memory first, in a clean heap.
  gc();
  gc();
  const m0 = process.memoryUsage();
  let store: TraceStore | undefined = decode(parts);
  gc();
  gc();
  const m1 = process.memoryUsage();
  const events = store.length;
  // Bytes mode: the baseline's array-buffer count is not stable with 200 MB of input arrays alive (it came out
  // negative), and the store is the same either way (approxBytes equal): memory is reported in text mode only.
  const perEvent = mode === 'bytes' ? NaN : (m1.heapUsed + m1.arrayBuffers - m0.heapUsed - m0.arrayBuffers) / events;
  const approx = store.approxBytes() / events;
  const problems = store.problemCount;
  store = undefined;
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let run = 0; run < 5; run++) {
    gc();
    const c0 = cpuMs();
    const t0 = performance.now();
    const s = decode(parts);
    const ms = performance.now() - t0;
    const cpu = cpuMs() - c0;
    if (s.length !== events) throw new Error(`run ${run}: ${s.length} events, expected ${events}`);
    rates.push(events / (ms / 1000));
    // CPU time (user + system) of the process: what the decode costs when the shared machine preempts it.
    cpuRates.push(events / (cpu / 1000));
  }
  const lines = text.split('\n').length - 1;
  return {
    name,
    events,
    bytesPerLine: text.length / lines,
    mb: text.length / 1e6,
    rate: median(rates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    cpuRate: median(cpuRates),
    perEvent,
    approx,
    problems,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const results: Result[] = [];
  const both = (name: string, text: string) => {
    for (const mode of ['bytes', 'text'] as const) results.push(measure(`${name}, ${mode === 'bytes' ? 'appendBytes' : 'appendText'}`, text, mode));
  };
  if (!args.length) both('generated, 1M events (50 lanes)', generate(1_000_000));
  for (const f of args.length ? args : runtimeTraces()) both(`runtime: ${path.basename(f)}`, fs.readFileSync(f, 'utf8'));
  console.log(`store bench, node ${process.version}, load average ${loadAverage()} (${os.cpus().length} cores)`);
  const rows = [
    [
      'trace',
      'events',
      'B/line',
      'MB',
      'M events/s wall (median of 5)',
      'min–max',
      'M events/s CPU time',
      'B/event (heap+buffers)',
      'approxBytes/event',
      'problems',
    ],
  ];
  for (const r of results) {
    rows.push([
      r.name,
      r.events.toLocaleString('en-US'),
      r.bytesPerLine.toFixed(0),
      r.mb.toFixed(1),
      (r.rate / 1e6).toFixed(2),
      `${(r.min / 1e6).toFixed(2)}–${(r.max / 1e6).toFixed(2)}`,
      (r.cpuRate / 1e6).toFixed(2),
      Number.isNaN(r.perEvent) ? '(as text)' : r.perEvent.toFixed(1),
      r.approx.toFixed(1),
      String(r.problems),
    ]);
  }
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((x, c) => (c === 0 ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  '));
}

main();
