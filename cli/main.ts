// The `coroscope` command: `run` a script on the runtime, or `report` on a
// saved trace; both write the self-contained HTML diagram, Perfetto JSON and
// Mermaid through the exporters in trace/. Usage in docs/cli.md.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { CliError, EXIT, note } from './errors';
import { checkTraceFile, loadTrace } from './load';
import { checkOutputs, summaryLines, writeOutputs } from './outputs';
import { defaultHtmlName, runScript } from './run';
import { keepIgnoring, takeShellIgnored } from './shell-signals';

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const errorPrefix = { outputError: (s: string, write: (s: string) => void) => write(s.startsWith('error:') ? `coroscope: ${s}` : s) };

interface OutputFlags {
  html?: string;
  perfetto?: string;
  mermaid?: string;
}

function outputOptions(cmd: Command): Command {
  return cmd
    .option('--html <file>', 'write the interactive diagram as one self-contained HTML page')
    .option('--perfetto <file>', 'write Chrome Trace Event JSON (ui.perfetto.dev, chrome://tracing)')
    .option('--mermaid <file>', 'write a Mermaid sequenceDiagram');
}

/** `shellIgnored`: the signals the shell had ignored (cli/shell-signals.ts), ignored in the script too. */
export function program(shellIgnored: readonly number[] = []): Command {
  const p = new Command('coroscope')
    .description('Run a Python script on the coroscope runtime and draw its coroutine switches as a sequence diagram.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .enablePositionalOptions()
    .showHelpAfterError('(run coroscope --help for usage)')
    .exitOverride()
    .configureOutput(errorPrefix)
    .addHelpText(
      'after',
      '\nExamples:\n  coroscope run examples/producer_consumer.py\n  coroscope run --html out.html --mermaid out.mmd app.py --port 8080\n  coroscope report trace.jsonl --perfetto trace.json\n\nDocs: docs/cli.md',
    );

  const run = new Command('run')
    .description("run SCRIPT with ARGS on the runtime, the terminal attached; coroscope options go before SCRIPT, everything after it is the script's")
    .argument('[script]', 'the Python script to run: a file, or a folder or zipapp with a __main__.py')
    .argument('[args...]', 'arguments for the script (passed unchanged, options included)')
    .option('-m, --module <module>', "run a module as python -m MODULE does; every word after it is the module's")
    .option('--python <path>', 'Python interpreter (default: $COROSCOPE_PYTHON, then python3, python)')
    .option('--trace <file>', 'write the trace as JSON Lines')
    .option('--locals', 'record the local variables of each generator, coroutine, greenlet and tasklet at its switches (the Tasks pane shows them; costs time)')
    .addOption(new Option('--no-progress', 'no progress line on stderr'))
    .passThroughOptions()
    .showHelpAfterError('(run coroscope run --help for usage)')
    .configureOutput(errorPrefix)
    .exitOverride();
  outputOptions(run).action(
    async (
      script: string | undefined,
      args: string[],
      opts: OutputFlags & { python?: string; trace?: string; progress: boolean; module?: string; locals?: boolean },
    ) => {
      if (opts.module === undefined && script === undefined) run.error("error: missing required argument 'script'");
      const words = opts.module === undefined || script === undefined ? args : [script, ...args];
      process.exitCode = await runScript(script ?? '', words, { ...opts, ignoreSignals: shellIgnored });
    },
  );
  p.addCommand(run);

  const eventIndex = (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError('an event index (0, 1, 2, …) is expected');
    return Number(v);
  };
  const report = new Command('report')
    .description('write the HTML diagram, Perfetto or Mermaid from a saved JSON Lines trace (default: coroscope-<trace>.html)')
    .argument('<trace>', 'a .jsonl trace (plain or gzip) written by coroscope run --trace or the VS Code extension')
    .option('--from <n>', 'HTML: the page holds events from index n (0 = the first) …', eventIndex)
    .option('--to <n>', '… up to index n, excluded (default: the end)', eventIndex)
    .showHelpAfterError('(run coroscope report --help for usage)')
    .configureOutput(errorPrefix)
    .exitOverride();
  outputOptions(report).action(async (trace: string, opts: OutputFlags & { from?: number; to?: number }) => {
    const out = { html: opts.html, perfetto: opts.perfetto, mermaid: opts.mermaid };
    if (!out.html && !out.perfetto && !out.mermaid) out.html = defaultHtmlName(trace);
    // Before a read that may take minutes: the trace exists, every output can be written.
    checkTraceFile(trace);
    checkOutputs({ '--html': out.html, '--perfetto': out.perfetto, '--mermaid': out.mermaid });
    const t = await loadTrace(trace);
    for (const line of summaryLines(t.digest, t.store.tasks.length)) note(line);
    const script = t.store.header?.script ? basename(t.store.header.script) : basename(trace, extname(trace));
    await writeOutputs(t, out, `coroscope — ${script}`, { from: opts.from, to: opts.to });
  });
  p.addCommand(report);
  return p;
}

/** Options of `run` that take a value (to find where `-m MODULE` ends coroscope's options). */
const RUN_VALUE_OPTIONS = new Set(['--python', '--trace', '--html', '--perfetto', '--mermaid']);

/**
 * `coroscope run [options] -m MODULE ARGS...`: as with `python -m`, every word after
 * MODULE is the module's, options included; a `--` after MODULE tells commander so.
 */
export function moduleArgv(argv: readonly string[]): string[] {
  const out = [...argv];
  const run = out.indexOf('run', 2);
  if (run < 0) return out;
  for (let i = run + 1; i < out.length; i++) {
    const a = out[i] ?? ''; // i < out.length
    if (a === '--' || !a.startsWith('-')) return out;
    if (a === '-m' || a === '--module') {
      if (i + 1 < out.length) out.splice(i + 2, 0, '--');
      return out;
    }
    if (a.startsWith('--module=') || (a.startsWith('-m') && a.length > 2)) {
      out.splice(i + 1, 0, '--');
      return out;
    }
    if (RUN_VALUE_OPTIONS.has(a)) i++;
  }
  return out;
}

export async function main(argv: string[], shellIgnored: readonly number[] = []): Promise<number> {
  try {
    await program(shellIgnored).parseAsync(moduleArgv(argv));
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are successes; usage errors were already printed by commander.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof CliError) {
      note(`error: ${e.message}`);
      return e.exitCode;
    }
    // A bug of coroscope's: one line, the stack only on request.
    const err = e as Error;
    note(`internal error: ${err?.name ?? 'Error'}: ${err?.message ?? String(e)} (a bug in coroscope; COROSCOPE_DEBUG=1 prints the stack)`);
    if (process.env.COROSCOPE_DEBUG) process.stderr.write(`${err?.stack ?? String(e)}\n`);
    return EXIT.internal;
  }
}

if (require.main === module) {
  const ignored = takeShellIgnored(process.env);
  keepIgnoring(ignored);
  void main(process.argv, ignored).then((code) => {
    process.exitCode = code;
  });
}
