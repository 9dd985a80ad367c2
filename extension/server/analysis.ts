// Yield-point analysis: a pure function from a Python syntax tree to the
// places where a task can give up control, the generator/coroutine
// definitions, and blocking calls that deserve a diagnostic. No LSP here.
import type { Language, Node, Query, QueryCapture } from 'web-tree-sitter';
import { type IndexEdit, TS } from './parse';

/** Suspends the current task until something resumes it (⏸), or hands control to another task directly (⇄). */
export type PointFamily = 'suspend' | 'switch';

export type PointKind =
  | 'yield'
  | 'yield-from'
  | 'await'
  | 'async-for'
  | 'async-with'
  | 'greenlet-switch'
  | 'greenlet-throw'
  | 'generator-throw'
  | 'generator-send'
  | 'next'
  | 'gevent'
  | 'join'
  | 'get'
  | 'put'
  | 'patched-io'
  | 'channel-send'
  | 'channel-receive'
  | 'schedule';

export interface Span {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

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

export interface TextEdit {
  range: Span;
  newText: string;
}

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
  'switch',
  'throw',
  'send',
  'receive',
  'send_exception',
  'send_throw',
  'join',
  'get',
  'put',
  'sleep',
  'joinall',
  'wait',
  'schedule',
  'recv',
  'recv_into',
  'recvfrom',
  'recvfrom_into',
  'sendall',
  'sendto',
  'connect',
  'accept',
  'urlopen',
  'request',
  'post',
  'patch',
  'delete',
  'head',
  'options',
  'create_connection',
  'getaddrinfo',
  'gethostbyname',
  'gethostbyname_ex',
  'getfqdn',
  'select',
  'patch_all',
  'patch_socket',
  'patch_time',
  'run',
  'call',
  'check_output',
  'gather',
  'wait_for',
  'shield',
  'to_thread',
  'as_completed',
];
const FUNCTIONS = [
  'next',
  'sleep',
  'urlopen',
  'joinall',
  'schedule',
  'create_connection',
  'getaddrinfo',
  'gethostbyname',
  'patch_all',
  'select',
  'gather',
  'wait_for',
  'wait',
];

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
  if (!q) {
    q = new TS.Query(language, QUERY);
    queries.set(language, q);
  }
  return q;
}

const aliasQueries = new Map<string, Query>();
function aliasQuery(language: Language, names: string[]): Query {
  const key = names.sort().join(' ');
  let q = aliasQueries.get(key);
  if (!q) {
    if (aliasQueries.size > 32) aliasQueries.clear();
    q = new TS.Query(language, `(call function: (identifier) @_f (#any-of? @_f ${names.map((m) => `"${m}"`).join(' ')})) @fcall`);
    aliasQueries.set(key, q);
  }
  return q;
}

const span = (n: Node): Span => ({ line: n.startPosition.row, col: n.startPosition.column, endLine: n.endPosition.row, endCol: n.endPosition.column });

const SOCKET_FUNCS = new Set(['create_connection', 'getaddrinfo', 'gethostbyname', 'gethostbyname_ex', 'getfqdn']);
const SOCKET_METHODS = new Set(['recv', 'recv_into', 'recvfrom', 'recvfrom_into', 'sendall', 'sendto', 'accept', 'connect']);
const REQUESTS_FUNCS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'request']);
const THREADISH = ['queue', 'threading', 'multiprocessing', 'concurrent', 'gevent', 'eventlet', 'stackless'];

interface Scope {
  endIndex: number;
  def: number;
  kind: 'def' | 'lambda' | 'class';
  isAsync: boolean;
}

