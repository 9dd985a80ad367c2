import * as assert from 'node:assert/strict';
import { validateEvent, SCHEMA_VERSION } from '../../protocol/events';
import { isHostMessage, isWebviewMessage } from '../../protocol/messages';
import { isTestHostMessage, isTestWebviewMessage } from '../../protocol/test-messages';
import { diagramPage } from '../../webview/page';

describe('protocol: trace event validation', () => {
  it('accepts every documented event type', () => {
    const ok = [
      { type: 'header', schema: SCHEMA_VERSION, ts: 1 },
      { type: 'task', ts: 1, id: '1', kind: 'main', name: 'main', parent: null },
      { type: 'switch', ts: 2, from: '1', to: '2', reason: 'resume', value: '1', file: '/a.py', line: 3, depth: 0 },
      { type: 'end', ts: 3, task: '2', outcome: 'return', value: "'200 OK'" },
      { type: 'block', ts: 4, task: '2', on: 'fd', detail: 'fd=7 read' },
      { type: 'wake', ts: 5, task: '2', on: 'fd' },
      { type: 'send', ts: 6, task: '2', channel: 'channel#1', value: '2', msg: 1 },
      { type: 'recv', ts: 7, task: '3', channel: 'channel#1', value: '2', msg: 1 },
      { type: 'output', ts: 8, task: '3', stream: 'stdout', text: 'hi\n' },
      { type: 'mark', ts: 9, kind: 'loop-blocked', message: 'blocked 300 ms', ms: 300 },
      { type: 'finish', ts: 10, exitCode: 0, dropped: 0 },
    ];
    for (const e of ok) assert.equal(typeof validateEvent(e), 'object', JSON.stringify(e));
  });

  it('explains what is wrong with a malformed event', () => {
    assert.match(validateEvent({ type: 'switch', ts: 1, from: '1' }) as string, /switch: needs from, to, reason/);
    assert.match(validateEvent({ type: 'task', id: '1' }) as string, /missing numeric "ts"/);
    assert.match(validateEvent([1, 2]) as string, /not an object/);
    assert.match(validateEvent({ type: 'output', ts: 1, task: '1', stream: 'tty', text: '' }) as string, /output/);
    assert.match(validateEvent({ type: 'frobnicate', ts: 1 }) as string, /unknown event type "frobnicate"/);
  });
});

describe('protocol: host and webview messages', () => {
  it('validates messages in both directions', () => {
    assert.ok(isHostMessage({ type: 'appendBytes', bytes: new Uint8Array([123, 125, 10]) }));
    assert.ok(!isHostMessage({ type: 'appendBytes', bytes: '{}\n' }));
    assert.ok(!isHostMessage({ type: 'eval', code: 'x' }));
    assert.ok(isWebviewMessage({ type: 'reveal', file: '/a.py', line: 3, index: 0 }));
    assert.ok(!isWebviewMessage({ type: 'reveal', file: '/a.py' }));
    assert.ok(!isWebviewMessage(null));
  });

  it('validates the paging messages (a window of a huge run, and the page asking for a range)', () => {
    const overview = { binNs: 1024, bins: 2, total: [3, 4], lanes: [{ lane: 0, id: '1', name: 'main', counts: [3, 4] }], more: 0 };
    assert.ok(isHostMessage({ type: 'page', base: 100, prelude: 3, total: 1000, follow: false, overview }));
    assert.ok(isHostMessage({ type: 'page', base: 0, prelude: 0, total: 0, follow: true, overview: null }));
    assert.ok(!isHostMessage({ type: 'page', base: -1, prelude: 0, total: 10, follow: true, overview: null }));
    assert.ok(!isHostMessage({ type: 'page', base: 1, prelude: 0, total: 10, follow: true }));
    assert.ok(!isHostMessage({ type: 'page', base: 1, prelude: 0, total: 10, follow: true, overview: { ...overview, lanes: [{ lane: 0 }] } }));
    assert.ok(isHostMessage({ type: 'pageTotal', total: 5, overview: null }) && !isHostMessage({ type: 'pageTotal', total: 1.5, overview: null }));
    assert.ok(isWebviewMessage({ type: 'wantRange', from: 10, to: 20 }));
    assert.ok(!isWebviewMessage({ type: 'wantRange', from: 20, to: 10 }) && !isWebviewMessage({ type: 'wantRange', from: '1', to: 2 }));
  });

  it('keeps the test-only messages out of the product protocol, and validates them apart', () => {
    assert.ok(!isHostMessage({ type: 'test.append', chunk: '{}\n' }) && !isHostMessage({ type: 'test.query' }));
    assert.ok(!isHostMessage({ type: 'append', chunk: '{}\n' }) && !isHostMessage({ type: 'query' }));
    assert.ok(!isWebviewMessage({ type: 'test.summary', summary: {} }) && !isWebviewMessage({ type: 'summary', summary: {} }));
    assert.ok(isTestHostMessage({ type: 'test.append', chunk: '{}\n' }) && isTestHostMessage({ type: 'test.query' }));
    assert.ok(!isTestHostMessage({ type: 'test.append', chunk: 3 }) && !isTestHostMessage({ type: 'reset', title: '', live: false }));
    assert.ok(isTestWebviewMessage({ type: 'test.summary', summary: {} }) && !isTestWebviewMessage({ type: 'test.summary' }));
  });
});

describe('diagram page shell', () => {
  it('has a strict CSP and escapes every interpolated string', () => {
    const html = diagramPage({ title: '<script>alert(1)</script>', nonce: 'abc', scriptUri: 'x" onload="y', inlineScript: 'a("</script><b>")' });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1].replace(/&#39;/g, "'");
    assert.match(csp ?? '', /^default-src 'none'; script-src 'nonce-abc'/);
    assert.ok(!html.includes('<script>alert(1)'), 'title is escaped');
    assert.ok(html.includes('src="x&quot; onload=&quot;y"'), 'attribute is escaped');
    assert.equal(html.match(/<\/script>/g)?.length, 2, 'inlined code cannot close its script element');
    assert.ok(!/unsafe-(inline|eval)/.test(html));
  });
});
