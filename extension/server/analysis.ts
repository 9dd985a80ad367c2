// Yield-point analysis: a pure function from a Python syntax tree to the
// places where a task can give up control, the generator/coroutine
// definitions, and blocking calls that deserve a diagnostic. No LSP here.
import { Query, type Language, type Node, type QueryCapture } from 'web-tree-sitter';

/** Suspends the current task until something resumes it (⏸), or hands control to another task directly (⇄). */
export type PointFamily = 'suspend' | 'switch';

export type PointKind =
  | 'yield' | 'yield-from' | 'await' | 'async-for' | 'async-with'
  | 'greenlet-switch' | 'greenlet-throw' | 'generator-throw' | 'generator-send' | 'next'
  | 'gevent' | 'join' | 'get' | 'put' | 'patched-io'
  | 'channel-send' | 'channel-receive' | 'schedule';

export interface Span { line: number; col: number; endLine: number; endCol: number }

export interface YieldPoint extends Span {
  kind: PointKind;
  family: PointFamily;
  /** Short words for the lens: "yield", "await asyncio.sleep", "greenlet switch". */
  label: string;
  /** Index in `defs` of the def or lambda body it belongs to, -1 at module level. */
  scope: number;
}

export type DefKind = 'generator' | 'coroutine' | 'async-generator' | 'function' | 'lambda';

export interface Definition {
  name: string;
  kind: DefKind;
  /** Row of the `def` keyword (or the lambda). */
  line: number;
  /** Row of the first decorator, or `line`: Python's co_firstlineno for a decorated def. */
  headLine: number;
  /** The name identifier (for hovers). */
  nameSpan: Span;
  /** Whole definition. */
  span: Span;
}

export interface TextEdit { range: Span; newText: string }

export interface Finding extends Span {
  severity: 'warning' | 'information';
  code: 'sleep-in-async' | 'blocking-io-in-async' | 'gevent-unpatched-io' | 'gevent-unpatched-sleep';
  message: string;
  fix?: { title: string; edits: TextEdit[] };
}

export interface Analysis {
  points: YieldPoint[];
  defs: Definition[];
  findings: Finding[];
  /** What the module imports, local name → qualified name (e.g. `t` → `time`, `sleep` → `time.sleep`). */
  imports: Map<string, string>;
  hasErrors: boolean;
}

// The names a call must have to matter; everything else is filtered inside the query engine.
const METHODS = [
  'switch', 'throw', 'send', 'receive', 'send_exception', 'send_throw', 'join', 'get', 'put', 'sleep', 'joinall', 'wait',
  'schedule', 'recv', 'recv_into', 'recvfrom', 'recvfrom_into', 'sendall', 'sendto', 'connect', 'accept',
  'urlopen', 'request', 'post', 'patch', 'delete', 'head', 'options', 'create_connection', 'getaddrinfo',
  'gethostbyname', 'gethostbyname_ex', 'getfqdn', 'select', 'patch_all', 'patch_socket', 'patch_time', 'run', 'call', 'check_output',
  'gather', 'wait_for', 'shield', 'to_thread', 'as_completed',
];
const FUNCTIONS = ['next', 'sleep', 'urlopen', 'joinall', 'schedule', 'create_connection', 'getaddrinfo', 'gethostbyname', 'patch_all', 'select', 'gather', 'wait_for', 'wait'];

const QUERY = `
(function_definition) @def
(lambda) @lambda
(class_definition) @class
(yield) @yield
(await) @await
(for_statement "async") @afor
(with_statement "async") @awith
(for_in_clause "async") @acomp
(call function: (attribute attribute: (identifier) @_m (#any-of? @_m ${METHODS.map((m) => `"${m}"`).join(' ')}))) @mcall
(call function: (identifier) @_f (#any-of? @_f ${FUNCTIONS.map((m) => `"${m}"`).join(' ')})) @fcall
(import_statement) @import
(import_from_statement) @import
`;