/** Record local names bound by an import statement. */
function collectImport(node: Node, imports: Map<string, string>): void {
  if (node.type === 'import_statement') {
    for (const c of node.namedChildren) {
      if (!c) continue;
      if (c.type === 'dotted_name') {
        const full = c.text;
        imports.set(full.split('.')[0], full.split('.')[0]);
        if (full.includes('.')) imports.set(full, full);
      } else if (c.type === 'aliased_import') {
        const name = c.childForFieldName('name')?.text;
        const alias = c.childForFieldName('alias')?.text;
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
      const name = c.childForFieldName('name')?.text;
      const alias = c.childForFieldName('alias')?.text;
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
  if (args?.type !== 'argument_list') return [];
  return args.namedChildren.filter(
    (c): c is Node => !!c && c.type !== 'keyword_argument' && c.type !== 'comment' && c.type !== 'list_splat' && c.type !== 'dictionary_splat',
  );
}

/** Whether `node` is directly the operand of `await` (parentheses allowed). */
function awaited(node: Node): boolean {
  let p = node.parent;
  while (p && p.type === 'parenthesized_expression') p = p.parent;
  return p?.type === 'await';
}

/** What every chunk's classification depends on: the module's imports and whether gevent patches it. */
interface ModuleContext {
  imports: Map<string, string>;
  key: string;
  gevent: boolean;
  greenlet: boolean;
  stackless: boolean;
  socketMod: boolean;
  threadish: boolean;
  patched: boolean;
  asyncioName: string | undefined;
  geventName: string;
  aliases: string[];
}

/** One top-level statement's scan: its captures (valid for the current tree only) and what it contributes to the context. */
interface ChunkScan {
  node: Node;
  captures: QueryCapture[];
  imports: [string, string][];
  /** Function expressions of calls that may be `monkey.patch_all()`, resolved against the whole module's imports. */
  patchCalls: string[];
}

/** One top-level statement's results, in absolute positions of the tree it was computed on. */
export interface ChunkResult {
  start: number;
  end: number;
  row: number;
  col: number;
  points: YieldPoint[];
  defs: Definition[];
  findings: Finding[];
  imports: [string, string][];
  patchCalls: string[];
  /** Rows after which `import X` may go: an import statement's last row, or a leading docstring's. */
  importEnd: number;
  docstringEnd: number;
  contextKey: string;
}

function scanChunk(node: Node, language: Language): ChunkScan {
  const captures = queryFor(language)
    .captures(node)
    .filter((c) => !c.name.startsWith('_'));
  const map = new Map<string, string>();
  const patchCalls: string[] = [];
  for (const c of captures) {
    if (c.name === 'import') collectImport(c.node, map);
    else if (c.name === 'mcall' || c.name === 'fcall') {
      const fn = c.node.childForFieldName('function');
      const t = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text;
      if (fn && (t === 'patch_all' || t === 'patch_socket')) patchCalls.push(fn.text);
    }
  }
  return { node, captures, imports: [...map], patchCalls };
}

function moduleContext(chunks: readonly { imports: [string, string][]; patchCalls: string[] }[]): ModuleContext {
  const imports = new Map<string, string>();
  const patchCalls: string[] = [];
  for (const c of chunks) {
    for (const [k, v] of c.imports) imports.set(k, v);
    patchCalls.push(...c.patchCalls);
  }
  const gevent = importsModule(imports, 'gevent');
  const patched = patchCalls.some((f) => {
    const q = qualify(f, imports);
    return /^gevent\.monkey\.patch_(all|socket)$/.test(q) || (gevent && /(^|\.)monkey\.patch_(all|socket)$/.test(q));
  });
  const aliases = [...imports]
    .filter(
      ([local, q]) =>
        !FUNCTIONS.includes(local) &&
        /^[A-Za-z_]\w*$/.test(local) &&
        q.includes('.') &&
        (FUNCTIONS.includes(q.slice(q.lastIndexOf('.') + 1)) || METHODS.includes(q.slice(q.lastIndexOf('.') + 1))),
    )
    .map(([l]) => l);
  const ctx: ModuleContext = {
    imports,
    key: '',
    gevent,
    patched,
    aliases,
    greenlet: gevent || importsModule(imports, 'greenlet') || importsModule(imports, 'eventlet'),
    stackless: importsModule(imports, 'stackless'),
    socketMod: importsModule(imports, 'socket') || importsModule(imports, 'ssl'),
    threadish: THREADISH.some((m) => importsModule(imports, m)),
    asyncioName: [...imports].find(([, q]) => q === 'asyncio')?.[0],
    geventName: [...imports].find(([, v]) => v === 'gevent')?.[0] ?? 'gevent',
  };
  ctx.key = JSON.stringify([[...imports].sort(), patched]);
  return ctx;
}

type CallInfo = { node: Node; q: string; attr: string | undefined; objText: string | undefined };

/** Marker row for "where `import asyncio` goes", resolved when chunks are merged. */
const IMPORT_SITE = -1;

function classifyChunk(scan: ChunkScan, language: Language, ctx: ModuleContext): ChunkResult {
  const node = scan.node;
  let captures = scan.captures;
  if (ctx.aliases.length) {
    // `from time import sleep as nap`: calls through such aliases need their own (rare, cached) query.
    const extra = aliasQuery(language, ctx.aliases)
      .captures(node)
      .filter((c) => !c.name.startsWith('_'));
    if (extra.length) captures = [...captures, ...extra].sort((x, y) => x.node.startIndex - y.node.startIndex || y.node.endIndex - x.node.endIndex);
  }
  const { imports, gevent, greenlet, stackless, socketMod, threadish, patched, asyncioName } = ctx;

  const calls: CallInfo[] = [];
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
    calls.push({ node: c.node, q, attr, objText });
  }

  const points: YieldPoint[] = [];
  const defs: Definition[] = [];
  const findings: Finding[] = [];
  const stack: Scope[] = [];
  const awaitLabels = new Map<number, string>();
  const callInfo = new Map<number, CallInfo>();
  for (const c of calls) {
    callInfo.set(c.node.id, c);
    if (c.q.startsWith('asyncio.') && awaited(c.node)) {
      let p = c.node.parent;
      while (p && p.type !== 'await') p = p.parent;
      if (p) awaitLabels.set(p.id, `await ${c.q}`);
    }
  }

  const point = (n: Node, kind: PointKind, family: PointFamily, label: string, scope: number) => points.push({ ...span(n), kind, family, label, scope });
  const find = (n: Node, severity: Finding['severity'], code: Finding['code'], message: string, fix?: Finding['fix']) =>
    findings.push({ ...span(n), severity, code, message, ...(fix ? { fix } : {}) });

  for (const c of captures) {
    const n = c.node;
    while (stack.length && stack[stack.length - 1].endIndex <= n.startIndex) stack.pop();
    const top = stack[stack.length - 1];
    const scope = top && top.kind !== 'class' ? top.def : -1;
    // The innermost function-like scope, skipping class bodies.
    let fnScope: Scope | undefined;
    for (let i = stack.length - 1; i >= 0; i--)
      if (stack[i].kind !== 'class') {
        fnScope = stack[i];
        break;
      }
    const inAsyncDef = fnScope?.kind === 'def' && fnScope.isAsync;
    const inDef = !!fnScope;

    switch (c.name) {
      case 'def': {
        const nameNode = n.childForFieldName('name');
        const isAsync = n.firstChild?.type === 'async';
        const parent = n.parent;
        const headLine = parent?.type === 'decorated_definition' ? parent.startPosition.row : n.startPosition.row;
        defs.push({
          name: nameNode?.text ?? '?',
          kind: isAsync ? 'coroutine' : 'function',
          line: n.startPosition.row,
          headLine,
          nameSpan: nameNode ? span(nameNode) : span(n),
          span: span(n),
        });
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
        if (info) classifyCall(info, n, scope, inAsyncDef, inDef);
        break;
      }
      default:
        break;
    }
  }

  function classifyCall(info: CallInfo, n: Node, scope: number, inAsyncDef: boolean, inDef: boolean): void {
    const { q, attr } = info;
    const isAwaited = awaited(n);
    const fnNode = n.childForFieldName('function')!;
    const objNode = fnNode.type === 'attribute' ? fnNode.childForFieldName('object') : null;
    const objIsLiteral = !!objNode && /^(string|concatenated_string|integer|float|list|dictionary|tuple|set)$/.test(objNode.type);
    const args = positionalArgs(n);
    const blockingSleep = q === 'time.sleep';
    const socketIO =
      (q.startsWith('socket.') && SOCKET_FUNCS.has(q.slice(7))) ||
      (socketMod && !objIsLiteral && attr !== undefined && SOCKET_METHODS.has(attr) && !q.startsWith('asyncio.')) ||
      (socketMod && attr === 'send' && /sock|conn|client/i.test(info.objText ?? ''));
    const httpIO = q === 'urllib.request.urlopen' || (q.startsWith('requests.') && REQUESTS_FUNCS.has(q.slice(9)));
    const selectIO = q === 'select.select';

    // Monkey-patched blocking calls yield to the gevent hub.
    if (patched && (blockingSleep || socketIO || httpIO || selectIO)) {
      point(
        n,
        'patched-io',
        'suspend',
        `${blockingSleep ? 'time.sleep' : httpIO ? q.split('.').pop()! : selectIO ? 'select' : `socket ${attr ?? q.split('.').pop()}`} → gevent hub`,
        scope,
      );
      return;
    }
    if (inAsyncDef && !isAwaited) {
      if (blockingSleep) {
        const edits: TextEdit[] = [{ range: span(fnNode), newText: `await ${asyncioName ?? 'asyncio'}.sleep` }];
        if (!asyncioName) edits.push({ range: { line: IMPORT_SITE, col: 0, endLine: IMPORT_SITE, endCol: 0 }, newText: 'import asyncio\n' });
        find(
          n,
          'warning',
          'sleep-in-async',
          'time.sleep blocks the event loop: every other task waits until it returns. Use `await asyncio.sleep(…)` inside `async def`.',
          { title: 'Replace with await asyncio.sleep(…)', edits },
        );
        return;
      }
      if (httpIO || socketIO) {
        const what = httpIO ? q : `socket ${attr ?? q}`;
        find(
          n,
          httpIO || q.startsWith('socket.') ? 'warning' : 'information',
          'blocking-io-in-async',
          `${what} is blocking I/O inside \`async def\`: the event loop stalls until it completes. Use an asyncio client (e.g. aiohttp, asyncio streams) or \`await asyncio.to_thread(…)\`.`,
        );
        return;
      }
    }
    if (gevent && !patched && inDef && !isAwaited) {
      if (socketIO || httpIO) {
        find(
          n,
          'warning',
          'gevent-unpatched-io',
          `${httpIO ? q : `socket ${attr ?? q}`} blocks every greenlet: this gevent code never calls \`monkey.patch_all()\`, so the socket is not cooperative. Call \`from gevent import monkey; monkey.patch_all()\` first.`,
        );
        return;
      }
      if (blockingSleep) {
        find(
          n,
          'warning',
          'gevent-unpatched-sleep',
          'time.sleep blocks every greenlet: without `monkey.patch_all()` it does not yield to the gevent hub. Use `gevent.sleep(…)`.',
          { title: 'Replace with gevent.sleep(…)', edits: [{ range: span(fnNode), newText: `${ctx.geventName}.sleep` }] },
        );
        return;
      }
    }
    if (isAwaited) return; // the await is the yield point
    if (/^gevent\.(sleep|joinall|wait|idle)$/.test(q)) {
      point(n, 'gevent', 'suspend', q, scope);
      return;
    }
    if (/^stackless\.(schedule|schedule_remove|run)$/.test(q)) {
      point(n, 'schedule', 'switch', q, scope);
      return;
    }
    if (q === 'next' && args.length >= 1) {
      point(n, 'next', 'switch', 'next()', scope);
      return;
    }
    if (!attr || objIsLiteral || !objNode) return;
    switch (attr) {
      case 'switch':
        point(n, 'greenlet-switch', 'switch', 'greenlet switch', scope);
        return;
      case 'throw':
        point(n, greenlet ? 'greenlet-throw' : 'generator-throw', 'switch', greenlet ? 'greenlet throw' : 'throw into generator', scope);
        return;
      case 'send':
        if (stackless) point(n, 'channel-send', 'switch', 'channel send', scope);
        else if (!socketIO && !q.startsWith('socket.')) point(n, 'generator-send', 'switch', 'send into generator', scope);
        return;
      case 'send_exception':
      case 'send_throw':
        if (stackless) point(n, 'channel-send', 'switch', `channel ${attr}`, scope);
        return;
      case 'receive':
        point(n, 'channel-receive', 'switch', 'channel receive', scope);
        return;
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

  const isImport = node.type === 'import_statement' || node.type === 'import_from_statement' || node.type === 'future_import_statement';
  const isDoc = node.type === 'expression_statement' && node.firstNamedChild?.type === 'string';
  return {
    start: node.startIndex,
    end: node.endIndex,
    row: node.startPosition.row,
    col: node.startPosition.column,
    points,
    defs,
    findings,
    imports: scan.imports,
    patchCalls: scan.patchCalls,
    importEnd: isImport ? node.endPosition.row : -1,
    docstringEnd: isDoc ? node.endPosition.row : -1,
    contextKey: ctx.key,
  };
}

function shiftSpan<T extends Span>(s: T, rows: number): T {
  return { ...s, line: s.line + rows, endLine: s.endLine + rows };
}

/** A cached chunk moved by `rows` lines (its text and start column unchanged). */
function shiftChunk(c: ChunkResult, start: number, rows: number): ChunkResult {
  if (rows === 0 && start === c.start) return c;
  const shiftFix = (f: Finding): Finding =>
    f.fix
      ? {
          ...shiftSpan(f, rows),
          fix: { ...f.fix, edits: f.fix.edits.map((e) => (e.range.line === IMPORT_SITE ? e : { ...e, range: shiftSpan(e.range, rows) })) },
        }
      : shiftSpan(f, rows);
  return {
    ...c,
    start,
    end: start + (c.end - c.start),
    row: c.row + rows,
    points: c.points.map((p) => shiftSpan(p, rows)),
    defs: c.defs.map((d) => ({ ...d, line: d.line + rows, headLine: d.headLine + rows, nameSpan: shiftSpan(d.nameSpan, rows), span: shiftSpan(d.span, rows) })),
    findings: c.findings.map(shiftFix),
    importEnd: c.importEnd < 0 ? -1 : c.importEnd + rows,
    docstringEnd: c.docstringEnd < 0 ? -1 : c.docstringEnd + rows,
  };
}

function merge(chunks: readonly ChunkResult[], hasErrors: boolean, imports: Map<string, string>): Analysis {
  const points: YieldPoint[] = [],
    defs: Definition[] = [],
    findings: Finding[] = [];
  let importRow = 0;
  for (const c of chunks) if (c.importEnd >= 0) importRow = c.importEnd + 1;
  if (importRow === 0 && chunks[0]?.docstringEnd >= 0) importRow = chunks[0].docstringEnd + 1;
  for (const c of chunks) {
    const off = defs.length;
    defs.push(...c.defs);
    for (const p of c.points) points.push(p.scope >= 0 ? { ...p, scope: p.scope + off } : p);
    for (const f of c.findings) {
      if (!f.fix?.edits.some((e) => e.range.line === IMPORT_SITE)) {
        findings.push(f);
        continue;
      }
      findings.push({
        ...f,
        fix: {
          ...f.fix,
          edits: f.fix.edits.map((e) => (e.range.line === IMPORT_SITE ? { ...e, range: { line: importRow, col: 0, endLine: importRow, endCol: 0 } } : e)),
        },
      });
    }
  }
  return { points, defs, findings, imports, hasErrors };
}

/** Analyse a whole tree (no reuse). */
export function analyze(root: Node, language: Language): Analysis {
  return new IncrementalAnalyzer(language).analyze(root, undefined);
}

/**
 * Re-analyses only the top-level statements an edit touched (or whose syntax
 * changed); every other statement's results are reused, moved by the lines
 * inserted or deleted above them. Imports and `monkey.patch_all()` affect the
 * whole module: when they change, everything is redone.
 */
export class IncrementalAnalyzer {
  private chunks: ChunkResult[] = [];

  constructor(private readonly language: Language) {}

  /** `edits` (in order) and `changed` (byte ranges in the new text whose syntax changed) since the last call; undefined = no reuse. */
  analyze(root: Node, since: { edits: readonly IndexEdit[]; changed: readonly { startIndex: number; endIndex: number }[] } | undefined): Analysis {
    // Where each cached chunk is now, unless an edit touched it.
    const reusable = new Map<number, { chunk: ChunkResult; start: number; end: number; row: number }>();
    if (since) {
      for (const c of this.chunks) {
        let s = c.start,
          e = c.end,
          row = c.row,
          ok = true;
        for (const ed of since.edits) {
          if (ed.oldEndIndex <= s && !(ed.oldEndIndex === s && ed.startIndex === s && ed.newEndIndex === s)) {
            const d = ed.newEndIndex - ed.oldEndIndex;
            s += d;
            e += d;
            row += ed.newEndRow - ed.oldEndRow;
          } else if (ed.startIndex >= e) {
            // after the chunk: nothing moves
          } else {
            ok = false;
            break;
          }
        }
        if (ok && !since.changed.some((r) => r.startIndex < e && r.endIndex > s)) reusable.set(s, { chunk: c, start: s, end: e, row });
      }
    }
    // The top-level statements, walked with a cursor: `root.namedChildren` marshals every child
    // (~8 ms on a 10,000-line file); a Node is made only for the statements that are scanned again.
    const next: (ChunkResult | ChunkScan)[] = [];
    const cursor = root.walk();
    try {
      if (cursor.gotoFirstChild()) {
        do {
          if (!cursor.nodeIsNamed) continue;
          const start = cursor.startIndex;
          const r = reusable.get(start);
          const pos = r ? cursor.startPosition : undefined;
          if (r && pos && r.end === cursor.endIndex && r.row === pos.row && pos.column === r.chunk.col) {
            next.push(shiftChunk(r.chunk, start, r.row - r.chunk.row));
          } else {
            next.push(scanChunk(cursor.currentNode, this.language));
          }
        } while (cursor.gotoNextSibling());
      }
    } finally {
      cursor.delete();
    }
    const ctx = moduleContext(next);
    const out: ChunkResult[] = [];
    let kids: Node[] | undefined;
    for (let i = 0; i < next.length; i++) {
      const c = next[i];
      if ('captures' in c) out.push(classifyChunk(c, this.language, ctx));
      else if (c.contextKey === ctx.key) out.push(c);
      else {
        // The module context changed (imports, patch_all): reused statements are scanned again.
        kids ??= root.namedChildren.filter((k): k is Node => !!k);
        out.push(classifyChunk(scanChunk(kids[i], this.language), this.language, ctx));
      }
    }
    this.chunks = out;
    const a = merge(out, root.hasError, ctx.imports);
    a.points.sort((x, y) => x.line - y.line || x.col - y.col);
    a.findings.sort((x, y) => x.line - y.line || x.col - y.col);
    return a;
  }
}

/** Points grouped by line, in line order. */
export function pointsByLine(points: readonly YieldPoint[]): Map<number, YieldPoint[]> {
  const m = new Map<number, YieldPoint[]>();
  for (const p of points) {
    const l = m.get(p.line);
    if (l) l.push(p);
    else m.set(p.line, [p]);
  }
  return m;
}
