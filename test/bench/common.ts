// What the benchmarks share (not a test): Debian chromium launched as the e2e tests launch it, the CPU time
// of a browser's renderers and of this process (the machine is shared, so wall time alone misleads), the
// load average, order statistics, and the realistic trace the host and store benchmarks decode.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type CDPSession } from 'playwright-core';
import { ARGS, openDiagram } from '../e2e/harness';

/** /usr/bin/chromium, headless with the e2e tests' arguments, on a fresh profile folder named after `prefix`. */
export async function launchChromium(prefix: string): Promise<{ ctx: BrowserContext; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), prefix));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
  return { ctx, profile };
}

interface Proc {
  ppid: number;
  /** CPU seconds (user + system). */
  cpu: number;
  /** Resident set size, bytes. */
  rss: number;
  cmd: string;
}

/** The processes of the browser using `profile` (Linux /proc): its own (the browser's pid) and its descendants. */
function browserProcs(profile: string): { browser: number | undefined; procs: Map<number, Proc> } {
  const procs = new Map<number, Proc>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // stat field 24 (rss, in pages of 4 KB on the machines this runs on).
      procs.set(Number(d), {
        ppid: Number(f[1]),
        cpu: (Number(f[11]) + Number(f[12])) / 100,
        rss: Number(f[21]) * 4096,
        cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8'),
      });
    } catch {
      /* gone */
    }
  }
  const browser = [...procs].find(([, p]) => p.cmd.includes(profile) && !p.cmd.includes('--type='))?.[0];
  return { browser, procs };
}

/** Sum of `pick` over the renderer processes of the browser using `profile` (with `all`, over every process of it). */
function sumOverBrowser(profile: string, all: boolean, pick: (p: Proc) => number): number {
  const { browser, procs } = browserProcs(profile);
  let sum = 0;
  for (const [pid, p] of procs) {
    if (!all && !p.cmd.includes('--type=renderer')) continue;
    if (pid === browser) {
      sum += pick(p);
      continue;
    }
    for (let q: number | undefined = pid, k = 0; q && k < 10; q = procs.get(q)?.ppid, k++)
      if (q === browser) {
        sum += pick(p);
        break;
      }
  }
  return sum;
}

/**
 * CPU seconds used so far by the renderer processes of the browser using `profile` (Linux /proc); with `all`, by
 * every process of that browser (the GPU process rasters the canvas).
 */
export function rendererCpu(profile: string, all = false): number {
  return sumOverBrowser(profile, all, (p) => p.cpu);
}

/** RSS (bytes) of the renderer processes of the browser using `profile`. */
export function rendererRss(profile: string): number {
  return sumOverBrowser(profile, false, (p) => p.rss);
}

