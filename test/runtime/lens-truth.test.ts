// Lenses that match the run: every example traced by the real runtime, its lenses built as the language server
// builds them (analysis + stats + placement), and every count a lens claims checked against the trace's own
// events, counted here straight from the JSON lines (not through trace/stats.ts). No lens may say "not reached",
// "no wait" or "did not run" about a line that has events, and every line with a switch, wait or transfer has stats.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceLine } from '../../protocol/events';
import { analyze } from '../../extension/server/analysis';
import { loadParser, PythonSource, type ParserBundle } from '../../extension/server/parse';
import { buildLenses, type Lens } from '../../extension/server/lenses';
import { StatsPlacement } from '../../extension/server/placement';
import { computeStats } from '../../trace/stats';
import { TraceStore } from '../../trace/store';
import { DEB311, ROOT, runTraced } from './harness';

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
      if (p && ['close', 'kill', 'throw', 'exit'].includes(p.reason)) sw.set(p.line, (sw.get(p.line) ?? 0) - 1);
      pending.delete(e.task);
    }
  }
  return { sends, recvs, blocks, anyEvent, sw };
}

const num = (m: RegExpExecArray | null) => (m ? Number(m[1]) : undefined);

function checkLenses(name: string, text: string, lenses: Lens[], events: Ev[], file: string): string[] {
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
      const swN = num(/^⇄ (\d+)×/.exec(t));
      if (swN !== undefined) {
        assert.equal(swN, f.sw.get(line) ?? 0, `${where}: switches out at this line`);
        claims.push(`${line}: ${swN} switches`);
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
      const calls = /^(\w+): (\d+) calls? in (\S+)/.exec(t) ?? /· (\d+) calls? in (\S+)/.exec(t);
      if (calls) {
        const fn = /^(\w+):/.exec(t)![1];
        const n = Number(calls.length === 4 ? calls[2] : calls[1]);
        const ch = calls.length === 4 ? calls[3] : calls[2];
        const sent = events.filter(
          (e) => e.type === 'send' && e.channel === ch && typeof e.value === 'string' && new RegExp(`^(map )?${fn}\\(`).test(e.value),
        ).length;
        assert.equal(n, sent, `${where}: calls submitted to ${ch}`);
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
  return claims;
}

describe('lenses match the run: every example, every claim counted from the trace', function () {
  this.timeout(120_000);
  let bundle: ParserBundle;
  before(async () => {
    bundle = await loadParser();
  });

  for (const ex of EXAMPLES) {
    it(`examples/${ex}`, () => {
      const py = DEB311;
      const r = runTraced(py, `examples/${ex}`, { timeoutMs: 90_000 });
      assert.ok(r.events.length > 0, `no trace: ${r.stderr}`);
      const store = new TraceStore();
      store.appendText(r.lines.join('\n') + '\n');
      store.end();
      const stats = computeStats(store, 'r', false);
      const file = join(ROOT, 'examples', ex);
      const text = readFileSync(file, 'utf8');
      const src = new PythonSource(bundle, text);
      const a = analyze(src.tree.rootNode, bundle.language);
      const fs = stats.files.find((x) => x.file === file) ?? { file, yields: [], defs: [], marks: [] };
      const placed = new StatsPlacement('r', src.lineCount, fs, false, stats.durationNs).placed();
      const lenses = buildLenses(a, placed);
      const claims = checkLenses(ex, text, lenses, r.events as Ev[], file);
      assert.ok(claims.length > 0, 'at least one claim checked');
      src.dispose();
    });
  }
});
