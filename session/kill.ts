// Ending a run and everything it started. Pure Node (no vscode). On POSIX the
// script is spawned `detached` (its own session and process group), so a
// signal to `-pid` reaches every process it forked that did not escape with
// setsid itself. On Windows `taskkill /T` walks the process tree.
import { execFile, execFileSync } from 'node:child_process';

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGKILL';

/** Sends `sig` to the process group led by `pid` (POSIX) or the tree (Windows). Returns false if nothing was there. */
export function signalGroup(pid: number, sig: StopSignal, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') {
    if (sig === 'SIGINT') {
      try {
        process.kill(pid, 'SIGINT');
        return true;
      } catch {
        return false;
      }
    }
    try {
      execFileSync('taskkill', ['/T', '/F', '/PID', String(pid)], { windowsHide: true, stdio: 'ignore', timeout: 10000 });
      return true;
    } catch {
      return false;
    }
  }
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    // Not a group leader (or the group is gone): at least the process itself.
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }
}

/** Is any process of the group (POSIX) / the process (Windows) still alive? */
export function groupAlive(pid: number, platform: NodeJS.Platform = process.platform): boolean {
  try {
    process.kill(platform === 'win32' ? pid : -pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but is not ours (cannot happen for our own group, but be truthful).
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface StopOptions {
  /** How long each signal gets before the next, harsher one. */
  graceMs?: number;
  platform?: NodeJS.Platform;
  /** Reports each escalation step (for the log). */
  onSignal?: (sig: StopSignal) => void;
}

/**
 * SIGINT (the program's own KeyboardInterrupt handling, and the runtime's
 * chance to write `finish`), then SIGTERM, then SIGKILL, until no process of the
 * group is left. Resolves with the last signal that was needed.
 */
export async function stopGroup(pid: number, opts: StopOptions = {}): Promise<StopSignal | undefined> {
  const platform = opts.platform ?? process.platform;
  const grace = opts.graceMs ?? 1500;
  if (platform === 'win32') {
    // No process-group signals on Windows; taskkill /T /F is the whole-tree stop.
    if (!processAlive(pid)) return undefined;
    opts.onSignal?.('SIGKILL');
    await new Promise<void>((resolve) => execFile('taskkill', ['/T', '/F', '/PID', String(pid)], { windowsHide: true }, () => resolve()));
    return 'SIGKILL';
  }
  let last: StopSignal | undefined;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    if (!groupAlive(pid, platform)) return last;
    opts.onSignal?.(sig);
    signalGroup(pid, sig, platform);
    last = sig;
    const deadline = Date.now() + (sig === 'SIGKILL' ? 5000 : grace);
    while (Date.now() < deadline) {
      await sleep(25);
      if (!groupAlive(pid, platform)) return last;
    }
  }
  return last;
}
