// Issue 16, point 7: a stackless channel transfer is one send/recv pair from the sender to the receiver; a tasklet
// that has to wait is a block on the channel and the scheduler's choice a `schedule` switch; nothing ever shows
// data going between two receivers.
import * as assert from 'node:assert/strict';
import { GREENLET_PYTHONS, ofType, runBothWays, switches, tasks } from './harness';

const STACKLESS_CHANNELS_OUT = /^(http:\/\/example\.com\/\w+\.html\n.+ \d+ bytes\n){3}done\n$/;

for (const py of GREENLET_PYTHONS) {
  describe(`truth: stackless channels on ${py.name}`, function () {
    this.timeout(60_000);

    it('many receivers waiting: each transfer goes from the sender to one receiver; waits are blocks', () => {
      // (plain Python has no stackless module; a tasklet's repr names its address)
      const r = runBothWays(py, 'examples/stackless_channels.py', { stdout: STACKLESS_CHANNELS_OUT });
      const outs = new Set(
        tasks(r.events, 'tasklet')
          .filter((t) => t.name === 'output')
          .map((t) => t.id),
      );
      const input = tasks(r.events, 'tasklet').find((t) => t.name === 'input')!.id;
      for (const s of switches(r.events)) {
        assert.ok(!(outs.has(s.from) && outs.has(s.to) && s.reason === 'channel'), `no channel switch between receivers: ${JSON.stringify(s)}`);
        if (s.reason === 'channel') assert.equal(s.from, input);
      }
      const sends = ofType(r.events, 'send');
      const recvs = ofType(r.events, 'recv');
      assert.ok(sends.length === 3 && sends.every((s) => s.task === input && s.line === 30));
      assert.deepEqual(
        recvs.map((x) => x.msg),
        sends.map((x) => x.msg),
      );
      assert.ok(recvs.every((x) => outs.has(x.task)));
      const blocks = ofType(r.events, 'block');
      assert.ok(blocks.length >= 10 && blocks.every((b) => b.on === 'channel' && b.detail === 'chan' && outs.has(b.task)));
      const wakes = ofType(r.events, 'wake');
      assert.deepEqual(
        wakes.map((w) => [w.cause, w.by, w.byLine]),
        [
          ['send', input, 30],
          ['send', input, 30],
          ['send', input, 30],
        ],
      );
      // the ten receivers still waiting at the end are unfinished, waiting on the channel
      const unf = ofType(r.events, 'end').filter((e) => e.outcome === 'unfinished');
      assert.equal(unf.length, 10);
      assert.ok(unf.every((e) => outs.has(e.task) && e.waits === 'channel chan' && e.line === 22));
    });

    it('a sender with no receiver waits; the receive that takes its value wakes it', () => {
      const script = 'test/fixtures/python/truth_channels.py';
      const r = runBothWays(py, script, { stdout: 'a\nb\ndone\n' }); // (plain Python has no stackless module)
      const [sender, rx1, rx2] = tasks(r.events, 'tasklet').map((t) => t.id);
      const ev = r.events.filter((e) => e.type === 'send' || e.type === 'recv' || e.type === 'block' || e.type === 'wake');
      assert.deepEqual(
        ev.map((e) => `${e.type}:${(e as { task: string }).task}${e.type === 'wake' ? `:${e.cause}:${e.by}` : ''}`),
        [
          `send:${sender}`,
          `block:${sender}`,
          `recv:${rx1}`,
          `block:${rx2}`,
          `wake:${sender}:receive:${rx1}`,
          `send:${sender}`,
          `wake:${rx2}:send:${sender}`,
          `recv:${rx2}`,
        ],
      );
      assert.ok(
        switches(r.events)
          .filter((s) => s.reason === 'channel')
          .every((s) => s.from === sender),
      );
    });
  });
}
