// One build for every bundle: extension host, language server, webview, CLI,
// plus a plain transpile of all TypeScript (tests included) into out/ for mocha.
// Usage: node scripts/build.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, statSync, existsSync, chmodSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
  target: 'es2022',
};

// The `coroscope` command starts as a shell script: Node resets the signals the shell ignored (`nohup`), so the
// shell reads them first (its SigIgn mask, Linux /proc) and then runs the same file with Node, for which the
// second line is a string and a comment (cli/shell-signals.ts).
const CLI_BANNER = [
  '#!/bin/sh',
  `':' //; export COROSCOPE_SHELL_SIGIGN="$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status 2>/dev/null)"; exec node "$0" "$@"`,
].join('\n');

/** @type {esbuild.BuildOptions[]} */
const bundles = [
  { ...common, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode'] },
  { ...common, entryPoints: ['extension/server/server.ts'], outfile: 'dist/server.js', platform: 'node', format: 'cjs' },
  { ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview/webview.js', platform: 'browser', format: 'iife' },
  { ...common, entryPoints: ['webview/report-boot.ts'], outfile: 'dist/webview/report-boot.js', platform: 'browser', format: 'iife' },
  { ...common, entryPoints: ['cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', banner: { js: CLI_BANNER } },
];

function tsFiles(dir) {
  const out = [];
  if (!existsSync(join(root, dir))) return out;
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(join(root, rel)).isDirectory()) out.push(...tsFiles(rel));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

// Tests import sources directly; a non-bundled transpile keeps module paths.
const transpile = {
  entryPoints: ['protocol', 'trace', 'session', 'extension', 'webview', 'cli', 'test'].flatMap(tsFiles),
  outdir: 'out',
  outbase: '.',
  bundle: false,
  platform: 'node',
  format: 'cjs',
  target: 'es2022',
  sourcemap: 'inline',
  logLevel: 'warning',
  absWorkingDir: root,
};

/** Drop out/ files whose source is gone, so a deleted test never runs from a stale transpile. */
function pruneStale(dir = 'out') {
  if (!existsSync(join(root, dir))) return;
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) {
      pruneStale(rel);
      continue;
    }
    const src = rel.slice('out/'.length).replace(/\.js(\.map)?$/, '.ts');
    if (src.endsWith('.ts') && !existsSync(join(root, src))) rmSync(join(root, rel), { force: true });
  }
}

function copyAssets() {
  mkdirSync(join(root, 'dist/webview'), { recursive: true });
  const assets = [
    ['webview/style.css', 'dist/webview/webview.css'],
    ['node_modules/@vscode/codicons/dist/codicon.css', 'dist/webview/codicon.css'],
    ['node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/webview/codicon.ttf'],
    ['node_modules/web-tree-sitter/tree-sitter.wasm', 'dist/tree-sitter.wasm'],
    ['node_modules/tree-sitter-python/tree-sitter-python.wasm', 'dist/tree-sitter-python.wasm'],
  ];
  for (const [from, to] of assets) if (existsSync(join(root, from))) cpSync(join(root, from), join(root, to));
  if (existsSync(join(root, 'dist/cli.js'))) chmodSync(join(root, 'dist/cli.js'), 0o755);
}

// A release build starts from an empty dist/ so no dev leftovers (source maps) reach the VSIX.
if (production) rmSync(join(root, 'dist'), { recursive: true, force: true });

const all = [...bundles, ...(production ? [] : [transpile])];
if (watch) {
  for (const opts of all) await (await esbuild.context(opts)).watch();
  copyAssets();
  console.log('coroscope: watching for changes…');
} else {
  const t = Date.now();
  await Promise.all(all.map((o) => esbuild.build(o)));
  copyAssets();
  if (!production) pruneStale();
  console.log(`coroscope: built ${all.length} targets in ${Date.now() - t} ms`);
}
