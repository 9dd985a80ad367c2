// One run of a script on the Coroscope runtime, without VS Code: the child
// process (its own process group), the private event socket, incremental
// decoding into a TraceStore, the raw trace file, and the batches the diagram
// gets. The VS Code session (session.ts) adds the terminal, status bar and
// panel around it; keeping this part pure Node lets it be tested directly.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { performance } from 'node:perf_hooks';
import { TraceStore, TYPE } from '../../trace/store';
import { EventServer, privateAddress, type PrivateAddress } from './events-server';
import { groupAlive, signalGroup, stopGroup, type StopSignal } from './kill';
import { TraceFile } from './trace-file';

export interface RunSpec {
  python: string;
  /** Folder holding the `coroscope` package (the extension's `runtime/`). */
  runtimeDir: string;
  /** Absolute path of the script. */
  script: string;
  args: readonly string[];
  cwd: string;
  blockingMs: number;
  /** Where the raw JSON Lines trace goes. */
  traceFile: string;
  /** Base environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Decode and forward at most this often while events stream in. */
  batchMs?: number;
  /** Largest piece decoded in one turn (smaller while the decoder runs slow), so no turn of the event loop runs long. */
  sliceBytes?: number;
  platform?: NodeJS.Platform;
}

export type CoreState = 'starting' | 'running' | 'exited' | 'stopped' | 'failed';

export interface Batch {
  /** Whole JSON Lines, exactly as received. */
  text: string;
  /** Byte range of `text` in the trace file. */
  start: number;
  end: number;
  /** Store indices of the events it added. */
  first: number;
  count: number;
}

export interface RunResult {
  state: Exclude<CoreState, 'starting' | 'running'>;
  exitCode: number | null;
  signal: string | null;
  /** One sentence for the user. */
  message: string;
  events: number;
}

export interface CoreHooks {
  onStdout?(text: string): void;
  onStderr?(text: string): void;
  onBatch?(b: Batch): void;
  /** A runtime `mark` event arrived (loop blocked, events dropped…) at this store index. */
  onMark?(index: number): void;
  onStateChange?(s: CoreState): void;
  /** An escalation step of Stop, for the log. */
  onSignal?(sig: StopSignal): void;
  /** The script ended but processes of its group live on (ended when VS Code closes or the next run starts). */
  onLeftover?(pgid: number): void;
}

const STDERR_TAIL = 8192;
/** Target duration of one decode turn on the extension host's thread. */
const SLICE_BUDGET_MS = 5;

/**
 * The session-side decode path: accepts the runtime's connections, and on a
 * ~30 ms cadence (never per event) moves whole lines into the trace file and
 * the store, in slices so no turn of the event loop runs long.
 */
export class StreamDecoder {
  readonly server: EventServer;
  private drainTimer: NodeJS.Timeout | undefined;
  private draining = false;
  private lastDrain = 0;
  private closed = false;
  /**
   * Bytes decoded per turn, adapted so one turn takes about SLICE_BUDGET_MS:
   * the first slices run cold (before the JIT has compiled the scanner) and
   * would otherwise block the host for tens of ms.
   */
  private slice = 32 * 1024;
  private bytesPerMs = 0;

  constructor(
    readonly store: TraceStore,
    readonly trace: TraceFile,
    private readonly hooks: Pick<CoreHooks, 'onBatch' | 'onMark'>,
    private readonly batchMs = 30,
    private readonly sliceBytes = 256 * 1024,
  ) {
    this.server = new EventServer({ onData: () => this.scheduleDrain() });
  }

  listen(address: string): Promise<void> { return this.server.listen(address); }

  private scheduleDrain(): void {
    if (this.drainTimer || this.draining || this.closed) return;
    const wait = Math.max(0, this.lastDrain + this.batchMs - Date.now());
    this.drainTimer = setTimeout(() => { this.drainTimer = undefined; this.drain(); }, wait);
  }

  /** Decodes one slice; yields to the event loop between slices while a backlog remains. */
  private drain(): void {
    if (this.closed) return;
    this.draining = true;
    this.lastDrain = Date.now();
    const buf = this.server.take(this.slice);
    if (buf) this.timedDecode(buf);
    if (this.server.queuedBytes > 0) setImmediate(() => this.drain());
    else this.draining = false;
  }

  private timedDecode(buf: Buffer): void {
    const t0 = performance.now();
    this.decode(buf);
    const ms = performance.now() - t0;
    if (buf.length >= 4096 && ms > 0) {
      const rate = buf.length / ms;
      this.bytesPerMs = this.bytesPerMs ? this.bytesPerMs * 0.7 + rate * 0.3 : rate;
      this.slice = Math.max(16 * 1024, Math.min(this.sliceBytes, Math.round(this.bytesPerMs * SLICE_BUDGET_MS)));
    }
  }

