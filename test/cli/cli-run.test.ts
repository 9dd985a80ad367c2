import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cli, cliJs, exec, fakeRuntime, parseMermaid, root, scripts, tempDir, validatePerfetto } from '../unit/cli-helpers';

const fake = { COROSCOPE_RUNTIME: fakeRuntime };
const exit3 = join(scripts, 'exit3.py');

/**
 * `coroscope ARGS` (ending in wait_for_sigint.py) detached, so the CLI and the script get their own process group
 * like a terminal's foreground job; SIGINT to that group once the script prints `waiting`. It must end as
 * interrupted (130).
 */
async function runInterrupted(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
  let sent = false;
  const r = await cli(args, {
    ...opts,
    detached: true,
    onStdout: (out, pid) => {
      if (!sent && out.includes('waiting\n')) {
        sent = true;
        process.kill(-pid, 'SIGINT');
      }
    },
  });
  assert.ok(sent);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stdout, /waiting\ninterrupted\n/);
  return r;
}

describe('coroscope run (dist/cli.js)', function () {
  this.timeout(120_000);

  describe('with a stand-in runtime (test/fixtures/cli/fake-runtime)', () => {
    it('passes the script its stdin, args (options after SCRIPT included), stdout, stderr and exit code unchanged', async () => {
      const dir = tempDir('run-pass');
      const plain = await exec('python3', [exit3, 'a', '--html', 'b'], { cwd: dir, input: 'typed input\n' });
      const r = await cli(['run', exit3, 'a', '--html', 'b'], { cwd: dir, input: 'typed input\n', env: fake });
      assert.equal(plain.code, 3);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout, plain.stdout);
      assert.equal(r.stdout, "hello from the script ['a', '--html', 'b']\nstdin said: typed input\n");
      assert.ok(r.stderr.startsWith('to stderr\n'), r.stderr);
      // --html after SCRIPT was the script's: the default report was written, no file "b".
      assert.deepEqual(readdirSync(dir), ['coroscope-exit3.html']);
      assert.match(r.stderr, new RegExp(`coroscope: wrote ${join(dir, 'coroscope-exit3.html').replace(/[.]/g, '\\.')} \\(\\d+ events, 2 tasks`));
    });

    it('takes options before SCRIPT as its own, and -- ends them', async () => {
      const dir = tempDir('run-opts');
      const r = await cli(['run', '--trace', 't.jsonl', '--mermaid', 'm.mmd', '--perfetto', 'p.json', '--', exit3, '--trace', 'x'], { cwd: dir, env: fake });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stdout, /hello from the script \['--trace', 'x'\]/);
      assert.deepEqual(readdirSync(dir).sort(), ['m.mmd', 'p.json', 't.jsonl'], 'no default HTML when an output is named');
      const lines = readFileSync(join(dir, 't.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; text?: string });
      assert.equal(lines[0].type, 'header');
      assert.equal(lines[lines.length - 1].type, 'finish');
      const printed = lines
        .filter((l) => l.type === 'output')
        .map((l) => l.text)
        .join('');
      assert.ok(printed.includes('stdin said: \n'), printed);
      await parseMermaid(readFileSync(join(dir, 'm.mmd'), 'utf8'));
      validatePerfetto(readFileSync(join(dir, 'p.json'), 'utf8'));
    });

    it('merges every runtime connection into one trace, the first header winning', async () => {
      const dir = tempDir('run-merge');
      const r = await cli(['run', '--trace', 't.jsonl', '--perfetto', 'p.json', exit3], { cwd: dir, env: { ...fake, FAKE_CHILD: '1' } });
      assert.equal(r.code, 3, r.stderr);
      const lines = readFileSync(join(dir, 't.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; id?: string; pid?: number });
      assert.equal(lines.filter((l) => l.type === 'header').length, 1);
      assert.notEqual(lines[0].pid, 4242, "the parent's header is first");
      assert.ok(
        lines.some((l) => l.type === 'task' && l.id === '4242:1'),
        "the child's lane is in",
      );
      const doc = validatePerfetto(readFileSync(join(dir, 'p.json'), 'utf8'));
      assert.ok(doc.traceEvents.some((e) => e.ph === 'M' && e.name === 'process_name' && e.pid === 4242));
    });

    it('Ctrl+C reaches the script, which ends as interrupted (exit 130), and coroscope still writes the trace', async () => {
      const dir = tempDir('run-int');
      const r = await runInterrupted(['run', '--mermaid', 'm.mmd', join(scripts, 'wait_for_sigint.py')], { cwd: dir, env: fake });
      assert.match(r.stderr, /KeyboardInterrupt/);
      const mmd = readFileSync(join(dir, 'm.mmd'), 'utf8');
      await parseMermaid(mmd);
      assert.match(mmd, /t0->>t1: resume 0/);
    });

    it('passes SIGTERM sent to coroscope alone on to the script (exit 143) and still writes the trace', async () => {
      const dir = tempDir('run-term');
      let sent = false;
      const r = await cli(['run', '--trace', 't.jsonl', join(scripts, 'wait_for_sigint.py')], {
        cwd: dir,
        env: fake,
        onStdout: (out, pid) => {
          if (!sent && out.includes('waiting\n')) {
            sent = true;
            process.kill(pid, 'SIGTERM');
          }
        },
      });
      assert.ok(sent);
      assert.equal(r.code, 143, r.stderr);
      const lines = readFileSync(join(dir, 't.jsonl'), 'utf8').trim().split('\n');
      assert.equal((JSON.parse(lines[0]) as { type: string }).type, 'header');
    });

    it('shows a progress line on a terminal, in a reserved bottom row, and releases it (not with --no-progress)', async function () {
      if (!existsSync('/usr/bin/script')) this.skip();
      const dir = tempDir('run-tty');
      const run = (extra: string) =>
        exec(
          '/usr/bin/script',
          [
            '-qec',
            `stty rows 24 cols 100; COROSCOPE_RUNTIME=${fakeRuntime} ${process.execPath} ${join(root, 'dist/cli.js')} run ${extra} --mermaid m.mmd ${join(scripts, 'quiet_then_print.py')}`,
            '/dev/null',
          ],
          { cwd: dir },
        );
      const shown = await run('');
      assert.equal(shown.code, 0, shown.stdout);
      assert.match(shown.stdout, /\x1b\[1;23r/, 'scroll region above the bottom row');
      assert.match(shown.stdout, /\x1b\[24;1H\x1b\[2K\x1b\[2mcoroscope: quiet_then_print\.py · \d[\d,]* events · 2 tasks · \d+\.\d s/);
      assert.match(shown.stdout, /after the quiet part/);
      const release = shown.stdout.lastIndexOf('\x1b[r');
      assert.ok(release > shown.stdout.lastIndexOf('coroscope: quiet_then_print.py'), 'region reset after the last draw');
      const quiet = await run('--no-progress');
      assert.equal(quiet.code, 0);
      assert.doesNotMatch(quiet.stdout, /\x1b\[1;23r|events · /);
    });

    it('explains a missing script, a Python that cannot run, a Python too old, a bad flag', async () => {
      const dir = tempDir('run-bad');
      const missing = await cli(['run', 'nope.py'], { cwd: dir, env: fake });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /coroscope: error: script not found: nope\.py/);
      const nopy = await cli(['run', '--python', '/no/such/python', exit3], { cwd: dir, env: fake });
      assert.equal(nopy.code, 2);
      assert.match(nopy.stderr, /the Python given by --python \/no\/such\/python could not be run: not found/);
      const old = join(dir, 'python2.7');
      writeFileSync(old, '#!/bin/sh\necho 2.7.18\n');
      chmodSync(old, 0o755);
      const tooOld = await cli(['run', exit3], { cwd: dir, env: { ...fake, COROSCOPE_PYTHON: old } });
      assert.equal(tooOld.code, 2);
      assert.match(tooOld.stderr, /\$COROSCOPE_PYTHON .* is 2\.7\.18; coroscope needs Python 3\.9 or newer/);
      const flag = await cli(['run', '--htm', 'x.html', exit3], { cwd: dir, env: fake });
      assert.equal(flag.code, 2);
      assert.match(flag.stderr, /coroscope: error: unknown option '--htm'/);
      assert.deepEqual(readdirSync(dir), ['python2.7'], 'nothing written on errors');
    });
  });

  describe('with the real runtime on the seed examples', () => {
    const examples = existsSync(join(root, 'examples'))
      ? readdirSync(join(root, 'examples'))
          .filter((f) => f.endsWith('.py'))
          .sort()
      : [];

    it("the README's `npm run demo` gives coroscope its options and the example none (options after SCRIPT are the script's)", () => {
      const demo = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.demo;
      const words = demo.slice(demo.indexOf('dist/cli.js run ') + 'dist/cli.js run '.length).split(/\s+/);
      const script = words.findIndex((w, i) => !w.startsWith('-') && (i === 0 || !words[i - 1].startsWith('--')));
      assert.equal(words[script], 'examples/producer_consumer.py', demo);
      assert.deepEqual(words.slice(script + 1), [], `nothing after the script: ${demo}`);
      assert.equal(words[words.indexOf('--html') + 1], 'coroscope-producer_consumer.html', 'the page the README names');
      assert.match(readFileSync(join(root, 'README.md'), 'utf8'), /npm run demo .*writes coroscope-producer_consumer\.html/);
    });

    it('has the runtime and the producer/consumer example to run', () => {
      assert.ok(existsSync(join(root, 'runtime/coroscope/__main__.py')), 'runtime/coroscope');
      assert.ok(examples.includes('producer_consumer.py'), 'examples/producer_consumer.py');
    });

    it('producer_consumer.py: output unchanged; Perfetto, Mermaid and the trace show send(1..5) and 200 OK', async () => {
      const dir = tempDir('run-pc');
      const script = join(root, 'examples/producer_consumer.py');
      const plain = await exec('python3', [script], { cwd: dir });
      const r = await cli(['run', '--trace', 't.jsonl', '--perfetto', 'p.json', '--mermaid', 'm.mmd', '--html', 'r.html', script], { cwd: dir });
      assert.equal(r.code, plain.code, r.stderr);
      assert.equal(r.stdout, plain.stdout);
      const mmd = readFileSync(join(dir, 'm.mmd'), 'utf8');
      await parseMermaid(mmd);
      for (let n = 1; n <= 5; n++) assert.match(mmd, new RegExp(`->>t\\d+: resume ${n}\\n`));
      assert.match(mmd, /-->>t\d+: yield '200 OK'/);
      const doc = validatePerfetto(readFileSync(join(dir, 'p.json'), 'utf8'));
      assert.ok(doc.traceEvents.some((e) => e.ph === 's' && e.name === 'resume 3'));
      assert.ok(existsSync(join(dir, 'r.html')));
    });

    it('a script that prints, reads stdin and exits 3 behaves exactly as under plain Python', async () => {
      const dir = tempDir('run-real-exit');
      const plain = await exec('python3', [exit3, 'x', '-v'], { cwd: dir, input: 'hi\n' });
      const r = await cli(['run', '--mermaid', 'm.mmd', exit3, 'x', '-v'], { cwd: dir, input: 'hi\n' });
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout, plain.stdout);
      assert.ok(r.stderr.startsWith(plain.stderr), r.stderr);
    });

    it('signals the shell ignored (nohup, trap "" INT) stay ignored in the script and its children, as under plain Python', async () => {
      // Node resets ignored signals when it starts: the command's shell line reads them first (cli/shell-signals.ts).
      const dir = tempDir('run-sigign');
      const script = join(scripts, 'ignored_signals.py');
      const env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
      const inShell = (cmd: string) => exec('sh', ['-c', `trap "" HUP INT; exec ${cmd}`], { cwd: dir, env });
      const plain = await inShell(`python3 ${script}`);
      const r = await inShell(`${cliJs} run --no-progress --trace t.jsonl ${script}`);
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, plain.stdout);
      assert.match(
        r.stdout,
        /^SIGHUP (1|Handlers\.SIG_IGN) SIGINT (1|Handlers\.SIG_IGN)\nsurvived SIGHUP and SIGINT\na child sees \['SigIgn:', '0+3', '0'\]\n$/,
      );
      assert.match(readFileSync(join(dir, 't.jsonl'), 'utf8'), /"type":"finish"/);
    });

    it('Ctrl+C ends the script as interrupted (130) and the trace is still written', async () => {
      const dir = tempDir('run-real-int');
      await runInterrupted(['run', '--trace', 't.jsonl', join(scripts, 'wait_for_sigint.py')], { cwd: dir });
      const lines = readFileSync(join(dir, 't.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string });
      assert.equal(lines[0].type, 'header');
      assert.ok(
        lines.some((l) => l.type === 'output'),
        'the prints are in the trace',
      );
    });

    it('-m MODULE, a folder and a zipapp run as python runs them (argv, sys.path[0], __main__ spec, traceback)', async () => {
      const dir = tempDir('run-module');
      const app = join(dir, 'app');
      mkdirSync(join(dir, 'pkg'));
      mkdirSync(app);
      const body = 'import sys\nprint(sys.argv, sys.path[0], __spec__.name, __name__)\ndef g():\n    yield 1\nprint(list(g()))\nraise ValueError("x")\n';
      writeFileSync(join(dir, 'pkg', '__init__.py'), '');
      writeFileSync(join(dir, 'pkg', 'mod.py'), body);
      writeFileSync(join(app, '__main__.py'), body);
      assert.equal((await exec('python3', ['-m', 'zipapp', 'app', '-o', 'app.pyz'], { cwd: dir })).code, 0);
      for (const target of [['-m', 'pkg.mod'], ['app'], ['app.pyz']]) {
        const plain = await exec('python3', [...target, '--trace', 'x'], { cwd: dir });
        const r = await cli(['run', '--no-progress', '--trace', 't.jsonl', ...target, '--trace', 'x'], { cwd: dir });
        assert.equal(r.code, plain.code, `${target.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, plain.stdout, target.join(' '));
        assert.ok(r.stderr.startsWith(plain.stderr), `${target.join(' ')}: ${r.stderr}`);
        const lines = readFileSync(join(dir, 't.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { type: string });
        assert.ok(
          lines.some((l) => l.type === 'switch'),
          `${target.join(' ')}: the generator is traced`,
        );
      }
    });

    it('on a terminal, the input() prompt is in the trace as an unfinished line (the progress line waits for it)', async function () {
      if (!existsSync('/usr/bin/script')) this.skip();
      const dir = tempDir('run-prompt');
      const r = await exec(
        '/usr/bin/script',
        ['-qec', `${process.execPath} ${join(root, 'dist/cli.js')} run --trace t.jsonl ${join(scripts, 'ask_name.py')}`, '/dev/null'],
        { cwd: dir, input: 'Ada\n' },
      );
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /hello Ada/);
      const outputs = readFileSync(join(dir, 't.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; text?: string })
        .filter((l) => l.type === 'output')
        .map((l) => l.text);
      assert.ok(outputs.includes('name? '), JSON.stringify(outputs));
    });

    for (const ex of examples) {
      it(`${ex}: runs to exit 0; Perfetto and Mermaid validate`, async () => {
        const dir = tempDir('run-ex');
        const script = join(root, 'examples', ex);
        // Debian's Python has greenlet and gevent, which some seed examples need
        // (the stackless ones run only on the runtime, which provides `stackless`).
        const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
        const r = await cli(['run', '--python', py, '--perfetto', 'p.json', '--mermaid', 'm.mmd', script], { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        await parseMermaid(readFileSync(join(dir, 'm.mmd'), 'utf8'));
        const doc = validatePerfetto(readFileSync(join(dir, 'p.json'), 'utf8'));
        assert.ok(
          doc.traceEvents.some((e) => e.ph === 'M' && e.name === 'thread_name'),
          'at least one lane',
        );
      });
    }
  });
});
