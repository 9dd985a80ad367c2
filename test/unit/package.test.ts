// What the VSIX ships, from vsce's own file list (what `vsce ls` prints): what runs, and nothing else. A dev build
// leaves source maps in dist/ and any run of the runtime leaves bytecode in runtime/; both are planted here so the
// check never depends on what the tree happens to hold.
import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listFiles, PackageManager } from '@vscode/vsce';

const root = resolve(__dirname, '../../..');

/** Every file the VSIX must hold (the runtime's modules are added from the tree). */
const REQUIRED = [
  'package.json',
  'package.nls.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'media/icon.png',
  'media/paused.svg',
  'dist/extension.js',
  'dist/server.js',
  'dist/cli.js',
  'dist/tree-sitter.wasm',
  'dist/tree-sitter-python.wasm',
  'dist/webview/webview.js',
  'dist/webview/webview.css',
  'dist/webview/codicon.css',
  'dist/webview/codicon.ttf',
];
/** Anything else it may hold: more bundles and assets in dist/, and the runtime's modules. */
const ALLOWED = [/^dist\/[\w./-]+\.(js|css|ttf|wasm)$/, /^runtime\/coroscope\/\w+\.py$/];

describe('packaging: the VSIX holds only what runs', function () {
  this.timeout(60_000);

  it('lists the bundles, the runtime, the icon and the marketplace texts; no source map, bytecode, source, test or doc', async () => {
    const planted = [join(root, 'dist/coroscope-package-test.js.map'), join(root, 'runtime/coroscope/__pycache__/coroscope_package_test.cpython-311.pyc')];
    let files: string[];
    try {
      for (const f of planted) {
        mkdirSync(resolve(f, '..'), { recursive: true });
        writeFileSync(f, '');
      }
      files = await listFiles({ cwd: root, packageManager: PackageManager.None });
    } finally {
      for (const f of planted) rmSync(f, { force: true });
    }
    const runtime = readdirSync(join(root, 'runtime/coroscope'))
      .filter((n) => n.endsWith('.py'))
      .map((n) => `runtime/coroscope/${n}`);
    for (const f of [...REQUIRED, ...runtime]) assert.ok(files.includes(f), `${f} is in the VSIX: ${files.join(' ')}`);
    const banned = files.filter((f) => /\.map$|\.pyc$|__pycache__|\.ts$|^(test|docs|examples|scripts|node_modules|out)\//.test(f));
    assert.deepEqual(banned, [], 'no source maps, bytecode, TypeScript sources, tests or docs');
    assert.deepEqual(
      files.filter((f) => !REQUIRED.includes(f) && !ALLOWED.some((re) => re.test(f))),
      [],
      'nothing else',
    );
  });

  it('takes every user-facing string of the manifest from package.nls.json', () => {
    const manifest = readFileSync(join(root, 'package.json'), 'utf8');
    const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const keys = [...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]!);
    for (const k of keys) assert.equal(typeof nls[k], 'string', `package.nls.json has ${k}`);
    assert.deepEqual(
      Object.keys(nls).filter((k) => !keys.includes(k)),
      [],
      'no unused entry',
    );
    const pkg = JSON.parse(manifest) as {
      displayName: string;
      contributes: { commands: { title: string }[]; configuration: { properties: Record<string, { description?: string; markdownDescription?: string }> } };
    };
    const texts = [
      pkg.displayName,
      ...pkg.contributes.commands.map((c) => c.title),
      ...Object.values(pkg.contributes.configuration.properties).map((p) => p.description ?? p.markdownDescription ?? ''),
    ];
    for (const t of texts) assert.match(t, /^%[^%]+%$/, `a placeholder, not text: ${t}`);
  });
});
