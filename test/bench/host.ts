// Host-side benchmark (npm run bench:host): what the extension host pays for a run.
//  1. decode + store throughput on realistic JSON Lines, fed in the session's 512 KB slices as bytes
//     (appendBytes, as the session does) and, for comparison, decoded to strings first (appendText);
//  2. bytes per stored event (heap + array buffers, after GC);
//  3. the extension host's longest event-loop block while a producer process streams
//     300,000 events/s over a Unix socket into the session's decode path
//     (StreamDecoder: socket → trace file + TraceStore → batches → appendBytes message, as in a run);
//  4. the CLI's memory: peak RSS of `coroscope report --html/--perfetto/--mermaid` and of `coroscope run --html`
//     (a stand-in runtime, test/bench/fake-runtime, sends the same trace over the socket) on a generated trace of
//     N events (`node out/test/bench/host.js 20000000`; default 1,000,000), per event, and above an idle node's.
// Not a test: prints a table; figures go to docs/benchmarks.md.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { TraceStore } from '../../trace/store';
import { StreamDecoder } from '../../session/core';
import { privateAddress } from '../../session/events-server';
import { TraceFile } from '../../session/trace-file';
import { cpuMs, generateTrace, loadAverage, median, peakRss, writeTraceFile } from './common';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** The host's trace: generator/asyncio/greenlet lanes, switches with values and sites, block/wake, prints. */
const generate = (events: number) => generateTrace(events, { dir: '/home/u/proj', script: 'app.py', ts: 1_000_000_000 });

/** Reference: the engine's own JSON.parse over the same lines (objects only, no store), median of 3. */
function jsonParseRate(text: string, events: number): number {
  const rates: number[] = [];
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    let n = 0;
    let p = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; p = nl + 1, nl = text.indexOf('\n', p)) {
      if (JSON.parse(text.slice(p, nl))) n++;
    }
    rates.push(n / ((performance.now() - t0) / 1000));
    if (n !== events + 1) throw new Error(`parsed ${n}`);
  }
  return median(rates);
}

interface Throughput {
  rate: number;
  cpuRate: number;
  bytesPerEvent: number;
  approxPerEvent: number;
}

/** decode + store as the session does: whole-line slices of about 512 KB, as bytes (now) or bytes → string → store (before). */
function throughput(text: string, events: number, mode: 'bytes' | 'text'): Throughput {
  const buf = Buffer.from(text, 'utf8');
  const slice = 512 * 1024;
  const rates: number[] = [];
  const cpuRates: number[] = [];
  let bytesPerEvent = 0;
  let approxPerEvent = 0;
  for (let run = 0; run < 5; run++) {
    gc();
    const before = process.memoryUsage();
    const c0 = cpuMs();
    const t0 = performance.now();
    const store = new TraceStore();
    let pos = 0;
    while (pos < buf.length) {
      let end = Math.min(buf.length, pos + slice);
      if (end < buf.length) end = buf.lastIndexOf(0x0a, end) + 1;
      if (mode === 'bytes') store.appendBytes(buf.subarray(pos, end));
      else store.appendText(buf.toString('utf8', pos, end));
      pos = end;
    }
    store.end();
    const ms = performance.now() - t0;
    const cpu = cpuMs() - c0;
    if (store.length !== events) throw new Error(`decoded ${store.length} of ${events} events`);
    rates.push(store.length / (ms / 1000));
    cpuRates.push(store.length / (cpu / 1000));
    gc();
    const after = process.memoryUsage();
    // Only the first run: array buffers of a dropped store are released lazily, so later baselines still hold the previous one.
    if (run === 0) bytesPerEvent = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / store.length;
    approxPerEvent = store.approxBytes() / store.length;
    if (store.length === 0) console.log(store); // keep `store` alive until measured
  }
  return { rate: median(rates), cpuRate: median(cpuRates), bytesPerEvent, approxPerEvent };
}

/** What VS Code's postMessage does with the panel's message: buffers out by reference, the rest as JSON. */
function serialiseForWebview(m: { type: string; bytes: Uint8Array }): string {
  // The panel's `transferable`: a plain Uint8Array over its own buffer (a socket Buffer is a view into a larger one).
  const plain =
    m.bytes.byteOffset === 0 && m.bytes.byteLength === m.bytes.buffer.byteLength && m.bytes.constructor === Uint8Array ? m.bytes : new Uint8Array(m.bytes);
  const buffers: ArrayBufferLike[] = [];
  return JSON.stringify({ ...m, bytes: plain }, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v)) {
      buffers.push(v.buffer);
      return { $$ref: buffers.length - 1, byteLength: v.byteLength };
    }
    return v;
  });
}

