import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { root } from '../provision.mjs';
import { CHROMIUM_ARGS, installVsix, prepareWorkspace, startCodeServer } from './code-server.mjs';

// A folder per run: engineers (and CI) may run the tier concurrently.
const work = join(root, '.test-work', `integration-${process.pid}`);
const grepAt = process.argv.indexOf('--grep');
const grep = grepAt >= 0 ? process.argv[grepAt + 1] : process.env.COROSCOPE_TEST_GREP;

// The workbench logs its own offline complaints (no marketplace, no GitHub); keep the suite's output readable.
const NOISE = /\[AgentHost\]|ChatModelSelection|open-vsx\.org|ENOTFOUND|^\s+at .*workbench\.js|marketplace/i;

function counts(passed, failed) {
  console.log(`@@coroscope-counts ${JSON.stringify({ passed, failed })}`);
}

/** The packaging check: `npm run package` makes a VSIX that VS Code installs. Counted as one test. */
function packageAndInstall() {
  const pkg = spawnSync('npm', ['run', 'package'], { cwd: root, encoding: 'utf8' });
  if (pkg.status !== 0) return `npm run package failed:\n${pkg.stdout}${pkg.stderr}`;
  const size = /Packaged: .*\((\d+) files, ([\d.]+ [KM]B)\)/.exec(pkg.stdout);
  const inst = installVsix(join(work, 'vsix-check'), join(root, 'coroscope.vsix'));
  if (!inst.ok || !/was successfully installed/.test(inst.output)) return `code-server could not install the VSIX:\n${inst.output}`;
  // Packaging wipes dist/ for a release build; rebuild the dev bundles the suite runs on.
  const build = spawnSync('node', ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) return `rebuild after packaging failed:\n${build.stderr}`;
  console.log(`  ✔ VSIX packages (${size ? `${size[1]} files, ${size[2]}` : '?'}) and installs into code-server`);
  return undefined;
}

async function main() {
  if (!existsSync(join(root, 'out/test/integration/index.js'))) throw new Error('out/test/integration/index.js is missing; run npm run build');
  const ws = prepareWorkspace(work);
  const vsixProblem = grep ? undefined : packageAndInstall();
  if (vsixProblem) console.log(`  ✗ VSIX packaging/installation: ${vsixProblem}`);
  const packaging = grep ? { passed: 0, failed: 0 } : { passed: vsixProblem ? 0 : 1, failed: vsixProblem ? 1 : 0 };
  const server = await startCodeServer(work, ws, { COROSCOPE_TEST_GREP: grep ?? '', COROSCOPE_TEST_WORKSPACE: ws });
  let browser;
  try {
    browser = await chromium.launchPersistentContext(join(work, 'chromium'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    let result;
    let suiteCounts;
    const exited = new Promise((resolve) => {
      result = resolve;
    });
    await page.exposeFunction('codeAutomationExit', (code) => {
      result(code);
    });
    await page.exposeFunction('codeAutomationLog', (_type, args) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      const m = /@@coroscope-counts (\{.*\})/.exec(text);
      if (m) {
        suiteCounts = JSON.parse(m[1]);
        return;
      }
      // A test asks for a picture of the workbench (decorated editors): written whole, then renamed, so it can wait for the file.
      const shot = /@@coroscope-screenshot ([\w.-]+\.png)/.exec(text);
      if (shot) {
        const dir = join(root, 'test-results');
        mkdirSync(dir, { recursive: true });
        void page.screenshot({ path: join(dir, `.${shot[1]}`) }).then(
          () => renameSync(join(dir, `.${shot[1]}`), join(dir, shot[1])),
          () => undefined,
        );
        return;
      }
      if (/^\s*$/.test(text) || NOISE.test(text)) return;
      process.stdout.write(`${text}\n`);
    });
    const { authority } = server;
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${authority}${root}`],
      ['extensionTestsPath', `vscode-remote://${authority}${join(root, 'out/test/integration/index.js')}`],
    ];
    const url = `http://${authority}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const timeoutMin = 30;
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), timeoutMin * 60000))]);
    if (code === 'timeout') throw new Error(`the integration suite did not finish within ${timeoutMin} minutes`);
    if (!suiteCounts) throw new Error(`the extension host exited with ${code} without reporting results (did the suite load?)\n${server.log().slice(-4000)}`);
    if (code !== 0 && suiteCounts.failed === 0) suiteCounts.failed = 1;
    counts(suiteCounts.passed + packaging.passed, suiteCounts.failed + packaging.failed);
    return code === 0 && !vsixProblem ? 0 : 1;
  } finally {
    await browser?.close().catch(() => undefined);
    server.stop();
    if (!process.env.COROSCOPE_KEEP_SERVER) rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`integration tier failed to run: ${e.message}`);
    counts(0, 1);
    process.exit(1);
  },
);
