// The diagram panel host: one webview panel showing one trace (live or saved).
// The page is the shared shell (webview/page.ts) with the webview bundle; it is
// not kept alive while hidden, so whenever it (re)loads it posts `ready` and
// gets the whole trace replayed from the trace file, then the live batches
// that follow, with no gap and no duplicate (byte offsets line them up).
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { diagramPage } from '../../webview/page';
import { isWebviewMessage, type HostMessage, type RunState, type WebviewMessage } from '../../protocol/messages';
import { isTestWebviewMessage, type DiagramSummary, type TestHostMessage } from '../../protocol/test-messages';
import { assertNever } from '../../protocol/events';
import { StepDecorations } from '../replay/decorations';
import { captureLocals, onCaptureLocals, setCaptureLocals } from '../replay/locals-setting';
import { SOURCES_CAP, isProgramFile, pickSources } from '../../trace/sources';
import type { PageIndex } from '../../trace/page-index';
import { scanPages } from '../../session/page-scan';
import { searchFile } from './search';
import { PagingStatus, pagingSettings, planFor, readLines, readPlanned, type PageRequest, type PagingSettings } from './paging';
import { PageFlow } from './flow';

export const VIEW_TYPE = 'coroscope.diagram';
const REPLAY_CHUNK = 1024 * 1024;

/** What the panel shows: a trace file, of which `bytes()` are complete now. */
export interface PanelTrace {
  title: string;
  live: boolean;
  file: string;
  /** Bytes of `file` that will hold whole lines once `written()` resolves. */
  bytes(): number;
  written(): Promise<void>;
  /** Working folder of the run, to resolve relative source paths. */
  cwd?: string;
  /** A live run's paging index, fed batch by batch (the host's store lets its rows go); a saved trace gets one by a scan. */
  pages?: PageIndex;
}

/** Saved traces this many bytes per paging threshold event or larger are scanned for paging (no runtime line is shorter). */
const MIN_LINE_BYTES = 32;
/** Paging, live: how often the page hears the run's row count and overview. */
const PAGE_TOTAL_MS = 1000;

export interface PanelHooks {
  /** The user pressed Stop in the panel. */
  onStop(): void;
  /** The panel was closed by the user. */
  onClosed(): void;
}

/** A test query waiting for the page's summary; `gen`: the replay it was posted in (-1: not posted yet). */
interface SummaryWaiter {
  gen: number;
  done(s: DiagramSummary | undefined): void;
}

