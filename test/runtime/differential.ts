// The differential harness: each small program of test/fixtures/python/diff runs
// plainly and under the runtime (started by path, as the extension and the CLI
// start it) on one interpreter, from the same folder with the same arguments,
// stdin, environment and signal dispositions; `compare` says where what the
// program could observe differs. Runs are spawned (never spawnSync) a few at a
// time. The case format is in test/fixtures/python/diff/README.md.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as harness from './harness';
import type { Interp } from './harness';

export const DIFF = path.join(harness.ROOT, 'test', 'fixtures', 'python', 'diff');

export interface Case {
  name: string;
  args: string[];
  stdin: string;
  env: Record<string, string>;
  /** Signal names (without SIG) ignored when Python starts. */
  ignore: string[];
  interrupt: boolean;
  /** What python is given instead of the file: ['-m', 'pkg.mod'], ['folder'], ['app.pyz'], or the file. */
  target: string[];
  cwd: string;
  pending: Record<string, string>;
  /** Seconds a run may take before it is killed (and reported as timed out). */
  timeout: number;
}

interface CaseConfig {
  args?: string[];
  stdin?: string;
  env?: Record<string, string>;
  ignore?: string[];
  interrupt?: boolean;
  target?: string;
  cwd?: string;
  pending?: Record<string, string>;
  timeout?: number;
}

export function loadCases(): Case[] {
  return fs
    .readdirSync(DIFF)
    .filter((f) => f.endsWith('.py'))
    .sort()
    .map((file) => {
      const first = fs.readFileSync(path.join(DIFF, file), 'utf8').split('\n', 1)[0];
      const m = /^# diff: (.*)$/.exec(first);
      const cfg = (m ? JSON.parse(m[1]) : {}) as CaseConfig;
      const target = cfg.target === undefined ? [file] : cfg.target.startsWith('-m ') ? ['-m', cfg.target.slice(3)] : [cfg.target];
      return {
        name: file.replace(/\.py$/, ''),
        args: cfg.args ?? [],
        stdin: cfg.stdin ?? '',
        env: cfg.env ?? {},
        ignore: cfg.ignore ?? [],
        interrupt: cfg.interrupt ?? false,
        target,
        cwd: cfg.cwd ?? '',
        pending: cfg.pending ?? {},
        timeout: cfg.timeout ?? 60,
      };
    });
}

function isInterp(v: unknown): v is Interp {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Interp).exe === 'string' &&
    typeof (v as Interp).name === 'string' &&
    ((v as Interp).capture === 'settrace' || (v as Interp).capture === 'monitoring')
  );
}

