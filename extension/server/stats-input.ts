// Validation of the coroscope/stats notification where it arrives: the
// server trusts nothing it did not check, and drops malformed entries
// rather than the whole message.
import type { DefinitionStats, FileStats, LineMark, ResumeSite, StatsParams, YieldPointStats } from '../../protocol/lsp';

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const strs = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
const optStr = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const line = (x: unknown): x is number => num(x) && x >= 1 && Number.isInteger(x);

function yieldStats(o: unknown): YieldPointStats | undefined {
  if (!isObj(o) || !line(o.line) || !num(o.suspends)) return undefined;
  const spans = Array.isArray(o.spans)
    ? o.spans.filter((s): s is [number, number] => Array.isArray(s) && s.length === 2 && num(s[0]) && num(s[1])).slice(0, 256)
    : [];
  const y: YieldPointStats = {
    line: o.line,
    suspends: o.suspends,
    resumes: num(o.resumes) ? o.resumes : 0,
    suspendedNs: num(o.suspendedNs) ? o.suspendedNs : 0,
    longestNs: num(o.longestNs) ? o.longestNs : 0,
    resumedBy: strs(o.resumedBy),
    reasons: strs(o.reasons),
    firstEvent: num(o.firstEvent) ? o.firstEvent : 0,
    spans,
  };
  const sent = optStr(o.lastSent),
    yielded = optStr(o.lastYielded);
  if (sent !== undefined) y.lastSent = sent;
  if (yielded !== undefined) y.lastYielded = yielded;
  const sites = keep(o.resumedFrom, resumeSite).slice(0, 64);
  if (sites.length) y.resumedFrom = sites;
  if (num(o.waits) || num(o.stillWaiting)) {
    y.waits = num(o.waits) ? o.waits : 0;
    y.waitedNs = num(o.waitedNs) ? o.waitedNs : 0;
    y.longestWaitNs = num(o.longestWaitNs) ? o.longestWaitNs : 0;
    y.waitOn = strs(o.waitOn).slice(0, 16);
    y.wokenBy = strs(o.wokenBy).slice(0, 16);
    if (num(o.stillWaiting)) y.stillWaiting = o.stillWaiting;
  }
  if (num(o.puts) || num(o.gets)) {
    y.puts = num(o.puts) ? o.puts : 0;
    y.gets = num(o.gets) ? o.gets : 0;
    y.channels = strs(o.channels).slice(0, 16);
    const put = optStr(o.lastPut),
      got = optStr(o.lastGot);
    if (put !== undefined) y.lastPut = put;
    if (got !== undefined) y.lastGot = got;
  }
  if (num(o.through) && o.through > 0) {
    y.through = o.through;
    y.throughNs = num(o.throughNs) ? o.throughNs : 0;
    y.delegates = strs(o.delegates).slice(0, 16);
  }
  const returned = optStr(o.returned);
  if (returned !== undefined) y.returned = returned;
  return y;
}

function resumeSite(o: unknown): ResumeSite | undefined {
  if (!isObj(o) || typeof o.file !== 'string' || !line(o.line) || typeof o.task !== 'string') return undefined;
  return { file: o.file, line: o.line, task: o.task, count: num(o.count) ? o.count : 1 };
}

function defStats(o: unknown): DefinitionStats | undefined {
  if (!isObj(o)) return undefined;
  // A def found by name has line 0; any other needs a line.
  const byName = o.byName === true && typeof o.name === 'string';
  if (!byName && !line(o.line)) return undefined;
  const d: DefinitionStats = {
    line: byName ? 0 : (o.line as number),
    name: optStr(o.name) ?? '?',
    kind: optStr(o.kind) ?? '',
    tasks: num(o.tasks) ? o.tasks : 0,
    switches: num(o.switches) ? o.switches : 0,
    outcomes: strs(o.outcomes),
    firstEvent: num(o.firstEvent) ? o.firstEvent : 0,
  };
  if (byName) d.byName = true;
  if (num(o.waits)) d.waits = o.waits;
  if (num(o.transfers)) d.transfers = o.transfers;
  if (num(o.calls)) d.calls = o.calls;
  const via = optStr(o.via),
    last = optStr(o.lastResult);
  if (via !== undefined) d.via = via;
  if (last !== undefined) d.lastResult = last;
  return d;
}

function mark(o: unknown): LineMark | undefined {
  if (!isObj(o) || !line(o.line) || typeof o.message !== 'string') return undefined;
  return { line: o.line, kind: optStr(o.kind) ?? 'info', message: o.message, firstEvent: num(o.firstEvent) ? o.firstEvent : 0 };
}

const keep = <T>(xs: unknown, f: (x: unknown) => T | undefined): T[] => (Array.isArray(xs) ? xs.map(f).filter((x): x is T => x !== undefined) : []);

export function validateStats(raw: unknown): StatsParams | string {
  if (!isObj(raw)) return 'stats: not an object';
  if (typeof raw.runId !== 'string') return 'stats: missing runId';
  if (!Array.isArray(raw.files)) return 'stats: missing files';
  const files: FileStats[] = [];
  for (const f of raw.files) {
    if (!isObj(f) || typeof f.file !== 'string') continue;
    files.push({ file: f.file, yields: keep(f.yields, yieldStats), defs: keep(f.defs, defStats), marks: keep(f.marks, mark) });
  }
  const out: StatsParams = { runId: raw.runId, live: raw.live === true, files };
  if (num(raw.durationNs)) out.durationNs = raw.durationNs;
  return out;
}
