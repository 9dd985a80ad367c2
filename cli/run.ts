// `coroscope run`: the script runs on the runtime with the user's terminal
// attached (stdin/stdout/stderr inherited, same process group, so Ctrl+C
// reaches it directly); the trace comes back over a private local socket
// (Unix socket in a 0700 temp dir, or a Windows named pipe). Every runtime
// process (the script's children included) opens its own connection and
// starts with its own header; all are merged line by line into one
// TraceStore, the first header winning.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { basename, delimiter, extname, join } from 'node:path';
import { TYPE, TraceStore } from '../trace/store';
import { CliError, note } from './errors';
import { reportProblems } from './load';
import { writeOutputs, type OutputPaths } from './outputs';
import { Progress } from './progress';
import { findPython } from './python';

export interface RunOptions extends OutputPaths {
  python?: string;
  trace?: string;
  progress: boolean;
}

/** The runtime package folder: ../runtime next to dist/cli.js, or $COROSCOPE_RUNTIME. */
export function runtimeDir(): string {
  return process.env.COROSCOPE_RUNTIME || join(__dirname, '..', 'runtime');
}

export function defaultHtmlName(script: string): string {
  const base = basename(script, extname(script)) || 'script';
  return `coroscope-${base}.html`;
}

/** Feeds lines from many connections into one store (and the --trace file). */
class Collector {
  readonly store = new TraceStore();
  childHeaders = 0;
  private traceFd: number | undefined;
  /** Called with whether the script's latest print ended its line. */
  onOutput: ((endsLine: boolean) => void) | undefined;

  constructor(tracePath: string | undefined) {
    if (tracePath) {
      try { this.traceFd = openSync(tracePath, 'w'); } catch (e) { throw new CliError(`cannot write ${tracePath}: ${(e as Error).message}`, 2); }
    }
  }

  /** Complete lines of one connection (each ending in \n). */
  lines(text: string): void {
    if (!text) return;
    const before = this.store.length;
    this.store.appendText(text);
    if (this.traceFd !== undefined) writeSync(this.traceFd, text);
    if (this.onOutput && text.includes('"output"')) {
      for (let i = this.store.length - 1; i >= before; i--) {
        if (this.store.typeCode(i) === TYPE.output) { this.onOutput((this.store.value(i) ?? '').endsWith('\n')); break; }
      }
    }
  }

  /** The first line of a connection: its header, kept only if it is the first one. */
  first(line: string): void {
    let isHeader = false;
    try { isHeader = (JSON.parse(line) as { type?: unknown }).type === 'header'; } catch { /* not JSON: let the store report it */ }
    if (isHeader && this.store.header) { this.childHeaders++; return; }
    this.lines(line + '\n');
  }

  connection(sock: Socket): Promise<void> {
    sock.setEncoding('utf8');
    let pending = '';
    let sawFirst = false;
    const take = (chunk: string): void => {
      let text = pending + chunk;
      if (!sawFirst) {
        const nl = text.indexOf('\n');
        if (nl < 0) { pending = text; return; }
        sawFirst = true;
        this.first(text.slice(0, nl));
        text = text.slice(nl + 1);
      }
      const last = text.lastIndexOf('\n');
      if (last < 0) { pending = text; return; }
      pending = text.slice(last + 1);
      this.lines(text.slice(0, last + 1));
    };
    return new Promise((done) => {
      sock.on('data', take);
      sock.on('error', () => { /* a runtime that dies mid-write: keep what arrived */ });
      sock.on('close', () => {
        // A last line without its newline is still a line.
        if (pending.trim()) { if (!sawFirst) this.first(pending); else this.lines(pending + '\n'); }
        pending = '';
        done();
      });
    });
  }

  close(): void {
    this.store.end();
    if (this.traceFd !== undefined) closeSync(this.traceFd);
    this.traceFd = undefined;
  }
}

interface Transport {
  /** What the runtime gets: ['--socket', addr] or ['--trace', file]. */
  args: string[];
  /** Waits for every connection to end (or the grace period after exit), then stops listening. */
  finish(graceMs: number): Promise<void>;
  cleanup(): void;
}

function listen(server: Server, address: string): Promise<void> {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(address, () => { server.off('error', fail); ok(); });
  });
}

