// Arrow labels read the way a learner reads the code.
import * as assert from 'node:assert/strict';
import { TraceStore } from '../../trace/store';
import {
  switchLabel,
  fullLabel,
  label,
  formatDuration,
  LABEL_MAX,
  displayNames,
  laneName,
  clip,
  middle,
  details,
  shorten,
  endCause,
} from '../../webview/labels';

describe('arrow labels', () => {
  it('labels generator resumes as next()/send(v) and yields with the value repr', () => {
    assert.equal(switchLabel('start', undefined, 'generator'), 'next()');
    // send(None) is what the program wrote; next() sends no value (the runtime leaves `value` out).
    assert.equal(switchLabel('start', 'None', 'generator'), 'send(None)');
    assert.equal(switchLabel('resume', '3', 'generator'), 'send(3)');
    assert.equal(switchLabel('resume', undefined, 'coroutine'), 'next()');
    assert.equal(switchLabel('yield', "'200 OK'"), "yield '200 OK'");
    assert.equal(switchLabel('return', "'200 OK'"), "return '200 OK'");
    assert.equal(switchLabel('throw', "ValueError('stop')"), "throw(ValueError('stop'))");
    assert.equal(switchLabel('close', undefined), 'close()');
  });

  it('labels greenlet, tasklet and event-loop switches by what they wait on', () => {
    assert.equal(switchLabel('switch', '111'), 'switch(111)');
    assert.equal(switchLabel('resume', '111', 'greenlet'), 'switch(111)');
    assert.equal(switchLabel('channel', '2'), 'channel.send(2)');
    assert.equal(switchLabel('channel', undefined), 'channel.receive()');
    assert.equal(switchLabel('sleep', '0.01'), 'sleep 0.01');
    assert.equal(switchLabel('io-wait', 'fd=7 read'), 'recv fd=7');
    assert.equal(switchLabel('io-wait', 'fd=7 write'), 'send fd=7');
    assert.equal(switchLabel('await', 'Future'), 'await Future');
    assert.equal(switchLabel('join', '<Greenlet g1>'), 'join <Greenlet g1>');
    assert.equal(switchLabel('something-new', undefined), 'something-new');
  });

  it('labels the other events, clips long values to one line', () => {
    const s = new TraceStore();
    const long = "'" + 'x'.repeat(500) + "'";
    s.appendText(
      [
        { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
        { type: 'task', ts: 1, id: '2', kind: 'generator', name: 'consumer', parent: '1' },
        { type: 'switch', ts: 2, from: '1', to: '2', reason: 'resume', value: long },
        { type: 'end', ts: 3, task: '2', outcome: 'exception', value: 'ValueError: bad' },
        { type: 'send', ts: 4, task: '1', channel: 'channel#1', value: '2', msg: 1 },
        { type: 'recv', ts: 5, task: '2', channel: 'channel#1', value: '2', msg: 1 },
        { type: 'block', ts: 6, task: '2', on: 'timer', detail: '0.5 s' },
        { type: 'mark', ts: 7, kind: 'loop-blocked', message: 'main held the loop for 300 ms', ms: 300 },
        { type: 'output', ts: 8, task: '1', stream: 'stdout', text: 'two\nlines\n' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    assert.equal(fullLabel(s, 1), 'create consumer');
    assert.equal(fullLabel(s, 2), `send(${long})`);
    assert.equal(label(s, 2).length, LABEL_MAX);
    // Cut in the middle: the tail (where neighbours differ) stays.
    assert.ok(label(s, 2).includes('…') && label(s, 2).endsWith("x')"), label(s, 2));
    assert.equal(label(s, 3), 'raised ValueError: bad');
    assert.equal(label(s, 4), 'channel#1.send(2)');
    assert.equal(label(s, 5), 'channel#1.receive() → 2');
    assert.equal(label(s, 6), 'waits on 0.5 s');
    assert.equal(label(s, 7), '⚠ main held the loop for 300 ms');
    assert.equal(label(s, 8), 'two ⏎ lines');
  });

  it('formats durations for the time axis', () => {
    assert.equal(formatDuration(850), '850 ns');
    assert.equal(formatDuration(7000), '7.0 µs');
    assert.equal(formatDuration(12_345_678), '12.3 ms');
    assert.equal(formatDuration(2e9), '2.000 s');
  });
});

describe('creation rows (issue 16 point 1)', () => {
  it('a task whose site is its first run is never called "create": label, tooltip and details say first run', () => {
    const s = new TraceStore();
    s.appendText(
      [
        { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
        { type: 'task', ts: 1, id: '2', kind: 'generator', name: 'gen', parent: '1', file: '/p/a.py', line: 19, site: 'first-run' },
        { type: 'task', ts: 2, id: '3', kind: 'generator', name: 'counter', parent: '1', file: '/p/a.py', line: 18 },
        { type: 'task', ts: 3, id: '4', kind: 'generator', name: 'made', parent: '1', file: '/p/a.py', line: 20, site: 'create' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    assert.equal(fullLabel(s, 1), 'first run of gen');
    assert.equal(label(s, 1), 'first run of gen');
    const d = details(s, 1).split('\n');
    assert.ok(d.includes('first run by main') && d.includes('first run at: /p/a.py:19'), d.join(' | '));
    assert.ok(!d.some((l) => /creat/.test(l)), d.join(' | '));
    // a site the runtime saw being made (no `site`, or `site: "create"`) is a creation
    assert.equal(fullLabel(s, 2), 'create counter');
    assert.equal(fullLabel(s, 3), 'create made');
    const d3 = details(s, 3).split('\n');
    assert.ok(d3.includes('created by main') && d3.includes('site: /p/a.py:20'), d3.join(' | '));
  });
});

describe('lane display names', () => {
  const task = (id: string, name: string) => JSON.stringify({ type: 'task', ts: 1, id, kind: 'tasklet', name, parent: null });
  it('numbers names shared by several tasks in order of appearance, keeps unique names, and follows new lanes', () => {
    const s = new TraceStore();
    s.appendText([task('1', 'main'), task('2', 'output'), task('3', 'input')].join('\n') + '\n');
    assert.deepEqual(displayNames(s), ['main', 'output', 'input']);
    s.appendText([task('4', 'output'), task('5', 'output')].join('\n') + '\n');
    assert.deepEqual(displayNames(s), ['main', 'output #1', 'input', 'output #2', 'output #3']);
    assert.equal(laneName(s, 3), 'output #2');
    assert.equal(fullLabel(s, 4), 'create output #3');
    assert.equal(s.tasks[3].name, 'output', "the program's name is untouched");
  });
});

describe('values as written, causes in words (issue 17)', () => {
  const store = (events: object[]) => {
    const s = new TraceStore();
    s.appendText(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    return s;
  };
  it("switch(2, 3) from a call's arguments, square(3) for pool calls", () => {
    assert.equal(switchLabel('start', '(2, 3)', 'greenlet', 'main', true), 'switch(2, 3)');
    assert.equal(switchLabel('switch', '(5,)', 'greenlet', 'main', true), 'switch(5)');
    assert.equal(switchLabel('switch', '(2, 3)', 'greenlet', 'main', false), 'switch((2, 3))');
    const s = store([
      { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
      { type: 'task', ts: 1, id: '2', kind: 'thread', name: 'worker', parent: '1' },
      { type: 'send', ts: 2, task: '1', channel: 'ThreadPoolExecutor#1', value: 'square(3)', msg: 1 },
      { type: 'recv', ts: 3, task: '2', channel: 'ThreadPoolExecutor#1', value: 'square(3)', msg: 1 },
      { type: 'send', ts: 4, task: '2', channel: 'ThreadPoolExecutor#1', value: '9', msg: 2 },
      { type: 'recv', ts: 5, task: '1', channel: 'ThreadPoolExecutor#1', value: '9', msg: 2 },
      { type: 'switch', ts: 6, from: '1', to: '2', reason: 'switch', value: '(2, 3)', args: true },
      { type: 'send', ts: 7, task: '1', channel: 'ThreadPoolExecutor#1', value: '<lambda>(4)', msg: 3 },
      { type: 'recv', ts: 8, task: '2', channel: 'ThreadPoolExecutor#1', value: '<lambda>(4)', msg: 3 },
      // a call that raised: the worker sends its exception back (it read `submit KeyError(3)` / `run KeyError(3)`)
      { type: 'send', ts: 9, task: '2', channel: 'ThreadPoolExecutor#1', value: 'KeyError(3)', msg: 4 },
      { type: 'recv', ts: 10, task: '1', channel: 'ThreadPoolExecutor#1', value: 'KeyError(3)', msg: 4 },
    ]);
    assert.deepEqual(
      [2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => label(s, i)),
      [
        'submit square(3)',
        'run square(3)',
        'result 9',
        'got result 9',
        'switch(2, 3)',
        'submit <lambda>(4)',
        'run <lambda>(4)',
        'result KeyError(3)',
        'got result KeyError(3)',
      ],
    );
  });
  it('cuts long labels in the middle, keeping what tells neighbours apart', () => {
    const a = clip('GET: http://127.0.0.1:4434/' + 'p'.repeat(80) + '/slow', 40);
    const b = clip('GET: http://127.0.0.1:4434/' + 'p'.repeat(80) + '/fast', 40);
    assert.equal(a.length, 40);
    assert.notEqual(a, b);
    assert.ok(a.endsWith('/slow') && a.startsWith('GET: http'), a);
    assert.equal(middle('abcdef', 6), 'abcdef');
    assert.equal(middle('abcdefghij', 5), 'ab…ij');
  });
  it('wakes say who woke them and why, by display name, never by id', () => {
    const s = store([
      { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
      { type: 'task', ts: 1, id: '7', kind: 'asyncio-task', name: 'waiter', parent: '1' },
      { type: 'block', ts: 2, task: '7', on: 'event', detail: 'ready', file: '/p.py', line: 5 },
      { type: 'wake', ts: 3, task: '7', on: 'event', detail: 'ready', cause: 'set', by: '1', byFile: '/p.py', byLine: 10 },
      { type: 'wake', ts: 4, task: '7', on: 'task', cause: 'cancel', by: '1', byLine: 19 },
      { type: 'wake', ts: 5, task: '7', on: 'timer', detail: '0.01 s', cause: 'timeout', byLine: 23 },
      { type: 'wake', ts: 6, task: '7', on: 'queue', detail: 'Queue#1' },
      { type: 'end', ts: 7, task: '7', outcome: 'unfinished', file: '/p.py', line: 5, waits: 'event ready' },
    ]);
    assert.equal(label(s, 3), 'woken by main: ready.set() (line 10)');
    // An asyncio queue's waiter says what it called (`queue.get`): the waker's call is on the queue, not on get.
    const q = store([
      { type: 'task', ts: 0, id: '4', kind: 'asyncio-task', name: 'producer', parent: null },
      { type: 'task', ts: 1, id: '5', kind: 'asyncio-task', name: 'consumer', parent: null },
      { type: 'wake', ts: 2, task: '5', on: 'queue', detail: 'queue.get', cause: 'put', by: '4', byLine: 10 },
      { type: 'wake', ts: 3, task: '5', on: 'event', detail: 'ready.wait()', cause: 'set', by: '4', byLine: 11 },
    ]);
    assert.equal(label(q, 2), 'woken by producer: queue.put() (line 10)');
    assert.equal(label(q, 3), 'woken by producer: ready.set() (line 11)');
    assert.equal(label(s, 4), 'cancelled by main (line 19)');
    // (a wait's detail is what it waited on: the sleep the timeout cut short, not the timeout's length)
    assert.equal(label(s, 5), 'timed out during sleep 0.01 s (line 23)');
    // 3.11's wait_for cancels the inner task it made when its timeout fires; 3.12+ times out the awaiting task itself
    const t = store([
      { type: 'task', ts: 0, id: '3', kind: 'asyncio-task', name: 'main', parent: null },
      { type: 'task', ts: 1, id: '8', kind: 'asyncio-task', name: 'slow', parent: '3' },
      { type: 'wake', ts: 2, task: '8', on: 'timer', detail: '10 s', cause: 'timeout', by: '3', byFile: '/p.py', byLine: 54 },
      { type: 'wake', ts: 3, task: '3', on: 'future', detail: 'wait_for', cause: 'timeout', by: '3', byFile: '/p.py', byLine: 54 },
      { type: 'wake', ts: 4, task: '8', on: 'timer', detail: '10 s', cause: 'timeout', by: '3', byFile: '/p.py', byLine: 54, after: 0.02 },
      { type: 'wake', ts: 5, task: '3', on: 'future', detail: 'wait_for', cause: 'timeout', by: '3', byFile: '/p.py', byLine: 54, after: 0.02 },
    ]);
    assert.equal(label(t, 2), "cancelled by main's timeout during sleep 10 s (line 54)");
    assert.equal(label(t, 3), 'timed out in wait_for (line 54)');
    // with the timeout's length (`after`, seconds)
    assert.equal(label(t, 4), "cancelled by main's 0.02 s timeout during sleep 10 s (line 54)");
    assert.equal(label(t, 5), 'timed out after 0.02 s in wait_for (line 54)');
    assert.equal(label(s, 6), 'woken: Queue#1');
    assert.equal(label(s, 7), 'unfinished: paused at line 5 (waiting for event ready)');
    assert.ok(details(s, 3).includes('cause: woken by main: ready.set() (line 10)'));
    for (let i = 0; i < s.length; i++) assert.ok(!/\b7\b.*woken|by 7\b/.test(label(s, i)), label(s, i));
  });
  it('close() reads closed', () => {
    const s = store([
      { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
      { type: 'task', ts: 1, id: '2', kind: 'generator', name: 'consumer', parent: '1' },
      { type: 'end', ts: 2, task: '2', outcome: 'killed', value: 'GeneratorExit' },
    ]);
    assert.equal(label(s, 2), 'closed');
    // the close() call reads close(); the generator's way back to its closer reads closed (it read close() too)
    const c = store([
      { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
      { type: 'task', ts: 1, id: '2', kind: 'generator', name: 'averager', parent: '1' },
      { type: 'switch', ts: 2, from: '1', to: '2', reason: 'close', file: '/p.py', line: 38 },
      { type: 'switch', ts: 3, from: '2', to: '1', reason: 'close', file: '/p.py', line: 11 },
      { type: 'end', ts: 4, task: '2', outcome: 'killed', value: 'GeneratorExit' },
    ]);
    assert.deepEqual([label(c, 2), label(c, 3), label(c, 4)], ['close()', 'closed', 'closed']);
  });
  it('a join woken by the end of what it joined reads as that, not as a pool call (issue 17 words on screen)', () => {
    const s = store([
      { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
      { type: 'task', ts: 1, id: '2', kind: 'process', name: 'Process-1', parent: '1' },
      { type: 'task', ts: 2, id: '3', kind: 'thread', name: 'worker-0', parent: '1' },
      { type: 'wake', ts: 3, task: '1', on: 'queue', detail: 'tasks.join()', cause: 'done', by: '2', byLine: 22 },
      { type: 'wake', ts: 4, task: '1', on: 'thread', detail: 'join worker-0', cause: 'done', by: '3', byLine: 11 },
      { type: 'wake', ts: 5, task: '1', on: 'process', detail: 'join Process-1', cause: 'done', by: '2' },
      { type: 'wake', ts: 6, task: '1', on: 'future', detail: 'get() on Pool#1: task(1)', cause: 'done', by: '2' },
    ]);
    assert.equal(label(s, 3), 'woken by Process-1: tasks.task_done() (line 22)');
    assert.equal(label(s, 4), 'worker-0 finished (line 11)');
    assert.equal(label(s, 5), 'Process-1 finished');
    assert.equal(label(s, 6), 'task(1) done in Process-1');
  });
  it('a stackless channel hand-over and its wake name the channel as the program wrote it (chan.send)', () => {
    const s = store([
      { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
      { type: 'task', ts: 1, id: '2', kind: 'tasklet', name: 'output', parent: '1' },
      { type: 'task', ts: 2, id: '3', kind: 'tasklet', name: 'input', parent: '1' },
      { type: 'block', ts: 3, task: '2', on: 'channel', detail: 'chan', file: '/p.py', line: 22 },
      { type: 'switch', ts: 4, from: '3', to: '2', reason: 'channel', value: "'http://x/a'", file: '/p.py', line: 30 },
      { type: 'wake', ts: 5, task: '2', on: 'channel', detail: 'chan', cause: 'send', by: '3', byLine: 30 },
      { type: 'switch', ts: 6, from: '3', to: '1', reason: 'channel', value: '1' },
    ]);
    assert.equal(label(s, 4), "chan.send('http://x/a')");
    assert.equal(label(s, 5), 'woken by input: chan.send() (line 30)');
    // (no channel wait to name it: the words of older traces)
    assert.equal(label(s, 6), 'channel.send(1)');
  });
  it('a value shortened inside its longest string keeps the rest of a tuple whole (the page number stays)', () => {
    const within = (n: number) => (t: string) => t.length <= n;
    const pages = [1, 2].map((k) => shorten(`results.get() → ('http://example.com/page/${k}', 2500)`, within(40)));
    assert.deepEqual(pages, ["results.get() → ('http:/…/page/1', 2500)", "results.get() → ('http:/…/page/2', 2500)"]);
  });
  it('a killed or cancelled end says who did it and where (its `by`, else the cancel wake before it)', () => {
    const s = store([
      { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
      { type: 'task', ts: 1, id: '2', kind: 'greenlet', name: 'worker', parent: '1' },
      { type: 'end', ts: 2, task: '2', outcome: 'killed', value: 'GreenletExit()', by: '1', byFile: '/p.py', byLine: 17 },
      { type: 'task', ts: 3, id: '3', kind: 'asyncio-task', name: 'early', parent: '1' },
      { type: 'end', ts: 4, task: '3', outcome: 'cancelled', value: 'CancelledError', by: '1', byLine: 12 },
      { type: 'task', ts: 5, id: '4', kind: 'asyncio-task', name: 'sleeper', parent: '1' },
      { type: 'wake', ts: 6, task: '4', on: 'timer', cause: 'cancel', by: '1', byLine: 15 },
      { type: 'end', ts: 7, task: '4', outcome: 'cancelled', value: 'CancelledError' },
      { type: 'task', ts: 8, id: '5', kind: 'greenlet', name: 'other', parent: '1' },
      { type: 'end', ts: 9, task: '5', outcome: 'killed', value: 'GreenletExit()' },
      { type: 'task', ts: 10, id: '6', kind: 'asyncio-task', name: 'timed', parent: '1' },
      { type: 'wake', ts: 11, task: '6', on: 'timer', cause: 'timer' },
      { type: 'end', ts: 12, task: '6', outcome: 'cancelled', value: 'CancelledError' },
    ]);
    assert.equal(label(s, 2), 'killed by main (line 17)');
    assert.equal(label(s, 4), 'cancelled by main (line 12)');
    assert.equal(label(s, 7), 'cancelled by main (line 15)');
    assert.equal(label(s, 9), 'killed (GreenletExit())');
    assert.equal(label(s, 12), 'cancelled');
    // The end's own `by` draws its connector; one a wake already drew is not drawn again (`wake` ≥ 0).
    assert.deepEqual(endCause(s, 2), { lane: 0, line: 17, file: '/p.py', wake: -1 });
    assert.equal(endCause(s, 7)?.wake, 6);
    assert.equal(endCause(s, 12), undefined);
    // Short of room: the line goes first, then the name is cut between its words, then the verb alone.
    const within = (n: number) => (t: string) => t.length <= n;
    assert.equal(shorten('killed by main (line 17)', within(20)), 'killed by main');
    assert.equal(shorten('cancelled by task main() (line 12)', within(22), ['task main()', 'worker']), 'cancelled by …main()');
    assert.equal(shorten('killed by main (line 17)', within(10)), 'killed');
    // A wait in a call keeps the call's name; its arguments are cut (it read `waits on j…'w2'))`)
    const joinall = "waits on joinall(boss(<Queue object>, <Event object>), worker(<Queue object>, <Event object>, 'w2'))";
    const cut = shorten(joinall, within(34));
    assert.ok(cut.startsWith('waits on joinall(') && cut.endsWith("'w2'))") && cut.length <= 34, cut);
    assert.equal(shorten(joinall, within(19)), 'waits on joinall(…)');
  });
});

describe('display names (issue 17)', () => {
  it('the main thread and the main() task read as what they are; same-kind twins are numbered', () => {
    const s = new TraceStore();
    s.appendText(
      [
        { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
        { type: 'task', ts: 1, id: '2', kind: 'event-loop', name: 'event loop', parent: '1' },
        { type: 'task', ts: 2, id: '3', kind: 'asyncio-task', name: 'main', parent: '1' },
        { type: 'task', ts: 3, id: '4', kind: 'asyncio-task', name: 'worker', parent: '3' },
        { type: 'task', ts: 4, id: '5', kind: 'asyncio-task', name: 'worker', parent: '3' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    assert.deepEqual(displayNames(s), ['main thread', 'event loop', 'task main()', 'worker #1', 'worker #2']);
  });
});

describe('shortening keeps what distinguishes a label (issue 17)', () => {
  // A width budget in characters stands for the pixels the canvas measures.
  const within = (n: number) => (t: string) => t.length <= n;
  it('a creation keeps its verb and cuts the name only between words, where the rest still names one lane', () => {
    const names = ['main', 'event loop', 'fetch #1', 'fetch #2', 'fetch #12', 'worker #3', 'worker #13'];
    // never through a word (`create even…loop`); the longest form that fits, the tail first when equal
    assert.equal(shorten('create event loop', within(16), names), 'create event…');
    assert.equal(shorten('create event loop', within(12), names), 'create …loop');
    assert.equal(shorten('create event loop', within(11), names), '');
    // `fetch…` would name three lanes: the number that tells them apart stays
    assert.equal(shorten('create fetch #12', within(14), names), 'create …#12');
    assert.equal(shorten('create fetch #12', within(10), names), '');
    assert.equal(shorten('first run of worker #13', within(20), names), 'first run of …#13');
    // a name unique by its start may lose its number
    assert.equal(shorten('create worker #3', within(13), ['worker #3', 'main']), 'create …#3');
    for (const n of [8, 10, 12, 13, 14, 16, 20]) {
      for (const name of names) {
        const out = shorten(`create ${name}`, within(n), names);
        if (!out) continue;
        assert.ok(out.startsWith('create '), out);
        if (!out.includes('…')) {
          assert.equal(out, `create ${name}`);
          continue;
        }
        const [h, t] = out.slice('create '.length).split('…');
        const hits = names.filter((x) => x.startsWith(h) && x.endsWith(t ?? ''));
        assert.deepEqual(hits, [name], `${n}: ${out} names ${hits.join(', ')}`);
        // cut only between words: what is kept is whole tokens of the name
        for (const part of [h, t ?? ''])
          assert.ok(
            part === '' ||
              name.split(/(?<=[A-Za-z])(?=[^A-Za-z])|(?<=\d)(?=\D)|(?<=[^A-Za-z\d])|(?=[^A-Za-z\d])/).some(
                (_, k, a) =>
                  a.slice(k).join('').trimStart() === part ||
                  a
                    .slice(0, k + 1)
                    .join('')
                    .trimEnd() === part,
              ),
            `${out}: ${part} is not whole words`,
          );
      }
    }
  });
  it('an unfinished end keeps `unfinished` and its line whole; what it waits for goes first', () => {
    const u = 'unfinished: paused at line 12 (waiting for event ready)';
    assert.equal(shorten(u, within(u.length)), u);
    assert.equal(shorten(u, within(50)), 'unfinished: paused at line 12 (waiting for event…)');
    assert.equal(shorten(u, within(40)), 'unfinished: paused at line 12');
    assert.equal(shorten('unfinished: paused at line 12', within(20)), 'unfinished');
    assert.equal(shorten(u, within(9)), '');
  });
  it("a pool worker's result wakes as the call done in the worker, not as the worker finished", () => {
    const s = new TraceStore();
    const evs = [
      { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
      { type: 'task', ts: 1, id: '9:1', kind: 'process', name: 'ForkProcess-1', parent: '1' },
      { type: 'task', ts: 2, id: '3', kind: 'asyncio-task', name: 'fetch', parent: '1' },
      { type: 'wake', ts: 3, task: '1', on: 'future', detail: 'as_completed: task(1)', cause: 'done', by: '9:1' },
      { type: 'wake', ts: 4, task: '1', on: 'future', detail: 'gather', cause: 'done', by: '3', byLine: 7 },
    ];
    s.appendText(evs.map((e) => JSON.stringify(e)).join('\n') + '\n');
    assert.equal(label(s, 3), 'task(1) done in ForkProcess-1');
    assert.equal(label(s, 4), 'fetch finished (line 7)');
  });
  it('a cause keeps who woke the task: its line goes first, then the call is cut at its end', () => {
    const w = 'woken by producer: queue.put() (line 10)';
    assert.equal(shorten(w, within(40)), w);
    assert.equal(shorten(w, within(35)), 'woken by producer: queue.put()');
    assert.equal(shorten(w, within(26)), 'woken by producer: queue.…');
    assert.equal(shorten(w, within(19)), 'woken by producer');
    assert.equal(shorten(w, within(12)), '');
    assert.equal(shorten('cancelled by task main() (line 19)', within(25)), 'cancelled by task main()');
    for (let n = 1; n < 42; n++) {
      const out = shorten(w, within(n));
      assert.ok(out === '' || out.startsWith('woken by producer'), `${n}: ${out}`);
    }
  });
  it("an exception inside a value keeps its type when the value is cut (a gather's results)", () => {
    const v = `[[], RuntimeError('x'), [${Array.from({ length: 30 }, (_, k) => k).join(', ')}], [0, 1, 2, 3]]`;
    for (let n = 24; n <= 70; n++) {
      const out = shorten(`step ${v}`, within(n));
      assert.ok(out.length <= n, `${n}: ${out}`);
      assert.ok(out.startsWith(n >= 30 ? 'step [' : 'step '), out);
      assert.ok(out.includes('RuntimeError'), `${n}: ${JSON.stringify(out)} lost the exception's type`);
      assert.ok(out.endsWith('3]]'), `${n}: ${out} lost the tail`);
    }
    assert.equal(shorten(`step ${v}`, within(40)), "step [[], RuntimeError('x')…0, 1, 2, 3]]");
    // with no verb, and with the exception near the end (where the plain middle cut would go through it)
    assert.ok(shorten(`q: ${v}`, within(30)).includes('RuntimeError'));
    const late = `[${'1, '.repeat(40)}ValueError('late')]`;
    assert.ok(shorten(`step ${late}`, within(30)).includes("ValueError('late')"));
  });
  it("an exception's type stays whole, its message is cut at its end: repr and old `Type: message` forms", () => {
    assert.equal(shorten("raised RuntimeError('bad fetch')", within(29)), "raised RuntimeError('bad f…')");
    assert.equal(shorten('raised RuntimeError: bad fetch', within(26)), 'raised RuntimeError: bad…');
    assert.equal(shorten("raise ValueError('stop now')", within(24)), "raise ValueError('sto…')");
    assert.equal(shorten("throw(ValueError('stop now'))", within(25)), "throw(ValueError('sto…'))");
    // a dotted type and a message that is not a string
    assert.equal(shorten('raised concurrent.futures.TimeoutError(2, 3)', within(42)), 'raised concurrent.futures.TimeoutError(2…)');
    // no room for a letter of the message: the verb and the type with `…`; then the type alone; then nothing
    assert.equal(shorten("raised RuntimeError('bad fetch')", within(24)), "raised RuntimeError('…')");
    assert.equal(shorten("raised RuntimeError('bad fetch')", within(20)), 'RuntimeError(…)');
    assert.equal(shorten('raised RuntimeError: bad fetch', within(20)), 'RuntimeError');
    assert.equal(shorten("raised RuntimeError('bad fetch')", within(10)), '');
    // whatever the budget, the type is never cut
    for (let n = 1; n < 40; n++) {
      for (const text of ["raised RuntimeError('bad fetch')", 'raised RuntimeError: bad fetch', "got result KeyError('k')"]) {
        const out = shorten(text, within(n));
        assert.ok(out.length <= n, `${n}: ${out}`);
        assert.ok(out === '' || /RuntimeError|KeyError/.test(out), `${n}: ${JSON.stringify(out)} lost the type`);
      }
    }
  });
  it('a value is cut in the middle after its verb; clip and label follow the same rule', () => {
    const v = `'${'a'.repeat(50)}/slow'`;
    const out = shorten(`return ${v}`, within(30));
    assert.ok(out.startsWith("return 'a") && out.endsWith("/slow'") && out.length === 30, out);
    assert.equal(clip(`raised RuntimeError('${'m'.repeat(200)}')`, 40), `raised RuntimeError('${'m'.repeat(16)}…')`);
    const s = new TraceStore();
    s.appendText(
      [
        { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
        { type: 'task', ts: 1, id: '2', kind: 'asyncio-task', name: 'fetch', parent: '1' },
        { type: 'end', ts: 2, task: '2', outcome: 'exception', value: `RuntimeError('${'x'.repeat(200)}')` },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    assert.ok(label(s, 2).startsWith("raised RuntimeError('xxx") && label(s, 2).endsWith("…')"), label(s, 2));
    assert.equal(label(s, 2).length, LABEL_MAX);
  });
});

describe('a delegate returning within its lane (issue 17)', () => {
  const store = (named: boolean) => {
    const s = new TraceStore();
    s.appendText(
      [
        { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
        { type: 'task', ts: 1, id: '2', kind: 'generator', name: 'outer', parent: '1' },
        { type: 'switch', ts: 2, from: '1', to: '2', reason: 'start', depth: 2, frame: 'leaf' },
        { type: 'switch', ts: 3, from: '2', to: '2', reason: 'return', value: 'None', depth: 1, frame: 'inner', ...(named ? { delegate: 'leaf' } : {}) },
        { type: 'switch', ts: 4, from: '2', to: '2', reason: 'return', value: "'numbers done'", ...(named ? { delegate: 'inner' } : {}) },
        { type: 'switch', ts: 5, from: '2', to: '1', reason: 'return', value: 'None' },
        // a delegate that never yielded: an older trace cannot name it
        { type: 'switch', ts: 6, from: '1', to: '2', reason: 'resume' },
        { type: 'switch', ts: 7, from: '2', to: '2', reason: 'return', value: '5', ...(named ? { delegate: 'quick' } : {}) },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    return s;
  };
  it('says who returned what to whom; the lane itself returning stays `return`', () => {
    const s = store(true);
    assert.equal(label(s, 3), 'leaf returned None to inner');
    assert.equal(label(s, 4), "inner returned 'numbers done' to outer");
    assert.equal(label(s, 5), 'return None');
    assert.equal(label(s, 7), 'quick returned 5 to outer');
    const d = details(s, 4).split('\n');
    assert.ok(
      d.some((l) => l.startsWith('inner → outer') && l.includes('goes on running')),
      d.join(' | '),
    );
    assert.ok(!d.some((l) => l.startsWith('outer → outer')), d.join(' | '));
  });
  it('older traces without `delegate`: named from the frame the lane last ran one level deeper', () => {
    const s = store(false);
    assert.equal(label(s, 3), 'leaf returned None to inner');
    assert.equal(label(s, 4), "inner returned 'numbers done' to outer");
    assert.equal(label(s, 7), 'a delegate returned 5 to outer');
  });
  it('shortened, the names stay whole and the value is cut', () => {
    const within = (n: number) => (t: string) => t.length <= n;
    assert.equal(shorten("inner returned 'numbers done' to outer", within(30)), "inner returned 'n…ne' to outer");
    assert.equal(shorten("inner returned 'numbers done' to outer", within(20)), 'inner returned …');
  });
});