/** Peak RSS (KB) and wall seconds of `node args…`, from GNU time; its stdout and stderr. */
export function peakRss(args: string[], env: NodeJS.ProcessEnv = process.env): { kb: number; s: number; stdout: string; stderr: string } {
  const r = spawnSync('/usr/bin/time', ['-f', '@@%M %e', process.execPath, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const m = /@@(\d+) ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return { kb: Number(m[1]), s: Number(m[2]), stdout: r.stdout, stderr: r.stderr };
}

/** The diagram page of the e2e harness at the benches' size, and its JS heap after a forced GC (CDP). */
export async function benchDiagram(): Promise<{ d: Awaited<ReturnType<typeof openDiagram>>; cdp: CDPSession; heap: () => Promise<number> }> {
  const d = await openDiagram({ width: 1400, height: 900 });
  const cdp = await d.page.context().newCDPSession(d.page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  return { d, cdp, heap };
}

/** CPU time (user + system) of this process so far, in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The first `count` load averages (1, 5, 15 min) with `digits` decimals. */
export function loadAverage(digits = 2, count = 3): string {
  return loadavg()
    .slice(0, count)
    .map((x) => x.toFixed(digits))
    .join(' ');
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
export const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
export const p95 = (xs: number[]) => sorted(xs)[Math.floor(xs.length * 0.95)];

export interface TraceShape {
  /** The program's folder: the header's cwd, the files under it. */
  dir: string;
  /** The script's file name in `dir`. */
  script: string;
  /** The header's ts, where the clock starts. */
  ts: number;
  /** Extra header fields, after the usual ones. */
  header?: Record<string, unknown>;
  /** Leave optional switch fields out now and then, as the runtime does (a value 1 in 20 lines, depth 0). */
  sparse?: boolean;
}

/** A realistic trace as JSON Lines: generator/asyncio/greenlet lanes, switches with values and sites, block/wake, prints. */
export function generateTrace(events: number, shape: TraceShape, lanes = 50): string {
  const { dir, script, sparse } = shape;
  const out: string[] = [];
  const main = `${dir}/${script}`;
  out.push(
    JSON.stringify({
      type: 'header',
      schema: 1,
      runtime: 'coroscope 0.1.0',
      python: '3.11.7',
      capture: 'settrace',
      script: main,
      argv: [main],
      cwd: dir,
      pid: 4242,
      start: 1790000000000,
      ts: shape.ts,
      ...shape.header,
    }),
  );
  let ts = shape.ts;
  const files = [main, `${dir}/workers.py`, `${dir}/net/client.py`];
  const reasons = ['yield', 'resume', 'await', 'switch', 'sleep', 'io-wait', 'queue'];
  const kinds = ['generator', 'asyncio-task', 'greenlet', 'coroutine'];
  out.push(JSON.stringify({ type: 'task', ts, id: '1', kind: 'main', name: 'main', parent: null, pid: 4242 }));
  for (let l = 2; l <= lanes; l++) {
    out.push(
      JSON.stringify({
        type: 'task',
        ts: (ts += 900),
        id: String(l),
        kind: kinds[l % kinds.length],
        name: `worker-${l}`,
        parent: '1',
        file: files[l % 3],
        line: 10 + l,
        codeFile: files[l % 3],
        codeLine: 5 + l,
      }),
    );
  }
  let n = lanes;
  let cur = 1;
  while (n < events) {
    ts += 700 + (n % 13) * 50;
    const r = n % 20;
    const to = 1 + ((cur * 7 + n) % lanes);
    if (r < 15) {
      const value = r % 3 === 0 ? `'item ${n % 1000}'` : r % 3 === 1 ? String(n % 997) : `{'id': ${n % 50}, 'ok': True}`;
      const ev: Record<string, unknown> = { type: 'switch', ts, from: String(cur), to: String(to), reason: reasons[n % reasons.length] };
      if (!sparse || r !== 4) ev.value = value;
      Object.assign(ev, { file: files[cur % 3], line: 20 + (n % 40), toFile: files[to % 3], toLine: 30 + (n % 25) });
      if (!sparse || n % 3) ev.depth = n % 3;
      out.push(JSON.stringify(ev));
      cur = to;
    } else if (r < 18) {
      out.push(
        JSON.stringify({
          type: r === 15 ? 'block' : 'wake',
          ts,
          task: String(cur),
          on: n % 2 ? 'fd' : 'timer',
          detail: n % 2 ? `fd=${n % 64} read` : '0.01 s',
          ...(r === 15 ? { file: files[cur % 3], line: 44 } : {}),
        }),
      );
    } else {
      out.push(JSON.stringify({ type: 'output', ts, task: String(cur), stream: 'stdout', text: `processed batch ${n % 5000}\n` }));
    }
    n++;
  }
  return out.join('\n') + '\n';
}

/**
 * The bench:host trace (`generateTrace`, 50 lanes) of `events` events written to `file` a million at a time (the
 * text of 20M would not fit a string); bench:host and bench:panel share it.
 */
export function writeTraceFile(file: string, events: number): void {
  const fd = openSync(file, 'w');
  const per = 1_000_000;
  for (let done = 0; done < events; done += per) {
    const n = Math.min(per, events - done);
    // Later millions: the same lanes, so no header and no declarations again (50 lanes: 50 more generated, cut).
    let t = generateTrace(done > 0 ? n + 50 : n, { dir: '/home/u/proj', script: 'app.py', ts: 1_000_000_000 + done * 2000 });
    if (done > 0) t = t.slice(t.indexOf('\n', t.lastIndexOf('{"type":"task"')) + 1);
    writeSync(fd, t);
  }
  closeSync(fd);
}
