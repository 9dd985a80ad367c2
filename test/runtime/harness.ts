// Runs Python scripts under the Coroscope runtime (and plainly, for comparison)
// on the interpreters the runtime supports here, and parses/validates the trace.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateEvent, type TraceLine } from '../../protocol/events';
import { expandLines } from '../trace-rows';

function findRoot(): string {
  let d = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(d, 'package.json')) && fs.existsSync(path.join(d, 'runtime', 'coroscope'))) return d;
    const up = path.dirname(d);
    if (up === d) throw new Error('project root not found from ' + __dirname);
    d = up;
  }
}
export const ROOT = findRoot();
export const TRIXIE = path.join(ROOT, '.tools', 'trixie');
/** Debian testing root: CPython 3.14 (+ greenlet, gevent) and 3.15 (greenlet only), see test/provision.mjs. */
export const TESTING = path.join(ROOT, '.tools', 'testing');
// One staging folder per run (test/run.mjs names it, CORO_TESTS_STAGE_TAG, and removes it when the run ends), or
// per checkout and temporary folder when mocha runs alone, so two worktrees, or two runs in one, can run the runtime
// tier at once.
export const STAGE_TAG = process.env.CORO_TESTS_STAGE_TAG || createHash('sha1').update(`${ROOT}\u0000${os.tmpdir()}`).digest('hex').slice(0, 8);
const STAGE = `/tmp/coroscope-test-${STAGE_TAG}`;

export interface Interp {
  name: string;
  exe: string;
  chroot?: string;
  capture: 'settrace' | 'monitoring';
  /** The minor version (3.x). */
  minor: number;
  /** Why this interpreter has no gevent (the gevent tests say so when they skip); undefined: it has gevent. */
  noGevent?: string;
}
const NO_GEVENT_PYENV = "gevent is not installed for pyenv python3 (Debian's /usr/bin/python3 has it)";
/** pyenv CPython 3.11 (no greenlet/gevent). */
export const PY311: Interp = { name: 'CPython 3.11 (python3)', minor: 11, exe: 'python3', capture: 'settrace', noGevent: NO_GEVENT_PYENV };
/** Debian CPython 3.11 with python3-greenlet / python3-gevent. */
export const DEB311: Interp = { name: 'CPython 3.11 (/usr/bin/python3, greenlet+gevent)', minor: 11, exe: '/usr/bin/python3', capture: 'settrace' };
/** Debian trixie root: CPython 3.13 with greenlet and gevent, sys.monitoring capture. */
export const PY313: Interp = { name: 'CPython 3.13 (trixie chroot)', minor: 13, exe: 'python3', chroot: TRIXIE, capture: 'monitoring' };
/** Debian testing root: CPython 3.14 with greenlet and gevent (multiprocessing's default start method is forkserver). */
export const PY314: Interp = { name: 'CPython 3.14 (testing chroot)', minor: 14, exe: 'python3', chroot: TESTING, capture: 'monitoring' };
/** Debian testing root: CPython 3.15 with greenlet; Debian has no gevent build for it. */
export const PY315: Interp = {
  name: 'CPython 3.15 (testing chroot)',
  minor: 15,
  exe: 'python3.15',
  chroot: TESTING,
  capture: 'monitoring',
  noGevent: "Debian testing has no gevent build for Python 3.15 (No module named 'gevent._gevent_c_hub_local')",
};
/** Every interpreter a behaviour test runs on (the pyenv 3.11 has no greenlet: see GREENLET_PYTHONS). */
export const PYTHONS: readonly Interp[] = [PY311, PY313, PY314, PY315];
/** The interpreters with greenlet (and gevent, unless `noGevent` says why not). */
export const GREENLET_PYTHONS: readonly Interp[] = [DEB311, PY313, PY314, PY315];

/** In a mocha test that needs gevent: skips it, with the reason in the report, where `py` has none. */
export function needGevent(ctx: Mocha.Context, py: Interp): void {
  if (py.noGevent) {
    if (ctx.test) ctx.test.title += ` (skipped on ${py.name}: ${py.noGevent})`;
    ctx.skip();
  }
}

