// One run of a script on the Coroscope runtime, without VS Code: the child
// process, the private event socket, incremental decoding into a TraceStore,
// the raw trace file, and the batches the diagram gets. Shared by both front
// ends: the VS Code session (extension/run/session.ts) runs it on pipes in its
// own process group and adds the terminal, status bar and panel around it; the
// CLI (cli/run.ts) runs it on the user's terminal (`stdio: 'inherit'`) and
// writes the outputs from its store. Pure Node, so it is tested directly.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { performance } from 'node:perf_hooks';
import { TraceStore, TYPE } from '../trace/store';
import { EventServer, LineSplitter, privateAddress, type EventServerOptions, type PrivateAddress } from './events-server';
import { groupAlive, signalGroup, stopGroup, type StopSignal } from './kill';
import { TraceFile } from './trace-file';

/** What RunCore runs. The host always passes a RunSpec; the CLI leaves the optional parts out. */
export interface CoreSpec {
  python: string;
  /** Folder holding the `coroscope` package (the extension's `runtime/`). */
  runtimeDir: string;
  /** Absolute path of the script (a file, or a folder / zipapp with a `__main__.py`); with `module`, only named. */
  script: string;
  /** Run this module as `python -m MODULE` would (cwd first on sys.path), instead of `script`. */
  module?: string;
  args: readonly string[];
  cwd: string;
  /** `--blocking-ms` for the runtime; omitted: the runtime's default. */
  blockingMs?: number;
  /** `--locals`: the runtime records the local variables of switching frames (runtime/coroscope/frame_locals.py). */
  locals?: boolean;
  /** `--ignore-signals`: signal numbers the program starts with ignored (the CLI: those the shell ignored). */
  ignoreSignals?: readonly number[];
  /** Where the raw JSON Lines trace goes; omitted: nowhere (the store only). */
  traceFile?: string;
  /**
   * 'pipe' (the host): stdin/stdout/stderr through the hooks, a new process
   * group (POSIX) so Stop and Ctrl+C reach every process it starts, UTF-8
   * unbuffered output. 'inherit' (the CLI): the user's terminal is the
   * script's, same process group (Ctrl+C at the terminal reaches it directly),
   * environment untouched but for PYTHONPATH.
   */
  stdio?: 'pipe' | 'inherit';
  /**
   * When the socket cannot be opened (odd filesystems, sandboxes), let the
   * runtime write `--trace` to a private temp file instead, decoded only once
   * the script has exited (no live events then). Off: the run fails.
   */
  fileFallback?: boolean;
  /** Only the first connection's header is kept (see EventServerOptions). */
  oneHeader?: boolean;
  /**
   * The store lets each batch's rows go once `onBatch` has seen them (TraceStore.releaseBefore): lanes, header,
   * counts and problems stay, memory does not grow with the run. The CLI: it writes its outputs from the trace file.
   */
  releaseRows?: boolean;
  /** How long to wait after the exit for connections still open (a child that outlives the script). Default 1500 ms. */
  lingerMs?: number;
  /** Base environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Decode and forward at most this often while events stream in. */
  batchMs?: number;
  /** Largest piece decoded in one turn (smaller while the decoder runs slow), so no turn of the event loop runs long. */
  sliceBytes?: number;
  platform?: NodeJS.Platform;
}

/** The VS Code host's run: a saved trace file and a blocking threshold, always. */
export interface RunSpec extends CoreSpec {
  blockingMs: number;
  traceFile: string;
}

export type CoreState = 'starting' | 'running' | 'exited' | 'stopped' | 'failed';

export interface Batch {
  /** Whole JSON Lines, exactly the bytes received (and written to the trace file); do not modify. */
  bytes: Uint8Array;
  /** The same lines as text, decoded on first read (the decode path itself never makes this string). */
  readonly text: string;
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
  /** The socket could not be opened; the runtime traces to a file read after the run (`fileFallback`). */
  onFallback?(address: string, error: Error): void;
}

/** A Batch whose text is decoded only if someone reads it. */
class ByteBatch implements Batch {
  private decoded: string | undefined;
  constructor(
    readonly bytes: Uint8Array,
    readonly start: number,
    readonly end: number,
    readonly first: number,
    readonly count: number,
  ) {}
  get text(): string {
    this.decoded ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('utf8');
    return this.decoded;
  }
}

