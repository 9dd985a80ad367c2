// `coroscope run`: the script runs on the runtime with the user's terminal
// attached (stdin/stdout/stderr inherited, same process group, so Ctrl+C
// reaches it directly). Running it and receiving its events is the host's
// RunCore (session/core.ts) in `stdio: 'inherit'` mode: the private socket
// (Unix socket in a 0700 temp dir, or a Windows named pipe), one connection per
// runtime process (the script's children included), whole lines merged into one
// TraceStore, the first header winning (`oneHeader`), `--trace` written as it
// arrives. If no socket can be opened the runtime traces to a temp file that is
// decoded only after the script exits (`fileFallback`: the progress line then
// shows no events). The store lets each batch's rows go once the digest has
// read them (`releaseRows`): the outputs are written afterwards from the trace
// file (`--trace`, else a private temporary file removed at exit), so the host's
// memory does not grow with the run. This module adds what is the CLI's own:
// checks, the signal handling, the progress line and the outputs.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { RunCore } from '../session/core';
import { TraceDigest } from '../trace/digest';
import { TYPE } from '../trace/store';
import { CliError, note } from './errors';
import { reportProblems } from './load';
import { checkOutputs, plural, summaryLines, writeOutputs, type OutputPaths } from './outputs';
import { Progress } from './progress';
import { findPython } from './python';
import { traceChunks } from './trace-input';

export interface RunOptions extends OutputPaths {
  python?: string;
  /** `-m MODULE`: run the module (SCRIPT is then unused). */
  module?: string;
  trace?: string;
  progress: boolean;
  /** `--locals`: the runtime records frames' local variables at switches. */
  locals?: boolean;
  /** Signals the shell had ignored: the script starts with them ignored too (cli/shell-signals.ts). */
  ignoreSignals?: readonly number[];
}

/** The runtime package folder: ../runtime next to dist/cli.js, or $COROSCOPE_RUNTIME. */
export function runtimeDir(): string {
  return process.env.COROSCOPE_RUNTIME || join(__dirname, '..', 'runtime');
}

export function defaultHtmlName(script: string): string {
  const base = basename(script, extname(script)) || 'script';
  return `coroscope-${base}.html`;
}