  private decode(buf: Buffer): void {
    const start = this.trace.enqueued;
    this.trace.write(buf);
    const text = buf.toString('utf8');
    const first = this.store.length;
    this.store.appendText(text);
    const count = this.store.length - first;
    if (this.hooks.onMark) {
      for (let i = first; i < first + count; i++) if (this.store.typeCode(i) === TYPE.mark) this.hooks.onMark(i);
    }
    this.hooks.onBatch?.({ text, start, end: this.trace.enqueued, first, count });
  }

  /** Stops accepting, then decodes everything still queued (in slices). */
  async finish(): Promise<void> {
    this.closed = true;
    if (this.drainTimer) { clearTimeout(this.drainTimer); this.drainTimer = undefined; }
    await this.server.close();
    for (let buf = this.server.take(this.slice); buf; buf = this.server.take(this.slice)) {
      this.timedDecode(buf);
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  destroy(): void {
    this.closed = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.server.destroy();
  }
}

export class RunCore {
  readonly store = new TraceStore();
  state: CoreState = 'starting';
  exitCode: number | null = null;
  signal: string | null = null;
  pid: number | undefined;
  readonly startedAt = Date.now();
  endedAt: number | undefined;
  result: RunResult | undefined;
  readonly trace: TraceFile;
  /** Resolves when the run is over and everything it sent is decoded and on disk. */
  readonly done: Promise<RunResult>;

  private resolveDone!: (r: RunResult) => void;
  private child: ChildProcess | undefined;
  private decoder: StreamDecoder | undefined;
  private addr: PrivateAddress | undefined;
  private stopRequested = false;
  private spawnError: Error | undefined;
  private stderrTail = '';
  private finishing = false;
  private groupGone = false;

  constructor(readonly spec: RunSpec, private readonly hooks: CoreHooks = {}) {
    this.trace = new TraceFile(spec.traceFile);
    this.done = new Promise((r) => { this.resolveDone = r; });
  }

  get platform(): NodeJS.Platform { return this.spec.platform ?? process.platform; }

  /** Pids of every process that connected (the script's and its children's). */
  get pids(): number[] {
    const s = new Set<number>();
    if (this.pid !== undefined) s.add(this.pid);
    for (const c of this.decoder?.server.connections ?? []) if (c.pid !== undefined) s.add(c.pid);
    return [...s];
  }

  /** The event socket's address (for diagnostics and tests). */
  get address(): string | undefined { return this.addr?.address; }

  get connections(): number { return this.decoder?.server.connections.length ?? 0; }

  get scriptName(): string { return path.basename(this.spec.script); }

  async start(): Promise<void> {
    const spec = this.spec;
    this.addr = privateAddress(this.platform);
    this.decoder = new StreamDecoder(this.store, this.trace, this.hooks, spec.batchMs ?? 30, spec.sliceBytes ?? 256 * 1024);
    try {
      await this.decoder.listen(this.addr.address);
    } catch (e) {
      this.spawnError = e as Error;
      void this.finish();
      return;
    }
    const base = spec.env ?? process.env;
    const env: NodeJS.ProcessEnv = { ...base };
    env.PYTHONPATH = base.PYTHONPATH ? spec.runtimeDir + path.delimiter + base.PYTHONPATH : spec.runtimeDir;
    // Output appears as it is written, and decodes the same everywhere.
    env.PYTHONUNBUFFERED = '1';
    env.PYTHONIOENCODING ??= 'utf-8';
    const argv = ['-m', 'coroscope', '--socket', this.addr.address, '--blocking-ms', String(spec.blockingMs), spec.script, ...spec.args];
    let child: ChildProcess;
    try {
      child = spawn(spec.python, argv, {
        cwd: spec.cwd, env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true,
        // POSIX: a new process group, so Stop and Ctrl+C reach every process it starts.
        detached: this.platform !== 'win32',
      });
    } catch (e) {
      this.spawnError = e as Error;
      void this.finish();
      return;
    }
    this.child = child;
    this.pid = child.pid;
    const out = new StringDecoder('utf8');
    const err = new StringDecoder('utf8');
    child.stdout?.on('data', (b: Buffer) => this.hooks.onStdout?.(out.write(b)));
    child.stderr?.on('data', (b: Buffer) => {
      const t = err.write(b);
      this.stderrTail = (this.stderrTail + t).slice(-STDERR_TAIL);
      this.hooks.onStderr?.(t);
    });
    child.stdin?.on('error', () => undefined); // EPIPE once the program has exited or closed stdin
    child.on('error', (e) => {
      // Only a failure to start matters here; later errors (a failed kill) are not the run's outcome.
      if (this.pid === undefined) { this.spawnError = e; void this.finish(); }
    });
    child.on('exit', (code, signal) => {
      this.exitCode = code;
      this.signal = signal;
      void this.finish();
    });
    if (child.pid !== undefined) this.setState('running');
  }

  private setState(s: CoreState): void {
    if (this.state === s) return;
    this.state = s;
    this.hooks.onStateChange?.(s);
  }

  /** Text typed by the user, for the program's stdin. */
  write(text: string): void {
    const stdin = this.child?.stdin;
    if (stdin && !stdin.destroyed && stdin.writable) stdin.write(text);
  }

  endInput(): void { this.child?.stdin?.end(); }

  /** Ctrl+C: SIGINT to the whole process group, as a terminal would. */
  interrupt(): void {
    if (this.pid !== undefined && this.isRunning) signalGroup(this.pid, 'SIGINT', this.platform);
  }

  get isRunning(): boolean { return this.state === 'starting' || this.state === 'running'; }

  /** Stop: SIGINT → SIGTERM → SIGKILL to the whole group, then wait for the run to wind up. */
  async stop(graceMs?: number): Promise<RunResult> {
    if (this.pid !== undefined && (this.isRunning || groupAlive(this.pid, this.platform))) {
      this.stopRequested = true;
      await stopGroup(this.pid, { graceMs, platform: this.platform, onSignal: (s) => this.hooks.onSignal?.(s) });
    }
    return this.done;
  }

  /** Immediate, synchronous teardown (VS Code is closing): no process may outlive us. */
  kill(): void {
    // Once the group was seen empty its id may be reused by someone else's process: never signal it again.
    if (this.pid !== undefined && !this.groupGone && groupAlive(this.pid, this.platform)) {
      this.stopRequested = true;
      signalGroup(this.pid, 'SIGKILL', this.platform);
    }
    this.decoder?.destroy();
    this.addr?.cleanup();
  }

  private async finish(): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    const child = this.child;
    // Let stdio and the last connections flush, but not forever: a grandchild
    // may hold them open after the script itself has exited.
    if (child && this.spawnError === undefined) {
      await Promise.race([
        new Promise<void>((r) => { if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false) r(); else child.once('close', () => r()); }),
        sleep(1000),
      ]);
      const deadline = Date.now() + 1500;
      while ((this.decoder?.server.openConnections ?? 0) > 0 && Date.now() < deadline) await sleep(20);
    }
    // Decode the rest, still in slices so a big backlog does not block.
    await this.decoder?.finish();
    const before = this.store.length;
    this.store.end();
    if (this.store.length > before) {
      // Only possible for a final line without newline, which the splitter already terminates; kept for safety.
      this.hooks.onBatch?.({ text: '', start: this.trace.enqueued, end: this.trace.enqueued, first: before, count: this.store.length - before });
    }
    this.addr?.cleanup();
    await this.trace.close();
    this.endedAt = Date.now();
    this.groupGone = this.pid === undefined || !groupAlive(this.pid, this.platform);
    if (!this.groupGone) this.hooks.onLeftover?.(this.pid!);
    const r = this.describe();
    this.result = r;
    this.setState(r.state);
    this.resolveDone(r);
  }

