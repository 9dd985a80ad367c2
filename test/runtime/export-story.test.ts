// Exports carry the story (issue 17, point 6): every example and a generated program of every family, traced by the
// real runtime, exported to Mermaid and Perfetto; the exports must say who sent what to whom (each queue/channel/pool
// send → recv across lanes an arrow, resp. a `transfer` flow from the sender's track to the receiver's), who waited
// (a block as a `Note over` / a `waits on …` slice) and which event woke whom (each wake with `by`: a `cause` flow from
// the waker's track to the woken task's, named by the cause). Counted from the raw trace, not from the exporters.
// The Mermaid text goes through the real parser, the Perfetto document through the trace-event checks
// (test/unit/cli-helpers.ts `validatePerfetto`: flow pairs, each flow bound to a slice on its track).
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceLine } from '../../protocol/events';
import { toMermaid } from '../../trace/mermaid';
import { toPerfetto } from '../../trace/perfetto';
import { TraceStore } from '../../trace/store';
import { parseMermaid, validatePerfetto } from '../unit/cli-helpers';
import { DEB311, ROOT, runTraced } from './harness';
import { FAMILIES, generatePrograms } from './lens-programs';

type Ev = TraceLine & Record<string, unknown>;

/** Mermaid's `#NN;` entities back to characters (the exporter writes every special character so). */
const unentity = (s: string) => s.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));

/** The cause flows to ends the last `checkExports` checked. */
let endFlows = 0;

async function checkExports(label: string, file: string): Promise<number> {
  const r = runTraced(DEB311, file, { timeoutMs: 90_000 });
  assert.equal(r.code, 0, `${label}: ${r.stderr.slice(-1500)}`);
  const store = new TraceStore();
  store.appendText(r.lines.join('\n') + '\n');
  store.end();
  const events = r.events as Ev[];
  const lane = (id: unknown) => (typeof id === 'string' ? store.laneOf(id) : undefined);
  let facts = 0;

  // The trace's transfers (send → recv of the same channel and msg) and wakes with a cause.
  const sends = new Map<string, Ev>();
  const transfers: { from: number; to: number; channel: string; value: unknown; head: string }[] = [];
  for (const e of events) {
    if (e.type === 'send' && typeof e.msg === 'number') sends.set(`${e.channel}\u0000${e.msg}`, e);
    if (e.type === 'recv' && typeof e.msg === 'number') {
      const s = sends.get(`${e.channel}\u0000${e.msg}`);
      const from = lane(s?.task),
        to = lane(e.task);
      // (the arrow reads the sending call as written, `q.put(0)`, when the trace names it: op)
      const head = typeof s?.op === 'string' ? `${e.channel}.${s.op}(` : `${e.channel}: `;
      if (s && from !== undefined && to !== undefined) transfers.push({ from, to, channel: e.channel as string, value: e.value, head });
    }
  }
  const wakes = events.filter((e) => e.type === 'wake' && typeof e.by === 'string' && lane(e.by) !== undefined && lane(e.by) !== lane(e.task));
  const blocked = new Set(events.filter((e) => e.type === 'block').map((e) => lane(e.task)));

  // Mermaid: parses; an arrow per (sender, receiver, channel) the trace has, none it does not; a note per waiting lane.
  const mm = toMermaid(store).text;
  await parseMermaid(mm);
  const arrows = mm
    .split('\n')
    .map((l) => /^\s*t(\d+)--\)t(\d+): (.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ from: Number(m[1]), to: Number(m[2]), text: unentity(m[3]) }));
  const across = transfers.filter((t) => t.from !== t.to);
  for (const t of across) {
    assert.ok(
      arrows.some((a) => a.from === t.from && a.to === t.to && a.text.startsWith(t.head)),
      `${label}: Mermaid has no arrow t${t.from}--)t${t.to} for ${t.channel}: ${String(t.value)}\n${mm}`,
    );
    facts++;
  }
  for (const a of arrows)
    assert.ok(
      across.some((t) => a.from === t.from && a.to === t.to && a.text.startsWith(t.head)),
      `${label}: Mermaid arrow t${a.from}--)t${a.to}: ${a.text} is no transfer of the trace`,
    );
  for (const l of blocked) {
    if (l === undefined) continue;
    assert.ok(new RegExp(`^\\s*Note over t${l}: waits on `, 'm').test(mm), `${label}: lane t${l} waited but Mermaid has no note\n${mm}`);
    facts++;
  }

  // Perfetto: a valid trace-event document whose transfer and cause flows join exactly the trace's lanes.
  const doc = validatePerfetto(toPerfetto(store));
  const tid = (l: number) => l + 1;
  const flows = (cat: string) => {
    const s = doc.traceEvents.filter((e) => e.cat === cat && e.ph === 's');
    return s.map((e) => ({ s: e, f: doc.traceEvents.find((x) => x.cat === cat && x.ph === 'f' && x.id === e.id)! }));
  };
  const tf = flows('transfer');
  assert.equal(tf.length, transfers.length, `${label}: one transfer flow per send → recv`);
  transfers.forEach((t, k) => {
    const fl = tf.find((x) => x.s.tid === tid(t.from) && x.f.tid === tid(t.to) && x.s.args?.channel === t.channel && x.s.args?.value === t.value);
    assert.ok(fl, `${label}: transfer ${k} ${t.channel} ${String(t.value)} lane ${t.from} → ${t.to} has no flow`);
    facts++;
  });
  const all = flows('cause');
  const cf = all.filter((c) => c.s.args?.outcome === undefined);
  assert.equal(cf.length, wakes.length, `${label}: one cause flow per wake with a waker`);
  wakes.forEach((w, k) => {
    const c = cf[k];
    const name = typeof w.cause === 'string' ? w.cause : 'wake';
    assert.deepEqual(
      [c.s.tid, c.f.tid, c.s.name, c.s.args?.on],
      [tid(lane(w.by)!), tid(lane(w.task)!), name, w.on],
      `${label}: wake ${k} of ${String(w.task)} (${name} by ${String(w.by)})`,
    );
    facts++;
  });
  // Each kill or cancel an end names (`by`) that no wake of that lane already carried: a cause flow from the killer's
  // track to the ended task's, named `kill`/`cancel`, its args saying who (one flow per cause).
  const endings: { from: number; to: number; outcome: string }[] = [];
  const killedInWait = new Map<number, number | undefined>();
  for (const e of events) {
    const l = lane(e.task);
    if (l === undefined) continue;
    if (e.type === 'wake') killedInWait.set(l, e.cause === 'kill' || e.cause === 'cancel' ? lane(e.by) : undefined);
    const by = lane(e.by);
    if (e.type === 'end' && by !== undefined && by !== l && killedInWait.get(l) !== by) endings.push({ from: by, to: l, outcome: String(e.outcome) });
  }
  const ef = all.filter((c) => c.s.args?.outcome !== undefined);
  assert.deepEqual(
    ef.map((c) => [c.s.tid, c.f.tid, c.s.name, c.s.args?.outcome, c.s.args?.by]),
    endings.map((e) => [tid(e.from), tid(e.to), e.outcome === 'cancelled' ? 'cancel' : 'kill', e.outcome, store.tasks[e.from].name]),
    `${label}: one cause flow per kill/cancel an end names`,
  );
  facts += endings.length;
  endFlows = endings.length;
  // A block → wake on a lane that did not switch out meanwhile is a `waits on …` slice over exactly that time.
  const waits = doc.traceEvents.filter((e) => e.cat === 'wait');
  const open = new Map<number, Ev>();
  let expected = 0;
  for (const e of events) {
    const l = lane(e.task);
    if (e.type === 'block' && l !== undefined) open.set(l, e);
    if (e.type === 'wake' && l !== undefined && open.has(l)) {
      const b = open.get(l)!;
      open.delete(l);
      expected++;
      assert.ok(
        waits.some((x) => x.tid === tid(l) && x.name === `waits on ${String(b.detail ?? b.on)}`),
        `${label}: the wait of lane ${l} on ${String(b.detail ?? b.on)} has no slice`,
      );
      facts++;
    }
  }
  assert.equal(waits.length, expected, `${label}: one wait slice per block → wake`);
  return facts;
}