export async function runScript(script: string, args: string[], o: RunOptions): Promise<number> {
  // A file, or a folder / zipapp with a __main__.py (python says so if there is none), or -m MODULE.
  let exists = o.module !== undefined;
  try {
    exists ||= statSync(script).isFile() || statSync(script).isDirectory();
  } catch {
    /* reported below */
  }
  if (!exists) throw new CliError(`script not found: ${script}`, 2);
  const name = o.module ?? script;
  const outputs: OutputPaths = { html: o.html, perfetto: o.perfetto, mermaid: o.mermaid };
  if (!o.html && !o.perfetto && !o.mermaid && !o.trace) outputs.html = o.module !== undefined ? `coroscope-${o.module}.html` : defaultHtmlName(script);
  // Everything that would fail after the script ran fails before it starts.
  checkOutputs({ '--trace': o.trace, '--html': outputs.html, '--perfetto': outputs.perfetto, '--mermaid': outputs.mermaid });
  const python = await findPython(o.python, process.env);
  if (!python.ok) throw new CliError(python.message, 2);
  const runtime = runtimeDir();
  if (!existsSync(join(runtime, 'coroscope'))) throw new CliError(`the coroscope runtime is missing (${join(runtime, 'coroscope')})`, 2);

  // The outputs are written from a file of the trace: the one asked for, else a private one.
  const wantsOutputs = !!(outputs.html || outputs.perfetto || outputs.mermaid);
  const tempDir = !o.trace && wantsOutputs ? mkdtempSync(join(tmpdir(), 'coroscope-run-')) : undefined;
  const traceFile = o.trace ?? (tempDir ? join(tempDir, 'trace.jsonl') : undefined);
  try {
    return await runWith(script, name, args, o, outputs, python.command, runtime, traceFile);
  } finally {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

async function runWith(
  script: string,
  name: string,
  args: string[],
  o: RunOptions,
  outputs: OutputPaths,
  python: string,
  runtime: string,
  traceFile: string | undefined,
): Promise<number> {
  const digest = new TraceDigest();
  let progress: Progress | undefined;
  const core = new RunCore(
    {
      python,
      runtimeDir: runtime,
      script,
      module: o.module,
      args,
      cwd: process.cwd(),
      traceFile,
      locals: o.locals,
      ignoreSignals: o.ignoreSignals,
      stdio: 'inherit',
      releaseRows: true,
      fileFallback: true,
      oneHeader: true,
      lingerMs: 2000,
    },
    {
      onFallback: (address, e) => note(`could not listen on ${address} (${e.message}); tracing to a file instead`),
      onBatch: (b) => {
        digest.update(core.store);
        // The progress line waits while the script's last print has not ended its line (an input() prompt).
        if (!progress || !b.text.includes('"output"')) return;
        for (let i = b.first + b.count - 1; i >= b.first; i--) {
          if (core.store.typeCode(i) === TYPE.output) {
            progress.scriptPrinted((core.store.value(i) ?? '').endsWith('\n'));
            break;
          }
        }
      },
    },
  );
  progress = Progress.forStderr(o.progress, () => core.store, basename(name));

  // Ctrl+C at the terminal reaches the script directly (same process group);
  // coroscope stays alive to write what it has. Signals sent to coroscope
  // alone are passed on.
  const ignore = () => {
    /* the script got it too */
  };
  const forward = (sig: NodeJS.Signals) => () => core.signalChild(sig);
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGINT', ignore],
    ['SIGQUIT', ignore],
    ['SIGTERM', forward('SIGTERM')],
    ['SIGHUP', forward('SIGHUP')],
  ];
  for (const [sig, h] of handlers) if (process.platform !== 'win32' || sig === 'SIGINT') process.on(sig, h);

  progress?.start();
  try {
    await core.start();
    await core.done;
  } finally {
    progress?.stop();
    for (const [sig, h] of handlers) process.off(sig, h);
  }
  if (core.startError) throw new CliError(`could not start ${python}: ${core.startError.message}`, 2);
  const code = core.exitCode ?? 128 + (core.signal ? (constants.signals[core.signal as NodeJS.Signals] ?? 0) : 0);

  const store = core.store;
  digest.update(store);
  // The summary starts on a line of its own, even after a script's unfinished last line.
  if (endsMidLine(digest)) process.stderr.write('\n');
  reportProblems(store, 'trace');
  if (!store.header && store.length === 0) note('warning: no trace arrived from the runtime (did the script start?)');
  for (const line of summaryLines(digest, store.tasks.length)) note(line);
  if (core.trace.failure) note(`error: cannot write ${resolve(traceFile ?? '')}: ${core.trace.failure.message}`);
  try {
    if (o.trace && !core.trace.failure) note(`wrote ${resolve(o.trace)} (JSON Lines trace, ${plural(store.length, 'event')})`);
    if (traceFile && (outputs.html || outputs.perfetto || outputs.mermaid)) {
      if (core.trace.failure) throw new CliError('the diagram outputs are written from the trace file, which could not be written');
      await writeOutputs({ store, digest, chunks: () => traceChunks(traceFile, 'utf-8') }, outputs, `coroscope — ${basename(name)}`);
    }
  } catch (e) {
    if (e instanceof CliError) {
      note(`error: ${e.message}`);
      return code === 0 ? 1 : code;
    }
    throw e;
  }
  if (core.trace.failure && code === 0) return 1;
  return code;
}

/** The script's last print left its line unfinished (on stderr, or on stdout sharing a terminal with stderr). */
function endsMidLine(d: TraceDigest): boolean {
  const last = d.lastOutput;
  if (!last || last.endsLine) return false;
  return last.stream === 'stderr' || process.stderr.isTTY === true;
}
