// `npm run bench:runtime`: overhead of the Coroscope runtime = traced wall time /
// plain wall time (median of N runs each, interleaved), per workload and interpreter.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const trixie = join(root, '.tools', 'trixie');
const testing = join(root, '.tools', 'testing');
// One staging folder per checkout, so benches of two worktrees do not overwrite each other.
const STAGE = `/tmp/coroscope-bench-${createHash('sha1').update(root).digest('hex').slice(0, 8)}`;
// An installed runtime has its bytecode cached like the standard library the plain
// run uses: let Python write it (a warm-up run per workload does) instead of
// recompiling the runtime in every traced run.
const ENV = { ...process.env, PYTHONPATH: 'runtime' };
delete ENV.PYTHONDONTWRITEBYTECODE;

// [label, script, needs: '' | 'greenlet' | 'gevent']
const WORKLOADS = [
  ['generator send ping-pong (200k)', 'gen_pingpong.py', ''],
  ['asyncio sleep(0) storm 5,000x100', 'asyncio_storm.py', ''],
  ['greenlet ping-pong (100k)', 'greenlet_pingpong.py', 'greenlet'],
  ['gevent sockets on loopback', 'gevent_sockets.py', 'gevent'],
  ['asyncio realistic mix', 'asyncio_mix.py', ''],
  ['asyncio streams on loopback', 'asyncio_streams.py', ''],
  ['threads: sleep between work 4x100', 'threads_sleep.py', ''],
];
// BENCH_ONLY=gen,3.14 keeps the workloads and interpreters whose names contain one of the words.
// BENCH_LOCALS=1 adds a third variant, traced with --locals (issue 18), interleaved with the other two.
const LOCALS = process.env.BENCH_LOCALS === '1';
const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((w) => w.trim())
  .filter(Boolean);

