// `npm test`: provision, build, then run every tier and sum the counts.
// `npm test -- unit e2e` runs only the named tiers; `--grep PATTERN` filters tests.
// Each tier prints `<tier>: N passed, N failed`; the last line is the total.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { provision, root } from './provision.mjs';

// `types` and `lint` are lists of checks, each one pass or one failure, run on the sources (no build); the others
// report mocha counts. `unit` needs only Node; `cli` runs real processes (dist/cli.js, python3 with the runtime).
const TIERS = {
  types: {
    checks: [
      ['node', ['node_modules/typescript/bin/tsc', '-b']], // every room's tsconfig, in dependency order
      ['node', ['scripts/check-imports.mjs']], // no import cycles (TypeScript, Python), packages per room
    ],
  },
  lint: {
    checks: [
      ['node', ['node_modules/@biomejs/biome/bin/biome', 'lint', '--reporter=summary', '.']],
      ['node', ['node_modules/@biomejs/biome/bin/biome', 'format', '--reporter=summary', '.']],
      ['node', ['scripts/ruff.mjs', 'check']],
      ['node', ['scripts/ruff.mjs', 'format', '--check']],
    ],
  },
  unit: ['node', ['test/mocha-tier.cjs', 'out/test/unit']],
  cli: ['node', ['test/mocha-tier.cjs', 'out/test/cli']],
  runtime: ['node', ['test/mocha-tier.cjs', 'out/test/runtime']],
  integration: ['node', ['test/integration/launch.mjs']],
  e2e: ['node', ['test/mocha-tier.cjs', 'out/test/e2e']],
};

const argv = process.argv.slice(2);
const grepAt = argv.indexOf('--grep');
const grep = grepAt >= 0 ? argv.splice(grepAt, 2)[1] : undefined;
const unknown = argv.filter((t) => !(t in TIERS));
if (unknown.length) {
  console.error(`unknown tier(s): ${unknown.join(', ')}; tiers are ${Object.keys(TIERS).join(', ')}`);
  process.exit(2);
}
const tiers = argv.length ? argv : Object.keys(TIERS);

function run(cmd, args) {
  return new Promise((resolve) => {
    let counts;
    let buf = '';
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^@@coroscope-counts (\{.*\})\s*$/.exec(line);
        if (m) counts = JSON.parse(m[1]);
        else process.stdout.write(line + '\n');
      }
    });
    child.on('close', (code) => resolve({ code, counts }));
  });
}

// Every test's temporary folder (traces, browser profiles, sockets) goes under one folder of this run, removed when
// it ends: tests that keep their folders for a failure's evidence would otherwise fill the disk over many runs.
// The Python roots' staging folders (test/runtime/harness.ts, differential.ts) are named for this checkout and folder.
const scratch = mkdtempSync(join(tmpdir(), 'coroscope-tests-'));
process.env.TMPDIR = scratch;
// (this run's own tag for them, which the tests read: harness.ts STAGE_TAG; not a COROSCOPE_ name, which the runtime
// takes out of the program's environment and a test asserts its children lack)
const tag = basename(scratch)
  .slice('coroscope-tests-'.length)
  .replace(/[^A-Za-z0-9]/g, '_');
process.env.CORO_TESTS_STAGE_TAG = tag;
function tidy() {
  rmSync(scratch, { recursive: true, force: true });
  // (differential.ts stages at the same path on this machine for the interpreters outside a root)
  for (const sys of ['/', join(root, '.tools', 'trixie'), join(root, '.tools', 'testing')])
    for (const stage of ['coroscope-test', 'coroscope-diff']) rmSync(join(sys, 'tmp', `${stage}-${tag}`), { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    tidy();
    process.exit(130);
  });

const total = { passed: 0, failed: 0 };
const lines = [];
if (!provision(tiers)) {
  console.log('0 passed, 1 failed');
  tidy();
  process.exit(1);
}
const build = tiers.every((t) => TIERS[t].checks) ? { code: 0 } : await run('node', ['scripts/build.mjs']);
if (build.code !== 0) {
  console.log('build failed');
  console.log('0 passed, 1 failed');
  tidy();
  process.exit(1);
}
for (const tier of tiers) {
  console.log(`\n===== ${tier} =====`);
  let r;
  if (TIERS[tier].checks) {
    r = { code: 0, counts: { passed: 0, failed: 0 } };
    for (const [cmd, args] of TIERS[tier].checks) {
      const one = await run(cmd, args);
      if (one.code === 0) r.counts.passed++;
      else {
        r.counts.failed++;
        r.code = one.code;
        console.log(`${tier}: FAILED ${[cmd, ...args].join(' ')}`);
      }
    }
  } else {
    const [cmd, args] = TIERS[tier];
    r = await run(cmd, grep ? [...args, '--grep', grep] : args);
  }
  // A tier that died without reporting counts is one failure, never a pass.
  const c = r.counts ?? { passed: 0, failed: 1 };
  if (!r.counts) console.log(`${tier}: crashed (exit ${r.code}) before reporting its results`);
  if (r.counts && r.code !== 0 && c.failed === 0) c.failed = 1;
  total.passed += c.passed;
  total.failed += c.failed;
  const line = `${tier}: ${c.passed} passed, ${c.failed} failed`;
  lines.push(line);
  console.log(line);
}
console.log('\n' + lines.join('\n'));
console.log(`${total.passed} passed, ${total.failed} failed`);
tidy();
process.exit(total.failed ? 1 : 0);
