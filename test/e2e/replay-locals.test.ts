// Issue 18, part 5, in a real browser: a run recorded with `--locals` (the real runtime, a generator whose locals
// change at each switch) is loaded into the diagram page and into the HTML report `coroscope run --locals --html`
// writes; at chosen `#step=N` the Tasks pane lists each task's locals at its last switch at or before the step.
// Also: the Locals toggle appears once the host tells the setting, and posts the user's change.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { TraceLine } from '../../protocol/events';
import { traceRows as rowsOf } from '../trace-rows';
import { type Diagram, ROOT, withDiagram, SHOTS as shots } from './harness';

const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SCRIPT = join(ROOT, 'test/fixtures/python/locals_gen.py');

interface Line {
  type: string;
  from?: string;
  to?: string;
  reason?: string;
  value?: string;
  task?: string;
  id?: string;
  name?: string;
}

/** name → { variable → value } of every task in the pane, as shown. */
function paneLocals(p: Page): Promise<Record<string, Record<string, string>>> {
  return p.$$eval('.tasks-pane [data-task]', (els) => {
    const out: Record<string, Record<string, string>> = {};
    for (const e of els) {
      const vars: Record<string, string> = {};
      for (const v of e.querySelectorAll('.locals .var')) vars[(v as HTMLElement).dataset.var ?? ''] = v.querySelector('.v')?.textContent ?? '';
      out[(e as HTMLElement).dataset.name ?? ''] = vars;
    }
    return out;
  });
}

async function goStep(p: Page, n: number): Promise<Record<string, Record<string, string>>> {
  await p.evaluate((k) => {
    location.hash = '';
    location.hash = `step=${k}`;
  }, n);
  await p.waitForSelector(`#coroscope-root[data-step="${n}"][data-coroscope-state=ready]`);
  return paneLocals(p);
}

const traceRows = (lines: Line[]): Line[] => rowsOf(lines as unknown as TraceLine[]) as unknown as Line[];

