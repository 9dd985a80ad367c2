// Issue 17 (words on screen): every example traced by the real runtime, drawn in a real browser on the Steps scale;
// each queue/channel transfer's drawn label (a `⇡` mark's words, or the arrow into the receiver) must read what the
// program wrote, built here from the raw trace line (not through webview/labels.ts): `q.put(5)`, `q.get() → 5`,
// `chan.send('http://…')`, `tasks.put('http://example.com/page/0')` — whole, or shortened for its space with the call
// (`channel.op(` / `channel.op() → `) kept whole and the value cut inside. Pool and executor channels read as calls
// (`submit square(3)`, `run square(3)`). A screenshot at the first transfer of each example is kept in test-results/.
import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Diagram, exportPages, openDiagram, traceProgram, unxml, ROOT } from './harness';

const shots = join(ROOT, 'test-results');
const POOL = /^(ThreadPoolExecutor|ProcessPoolExecutor|Pool|ThreadPool)#/;

interface Line {
  type: string;
  on?: string;
  detail?: string;
  reason?: string;
  channel?: string;
  op?: string;
  value?: string;
  msg?: number;
  task?: string;
}

/** The words a transfer must read as the program wrote them, and the part a shortening must keep whole. */
function expected(e: Line, sends: Map<string, Line>): { whole: string; head: string } | undefined {
  if (!e.channel || POOL.test(e.channel) || !e.op) return undefined;
  const v = e.value ?? '';
  if (e.type === 'send') return { whole: `${e.channel}.${e.op}(${v})`, head: `${e.channel}.${e.op}(` };
  // (a receive drawn as an arrow reads the receiver's call; with no sender known, as its mark)
  void sends;
  return { whole: `${e.channel}.${e.op}() → ${v}`, head: `${e.channel}.${e.op}() → ` };
}

describe('diagram: every example draws its transfers as the program wrote them (issue 17)', function () {
  this.timeout(300_000);
  let d: Diagram;
  before(async () => {
    mkdirSync(shots, { recursive: true });
    d = await openDiagram({ width: 1400, height: 800 });
  });
  after(async () => {
    await d?.close();
  });

  const examples = readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.py'))
    .sort();
  let total = 0;
  for (const ex of examples) {
    it(`examples/${ex}`, async () => {
      const text = traceProgram(`examples/${ex}`);
      const lines = text
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Line);
      await d.load(text, { title: ex, events: lines.filter((l) => l.type !== 'header').length });
      const drawn: string[] = [];
      for (const svg of await exportPages(d.page, 'steps'))
        for (const m of svg.matchAll(/<text[^>]*class="cs-label"[^>]*>([^<]*)<\/text>/g)) drawn.push(unxml(m[1]));
      const sends = new Map<string, Line>();
      const want: { whole: string; head: string }[] = [];
      for (const e of lines) {
        if (e.type === 'send' && e.msg !== undefined) sends.set(`${e.channel}\u0000${e.msg}`, e);
        if (e.type !== 'send' && e.type !== 'recv') continue;
        const w = expected(e, sends);
        if (w) want.push(w);
      }
      for (const w of want) {
        const ok = drawn.some((t) => t === w.whole || (t.startsWith(w.head) && t.includes('…')));
        assert.ok(ok, `${ex}: "${w.whole}" is drawn (whole, or shortened after "${w.head}") in ${JSON.stringify([...new Set(drawn)].slice(0, 80))}`);
      }
      // A stackless channel's hand-over (a `channel` switch) names the channel its receiver waited on: `chan.send(…)`.
      const chans = new Set(lines.filter((e) => e.type === 'block' && e.on === 'channel').map((e) => e.detail));
      if (lines.some((e) => e.type === 'switch' && e.reason === 'channel')) {
        assert.ok(
          drawn.some((t) => [...chans].some((c) => t.startsWith(`${c}.send(`))),
          `${ex}: a hand-over reads ${[...chans].join('/')}.send(…)`,
        );
        assert.ok(!drawn.some((t) => t.startsWith('channel.send(')), `${ex}: no hand-over reads channel.send(…)`);
      }
      // No transfer reads with the generic words the trace does not say.
      for (const t of drawn) assert.ok(!/\.(send|receive)\(/.test(t) || want.some((w) => t.startsWith(w.head)), `${ex}: "${t}" is a call the program made`);
      total += want.length;
      // A screenshot at the first transfer, for a person to read.
      const first = lines.findIndex((e) => e.type === 'send' || e.type === 'recv');
      if (first >= 0) {
        await d.page.evaluate((i) => {
          const app = (
            window as unknown as { coroscope: { view: { top: number }; model: { eventRow(i: number): number }; setScale(s: string): void; render(): void } }
          ).coroscope;
          app.setScale('steps');
          app.view.top = Math.max(0, app.model.eventRow(i) - 3);
          app.render();
        }, first - 1);
        await d.page.screenshot({ path: join(shots, `transfers-${ex.replace('.py', '')}.png`) });
      }
    });
  }
  it('the examples have transfers to check (the facts above are not vacuous)', () => {
    assert.ok(total >= 30, `${total} transfers checked`);
  });
});