const queries = new WeakMap<Language, Query>();
function queryFor(language: Language): Query {
  let q = queries.get(language);
  if (!q) { q = new Query(language, QUERY); queries.set(language, q); }
  return q;
}

const span = (n: Node): Span => ({ line: n.startPosition.row, col: n.startPosition.column, endLine: n.endPosition.row, endCol: n.endPosition.column });

const SOCKET_FUNCS = new Set(['create_connection', 'getaddrinfo', 'gethostbyname', 'gethostbyname_ex', 'getfqdn']);
const SOCKET_METHODS = new Set(['recv', 'recv_into', 'recvfrom', 'recvfrom_into', 'sendall', 'sendto', 'accept', 'connect']);
const REQUESTS_FUNCS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'request']);
const THREADISH = ['queue', 'threading', 'multiprocessing', 'concurrent', 'gevent', 'eventlet', 'stackless'];

interface Scope { endIndex: number; def: number; kind: 'def' | 'lambda' | 'class'; isAsync: boolean }

/** Record local names bound by an import statement. */
function collectImport(node: Node, imports: Map<string, string>): void {
  if (node.type === 'import_statement') {
    for (const c of node.namedChildren) {
      if (!c) continue;
      if (c.type === 'dotted_name') { const full = c.text; imports.set(full.split('.')[0], full.split('.')[0]); if (full.includes('.')) imports.set(full, full); }
      else if (c.type === 'aliased_import') {
        const name = c.childForFieldName('name')?.text; const alias = c.childForFieldName('alias')?.text;
        if (name && alias) imports.set(alias, name);
      }
    }
    return;
  }
  const mod = node.childForFieldName('module_name')?.text;
  if (!mod) return;
  for (const c of node.childrenForFieldName('name')) {
    if (!c) continue;
    if (c.type === 'dotted_name') imports.set(c.text, `${mod}.${c.text}`);
    else if (c.type === 'aliased_import') {
      const name = c.childForFieldName('name')?.text; const alias = c.childForFieldName('alias')?.text;
      if (name && alias) imports.set(alias, `${mod}.${name}`);
    }
  }
  if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) imports.set(`*${mod}`, mod);
}

function importsModule(imports: Map<string, string>, mod: string): boolean {
  for (const q of imports.values()) if (q === mod || q.startsWith(mod + '.')) return true;
  return false;
}

/** Qualified name of a dotted expression through the imports: `t.sleep` → `time.sleep`. */
function qualify(expr: string, imports: Map<string, string>): string {
  const dot = expr.indexOf('.');
  const head = dot < 0 ? expr : expr.slice(0, dot);
  const q = imports.get(head);
  if (q === undefined) return expr;
  return dot < 0 ? q : q + expr.slice(dot);
}

/** Positional arguments of a call (keyword arguments and `*args` excluded). */
function positionalArgs(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return [];
  return args.namedChildren.filter((c): c is Node => !!c && c.type !== 'keyword_argument' && c.type !== 'comment'
    && c.type !== 'list_splat' && c.type !== 'dictionary_splat');
}

/** Whether `node` is directly the operand of `await` (parentheses allowed). */
function awaited(node: Node): boolean {
  let p = node.parent;
  while (p && p.type === 'parenthesized_expression') p = p.parent;
  return p?.type === 'await';
}