const ROOT_HOW: Record<string, string> = {
  [TRIXIE]: '`debootstrap --variant=minbase --include=python3,python3-greenlet,python3-gevent trixie .tools/trixie`',
  [TESTING]:
    '`debootstrap --variant=minbase --include=python3,python3-greenlet,python3-gevent testing .tools/testing` ' +
    'then `chroot .tools/testing apt-get -o Acquire::Check-Valid-Until=false install python3.15`',
};
const staged = new Set<string>();
/** Copies the files the tests run into the chroot (once per chroot and test process). */
function stage(py: Interp): void {
  const root = py.chroot!;
  if (staged.has(root)) return;
  if (!fs.existsSync(path.join(root, 'usr', 'bin', py.exe))) {
    throw new Error(
      `${py.name} missing: ${root}/usr/bin/${py.exe} does not exist. Provision it with ` +
        `\`node test/provision.mjs runtime\` (${ROOT_HOW[root] ?? 'debootstrap'}).`,
    );
  }
  const dst = path.join(root, STAGE.slice(1));
  fs.rmSync(dst, { recursive: true, force: true });
  for (const sub of ['runtime', 'examples', 'test/fixtures/python', 'test/bench/python']) {
    if (fs.existsSync(path.join(ROOT, sub))) fs.cpSync(path.join(ROOT, sub), path.join(dst, sub), { recursive: true });
  }
  fs.mkdirSync(path.join(dst, 'out'), { recursive: true });
  staged.add(root);
}

