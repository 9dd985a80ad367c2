// Ruff over the Python runtime through its WASM build (@astral-sh/ruff-wasm-nodejs: no Python, no native binary).
// Settings come from ruff.toml. Usage:
//   node scripts/ruff.mjs check          lint findings; exit 1 if any
//   node scripts/ruff.mjs check --fix    apply the safe fixes, report what is left
//   node scripts/ruff.mjs format --check list the files the formatter would change; exit 1 if any
//   node scripts/ruff.mjs format         format in place
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { Workspace, PositionEncoding } = createRequire(import.meta.url)('@astral-sh/ruff-wasm-nodejs');
const ROOTS = ['runtime'];
// The WASM build hands out every fix without saying which ones Ruff marks safe (`ruff check --fix` applies only
// those). These are the codes of ruff.toml's rule set whose fixes Ruff documents as safe; any other finding is
// reported for a hand fix (e.g. F841, whose fix may drop a call's side effect). F401 is unsafe in __init__.py.
const SAFE_FIXES = new Set(['F401', 'UP004', 'W291', 'W292', 'W293', 'W391', 'F541', 'E703']);
const safeFix = (file, d) => d.fix?.edits.length > 0 && SAFE_FIXES.has(d.code) && !(d.code === 'F401' && file.endsWith('__init__.py'));

/** ruff.toml, read as the subset it uses: `[section]` headers and `key = value` lines whose value is JSON. */
function readSettings() {
  const settings = {};
  let section = settings;
  for (const raw of readFileSync(join(root, 'ruff.toml'), 'utf8').split('\n')) {
    const line = raw.replace(/\s+#.*$|^#.*$/, '').trim();
    if (!line) continue;
    const head = /^\[([\w.-]+)\]$/.exec(line);
    if (head) {
      section = settings;
      for (const k of head[1].split('.')) section = section[k] ??= {};
      continue;
    }
    const kv = /^([\w-]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) throw new Error(`ruff.toml: cannot read "${raw}" (scripts/ruff.mjs reads key = JSON value lines only)`);
    section[kv[1]] = JSON.parse(kv[2]);
  }
  return settings;
}

function pyFiles(dir) {
  const out = [];
  for (const name of readdirSync(join(root, dir))) {
    if (name === '__pycache__' || name.startsWith('.')) continue;
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...pyFiles(rel));
    else if (name.endsWith('.py')) out.push(rel);
  }
  return out;
}

/** Applies non-overlapping edits (rows and columns 1-based, UTF-16 columns) from the last to the first. */
function applyEdits(text, edits) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const at = (p) => starts[p.row - 1] + p.column - 1;
  let out = text;
  for (const e of [...edits].sort((a, b) => at(b.location) - at(a.location)))
    out = out.slice(0, at(e.location)) + (e.content ?? '') + out.slice(at(e.end_location));
  return out;
}

const [mode, flag] = process.argv.slice(2);
const ws = new Workspace(readSettings(), PositionEncoding.Utf16);
const files = ROOTS.flatMap(pyFiles).sort();
let problems = 0;
if (mode === 'check') {
  const fix = flag === '--fix';
  let fixed = 0;
  for (const file of files) {
    let text = readFileSync(join(root, file), 'utf8');
    if (fix) {
      // One safe fix per pass per file, re-checking after each: fixes may overlap or shift each other.
      for (let pass = 0; pass < 100; pass++) {
        const d = ws.check(text).find((x) => safeFix(file, x));
        if (!d) break;
        text = applyEdits(text, d.fix.edits);
        fixed++;
      }
      writeFileSync(join(root, file), text);
    }
    for (const d of ws.check(text)) {
      problems++;
      console.log(
        `${relative(root, join(root, file))}:${d.start_location.row}:${d.start_location.column}: ${d.code} ${d.message}${safeFix(file, d) ? ' (--fix)' : ''}`,
      );
    }
  }
  if (fix) console.log(`ruff: ${fixed} fix(es) applied`);
  console.log(`ruff check: ${files.length} files, ${problems} finding(s)`);
} else if (mode === 'format') {
  const write = flag !== '--check';
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const formatted = ws.format(text);
    if (formatted === text) continue;
    problems++;
    if (write) writeFileSync(join(root, file), formatted);
    else console.log(`would reformat ${file}`);
  }
  console.log(`ruff format: ${files.length} files, ${problems} ${write ? 'reformatted' : 'to reformat'}`);
  if (write) problems = 0;
} else {
  console.error('usage: node scripts/ruff.mjs check [--fix] | format [--check]');
  process.exit(2);
}
process.exit(problems ? 1 : 0);