/** A producer process writing `rate` events/s (in 10 ms bursts) for `seconds` to the socket. */
const PRODUCER = `
const net = require('net');
const [addr, rate, seconds, file] = process.argv.slice(1);
const lines = require('fs').readFileSync(file, 'utf8').split('\\n').filter(Boolean);
const header = lines.shift() + '\\n';
const perTick = Math.round(Number(rate) / 100);
const s = net.connect(addr, () => {
  s.write(header);
  let i = 0, ticks = 0, sent = 0, dropped = 0;
  const t0 = Date.now();
  const timer = setInterval(() => {
    // Catch up to the wall clock so the rate holds even if a tick is late.
    const due = Math.min(Math.round((Date.now() - t0) / 1000 * Number(rate)), Number(rate) * Number(seconds));
    if (due <= sent) return;
    const n = due - sent;
    const parts = [];
    for (let k = 0; k < n; k++) { parts.push(lines[i]); i = (i + 1) % lines.length; }
    // Like the runtime: never block on a slow reader; count what could not be sent.
    if (s.writableLength > 8 * 1024 * 1024) dropped += n; else s.write(parts.join('\\n') + '\\n');
    sent = due;
    if (sent >= Number(rate) * Number(seconds)) { clearInterval(timer); s.end(() => { console.log(JSON.stringify({ sent, dropped })); }); }
  }, 10);
});
`;

interface StreamResult {
  maxMs: number;
  p99Ms: number;
  decoded: number;
  sent: number;
  dropped: number;
  batches: number;
  maxBatchMs: number;
  p99BatchMs: number;
  maxBatchCpuMs: number;
}

async function streaming(text: string, rate: number, seconds: number): Promise<StreamResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coroscope-bench-'));
  const src = path.join(dir, 'lines.jsonl');
  fs.writeFileSync(src, text);
  const addr = privateAddress();
  const store = new TraceStore();
  const trace = new TraceFile(path.join(dir, 'trace.jsonl'));
  let batches = 0;
  let maxBatchMs = 0;
  let batchStart = 0;
  let cpuStart = cpuMs();
  let maxBatchCpuMs = 0;
  const batchMs: number[] = [];
  const decoder = new StreamDecoder(store, trace, {
    onBatch: (b) => {
      batches++;
      // What the panel costs per batch: the appendBytes message as VS Code serialises it for the webview.
      serialiseForWebview({ type: 'appendBytes', bytes: b.bytes });
      const ms = performance.now() - batchStart;
      // CPU time is what the batch itself cost; wall time also counts being preempted on a busy machine.
      maxBatchCpuMs = Math.max(maxBatchCpuMs, cpuMs() - cpuStart);
      batchMs.push(ms);
      maxBatchMs = Math.max(maxBatchMs, ms);
    },
  });
  // Time each batch from its decode start: wrap the server's take.
  const take = decoder.server.take.bind(decoder.server);
  decoder.server.take = (max?: number) => {
    batchStart = performance.now();
    cpuStart = cpuMs();
    return take(max);
  };
  await decoder.listen(addr.address);
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const child = spawn(process.execPath, ['-e', PRODUCER, addr.address, String(rate), String(seconds), src], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  await new Promise((r) => child.on('close', r));
  // Let the decoder drain what is still queued.
  while (decoder.server.openConnections > 0 || decoder.server.queuedBytes > 0) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  h.disable();
  await decoder.finish();
  await trace.close();
  addr.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
  const r = JSON.parse(out) as { sent: number; dropped: number };
  batchMs.sort((a, b) => a - b);
  const p99BatchMs = batchMs[Math.floor(batchMs.length * 0.99)] ?? 0;
  return {
    maxMs: h.max / 1e6,
    p99Ms: h.percentile(99) / 1e6,
    decoded: store.length,
    sent: r.sent,
    dropped: r.dropped,
    batches,
    maxBatchMs,
    p99BatchMs,
    maxBatchCpuMs,
  };
}