export interface RunOptions {
  args?: string[];
  stdin?: string;
  env?: Record<string, string>;
  opts?: string[];
  timeoutMs?: number;
  socket?: string;
}
export interface RunResult {
  events: TraceLine[];
  lines: string[];
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

let seq = 0;
function tracePath(py: Interp): { host: string; inner: string } {
  seq += 1;
  const name = `trace-${process.pid}-${seq}.jsonl`;
  if (py.chroot) {
    stage(py);
    return { host: path.join(py.chroot, STAGE.slice(1), 'out', name), inner: `${STAGE}/out/${name}` };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coroscope-rt-'));
  const p = path.join(dir, name);
  return { host: p, inner: p };
}

function command(py: Interp, pyArgs: string[], env: Record<string, string>): { cmd: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  if (py.chroot) {
    stage(py);
    const assigns = Object.entries(env)
      .map(([k, v]) => `${k}=${shq(v)}`)
      .join(' ');
    const script = `cd ${STAGE} && exec env ${assigns} ${py.exe} ${pyArgs.map(shq).join(' ')}`;
    return {
      cmd: 'chroot',
      args: [py.chroot, 'sh', '-c', script],
      cwd: ROOT,
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' },
    };
  }
  return { cmd: py.exe, args: pyArgs, cwd: ROOT, env: { ...process.env, ...env } };
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Parses and validates every line (throws on the first invalid one), and expands compact lines into the switches
 * they stand for, as every reader does (test/trace-rows.ts); `lines` keeps the text as written.
 */
export function parseTrace(text: string): { events: TraceLine[]; lines: string[] } {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const parsed = parseLines(lines);
  checkTimeOrder(parsed);
  const events = expandLines(parsed);
  checkTimeOrder(events, 'expanded'); // (a compact line's two halves are in order with the lines around it too)
  return { events, lines };
}

/**
 * Lines of one process are written in time order (issue 14): every trace a runtime test reads is checked here.
 * A line's process is the pid prefix of the lane it names ("<pid>:<n>" in children, none in the root process);
 * lines that name no lane (header, marks without a task) are not ordered. This holds with several threads queueing lines
 * at once too (the writer orders them up to a watermark: docs/architecture.md, "Time order"). `what` names the lines
 * checked in the message: the lines as written, or expanded (each compact line as the switches it stands for).
 */
export function checkTimeOrder(events: TraceLine[], what = 'trace'): void {
  const last = new Map<string, { ts: number; i: number }>();
  events.forEach((e, i) => {
    if (e.type === 'header') return;
    const o = e as unknown as Record<string, unknown>;
    const lane = [o.task, o.from, o.id].find((x): x is string => typeof x === 'string');
    const proc = e.type === 'finish' ? '' : lane === undefined ? undefined : lane.includes(':') ? lane.slice(0, lane.indexOf(':')) : '';
    if (proc === undefined) return;
    const prev = last.get(proc);
    if (prev !== undefined && e.ts < prev.ts) {
      throw new Error(`${what} line ${i + 1} (${e.type}, ts ${e.ts}) is earlier than line ${prev.i + 1} (ts ${prev.ts}) of the same process`);
    }
    last.set(proc, { ts: e.ts, i });
  });
}

function parseLines(lines: string[]): TraceLine[] {
  return lines.map((l, i) => {
    let raw: unknown;
    try {
      raw = JSON.parse(l);
    } catch {
      throw new Error(`trace line ${i + 1} is not JSON: ${l.slice(0, 200)}`);
    }
    const v = validateEvent(raw);
    if (typeof v === 'string') throw new Error(`trace line ${i + 1} invalid (${v}): ${l.slice(0, 200)}`);
    return v;
  });
}

/** Runs `script` (relative to the project root) under the runtime with --trace. */
export function runTraced(py: Interp, script: string, o: RunOptions = {}): RunResult {
  const tp = tracePath(py);
  const env: Record<string, string> = { PYTHONPATH: 'runtime', PYTHONDONTWRITEBYTECODE: '1', ...(o.env ?? {}) };
  const c = command(py, ['-m', 'coroscope', '--trace', tp.inner, ...(o.opts ?? []), script, ...(o.args ?? [])], env);
  const r = spawnSync(c.cmd, c.args, { cwd: c.cwd, env: c.env, input: o.stdin ?? '', encoding: 'utf8', timeout: o.timeoutMs ?? 60_000 });
  if (r.error) throw r.error;
  const text = fs.existsSync(tp.host) ? fs.readFileSync(tp.host, 'utf8') : '';
  const { events, lines } = parseTrace(text);
  return { events, lines, stdout: r.stdout, stderr: r.stderr, code: r.status, signal: r.signal };
}

/** Runs `script` with plain Python (no runtime) for comparison. */
export function runPlain(py: Interp, script: string, o: RunOptions = {}): { stdout: string; stderr: string; code: number | null; signal: string | null } {
  const c = command(py, [script, ...(o.args ?? [])], { PYTHONDONTWRITEBYTECODE: '1', ...(o.env ?? {}) });
  const r = spawnSync(c.cmd, c.args, { cwd: c.cwd, env: c.env, input: o.stdin ?? '', encoding: 'utf8', timeout: o.timeoutMs ?? 60_000 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, code: r.status, signal: r.signal };
}

export interface BothWaysOptions extends RunOptions {
  /**
   * What the traced program must print. Default: exactly what plain Python prints. A string or pattern where plain
   * Python cannot run the program (the stackless emulation is the runtime's) or where the test pins the output.
   */
  stdout?: string | RegExp;
}
export type PlainResult = ReturnType<typeof runPlain>;

/**
 * The truth tests' common start: runs `script` traced, checks the trace's invariants (checkTrace) and that tracing
 * left the program's stdout as it is without the runtime; returns the trace, and the plain run where there was one.
 */
export function runBothWays(py: Interp, script: string, o: BothWaysOptions = {}): RunResult & { plain?: PlainResult } {
  const r = runTraced(py, script, o);
  checkTrace(r);
  if (o.stdout === undefined) {
    const plain = runPlain(py, script, o);
    assert.equal(r.stdout, plain.stdout, 'the traced program prints what it prints without the runtime');
    return { ...r, plain };
  }
  if (typeof o.stdout === 'string') assert.equal(r.stdout, o.stdout);
  else assert.match(r.stdout, o.stdout);
  return r;
}

/** Runs under the runtime streaming to a Unix socket served here; returns what arrived. */
export async function runSocket(py: Interp, script: string, serve: 'read' | 'close', o: RunOptions = {}): Promise<RunResult & { received: string }> {
  const net = await import('node:net');
  let sockHost: string;
  let sockInner: string;
  if (py.chroot) {
    stage(py);
    const name = `sock-${process.pid}-${++seq}`;
    sockHost = path.join(py.chroot, STAGE.slice(1), 'out', name);
    sockInner = `${STAGE}/out/${name}`;
  } else {
    sockHost = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coroscope-sock-')), 's');
    sockInner = sockHost;
  }
  let received = '';
  const open = new Set<import('node:net').Socket>(); // connections not yet closed
  const server = net.createServer((conn) => {
    open.add(conn);
    conn.on('close', () => open.delete(conn));
    if (serve === 'close') conn.destroy();
    else
      conn.on('data', (d) => {
        received += d.toString('utf8');
      });
  });
  await new Promise<void>((res) => server.listen(sockHost, res));
  const env: Record<string, string> = { PYTHONPATH: 'runtime', PYTHONDONTWRITEBYTECODE: '1', ...(o.env ?? {}) };
  const c = command(py, ['-m', 'coroscope', '--socket', sockInner, ...(o.opts ?? []), script, ...(o.args ?? [])], env);
  const result = await new Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null }>((resolve, reject) => {
    const child = spawn(c.cmd, c.args, { cwd: c.cwd, env: c.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ stdout, stderr, code, signal }));
    child.stdin.end(o.stdin ?? '');
  });
  // every connection the runtime made ends as its process exits: wait for those ends, not for a fixed time
  await Promise.all([...open].map((c) => new Promise((r) => c.once('close', r))));
  server.close();
  const { events, lines } = parseTrace(serve === 'read' ? received : '');
  return { ...result, events, lines, received };
}

/**
 * Runs SCRIPT (plainly, or traced to a file) until it prints its first stdout line,
 * then sends SIGINT (Ctrl+C) after `delayMs`, and returns what it printed and how it ended.
 */
export async function runInterrupted(py: Interp, script: string, traced: boolean, delayMs: number, extraEnv: Record<string, string> = {}): Promise<RunResult> {
  const tp = traced ? tracePath(py) : null;
  const env: Record<string, string> = { PYTHONPATH: 'runtime', PYTHONDONTWRITEBYTECODE: '1', ...extraEnv };
  const pyArgs = tp ? ['-m', 'coroscope', '--trace', tp.inner, script] : [script];
  const c = command(py, pyArgs, env);
  const result = await new Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null }>((resolve, reject) => {
    const child = spawn(c.cmd, c.args, { cwd: c.cwd, env: c.env });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && stdout.includes('\n')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), delayMs);
      }
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ stdout, stderr, code, signal });
    });
    child.stdin.end();
  });
  const text = tp && fs.existsSync(tp.host) ? fs.readFileSync(tp.host, 'utf8') : '';
  const { events, lines } = parseTrace(text);
  return { ...result, events, lines };
}