export function analyze(root: Node, language: Language): Analysis {
  const captures: QueryCapture[] = queryFor(language).captures(root).filter((c) => !c.name.startsWith('_'));
  const imports = new Map<string, string>();
  for (const c of captures) if (c.name === 'import') collectImport(c.node, imports);

  const gevent = importsModule(imports, 'gevent');
  const greenlet = gevent || importsModule(imports, 'greenlet') || importsModule(imports, 'eventlet');
  const stackless = importsModule(imports, 'stackless');
  const socketMod = importsModule(imports, 'socket') || importsModule(imports, 'ssl');
  const threadish = THREADISH.some((m) => importsModule(imports, m));
  const asyncioName = [...imports].find(([, q]) => q === 'asyncio')?.[0];

  // First pass over calls that change the rules for the whole module.
  let patched = false;
  const calls: { node: Node; q: string; attr: string | undefined; objText: string | undefined }[] = [];
  for (const c of captures) {
    if (c.name !== 'mcall' && c.name !== 'fcall') continue;
    const fn = c.node.childForFieldName('function');
    if (!fn) continue;
    let q: string, attr: string | undefined, objText: string | undefined;
    if (fn.type === 'attribute') {
      attr = fn.childForFieldName('attribute')?.text;
      const obj = fn.childForFieldName('object');
      objText = obj?.text;
      q = obj && (obj.type === 'identifier' || obj.type === 'attribute') ? `${qualify(obj.text, imports)}.${attr ?? ''}` : `?.${attr ?? ''}`;
    } else {
      q = qualify(fn.text, imports);
    }
    if (/^gevent\.monkey\.patch_(all|socket)$/.test(q) || (gevent && /(^|\.)monkey\.patch_(all|socket)$/.test(q))) patched = true;
    calls.push({ node: c.node, q, attr, objText });
  }

  const points: YieldPoint[] = [];
  const defs: Definition[] = [];
  const findings: Finding[] = [];
  const stack: Scope[] = [];
  const awaitLabels = new Map<number, string>();
  const callInfo = new Map<number, (typeof calls)[number]>();
  for (const c of calls) {
    callInfo.set(c.node.id, c);
    if (c.q.startsWith('asyncio.') && awaited(c.node)) {
      let p = c.node.parent; while (p && p.type !== 'await') p = p.parent;
      if (p) awaitLabels.set(p.id, `await ${c.q}`);
    }
  }

  const point = (n: Node, kind: PointKind, family: PointFamily, label: string, scope: number) =>
    points.push({ ...span(n), kind, family, label, scope });
  const find = (n: Node, severity: Finding['severity'], code: Finding['code'], message: string, fix?: Finding['fix']) =>
    findings.push({ ...span(n), severity, code, message, ...(fix ? { fix } : {}) });

  for (const c of captures) {
    const n = c.node;
    while (stack.length && stack[stack.length - 1].endIndex <= n.startIndex) stack.pop();
    const top = stack[stack.length - 1];
    const scope = top && top.kind !== 'class' ? top.def : -1;
    // The innermost function-like scope, skipping class bodies.
    let fnScope: Scope | undefined;
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i].kind !== 'class') { fnScope = stack[i]; break; }
    const inAsyncDef = fnScope?.kind === 'def' && fnScope.isAsync;
    const inDef = !!fnScope;

    switch (c.name) {
      case 'def': {
        const nameNode = n.childForFieldName('name');
        const isAsync = n.firstChild?.type === 'async';
        const parent = n.parent;
        const headLine = parent?.type === 'decorated_definition' ? parent.startPosition.row : n.startPosition.row;
        defs.push({ name: nameNode?.text ?? '?', kind: isAsync ? 'coroutine' : 'function', line: n.startPosition.row, headLine,
          nameSpan: nameNode ? span(nameNode) : span(n), span: span(n) });
        stack.push({ endIndex: n.endIndex, def: defs.length - 1, kind: 'def', isAsync });
        break;
      }
      case 'lambda':
        defs.push({ name: 'lambda', kind: 'lambda', line: n.startPosition.row, headLine: n.startPosition.row, nameSpan: span(n), span: span(n) });
        stack.push({ endIndex: n.endIndex, def: defs.length - 1, kind: 'lambda', isAsync: false });
        break;
      case 'class':
        stack.push({ endIndex: n.endIndex, def: -1, kind: 'class', isAsync: false });
        break;
      case 'yield': {
        const from = n.children.some((k) => k?.type === 'from');
        point(n, from ? 'yield-from' : 'yield', 'suspend', from ? 'yield from' : 'yield', scope);
        if (scope >= 0) {
          const d = defs[scope];
          if (d.kind === 'function') d.kind = 'generator';
          else if (d.kind === 'coroutine') d.kind = 'async-generator';
        }
        break;
      }
      case 'await':
        point(n, 'await', 'suspend', awaitLabels.get(n.id) ?? 'await', scope);
        break;
      case 'afor':
      case 'acomp':
        point(n.firstChild ?? n, 'async-for', 'suspend', 'async for', scope);
        break;
      case 'awith':
        point(n.firstChild ?? n, 'async-with', 'suspend', 'async with', scope);
        break;
      case 'mcall':
      case 'fcall': {
        const info = callInfo.get(n.id);
        if (!info) break;
        classifyCall(info, n, scope, inAsyncDef, inDef);
        break;
      }
      case 'import':
        break;
      default:
        break;
    }
  }

  function classifyCall(info: (typeof calls)[number], n: Node, scope: number, inAsyncDef: boolean, inDef: boolean): void {
    const { q, attr } = info;
    const isAwaited = awaited(n);
    const fnNode = n.childForFieldName('function')!;
    const objNode = fnNode.type === 'attribute' ? fnNode.childForFieldName('object') : null;
    const objIsLiteral = !!objNode && /^(string|concatenated_string|integer|float|list|dictionary|tuple|set)$/.test(objNode.type);
    const args = positionalArgs(n);
    const blockingSleep = q === 'time.sleep';
    const socketIO = (q.startsWith('socket.') && SOCKET_FUNCS.has(q.slice(7)))
      || (socketMod && !objIsLiteral && attr !== undefined && SOCKET_METHODS.has(attr) && !q.startsWith('asyncio.'))
      || (socketMod && attr === 'send' && /sock|conn|client/i.test(info.objText ?? ''));
    const httpIO = q === 'urllib.request.urlopen' || (q.startsWith('requests.') && REQUESTS_FUNCS.has(q.slice(9)));
    const selectIO = q === 'select.select';

    // Monkey-patched blocking calls yield to the gevent hub.
    if (patched && (blockingSleep || socketIO || httpIO || selectIO)) {
      point(n, 'patched-io', 'suspend', `${blockingSleep ? 'time.sleep' : httpIO ? q.split('.').pop()! : selectIO ? 'select' : `socket ${attr ?? q.split('.').pop()}`} → gevent hub`, scope);
      return;
    }
    if (inAsyncDef && !isAwaited) {
      if (blockingSleep) {
        const edits: TextEdit[] = [{ range: span(fnNode), newText: `await ${asyncioName ?? 'asyncio'}.sleep` }];
        if (!asyncioName) edits.push(importEdit(root, 'import asyncio'));
        find(n, 'warning', 'sleep-in-async',
          `time.sleep blocks the event loop: every other task waits until it returns. Use \`await asyncio.sleep(…)\` inside \`async def\`.`,
          { title: 'Replace with await asyncio.sleep(…)', edits });
        return;
      }
      if (httpIO || socketIO) {
        const what = httpIO ? q.replace(/^urllib\.request\./, 'urllib.request.') : `socket ${attr ?? q}`;
        find(n, httpIO || q.startsWith('socket.') ? 'warning' : 'information', 'blocking-io-in-async',
          `${what} is blocking I/O inside \`async def\`: the event loop stalls until it completes. Use an asyncio client (e.g. aiohttp, asyncio streams) or \`await asyncio.to_thread(…)\`.`);
        return;
      }
    }
    if (gevent && !patched && inDef && !isAwaited) {
      if (socketIO || httpIO) {
        find(n, 'warning', 'gevent-unpatched-io',
          `${httpIO ? q : `socket ${attr ?? q}`} blocks every greenlet: this gevent code never calls \`monkey.patch_all()\`, so the socket is not cooperative. Call \`from gevent import monkey; monkey.patch_all()\` first.`);
        return;
      }
      if (blockingSleep) {
        find(n, 'warning', 'gevent-unpatched-sleep',
          'time.sleep blocks every greenlet: without `monkey.patch_all()` it does not yield to the gevent hub. Use `gevent.sleep(…)`.',
          { title: 'Replace with gevent.sleep(…)', edits: [{ range: span(fnNode), newText: `${[...imports].find(([, v]) => v === 'gevent')?.[0] ?? 'gevent'}.sleep` }] });
        return;
      }
    }
    if (isAwaited) return; // the await is the yield point
    if (/^gevent\.(sleep|joinall|wait|idle)$/.test(q)) { point(n, 'gevent', 'suspend', q, scope); return; }
    if (/^stackless\.(schedule|schedule_remove|run)$/.test(q)) { point(n, 'schedule', 'switch', q, scope); return; }
    if (q === 'next' && args.length >= 1) { point(n, 'next', 'switch', 'next()', scope); return; }
    if (!attr || objIsLiteral || !objNode) return;
    switch (attr) {
      case 'switch': point(n, 'greenlet-switch', 'switch', 'greenlet switch', scope); return;
      case 'throw': point(n, greenlet ? 'greenlet-throw' : 'generator-throw', 'switch', greenlet ? 'greenlet throw' : 'throw into generator', scope); return;
      case 'send':
        if (stackless) point(n, 'channel-send', 'switch', 'channel send', scope);
        else if (!socketIO && !q.startsWith('socket.')) point(n, 'generator-send', 'switch', 'send into generator', scope);
        return;
      case 'send_exception': case 'send_throw':
        if (stackless) point(n, 'channel-send', 'switch', `channel ${attr}`, scope);
        return;
      case 'receive': point(n, 'channel-receive', 'switch', 'channel receive', scope); return;
      case 'join': {
        // `", ".join(items)` is a string join: a real join takes no argument or a timeout.
        const a0 = args[0];
        if (args.length === 0 || (args.length === 1 && (a0.type === 'integer' || a0.type === 'float' || a0.type === 'none'))) {
          if (!inAsyncDef) point(n, 'join', 'suspend', gevent ? 'greenlet join' : importsModule(imports, 'threading') ? 'thread join' : 'join', scope);
        }
        return;
      }
      case 'get': {
        const a0 = args[0];
        // In async code `q.get()` makes a coroutine: the `await` around it is the point.
        if (threadish && !inAsyncDef && (args.length === 0 || a0.type === 'true' || a0.type === 'false')) {
          point(n, 'get', 'suspend', gevent && !importsModule(imports, 'queue') ? 'greenlet get' : 'queue get', scope);
        }
        return;
      }
      case 'put':
        if (threadish && !inAsyncDef && args.length >= 1) point(n, 'put', 'suspend', 'queue put', scope);
        return;
      case 'sleep':
        if (/^gevent\./.test(q)) point(n, 'gevent', 'suspend', q, scope);
        return;
      default:
        return;
    }
  }

  points.sort((a, b) => a.line - b.line || a.col - b.col);
  findings.sort((a, b) => a.line - b.line || a.col - b.col);
  return { points, defs, findings, imports, hasErrors: root.hasError };
}

/** Where `import X` goes: after the last top-level import, or after a module docstring, or at the top. */
function importEdit(root: Node, statement: string): TextEdit {
  let row = 0;
  const kids = root.namedChildren;
  for (const k of kids) {
    if (!k) continue;
    if (k.type === 'import_statement' || k.type === 'import_from_statement' || k.type === 'future_import_statement') row = k.endPosition.row + 1;
  }
  if (row === 0 && kids[0]?.type === 'expression_statement' && kids[0].firstNamedChild?.type === 'string') row = kids[0].endPosition.row + 1;
  return { range: { line: row, col: 0, endLine: row, endCol: 0 }, newText: statement + '\n' };
}

/** Points grouped by line, in line order. */
export function pointsByLine(points: readonly YieldPoint[]): Map<number, YieldPoint[]> {
  const m = new Map<number, YieldPoint[]>();
  for (const p of points) { const l = m.get(p.line); if (l) l.push(p); else m.set(p.line, [p]); }
  return m;
}