export class DiagramPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelSubs: vscode.Disposable[] = [];
  private trace: PanelTrace | undefined;
  private status: HostMessage | undefined;
  /** Byte offset up to which the current webview instance has the trace; -1 while not synced. */
  private synced = -1;
  private replayGen = 0;
  private replaying = false;
  /** Times the webview posted `ready` (loads and reloads). */
  loads = 0;
  /** The trace bytes posted to the page and not yet taken (flow control, ./flow.ts). */
  readonly flow = new PageFlow();
  /**
   * Live batches were not posted (no room in flight, or a replay was going): the page has the file up to `synced` and
   * `catchUp` reads on from there. Counted for tests and benchmarks in `lagged`.
   */
  private lagging = false;
  private catchingUp = false;
  /** A replay of the whole trace (not a paging window) is posting. */
  private wholeReplay = false;
  /** Live batches held back for want of room (tests, benchmarks). */
  lagged = 0;
  private summaryWaiters: SummaryWaiter[] = [];
  /** The replay generation of each `test.query` posted and not answered yet (the page answers in order, unless it reloads). */
  private postedQueries: number[] = [];
  private readonly subs: vscode.Disposable[] = [];
  private highlightTimer: NodeJS.Timeout | undefined;
  /** The step cursor's tasks in the editors (extension/replay/). */
  readonly decorations: StepDecorations;
  /** Paging mode: the window the page holds (global rows [base, end)), undefined when the page holds the whole trace. */
  paging: { base: number; end: number; follow: boolean; total: number } | undefined;
  /** The range the page last asked for (`wantRange`); undefined: the newest rows. */
  private pageRequest: PageRequest | undefined;
  /** A saved trace's paging index (scanned once per file). */
  private savedPages: { file: string; size: number; index: PageIndex } | undefined;
  private settings: PagingSettings = pagingSettings();
  readonly pagingStatus = new PagingStatus();
  private pageTotalTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly hooks: PanelHooks,
  ) {
    this.subs.push(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => {
          this.adopt(panel, true);
        },
      }),
    );
    this.subs.push(vscode.window.onDidChangeTextEditorSelection((e) => this.onSelection(e)));
    this.decorations = new StepDecorations(context.extensionUri);
    this.subs.push(this.decorations);
    this.subs.push(onCaptureLocals((on) => this.synced >= 0 && this.post({ type: 'captureLocals', on })));
    this.subs.push(this.pagingStatus);
    this.subs.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('coroscope.paging')) this.settings = pagingSettings();
      }),
    );
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }
  get current(): PanelTrace | undefined {
    return this.trace;
  }

  /** Creates or reveals the panel beside the editor. */
  show(preserveFocus = true): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      'Tasklet Diagram',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      this.webviewOptions(),
    );
    this.adopt(panel, false);
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview')],
    };
  }

  private adopt(panel: vscode.WebviewPanel, restored: boolean): void {
    this.disposePanelSubs();
    this.panel = panel;
    this.synced = -1;
    panel.webview.options = this.webviewOptions();
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'icon.png');
    if (restored && !this.trace) {
      // After a reload: show the last trace this workspace saw.
      const last = this.context.workspaceState.get<string>('coroscope.lastTrace');
      if (last && fs.existsSync(last)) this.trace = savedTrace(last);
    }
    panel.webview.html = this.html(panel.webview);
    this.panelSubs.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.synced = -1;
      }),
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.synced = -1;
        this.flow.reset(); // a replay waiting for room ends (superseded: no panel)
        this.decorations.clear();
        this.endPaging();
        this.disposePanelSubs();
        this.flushWaiters();
        this.hooks.onClosed();
      }),
    );
  }

  private html(webview: vscode.Webview): string {
    const base = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
    const uri = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(base, f)).toString();
    return diagramPage({
      title: 'Tasklet Diagram',
      nonce: randomBytes(16).toString('base64'),
      cspSource: webview.cspSource,
      scriptUri: uri('webview.js'),
      styleUris: [uri('codicon.css'), uri('webview.css')],
    });
  }

  /** Shows a new trace (a run that starts, or a saved trace). */
  setTrace(trace: PanelTrace): void {
    this.trace = trace;
    this.status = undefined;
    this.lagging = false;
    this.sourceBytes = 0;
    this.decorations.clear();
    this.synced = -1;
    this.pageRequest = undefined;
    this.endPaging();
    if (!trace.live) void this.context.workspaceState.update('coroscope.lastTrace', trace.file);
    if (this.panel) {
      this.panel.title = `Tasklet Diagram — ${trace.title}`;
      void this.replay();
    }
  }

  /** A live batch of whole lines (UTF-8, as received), occupying [start, end) of the trace file. */
  append(trace: PanelTrace, bytes: Uint8Array, start: number, end: number): void {
    if (trace !== this.trace || !this.panel || bytes.length === 0) return;
    if (this.synced < 0) {
      // Mid-replay: the replay reads on from the file when it is done (catchUp). Hidden/unloaded: the next `ready`
      // replays the file. Either way nothing is held here.
      if (this.replaying) {
        this.lagging = true;
        const pages = trace.pages;
        if (this.wholeReplay && pages && pages.total > this.settings.threshold) {
          // The run outgrew the whole-trace replay a slow page is still taking (minutes at a few MB/s): page now.
          this.wholeReplay = false;
          void this.replay();
        }
      }
      return;
    }
    const pages = trace.pages;
    if (pages && !this.paging && pages.total > this.settings.threshold) {
      // The run just passed the threshold: the page lets go of what it holds and keeps a window (the newest rows).
      this.log.info(`diagram: ${pages.total} events, over coroscope.paging.thresholdEvents (${this.settings.threshold}): paging from ${trace.file}`);
      void this.replay();
      return;
    }
    if (this.paging && pages) {
      this.paging.total = pages.total;
      this.pageTotalSoon(pages);
      if (!this.paging.follow) {
        // The page looks at an older range: the newest rows stay on disk until it asks for them.
        this.synced = end;
        return;
      }
      if (pages.total - this.paging.base > 2 * this.settings.window) {
        // A following window holds at most two windows' rows: move it to the newest ones.
        void this.replay();
        return;
      }
    }
    if (this.lagging || !this.flow.hasRoom) {
      // The page has not taken what it was sent: leave this batch on disk, the page reads it later (catchUp).
      this.lagged++;
      this.lagging = true;
      void this.catchUp(trace);
      return;
    }
    if (this.paging && pages) this.paging.end = pages.total;
    if (start !== this.synced) {
      // Out of step (should not happen): resynchronise from the file.
      this.log.warn(`diagram out of step at byte ${start} (has ${this.synced}); replaying`);
      void this.replay();
      return;
    }
    this.postBytes(transferable(bytes));
    this.synced = end;
  }

  /**
   * The page is behind the run (batches were not posted): once there is room, the file's bytes from `synced` on, until
   * the page has all that was received; then live batches go straight again. A paging window that would outgrow two
   * windows is moved to the newest rows instead (a replay), and the threshold crossed starts paging, as `append` does.
   */
  private async catchUp(trace: PanelTrace): Promise<void> {
    if (this.catchingUp) return;
    this.catchingUp = true;
    const gen = this.replayGen;
    const stale = () => gen !== this.replayGen || trace !== this.trace || !this.panel || this.synced < 0;
    try {
      for (;;) {
        await this.flow.room();
        if (stale()) return;
        // Bytes and rows at a batch boundary (the session updates both in one turn): whole lines, a known row count.
        const upTo = trace.bytes();
        const pages = trace.pages;
        const total = pages?.total ?? 0;
        if (this.paging && pages) {
          // The batches read here never went through `append`: the run's row count goes to the page from here too
          // (else a window caught up to the end of a run said "events …–100,008 of 99,029").
          this.paging.total = total;
          this.pageTotalSoon(pages);
        }
        if (this.synced >= upTo) {
          this.lagging = false;
          return;
        }
        if (pages && !this.paging && total > this.settings.threshold) {
          void this.replay();
          return;
        }
        if (this.paging && (!this.paging.follow || total - this.paging.base > 2 * this.settings.window)) {
          if (this.paging.follow) void this.replay();
          else {
            // A window not following gets no bytes (see append).
            this.synced = upTo;
            this.lagging = false;
          }
          return;
        }
        await trace.written();
        for await (const bytes of readLines(trace.file, this.synced, upTo, REPLAY_CHUNK)) {
          await this.flow.room();
          if (stale()) return;
          this.postBytes(bytes);
        }
        if (stale()) return;
        this.synced = upTo;
        if (this.paging) this.paging.end = total;
      }
    } catch (e) {
      this.log.error(`could not read trace ${trace.file}: ${(e as Error).message}`);
    } finally {
      this.catchingUp = false;
    }
  }

  /** Trace bytes to the page, counted in flight until it says it has taken them. */
  private postBytes(bytes: Uint8Array): void {
    this.flow.sent(bytes.byteLength);
    this.post({ type: 'appendBytes', bytes });
  }

  setStatus(trace: PanelTrace, state: RunState, exitCode?: number | null, message?: string): void {
    if (trace !== this.trace) return;
    this.status = { type: 'status', state, exitCode, message };
    if (this.synced >= 0) this.post(this.status);
  }

  /** The run went from live to done: later reloads replay it as a saved trace. */
  markSaved(trace: PanelTrace): void {
    trace.live = false;
    void this.context.workspaceState.update('coroscope.lastTrace', trace.file);
  }

  focus(index: number): void {
    this.show(false);
    this.afterSync(() => this.post({ type: 'focus', index }));
  }

  private pendingAfterSync: (() => void)[] = [];
  private afterSync(f: () => void): void {
    if (this.synced >= 0) f();
    else this.pendingAfterSync.push(f);
  }

  /** What the webview holds now (undefined if there is no panel or it does not answer). */
  query(timeoutMs = 10000): Promise<DiagramSummary | undefined> {
    if (!this.panel) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let settled = false;
      const waiter: SummaryWaiter = {
        gen: -1,
        done: (s: DiagramSummary | undefined) => {
          if (!settled) {
            settled = true;
            clearTimeout(t);
            resolve(s);
          }
        },
      };
      const t = setTimeout(() => {
        this.summaryWaiters = this.summaryWaiters.filter((w) => w !== waiter);
        waiter.done(undefined);
      }, timeoutMs);
      this.summaryWaiters.push(waiter);
      this.afterSync(() => {
        if (settled) return;
        waiter.gen = this.replayGen;
        this.postedQueries.push(this.replayGen);
        this.post({ type: 'test.query' });
      });
    });
  }

  private flushWaiters(): void {
    const w = this.summaryWaiters;
    this.summaryWaiters = [];
    for (const f of w) f.done(undefined);
  }

  /** Posts a message to the page (tests; the host's own messages go through `post`). */
  send(m: HostMessage): void {
    this.post(m);
  }

  private post(m: HostMessage | TestHostMessage): void {
    void this.panel?.webview.postMessage(m);
  }

  /** reset + the whole file so far in chunks, then the live batches queued meanwhile. */
  private async replay(): Promise<void> {
    const trace = this.trace;
    if (!this.panel) return;
    const gen = ++this.replayGen;
    this.synced = -1;
    this.replaying = true;
    this.wholeReplay = false;
    try {
      await this.replayFrom(trace, gen);
    } finally {
      if (gen === this.replayGen) this.replaying = false;
    }
  }

  private async replayFrom(trace: PanelTrace | undefined, gen: number): Promise<void> {
    this.post({ type: 'reset', title: trace?.title ?? '', live: trace?.live ?? false });
    if (!trace) {
      this.synced = 0;
      this.runAfterSync();
      return;
    }
    const upTo = trace.bytes();
    await trace.written();
    const index = await this.pageIndexFor(trace, upTo, gen);
    if (gen !== this.replayGen || !this.panel) return;
    if (index && index.total > this.settings.threshold && (await this.replayPage(trace, index, gen))) return;
    this.endPaging();
    try {
      // `appendBytes` carries whole lines (protocol/messages.ts): page-read's `readLines` cuts at the last newline of
      // each piece; the bytes are the file's, never decoded here, each piece a buffer of its own (it is transferred).
      this.wholeReplay = true;
      for await (const bytes of readLines(trace.file, 0, upTo, REPLAY_CHUNK)) {
        await this.flow.room();
        if (gen !== this.replayGen || !this.panel) return; // superseded
        this.postBytes(bytes);
      }
    } catch (e) {
      this.log.error(`could not read trace ${trace.file}: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Coroscope: could not read the trace ${path.basename(trace.file)}: ${(e as Error).message}`);
    }
    if (gen !== this.replayGen || !this.panel) return;
    this.wholeReplay = false;
    // What the file could not give (a failed write) is gone for good; go on from there.
    this.synced = upTo;
    this.afterReplay(trace);
  }

  /** A replay is done: what the run added meanwhile is read from the file (catchUp), then the state and waiters. */
  private afterReplay(trace: PanelTrace): void {
    this.replaying = false;
    if (trace.bytes() > this.synced) {
      this.lagging = true;
      void this.catchUp(trace);
    } else this.lagging = false;
    if (this.status) this.post(this.status);
    this.runAfterSync();
  }

  /** The paging index of the trace: a live run's own; a big saved file's, scanned once (undefined: too small to page). */
  private async pageIndexFor(trace: PanelTrace, upTo: number, gen: number): Promise<PageIndex | undefined> {
    if (trace.pages) return trace.pages;
    if (upTo < this.settings.threshold * MIN_LINE_BYTES) return undefined;
    const saved = this.savedPages;
    if (saved && saved.file === trace.file && saved.size === upTo) return saved.index;
    const t0 = Date.now();
    try {
      const index = await scanPages(trace.file, upTo, () => gen !== this.replayGen);
      if (gen !== this.replayGen) return undefined;
      this.log.info(`diagram: indexed ${trace.file} for paging (${index.total} events, ${index.offsets.count} offsets) in ${Date.now() - t0} ms`);
      this.savedPages = { file: trace.file, size: upTo, index };
      return index;
    } catch (e) {
      this.log.error(`could not index trace ${trace.file}: ${(e as Error).message}`);
      return undefined;
    }
  }

  /**
   * Paging mode: `reset` was posted; now `page`, the prelude (header and earlier lanes' declarations) and the window's
   * bytes read from the file, then (following) the live batches queued meanwhile. False: nothing indexed to page.
   */
  private async replayPage(trace: PanelTrace, index: PageIndex, gen: number): Promise<boolean> {
    const pick = planFor(index, this.pageRequest, this.settings);
    if (!pick) return false;
    const { plan, follow } = pick;
    const prelude = index.prelude(plan);
    this.paging = { base: plan.base, end: plan.end, follow, total: index.total };
    this.post({ type: 'page', base: plan.base, prelude: prelude ? plan.lanes : 0, total: index.total, follow, overview: index.overviewData() ?? null });
    if (prelude) this.postBytes(new TextEncoder().encode(prelude));
    let read = 0;
    try {
      // The plan may reach rows still on their way to the file: readPlanned waits for them.
      for await (const bytes of readPlanned(trace, plan)) {
        await this.flow.room();
        if (gen !== this.replayGen || !this.panel) return true; // superseded
        this.postBytes(bytes);
        read += bytes.byteLength;
      }
    } catch (e) {
      this.log.error(`could not read trace ${trace.file}: ${(e as Error).message}`);
    }
    if (gen !== this.replayGen || !this.panel) return true;
    // A short read leaves the page a window without its rows: say so (a failed write, a file cut since).
    if (read < plan.byteEnd - plan.byteStart) this.log.warn(`diagram: read ${read} of the window's ${plan.byteEnd - plan.byteStart} bytes from ${trace.file}`);
    this.pagingStatus.show(index.total, this.paging, this.settings);
    this.synced = plan.byteEnd;
    this.afterReplay(trace);
    return true;
  }

  /** Paging, live: the run's row count and overview to the page and the status bar, at most once a second. */
  private pageTotalSoon(index: PageIndex): void {
    if (this.pageTotalTimer) return;
    this.pageTotalTimer = setTimeout(() => {
      this.pageTotalTimer = undefined;
      if (!this.paging || this.synced < 0) return;
      this.post({ type: 'pageTotal', total: index.total, overview: index.overviewData() ?? null });
      this.pagingStatus.show(index.total, this.paging, this.settings);
    }, PAGE_TOTAL_MS);
  }

  private endPaging(): void {
    this.paging = undefined;
    if (this.pageTotalTimer) clearTimeout(this.pageTotalTimer);
    this.pageTotalTimer = undefined;
    this.pagingStatus.hide();
  }

  private runAfterSync(): void {
    const fs2 = this.pendingAfterSync;
    this.pendingAfterSync = [];
    for (const f of fs2) f();
  }

  private onMessage(m: unknown): void {
    void this.receive(m);
  }

  /** A message from the webview: validated, then handled; resolves when handled. */
  async receive(m: unknown): Promise<void> {
    if (isTestWebviewMessage(m)) {
      // Answers come in the order the queries were posted: this one describes the page as of that query's replay.
      // A query that timed out leaves its answer to the next one posted, unless a newer trace was replayed since.
      const gen = this.postedQueries.shift() ?? this.replayGen;
      const k = this.summaryWaiters.findIndex((w) => w.gen >= 0);
      const w = k >= 0 ? this.summaryWaiters[k] : undefined;
      if (w && w.gen <= gen) {
        this.summaryWaiters.splice(k, 1);
        w.done(m.summary);
      }
      return;
    }
    if (!isWebviewMessage(m)) {
      this.log.warn(`ignored a malformed message from the diagram: ${safeJson(m)}`);
      return;
    }
    await this.handle(m);
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.loads++;
        this.flow.reset(); // a fresh page has taken nothing; what the old one was sent is gone
        this.postedQueries = []; // a fresh page answers nothing the old one was asked
        this.sourceBytes = 0; // a fresh page has no sources yet
        this.log.info(`diagram loaded (${this.loads}); replaying ${this.trace ? `${this.trace.title}, ${this.trace.bytes()} bytes` : 'nothing'}`);
        await this.replay();
        this.post({ type: 'captureLocals', on: captureLocals() });
        break;
      case 'reveal':
        await this.reveal(m.file, m.line);
        break;
      case 'saveImage':
        await this.saveImage(m.format, m.data);
        break;
      case 'stop':
        this.hooks.onStop();
        break;
      case 'cursor':
        this.decorations.show(m.tasks, this.trace?.cwd);
        break;
      case 'wantSources':
        this.sendSources(m.files);
        break;
      case 'setCaptureLocals':
        await setCaptureLocals(m.on);
        break;
      case 'wantRange':
        if (!this.paging) break; // only a paging page asks; a stale ask after the mode ended is moot
        this.pageRequest = { from: m.from, to: m.to };
        await this.replay();
        break;
      case 'wantSearch':
        await this.search(m.query);
        break;
      case 'received':
        this.flow.received(m.bytes);
        break;
      default:
        assertNever(m, 'webview message');
    }
  }

  /** The search running over the trace file (a newer query, or another trace, stops it). */
  private searchGen = 0;

  /** Paging mode: the whole run searched in the trace file (extension/panel/search.ts), `searchHits` as it goes. */
  private async search(query: string): Promise<void> {
    const gen = ++this.searchGen;
    const trace = this.trace;
    if (!this.paging || !trace || !query.trim()) return;
    // What the file was handed before waiting is on disk after (the bytes handed meanwhile may not be).
    const upTo = trace.bytes();
    await trace.written();
    const stale = () => gen !== this.searchGen || this.trace !== trace || !this.panel;
    const t0 = Date.now();
    try {
      const r = await searchFile(
        trace.file,
        upTo,
        query,
        (p) => {
          if (stale()) return;
          this.post({
            type: 'searchHits',
            query,
            count: p.count,
            hits: p.hits,
            scanned: p.scanned,
            total: p.done ? p.scanned : Math.max(p.scanned, this.paging?.total ?? 0),
            done: p.done,
          });
        },
        stale,
      );
      if (r.done)
        this.log.info(`diagram: searched ${r.scanned} events of ${trace.file} for ${JSON.stringify(query)}: ${r.count} matches in ${Date.now() - t0} ms`);
    } catch (e) {
      this.log.error(`could not search trace ${trace.file}: ${(e as Error).message}`);
    }
  }

  /** Bytes of source sent to the page for the current trace (capped like the report's). */
  private sourceBytes = 0;

  /** The texts of the program files the page asks for: program files only (no library), within the cap. */
  private sendSources(files: string[]): void {
    const cwd = this.trace?.cwd;
    const resolve = (f: string) => (path.isAbsolute(f) || !cwd ? f : path.join(cwd, f));
    const picked = pickSources(
      files.filter(isProgramFile),
      (f) => {
        try {
          const p = resolve(f);
          return fs.statSync(p).size <= SOURCES_CAP ? fs.readFileSync(p, 'utf8') : undefined;
        } catch {
          return undefined;
        }
      },
      SOURCES_CAP - this.sourceBytes,
    );
    for (const f of picked.files) this.sourceBytes += f.text.length;
    if (picked.files.length || picked.capped) this.post({ type: 'sources', files: picked.files, capped: picked.capped, pane: false });
  }

  /** Opens the source of a clicked event, in the editor column beside the panel. */
  private async reveal(file: string, line: number): Promise<void> {
    let p = file;
    if (!path.isAbsolute(p) && this.trace?.cwd) p = path.join(this.trace.cwd, p);
    if (!path.isAbsolute(p) || !fs.existsSync(p)) {
      vscode.window.setStatusBarMessage(`Coroscope: source not available (${file})`, 4000);
      return;
    }
    const ln = Math.max(0, Math.floor(line) - 1);
    const range = new vscode.Range(ln, 0, ln, 0);
    try {
      const editor = await vscode.window.showTextDocument(vscode.Uri.file(p), { viewColumn: vscode.ViewColumn.One, selection: range, preserveFocus: false });
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    } catch (e) {
      this.log.warn(`could not open ${p}: ${(e as Error).message}`);
    }
  }

  private async saveImage(format: 'svg' | 'png', data: string): Promise<void> {
    let bytes: Buffer;
    if (format === 'svg') bytes = Buffer.from(data, 'utf8');
    else {
      const base64 = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(data)?.[1];
      if (base64 === undefined) {
        this.log.warn('ignored a PNG export that is not a base64 PNG data URL');
        return;
      }
      bytes = Buffer.from(base64, 'base64');
    }
    const base = this.trace ? path.basename(this.trace.file).replace(/\.jsonl$/, '') : 'diagram';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${base}.${format}`) : undefined,
      filters: format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
      saveLabel: 'Save Diagram',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, bytes);
    this.log.info(`diagram saved to ${target.fsPath}`);
  }

  private onSelection(e: vscode.TextEditorSelectionChangeEvent): void {
    if (!this.panel?.visible || e.textEditor.document.uri.scheme !== 'file') return;
    if (e.textEditor.document.languageId !== 'python') return;
    if (this.highlightTimer) clearTimeout(this.highlightTimer);
    const file = e.textEditor.document.uri.fsPath;
    const sel = e.selections[0];
    // A caret highlights its line; a wider selection clears (no single line).
    const line = sel?.isSingleLine ? sel.active.line + 1 : 0;
    // A click on a line the step cursor decorated moves the cursor to that task (its nearest step).
    const onLine = e.kind === vscode.TextEditorSelectionChangeKind.Mouse && line > 0 ? this.decorations.taskAt(file, line) : undefined;
    if (onLine && this.synced >= 0) this.post({ type: 'cursorTo', task: onLine.id });
    this.highlightTimer = setTimeout(() => {
      if (this.synced >= 0) this.post({ type: 'highlight', file, line });
    }, 80);
  }

  closePanel(): void {
    this.panel?.dispose();
  }

  private disposePanelSubs(): void {
    for (const d of this.panelSubs) d.dispose();
    this.panelSubs = [];
  }

  dispose(): void {
    if (this.highlightTimer) clearTimeout(this.highlightTimer);
    this.endPaging();
    this.disposePanelSubs();
    this.panel?.dispose();
    for (const d of this.subs) d.dispose();
  }
}

/** A trace file on disk shown as a finished trace. */
export function savedTrace(file: string, title = path.basename(file)): PanelTrace {
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    /* reported when read */
  }
  return { title, live: false, file, bytes: () => size, written: () => Promise.resolve() };
}

/**
 * The bytes as a plain Uint8Array covering its whole ArrayBuffer: VS Code's postMessage sends a typed array's
 * entire underlying buffer (a socket Buffer is often a view into a larger one), and a Node Buffer would not
 * travel as a buffer at all (its toJSON runs first). Copies only when it must.
 */
export function transferable(bytes: Uint8Array): Uint8Array {
  if (bytes.constructor === Uint8Array && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return new Uint8Array(bytes);
}

function safeJson(m: unknown): string {
  try {
    return JSON.stringify(m).slice(0, 200);
  } catch {
    return String(m);
  }
}
