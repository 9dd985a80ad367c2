// Mocha entry run INSIDE the VS Code extension host (code-server here, or
// desktop VS Code through @vscode/test-electron: see test/integration/electron.mjs).
// Counts go out as one marker line the launcher reads.
import * as path from 'node:path';
import * as fs from 'node:fs';
import Mocha from 'mocha';

/** The tests; with `bench`, the benchmarks (`*.bench.js`, run only by a grep starting "bench:") too. */
function findTests(dir: string, bench = false): string[] {
  return fs
    .readdirSync(dir)
    .flatMap((name) => {
      const p = path.join(dir, name);
      if (fs.statSync(p).isDirectory()) return findTests(p, bench);
      return name.endsWith('.test.js') || (bench && name.endsWith('.bench.js')) ? [p] : [];
    })
    .sort();
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 180000, color: false, reporter: 'spec' });
  const grep = process.env.COROSCOPE_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const f of findTests(__dirname, grep?.startsWith('bench:') === true)) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passed = runner.stats?.passes ?? 0;
      const failed = runner.stats?.failures ?? failures;
      console.log(`@@coroscope-counts ${JSON.stringify({ passed, failed })}`);
      if (failed > 0) reject(new Error(`${failed} integration test(s) failed`));
      else resolve();
    });
  });
}