// The interpreter itself, not a launcher in front of it: a pyenv shim is a bash script
// that takes ~0.3 s to start, which would be added to both sides and understate the ratio.
function realExe(exe) {
  const r = spawnSync(exe, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : exe;
}

const INTERPS = [
  { name: '3.11 settrace', exe: realExe('python3'), greenletExe: realExe('/usr/bin/python3'), has: ['greenlet', 'gevent'] },
  { name: '3.13 monitoring', chroot: trixie, exe: 'python3', has: ['greenlet', 'gevent'] },
  // Debian testing (test/provision.mjs): 3.14 with greenlet and gevent, 3.15 with greenlet only.
  { name: '3.14 monitoring', chroot: testing, exe: 'python3.14', has: ['greenlet', 'gevent'] },
  { name: '3.15 monitoring', chroot: testing, exe: 'python3.15', has: ['greenlet'] },
];

function stage(chroot) {
  const dst = join(chroot, STAGE.slice(1));
  rmSync(dst, { recursive: true, force: true });
  cpSync(join(root, 'runtime'), join(dst, 'runtime'), { recursive: true });
  cpSync(join(root, 'test', 'bench', 'python'), join(dst, 'python'), { recursive: true });
  mkdirSync(join(dst, 'out'), { recursive: true });
}

// BENCH_CPU=1: CPU time (user + system, of the run and its threads, from getrusage) instead of wall time. On a
// machine shared with other work, wall time mostly measures the others (a 40 ms plain run takes 40-800 ms); CPU time
// is what the run itself spent.
const CPU = process.env.BENCH_CPU === '1';
// Runs the command in the interpreter itself and prints its children's CPU ms on stderr's last line.
const CPU_WRAP =
  'import resource,subprocess,sys;r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);u=resource.getrusage(resource.RUSAGE_CHILDREN);' +
  'sys.stderr.write("\\ncpu %.3f\\n"%((u.ru_utime+u.ru_stime)*1000));sys.exit(r.returncode)';

function once(interp, script, needsGreenlet, traced) {
  let cmd;
  let args;
  const cwd = root;
  if (interp.chroot) {
    const run = `${traced ? `-m coroscope --trace ${STAGE}/out/t.jsonl ${traced === 'locals' ? '--locals ' : ''}` : ''}python/${script}`;
    const py = CPU ? `${interp.exe} -c '${CPU_WRAP}' ${interp.exe} ${run}` : `${interp.exe} ${run}`;
    cmd = 'chroot';
    args = [interp.chroot, 'sh', '-c', `cd ${STAGE} && PYTHONPATH=runtime ${py} >/dev/null`];
  } else {
    const exe = needsGreenlet ? interp.greenletExe : interp.exe;
    const dir = mkdtempSync(join(tmpdir(), 'coroscope-bench-'));
    cmd = exe;
    args = traced
      ? ['-m', 'coroscope', '--trace', join(dir, 't.jsonl'), ...(traced === 'locals' ? ['--locals'] : []), join('test/bench/python', script)]
      : [join('test/bench/python', script)];
    if (CPU) args = ['-c', CPU_WRAP, exe, ...args];
  }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env: ENV, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${script} (${traced ? 'traced' : 'plain'}) failed: ${r.stderr}`);
  if (CPU) {
    const m = /\ncpu ([\d.]+)\n$/.exec(r.stderr);
    if (!m) throw new Error(`${script}: no CPU time reported: ${r.stderr}`);
    return Number(m[1]);
  }
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const rows = [];
const picked = (name) => ONLY.length === 0 || ONLY.some((w) => name.includes(w));
const staged = new Set();
for (const interp of INTERPS) {
  if (!picked(interp.name) && INTERPS.some((i) => picked(i.name))) continue;
  if (interp.chroot) {
    if (!existsSync(join(interp.chroot, 'usr/bin', interp.exe))) {
      console.error(`missing ${interp.chroot}/usr/bin/${interp.exe}: ${interp.name} is not provisioned (test/provision.mjs)`);
      process.exitCode = 1;
      continue;
    }
    if (!staged.has(interp.chroot)) stage(interp.chroot);
    staged.add(interp.chroot);
  }
  for (const [label, script, needs] of WORKLOADS) {
    if (!picked(label) && WORKLOADS.some(([l]) => picked(l))) continue;
    if (needs && !interp.has.includes(needs)) {
      console.error(`${interp.name} | ${label}: skipped (no ${needs} for this interpreter)`);
      continue;
    }
    const g = needs !== '';
    const plain = [];
    const traced = [];
    const withLocals = [];
    once(interp, script, g, true);
    if (LOCALS) once(interp, script, g, 'locals');
    for (let i = 0; i < RUNS; i++) {
      plain.push(once(interp, script, g, false));
      traced.push(once(interp, script, g, true));
      if (LOCALS) withLocals.push(once(interp, script, g, 'locals'));
    }
    const p = median(plain);
    const t = median(traced);
    const l = LOCALS ? median(withLocals) : NaN;
    rows.push({ interp: interp.name, workload: label, plain: p, traced: t, ratio: t / p, locals: l });
    console.error(`${interp.name} | ${label}: ${(t / p).toFixed(2)}x${LOCALS ? `, with --locals ${(l / p).toFixed(2)}x` : ''}`);
  }
}
const pad = (s, n) => String(s).padEnd(n);
console.log(`\nRuntime overhead (median of ${RUNS} interleaved runs after a warm-up, ${CPU ? 'CPU' : 'wall'} time incl. interpreter start)\n`);
const lh = LOCALS ? ' --locals ms | locals overhead |' : '';
console.log(`| ${pad('interpreter', 16)} | ${pad('workload', 34)} | plain ms | traced ms | overhead |${lh}`);
console.log(`|${'-'.repeat(18)}|${'-'.repeat(36)}|---------:|----------:|---------:|${LOCALS ? '------------:|---------------:|' : ''}`);
for (const r of rows) {
  const lc = LOCALS ? ` ${r.locals.toFixed(0).padStart(11)} | ${((r.locals / r.plain).toFixed(2) + 'x').padStart(14)} |` : '';
  console.log(
    `| ${pad(r.interp, 16)} | ${pad(r.workload, 34)} | ${r.plain.toFixed(0).padStart(8)} | ${r.traced.toFixed(0).padStart(9)} | ${(r.ratio.toFixed(2) + 'x').padStart(8)} |${lc}`,
  );
}