describe('replay: locals in the Tasks pane (real browser)', function () {
  this.timeout(180_000);
  let dir = '';
  let d: Diagram;
  let text = '';
  /** The trace's rows (events: header and locals lines are not rows). */
  let rows: Line[] = [];
  let counter = '';

  withDiagram({ width: 1400, height: 800 }, (opened) => {
    d = opened;
  });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'coroscope-e2e-locals-'));
    const out = join(dir, 'locals.jsonl');
    execFileSync(PY, ['-m', 'coroscope', '--trace', out, '--locals', SCRIPT], {
      env: { ...process.env, PYTHONPATH: join(ROOT, 'runtime') },
      stdio: ['ignore', 'ignore', 'inherit'],
      cwd: dir,
    });
    text = readFileSync(out, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    rows = traceRows(lines);
    counter = lines.find((l) => l.type === 'task' && l.name === 'counter')!.id!;
    assert.ok(lines.some((l) => l.type === 'locals'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Steps (1-based rows) of the counter's yields and of main's sends into it, and the expected panes there. */
  function expectations(): [number, Record<string, Record<string, string>>][] {
    const step = (pred: (l: Line) => boolean, nth: number) => {
      let k = -1;
      for (let c = 0; c <= nth; c++) k = rows.findIndex((l, i) => i > k && pred(l));
      assert.ok(k >= 0);
      return k + 1;
    };
    const yieldN = (n: number) => step((l) => l.type === 'switch' && l.from === counter && l.reason === 'yield', n);
    const sendN = (v: string) => step((l) => l.type === 'switch' && l.to === counter && l.reason === 'resume' && l.value === v, 0);
    const start = step((l) => l.type === 'switch' && l.to === counter && l.reason === 'start', 0);
    const g = '<generator counter>';
    return [
      // the start: main's locals then, and the generator's arguments
      [start, { main: { g }, counter: { limit: '3' } }],
      [yieldN(0), { main: { g }, counter: { limit: '3', total: '0', i: '0' } }],
      // main sends 1: its locals at that switch; the counter runs with its locals of its last yield
      [sendN('1'), { main: { g, a: '0' }, counter: { limit: '3', total: '0', i: '0' } }],
      [yieldN(1), { main: { g, a: '0' }, counter: { limit: '3', total: '1', i: '1', got: '1' } }],
      [yieldN(2), { main: { g, a: '0', b: '1' }, counter: { limit: '3', total: '13', i: '2', got: '2' } }],
      // after its return: its last values
      [
        step((l) => l.type === 'end' && l.task === counter, 0),
        { main: { g, a: '0', b: '1', c: '13' }, counter: { limit: '3', total: '36', i: '2', got: '3' } },
      ],
    ];
  }

  it('the panel page: at each chosen #step=N, each task shows its locals of its last switch at or before the step (also going back)', async () => {
    await d.load(text, { title: 'locals_gen.py', events: rows.length });
    assert.equal(Number(await d.page.$eval('#coroscope-root', (r) => r.getAttribute('data-rows'))), rows.length, 'locals lines are not rows');
    const exp = expectations();
    // forward, then backward: the pane follows the cursor both ways
    for (const [n, want] of [...exp, ...exp.slice().reverse()]) {
      const got = await goStep(d.page, n);
      assert.deepEqual({ main: got.main, counter: got.counter }, want, `step ${n}`);
    }
    // before the counter exists, main has no locals yet
    const first = await goStep(d.page, 1);
    assert.deepEqual(first.main, {});
    await goStep(d.page, exp[3][0]);
    const head = await d.page.$eval('.tasks-pane [data-name="counter"] .locals', (e) => [
      (e as HTMLElement).dataset.frame,
      e.querySelector('.locals-head')?.textContent,
    ]);
    assert.deepEqual(head, ['counter', 'locals of counter']);
    await d.page.screenshot({ path: join(shots, 'replay-locals.png') });
  });

  it('the HTML report of `coroscope run --locals` shows the same locals at #step=N', async () => {
    const html = join(dir, 'report.html');
    const trace = join(dir, 'run.jsonl');
    execFileSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'run', '--python', PY, '--locals', '--trace', trace, '--html', html, SCRIPT], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // (the same program, run again: the same rows)
    assert.equal(
      traceRows(
        readFileSync(trace, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Line),
      ).length,
      rows.length,
    );
    const p = await d.page.context().newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    const exp = expectations();
    await p.goto(`file://${html}#step=${exp[4][0]}`);
    await p.waitForSelector(`#coroscope-root[data-step="${exp[4][0]}"][data-coroscope-state=ready]`);
    for (const [n, want] of exp) {
      const got = await goStep(p, n);
      assert.deepEqual({ main: got.main, counter: got.counter }, want, `report, step ${n}`);
    }
    // the report is not VS Code: no Locals toggle there
    assert.equal(await p.$eval('.locals-toggle', (e) => (e as HTMLElement).hidden), true);
    await p.close();
    assert.deepEqual(errors, []);
  });

  it('the Locals toggle appears with the host’s setting and posts the change for the next run', async () => {
    assert.equal(await d.page.$eval('.locals-toggle', (e) => (e as HTMLElement).hidden), true);
    await d.send({ type: 'captureLocals', on: false });
    await d.page.waitForSelector('.locals-toggle:not([hidden])[aria-pressed="false"]');
    await d.page.click('.locals-toggle');
    await d.page.waitForSelector('.locals-toggle[aria-pressed="true"]');
    const posted = await d.posted();
    assert.deepEqual(
      posted.filter((m) => m.type === 'setCaptureLocals'),
      [{ type: 'setCaptureLocals', on: true }],
    );
    await d.send({ type: 'captureLocals', on: false });
    await d.page.waitForSelector('.locals-toggle[aria-pressed="false"]');
  });
});
