// Lenses that match the run: every example traced by the real runtime, its lenses built as the language server
// builds them (analysis + stats + placement), and every count a lens claims checked against the trace's own
// events, counted here straight from the JSON lines (not through trace/stats.ts). No lens may say "not reached",
// "no wait" or "did not run" about a line that has events, and every line with a switch, wait or transfer has stats.
// The same on generated programs of every family (test/runtime/lens-programs.ts), and for the hovers too.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { TraceLine } from '../../protocol/events';
import { analyze } from '../../extension/server/analysis';
import { loadParser, PythonSource, type ParserBundle } from '../../extension/server/parse';
import { hoverAt } from '../../extension/server/hovers';
import { buildLenses, type Lens } from '../../extension/server/lenses';
import type { Analysis } from '../../extension/server/analysis';
import { short } from '../../extension/server/format';
import { StatsPlacement } from '../../extension/server/placement';
import { computeStats } from '../../trace/stats';
import { TraceStore } from '../../trace/store';
import { DEB311, PY313, PY314, ROOT, runTraced, type Interp } from './harness';
import { generatePrograms } from './lens-programs';

type Ev = TraceLine & Record<string, unknown>;
const EXAMPLES = readdirSync(join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.py'))
  .sort();

/** The trace's facts about one file, counted from the raw events. */
function facts(events: Ev[], file: string) {
  // An asyncio.Queue transfer leaves out `file` when it is its task's code file (docs/protocol.md).
  const codeFile = new Map<string, unknown>();
  for (const e of events) if (e.type === 'task') codeFile.set(e.id, e.codeFile);
  const fileOf = (e: Ev) => e.file ?? ((e.type === 'send' || e.type === 'recv') && e.line ? codeFile.get(e.task) : undefined);
  const at = (e: Ev) => (fileOf(e) === file && typeof e.line === 'number' ? e.line : -1);
  const count = (pred: (e: Ev) => boolean) => {
    const m = new Map<number, number>();
    for (const e of events) {
      const l = at(e);
      if (l > 0 && pred(e)) m.set(l, (m.get(l) ?? 0) + 1);
    }
    return m;
  };
  const sends = count((e) => e.type === 'send');
  const recvs = count((e) => e.type === 'recv');
  const blocks = count((e) => e.type === 'block');
  const anyEvent = count(() => true);
  // A task resumed in a delegate (depth ≥ 1) waited at its own frame's line (`toLine`: the `yield from`/`await`)
  // since it suspended (elsewhere); a delegate's return within its lane lands at `toLine` too.
  const through = new Map<number, number>();
  const returned = new Map<number, string>();
  const suspendedAt = new Map<string, string>();
  for (const e of events) {
    if (e.type !== 'switch') continue;
    const into = e.toFile === file && typeof e.toLine === 'number' ? e.toLine : -1;
    if (e.from === e.to && e.reason === 'return' && into > 0) {
      anyEvent.set(into, (anyEvent.get(into) ?? 0) + 1);
      if (typeof e.value === 'string') returned.set(into, e.value);
    } else if (typeof e.depth === 'number' && e.depth >= 1 && into > 0 && suspendedAt.get(e.to) !== `${file}:${into}`) {
      if (suspendedAt.has(e.to)) through.set(into, (through.get(into) ?? 0) + 1);
      anyEvent.set(into, (anyEvent.get(into) ?? 0) + 1);
    }
    suspendedAt.delete(e.to);
    if (e.reason !== 'return' && e.reason !== 'raise' && e.file && e.line) suspendedAt.set(e.from, `${e.file}:${e.line}`);
  }
  // Suspensions: switches out of a task at a line (not its return/raise); a close/kill/throw/exit that is the
  // task's last move before its end is not one (nothing resumes it).
  const sw = new Map<number, number>();
  const pending = new Map<string, { line: number; reason: string }>();
  for (const e of events) {
    if (e.type === 'switch') {
      pending.delete(e.to);
      if (e.reason === 'return' || e.reason === 'raise' || e.file !== file || !e.line) {
        pending.delete(e.from);
        continue;
      }
      sw.set(e.line, (sw.get(e.line) ?? 0) + 1);
      pending.set(e.from, { line: e.line, reason: e.reason });
    } else if (e.type === 'end') {
      const p = pending.get(e.task);
      if (p && ['close', 'kill', 'throw', 'exit', 'cancelled'].includes(p.reason)) sw.set(p.line, (sw.get(p.line) ?? 0) - 1);
      pending.delete(e.task);
    }
  }
  return { sends, recvs, blocks, anyEvent, sw, through, returned };
}

const num = (m: RegExpExecArray | null) => (m ? Number(m[1]) : undefined);

function checkLenses(
  name: string,
  text: string,
  lenses: Lens[],
  events: Ev[],
  file: string,
  a: Analysis,
  placed: ReturnType<StatsPlacement['placed']>,
): string[] {
  const f = facts(events, file);
  const tasks = events.filter((e) => e.type === 'task');
  const lines = text.split('\n');
  const claims: string[] = [];
  const byLine = new Map<number, string[]>();
  for (const l of lenses) byLine.set(l.line + 1, [...(byLine.get(l.line + 1) ?? []), l.command.title]);
  for (const [line, titles] of byLine) {
    for (const t of titles) {
      const where = `${name}:${line} ${JSON.stringify(lines[line - 1].trim())}: ${t}`;
      if (/not reached|no wait recorded/.test(t)) {
        assert.equal(f.anyEvent.get(line) ?? 0, 0, `${where}: says nothing happened, but the trace has events there`);
        claims.push(`${line}: nothing`);
        continue;
      }
      if (/did not run/.test(t)) {
        const def = /^\w[\w ]* (\w+) — /.exec(t)?.[1] ?? '';
        assert.ok(!tasks.some((e) => e.name === def || (e.codeFile === file && e.codeLine === line)), `${where}: a task ran it`);
        claims.push(`${line}: did not run`);
        continue;
      }
      const via = /(?:^⇄ | · )(\d+)× in [^·]+/.exec(t);
      if (via) {
        assert.equal(Number(via[1]), f.through.get(line) ?? 0, `${where}: resumes in a delegate while waiting at this line`);
        claims.push(`${line}: ${via[1]} through`);
      }
      const back = /got back (.*?)(?: · |$)/.exec(t);
      if (back && f.returned.has(line) && !/^⇄ \d+× · /.test(t)) {
        assert.equal(back[1], short(f.returned.get(line)!), `${where}: the delegate's return value`);
        claims.push(`${line}: got back`);
      }
      const swN = via && t.startsWith('⇄ ' + via[1] + '× in') ? undefined : num(/^⇄ (\d+)×/.exec(t));
      if (swN !== undefined) {
        assert.equal(swN, f.sw.get(line) ?? 0, `${where}: switches out at this line`);
        claims.push(`${line}: ${swN} switches`);
        // An await gets a value back; only a yield is sent one.
        const kinds = new Set(a.points.filter((p) => p.line === line - 1).map((p) => p.kind));
        if (kinds.has('await') && !kinds.has('yield')) assert.ok(!/last sent/.test(t), `${where}: an await reads "got back", not "last sent"`);
      }
      const took = num(/⇣ took (\d+) from/.exec(t));
      if (took !== undefined) {
        assert.equal(took, f.recvs.get(line) ?? 0, `${where}: recv events at this line`);
        claims.push(`${line}: took ${took}`);
      }
      const put = num(/⇡ (?:put|submitted) (\d+)/.exec(t));
      if (put !== undefined) {
        assert.equal(put, f.sends.get(line) ?? 0, `${where}: send events at this line`);
        claims.push(`${line}: put ${put}`);
      }
      const waited = num(/⏸ waited (\d+)×/.exec(t));
      if (waited !== undefined) {
        assert.ok(waited >= 1 && waited <= (f.blocks.get(line) ?? 0), `${where}: waits ≤ block events at this line (${f.blocks.get(line) ?? 0})`);
        claims.push(`${line}: waited ${waited}`);
      }
      // A definition: `name: N tasks|threads|greenlets|… · …` or `name: N calls in Pool#1`.
      const def = /^(\w+): (\d+) (task|thread|greenlet|process|tasklet)(?:e?s)?\b/.exec(t);
      if (def) {
        const n = Number(def[2]);
        // Lanes whose code is this def, or (their code site being a library's, e.g. gevent's Greenlet.run) its name.
        const ran = tasks.filter(
          (e) =>
            (e.codeFile === file && e.codeLine === line) ||
            (e.name === def[1] && e.codeFile !== file && !['main', 'event-loop', 'hub'].includes(e.kind as string)),
        ).length;
        assert.equal(n, ran, `${where}: lanes that ran this def`);
        claims.push(`${line}: ${n} lanes`);
      }
      const calls = /^(\w+): (\d+) calls? in (.+?)(?: · |$)/.exec(t) ?? /· (\d+) calls? in (.+?)(?: · |$)/.exec(t);
      if (calls) {
        const fn = /^(\w+):/.exec(t)![1];
        const n = Number(calls.length === 4 ? calls[2] : calls[1]);
        const chs = (calls.length === 4 ? calls[3] : calls[2]).split(', ');
        assert.equal(n, poolCalls(events, fn, chs), `${where}: calls of ${fn} submitted to ${chs.join(', ')}`);
        claims.push(`${line}: ${n} calls`);
      }
      const ret = num(/(\d+)× returned/.exec(t));
      if (ret !== undefined) assert.ok(events.filter((e) => e.type === 'end' && e.outcome === 'return').length >= ret, `${where}: returns`);
    }
  }
  // Every line with a switch out, a wait or a transfer has stats (a lens that is not "nothing happened").
  for (const m of [f.sw, f.sends, f.recvs, f.blocks]) {
    for (const [line, n] of m) {
      if (n <= 0) continue;
      const titles = byLine.get(line) ?? [];
      assert.ok(
        titles.some((t) => /^(⇄|⏸ waited|⇣|⇡)/.test(t)),
        `${name}:${line} ${JSON.stringify(lines[line - 1]?.trim())} has events but its lenses are ${JSON.stringify(titles)}`,
      );
    }
  }
  checkRuns(name, lines, byLine, events, file, a);
  claims.push(...checkHovers(name, lines, a, placed, f.anyEvent));
  return claims;
}

/** Calls of `fn` sent to pools `chs`, counted from the send values: `fn(…)`, `map fn(…)`, or a process-pool chunk. */
function poolCalls(events: Ev[], fn: string, chs: string[]): number {
  let n = 0;
  for (const e of events) {
    if (e.type !== 'send' || !chs.includes(e.channel as string) || typeof e.value !== 'string') continue;
    if (new RegExp(`^(map |starmap )?${fn}\\(`).test(e.value)) n++;
    const chunk = new RegExp(`^_process_chunk\\(<function ${fn}>, \\((.*)\\)\\)$`).exec(e.value);
    // The chunk's argument tuples, `((0,), (1,))`: one `(` per call at the chunk's top level.
    if (chunk) n += (chunk[1].match(/\(/g) ?? []).length || 1;
  }
  return n;
}

/**
 * Every function that ran (a lane of its own, found by code site or, when its code site is a library's, by name;
 * or pool calls) has a definition lens saying so; a generator or coroutine with a lane never reads "did not run".
 */
function checkRuns(name: string, lines: string[], byLine: Map<number, string[]>, events: Ev[], file: string, a: Analysis): void {
  for (const e of events) {
    if (e.type !== 'task' || ['main', 'event-loop', 'hub'].includes(e.kind as string)) continue;
    let line = e.codeFile === file && typeof e.codeLine === 'number' ? e.codeLine : -1;
    if (line < 0 && typeof e.codeFile === 'string' && e.codeFile !== file && /^\w+$/.test(e.name as string) && e.kind !== 'process') {
      line = (a.defs.find((d) => d.kind !== 'lambda' && d.name === e.name)?.line ?? -2) + 1;
    }
    if (line <= 0) continue;
    const titles = byLine.get(line) ?? [];
    assert.ok(
      titles.some((t) => /^\w+: \d+ /.test(t)),
      `${name}:${line} ${JSON.stringify(lines[line - 1]?.trim())} ran as lane ${e.name} (${e.kind}) but its lenses are ${JSON.stringify(titles)}`,
    );
  }
  const fns = new Set<string>();
  for (const e of events) {
    if (e.type !== 'send' || typeof e.value !== 'string' || !/^(ThreadPoolExecutor|ProcessPoolExecutor|Pool|ThreadPool)#/.test(e.channel as string)) continue;
    const m = /^_process_chunk\(<function (\w+)>/.exec(e.value) ?? /^(?:map |starmap )?(\w+)\(/.exec(e.value);
    if (m) fns.add(m[1]);
  }
  for (const fn of fns) {
    const d = a.defs.find((x) => x.kind !== 'lambda' && x.name === fn);
    if (!d) continue;
    const titles = byLine.get(d.line + 1) ?? [];
    const all = poolCalls(events, fn, [...new Set(events.filter((e) => e.type === 'send').map((e) => e.channel as string))]);
    assert.ok(
      titles.some((t) => new RegExp(`^${fn}: (.* · )?${all} calls? in `).test(t)),
      `${name}:${d.line + 1} ${fn} ran as ${all} pool calls (all pools) but its lenses are ${JSON.stringify(titles)}`,
    );
  }
}

/**
 * Hovers: at every yield point (each line of a point written over several lines) and at each line's first
 * character, a hover never says "Not reached" / "No wait recorded" where the trace has events (at the hovered line
 * or at the point's first line, where its stats are).
 */
function checkHovers(name: string, lines: string[], a: Analysis, placed: ReturnType<StatsPlacement['placed']>, anyEvent: Map<number, number>): string[] {
  const claims: string[] = [];
  const probes: [number, number, number][] = [];
  for (const p of a.points)
    for (let row = p.line; row <= p.endLine; row++) probes.push([row, row === p.line ? p.col : (/\S/.exec(lines[row])?.index ?? 0), p.line]);
  lines.forEach((t, row) => {
    const col = /\S/.exec(t)?.index;
    if (col !== undefined) probes.push([row, col, row]);
  });
  for (const [row, col, first] of probes) {
    const h = hoverAt(a, placed, row, col, lines[row]);
    if (!h || !/Not reached|No wait recorded/.test(h)) continue;
    const n = (anyEvent.get(row + 1) ?? 0) + (anyEvent.get(first + 1) ?? 0);
    assert.equal(
      n,
      0,
      `${name}:${row + 1}:${col} ${JSON.stringify(lines[row].trim())}: the hover says nothing happened, but the trace has events there:\n${h}`,
    );
    claims.push(`${row + 1}: hover nothing`);
  }
  return claims;
}

/**
 * Runs `file` under the real runtime and builds its lenses as the language server does. A chroot's Python runs the
 * staged copy (`file` relative to the root): the trace names it by its path in there (`traced`).
 */
function lensesOf(bundle: ParserBundle, file: string, py: Interp = DEB311) {
  const rel = py.chroot ? relative(ROOT, file) : file;
  const r = runTraced(py, rel, { timeoutMs: 90_000 });
  assert.ok(r.events.length > 0, `no trace: ${r.stderr}`);
  assert.equal(r.code, 0, `${file} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const store = new TraceStore();
  store.appendText(r.lines.join('\n') + '\n');
  store.end();
  const stats = computeStats(store, 'r', false);
  const traced = py.chroot ? (stats.files.find((x) => x.file.endsWith(`/${rel}`))?.file ?? file) : file;
  const text = readFileSync(file, 'utf8');
  const src = new PythonSource(bundle, text);
  try {
    const a = analyze(src.tree.rootNode, bundle.language);
    const fs = stats.files.find((x) => x.file === traced) ?? { file: traced, yields: [], defs: [], marks: [] };
    const placed = new StatsPlacement('r', src.lineCount, fs, false, stats.durationNs).placed();
    return { lenses: buildLenses(a, placed), text, a, placed, events: r.events as Ev[], traced };
  } finally {
    src.dispose();
  }
}

/** Runs `file` under the real runtime and checks every lens and hover claim about it against its trace. */
function checkProgram(bundle: ParserBundle, label: string, file: string, py: Interp = DEB311): string[] {
  const { lenses, text, a, placed, events, traced } = lensesOf(bundle, file, py);
  return checkLenses(label, text, lenses, events, traced, a, placed);
}

describe('lenses match the run: every example, every claim counted from the trace', function () {
  this.timeout(120_000);
  let bundle: ParserBundle;
  before(async () => {
    bundle = await loadParser();
  });

  for (const ex of EXAMPLES) {
    it(`examples/${ex}`, () => {
      const claims = checkProgram(bundle, ex, join(ROOT, 'examples', ex));
      assert.ok(claims.length > 0, 'at least one claim checked');
    });
  }
});

describe('lenses match the run: an await of a plain coroutine says what it got back (issue 17)', function () {
  this.timeout(120_000);
  let bundle: ParserBundle;
  before(async () => {
    bundle = await loadParser();
  });
  const file = join(ROOT, 'test/fixtures/python/await_plain.py');
  // (3.12+: a local PY_RETURN event of the delegate's code; 3.11 sees it only through the frame hook, which a program
  // without generators does not have: aio_returns.py)
  for (const py of [PY313, PY314])
    it(`await fetch(6) → got back 60; nested awaits → got back each leaf; the hover says the delegate returned it (${py.name})`, () => {
      const { lenses, text, a, placed } = lensesOf(bundle, file, py);
      const lines = text.split('\n');
      const at = (code: string) => {
        const row = lines.findIndex((l) => l.trim() === code);
        assert.ok(row >= 0, code);
        return { row, titles: lenses.filter((l) => l.line === row).map((l) => l.command.title) };
      };
      // (each value as the program computed it: fetch(6) is 60, both(60) is leaf(60) + leaf(61))
      for (const [code, value] of [
        ['a = await fetch(6)', '60'],
        ['b = await both(a)', '121'],
        ['x = await leaf(n)', '60'],
        ['y = await leaf(n + 1)', '61'],
      ] as const) {
        const { row, titles } = at(code);
        assert.ok(
          titles.some((t) => new RegExp(`(^| · )got back ${value}( · |$)`).test(t)),
          `${code}: a lens says got back ${value}: ${JSON.stringify(titles)}`,
        );
        const col = lines[row].indexOf('await');
        const h = hoverAt(a, placed, row, col, lines[row]) ?? '';
        assert.ok(h.includes(`returned \`${value}\` here`), `${code}: the hover says the delegate returned ${value}: ${h}`);
      }
      // and every claim of its lenses and hovers holds against its trace
      assert.ok(checkProgram(bundle, 'await_plain.py', file, py).some((c) => c.endsWith('got back')));
    });
  it(`on 3.11 without the frame hook, no lens claims a value the trace does not have (${DEB311.name})`, () => {
    checkProgram(bundle, 'await_plain.py', file);
  });
});

describe('lenses match the run: generated programs of every family (generators … asyncio)', function () {
  this.timeout(120_000);
  let bundle: ParserBundle;
  const dir = mkdtempSync(join(tmpdir(), 'coroscope-lens-gen-'));
  before(async () => {
    bundle = await loadParser();
  });
  // Seed from the environment to explore more shapes (LENS_SEED=7 node test/run.mjs runtime --grep generated).
  const seed = Number(process.env.LENS_SEED ?? 1);
  for (const p of generatePrograms(seed, 14)) {
    it(`${p.name} (${p.family})`, () => {
      const file = join(dir, `${p.name}.py`);
      writeFileSync(file, p.text);
      const claims = checkProgram(bundle, file, file);
      assert.ok(claims.length > 0, 'at least one claim checked');
    });
  }
});
