// Integration tier: runs the mocha suite (out/test/integration/index.js) inside
// a real VS Code extension host — code-server from .tools/, driven by headless
// Debian chromium through its smoke-test driver — with this folder as the
// extension under development. Prints the suite's counts marker.
//   COROSCOPE_TEST_GREP=pattern  filters tests (also `--grep pattern`)
//   COROSCOPE_KEEP_SERVER=1      leaves code-server running for debugging
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import { root, codeServerBin, node24Env } from '../provision.mjs';

const work = join(root, '.test-work', 'integration');
const ws = join(work, 'workspace');
const grepAt = process.argv.indexOf('--grep');
const grep = grepAt >= 0 ? process.argv[grepAt + 1] : process.env.COROSCOPE_TEST_GREP;

// The workbench logs its own offline complaints (no marketplace, no GitHub); keep the suite's output readable.
const NOISE = /\[AgentHost\]|ChatModelSelection|open-vsx\.org|ENOTFOUND|^\s+at .*workbench\.js|marketplace|\[Extension Host\] (Error|rejected promise).*(github|copilot)/i;

function counts(passed, failed) {
  console.log(`@@coroscope-counts ${JSON.stringify({ passed, failed })}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

async function waitHealthy(port, child, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before it was healthy`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return;
    } catch { /* not yet listening */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer /healthz within ${ms / 1000} s`);
}

/** A fresh workspace: the examples and the test fixtures, as a user would open them. */
function prepareWorkspace() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  cpSync(join(root, 'examples'), join(ws, 'examples'), { recursive: true });
  if (existsSync(join(root, 'test/fixtures'))) cpSync(join(root, 'test/fixtures'), join(ws, 'fixtures'), { recursive: true });
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  // The test machine's python3 (pyenv) lacks greenlet/gevent; Debian's has them.
  writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify({
    'coroscope.pythonPath': '/usr/bin/python3',
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'extensions.ignoreRecommendations': true,
  }, null, 2));
}

async function main() {
  if (!existsSync(codeServerBin)) throw new Error(`code-server is not installed at ${codeServerBin}; run node test/provision.mjs`);
  if (!existsSync(join(root, 'out/test/integration/index.js'))) throw new Error('out/test/integration/index.js is missing; run npm run build');
  prepareWorkspace();
  const port = await freePort();
  const xdg = join(work, 'xdg');
  for (const d of ['config', 'data', 'cache']) mkdirSync(join(xdg, d), { recursive: true });
  const env = {
    ...node24Env(),
    XDG_CONFIG_HOME: join(xdg, 'config'), XDG_DATA_HOME: join(xdg, 'data'), XDG_CACHE_HOME: join(xdg, 'cache'),
    COROSCOPE_TEST_GREP: grep ?? '',
    COROSCOPE_TEST_WORKSPACE: ws,
  };
  const server = spawn(codeServerBin, [
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', join(work, 'user-data'), '--extensions-dir', join(work, 'extensions'),
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--vscode-option', 'enable-smoke-test-driver', ws,
  ], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let serverLog = '';
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
  const stopServer = () => { if (!process.env.COROSCOPE_KEEP_SERVER) try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ } };
  process.on('exit', stopServer);

  let browser;
  try {
    await waitHealthy(port, server, 60000);
    browser = await chromium.launchPersistentContext(join(work, 'chromium'), {
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = browser.pages()[0] ?? await browser.newPage();
    let result;
    let suiteCounts;
    const exited = new Promise((resolve) => { result = resolve; });
    await page.exposeFunction('codeAutomationExit', (code) => { result(code); });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      const m = /@@coroscope-counts (\{.*\})/.exec(text);
      if (m) { suiteCounts = JSON.parse(m[1]); return; }
      if (/^\s*$/.test(text) || NOISE.test(text)) return;
      process.stdout.write(`${text}\n`);
    });
    const authority = `127.0.0.1:${port}`;
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${authority}${root}`],
      ['extensionTestsPath', `vscode-remote://${authority}${join(root, 'out/test/integration/index.js')}`],
    ];
    const url = `http://${authority}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const timeoutMin = 30;
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), timeoutMin * 60000))]);
    if (code === 'timeout') throw new Error(`the integration suite did not finish within ${timeoutMin} minutes`);
    if (!suiteCounts) throw new Error(`the extension host exited with ${code} without reporting results (did the suite load?)\n${serverLog.slice(-4000)}`);
    if (code !== 0 && suiteCounts.failed === 0) suiteCounts.failed = 1;
    counts(suiteCounts.passed, suiteCounts.failed);
    return code === 0 ? 0 : 1;
  } finally {
    await browser?.close().catch(() => undefined);
    stopServer();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(`integration tier failed to run: ${e.message}`);
  counts(0, 1);
  process.exit(1);
});
