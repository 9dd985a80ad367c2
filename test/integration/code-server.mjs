// Starts a real VS Code (code-server from .tools/) on a private loopback port
// for the integration tier and the e2e palette check. Never used by the product.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { root, codeServerBin, node24Env } from '../provision.mjs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A fresh workspace under `work`: the examples and the test fixtures, as a user would open them. */
export function prepareWorkspace(work) {
  const ws = join(work, 'workspace');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  cpSync(join(root, 'examples'), join(ws, 'examples'), { recursive: true });
  if (existsSync(join(root, 'test/fixtures'))) cpSync(join(root, 'test/fixtures'), join(ws, 'fixtures'), { recursive: true });
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  // The test machine's python3 (pyenv) lacks greenlet/gevent; Debian's has them.
  writeFileSync(
    join(ws, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'coroscope.pythonPath': '/usr/bin/python3',
        'workbench.startupEditor': 'none',
        'extensions.ignoreRecommendations': true,
        'workbench.tips.enabled': false,
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
      },
      null,
      2,
    ),
  );
  return ws;
}

function codeServerEnv(work, extra = {}) {
  const xdg = join(work, 'xdg');
  for (const d of ['config', 'data', 'cache']) mkdirSync(join(xdg, d), { recursive: true });
  return { ...node24Env(), XDG_CONFIG_HOME: join(xdg, 'config'), XDG_DATA_HOME: join(xdg, 'data'), XDG_CACHE_HOME: join(xdg, 'cache'), ...extra };
}

/** Installs a VSIX into this work folder's extensions dir, as a user would. Returns code-server's output. */
export function installVsix(work, vsix) {
  const r = spawnSync(codeServerBin, ['--extensions-dir', join(work, 'extensions'), '--user-data-dir', join(work, 'user-data'), '--install-extension', vsix], {
    env: codeServerEnv(work),
    encoding: 'utf8',
    timeout: 120000,
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** `opts.trust`: false leaves workspace trust on, so the folder opens untrusted (restricted mode) as for a new user. */
export async function startCodeServer(work, ws, extraEnv = {}, opts = { trust: true }) {
  if (!existsSync(codeServerBin)) throw new Error(`code-server is not installed at ${codeServerBin}; run node test/provision.mjs`);
  const port = await freePort();
  const server = spawn(
    codeServerBin,
    [
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--user-data-dir',
      join(work, 'user-data'),
      '--extensions-dir',
      join(work, 'extensions'),
      '--disable-telemetry',
      '--disable-update-check',
      ...(opts.trust === false ? [] : ['--disable-workspace-trust']),
      '--vscode-option',
      'enable-smoke-test-driver',
      ws,
    ],
    { env: codeServerEnv(work, extraEnv), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let log = '';
  server.stdout.on('data', (d) => {
    log += d;
  });
  server.stderr.on('data', (d) => {
    log += d;
  });
  const stop = () => {
    if (!process.env.COROSCOPE_KEEP_SERVER)
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
  };
  process.on('exit', stop);
  const until = Date.now() + 60000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode}:\n${log.slice(-2000)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) {
      stop();
      throw new Error('code-server did not answer /healthz within 60 s');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { port, authority: `127.0.0.1:${port}`, stop, log: () => log };
}
