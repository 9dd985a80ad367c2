// Benchmark, not a test (issue 19 part 5): a real live run of ~20M events in VS Code (code-server), the panel open
// in paging mode, with the extension host's and the browser's renderers' memory sampled every second — the figure
// docs/benchmarks.md gives against the 1.5 GB budget. Loaded only when the grep starts with "bench:"
// (test/integration/index.ts): `node test/run.mjs integration --grep "bench: live"`; $COROSCOPE_BENCH_SENDS sets
// the generator sends (2 events each; default 10,000,000).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, sleep, ws } from './helpers';

/** RSS (bytes) of the renderers of the chromium this run's launcher started (its profile is in the work folder). */
function renderersRss(): number {
  const work = path.dirname(ws);
  const procs = new Map<number, { ppid: number; rss: number; cmd: string }>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const status = fs.readFileSync(`/proc/${d}/status`, 'utf8');
      procs.set(Number(d), {
        ppid: Number(/PPid:\s+(\d+)/.exec(status)?.[1]),
        rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024,
        cmd: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8'),
      });
    } catch {
      /* gone */
    }
  }
  const browser = [...procs].find(([, p]) => p.cmd.includes('chrom') && p.cmd.includes(work) && !p.cmd.includes('--type='))?.[0];
  let sum = 0;
  for (const [pid, p] of procs) {
    if (!p.cmd.includes('--type=renderer')) continue;
    for (let q: number | undefined = pid, k = 0; q && k < 10; q = procs.get(q)?.ppid, k++)
      if (q === browser) {
        sum += p.rss;
        break;
      }
  }
  return sum;
}

describe('bench: live run of ~20M events in paging mode (memory)', function () {
  this.timeout(90 * 60_000);

  it('samples the extension host and the renderers while the run streams', async () => {
    const sends = Number(process.env.COROSCOPE_BENCH_SENDS ?? 10_000_000);
    const script = path.join(ws, 'bench_live_sends.py');
    fs.writeFileSync(
      script,
      `def echo():\n    got = None\n    while True:\n        got = yield got\n\n\ng = echo()\nnext(g)\nfor i in range(${sends}):\n    g.send(i)\nprint("done")\n`,
    );
    const a = await api();
    const logFile = process.env.COROSCOPE_BENCH_LOG;
    const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
    const host0 = process.memoryUsage().rss;
    const rend0 = renderersRss();
    console.log(`bench: before the run: extension host RSS ${mb(host0)}, renderers ${mb(rend0)} (workbench + webview)`);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(script));
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    const t0 = Date.now();
    await vscode.commands.executeCommand('coroscope.run');
    let host = 0;
    let rend = 0;
    let both = 0;
    let done = false;
    const sampler = (async () => {
      for (let k = 0; !done; k++) {
        const h = process.memoryUsage().rss;
        const r = renderersRss();
        host = Math.max(host, h);
        rend = Math.max(rend, r);
        both = Math.max(both, h + r);
        if (k % 5 === 0) {
          // Straight to a file as well: console lines travel through the workbench, minutes late under load.
          const m = process.memoryUsage();
          const line = `bench: ${((Date.now() - t0) / 1000).toFixed(0)} s: host ${mb(h)} (heap ${mb(m.heapUsed)}, external ${mb(m.external)}, arrayBuffers ${mb(m.arrayBuffers)}), renderers ${mb(r)}, in flight to the page ${mb(a.panelFlow().inFlight)} (max ${mb(a.panelFlow().maxInFlight)}, batches held back ${a.panelFlow().lagged}, page loads ${a.panelLoads()}), status "${a.panelPaging().status}"`;
          if (logFile) fs.appendFileSync(logFile, `${line}\n`);
          if (k % 30 === 0) console.log(line);
        }
        await sleep(1000);
      }
    })();
    const info = await a.waitForSessionEnd();
    const ran = (Date.now() - t0) / 1000;
    // The page settles on its window (and the host on its replay) after the end.
    await sleep(10_000);
    done = true;
    await sampler;
    const s = await a.panelSummary(30_000);
    console.log(
      `bench: ${info?.events.toLocaleString('en-US')} events (${info?.state}, exit ${info?.exitCode}) in ${ran.toFixed(0)} s; trace ${mb(fs.statSync(info?.traceFile ?? script).size)}; ` +
        `peak extension host RSS ${mb(host)} (maxRSS ${mb(process.resourceUsage().maxRSS * 1024)}), peak renderers ${mb(rend)}, peak together ${mb(both)} ` +
        `(above the pre-run ${mb(host0 + rend0)}: ${mb(both - host0 - rend0)}); page holds ${s?.events.toLocaleString('en-US')} rows of ${s?.page?.total.toLocaleString('en-US')}; ${a.panelPaging().status}`,
    );
    // What the extension logged as warnings or errors (the run's own marks aside): e.g. the lens stats failing at the end.
    const logs = path.join(path.dirname(ws), 'user-data', 'logs');
    const found: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name === 'Coroscope.log')
          found.push(
            ...fs
              .readFileSync(p, 'utf8')
              .split('\n')
              .filter((l) => /\[(warning|error)\]/.test(l) && !/runtime (events-dropped|loop-blocked)/.test(l)),
          );
      }
    };
    walk(logs);
    console.log(`bench: the Coroscope log's warnings and errors: ${found.length ? found.slice(0, 5).join(' | ') : 'none'}`);
    if (logFile) fs.appendFileSync(logFile, `Coroscope log: ${found.length ? found.join('\n') : 'no warning or error'}\n`);
    fs.rmSync(script, { force: true });
  });
});
