// Finding the Python that runs the user's script. Pure Node (no vscode), shared
// by the VS Code host and the CLI: the VS Code side passes the setting and the
// Python extension's choice in as plain values/functions, the CLI its
// --python / $COROSCOPE_PYTHON and its own wording, so the ordering is one
// implementation and unit-testable.
import { execFile } from 'node:child_process';

/** The oldest Python the runtime supports (runtime/coroscope/__main__.py checks the same floor; README "Python versions"). */
export const MIN_PYTHON: readonly [number, number] = [3, 9];

export type PythonSource = 'setting' | 'python-extension' | 'path';

export interface PythonFound {
  ok: true;
  /** What to spawn (an absolute path or a command name on PATH). */
  command: string;
  version: [number, number, number];
  source: PythonSource;
}

export interface PythonProblem {
  ok: false;
  /** One sentence for the user, naming what was tried. */
  message: string;
  /** What the user should change: the setting, or install a Python. */
  fix: 'setting' | 'install';
}

export type PythonResult = PythonFound | PythonProblem;

export type ProbeResult = { ok: true; version: [number, number, number] } | { ok: false; error: string };

export interface DiscoveryInputs {
  /** `coroscope.pythonPath`, trimmed; empty when unset. When set it is authoritative. */
  setting: string;
  /** The interpreter selected in the Python extension, if that extension is installed and has one. */
  selected: () => Promise<string | undefined>;
  /** Runs a candidate and reports its version. */
  probe: (command: string) => Promise<ProbeResult>;
  /** Names tried on PATH, in order. */
  pathNames?: readonly string[];
  /** How problems are worded (default: the VS Code wording, naming coroscope.pythonPath). */
  messages?: PythonMessages;
}

/** One sentence per problem; `found` lists what was too old ("python3 is 3.6.9, python is 2.7.18"). */
export interface PythonMessages {
  settingBroken(setting: string, error: string): string;
  settingTooOld(setting: string, version: string): string;
  selectedTooOld(selected: string, version: string): string;
  noneNewEnough(found: string): string;
  none(selected: string | undefined): string;
}

export function versionOk(v: readonly number[]): boolean {
  const [major = 0, minor = 0] = v;
  return major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
}

const fmt = (v: readonly number[]) => v.join('.');
export const MIN_PYTHON_TEXT = `${MIN_PYTHON[0]}.${MIN_PYTHON[1]}`;
const MIN = MIN_PYTHON_TEXT;

const vscodeMessages: PythonMessages = {
  settingBroken: (setting, error) => `The Python set in coroscope.pythonPath ("${setting}") could not be run: ${error}`,
  settingTooOld: (setting, version) => `The Python set in coroscope.pythonPath ("${setting}") is ${version}; Coroscope needs Python ${MIN} or newer.`,
  selectedTooOld: (selected, version) =>
    `The interpreter selected in the Python extension (${selected}) is Python ${version}; Coroscope needs Python ${MIN} or newer. Select a newer one or set coroscope.pythonPath.`,
  noneNewEnough: (found) => `No Python ${MIN} or newer found (${found}). Set coroscope.pythonPath to a newer interpreter.`,
  none: (selected) =>
    `No Python found: coroscope.pythonPath is empty${selected ? `, the Python extension's interpreter (${selected}) could not be run` : ''} and neither python3 nor python is on PATH. Install Python ${MIN}+ or set coroscope.pythonPath.`,
};

/**
 * The order users expect: an explicit setting wins (and is reported if broken
 * rather than silently skipped); then the interpreter the Python extension has
 * selected; then `python3` / `python` on PATH.
 */
export async function discoverPython(inp: DiscoveryInputs): Promise<PythonResult> {
  const say = inp.messages ?? vscodeMessages;
  if (inp.setting) {
    const r = await inp.probe(inp.setting);
    if (!r.ok) return { ok: false, fix: 'setting', message: say.settingBroken(inp.setting, r.error) };
    if (!versionOk(r.version)) return { ok: false, fix: 'setting', message: say.settingTooOld(inp.setting, fmt(r.version)) };
    return { ok: true, command: inp.setting, version: r.version, source: 'setting' };
  }
  let selected: string | undefined;
  try {
    selected = await inp.selected();
  } catch {
    selected = undefined;
  }
  if (selected) {
    const r = await inp.probe(selected);
    if (r.ok && versionOk(r.version)) return { ok: true, command: selected, version: r.version, source: 'python-extension' };
    if (r.ok) return { ok: false, fix: 'setting', message: say.selectedTooOld(selected, fmt(r.version)) };
    // A selected interpreter that no longer exists (deleted venv): fall back to PATH.
  }
  const tooOld: string[] = [];
  for (const name of inp.pathNames ?? ['python3', 'python']) {
    const r = await inp.probe(name);
    if (!r.ok) continue;
    if (versionOk(r.version)) return { ok: true, command: name, version: r.version, source: 'path' };
    tooOld.push(`${name} is ${fmt(r.version)}`);
  }
  if (tooOld.length) return { ok: false, fix: 'setting', message: say.noneNewEnough(tooOld.join(', ')) };
  return { ok: false, fix: 'install', message: say.none(selected) };
}

/** Runs `command -c …` and parses its version; never throws. */
export function probePython(command: string, timeoutMs = 15000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(command, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { timeout: timeoutMs, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        resolve({ ok: false, error: code === 'ENOENT' ? 'not found' : String(stderr).trim().split('\n').pop() || err.message });
        return;
      }
      const m = /^(\d+)\.(\d+)\.(\d+)/.exec(String(stdout).trim());
      if (!m) {
        resolve({ ok: false, error: `unexpected version output "${String(stdout).trim().slice(0, 80)}"` });
        return;
      }
      resolve({ ok: true, version: [Number(m[1]), Number(m[2]), Number(m[3])] });
    });
  });
}
