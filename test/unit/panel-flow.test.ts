// Flow control of the bytes the panel posts to its page (extension/panel/flow.ts, issue 19 part 2): a post waits while
// `limit` bytes are in flight (posted, not yet taken by the page), the page's running count releases it, and a fresh
// page (or none) releases whoever waits. The real page's acknowledgement and the catch-up from the trace file are
// covered in VS Code (test/integration/flow.test.ts).
import * as assert from 'node:assert/strict';
import { PageFlow } from '../../extension/panel/flow';

describe('PageFlow: the bytes in flight to the page are bounded', () => {
  it('has room below the limit, waits above it, and goes on when the page has taken enough', async () => {
    const f = new PageFlow(100);
    assert.ok(f.hasRoom);
    f.sent(60);
    assert.ok(f.hasRoom, '60 of 100 in flight');
    f.sent(60);
    assert.equal(f.inFlight, 120);
    assert.ok(!f.hasRoom, 'a piece may overshoot the limit once; then nothing more goes');
    let went = false;
    const waiting = f.room().then(() => {
      went = true;
    });
    f.received(10);
    await Promise.resolve();
    assert.ok(!went, 'still over the limit');
    assert.equal(f.inFlight, 110);
    f.received(60);
    await waiting;
    assert.ok(went);
    assert.equal(f.inFlight, 60);
    assert.equal(f.maxInFlight, 120);
  });

  it('takes the page running count: an old or lost acknowledgement is covered by the next, never over what was posted', () => {
    const f = new PageFlow(100);
    f.sent(50);
    f.received(40);
    f.received(30); // late, out of order
    assert.equal(f.inFlight, 10);
    f.received(500); // a count from an earlier page instance: at most what this one was sent
    assert.equal(f.inFlight, 0);
    f.received(Number.NaN);
    assert.equal(f.inFlight, 0);
  });

  it('a fresh page releases the waiters with nothing in flight', async () => {
    const f = new PageFlow(10);
    f.sent(50);
    const waits = [f.room(), f.room()];
    f.reset();
    await Promise.all(waits);
    assert.equal(f.inFlight, 0);
    assert.ok(f.hasRoom);
  });
});

describe('PageFlow.hold (tests: a page that does not keep up)', () => {
  it('keeps the page counts while held and applies the last one when released', async () => {
    const f = new PageFlow(10);
    f.hold(true);
    f.sent(30);
    f.received(20);
    f.received(30);
    assert.equal(f.inFlight, 30, 'nothing applied while held');
    let went = false;
    const waiting = f.room().then(() => {
      went = true;
    });
    await Promise.resolve();
    assert.ok(!went);
    f.hold(false);
    await waiting;
    assert.equal(f.inFlight, 0);
  });
});
