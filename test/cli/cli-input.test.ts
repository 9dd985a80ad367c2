// Bad input and output paths for `coroscope report` and `coroscope run` (issue 19): each problem is one line on
// stderr with a documented exit code (docs/cli.md), control characters escaped; gzip, a UTF-8 BOM and UTF-16
// are read; outputs that cannot be written are refused before a trace is read or a script starts.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cli, fakeRuntime, tempDir, traces } from '../unit/cli-helpers';

const pingpong = readFileSync(join(traces, 'cli-pingpong.jsonl'), 'utf8');
/** coroscope's own lines on stderr. */
const ours = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('coroscope:'));

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) {
    const t = le[i];
    le[i] = le[i + 1];
    le[i + 1] = t;
  }
  return le;
}

describe('coroscope report: what the input file is', function () {
  this.timeout(60_000);
  let want: string;

  before(async () => {
    const dir = tempDir('input-plain');
    const r = await cli(['report', join(traces, 'cli-pingpong.jsonl'), '--mermaid', join(dir, 'm.mmd')]);
    assert.equal(r.code, 0, r.stderr);
    want = readFileSync(join(dir, 'm.mmd'), 'utf8');
  });

  const encodings: [string, Buffer][] = [
    ['gzip', gzipSync(Buffer.from(pingpong))],
    ['UTF-8 with a byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pingpong)])],
    ['UTF-16LE with a byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pingpong, 'utf16le')])],
    ['UTF-16BE with a byte order mark', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(pingpong)])],
    ['UTF-16LE without a byte order mark', Buffer.from(pingpong, 'utf16le')],
    ['gzip of UTF-8 with a byte order mark', gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pingpong)]))],
  ];
  for (const [name, bytes] of encodings) {
    it(`reads ${name} as the same trace, header included`, async () => {
      const dir = tempDir('input-enc');
      writeFileSync(join(dir, 't.jsonl'), bytes);
      const r = await cli(['report', join(dir, 't.jsonl'), '--mermaid', join(dir, 'm.mmd')]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /warning/, 'no bad line, no missing header');
      assert.equal(readFileSync(join(dir, 'm.mmd'), 'utf8'), want);
    });
  }

  it('names an archive or binary data in one line (exit 1) instead of reporting lines', async () => {
    const dir = tempDir('input-zip');
    writeFileSync(join(dir, 'a.zip'), Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)]));
    writeFileSync(join(dir, 'b.bin'), Buffer.from([1, 2, 0, 0, 0, 5, 9, 9]));
    const z = await cli(['report', join(dir, 'a.zip'), '--html', join(dir, 'x.html')]);
    assert.equal(z.code, 1);
    assert.deepEqual(ours(z.stderr), [
      `coroscope: error: ${join(dir, 'a.zip')} is a zip archive, not a JSON Lines trace; unpack it first (coroscope reads plain or gzip-compressed JSON Lines)`,
    ]);
    const b = await cli(['report', join(dir, 'b.bin'), '--html', join(dir, 'x.html')]);
    assert.equal(b.code, 1);
    assert.equal(ours(b.stderr).length, 1);
    assert.match(b.stderr, /holds binary data/);
    assert.ok(!existsSync(join(dir, 'x.html')));
  });

  it('shows control characters of bad lines escaped, never raw', async () => {
    const dir = tempDir('input-esc');
    const lines = pingpong.split('\n');
    lines.splice(3, 0, '\x1b[31mred\x1b]0;title\x07 \x9b2J');
    writeFileSync(join(dir, 't.jsonl'), lines.join('\n'));
    const r = await cli(['report', join(dir, 't.jsonl'), '--mermaid', join(dir, 'm.mmd')]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, 'no raw control character reaches the terminal');
    assert.match(r.stderr, /t\.jsonl:4: not JSON: .*\\x1b/);
  });

  it('a header whose schema is the string "1" gets one clear message (exit 1)', async () => {
    const dir = tempDir('input-schema');
    writeFileSync(join(dir, 't.jsonl'), pingpong.replace('"schema": 1', '"schema": "1"'));
    const r = await cli(['report', join(dir, 't.jsonl'), '--html', join(dir, 'x.html')]);
    assert.equal(r.code, 1);
    assert.deepEqual(ours(r.stderr), [
      `coroscope: error: ${join(dir, 't.jsonl')}: the trace header has schema "1" (a string, not a number); this coroscope reads schema 1`,
    ]);
    assert.ok(!existsSync(join(dir, 'x.html')));
  });

  it('a trace with no valid event writes nothing and exits 1: empty, header only, all bad', async () => {
    const dir = tempDir('input-none');
    writeFileSync(join(dir, 'empty.jsonl'), '');
    writeFileSync(join(dir, 'header.jsonl'), pingpong.split('\n')[0] + '\n');
    writeFileSync(join(dir, 'bad.jsonl'), 'x\ny\n');
    for (const [f, why] of [
      ['empty.jsonl', /empty file, no trace events/],
      ['header.jsonl', /no valid trace events \(a header only\)/],
      ['bad.jsonl', /no valid trace events \(2 bad lines\)/],
    ] as const) {
      const r = await cli(['report', join(dir, f), '--html', join(dir, 'x.html')]);
      assert.equal(r.code, 1, f);
      assert.match(r.stderr, why);
      assert.ok(!existsSync(join(dir, 'x.html')), f);
    }
  });

  it('says how many events the runtime dropped, and that the trace was truncated', async () => {
    const dir = tempDir('input-drops');
    const lines = pingpong.trim().split('\n');
    lines.splice(
      lines.length - 1,
      1,
      '{"type":"mark","ts":1000010900,"kind":"truncated","message":"trace stopped at 2 GB"}',
      '{"type":"finish","ts":1000011000,"exitCode":0,"dropped":89157}',
    );
    writeFileSync(join(dir, 't.jsonl'), lines.join('\n') + '\n');
    const r = await cli(['report', join(dir, 't.jsonl'), '--mermaid', join(dir, 'm.mmd')]);
    assert.equal(r.code, 0, r.stderr);
    const mine = ours(r.stderr);
    assert.ok(mine.includes('coroscope: 25 events, 3 tasks'), r.stderr);
    assert.ok(
      mine.some((l) => /^coroscope: warning: 89,157 events dropped by the runtime .*the trace is incomplete$/.test(l)),
      r.stderr,
    );
    assert.ok(mine.includes('coroscope: warning: trace truncated: trace stopped at 2 GB'), r.stderr);
    assert.ok(mine.includes(`coroscope: wrote ${join(dir, 'm.mmd')} (Mermaid sequenceDiagram, 12 arrows and notes for 10 switches)`), r.stderr);
  });
});

