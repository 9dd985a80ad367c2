// A gevent server's connection greenlets are the program's handler (a learner of the gevent articles writes one):
// gevent spawns each on its own helper, `_handle_and_close_when_done(handle, close, (socket, address))`, and the
// lanes read that helper's name, with the handler and the close method as arguments.
import * as assert from 'node:assert/strict';
import { GREENLET_PYTHONS, needGevent, ofType, runBothWays, tasks } from './harness';

const SCRIPT = 'test/fixtures/python/truth_gevent_server.py';

for (const py of GREENLET_PYTHONS) {
  describe(`truth: a gevent server on ${py.name}`, function () {
    this.timeout(60_000);

    it("each connection's lane is the program's handle(socket, address), started by the hub", function () {
      needGevent(this, py);
      const r = runBothWays(py, SCRIPT);
      assert.equal(r.stdout, "[b'HELLO 0', b'HELLO 1', b'HELLO 2']\n");
      const hub = tasks(r.events, 'hub')[0];
      const lanes = tasks(r.events, 'greenlet');
      assert.deepEqual(lanes.map((t) => t.name).sort(), ['client', 'client', 'client', 'handle', 'handle', 'handle']);
      for (const h of lanes.filter((t) => t.name === 'handle')) {
        assert.equal(h.parent, hub.id);
        assert.match(String(h.codeFile), /truth_gevent_server\.py$/);
        assert.equal(h.codeLine, 14);
        assert.match(String(h.args), /^\(<socket object>, \('127\.0\.0\.1', \d+\)\)$/);
        // (the handler ran and returned: its lane ends with its return)
        assert.ok(
          ofType(r.events, 'end').some((e) => e.task === h.id && e.outcome === 'return'),
          `handle ${h.id} returns`,
        );
      }
    });
  });
}