  /** The stderr line that explains a failure (e.g. "SyntaxError: invalid syntax"). */
  get lastErrorLine(): string | undefined {
    const lines = this.stderrTail.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    return lines.pop();
  }

  private describe(): RunResult {
    const name = this.scriptName;
    const events = this.store.length;
    const base = { exitCode: this.exitCode, signal: this.signal, events };
    if (this.spawnError) {
      const code = (this.spawnError as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? `"${this.spec.python}" was not found` : this.spawnError.message;
      return { ...base, state: 'failed', message: `Could not start ${name}: ${why}.` };
    }
    const why = this.lastErrorLine;
    if (!this.store.header && this.exitCode !== 0 && !this.stopRequested) {
      // The runtime never connected: it could not be imported or refused its arguments.
      return { ...base, state: 'failed', message: `The Coroscope runtime did not start for ${name}${why ? `: ${why}` : ''} (exit code ${this.exitCode ?? this.signal}).` };
    }
    if (this.stopRequested) return { ...base, state: 'stopped', message: `${name} was stopped (${events} events kept).` };
    if (this.signal) return { ...base, state: 'exited', message: `${name} was ended by ${this.signal} (${events} events kept).` };
    if (this.exitCode === 0) return { ...base, state: 'exited', message: `${name} finished: ${events} events, ${this.store.tasks.length} tasks.` };
    return { ...base, state: 'exited', message: `${name} exited with code ${this.exitCode}${why ? `: ${why}` : ''} (${events} events kept).` };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
