// RunCore with the real runtime (runtime/coroscope) and real processes: what a
// run in VS Code does below the UI.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunCore, type RunSpec } from '../../session/core';
import { processAlive } from '../../session/kill';

const root = path.resolve(__dirname, '../../..');
const fixtures = path.join(root, 'test/fixtures/run');

function spec(script: string, extra: Partial<RunSpec> = {}): RunSpec {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coroscope-core-'));
  return {
    python: 'python3',
    runtimeDir: path.join(root, 'runtime'),
    script,
    args: [],
    cwd: path.dirname(script),
    blockingMs: 100,
    traceFile: path.join(dir, 'traces', 'run.jsonl'),
    ...extra,
  };
}

describe('run: RunCore on the real runtime', function () {
  this.timeout(60000);

  it('runs producer_consumer: the switches carry 1..5 and 200 OK, the trace file holds exactly what was decoded', async () => {
    const out: string[] = [];
    let batches = 0;
    let socketDir = '';
    const core = new RunCore(spec(path.join(root, 'examples/producer_consumer.py')), {
      onStdout: (t) => out.push(t),
      onBatch: () => {
        batches++;
      },
    });
    await core.start();
    socketDir = path.dirname(core.address!);
    assert.equal(fs.statSync(socketDir).mode & 0o777, 0o700);
    const r = await core.done;
    assert.equal(r.state, 'exited');
    assert.equal(r.exitCode, 0);
    assert.match(out.join(''), /\[CONSUMER\] Consuming 5\.\.\./);
    const s = core.store;
    assert.ok(
      s.tasks.some((t) => t.name === 'consumer'),
      `tasks: ${s.tasks.map((t) => t.name)}`,
    );
    const values: string[] = [];
    for (let i = 0; i < s.length; i++) if (s.type(i) === 'switch' && s.value(i) !== undefined) values.push(s.value(i)!);
    for (const v of ['1', '2', '3', '4', '5', "'200 OK'"]) assert.ok(values.includes(v), `a switch carries ${v}: ${values.join(', ')}`);
    assert.ok(batches >= 1 && batches < s.length, `batched (${batches} batches for ${s.length} events)`);
    const fromFile = fs.readFileSync(core.spec.traceFile, 'utf8').split('\n').filter(Boolean);
    assert.equal(fromFile.length, s.length + 1, 'header + every event, on disk');
    assert.equal(JSON.parse(fromFile[fromFile.length - 1]).type, 'finish');
    assert.equal(fs.existsSync(socketDir), false, 'the private socket folder is removed');
  });

  it('Stop ends a never-ending script and the child process it started; the trace so far is kept', async () => {
    const sp = spec(path.join(fixtures, 'forever.py'));
    const pidFile = path.join(path.dirname(sp.traceFile), 'pids');
    // Stop once the child has started (the pid file) and events flow (a batch past 100 events).
    let running!: () => void;
    const isRunning = new Promise<void>((r) => {
      running = r;
    });
    const core = new RunCore(
      { ...sp, args: [pidFile] },
      {
        onBatch: () => {
          if (fs.existsSync(pidFile) && core.store.length > 100) running();
        },
      },
    );
    await core.start();
    await isRunning;
    const pids = fs.readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    assert.equal(pids[0], core.pid);
    for (const p of pids) assert.ok(processAlive(p), `${p} runs before Stop`);
    const r = await core.stop();
    assert.equal(r.state, 'stopped');
    assert.match(r.message, /forever\.py was stopped/);
    for (const p of pids) assert.throws(() => process.kill(p, 0), `process ${p} is gone after Stop`);
    assert.ok(core.store.length > 100, `events kept: ${core.store.length}`);
    assert.ok(fs.statSync(core.spec.traceFile).size > 0);
  });

  it('a syntax error: exit code 1 and the SyntaxError line in the message', async () => {
    const errs: string[] = [];
    const core = new RunCore(spec(path.join(fixtures, 'syntax_error.py')), { onStderr: (t) => errs.push(t) });
    await core.start();
    const r = await core.done;
    assert.equal(r.exitCode, 1);
    assert.match(r.message, /SyntaxError/);
    assert.match(errs.join(''), /SyntaxError/, 'the traceback reaches the terminal');
  });

  it('a crash keeps the events up to it', async () => {
    const core = new RunCore(spec(path.join(fixtures, 'crash.py')));
    await core.start();
    const r = await core.done;
    assert.equal(r.exitCode, 1);
    assert.match(r.message, /ValueError: boom from the generator/);
    const values: string[] = [];
    for (let i = 0; i < core.store.length; i++) if (core.store.type(i) === 'switch' && core.store.value(i)) values.push(core.store.value(i)!);
    assert.ok(values.includes('1') && values.includes('2'), values.join(', '));
  });

  it("stdin reaches the program's input()", async () => {
    const out: string[] = [];
    let prompted!: () => void;
    const isPrompted = new Promise<void>((r) => {
      prompted = r;
    });
    const core = new RunCore(spec(path.join(fixtures, 'ask_name.py')), {
      onStdout: (t) => {
        out.push(t);
        if (out.join('').includes('name? ')) prompted();
      },
    });
    await core.start();
    await isPrompted;
    core.write('Ada\n');
    const r = await core.done;
    assert.equal(r.exitCode, 0);
    assert.match(out.join(''), /hello, Ada/);
  });

  it('a Python that does not exist fails with a clear message', async () => {
    const core = new RunCore(spec(path.join(root, 'examples/producer_consumer.py'), { python: '/no/such/python3' }));
    await core.start();
    const r = await core.done;
    assert.equal(r.state, 'failed');
    assert.match(r.message, /"\/no\/such\/python3" was not found/);
  });
  it('output that is not UTF-8 reaches the terminal as text, the run is unharmed', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const core = new RunCore(spec(path.join(fixtures, 'binary_junk.py')), { onStdout: (t) => out.push(t), onStderr: (t) => err.push(t) });
    await core.start();
    const r = await core.done;
    assert.equal(r.exitCode, 0, r.message);
    assert.match(out.join(''), /\uFFFD\uFFFD\u0000junk\nstill here/);
    assert.match(err.join(''), /half a character/);
    assert.equal(core.store.problemCount, 0);
  });

  it('a script that closes its own event socket runs to its end; the events before are kept', async () => {
    const out: string[] = [];
    const core = new RunCore(spec(path.join(fixtures, 'closes_socket.py')), { onStdout: (t) => out.push(t) });
    await core.start();
    const r = await core.done;
    assert.equal(r.state, 'exited');
    assert.equal(r.exitCode, 0, r.message);
    assert.match(out.join(''), /finished after closing the socket/);
    assert.ok(core.store.header, 'the header arrived before the socket was closed');
  });

  it('a script that exits at once: its exit code, no hang', async () => {
    const core = new RunCore(spec(path.join(fixtures, 'exits_at_once.py')));
    await core.start();
    const r = await core.done;
    assert.equal(r.exitCode, 3);
    assert.match(r.message, /exits_at_once\.py exited with code 3/);
  });
});
