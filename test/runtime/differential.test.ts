// Differential test (issue 14): every program of test/fixtures/python/diff, run
// plainly and traced on every interpreter test/runtime/harness.ts defines, must
// look the same to itself: stdout, stderr (tracebacks byte for byte, no runtime
// frames), exit code or signal; recursion depth within one frame. A case marked
// pending for a known difference owned elsewhere is reported pending while it
// still differs, and passes (so its mark can go) once it does not.
import * as assert from 'node:assert/strict';
import { compare, interpreters, loadCases, pool, runCase, traceProblems, type Case, type Outcome } from './differential';
import type { Interp } from './harness';

const cases = loadCases();
// The tier runner's --grep (test/mocha-tier.cjs), so a filtered run starts only the programs it checks.
const grepAt = process.argv.indexOf('--grep');
const grep = grepAt >= 0 ? new RegExp(process.argv[grepAt + 1]) : undefined;

function pendingReason(c: Case, py: Interp): string | undefined {
  return c.pending[py.capture] ?? c.pending['*'];
}

function title(c: Case, py: Interp): string {
  const pending = pendingReason(c, py);
  return pending ? `${c.name} (pending while it differs: ${pending})` : c.name;
}

for (const { py, available } of interpreters()) {
  describe(`differential: plain vs traced on ${py.name}`, function () {
    if (!available) {
      it(`(not installed here: ${py.chroot ?? py.exe})`);
      return;
    }
    this.timeout(600_000);
    const results = new Map<string, { plain: Outcome; traced: Outcome }>();

    before(async () => {
      // Both runs of every case (only those `--grep` selects), six processes at a time.
      const suite = `differential: plain vs traced on ${py.name}`;
      const wanted = cases.filter((c) => grep === undefined || grep.test(`${suite} ${title(c, py)}`));
      const jobs = wanted.flatMap((c) => [false, true].map((traced) => async () => ({ c, traced, o: await runCase(py, c, traced) })));
      for (const { c, traced, o } of await pool(jobs, 6)) {
        const r = results.get(c.name) ?? ({} as { plain: Outcome; traced: Outcome });
        r[traced ? 'traced' : 'plain'] = o;
        results.set(c.name, r);
      }
    });

    for (const c of cases) {
      const pending = pendingReason(c, py);
      it(title(c, py), function () {
        const r = results.get(c.name);
        assert.ok(r?.plain && r.traced, 'the case did not run');
        const problems = [...compare(r.plain, r.traced), ...traceProblems(r.traced)];
        if (problems.length && pending) this.skip();
        assert.deepEqual(
          problems,
          [],
          `${c.name} on ${py.name}:\n  ${problems.join('\n  ')}\n--- traced stderr ---\n${r.traced.stderr.toString('utf8').slice(-2000)}`,
        );
      });
    }
  });
}
