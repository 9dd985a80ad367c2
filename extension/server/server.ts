// The Coroscope language server: CodeLens on yield points and coroutine
// definitions, hovers, diagnostics and quick fixes, fed with the last run's
// per-line stats by the extension (coroscope/stats). Runs in its own Node
// process: `node dist/server.js --stdio` or under vscode-languageclient (ipc).
import {
  createConnection,
  ProposedFeatures,
  CodeLensRefreshRequest,
  TextDocumentSyncKind,
  type CodeLens,
  type Connection,
  type InitializeParams,
} from 'vscode-languageserver/node';
import { pathKey } from './documents';
import { DiskDefs, type SiteNamer } from './resumers';
import { STATS_NOTIFICATION, type LensServerSettings, type StatsParams } from '../../protocol/lsp';
import { codeActions, buildDiagnostics } from './diagnostics';
import { OpenDocument, skipUri, statsByFile } from './documents';
import { hoverAt } from './hovers';
import { buildLenses, type Lens } from './lenses';
import { loadParser, type ParserBundle } from './parse';
import { validateStats } from './stats-input';

/**
 * Above this many lenses a codeLens response carries ranges only and the
 * editor asks for the titles of the ones it shows (codeLens/resolve): a
 * 10,000-line file has ~2,500 lenses, of which a screen shows a few dozen.
 */
export const EAGER_LENS_MAX = 300;