// --- small helpers for assertions -------------------------------------------------

export type Ev<T extends TraceLine['type']> = Extract<TraceLine, { type: T }>;
export function ofType<T extends TraceLine['type']>(events: TraceLine[], type: T): Ev<T>[] {
  return events.filter((e): e is Ev<T> => e.type === type);
}
export function tasks(events: TraceLine[], kind?: string): Ev<'task'>[] {
  return ofType(events, 'task').filter((t) => kind === undefined || t.kind === kind);
}
export function switches(events: TraceLine[]): Ev<'switch'>[] {
  return ofType(events, 'switch');
}
/**
 * Checks the invariants every trace must satisfy: a header first, tasks declared before they are named, a finish
 * last, and the whole story: no events dropped and no hook failed (`marks` lists the mark kinds a test provokes).
 */
export function checkTrace(r: RunResult, opts: { finish?: boolean; marks?: string[] } = {}): void {
  const ev = r.events;
  if (ev.length === 0) throw new Error('empty trace; stderr: ' + r.stderr);
  if (ev[0].type !== 'header') throw new Error('first line is not the header');
  for (const m of ofType(ev, 'mark')) {
    if ((m.kind === 'events-dropped' || m.kind === 'runtime-error') && !opts.marks?.includes(m.kind)) {
      throw new Error(`the trace is not whole: ${JSON.stringify(m)}`);
    }
  }
  const declared = new Set<string>();
  for (const e of ev) {
    if (e.type === 'task') declared.add(e.id);
    if (e.type === 'switch') {
      if (!declared.has(e.from) || !declared.has(e.to)) throw new Error(`switch names undeclared task: ${JSON.stringify(e)}`);
    }
    if (
      (e.type === 'end' || e.type === 'output' || e.type === 'block' || e.type === 'wake' || e.type === 'send' || e.type === 'recv') &&
      !declared.has(e.task)
    ) {
      throw new Error(`${e.type} names undeclared task: ${JSON.stringify(e)}`);
    }
  }
  if (opts.finish !== false) {
    const last = ev[ev.length - 1];
    if (last.type !== 'finish') throw new Error('last line is not finish: ' + JSON.stringify(last));
  }
}