/** The CLI's peak memory per event on an N-event trace (4 above). */
function cliMemory(events: number): void {
  const root = path.join(__dirname, '..', '..', '..');
  const cli = path.join(root, 'dist', 'cli.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coroscope-bench-cli-mem-'));
  // $BENCH_HOST_TRACE: a trace written by an earlier run of this bench with the same N (20M take minutes to write).
  const given = process.env.BENCH_HOST_TRACE;
  const trace = given ?? path.join(dir, 'trace.jsonl');
  if (!given) writeTraceFile(trace, events);
  const size = fs.statSync(trace).size;
  const idle = peakRss(['-e', '0']).kb;
  console.log(
    `CLI memory: ${events.toLocaleString('en-US')} events, ${(size / 1e9).toFixed(2)} GB of JSON Lines; idle node peak RSS ${(idle / 1024).toFixed(0)} MB`,
  );
  const script = path.join(dir, 'app.py');
  fs.writeFileSync(script, '');
  const runs: [string, string[], NodeJS.ProcessEnv?][] = [
    ['report --html', ['report', trace, '--html', path.join(dir, 'r.html')]],
    ['report --perfetto', ['report', trace, '--perfetto', path.join(dir, 'r.json')]],
    ['report --mermaid', ['report', trace, '--mermaid', path.join(dir, 'r.mmd')]],
    [
      'run --html (stand-in runtime over the socket)',
      ['run', '--no-progress', '--python', 'python3', '--html', path.join(dir, 'run.html'), script],
      { ...process.env, COROSCOPE_RUNTIME: path.join(root, 'test', 'bench', 'fake-runtime'), COROSCOPE_BENCH_TRACE: trace },
    ],
  ];
  const rows: [string, string, string][] = [];
  for (const [what, args, env] of runs) {
    const r = peakRss([cli, ...args], env);
    if (!r.stderr.includes(`${events.toLocaleString('en-US')} events`)) throw new Error(`${what}: ${r.stderr}`);
    rows.push([
      `coroscope ${what}`,
      `${(r.kb / 1024).toFixed(0)} MB peak RSS = ${((r.kb * 1024) / events).toFixed(1)} B/event (${(((r.kb - idle) * 1024) / events).toFixed(1)} above idle node)`,
      `${r.s.toFixed(1)} s wall`,
    ]);
    // The outputs of 20M events are several GB: gone before the next.
    for (const f of fs.readdirSync(dir)) if (f !== 'trace.jsonl' && f !== 'app.py') fs.rmSync(path.join(dir, f), { force: true });
    console.log(`  ${rows[rows.length - 1].join('  ')}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`load average at the end: ${loadAverage()}`);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b}  ${c}`);
}

async function main(): Promise<void> {
  const cliEvents = Number(process.argv[2] ?? 1_000_000);
  if (process.argv[3] === 'cli-only') return cliMemory(cliEvents);
  const events = 1_000_000;
  // The streaming runs first, in a heap that does not hold the big text of the throughput run.
  const lines = generate(200_000);
  const runs: StreamResult[] = [];
  for (let i = 0; i < 3; i++) runs.push(await streaming(lines, 300_000, 5));
  const byMax = [...runs].sort((a, b) => a.maxMs - b.maxMs);
  const s = byMax[1];
  let text = generate(events);
  const lineCount = text.split('\n').length - 2; // minus header and trailing ''
  console.log(
    `host bench: ${events.toLocaleString('en-US')} events, ${(text.length / 1e6).toFixed(1)} MB of JSON Lines (${(text.length / lineCount).toFixed(0)} bytes/line), node ${process.version}`,
  );
  const t = throughput(text, lineCount, 'bytes');
  const tt = throughput(text, lineCount, 'text');
  const jp = jsonParseRate(text, lineCount);
  text = '';
  const m = (r: number) => `${(r / 1e6).toFixed(2)} M`;
  const rows: [string, string, string][] = [
    ['decode + store, socket bytes → appendBytes (median of 5): CPU time (wall)', `${m(t.cpuRate)} (${m(t.rate)}) events/s`, '≥ 2.00 M events/s'],
    ['  before: bytes → string → appendText, CPU time (wall)', `${m(tt.cpuRate)} (${m(tt.rate)}) events/s`, ''],
    ['  reference: JSON.parse per line of the same text (no store)', `${(jp / 1e6).toFixed(2)} M lines/s`, ''],
    ['memory per stored event (heap + buffers after GC)', `${t.bytesPerEvent.toFixed(1)} B`, '≤ 64 B'],
    ['  store.approxBytes() per event', `${t.approxPerEvent.toFixed(1)} B`, ''],
    ['event-loop max block, 300k events/s over a Unix socket (median of 3 × 5 s)', `${s.maxMs.toFixed(1)} ms`, '≤ 20 ms'],
    ['  max block in each of the 3 runs', runs.map((r) => r.maxMs.toFixed(1)).join(' / ') + ' ms', ''],
    ['  p99 event-loop delay', `${s.p99Ms.toFixed(1)} ms`, ''],
    ['  one batch (decode + file write + serialise for the webview): p99 / max', `${s.p99BatchMs.toFixed(1)} / ${s.maxBatchMs.toFixed(1)} ms`, ''],
    ['  one batch, CPU time (user + system) max', `${s.maxBatchCpuMs.toFixed(1)} ms`, ''],
    ['  events sent / decoded / dropped by producer', `${s.sent} / ${s.decoded} / ${s.dropped}`, 'all decoded'],
    ['  batches', `${s.batches} (${(s.decoded / Math.max(1, s.batches)).toFixed(0)} events each)`, ''],
  ];
  console.log(`load average at the end: ${loadAverage()} (${os.cpus().length} cores)`);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  cliMemory(cliEvents);
}

void main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