describe('coroscope: outputs checked before anything runs', function () {
  this.timeout(60_000);

  it('report refuses a folder, a missing folder, an unwritable place and one file named twice (exit 2)', async () => {
    const dir = tempDir('out-check');
    mkdirSync(join(dir, 'folder'));
    const trace = join(traces, 'cli-pingpong.jsonl');
    const cases: [string[], RegExp][] = [
      [['--html', join(dir, 'folder')], /cannot write --html .*folder: it is a folder; give a file name/],
      [['--perfetto', join(dir, 'nope', 'p.json')], /cannot write --perfetto .*p\.json: the folder .*nope does not exist/],
      [['--mermaid', '/sys/coroscope-test.mmd'], /cannot write --mermaid \/sys\/coroscope-test\.mmd: permission denied/],
      [['--html', join(dir, 'x'), '--mermaid', join(dir, 'x')], /--html and --mermaid name the same file/],
    ];
    for (const [args, why] of cases) {
      const r = await cli(['report', trace, ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(ours(r.stderr).length, 1, r.stderr);
      assert.match(r.stderr, why);
    }
    assert.ok(!existsSync(join(dir, 'x')));
  });

  it('run refuses an output that cannot be written before the script starts', async () => {
    const dir = tempDir('out-run');
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'touch.py'), `open(${JSON.stringify(join(dir, 'ran'))}, 'w').close()\n`);
    for (const args of [
      ['--html', join(dir, 'folder')],
      ['--trace', '/sys/t.jsonl'],
      ['--python', join(dir, 'no-python')],
    ]) {
      const r = await cli(['run', ...args, join(dir, 'touch.py')], { env: { COROSCOPE_RUNTIME: fakeRuntime } });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(ours(r.stderr).length, 1, r.stderr);
      assert.ok(!existsSync(join(dir, 'ran')), `the script did not start (${args.join(' ')})`);
    }
  });

  it('run: the summary starts on its own line after an unfinished last line, with absolute paths', async () => {
    const dir = tempDir('out-summary');
    writeFileSync(join(dir, 'half.py'), 'import sys\nsys.stderr.write("no newline at the end")\n');
    const r = await cli(['run', '--trace', 't.jsonl', '--mermaid', 'm.mmd', join(dir, 'half.py')], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no newline at the end\ncoroscope: \d+ events?, \d+ tasks?\n/);
    assert.match(r.stderr, new RegExp(`\ncoroscope: wrote ${join(dir, 't.jsonl').replace(/[.]/g, '\\.')} \\(JSON Lines trace, \\d+ events\\)\n`));
    assert.match(r.stderr, new RegExp(`\ncoroscope: wrote ${join(dir, 'm.mmd').replace(/[.]/g, '\\.')} \\(Mermaid`));
  });
});
