// Stats benchmark (npm run bench:stats): the lens's per-line stats over a big
// trace, as the full pass (computeStats) and incrementally (StatsBuilder:
// update per batch of new events, snapshot once a second while live).
// Not a test: prints figures for docs/benchmarks.md (## Lens).
import { performance } from 'node:perf_hooks';
import { computeStats, StatsBuilder } from '../../trace/stats';
import { TraceStore } from '../../trace/store';
import { median as med, p95 } from './common';

/** A runtime-shaped trace: main drives generators with send(), asyncio-ish tasks await, a few end and get re-created, marks. */
export function generate(events: number, lanes = 200): string[] {
  const dir = '/home/someone/projects/service/src/app';
  const files = [`${dir}/main.py`, `${dir}/workers.py`, `${dir}/net/client.py`];
  const kinds = ['generator', 'asyncio-task', 'greenlet', 'coroutine'];
  const lines: string[] = [];
  let ts = 2343201272748;
  lines.push(
    JSON.stringify({
      type: 'header',
      schema: 1,
      runtime: 'coroscope 0.1.0',
      python: '3.11.7',
      capture: 'settrace',
      script: files[0],
      argv: [files[0]],
      cwd: dir,
      pid: 1,
      start: 1790000000000,
      ts,
    }),
  );
  lines.push(JSON.stringify({ type: 'task', ts, id: '1', kind: 'main', name: 'main', parent: null }));
  for (let l = 2; l <= lanes; l++) {
    lines.push(
      JSON.stringify({
        type: 'task',
        ts: (ts += 900),
        id: String(l),
        kind: kinds[l % kinds.length],
        name: `worker-${l}`,
        parent: '1',
        file: files[l % 3],
        line: 10 + (l % 40),
        codeFile: files[l % 3],
        codeLine: 5 + (l % 40),
      }),
    );
  }
  let n = lines.length;
  while (n < events) {
    const g = 2 + (n % (lanes - 1));
    const f = files[g % 3];
    ts += 700 + (n % 13) * 50;
    lines.push(
      JSON.stringify({ type: 'switch', ts, from: '1', to: String(g), reason: 'resume', value: String(n % 1000), file: files[0], line: 100 + (g % 25) }),
    );
    ts += 400;
    lines.push(
      JSON.stringify({
        type: 'switch',
        ts,
        from: String(g),
        to: '1',
        reason: n % 5 ? 'yield' : 'await',
        value: `'item ${n % 97}'`,
        file: f,
        line: 20 + (g % 60),
      }),
    );
    n += 2;
    if (n % 997 === 0) {
      lines.push(JSON.stringify({ type: 'mark', ts: (ts += 10), kind: 'loop-blocked', task: String(g), ms: n % 300, file: f, line: 20 + (g % 60) }));
      n++;
    }
  }
  return lines;
}

const max = (xs: number[]) => Math.max(...xs);
const ms = (x: number) => `${x.toFixed(2)} ms`;

function main(): void {
  const EVENTS = 300_000,
    BATCH = 10_000;
  const lines = generate(EVENTS);
  const store = new TraceStore();
  store.appendText(lines.join('\n') + '\n');
  store.end();
  console.log(`trace: ${store.length} events, ${store.tasks.length} lanes`);

  const full: number[] = [];
  let ref = computeStats(store, 'r', false);
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    ref = computeStats(store, 'r', false);
    full.push(performance.now() - t);
  }
  const yields = ref.files.reduce((a, f) => a + f.yields.length, 0);
  console.log(`full pass (computeStats) over ${store.length} events: median ${ms(med(full))}, max ${ms(max(full))} (${yields} yield points)`);

  // Live: the host appends a batch, the builder consumes it; a snapshot about once a second.
  for (let round = 0; round < 3; round++) {
    const live = new TraceStore();
    const b = new StatsBuilder();
    const upd: number[] = [],
      snap: number[] = [];
    for (let i = 0; i < lines.length; i += BATCH) {
      live.appendText(lines.slice(i, i + BATCH).join('\n') + '\n');
      let t = performance.now();
      b.update(live);
      upd.push(performance.now() - t);
      t = performance.now();
      b.snapshot('r', true);
      snap.push(performance.now() - t);
    }
    live.end();
    b.update(live);
    const same = JSON.stringify(b.snapshot('r', false)) === JSON.stringify(ref);
    console.log(
      `round ${round + 1}: update per ${BATCH.toLocaleString('en')} new events median ${ms(med(upd))}, p95 ${ms(p95(upd))}, max ${ms(max(upd))}; ` +
        `snapshot median ${ms(med(snap))}, p95 ${ms(p95(snap))}, max ${ms(max(snap))}; equals the full pass: ${same}`,
    );
  }
}

if (require.main === module) main();
