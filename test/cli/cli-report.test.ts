import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { inlineCodiconFont, pageWindow, scriptJson, writeHtmlReport } from '../../cli/report-html';
import { importColumnBlocks } from '../../trace/column-block';
import { jsonlChunks } from '../../trace/jsonl';
import { TraceStore } from '../../trace/store';
import { cli, parseMermaid, root, tempDir, traces, validatePerfetto } from '../unit/cli-helpers';
import { fixtureStore } from '../unit/helpers';

const ASSETS = { webviewJs: 'void 0;', bootJs: 'void 1;', webviewCss: '', codiconCss: '' };

/** The gzip blocks of a written report, inflated and joined. */
function embedded(html: string): { text: string; blocks: number } {
  const blocks = [...html.matchAll(/<script type="application\/x-coroscope-gzip" nonce="[^"]*">([^<]*)<\/script>/g)].map((m) => m[1]);
  return { text: blocks.map((b) => gunzipSync(Buffer.from(b, 'base64')).toString('utf8')).join(''), blocks: blocks.length };
}

describe('cli/report-html.ts (the report page, written as a stream)', () => {
  it('embeds the trace in many small gzip blocks that join to its JSON Lines', () => {
    const store = fixtureStore('cli-hostile.jsonl');
    const file = join(tempDir('report-blocks'), 'r.html');
    writeHtmlReport(file, store, { title: 't', nonce: 'n0nce', blockText: 200 }, ASSETS);
    const { text, blocks } = embedded(readFileSync(file, 'utf8'));
    assert.ok(blocks > 3, `${blocks} blocks`);
    assert.equal(text, [...jsonlChunks(store)].join(''));
  });

  it('inlines the codicon font and keeps the title out of markup and script', () => {
    const css = inlineCodiconFont('@font-face { src: url("./codicon.ttf?abc") format("truetype"); }', 'AAAA');
    assert.equal(css, '@font-face { src: url("data:font/ttf;base64,AAAA") format("truetype"); }');
    const file = join(tempDir('report-title'), 'r.html');
    writeHtmlReport(file, fixtureStore('cli-pingpong.jsonl'), { title: '</script><b>x</b>\u2028', nonce: 'n0nce' }, ASSETS);
    const html = readFileSync(file, 'utf8');
    assert.ok(!html.includes('</script><b>'), 'no raw title');
    assert.match(html, /<title>&lt;\/script&gt;&lt;b&gt;x&lt;\/b&gt;\u2028<\/title>/);
    assert.ok(html.includes(scriptJson({ title: '</script><b>x</b>\u2028', exitCode: 0 })), 'the config block escapes < and U+2028');
    assert.ok(!scriptJson('</script>\u2028').includes('<'));
  });

  it('keeps a window of a trace too big for a tab, and says which', () => {
    assert.equal(pageWindow(100, undefined, undefined, 100), undefined);
    const w = pageWindow(1000, undefined, undefined, 100)!;
    assert.deepEqual(w.ranges, [
      [0, 50],
      [950, 1000],
    ]);
    assert.match(w.note, /first 50 and the last 50 of 1,000 events/);
    const r = pageWindow(1000, 10, 20, 100)!;
    assert.deepEqual(r.ranges, [[10, 20]]);
    assert.match(r.note, /events 10–19 of 1,000/);
    assert.deepEqual(pageWindow(1000, 900, undefined, 50)!.ranges, [[900, 950]], 'a range asked for is cut to what a page holds');
    assert.equal(pageWindow(1000, 0, 5000, 2000), undefined, 'the whole trace asked for');
  });

  it('a windowed page holds the events of its ranges and every lane declaration', () => {
    const store = fixtureStore('cli-pingpong.jsonl');
    const file = join(tempDir('report-window'), 'r.html');
    writeHtmlReport(file, store, { title: 't', window: { ranges: [[20, 22]], note: 'part' } }, ASSETS);
    const lines = embedded(readFileSync(file, 'utf8'))
      .text.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    const tasks = [...Array(store.length).keys()].filter((i) => store.type(i) === 'task').length;
    assert.equal(lines[0].type, 'header');
    assert.equal(lines.filter((l) => l.type === 'task').length, tasks);
    assert.equal(lines.length, 1 + tasks + [20, 21].filter((i) => store.type(i) !== 'task').length);
  });
});

describe('coroscope report (dist/cli.js)', function () {
  this.timeout(60_000);

  it('writes HTML, Perfetto and Mermaid from a saved trace, and they validate', async () => {
    const dir = tempDir('report');
    const r = await cli([
      'report',
      join(traces, 'cli-pingpong.jsonl'),
      '--html',
      join(dir, 'r.html'),
      '--perfetto',
      join(dir, 'r.json'),
      '--mermaid',
      join(dir, 'r.mmd'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'report writes nothing to stdout');
    const doc = validatePerfetto(readFileSync(join(dir, 'r.json'), 'utf8'));
    // one flow per switch (10) and one for the queue transfer worker-1 → main
    assert.equal(doc.traceEvents.filter((e) => e.ph === 's' && e.cat === 'switch').length, 10);
    assert.equal(doc.traceEvents.filter((e) => e.ph === 's' && e.cat === 'transfer').length, 1);
    const mmd = readFileSync(join(dir, 'r.mmd'), 'utf8');
    await parseMermaid(mmd);
    assert.match(mmd, /t0->>t1: resume 2/);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;/);
    assert.doesNotMatch(html, /(src|href)="(https?:|\/\/)/, 'nothing loaded from the network');
    assert.doesNotMatch(html, /url\(["']?(?!data:)[^)]*\.ttf/, 'the font is inlined');
    assert.match(html, /DecompressionStream\(["']gzip["']\)/);
    assert.match(r.stderr, /wrote .*r\.html \(24 events, 3 tasks/);
  });

  it('embeds a whole trace as column blocks that read back as the trace (the JSON Lines with COROSCOPE_REPORT_EMBED=jsonl)', async () => {
    const dir = tempDir('report-columns');
    for (const name of ['cli-hostile.jsonl', 'lens-runtime-asyncio.jsonl']) {
      const r = await cli(['report', join(traces, name), '--html', join(dir, 'c.html')]);
      assert.equal(r.code, 0, r.stderr);
      const html = readFileSync(join(dir, 'c.html'), 'utf8');
      assert.doesNotMatch(html, /<script type="application\/x-coroscope-gzip"/, 'no JSON Lines blocks');
      const blocks = [...html.matchAll(/<script type="application\/x-coroscope-columns" nonce="[^"]*">([^<]*)<\/script>/g)].map((m) =>
        gunzipSync(Buffer.from(m[1], 'base64')),
      );
      assert.ok(blocks.length > 0);
      const store = new TraceStore();
      for (const b of blocks) importColumnBlocks(store, b);
      const want = fixtureStore(name);
      assert.equal(store.length, want.length);
      assert.deepEqual([...jsonlChunks(store)].join(''), [...jsonlChunks(want)].join(''), `${name}: the embedded trace reads back whole`);
      const j = await cli(['report', join(traces, name), '--html', join(dir, 'j.html')], { env: { COROSCOPE_REPORT_EMBED: 'jsonl' } });
      assert.equal(j.code, 0, j.stderr);
      assert.equal(embedded(readFileSync(join(dir, 'j.html'), 'utf8')).text, readFileSync(join(traces, name), 'utf8'), "the file's own lines");
    }
  });

  it('with no output flag writes coroscope-<trace>.html in the current folder and says where', async () => {
    const dir = tempDir('report-default');
    const r = await cli(['report', join(traces, 'cli-pingpong.jsonl')], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const expected = join(dir, 'coroscope-cli-pingpong.html');
    assert.ok(existsSync(expected));
    assert.ok(r.stderr.includes(expected), r.stderr);
  });

  it('reports malformed lines by number and keeps going with the valid ones', async () => {
    const dir = tempDir('report-bad');
    const r = await cli(['report', join(traces, 'cli-bad-lines.jsonl'), '--mermaid', join(dir, 'm.mmd')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /cli-bad-lines\.jsonl:3: not JSON/);
    assert.match(r.stderr, /cli-bad-lines\.jsonl:5: switch: needs from, to, reason/);
    assert.match(r.stderr, /cli-bad-lines\.jsonl:7: not JSON/);
    const mmd = readFileSync(join(dir, 'm.mmd'), 'utf8');
    await parseMermaid(mmd);
    assert.match(mmd, /t0->>t1: start\nt1-->>t0: yield ''/);
  });

  it('refuses a trace of another schema version, naming both versions', async () => {
    const dir = tempDir('report-schema');
    const r = await cli(['report', join(traces, 'cli-schema2.jsonl'), '--html', join(dir, 'x.html')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /trace schema 2, this coroscope reads schema 1/);
    assert.ok(!existsSync(join(dir, 'x.html')));
  });

  it('fails clearly on a file with nothing valid, a missing file, a folder', async () => {
    const g = await cli(['report', join(traces, 'cli-garbage.jsonl'), '--html', join(tempDir('g'), 'x.html')]);
    assert.notEqual(g.code, 0);
    assert.match(g.stderr, /cli-garbage\.jsonl:1: not JSON/);
    assert.match(g.stderr, /coroscope: error: .*cli-garbage\.jsonl: no valid trace events/);
    const m = await cli(['report', 'no/such/trace.jsonl']);
    assert.notEqual(m.code, 0);
    assert.match(m.stderr, /coroscope: error: trace file not found: no\/such\/trace\.jsonl/);
    const d = await cli(['report', traces]);
    assert.notEqual(d.code, 0);
    assert.match(d.stderr, /not a file/);
  });

  it('rejects unknown flags, unknown commands and missing arguments with usage help', async () => {
    const f = await cli(['report', '--bogus', join(traces, 'cli-pingpong.jsonl')]);
    assert.equal(f.code, 2);
    assert.match(f.stderr, /coroscope: error: unknown option '--bogus'/);
    assert.match(f.stderr, /coroscope report --help/);
    const c = await cli(['frobnicate']);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /unknown command 'frobnicate'/);
    const a = await cli(['report']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /missing required argument 'trace'/);
    const none = await cli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: coroscope/);
  });

  it('--version and --help', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const v = await cli(['--version']);
    assert.equal(v.code, 0);
    assert.equal(v.stdout.trim(), pkg.version);
    const h = await cli(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /run \[options\] \[script\] \[args\.\.\.\]/);
    assert.match(h.stdout, /report \[options\] <trace>/);
    const rh = await cli(['run', '--help']);
    assert.equal(rh.code, 0);
    for (const flag of ['--python', '--trace', '--html', '--perfetto', '--mermaid']) assert.ok(rh.stdout.includes(flag), flag);
  });
});
