// Shared by the cli-*.test.ts files: spawn the built CLI (dist/cli.js) the way a user would.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChromeTraceEvent } from '../../trace/perfetto';

export const root = resolve(__dirname, '../../..');
export const cliJs = join(root, 'dist/cli.js');
export const fakeRuntime = join(root, 'test/fixtures/cli/fake-runtime');
export const traces = join(root, 'test/fixtures/traces');
export const scripts = join(root, 'test/fixtures/cli');

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  detached?: boolean;
  onStdout?: (text: string, pid: number) => void;
}

export function cli(args: string[], o: CliOptions = {}): Promise<Result> {
  return exec(process.execPath, [cliJs, ...args], o);
}

export function exec(cmd: string, args: string[], o: CliOptions = {}): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: o.cwd ?? root, env: { ...process.env, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'], detached: o.detached });
    let stdout = '',
      stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      o.onStdout?.(stdout, child.pid!);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
    if (o.input !== undefined) child.stdin.end(o.input);
    else child.stdin.end();
  });
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `coroscope-test-${tag}-`));
}

type Mermaid = { parse(text: string): Promise<unknown> };
let mermaid: Mermaid | undefined;
/** The real mermaid parser (sequence diagrams parse in Node without a DOM). */
export async function parseMermaid(text: string): Promise<void> {
  mermaid ??= ((await import('mermaid')) as unknown as { default: Mermaid }).default;
  await mermaid.parse(text);
}

interface Doc {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: string;
}

/** The checks a Chrome Trace Event consumer relies on; returns the document. */
export function validatePerfetto(json: string): Doc {
  const doc = JSON.parse(json) as Doc;
  assert.equal(doc.displayTimeUnit, 'ns');
  assert.ok(Array.isArray(doc.traceEvents));
  const starts = new Map<number, ChromeTraceEvent>();
  const finishes = new Map<number, ChromeTraceEvent>();
  for (const e of doc.traceEvents) {
    assert.ok(['M', 'X', 's', 'f', 'i'].includes(e.ph), `phase ${e.ph}`);
    assert.equal(typeof e.name, 'string');
    assert.ok(Number.isInteger(e.pid) && Number.isInteger(e.tid), 'integer pid/tid');
    if (e.ph !== 'M') assert.ok(typeof e.ts === 'number' && e.ts >= 0 && Number.isFinite(e.ts), `ts of ${JSON.stringify(e)}`);
    if (e.ph === 'X') assert.ok(typeof e.dur === 'number' && e.dur >= 0, 'X has a duration');
    if (e.ph === 's') {
      assert.ok(!starts.has(e.id!), 'flow ids unique');
      starts.set(e.id!, e);
    }
    if (e.ph === 'f') {
      assert.equal(e.bp, 'e');
      assert.ok(!finishes.has(e.id!));
      finishes.set(e.id!, e);
    }
  }
  assert.equal(starts.size, finishes.size, 'every flow start has its finish');
  for (const [id, s] of starts) {
    const f = finishes.get(id);
    assert.ok(f, `flow ${id} finishes`);
    assert.ok(s.ts! <= f.ts!, 'flow goes forward in time');
  }
  // A flow event binds to the slice enclosing it on its own track (`s`, and `f` with bp "e"): one with no slice
  // there is dropped by the viewer (Perfetto, chrome://tracing), and its arrow is not drawn.
  const slices = new Map<string, [number, number][]>();
  for (const e of doc.traceEvents)
    if (e.ph === 'X') {
      const k = `${e.pid}/${e.tid}`;
      slices.set(k, [...(slices.get(k) ?? []), [e.ts!, e.ts! + e.dur!]]);
    }
  for (const e of doc.traceEvents)
    if (e.ph === 's' || e.ph === 'f')
      assert.ok(
        (slices.get(`${e.pid}/${e.tid}`) ?? []).some(([a, b]) => a <= e.ts! && e.ts! <= b),
        `flow ${e.ph} ${e.cat} ${JSON.stringify(e.name)} at ${e.ts} has no slice around it on its track (pid ${e.pid}, tid ${e.tid})`,
      );
  return doc;
}
