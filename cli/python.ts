// Which Python runs the script: --python, else $COROSCOPE_PYTHON, else
// python3, python on PATH. The search and the version check are the host's
// (session/python.ts); only the wording is the CLI's.
import { discoverPython, MIN_PYTHON_TEXT as MIN, probePython, type PythonMessages, type PythonResult } from '../session/python';

const HOW = 'pass --python PATH or set COROSCOPE_PYTHON';

/** The interpreter to use, or (ok: false) a one-line explanation of why there is none. */
export function findPython(explicit: string | undefined, env: NodeJS.ProcessEnv): Promise<PythonResult> {
  const what = explicit ? `--python ${explicit}` : `$COROSCOPE_PYTHON (${env.COROSCOPE_PYTHON})`;
  const messages: PythonMessages = {
    settingBroken: (_, error) => `the Python given by ${what} could not be run: ${error}`,
    settingTooOld: (_, version) => `the Python given by ${what} is ${version}; coroscope needs Python ${MIN} or newer`,
    selectedTooOld: () => 'unreachable: the CLI has no selected interpreter',
    noneNewEnough: (found) => `no Python ${MIN} or newer found (${found}); ${HOW}`,
    none: () => `no Python found: neither python3 nor python is on PATH; install Python ${MIN}+, or ${HOW}`,
  };
  return discoverPython({
    setting: explicit || env.COROSCOPE_PYTHON || '',
    selected: async () => undefined,
    probe: (command) => probePython(command, 20000),
    messages,
  });
}
