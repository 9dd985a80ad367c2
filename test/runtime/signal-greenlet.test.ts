// A signal re-delivered by sigint.py (it landed in a runtime hook) waits for the greenlet it interrupted (issue 14;
// docs/architecture.md, "What a traced program can still observe"): gevent's Hub, which runs its loop between the
// main greenlet's `gevent.sleep(0)`s, no longer gets the handler's exception, which gevent prints to stderr.
import * as assert from 'node:assert/strict';
import { GREENLET_PYTHONS, checkTrace, needGevent, runPlain, runTraced } from './harness';

const SCRIPT = 'test/fixtures/python/gevent_signal_busy.py';
const ROUNDS = 30;

for (const py of GREENLET_PYTHONS) {
  describe(`runtime signals in a gevent program on ${py.name}`, function () {
    this.timeout(120_000);

    it('a SIGALRM raising in a busy main greenlet that yields to the Hub: its handler runs in the main greenlet, as plainly', function () {
      needGevent(this, py);
      const args = [String(ROUNDS), '20'];
      const plain = runPlain(py, SCRIPT, { args });
      // (plainly the handler runs where the signal lands, nearly always the busy main greenlet: none in the Hub in 12
      // runs on an idle machine, under load now and then one; what it raised reaches the main greenlet either way)
      assert.match(plain.stdout, new RegExp(`^caught ${ROUNDS} of ${ROUNDS} \\{`), plain.stderr);
      const r = runTraced(py, SCRIPT, { args, timeoutMs: 100_000 });
      checkTrace(r);
      const m = /^caught (\d+) of \d+ \{'main': (\d+), 'hub': (\d+), 'other': (\d+)\}\n$/.exec(r.stdout);
      assert.ok(m, r.stdout + r.stderr);
      assert.equal(Number(m[1]), ROUNDS, 'every Tick reached the main greenlet');
      assert.equal(Number(m[4]), 0);
      // Re-delivered signals never run in the Hub now (the runtime before: 9-19 of 30 there, each printed by gevent).
      // A signal that first lands while the Hub runs its loop runs there as plainly, after a few tries for the main
      // greenlet; traced the Hub runs longer (its loop releases the GIL, which the writer thread takes), so that
      // stays possible: 0 or 1 of 30 in the runs measured, as plainly under load.
      assert.ok(Number(m[3]) <= 3, `${m[3]} of ${ROUNDS} handlers ran in the Hub`);
      assert.equal(r.stderr.match(/raise Tick\(\)/g)?.length ?? 0, Number(m[3]), r.stderr.slice(0, 2000));
    });
  });
}
