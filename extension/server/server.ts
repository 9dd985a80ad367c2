// The Coroscope language server: CodeLens on yield points and coroutine
// definitions, hovers, diagnostics and quick fixes, fed with the last run's
// per-line stats by the extension (coroscope/stats). Runs in its own Node
// process: `node dist/server.js --stdio` or under vscode-languageclient (ipc).
import {
  createConnection, ProposedFeatures, CodeLensRefreshRequest, TextDocumentSyncKind,
  type CodeLens, type Connection, type InitializeParams,
} from 'vscode-languageserver/node';
import { STATS_NOTIFICATION, type LensServerSettings, type StatsParams } from '../../protocol/lsp';
import { codeActions, buildDiagnostics } from './diagnostics';
import { OpenDocument, skipUri, statsByFile } from './documents';
import { hoverAt } from './hovers';
import { buildLenses } from './lenses';
import { loadParser, type ParserBundle } from './parse';
import { validateStats } from './stats-input';

const DEFAULTS: LensServerSettings = { lens: { enabled: true }, hover: { enabled: true }, diagnostics: { enabled: true } };

function readSettings(raw: unknown, base: LensServerSettings): LensServerSettings {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const flag = (k: keyof LensServerSettings): boolean => {
    const v = o[k];
    const e = typeof v === 'object' && v !== null ? (v as { enabled?: unknown }).enabled : undefined;
    return typeof e === 'boolean' ? e : base[k].enabled;
  };
  return { lens: { enabled: flag('lens') }, hover: { enabled: flag('hover') }, diagnostics: { enabled: flag('diagnostics') } };
}

export function startServer(connection: Connection): void {
  let bundle: ParserBundle | undefined;
  let settings = DEFAULTS;
  let lastStats: StatsParams | undefined;
  let canRefreshLenses = false;
  const docs = new Map<string, OpenDocument>();
  const diagTimers = new Map<string, NodeJS.Timeout>();

  const guard = <A extends unknown[], R>(what: string, fallback: R, f: (...a: A) => R) => (...a: A): R => {
    try { return f(...a); } catch (e) {
      connection.console.error(`coroscope: ${what} failed: ${(e as Error).stack ?? String(e)}`);
      return fallback;
    }
  };

  const publishDiagnostics = guard('diagnostics', undefined, (doc: OpenDocument) => {
    const diagnostics = settings.diagnostics.enabled
      ? buildDiagnostics(doc.analysis, doc.placed(), (r) => doc.source.lineText(r)) : [];
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  });
  const scheduleDiagnostics = (doc: OpenDocument) => {
    clearTimeout(diagTimers.get(doc.uri));
    diagTimers.set(doc.uri, setTimeout(() => { diagTimers.delete(doc.uri); if (docs.get(doc.uri) === doc) publishDiagnostics(doc); }, 150));
  };
  const refreshAll = () => {
    if (canRefreshLenses) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    for (const d of docs.values()) publishDiagnostics(d);
  };

  connection.onInitialize(async (params: InitializeParams) => {
    bundle = await loadParser();
    settings = readSettings(params.initializationOptions, DEFAULTS);
    canRefreshLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
      },
      serverInfo: { name: 'coroscope-lens', version: '0.1.0' },
    };
  });

  connection.onDidChangeConfiguration(guard('configuration', undefined, (p) => {
    const s = (p.settings as { coroscope?: unknown } | null)?.coroscope;
    if (s === undefined) return;
    settings = readSettings(s, settings);
    refreshAll();
  }));

  connection.onDidOpenTextDocument(guard('open', undefined, (p) => {
    const { uri, version, text } = p.textDocument;
    if (skipUri(uri) || !bundle) return;
    docs.get(uri)?.dispose();
    const doc = new OpenDocument(bundle, uri, version, text);
    docs.set(uri, doc);
    if (lastStats && doc.key) doc.setStats(lastStats, statsByFile(lastStats).get(doc.key));
    publishDiagnostics(doc);
  }));

  connection.onDidChangeTextDocument(guard('change', undefined, (p) => {
    const doc = docs.get(p.textDocument.uri);
    if (!doc) return;
    doc.applyChanges(p.contentChanges, p.textDocument.version);
    scheduleDiagnostics(doc);
  }));

  connection.onDidCloseTextDocument(guard('close', undefined, (p) => {
    const doc = docs.get(p.textDocument.uri);
    if (!doc) return;
    docs.delete(p.textDocument.uri);
    clearTimeout(diagTimers.get(doc.uri));
    doc.dispose();
    void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
  }));

  connection.onNotification(STATS_NOTIFICATION, guard('stats', undefined, (raw: unknown) => {
    const params = validateStats(raw);
    if (typeof params === 'string') { connection.console.warn(`coroscope: ignored ${params}`); return; }
    lastStats = params;
    const byFile = statsByFile(params);
    for (const d of docs.values()) if (d.key) d.setStats(params, byFile.get(d.key));
    refreshAll();
  }));

  connection.onCodeLens(guard('codeLens', [] as CodeLens[], (p) => {
    const doc = docs.get(p.textDocument.uri);
    if (!doc || !settings.lens.enabled) return [];
    return buildLenses(doc.analysis, doc.placed()).map((l) => ({
      range: { start: { line: l.line, character: l.col }, end: { line: l.line, character: l.col } },
      command: { title: l.command.title, command: l.command.command, ...(l.command.arguments ? { arguments: l.command.arguments } : {}) },
    }));
  }));

  connection.onHover(guard('hover', null, (p) => {
    const doc = docs.get(p.textDocument.uri);
    if (!doc || !settings.hover.enabled) return null;
    const { line, character } = p.position;
    const md = hoverAt(doc.analysis, doc.placed(), line, character, doc.source.lineText(line));
    return md ? { contents: { kind: 'markdown', value: md } } : null;
  }));

  connection.onCodeAction(guard('codeAction', [], (p) => {
    const doc = docs.get(p.textDocument.uri);
    if (!doc) return [];
    return codeActions(doc.uri, doc.analysis, p.range, p.context.diagnostics);
  }));

  connection.onShutdown(() => { for (const d of docs.values()) d.dispose(); docs.clear(); });
  connection.listen();
}

// createConnection picks the transport from argv: --stdio, --node-ipc, --socket=N.
if (require.main === module) startServer(createConnection(ProposedFeatures.all));