const toCommand = (l: Lens) => ({ title: l.command.title, command: l.command.command, ...(l.command.arguments ? { arguments: l.command.arguments } : {}) });
const lensRange = (l: Lens) => ({ start: { line: l.line, character: l.col }, end: { line: l.line, character: l.col } });

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
  let disk: DiskDefs | undefined;
  /** Bumped by anything that may change some lens: edits, opens, closes, stats, settings. */
  let gen = 0;
  /** Lenses built at generation `gen`, per document; `serial` identifies the document in lazy lenses' data. */
  const lensCache = new Map<string, { gen: number; lenses: Lens[] }>();
  const serials = new Map<string, number>();
  let nextSerial = 1;

  /** Names a resume site by its enclosing def: from the open document if it is open, else from the file on disk. */
  const nameAt: SiteNamer = (file, line) => {
    const key = pathKey(file);
    for (const d of docs.values()) if (d.key === key) return d.defNameAtRunLine(line);
    return disk?.nameAt(file, line);
  };
  const lensesOf = (doc: OpenDocument): Lens[] => {
    const hit = lensCache.get(doc.uri);
    if (hit && hit.gen === gen) return hit.lenses;
    const lenses = buildLenses(doc.analysis, doc.placed(nameAt));
    lensCache.set(doc.uri, { gen, lenses });
    return lenses;
  };

  const guard =
    <A extends unknown[], R>(what: string, fallback: R, f: (...a: A) => R) =>
    (...a: A): R => {
      try {
        return f(...a);
      } catch (e) {
        connection.console.error(`coroscope: ${what} failed: ${(e as Error).stack ?? String(e)}`);
        return fallback;
      }
    };

  const publishDiagnostics = guard('diagnostics', undefined, (doc: OpenDocument) => {
    const diagnostics = settings.diagnostics.enabled ? buildDiagnostics(doc.analysis, doc.placed(), (r) => doc.source.lineText(r)) : [];
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  });
  const scheduleDiagnostics = (doc: OpenDocument) => {
    clearTimeout(diagTimers.get(doc.uri));
    diagTimers.set(
      doc.uri,
      setTimeout(() => {
        diagTimers.delete(doc.uri);
        if (docs.get(doc.uri) === doc) publishDiagnostics(doc);
      }, 150),
    );
  };
  const refreshAll = () => {
    if (canRefreshLenses) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    for (const d of docs.values()) publishDiagnostics(d);
  };

  connection.onInitialize(async (params: InitializeParams) => {
    bundle = await loadParser();
    disk = new DiskDefs(bundle);
    settings = readSettings(params.initializationOptions, DEFAULTS);
    canRefreshLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeLensProvider: { resolveProvider: true },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
      },
      serverInfo: { name: 'coroscope-lens', version: '0.1.0' },
    };
  });

  connection.onDidChangeConfiguration(
    guard('configuration', undefined, (p) => {
      const s = (p.settings as { coroscope?: unknown } | null)?.coroscope;
      if (s === undefined) return;
      settings = readSettings(s, settings);
      gen++;
      refreshAll();
    }),
  );

  connection.onDidOpenTextDocument(
    guard('open', undefined, (p) => {
      const { uri, version, text } = p.textDocument;
      if (skipUri(uri) || !bundle) return;
      docs.get(uri)?.dispose();
      const doc = new OpenDocument(bundle, uri, version, text);
      docs.set(uri, doc);
      if (!serials.has(uri)) serials.set(uri, nextSerial++);
      gen++;
      if (lastStats && doc.key) doc.setStats(lastStats, statsByFile(lastStats).get(doc.key));
      publishDiagnostics(doc);
    }),
  );

  connection.onDidChangeTextDocument(
    guard('change', undefined, (p) => {
      const doc = docs.get(p.textDocument.uri);
      if (!doc) return;
      doc.applyChanges(p.contentChanges, p.textDocument.version);
      gen++;
      scheduleDiagnostics(doc);
    }),
  );

  connection.onDidCloseTextDocument(
    guard('close', undefined, (p) => {
      const doc = docs.get(p.textDocument.uri);
      if (!doc) return;
      docs.delete(p.textDocument.uri);
      lensCache.delete(p.textDocument.uri);
      serials.delete(p.textDocument.uri);
      gen++;
      clearTimeout(diagTimers.get(doc.uri));
      doc.dispose();
      void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
    }),
  );

  connection.onNotification(
    STATS_NOTIFICATION,
    guard('stats', undefined, (raw: unknown) => {
      const params = validateStats(raw);
      if (typeof params === 'string') {
        connection.console.warn(`coroscope: ignored ${params}`);
        return;
      }
      lastStats = params;
      gen++;
      const byFile = statsByFile(params);
      for (const d of docs.values()) if (d.key) d.setStats(params, byFile.get(d.key));
      refreshAll();
    }),
  );

  // Lenses are built once per generation; a big file's response carries ranges and `data: [document, gen, index]`.
  connection.onCodeLens(
    guard('codeLens', [] as CodeLens[], (p) => {
      const doc = docs.get(p.textDocument.uri);
      if (!doc || !settings.lens.enabled) return [];
      const lenses = lensesOf(doc);
      if (lenses.length <= EAGER_LENS_MAX) return lenses.map((l) => ({ range: lensRange(l), command: toCommand(l) }));
      const serial = serials.get(doc.uri) ?? 0;
      return lenses.map((l, i) => ({ range: lensRange(l), data: [serial, gen, i] }));
    }),
  );

  connection.onCodeLensResolve(
    guard('codeLens/resolve', { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } } as CodeLens, (lens) => {
      if (lens.command) return lens;
      const data = lens.data as unknown;
      const [serial, g, i] = Array.isArray(data) ? (data as unknown[]) : [];
      let doc: OpenDocument | undefined;
      for (const [uri, s] of serials) if (s === serial) doc = docs.get(uri);
      if (!doc || !settings.lens.enabled) return { ...lens, command: { title: '', command: '' } };
      const lenses = lensesOf(doc);
      // Same generation: the lens it was; otherwise (the document changed since) the current lens on that line.
      const l = g === gen && typeof i === 'number' ? lenses[i] : lenses.find((x) => x.line === lens.range.start.line && x.col === lens.range.start.character);
      return { ...lens, command: l ? toCommand(l) : { title: '', command: '' } };
    }),
  );

  connection.onHover(
    guard('hover', null, (p) => {
      const doc = docs.get(p.textDocument.uri);
      if (!doc || !settings.hover.enabled) return null;
      const { line, character } = p.position;
      const md = hoverAt(doc.analysis, doc.placed(nameAt), line, character, doc.source.lineText(line));
      return md ? { contents: { kind: 'markdown', value: md } } : null;
    }),
  );

  connection.onCodeAction(
    guard('codeAction', [], (p) => {
      const doc = docs.get(p.textDocument.uri);
      if (!doc) return [];
      return codeActions(doc.uri, doc.analysis, p.range, p.context.diagnostics);
    }),
  );

  connection.onShutdown(() => {
    for (const d of docs.values()) d.dispose();
    docs.clear();
  });
  connection.listen();
}

// createConnection picks the transport from argv: --stdio, --node-ipc, --socket=N.
if (require.main === module) startServer(createConnection(ProposedFeatures.all));
