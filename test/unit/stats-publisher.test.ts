import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import type { CoroscopeBus } from '../../extension/bus';
import { StatsPublisher } from '../../extension/run/stats-publisher';
import type { StatsParams } from '../../protocol/lsp';
import { TraceStore } from '../../trace/store';
import { ROOT } from './lens-helpers';

// A run's store lets each batch's rows go once the stats builder and the panel have read them (releaseRows). The
// run's state changes more than once after it ends: the final stats must be published once, from what was built
// batch by batch, and never rebuilt from rows that are gone (that logged "could not compute per-line stats" at the
// end of every run).
describe('StatsPublisher on a run whose rows are let go', () => {
  it('publishes the final stats once, with the counts of every batch, and logs no failure', () => {
    const published: StatsParams[] = [];
    const warnings: string[] = [];
    const bus = { publishStats: (s: StatsParams) => published.push(s) } as unknown as CoroscopeBus;
    const log = { warn: (m: string) => warnings.push(m) } as unknown as vscode.LogOutputChannel;
    const stats = new StatsPublisher(bus, log);
    // A producer/consumer trace made long enough (100k resumes and yields) that whole column chunks are let go.
    const text = readFileSync(join(ROOT, 'test/fixtures/traces', 'lens-runtime-producer-consumer.jsonl'), 'utf8');
    const head = text.split('\n').filter(Boolean).slice(0, 5);
    const f = '/work/main/examples/producer_consumer.py';
    const lines = [...head];
    for (let k = 0, ts = 623344440257; k < 50_000; k++, ts += 20) {
      lines.push(`{"type":"switch","ts":${ts},"from":"1","to":"2","reason":"resume","value":"${k}","file":"${f}","line":23,"toFile":"${f}","toLine":10}`);
      lines.push(`{"type":"switch","ts":${ts + 10},"from":"2","to":"1","reason":"yield","value":"'ok'","file":"${f}","line":10,"toFile":"${f}","toLine":23}`);
    }

    // The whole trace at once, kept: what the lens must say.
    const whole = new TraceStore();
    whole.appendText(`${lines.join('\n')}\n`);
    whole.end();
    const expected = new StatsPublisher({ publishStats: (s: StatsParams) => published.push(s) } as unknown as CoroscopeBus, log);
    expected.publish(whole, 'whole', false);
    const want = published.pop()!;

    // The run: batches of 997 lines, each read by the builder and then let go, as session/core.ts does.
    const store = new TraceStore();
    for (let i = 0; i < lines.length; i += 997) {
      store.appendText(`${lines.slice(i, i + 997).join('\n')}\n`);
      stats.publishLive(store, 'run');
      store.releaseBefore(store.length);
    }
    store.end();
    stats.publish(store, 'run', false); // the core's end state
    stats.publish(store, 'run', false); // the session's report of it
    stats.dispose();
    assert.deepEqual(warnings, []);
    const finals = published.filter((s) => !s.live);
    assert.equal(finals.length, 1, 'one final publication');
    assert.ok(store.released > 0, `rows were let go (${store.length} rows, ${store.problemCount} problems, first kept ${store.released})`);
    assert.deepEqual({ ...finals[0]!, runId: 'whole' }, want);
  });
});
