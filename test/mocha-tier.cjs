// Runs one mocha tier in this process and prints its counts as a marker line
// the tier runner reads: `@@coroscope-counts {"passed":N,"failed":M}`.
// Usage: node test/mocha-tier.cjs DIR [--grep PATTERN]
const Mocha = require('mocha');
const { readdirSync, statSync, existsSync } = require('node:fs');
const { join, resolve } = require('node:path');

function findTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return findTests(p);
      return name.endsWith('.test.js') ? [p] : [];
    })
    .sort();
}

const args = process.argv.slice(2);
const dir = resolve(args[0]);
const grepAt = args.indexOf('--grep');
const mocha = new Mocha({ timeout: 120000, reporter: 'spec', color: process.stdout.isTTY });
if (grepAt >= 0) mocha.grep(args[grepAt + 1]);
const files = findTests(dir);
for (const f of files) mocha.addFile(f);
const runner = mocha.run((failures) => {
  const passed = runner.stats ? runner.stats.passes : 0;
  const failed = runner.stats ? runner.stats.failures : failures;
  console.log(`@@coroscope-counts ${JSON.stringify({ passed, failed })}`);
  process.exitCode = failed > 0 ? 1 : 0;
  // Tiers that leave handles open (browsers, servers) must not hang the run.
  setTimeout(() => process.exit(process.exitCode), 2000).unref();
});
if (files.length === 0) console.log(`no tests under ${dir}`);
