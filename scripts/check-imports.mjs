// Import rules the compiler cannot see: no import cycles (TypeScript and the Python runtime), no private reaches
// between runtime modules, and which packages each
// TypeScript room may import. Part of `npm run check` (the `types` tier). Exit 1 on any finding.
// Usage: node scripts/check-imports.mjs
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Python cycles allowed: none (the runtime split of issue 15 removed the last four). Imports inside functions count
// here (they run, just later). A cycle not listed here, or a listed one that is gone, fails the check; keep it empty:
// a module that needs something from a module above it gets it registered (e.g. state.after_fork) instead.
const PYTHON_CYCLES_ALLOWED = [];

// Bare (package) imports each TypeScript room may use; relative imports between rooms are checked by `tsc -b`
// (each room's tsconfig references only the rooms it may import).
const NODE = /^node:/;
const PACKAGES = {
  protocol: [],
  trace: [],
  webview: [],
  session: [NODE],
  'extension/server': [NODE, /^vscode-languageserver(\/|$)/, /^web-tree-sitter$/],
  extension: [NODE, /^vscode$/, /^vscode-languageclient(\/|$)/, /^@vscode\/python-extension$/],
  cli: [NODE, /^commander$/],
  test: null, // tests may import anything
};

function files(dir, ext) {
  const out = [];
  const abs = join(root, dir);
  if (!existsSync(abs)) return out;
  for (const name of readdirSync(abs)) {
    if (name === 'node_modules' || name === 'fixtures' || name === '__pycache__') continue;
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...files(rel, ext));
    else if (name.endsWith(ext) && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Strongly connected components with more than one node (or a self-import): Tarjan's algorithm. */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) found.push(scc);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return found;
}

/** Every elementary cycle inside one component, as `a → b → … → a` starting at its smallest module. */
function elementaryCycles(graph, scc) {
  const inScc = new Set(scc);
  const out = new Set();
  const sorted = [...scc].sort();
  for (const start of sorted) {
    const path = [start];
    const walk = (v) => {
      for (const w of [...(graph.get(v) ?? [])].sort()) {
        if (!inScc.has(w) || w < start) continue;
        if (w === start) out.add([...path, start].join(' → '));
        else if (!path.includes(w)) {
          path.push(w);
          walk(w);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return [...out];
}

const problems = [];

// ---- TypeScript
const ROOMS = Object.keys(PACKAGES).sort((a, b) => b.length - a.length); // longest prefix first
const roomOf = (file) => ROOMS.find((r) => file === r || file.startsWith(`${r}/`));
const tsGraph = new Map();
const IMPORT = /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;
for (const file of ['protocol', 'trace', 'session', 'extension', 'webview', 'cli', 'test'].flatMap((d) => files(d, '.ts'))) {
  const edges = new Set();
  tsGraph.set(file, edges);
  const text = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/.*$/gm, '$1');
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('.')) {
      const base = join(dirname(file), spec);
      const target = [`${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(join(root, f)));
      if (target) edges.add(target);
      continue;
    }
    const allowed = PACKAGES[roomOf(file)];
    if (allowed && !allowed.some((re) => re.test(spec))) problems.push(`${file}: imports '${spec}', which ${roomOf(file)}/ may not use`);
  }
}
for (const scc of cycles(tsGraph)) {
  for (const c of elementaryCycles(tsGraph, scc)) problems.push(`TypeScript import cycle: ${c}`);
}

// ---- Python runtime (imports inside functions count)
const PKG = 'runtime/coroscope';
const pyModules = new Set(files(PKG, '.py').map((f) => relative(PKG, f).replace(/\.py$/, '').replace(/\//g, '.')));
const pyGraph = new Map();
for (const mod of pyModules) {
  const edges = new Set();
  pyGraph.set(mod, edges);
  const add = (m) => {
    if (pyModules.has(m) && m !== '__init__') edges.add(m);
  };
  // One logical line per statement: join parenthesised continuation lines, drop comments.
  const text = readFileSync(join(root, PKG, `${mod.replace(/\./g, '/')}.py`), 'utf8')
    .replace(/#.*$/gm, '')
    .replace(/\(([^()]*)\)/g, (_, inner) => inner.replace(/\s+/g, ' '));
  for (const line of text.split('\n')) {
    let m = /^\s*from\s+(\.+|coroscope\.?)([\w.]*)\s+import\s+(.+)$/.exec(line);
    if (m) {
      const sub = m[2];
      if (sub) add(sub);
      else for (const name of m[3].split(',')) add(name.trim().split(/\s+/)[0]);
      continue;
    }
    m = /^\s*import\s+(.+)$/.exec(line);
    if (m) {
      for (const part of m[1].split(',')) {
        const name = part.trim().split(/\s+/)[0];
        if (name.startsWith('coroscope.')) add(name.slice('coroscope.'.length));
      }
    }
  }
}
// Private reaches: one runtime module using another's private name (`core._put`, `from .gen_lanes import _want`)
// instead of a public function or name the owning module exposes for it (issue 15). Modules are found by the names
// they are imported as (`from . import core`, `glet as _glet`) and plain aliases of those (`mon_core = core`).
const reaches = [];
for (const mod of pyModules) {
  const text = readFileSync(join(root, PKG, `${mod.replace(/\./g, '/')}.py`), 'utf8')
    .replace(/#.*$/gm, '')
    .replace(/\(([^()]*)\)/g, (_, inner) => `(${inner.replace(/\s+/g, ' ')})`);
  const alias = new Map(); // local name -> module
  for (const line of text.split('\n')) {
    let m = /^\s*from\s+(?:\.+|coroscope\.?)([\w.]*)\s+import\s+\(?([^)]+)\)?\s*$/.exec(line);
    if (m) {
      for (const part of m[2].split(',')) {
        const [name, as, local] = part.trim().split(/\s+/);
        if (!name) continue;
        if (m[1] && /^_(?!_)/.test(name)) reaches.push(`${mod}: from .${m[1]} import ${name}`);
        else if (!m[1] && pyModules.has(name)) alias.set(as === 'as' ? local : name, name);
      }
      continue;
    }
    m = /^\s*import\s+coroscope\.(\w+)(?:\s+as\s+(\w+))?\s*$/.exec(line);
    if (m) alias.set(m[2] ?? `coroscope.${m[1]}`, m[1]);
    m = /^\s*(\w+)\s*=\s*(\w+)\s*$/.exec(line);
    if (m && alias.has(m[2])) alias.set(m[1], alias.get(m[2]));
  }
  for (const [local, target] of alias) {
    if (target === mod) continue;
    const re = new RegExp(`(?<![\\w.])${local.replace(/\./g, '\\.')}\\.(_(?!_)\\w+)`, 'g');
    for (const m of text.matchAll(re)) reaches.push(`${mod}: ${target}.${m[1]}`);
  }
}
for (const r of [...new Set(reaches)].sort()) problems.push(`private reach in ${PKG} (expose a public function or name instead): ${r}`);

const pyFound = cycles(pyGraph).flatMap((scc) => elementaryCycles(pyGraph, scc));
for (const c of pyFound) if (!PYTHON_CYCLES_ALLOWED.includes(c)) problems.push(`Python import cycle in ${PKG}: ${c}`);
for (const c of PYTHON_CYCLES_ALLOWED) {
  if (!pyFound.includes(c)) problems.push(`allowed Python cycle ${c} is gone: remove it from PYTHON_CYCLES_ALLOWED`);
}

for (const p of problems) console.error(p);
console.log(
  `imports: ${tsGraph.size} TypeScript files, ${pyGraph.size} Python modules, ${pyFound.length} allowed Python cycle(s), ${problems.length} problem(s)`,
);
process.exit(problems.length ? 1 : 0);