async function openTransport(collector: Collector): Promise<Transport> {
  const dir = mkdtempSync(join(process.platform === 'win32' ? tmpdir() : shortTmp(), 'coroscope-'));
  if (process.platform !== 'win32') chmodSync(dir, 0o700);
  const cleanup = () => { try { rmSync(dir, { recursive: true, force: true }); } catch { /* already gone */ } };
  const address = process.platform === 'win32' ? `\\\\.\\pipe\\coroscope-${randomBytes(16).toString('hex')}` : join(dir, 'events.sock');
  const open = new Set<Promise<void>>();
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    const p = collector.connection(sock).finally(() => { open.delete(p); sockets.delete(sock); });
    open.add(p);
  });
  try {
    await listen(server, address);
  } catch (e) {
    // No socket here (odd filesystems, sandboxes): the runtime writes a file we read afterwards.
    note(`could not listen on ${address} (${(e as Error).message}); tracing to a file instead`);
    const file = join(dir, 'trace.jsonl');
    return {
      args: ['--trace', file],
      async finish() {
        if (existsSync(file)) {
          const text = readFileSync(file, 'utf8');
          const nl = text.indexOf('\n');
          collector.first(nl < 0 ? text : text.slice(0, nl));
          if (nl >= 0) collector.lines(text.slice(nl + 1).replace(/[^\n]$/, '$&\n'));
        }
      },
      cleanup,
    };
  }
  return {
    args: ['--socket', address],
    async finish(graceMs: number) {
      const timeout = new Promise<void>((r) => setTimeout(r, graceMs).unref());
      // Connections the kernel accepted just before the exit may not have reached us yet.
      await new Promise<void>((r) => setTimeout(r, 20));
      // Loop: a connection may open while we wait for the others.
      while (open.size) {
        const all = Promise.all([...open]).then(() => undefined);
        const late = await Promise.race([all.then(() => false), timeout.then(() => true)]);
        if (late) { for (const s of sockets) s.destroy(); break; }
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
    cleanup,
  };
}

/** Unix socket paths are limited to ~104 bytes: fall back to /tmp when TMPDIR is long. */
function shortTmp(): string {
  const t = tmpdir();
  return t.length > 60 && existsSync('/tmp') ? '/tmp' : t;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export async function runScript(script: string, args: string[], o: RunOptions): Promise<number> {
  let isFile = false;
  try { isFile = statSync(script).isFile(); } catch { /* reported below */ }
  if (!isFile) throw new CliError(`script not found: ${script}`, 2);
  const python = findPython(o.python, process.env);
  if (typeof python === 'string') throw new CliError(python, 2);
  const runtime = runtimeDir();
  if (!existsSync(join(runtime, 'coroscope'))) throw new CliError(`the coroscope runtime is missing (${join(runtime, 'coroscope')})`, 2);

  const outputs: OutputPaths = { html: o.html, perfetto: o.perfetto, mermaid: o.mermaid };
  if (!o.html && !o.perfetto && !o.mermaid && !o.trace) outputs.html = defaultHtmlName(script);

  const collector = new Collector(o.trace);
  const transport = await openTransport(collector);
  const progress = Progress.forStderr(o.progress, () => collector.store, basename(script));
  if (progress) collector.onOutput = (endsLine) => progress.scriptPrinted(endsLine);

  const env = { ...process.env, PYTHONPATH: process.env.PYTHONPATH ? `${runtime}${delimiter}${process.env.PYTHONPATH}` : runtime };
  const child = spawn(python.command, ['-m', 'coroscope', ...transport.args, script, ...args], { stdio: 'inherit', env });

  // Ctrl+C at the terminal reaches the script directly (same process group);
  // coroscope stays alive to write what it has. Signals sent to coroscope
  // alone are passed on.
  const ignore = () => { /* the script got it too */ };
  const forward = (sig: NodeJS.Signals) => () => { try { child.kill(sig); } catch { /* gone */ } };
  const handlers: [NodeJS.Signals, () => void][] = [['SIGINT', ignore], ['SIGQUIT', ignore], ['SIGTERM', forward('SIGTERM')], ['SIGHUP', forward('SIGHUP')]];
  for (const [sig, h] of handlers) if (process.platform !== 'win32' || sig === 'SIGINT') process.on(sig, h);

  progress?.start();
  let code: number;
  try {
    code = await new Promise<number>((resolveCode, reject) => {
      child.once('error', (e) => reject(new CliError(`could not start ${python.command}: ${e.message}`, 2)));
      child.once('exit', (c, sig) => resolveCode(c ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0)));
    });
    await transport.finish(2000);
  } finally {
    progress?.stop();
    for (const [sig, h] of handlers) process.off(sig, h);
    transport.cleanup();
    collector.close();
  }

  const store = collector.store;
  reportProblems(store, 'trace');
  if (!store.header && store.length === 0) note('warning: no trace arrived from the runtime (did the script start?)');
  try {
    if (o.trace) note(`wrote ${o.trace} (${plural(store.length, 'event')})`);
    writeOutputs(store, outputs, `coroscope — ${basename(script)}`);
  } catch (e) {
    if (e instanceof CliError) { note(`error: ${e.message}`); return code === 0 ? 1 : code; }
    throw e;
  }
  return code;
}