/** Every interpreter test/runtime/harness.ts exports (new ones are picked up as they are added), with whether it is installed here. */
export function interpreters(): { py: Interp; available: boolean }[] {
  const seen = new Set<string>();
  const out: { py: Interp; available: boolean }[] = [];
  for (const v of Object.values(harness)) {
    if (!isInterp(v)) continue;
    const key = `${v.chroot ?? ''}|${v.exe}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const available = v.chroot
      ? fs.existsSync(path.join(v.chroot, v.exe.startsWith('/') ? v.exe.slice(1) : path.join('usr', 'bin', v.exe)))
      : spawnSync(v.exe, ['-c', ''], { stdio: 'ignore' }).status === 0;
    out.push({ py: v, available });
  }
  return out;
}

// One staging folder per checkout (and per chroot): the runtime, the programs, the zipapp, the traces.
const STAGE = `/tmp/coroscope-diff-${harness.STAGE_TAG}`;
const staged = new Set<string>();

function stage(py: Interp): { host: string; inner: string } {
  const host = py.chroot ? path.join(py.chroot, STAGE.slice(1)) : STAGE;
  if (!staged.has(host)) {
    fs.rmSync(host, { recursive: true, force: true });
    fs.cpSync(path.join(harness.ROOT, 'runtime'), path.join(host, 'runtime'), { recursive: true });
    fs.cpSync(DIFF, path.join(host, 'diff'), { recursive: true });
    fs.mkdirSync(path.join(host, 'out'), { recursive: true });
    // The zipapp is made here (by the host's python3), not kept in the repository.
    const r = spawnSync('python3', ['-m', 'zipapp', path.join(host, 'diff', 'zipapp'), '-o', path.join(host, 'diff', 'app.pyz')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`could not make app.pyz: ${r.stderr}`);
    staged.add(host);
  }
  return { host, inner: STAGE };
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface Outcome {
  stdout: Buffer;
  stderr: Buffer;
  code: number | null;
  signal: string | null;
  trace: string;
  timedOut: boolean;
}

let seq = 0;
const TRACE_MAX = 256 << 20;

/** One run of a case, plain or traced. */
export function runCase(py: Interp, c: Case, traced: boolean): Promise<Outcome> {
  const st = stage(py);
  const name = `${c.name}-${process.pid}-${++seq}.jsonl`;
  const traceHost = path.join(st.host, 'out', name);
  const pyArgs = [...(traced ? [`${st.inner}/runtime/coroscope/__main__.py`, '--trace', `${st.inner}/out/${name}`] : []), ...c.target, ...c.args];
  const cwdInner = path.posix.join(st.inner, 'diff', c.cwd);
  const env: Record<string, string> = { PYTHONDONTWRITEBYTECODE: '1', ...c.env };
  // Ignored dispositions survive exec; node's spawn resets them, so a shell sets them right before python.
  const traps = c.ignore.length ? `trap '' ${c.ignore.join(' ')}; ` : '';
  let cmd: string;
  let args: string[];
  let spawnEnv: NodeJS.ProcessEnv;
  let cwd: string;
  if (py.chroot) {
    const assigns = Object.entries(env)
      .map(([k, v]) => `${k}=${shq(v)}`)
      .join(' ');
    cmd = 'chroot';
    args = [py.chroot, 'sh', '-c', `${traps}cd ${shq(cwdInner)} && exec env ${assigns} ${py.exe} ${pyArgs.map(shq).join(' ')}`];
    spawnEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' };
    cwd = harness.ROOT;
  } else {
    cmd = 'sh';
    args = ['-c', `${traps}exec "$@"`, 'sh', py.exe, ...pyArgs];
    spawnEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...env };
    cwd = cwdInner;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: spawnEnv });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let sent = false;
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, c.timeout * 1000);
    child.stdout.on('data', (d: Buffer) => {
      out.push(d);
      // (the program says it is in its loop: the signal lands there, not in start-up)
      if (c.interrupt && !sent && Buffer.concat(out).includes('ready\n')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      // (a run that never ended can write gigabytes: more than a string holds; said as the case's problem)
      const size = traced && fs.existsSync(traceHost) ? fs.statSync(traceHost).size : 0;
      const trace = size > TRACE_MAX ? `(a trace of ${size} bytes, not read)` : size ? fs.readFileSync(traceHost, 'utf8') : '';
      if (traced) fs.rmSync(traceHost, { force: true });
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code, signal, trace, timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(c.stdin);
  });
}

/** Runs jobs at most `limit` at a time. */
export async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

const APPROX = /^approx (\S+) (-?\d+)$/;

/** Where the traced run differs from the plain one, as the program could tell; [] when nothing does. */
export function compare(plain: Outcome, traced: Outcome): string[] {
  const problems: string[] = [];
  if (plain.timedOut || traced.timedOut) problems.push(`timed out (plain ${plain.timedOut}, traced ${traced.timedOut})`);
  if (plain.code !== traced.code || plain.signal !== traced.signal) {
    problems.push(`exit: plain ${plain.code ?? plain.signal}, traced ${traced.code ?? traced.signal}`);
  }
  for (const [stream, a, b] of [
    ['stdout', plain.stdout, traced.stdout],
    ['stderr', plain.stderr, traced.stderr],
  ] as const) {
    // latin1: every byte is one character, so binary output compares byte for byte
    const pa = a.toString('latin1').split('\n');
    const pb = b.toString('latin1').split('\n');
    const n = Math.max(pa.length, pb.length);
    for (let i = 0; i < n; i++) {
      const x = pa[i];
      const y = pb[i];
      if (x === y) continue;
      const mx = x === undefined ? null : APPROX.exec(x);
      const my = y === undefined ? null : APPROX.exec(y);
      if (mx && my && mx[1] === my[1] && Math.abs(Number(mx[2]) - Number(my[2])) <= 1) continue;
      problems.push(`${stream} line ${i + 1}:\n    plain:  ${JSON.stringify(x ?? '<none>')}\n    traced: ${JSON.stringify(y ?? '<none>')}`);
      break;
    }
  }
  return problems;
}

/** What the trace of a traced run must satisfy whatever the program did. */
export function traceProblems(o: Outcome): string[] {
  if (!o.trace) return ['no trace written'];
  let events: ReturnType<typeof harness.parseTrace>['events'];
  try {
    events = harness.parseTrace(o.trace).events;
  } catch (e) {
    return [(e as Error).message];
  }
  const problems: string[] = [];
  if (events[0]?.type !== 'header') problems.push('the first line is not the header');
  for (const e of events) {
    if (e.type === 'mark' && e.kind === 'runtime-error') problems.push(`runtime-error mark: ${e.message}`);
  }
  return problems;
}
