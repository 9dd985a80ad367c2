// Signals the shell had ignored when it started `coroscope` (`nohup`, a background job's SIGINT and SIGQUIT).
// Node resets every ignored disposition to the default when it starts, so the command's second line (a shell
// line that JavaScript reads as a string and a comment: the banner in scripts/build.mjs) reads the shell's
// SigIgn mask from /proc before Node starts and passes it in COROSCOPE_SHELL_SIGIGN. The CLI takes the variable
// out of its environment (the program and its children must not see it), ignores those signals again itself,
// and asks the runtime to ignore them before the program starts (`--ignore-signals`): the program sees the
// dispositions plain Python would have inherited, and `nohup coroscope run app.py` survives a hangup.
import { constants } from 'node:os';

export const SIGIGN_ENV = 'COROSCOPE_SHELL_SIGIGN';

/** Signal numbers set in a /proc `SigIgn:` mask (hex; bit n-1 is signal n), SIGKILL and SIGSTOP never. */
export function maskSignals(mask: string): number[] {
  const m = mask.trim();
  if (!/^[0-9a-fA-F]{1,16}$/.test(m)) return [];
  const bits = BigInt(`0x${m}`);
  const out: number[] = [];
  for (let n = 1; n <= 64; n++) {
    if (n === constants.signals.SIGKILL || n === constants.signals.SIGSTOP) continue;
    if ((bits >> BigInt(n - 1)) & 1n) out.push(n);
  }
  return out;
}

/** The signals the shell ignored, with the variable removed from `env`. */
export function takeShellIgnored(env: NodeJS.ProcessEnv): number[] {
  const mask = env[SIGIGN_ENV];
  delete env[SIGIGN_ENV];
  return mask === undefined ? [] : maskSignals(mask);
}

// Node cannot listen for these (faults, the inspector's SIGUSR1) or already ignores them (SIGPIPE, SIGXFSZ).
const UNLISTENED = new Set(['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGUSR1', 'SIGPIPE', 'SIGXFSZ', 'SIGKILL', 'SIGSTOP']);

/** Keeps this process ignoring `nums`, as the shell asked (Node's reset would let them end it). */
export function keepIgnoring(nums: readonly number[]): void {
  const names = new Map(Object.entries(constants.signals).map(([k, v]) => [v, k as NodeJS.Signals]));
  for (const n of nums) {
    const name = names.get(n);
    if (name === undefined || UNLISTENED.has(name)) continue;
    try {
      process.on(name, () => {
        /* ignored, as the shell asked */
      });
    } catch {
      /* a signal this platform cannot listen for */
    }
  }
}