describe('exports carry the story: every example and a generated program of every family (Mermaid, Perfetto)', function () {
  this.timeout(120_000);
  const examples = readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.py'))
    .sort();
  for (const ex of examples) {
    it(`examples/${ex}`, async () => {
      await checkExports(ex, join(ROOT, 'examples', ex));
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'coroscope-export-gen-'));
  for (const p of generatePrograms(Number(process.env.LENS_SEED ?? 1), FAMILIES.length)) {
    it(`${p.name} (${p.family})`, async () => {
      const file = join(dir, `${p.name}.py`);
      writeFileSync(file, p.text);
      await checkExports(p.name, file);
    });
  }
  it('kills and cancels an end names: a cause flow to the ended task (gevent killall, asyncio cancel before a wait)', async () => {
    // (gevent: each greenlet killed in its sleep gets its kill with its wake; asyncio: the task cancelled before it
    // ever waited gets it with its end)
    assert.ok((await checkExports('gevent_killall.py', join(ROOT, 'test/fixtures/python/gevent_killall.py'))) >= 3);
    await checkExports('asyncio_cancel_early.py', join(ROOT, 'test/fixtures/python/asyncio_cancel_early.py'));
    assert.equal(endFlows, 1, 'the early cancel is a flow to its end');
  });
  it('the thread and process examples tell their transfers and causes (the facts above are not vacuous)', async () => {
    for (const ex of ['threads_queue.py', 'multiprocessing_queue.py', 'futures_pool.py'])
      assert.ok((await checkExports(ex, join(ROOT, 'examples', ex))) >= 5, `${ex}: transfers, waits and causes checked`);
  });
});
