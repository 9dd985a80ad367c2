// Issue 17 (words): a queue transfer traced by the real runtime is drawn, and listed in the table, as the program
// wrote it: `q.put(5)`, `q.get() → 5`, `aq.put_nowait(2)`, not `q.send(5)` / `q.receive() → 5`.
import * as assert from 'node:assert/strict';
import { TraceStore } from '../../trace/store';
import { type Diagram, exportPages, traceProgram, unxml, withDiagram } from './harness';

describe('diagram: transfers read as written (issue 17)', function () {
  this.timeout(180_000);
  let d: Diagram;
  withDiagram({ width: 1400, height: 800 }, (opened) => {
    d = opened;
  });

  it('queue.Queue, asyncio.Queue and multiprocessing Queue: drawn labels and table rows name the call', async () => {
    const text = traceProgram('test/fixtures/python/words17/ops_queues.py');
    const store = new TraceStore();
    store.appendText(text);
    store.end();
    await d.load(text, { title: 'ops_queues.py', events: store.length });
    const drawn = new Set<string>();
    for (const svg of await exportPages(d.page, 'steps'))
      for (const m of svg.matchAll(/<text[^>]*class="[^"]*cs-label[^"]*"[^>]*>([^<]*)<\/text>/g)) drawn.add(unxml(m[1]!));
    const want = [
      'q.put(5)',
      'q.put_nowait(6)',
      'q.get() → 5',
      'q.get_nowait() → 6',
      'aq.put(1)',
      'aq.put_nowait(2)',
      'aq.get() → 1',
      'mq.put(7)',
      'mq.get() → 7',
    ];
    for (const w of want) assert.ok(drawn.has(w), `drawn: ${w} in ${JSON.stringify([...drawn])}`);
    assert.ok(![...drawn].some((l) => /\.(send|receive)\(/.test(l)), 'no generic send/receive words');
    const rows = (await d.tableRows()).map((r) => r[4]);
    for (const w of want) assert.ok(rows.includes(w), `table: ${w} in ${JSON.stringify(rows)}`);
  });
});
