// Where a signal lands decides where the program's handler runs (issue 14; runtime/coroscope/sigint.py `_ours`).
// A Ctrl+C that landed in code the standard library compiled from text ("<string>": a namedtuple's __new__) while
// a runtime hook made a dis.Instruction ran the program's handler inside the hook, whose except took what it
// raised: the program never got its Ctrl+C and looped on (differential sigint_handler_raises, 4 runs in 60 under
// load). The fixture asks the runtime at each such call whether a signal there is the runtime's to defer.
import * as assert from 'node:assert/strict';
import { PYTHONS, checkTrace, runTraced } from './harness';

const SCRIPT = 'test/fixtures/python/signal_in_stdlib_text.py';

for (const py of PYTHONS) {
  describe(`runtime signal landing points on ${py.name}`, function () {
    this.timeout(60_000);

    it("a signal in a namedtuple's __new__ is the runtime's when a runtime hook made it, the program's when the program did", () => {
      const r = runTraced(py, SCRIPT);
      checkTrace(r);
      // (what was called, its caller, deferred): dis.Instruction made by the runtime's call-site analysis; the
      // program's own namedtuple, from its code and from its exec'd text; a library callback the event loop ran
      const want = ['Instruction _get_instructions_bytes True', 'Point <module> False', 'dedent events.py False', 'exec <module> False', ''];
      assert.equal(r.stdout, want.join('\n'), r.stderr);
    });
  });
}
