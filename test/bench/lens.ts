// Lens benchmark: a 10,000+-line Python file, one keystroke at a time.
// Measures, in process, edit → incremental re-parse → analysis → lenses, and
// over LSP stdio against dist/server.js, didChange → codeLens response.
// Run: npm run build && node out/test/bench/lens.js
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { IncrementalAnalyzer } from '../../extension/server/analysis';
import { buildLenses } from '../../extension/server/lenses';
import { loadParser, PythonSource } from '../../extension/server/parse';
import { cpuMs, loadAverage, median, p95 } from './common';

const ROOT = resolve(__dirname, '../../..');

export function bigFile(minLines = 10_000): string {
  const parts = ['constructs.py', 'producer_consumer.py', 'async_blocked.py', 'greenlets.py', 'tasklets.py', 'near_misses.py'].map((f) =>
    readFileSync(join(ROOT, 'test/fixtures/lens', f), 'utf8'),
  );
  const out: string[] = [];
  let lines = 0,
    k = 0;
  while (lines < minLines) {
    // Rename defs so each copy is distinct code, as in a real large module.
    const chunk = parts[k % parts.length].replace(/\bdef (\w+)/g, `def $1_${k}`);
    out.push(chunk);
    lines += chunk.split('\n').length;
    k++;
  }
  return out.join('\n');
}

/** Edits after opening that warm the JIT up; timed and reported apart. */
const WARMUP = 10;

async function inProcess(text: string): Promise<void> {
  const b = await loadParser();
  let t = performance.now();
  const src = new PythonSource(b, text);
  const analyzer = new IncrementalAnalyzer(b.language);
  const a0 = analyzer.analyze(src.tree.rootNode, src.takeChanges());
  const l0 = buildLenses(a0, undefined);
  console.log(
    `in process: ${src.lineCount} lines, ${a0.points.length} points, ${l0.length} lenses; first parse+analysis+lenses ${(performance.now() - t).toFixed(1)} ms`,
  );
  const times: number[] = [],
    parseTimes: number[] = [],
    cpuTimes: number[] = [],
    warm: number[] = [];
  for (let i = -WARMUP; i < 60; i++) {
    const line = 100 + (((i < 0 ? i + 7919 : i) * 997) % (src.lineCount - 200)); // warm-up edits elsewhere
    // Alternate: type a character at the end of a line, and insert a new line.
    const ch =
      i % 2 === 0
        ? { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: '#' }
        : { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: '\n' };
    t = performance.now();
    const c0 = cpuMs();
    src.applyChanges([ch]);
    const tp = performance.now();
    const a = analyzer.analyze(src.tree.rootNode, src.takeChanges());
    buildLenses(a, undefined);
    const done = performance.now();
    if (i < 0) {
      warm.push(done - t);
      continue;
    }
    cpuTimes.push(cpuMs() - c0);
    parseTimes.push(tp - t);
    times.push(done - t);
  }
  console.log(`in process: the first ${WARMUP} edits (JIT warm-up, not in the figures below): max ${Math.max(...warm).toFixed(1)} ms`);
  console.log(
    `in process: edit → lenses median ${median(times).toFixed(1)} ms, p95 ${p95(times).toFixed(1)} ms (of which re-parse median ${median(parseTimes).toFixed(1)} ms); CPU time median ${median(cpuTimes).toFixed(1)} ms, p95 ${p95(cpuTimes).toFixed(1)} ms`,
  );
}

async function overLsp(text: string): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  conn.listen();
  await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  conn.sendNotification('initialized', {});
  const uri = pathToFileURL(join(ROOT, 'test/fixtures/lens/big_generated.py')).href;
  conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
  let t = performance.now();
  await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  console.log(`over LSP: open + first codeLens ${(performance.now() - t).toFixed(1)} ms`);
  const times: number[] = [],
    withResolve: number[] = [],
    warm: number[] = [];
  const lines = text.split('\n').length;
  type WireLens = { range: { start: { line: number } }; command?: unknown; data?: unknown };
  for (let i = -WARMUP; i < 40; i++) {
    const line = 100 + (((i < 0 ? i + 7919 : i) * 613) % (lines - 200));
    t = performance.now();
    conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: i + 2 + WARMUP },
      contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: i % 2 !== 0 ? '\n' : '#' }],
    });
    const lenses = await conn.sendRequest<WireLens[]>('textDocument/codeLens', { textDocument: { uri } });
    if (i < 0) {
      warm.push(performance.now() - t);
      continue;
    }
    times.push(performance.now() - t);
    // Then what the editor shows: the titles of a screenful (50 lines) around the edit, resolved as VS Code does, in parallel.
    const screen = lenses.filter((l) => !l.command && l.range.start.line >= line - 25 && l.range.start.line < line + 25);
    await Promise.all(screen.map((l) => conn.sendRequest('codeLens/resolve', l)));
    withResolve.push(performance.now() - t);
  }
  console.log(`over LSP: the first ${WARMUP} edits (JIT warm-up, not in the figures below): max ${Math.max(...warm).toFixed(1)} ms`);
  console.log(`over LSP: didChange → codeLens response median ${median(times).toFixed(1)} ms, p95 ${p95(times).toFixed(1)} ms (target ≤ 50 ms)`);
  console.log(
    `over LSP: didChange → codeLens → resolve a screenful of titles median ${median(withResolve).toFixed(1)} ms, p95 ${p95(withResolve).toFixed(1)} ms`,
  );
  await conn.sendRequest('shutdown');
  const exited = new Promise((r) => child.once('exit', r));
  await conn.sendNotification('exit');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  conn.dispose();
  if (child.exitCode === null) child.kill();
}

async function main(): Promise<void> {
  const text = bigFile();
  console.log(`load average at start: ${loadAverage(1)} (2 cores: above ~2 the wall-clock figures are inflated)`);
  await inProcess(text);
  await overLsp(text);
}

if (require.main === module)
  void main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
