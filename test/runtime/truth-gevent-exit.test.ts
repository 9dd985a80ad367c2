// Issue 16 (sync16): at the end of a gevent program with monkey.patch_all(), the main greenlet's waits in the
// threading._shutdown gevent installs (its sleep(), and on gevent 25 a sleep(0.001)) carry gevent's own line as their
// site (plain gevent does the same waits; without patch_all there are none), and the runtime's own waits (its writer
// letting threads finish a line) never appear as the program's: no wait of the main greenlet without a site.
import * as assert from 'node:assert/strict';
import { GREENLET_PYTHONS, needGevent, ofType, runBothWays, switches } from './harness';

const SCRIPT = 'test/fixtures/python/truth_gevent_exit.py';

for (const py of GREENLET_PYTHONS) {
  describe(`truth: gevent's exit waits on ${py.name}`, function () {
    this.timeout(60_000);
    it("the main greenlet's waits at exit are gevent's, at gevent's line; none without a site, none after its end", function () {
      needGevent(this, py);
      const r = runBothWays(py, SCRIPT);
      const mainEnd = r.events.findIndex((e) => e.type === 'end' && e.task === '1');
      assert.ok(mainEnd > 0, 'main ends');
      const lastOut = r.events.reduce((last, e, i) => (e.type === 'output' && e.task === '1' ? i : last), -1);
      // every wait of the main greenlet has a site
      const blocks = ofType(r.events, 'block').filter((e) => e.task === '1');
      assert.deepEqual(
        blocks.filter((b) => b.file === undefined),
        [],
      );
      const toHub = switches(r.events).filter((s) => s.from === '1' && s.reason !== 'start');
      assert.deepEqual(
        toHub.filter((s) => s.file === undefined),
        [],
      );
      // nothing of main's after its end
      assert.deepEqual(
        r.events.slice(mainEnd + 1).filter((e) => (e.type === 'block' || e.type === 'wake') && e.task === '1'),
        [],
      );
      // after the program's last print: gevent's exit sleep(), at a line of gevent's monkey module
      const exitSleeps = toHub.filter((s) => r.events.indexOf(s) > lastOut);
      assert.ok(exitSleeps.length >= 1, 'gevent sleeps at exit');
      for (const s of exitSleeps) assert.match(s.file ?? '', /\/gevent\/monkey(\.py|\/)/, JSON.stringify(s));
      assert.ok(
        exitSleeps.some((s) => s.reason === 'sleep' && s.value === '0'),
        'its sleep()',
      );
    });
  });
}
