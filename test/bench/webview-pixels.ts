// Before/after guard for changes to how the diagram is drawn (not a test: it needs two builds). The same Fit frames
// (Time scale at Fit, Steps at Fit, Time at Fit scrolled 37 px sideways) of a base bundle (COROSCOPE_WEBVIEW_BASE, a
// dist/webview built apart) and of this build (dist/webview), compared pixel for pixel in Debian chromium, on
// examples (traced once, kept in the temp folder) and on the webview benchmark's 1M-event trace (BENCH_BIG=0: not).
// Prints, per trace and view, how many pixels differ and by how much at most in a channel.
// Usage: COROSCOPE_WEBVIEW_BASE=/tmp/base-webview node out/test/bench/webview-pixels.js [example.py,…]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceStore } from '../../trace/store';
import { type Diagram, ROOT, openDiagram, traceProgram } from '../e2e/harness';
import { generate } from './webview';

const VIEWS = ['time at Fit', 'steps at Fit', 'time at Fit, 37 px right'];

/** In the page: each view drawn anew, its pixels as base64 RGBA. */
async function frames(dist: string, load: (d: Diagram) => Promise<void>): Promise<Uint8Array[]> {
  process.env.COROSCOPE_WEBVIEW_DIST = dist;
  const d = await openDiagram({ width: 1400, height: 900 });
  try {
    await load(d);
    const out = await d.page.evaluate(() => {
      type App = {
        setScale(s: string): void;
        fit(): void;
        render(): void;
        view: { left: number };
        picture: { invalidate(): void };
        canvas: HTMLCanvasElement;
        ctx: CanvasRenderingContext2D;
      };
      const app = (window as unknown as { coroscope: App }).coroscope;
      const res: string[] = [];
      for (const [sc, right] of [
        ['time', 0],
        ['steps', 0],
        ['time', 37],
      ] as const) {
        app.setScale(sc);
        app.fit();
        app.view.left += right;
        app.picture.invalidate();
        app.render();
        const px = new Uint8Array(app.ctx.getImageData(0, 0, app.canvas.width, app.canvas.height).data.buffer);
        let bin = '';
        for (let i = 0; i < px.length; i += 0x8000) bin += String.fromCharCode(...px.subarray(i, i + 0x8000));
        res.push(btoa(bin));
      }
      return res;
    });
    return out.map((b) => new Uint8Array(Buffer.from(b, 'base64')));
  } finally {
    await d.close();
  }
}

async function main(): Promise<void> {
  const base = process.env.COROSCOPE_WEBVIEW_BASE;
  if (!base || !existsSync(join(base, 'webview.js'))) throw new Error('COROSCOPE_WEBVIEW_BASE: a dist/webview folder built apart');
  const here = join(ROOT, 'dist/webview');
  const examples = (process.argv[2] ?? 'gevent_sleep.py,asyncio_tasks.py,threads_queue.py,gevent_monkey_http.py,generator_baozi.py').split(',');
  const cache = join(tmpdir(), 'coroscope-bench-pixels');
  mkdirSync(cache, { recursive: true });
  const cases: [string, (d: Diagram) => Promise<void>][] = examples.map((ex) => [
    ex,
    async (d) => {
      const f = join(cache, `${ex}.jsonl`);
      if (!existsSync(f)) writeFileSync(f, traceProgram(`examples/${ex}`));
      const text = readFileSync(f, 'utf8');
      const st = new TraceStore();
      st.appendText(text);
      st.end();
      await d.load(text, { title: ex, events: st.length });
    },
  ]);
  if (process.env.BENCH_BIG !== '0')
    cases.push([
      '1M events, 200 lanes',
      async (d) => {
        await d.send({ type: 'reset', title: 'bench', live: false });
        await d.waitReady(0);
        await d.page.evaluate(generate, { n: 1_000_000, lanes: 200, per: 10000, t0: 1e12, first: true });
        await d.page.evaluate(() => {
          const w = window as unknown as { __chunks: string[] | null };
          const enc = new TextEncoder();
          window.postMessage({ type: 'reset', title: 'bench', live: false }, '*');
          for (const c of w.__chunks ?? []) {
            const b = enc.encode(c);
            window.postMessage({ type: 'appendBytes', bytes: b }, '*', [b.buffer]);
          }
          window.postMessage({ type: 'status', state: 'loaded' }, '*');
          w.__chunks = null;
        });
        await d.waitReady(1_000_000);
      },
    ]);
  for (const [name, load] of cases) {
    const a = await frames(base, load);
    const b = await frames(here, load);
    const say = a.map((pa, k) => {
      const pb = b[k];
      if (pa.length !== pb.length) return `${VIEWS[k]}: sizes differ`;
      let differ = 0,
        most = 0;
      for (let i = 0; i < pa.length; i += 4) {
        const m = Math.max(Math.abs(pa[i] - pb[i]), Math.abs(pa[i + 1] - pb[i + 1]), Math.abs(pa[i + 2] - pb[i + 2]), Math.abs(pa[i + 3] - pb[i + 3]));
        if (m) differ++;
        if (m > most) most = m;
      }
      return `${VIEWS[k]}: ${differ} of ${pa.length / 4} pixels differ (by up to ${most})`;
    });
    console.log(`${name}: ${say.join('; ')}`);
  }
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
