import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { StreamDecoder, type Batch } from '../../session/core';
import { EventServer, LineSplitter, privateAddress } from '../../session/events-server';
import { TraceFile } from '../../session/trace-file';
import { TraceStore } from '../../trace/store';

const header = (pid: number) =>
  JSON.stringify({
    type: 'header',
    schema: 1,
    runtime: 'coroscope test',
    python: '3.11.7',
    capture: 'settrace',
    script: '/w/s.py',
    argv: ['/w/s.py'],
    cwd: '/w',
    pid,
    start: 0,
    ts: 0,
  }) + '\n';
const task = (id: string, name: string) => JSON.stringify({ type: 'task', ts: 1, id, kind: 'generator', name, parent: null }) + '\n';
const sw = (from: string, to: string, value: string) => JSON.stringify({ type: 'switch', ts: 2, from, to, reason: 'yield', value }) + '\n';

function connect(address: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(address, () => resolve(s));
    s.on('error', reject);
  });
}
const tick = () => new Promise((r) => setTimeout(r, 20));
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await tick();
  assert.ok(cond(), what);
}

describe('run: event socket decoding', () => {
  it('splits a stream into whole lines whatever the chunk boundaries (bytes, not characters)', () => {
    const text = header(1) + task('1', 'main') + sw('1', '2', "'h\u00e9llo \u{1F600}'") + sw('2', '1', '200 OK');
    const bytes = Buffer.from(text, 'utf8');
    // Every split position, including inside the multi-byte characters.
    for (let cut = 0; cut <= bytes.length; cut++) {
      const s = new LineSplitter();
      const parts = [s.push(bytes.subarray(0, cut)), s.push(bytes.subarray(cut)), s.end()].filter((b): b is Buffer => b !== undefined);
      assert.equal(Buffer.concat(parts).toString('utf8'), text, `split at byte ${cut}`);
      for (const p of parts) assert.equal(p[p.length - 1], 0x0a, 'only whole lines leave the splitter');
    }
  });

  it('names a Windows pipe unguessably and a Unix socket in a private folder', () => {
    const w1 = privateAddress('win32').address;
    const w2 = privateAddress('win32').address;
    assert.match(w1, /^\\\\\.\\pipe\\coroscope-[0-9a-f]{32}$/);
    assert.notEqual(w1, w2);
  });

  it('terminates an unterminated last line at end of stream', () => {
    const s = new LineSplitter();
    assert.equal(s.push(Buffer.from('{"a":1}\n{"b"'))?.toString(), '{"a":1}\n');
    assert.equal(s.end()!.toString(), '{"b"\n');
    assert.equal(s.end(), undefined);
  });

  it('takes several connections at once without splicing their lines, and learns each pid', async function () {
    if (process.platform === 'win32') this.skip();
    const addr = privateAddress();
    assert.equal(fs.statSync(path.dirname(addr.address)).mode & 0o777, 0o700, 'the socket folder is private');
    const server = new EventServer();
    await server.listen(addr.address);
    try {
      const a = await connect(addr.address);
      const b = await connect(addr.address);
      // Interleave half lines from two processes.
      const la = header(100) + task('1', 'main') + sw('1', '2', 'A'.repeat(3000));
      const lb = header(200) + task('200:1', 'child') + sw('200:1', '200:1', 'B'.repeat(3000));
      const half = (s: string) => [s.slice(0, (s.length / 2) | 0), s.slice((s.length / 2) | 0)];
      const [a1, a2] = half(la);
      const [b1, b2] = half(lb);
      // Each half is written once the server has taken the one before (its whole lines counted in `received`).
      const whole = (s: string) => Buffer.byteLength(s.slice(0, s.lastIndexOf('\n') + 1));
      a.write(a1);
      await until(() => server.received === whole(a1), 'the first half of a arrived');
      b.write(b1);
      await until(() => server.received === whole(a1) + whole(b1), 'the first half of b arrived');
      a.write(a2);
      await until(() => server.received === Buffer.byteLength(la) + whole(b1), 'the rest of a arrived');
      b.end(b2);
      a.end();
      await until(() => server.openConnections === 0 && server.connections.length === 2, 'both connections seen and closed');
      const store = new TraceStore();
      for (let buf = server.take(1000); buf; buf = server.take(1000)) store.appendText(buf.toString('utf8'));
      store.end();
      assert.equal(store.problemCount, 0, JSON.stringify(store.problems));
      assert.equal(store.header?.pid, 100, 'the first header is the trace header');
      assert.deepEqual(store.tasks.map((t) => t.name).sort(), ['child', 'main', 'task 2']);
      assert.deepEqual(server.connections.map((c) => c.pid).sort(), [100, 200]);
      const values = [];
      for (let i = 0; i < store.length; i++) if (store.type(i) === 'switch') values.push(store.value(i)!.length);
      assert.deepEqual(values, [3000, 3000]);
    } finally {
      await server.close();
      addr.cleanup();
    }
    assert.equal(fs.existsSync(path.dirname(addr.address)), false, 'the socket folder is removed afterwards');
  });

  it('pauses a flooding producer instead of buffering without bound, and loses nothing it accepted', async function () {
    if (process.platform === 'win32') this.skip();
    const addr = privateAddress();
    const server = new EventServer({}, 64 * 1024);
    await server.listen(addr.address);
    try {
      const s = await connect(addr.address);
      const line = sw('1', '2', 'x'.repeat(100));
      const total = 5000;
      s.write(header(1));
      let written = 0;
      const pump = () => {
        while (written < total) {
          written++;
          if (!s.write(line)) {
            s.once('drain', pump);
            return;
          }
        }
        s.end();
      };
      pump();
      let maxQueued = 0;
      let lines = 0;
      while (server.openConnections > 0 || server.queuedBytes > 0 || server.connections.length === 0) {
        await tick();
        maxQueued = Math.max(maxQueued, server.queuedBytes);
        // A slow consumer: a little per tick.
        const buf = server.take(16 * 1024);
        if (buf) lines += buf.toString().split('\n').length - 1;
      }
      for (let buf = server.take(); buf; buf = server.take()) lines += buf.toString().split('\n').length - 1;
      assert.equal(lines, total + 1);
      assert.ok(maxQueued < 64 * 1024 + 256 * 1024, `queue stayed bounded (max ${maxQueued} bytes)`);
    } finally {
      await server.close();
      addr.cleanup();
    }
  });

  it("oneHeader (the CLI): a later connection's header is dropped, its events kept", async function () {
    if (process.platform === 'win32') this.skip();
    const addr = privateAddress();
    const server = new EventServer({}, undefined, { oneHeader: true });
    await server.listen(addr.address);
    try {
      const a = await connect(addr.address);
      a.write(header(100) + task('1', 'main'));
      await until(() => server.queuedBytes > 0, 'the first connection arrived');
      const b = await connect(addr.address);
      b.end(header(200) + task('200:1', 'child'));
      a.end(sw('1', '1', 'x'));
      await until(() => server.openConnections === 0 && server.connections.length === 2, 'both closed');
      const text = [];
      for (let buf = server.take(); buf; buf = server.take()) text.push(buf.toString('utf8'));
      const lines = text
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; pid?: number; name?: string });
      assert.deepEqual(
        lines.filter((l) => l.type === 'header').map((l) => l.pid),
        [100],
      );
      assert.deepEqual(
        lines.filter((l) => l.type === 'task').map((l) => l.name),
        ['main', 'child'],
      );
      assert.deepEqual(
        server.connections.map((c) => c.pid),
        [100, 200],
        'the pid is still learnt',
      );
    } finally {
      await server.close();
      addr.cleanup();
    }
  });

  it('decodes a trace file written by the runtime (the file fallback) into the store, in batches, last line unterminated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coroscope-test-fallback-'));
    const file = path.join(dir, 'trace.jsonl');
    let text = header(1) + task('1', 'main');
    for (let i = 0; i < 3000; i++) text += sw('1', '1', String(i));
    fs.writeFileSync(file, text.slice(0, -1));
    const store = new TraceStore();
    const batches: Batch[] = [];
    const dec = new StreamDecoder(store, new TraceFile(undefined), { onBatch: (b) => batches.push(b) }, 30, 16 * 1024);
    await dec.readFile(file);
    store.end();
    assert.equal(store.problemCount, 0, JSON.stringify(store.problems));
    assert.equal(store.length, 3001);
    assert.equal(store.value(3000), '2999');
    assert.ok(batches.length > 1, 'decoded in slices');
    assert.equal(batches.map((b) => b.text).join(''), text, 'every line once, in order, the last one terminated');
    assert.equal(batches[batches.length - 1].end, Buffer.byteLength(text), 'byte ranges count without a trace file');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('keeps socket bytes as bytes: the same bytes go to the trace file, the store and the batches, characters cut between writes included', async function () {
    this.timeout(30000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coroscope-test-bytes-'));
    const file = path.join(dir, 'trace.jsonl');
    const addr = privateAddress();
    const store = new TraceStore();
    const trace = new TraceFile(file);
    const batches: Batch[] = [];
    const dec = new StreamDecoder(store, trace, { onBatch: (b) => batches.push(b) }, 5, 16 * 1024);
    try {
      await dec.listen(addr.address);
      let text = header(1) + task('1', 'm\u00e4in \u{1F600}') + task('2', '\u4e2d\u6587');
      for (let i = 0; i < 2000; i++) text += sw(i % 2 ? '1' : '2', i % 2 ? '2' : '1', `caf\u00e9 \u20ac${i} \u{1F600}`);
      const bytes = Buffer.from(text, 'utf8');
      const sock = await connect(addr.address);
      // Writes cut inside multi-byte characters (the emoji is 4 bytes), a few at a time so several batches form.
      const cuts: number[] = [];
      for (let at = 0; at < bytes.length; ) {
        const e = bytes.indexOf(0xf0, at + 1000);
        at = e < 0 ? bytes.length : e + 2;
        cuts.push(at);
      }
      let prev = 0;
      for (const [k, c] of cuts.entries()) {
        sock.write(bytes.subarray(prev, c));
        prev = c;
        // Every 10 writes, wait for the batch that carries them: several batches, whatever the machine's speed.
        if (k % 10 === 9) {
          const n = batches.length;
          await until(() => batches.length > n, 'a batch formed');
        }
      }
      await new Promise<void>((r) => sock.end(r));
      await until(() => dec.server.openConnections === 0, 'the connection closed');
      await dec.finish();
      store.end();
      await trace.close();
      const sent = Buffer.concat(batches.map((b) => b.bytes));
      assert.ok(batches.length > 1, 'several batches');
      assert.ok(
        batches.every((b) => b.bytes instanceof Uint8Array && b.bytes[b.bytes.length - 1] === 10),
        'whole lines as bytes',
      );
      assert.ok(sent.equals(bytes), 'the batches carry exactly the bytes received');
      assert.ok(fs.readFileSync(file).equals(bytes), 'the trace file holds exactly the bytes received');
      assert.equal(batches.map((b) => b.text).join(''), text, 'text, when asked for, decodes the same');
      let at = 0;
      for (const b of batches) {
        assert.equal(b.start, at);
        at += b.bytes.length;
        assert.equal(b.end, at);
      }
      const want = new TraceStore();
      want.appendText(text);
      want.end();
      assert.equal(store.problemCount, 0, JSON.stringify(store.problems));
      assert.equal(store.length, want.length);
      assert.deepEqual(store.tasks, want.tasks);
      assert.equal(store.tasks[0].name, 'm\u00e4in \u{1F600}');
      for (let i = 0; i < want.length; i++) assert.deepEqual(store.event(i), want.event(i), `event ${i}`);
    } finally {
      dec.destroy();
      addr.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