const STDERR_TAIL = 8192;
/** Bytes of trace file writes queued before the decoder waits for the disk. */
const MAX_PENDING_WRITE = 8 * 1024 * 1024;
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
    serverOptions: EventServerOptions = {},
    private readonly releaseRows = false,
  ) {
    this.server = new EventServer({ onData: () => this.scheduleDrain() }, undefined, serverOptions);
  }

  listen(address: string): Promise<void> {
    return this.server.listen(address);
  }

  private scheduleDrain(): void {
    if (this.drainTimer || this.draining || this.closed) return;
    const wait = Math.max(0, this.lastDrain + this.batchMs - Date.now());
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      this.drain();
    }, wait);
  }

  /** Decodes one slice; yields to the event loop between slices while a backlog remains. */
  private drain(): void {
    if (this.closed) return;
    this.draining = true;
    this.lastDrain = Date.now();
    const buf = this.server.take(this.slice);
    if (buf) this.timedDecode(buf);
    if (this.server.queuedBytes === 0) this.draining = false;
    // The trace file is written behind the decoder: when the disk lags, wait for it rather than hold the bytes
    // (the socket queue then fills and pauses the connections, as for a slow decoder).
    else if (this.trace.pendingBytes > MAX_PENDING_WRITE) void this.trace.written().then(() => this.drain());
    else setImmediate(() => this.drain());
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

  /** Socket bytes stay bytes: the same buffer goes to the trace file, the store's byte scanner and the batch. */
  private decode(buf: Buffer): void {
    const start = this.trace.enqueued;
    this.trace.write(buf);
    const first = this.store.length;
    this.store.appendBytes(buf);
    const count = this.store.length - first;
    if (this.hooks.onMark) {
      for (let i = first; i < first + count; i++) if (this.store.typeCode(i) === TYPE.mark) this.hooks.onMark(i);
    }
    this.hooks.onBatch?.(new ByteBatch(buf, start, this.trace.enqueued, first, count));
    if (this.releaseRows) this.store.releaseBefore(this.store.length);
  }

  /** Stops accepting, then decodes everything still queued (in slices). */
  async finish(): Promise<void> {
    this.closed = true;
    if (this.drainTimer) {
      clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
    }
    await this.server.close();
    for (let buf = this.server.take(this.slice); buf; buf = this.server.take(this.slice)) {
      this.timedDecode(buf);
      if (this.trace.pendingBytes > MAX_PENDING_WRITE) await this.trace.written();
      else await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Decodes a whole trace file written by the runtime (`fileFallback`), in slices of whole lines. */
  async readFile(file: string): Promise<void> {
    const split = new LineSplitter();
    let stream: ReturnType<typeof createReadStream>;
    try {
      stream = createReadStream(file, { highWaterMark: this.sliceBytes });
    } catch {
      return;
    }
    try {
      for await (const chunk of stream) {
        const lines = split.push(chunk as Buffer);
        if (lines) {
          this.timedDecode(lines);
          await new Promise<void>((r) => setImmediate(r));
        }
      }
    } catch {
      /* never written (the runtime did not start): nothing to read */
    }
    const last = split.end();
    if (last) this.timedDecode(last);
  }

  destroy(): void {
    this.closed = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.server.destroy();
  }
}

export class RunCore<S extends CoreSpec = RunSpec> {
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
  /** `fileFallback`: the private folder and the file the runtime traces into. */
  private fallback: { dir: string; file: string } | undefined;

  constructor(
    readonly spec: S,
    private readonly hooks: CoreHooks = {},
  ) {
    this.trace = new TraceFile(spec.traceFile);
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
  }

  get platform(): NodeJS.Platform {
    return this.spec.platform ?? process.platform;
  }

  /** Pids of every process that connected (the script's and its children's). */
  get pids(): number[] {
    const s = new Set<number>();
    if (this.pid !== undefined) s.add(this.pid);
    for (const c of this.decoder?.server.connections ?? []) if (c.pid !== undefined) s.add(c.pid);
    return [...s];
  }

  /** The event socket's address (for diagnostics and tests). */
  get address(): string | undefined {
    return this.addr?.address;
  }

  get connections(): number {
    return this.decoder?.server.connections.length ?? 0;
  }

  get scriptName(): string {
    return path.basename(this.spec.script);
  }

  /** Why the run could not start (no socket, the interpreter could not be spawned), if it could not. */
  get startError(): Error | undefined {
    return this.spawnError;
  }

  /** The script runs in a process group of its own (stdio 'pipe' on POSIX). */
  private get piped(): boolean {
    return this.spec.stdio !== 'inherit';
  }

  async start(): Promise<void> {
    const spec = this.spec;
    this.addr = privateAddress(this.platform);
    this.decoder = new StreamDecoder(
      this.store,
      this.trace,
      this.hooks,
      spec.batchMs ?? 30,
      spec.sliceBytes ?? 256 * 1024,
      { oneHeader: spec.oneHeader },
      spec.releaseRows,
    );
    let transport: string[];
    try {
      await this.decoder.listen(this.addr.address);
      transport = ['--socket', this.addr.address];
    } catch (e) {
      if (!spec.fileFallback) {
        this.spawnError = e as Error;
        void this.finish();
        return;
      }
      const dir = mkdtempSync(path.join(os.tmpdir(), 'coroscope-'));
      this.fallback = { dir, file: path.join(dir, 'trace.jsonl') };
      this.hooks.onFallback?.(this.addr.address, e as Error);
      transport = ['--trace', this.fallback.file];
    }
    const base = spec.env ?? process.env;
    const env: NodeJS.ProcessEnv = { ...base };
    env.PYTHONPATH = base.PYTHONPATH ? spec.runtimeDir + path.delimiter + base.PYTHONPATH : spec.runtimeDir;
    if (this.piped) {
      // Output appears as it is written, and decodes the same everywhere.
      env.PYTHONUNBUFFERED = '1';
      env.PYTHONIOENCODING ??= 'utf-8';
    }
    const blocking = spec.blockingMs === undefined ? [] : ['--blocking-ms', String(spec.blockingMs)];
    // The runtime is started by its path, not `-m coroscope`: `-m` would put the
    // cwd first on sys.path while the runtime starts, where a coroscope.py or
    // opcode.py of the user's would replace or break it.
    const main = path.join(spec.runtimeDir, 'coroscope', '__main__.py');
    const target = spec.module !== undefined ? ['-m', spec.module] : [spec.script];
    const ignore = spec.ignoreSignals?.length ? ['--ignore-signals', spec.ignoreSignals.join(',')] : [];
    const argv = [main, ...transport, ...blocking, ...(spec.locals ? ['--locals'] : []), ...ignore, ...target, ...spec.args];
    const options: SpawnOptions = this.piped
      ? {
          cwd: spec.cwd,
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
          windowsHide: true,
          // POSIX: a new process group, so Stop and Ctrl+C reach every process it starts.
          detached: this.platform !== 'win32',
        }
      : { cwd: spec.cwd, env, stdio: 'inherit' };
    let child: ChildProcess;
    try {
      child = spawn(spec.python, argv, options);
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
      if (this.pid === undefined) {
        this.spawnError = e;
        void this.finish();
      }
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

  endInput(): void {
    this.child?.stdin?.end();
  }

  /** Passes a signal to the script's process alone (the CLI forwards the SIGTERM/SIGHUP it gets). */
  signalChild(sig: NodeJS.Signals): void {
    try {
      this.child?.kill(sig);
    } catch {
      /* gone */
    }
  }

  /** Ctrl+C: SIGINT to the whole process group, as a terminal would. */
  interrupt(): void {
    if (this.pid !== undefined && this.isRunning) signalGroup(this.pid, 'SIGINT', this.platform);
  }

  get isRunning(): boolean {
    return this.state === 'starting' || this.state === 'running';
  }

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
        new Promise<void>((r) => {
          if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false) r();
          else child.once('close', () => r());
        }),
        sleep(1000),
      ]);
      // Connections the kernel accepted just before the exit may not have reached us yet.
      await sleep(20);
      const deadline = Date.now() + (this.spec.lingerMs ?? 1500);
      while ((this.decoder?.server.openConnections ?? 0) > 0 && Date.now() < deadline) await sleep(20);
    }
    // Decode the rest, still in slices so a big backlog does not block.
    await this.decoder?.finish();
    if (this.fallback) {
      await this.decoder?.readFile(this.fallback.file);
      try {
        rmSync(this.fallback.dir, { recursive: true, force: true });
      } catch {
        /* already gone */
      }
    }
    const before = this.store.length;
    this.store.end();
    if (this.store.length > before) {
      // Only possible for a final line without newline, which the splitter already terminates; kept for safety.
      this.hooks.onBatch?.(new ByteBatch(new Uint8Array(0), this.trace.enqueued, this.trace.enqueued, before, this.store.length - before));
    }
    this.addr?.cleanup();
    await this.trace.close();
    this.endedAt = Date.now();
    // With the user's terminal (stdio 'inherit') there is no group of our own to watch.
    this.groupGone = !this.piped || this.pid === undefined || !groupAlive(this.pid, this.platform);
    if (!this.groupGone) this.hooks.onLeftover?.(this.pid!);
    const r = this.describe();
    this.result = r;
    this.setState(r.state);
    this.resolveDone(r);
  }

  /** The stderr line that explains a failure (e.g. "SyntaxError: invalid syntax"). */
  get lastErrorLine(): string | undefined {
    const lines = this.stderrTail
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
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
      return {
        ...base,
        state: 'failed',
        message: `The Coroscope runtime did not start for ${name}${why ? `: ${why}` : ''} (exit code ${this.exitCode ?? this.signal}).`,
      };
    }
    if (this.stopRequested) return { ...base, state: 'stopped', message: `${name} was stopped (${events} events kept).` };
    if (this.signal) return { ...base, state: 'exited', message: `${name} was ended by ${this.signal} (${events} events kept).` };
    if (this.exitCode === 0) return { ...base, state: 'exited', message: `${name} finished: ${events} events, ${this.store.tasks.length} tasks.` };
    return { ...base, state: 'exited', message: `${name} exited with code ${this.exitCode}${why ? `: ${why}` : ''} (${events} events kept).` };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
