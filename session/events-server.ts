// The private local socket the runtime streams its trace into. Pure Node (no
// vscode). Several connections arrive per run: the script's process first, then
// every child process it forks or spawns, each starting with its own header
// line. Lines from different connections must never be spliced together, so
// each connection has its own splitter and only whole lines leave this module.
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Splits a byte stream into whole lines; keeps the partial tail for the next push. */
export class LineSplitter {
  private tail: Buffer | undefined;

  /** Returns the complete lines (ending with '\n') in `tail + buf`, or undefined if none is complete yet. */
  push(buf: Buffer): Buffer | undefined {
    const nl = buf.lastIndexOf(0x0a);
    if (nl < 0) {
      this.tail = this.tail ? Buffer.concat([this.tail, buf]) : buf;
      return undefined;
    }
    let out = buf.subarray(0, nl + 1);
    if (this.tail) {
      out = Buffer.concat([this.tail, out]);
      this.tail = undefined;
    }
    if (nl + 1 < buf.length) this.tail = buf.subarray(nl + 1);
    return out;
  }

  /** At end of stream: an unterminated last line, newline-terminated (so the next connection's lines stay separate). */
  end(): Buffer | undefined {
    const t = this.tail;
    this.tail = undefined;
    if (!t || t.length === 0) return undefined;
    return Buffer.concat([t, Buffer.from('\n')]);
  }

  get pendingBytes(): number {
    return this.tail?.length ?? 0;
  }
}

export interface PrivateAddress {
  /** What `--socket` gets: a Unix socket path, or a Windows named pipe name. */
  address: string;
  /** Removes the socket and its private folder; idempotent. */
  cleanup(): void;
}

/**
 * An unguessable address only this user can reach: on Unix a socket inside a
 * fresh mkdtemp folder (mode 0700); on Windows a pipe with a random name.
 */
export function privateAddress(platform: NodeJS.Platform = process.platform): PrivateAddress {
  if (platform === 'win32') {
    return { address: `\\\\.\\pipe\\coroscope-${randomBytes(16).toString('hex')}`, cleanup: () => undefined };
  }
  // Unix socket paths are limited to ~104 bytes; a long TMPDIR (macOS) falls back to /tmp.
  const tmp = os.tmpdir().length > 70 ? '/tmp' : os.tmpdir();
  const dir = mkdtempSync(path.join(tmp, 'coroscope-'));
  return {
    address: path.join(dir, 'events.sock'),
    cleanup: () => {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        /* already gone */
      }
    },
  };
}

export interface ConnectionInfo {
  /** Order of arrival, 0 = the first (normally the script's own process). */
  n: number;
  /** `pid` of the connection's header, once read. */
  pid?: number;
  open: boolean;
}

export interface EventServerOptions {
  /**
   * Keep only the first header: a later connection's header line is dropped
   * (the CLI's merged trace has one header; the host keeps every byte).
   */
  oneHeader?: boolean;
}

export interface EventServerHooks {
  /** Whole lines are waiting in `take()`. Called at most once until the next `take()`. */
  onData?(): void;
  onConnection?(c: ConnectionInfo): void;
  onHeader?(c: ConnectionInfo): void;
  onConnectionEnd?(c: ConnectionInfo): void;
}

/**
 * Accepts any number of runtime connections and queues their whole lines for
 * the session to decode on its own schedule (never per event). When the queue
 * grows past `highWaterBytes` the sockets are paused: the runtime's bounded
 * buffer then fills and it counts drops, so a slow host never stalls the
 * user's program and never grows without bound.
 */
export class EventServer {
  readonly connections: ConnectionInfo[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private queue: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private notified = false;
  private closed = false;
  private headerQueued = false;
  /** Total bytes received as whole lines. */
  received = 0;

  constructor(
    private readonly hooks: EventServerHooks = {},
    private readonly highWaterBytes = 16 * 1024 * 1024,
    private readonly options: EventServerOptions = {},
  ) {
    this.server = net.createServer((s) => this.accept(s));
  }

  listen(address: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(address, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get openConnections(): number {
    return this.sockets.size;
  }
  get queuedBytes(): number {
    return this.queued;
  }

  private accept(s: net.Socket): void {
    if (this.closed) {
      s.destroy();
      return;
    }
    const info: ConnectionInfo = { n: this.connections.length, open: true };
    this.connections.push(info);
    this.sockets.add(s);
    if (this.paused) s.pause();
    const split = new LineSplitter();
    let sawHeader = false;
    const enqueue = (lines: Buffer | undefined) => {
      if (!lines) return;
      if (!sawHeader) {
        sawHeader = true;
        const nl = lines.indexOf(0x0a);
        let isHeader = false;
        try {
          const h = JSON.parse(lines.subarray(0, nl).toString('utf8')) as { type?: unknown; pid?: unknown };
          isHeader = h.type === 'header';
          if (isHeader && typeof h.pid === 'number') info.pid = h.pid;
        } catch {
          /* the store reports malformed lines */
        }
        this.hooks.onHeader?.(info);
        if (isHeader && this.options.oneHeader) {
          if (this.headerQueued) lines = lines.subarray(nl + 1);
          this.headerQueued = true;
          if (lines.length === 0) return;
        }
      }
      this.queue.push(lines);
      this.queued += lines.length;
      this.received += lines.length;
      if (this.queued > this.highWaterBytes) this.pauseAll();
      if (!this.notified) {
        this.notified = true;
        this.hooks.onData?.();
      }
    };
    s.on('data', (b: Buffer) => enqueue(split.push(b)));
    const done = () => {
      if (!info.open) return;
      info.open = false;
      enqueue(split.end());
      this.sockets.delete(s);
      this.hooks.onConnectionEnd?.(info);
    };
    s.on('end', done);
    s.on('close', done);
    // A child that dies mid-write resets the connection; what arrived is kept.
    s.on('error', () => undefined);
    this.hooks.onConnection?.(info);
  }

  /** Takes up to about `maxBytes` of whole lines (at least one queued buffer), in arrival order. */
  take(maxBytes = Infinity): Buffer | undefined {
    this.notified = false;
    if (this.queue.length === 0) return undefined;
    let n = 0;
    let bytes = 0;
    for (const b of this.queue) {
      if (n > 0 && bytes + b.length > maxBytes) break;
      bytes += b.length;
      n++;
    }
    const parts = this.queue.splice(0, n);
    this.queued -= bytes;
    if (this.paused && this.queued < this.highWaterBytes / 2) this.resumeAll();
    if (this.queue.length > 0) this.notified = true; // caller keeps draining
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, bytes);
  }

  private pauseAll(): void {
    this.paused = true;
    for (const s of this.sockets) s.pause();
  }
  private resumeAll(): void {
    this.paused = false;
    for (const s of this.sockets) s.resume();
  }

  /**
   * Stops accepting and drops connections still open (a process that outlived
   * the script); what they already sent stays queued, partial last line included.
   */
  close(): Promise<void> {
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Immediate teardown (extension shutdown). */
  destroy(): void {
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}
