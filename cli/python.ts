// Which Python runs the script: --python, else $COROSCOPE_PYTHON, else
// python3, python on PATH. The runtime needs 3.8 or newer.
import { spawnSync } from 'node:child_process';

export const MIN_PYTHON = [3, 8] as const;

export interface Python { command: string; version: [number, number, number] }

type Probe = { ok: true; version: [number, number, number] } | { ok: false; error: string };

export function probe(command: string): Probe {
  const r = spawnSync(command, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8', timeout: 20000, windowsHide: true });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return { ok: false, error: code === 'ENOENT' ? 'not found' : r.error.message };
  }
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec((r.stdout ?? '').trim());
  if (r.status !== 0 || !m) {
    const why = (r.stderr ?? '').trim().split('\n').pop() || `exit code ${r.status ?? r.signal}`;
    return { ok: false, error: why };
  }
  return { ok: true, version: [Number(m[1]), Number(m[2]), Number(m[3])] };
}

const tooOld = (v: readonly number[]) => v[0] < MIN_PYTHON[0] || (v[0] === MIN_PYTHON[0] && v[1] < MIN_PYTHON[1]);
const MIN = MIN_PYTHON.join('.');

/** The interpreter to use, or a one-line explanation of why there is none. */
export function findPython(explicit: string | undefined, env: NodeJS.ProcessEnv): Python | string {
  const named = explicit ? { what: `--python ${explicit}`, cmd: explicit } : env.COROSCOPE_PYTHON ? { what: `$COROSCOPE_PYTHON (${env.COROSCOPE_PYTHON})`, cmd: env.COROSCOPE_PYTHON } : undefined;
  if (named) {
    const r = probe(named.cmd);
    if (!r.ok) return `the Python given by ${named.what} could not be run: ${r.error}`;
    if (tooOld(r.version)) return `the Python given by ${named.what} is ${r.version.join('.')}; coroscope needs Python ${MIN} or newer`;
    return { command: named.cmd, version: r.version };
  }
  const old: string[] = [];
  for (const cmd of ['python3', 'python']) {
    const r = probe(cmd);
    if (!r.ok) continue;
    if (!tooOld(r.version)) return { command: cmd, version: r.version };
    old.push(`${cmd} is ${r.version.join('.')}`);
  }
  if (old.length) return `no Python ${MIN} or newer found (${old.join(', ')}); pass --python PATH or set COROSCOPE_PYTHON`;
  return `no Python found: neither python3 nor python is on PATH; install Python ${MIN}+, or pass --python PATH or set COROSCOPE_PYTHON`;
}
