// Issue 17 (words): each send/recv names the method the program called (`op`), so a learner reads `q.put(5)` /
// `q.get() → 5` as written; gevent.queue transfers are recorded at all (gev_queues.py), values and who got what.
import * as assert from 'node:assert/strict';
import { DEB311, needGevent, type ofType, PY314, PYTHONS, runBothWays, tasks } from './harness';

type Transfer = { type: string; task: string; channel: string; value?: string; msg?: number; op?: string; line?: number };
const words = (evs: Transfer[]) => evs.map((e) => `${e.type} ${e.channel}.${e.op} ${e.value}${e.msg !== undefined ? ` #${e.msg}` : ''}`);
const transfers = (events: Parameters<typeof ofType>[0]) => events.filter((e) => e.type === 'send' || e.type === 'recv') as unknown as Transfer[];

for (const py of PYTHONS) {
  describe(`transfer ops on ${py.name}`, function () {
    this.timeout(60_000);

    it('queue.Queue, asyncio.Queue and a multiprocessing Queue: put, put_nowait, get, get_nowait as called', () => {
      const r = runBothWays(py, 'test/fixtures/python/words17/ops_queues.py');
      const by = (ch: string) => words(transfers(r.events).filter((e) => e.channel === ch));
      assert.deepEqual(by('q'), ['send q.put 5 #1', 'send q.put_nowait 6 #2', 'recv q.get 5 #1', 'recv q.get_nowait 6 #2']);
      assert.deepEqual(by('aq'), ['send aq.put 1 #3', 'send aq.put_nowait 2 #4', 'recv aq.get 1 #3', 'recv aq.get_nowait 2 #4']);
      assert.deepEqual(by('mq'), ['send mq.put 7 #5', 'recv mq.get 7 #5']);
      // the thread's gets are on the thread's lane, at the line that wrote them
      const th = tasks(r.events, 'thread')[0]!.id;
      assert.ok(
        transfers(r.events)
          .filter((e) => e.channel === 'q' && e.type === 'recv')
          .every((e) => e.task === th && e.line === 11),
      );
    });
  });
}

for (const py of [DEB311, PY314]) {
  describe(`gevent.queue transfers on ${py.name}`, function () {
    this.timeout(60_000);

    it('Queue, JoinableQueue and Channel: each put a send, each get its recv on the greenlet that got it', function () {
      needGevent(this, py);
      const r = runBothWays(py, 'test/fixtures/python/words17/ops_gevent.py');
      const glets = tasks(r.events, 'greenlet');
      const lane = (fn: string) => glets.find((t) => (t.name ?? '').startsWith(fn))?.id;
      const tr = transfers(r.events);
      const of = (ch: string, type: string) => tr.filter((e) => e.channel === ch && e.type === type);
      assert.deepEqual(
        of('log', 'send').map((e) => [e.op, e.value, e.task, e.line]),
        [
          ['put', '0', lane('producer'), 12],
          ['put', '1', lane('producer'), 12],
          ['put', '2', lane('producer'), 12],
          ['put_nowait', "'end'", lane('producer'), 13],
        ],
      );
      assert.deepEqual(
        of('log', 'recv').map((e) => [e.op, e.value, e.task, e.line]),
        [
          ['get', '0', lane('consumer'), 18],
          ['get', '1', lane('consumer'), 18],
          ['get', '2', lane('consumer'), 18],
          ['get', "'end'", lane('consumer'), 18],
        ],
      );
      // each recv pairs with the send of its value
      assert.deepEqual(
        of('log', 'recv').map((e) => e.msg),
        of('log', 'send').map((e) => e.msg),
      );
      assert.deepEqual(words(tr.filter((e) => e.channel === 'jobs')), ["send jobs.put 'x' #5", "recv jobs.get_nowait 'x' #5"]);
      // a Channel hands over only when both meet: the send is written before the recv it pairs with
      const ch = tr.filter((e) => e.channel === 'ch');
      assert.deepEqual(
        ch.map((e) => [e.type, e.op, e.value, e.task]),
        [
          ['send', 'put', "'hi'", lane('talker')],
          ['recv', 'get', "'hi'", lane('listener')],
        ],
      );
      assert.equal(ch[0]!.msg, ch[1]!.msg);
      assert.ok(ch[0]!.msg !== undefined && lane('talker') !== undefined && lane('listener') !== undefined);
    });
  });
}

for (const py of [DEB311, PY314]) {
  describe(`stackless-style channel ops on ${py.name}`, function () {
    this.timeout(60_000);

    it('channel.send is a send with op send, channel.receive a recv with op receive', () => {
      const r = runBothWays(py, 'test/fixtures/python/truth_channels.py', { stdout: 'a\nb\ndone\n' });
      const tr = transfers(r.events);
      assert.ok(tr.length >= 4);
      for (const e of tr) assert.equal(e.op, e.type === 'send' ? 'send' : 'receive', JSON.stringify(e));
    });
  });
}
