// A wake caused by a signal reads the signal the trace names (issue 16: Ctrl+C's SIGINT), never the wait's detail.
import * as assert from 'node:assert/strict';
import { TraceStore } from '../../trace/store';
import { label } from '../../webview/labels';

function store(events: object[]): TraceStore {
  const s = new TraceStore();
  s.appendText(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return s;
}

describe('signal wakes in words (issue 16)', () => {
  it('names the signal, and the handler line when there is one', () => {
    const s = store([
      { type: 'task', ts: 0, id: '1', kind: 'main', name: 'main', parent: null },
      { type: 'wake', ts: 1, task: '1', on: 'timer', detail: '30 s', cause: 'signal', signal: 'SIGINT' },
      { type: 'wake', ts: 2, task: '1', on: 'event', detail: 'ready.wait', cause: 'signal', signal: 'SIGUSR1', byFile: '/p.py', byLine: 11 },
      { type: 'wake', ts: 3, task: '1', on: 'timer', detail: '30 s', cause: 'signal' },
    ]);
    assert.equal(label(s, 1), 'woken by SIGINT');
    assert.equal(label(s, 2), 'woken by SIGUSR1 (line 11)');
    assert.equal(label(s, 3), 'woken by a signal');
  });
});
