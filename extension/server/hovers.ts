// Hovers on yield points and definitions: what kind of point it is, and what
// the last run saw there, with a tiny timeline. Pure: returns Markdown.
import type { DefinitionStats, LineMark, YieldPointStats } from '../../protocol/lsp';
import type { Analysis, Definition, PointKind, Span, YieldPoint } from './analysis';
import { duration, mdCode, mdEscape, plural, timeline } from './format';
import { mergeDefs, type PlacedStats } from './placement';
import { ALWAYS_SWITCH, defByName } from './lenses';

const EXPLAIN: Record<PointKind, string> = {
  yield: 'The generator suspends here and hands the value to whoever called `next()` or `send()`; it resumes with the value sent in.',
  'yield-from': 'Delegates to a sub-generator: every value it yields passes out from here, and values sent in pass through to it.',
  await: 'The coroutine suspends until the awaited object is done; meanwhile the event loop runs other tasks.',
  'async-for': 'Each iteration awaits the next item: the coroutine may suspend here every time round the loop.',
  'async-with': 'Entering and leaving the block are awaited: the coroutine may suspend at both.',
  'greenlet-switch': 'Hands control directly to another greenlet; this one resumes only when something switches back to it.',
  'greenlet-throw': 'Switches to another greenlet, raising an exception in it.',
  'generator-throw': 'Resumes a generator by raising an exception at its paused `yield`.',
  'generator-send': 'Resumes a generator with a value; control comes back here when it yields the next one.',
  next: 'Resumes a generator; control comes back here when it yields or returns.',
  gevent: 'Yields to the gevent hub, which runs other greenlets until this one can continue.',
  join: 'Waits for another task (greenlet, thread, process) to finish.',
  get: 'Waits until a value is available (a queue item or an async result).',
  put: 'Puts an item on a queue; waits if the queue is full.',
  'patched-io': 'Blocking I/O patched by `gevent.monkey`: instead of blocking the process, this greenlet waits and the hub runs others.',
  'channel-send': 'Blocks this tasklet until a receiver takes the value from the channel.',
  'channel-receive': 'Blocks this tasklet until a sender puts a value on the channel.',
  schedule: 'Lets the other runnable tasklets run; this one goes to the back of the queue.',
};

const within = (s: Span, line: number, ch: number) =>
  (line > s.line || (line === s.line && ch >= s.col)) && (line < s.endLine || (line === s.endLine && ch <= s.endCol));

function yieldSection(s: YieldPointStats, durationNs: number | undefined): string[] {
  const out: string[] = [];
  if (s.suspends > 0)
    out.push(
      `${plural(s.suspends, 'suspend')} · ${plural(s.resumes, 'resume')}${s.suspendedNs > 0 ? ` · ${duration(s.suspendedNs)} suspended in all, longest ${duration(s.longestNs)}` : ''}`,
    );
  if (s.resumedBy.length)
    out.push(
      `Resumed by ${s.resumedBy
        .slice(0, 5)
        .map((n) => mdCode(n))
        .join(', ')}${s.resumedBy.length > 5 ? ' …' : ''}`,
    );
  const vals: string[] = [];
  if (s.lastSent !== undefined) vals.push(`last value in: ${mdCode(s.lastSent)}`);
  if (s.lastYielded !== undefined) vals.push(`last value out: ${mdCode(s.lastYielded)}`);
  if (vals.length) out.push(vals.join(' · '));
  if (s.reasons.length) out.push(`Why: ${s.reasons.map(mdEscape).join(', ')}`);
  if (s.waits || s.stillWaiting) {
    out.push(
      `Waited ${plural(s.waits ?? 0, 'time')}${s.waitedNs ? `, ${duration(s.waitedNs)} in all, longest ${duration(s.longestWaitNs ?? 0)}` : ''}` +
        `${s.waitOn?.length ? ` (on ${s.waitOn.map(mdEscape).join(', ')})` : ''}` +
        `${
          s.wokenBy?.length
            ? `; woken by ${s.wokenBy
                .slice(0, 5)
                .map((n) => mdCode(n))
                .join(', ')}`
            : ''
        }` +
        `${s.stillWaiting ? `; ${s.stillWaiting} still waiting at the end` : ''}`,
    );
  }
  if (s.gets || s.puts) {
    const ch = s.channels?.length
      ? ` (${s.channels
          .slice(0, 3)
          .map((c) => mdCode(c))
          .join(', ')})`
      : '';
    const t: string[] = [];
    if (s.gets) t.push(`took ${s.gets}${s.lastGot !== undefined ? `, last ${mdCode(s.lastGot)}` : ''}`);
    if (s.puts) t.push(`put ${s.puts}${s.lastPut !== undefined ? `, last ${mdCode(s.lastPut)}` : ''}`);
    out.push(`Queue/channel${ch}: ${t.join(' · ')}`);
  }
  if (s.through)
    out.push(
      `Suspended ${plural(s.through, 'time')} inside ${(s.delegates ?? []).map((n) => mdCode(n)).join(', ')} while waiting here${s.throughNs ? `, ${duration(s.throughNs)} in all` : ''}`,
    );
  if (s.returned !== undefined) out.push(`The delegate returned ${mdCode(s.returned)} here`);
  const tl = timeline(s.spans, durationNs);
  if (tl) out.push(`Suspended over the run: ${mdCode(tl)}${durationNs ? ` (0 → ${duration(durationNs)})` : ''}`);
  return out;
}

function defSection(d: DefinitionStats, name: string): string[] {
  const out =
    d.tasks > 0
      ? [
          `**${mdEscape(name)}** — ${mdEscape(d.kind)} lane: ${plural(d.tasks, 'task')} · ${plural(d.switches, 'switch', 'switches')}` +
            `${d.transfers ? ` · ${plural(d.transfers, 'transfer')}` : ''}${d.waits ? ` · ${plural(d.waits, 'wait')}` : ''}`,
        ]
      : [`**${mdEscape(name)}**`];
  if (d.calls)
    out.push(
      `Ran as ${plural(d.calls, 'call')}${d.via ? ` in ${mdCode(d.via)}` : ''}${d.lastResult !== undefined ? `; last returned ${mdCode(d.lastResult)}` : ''}`,
    );
  if (d.outcomes.length)
    out.push(
      `Outcome: ${d.outcomes
        .slice(0, 5)
        .map((o) => mdCode(o))
        .join(', ')}`,
    );
  return out;
}

function markSection(marks: readonly LineMark[]): string[] {
  return marks.map((m) => `⚠ ${mdEscape(m.message)}`);
}

/** Markdown for a hover at (line, ch), or undefined when there is nothing to say there. */
export function hoverAt(a: Analysis, stats: PlacedStats | undefined, line: number, ch: number, lineText: string): string | undefined {
  const pts: YieldPoint[] = a.points.filter((p) => within(p, line, ch));
  const def: Definition | undefined = a.defs.find((d) => d.kind !== 'lambda' && within(d.nameSpan, line, ch));
  // A point written over several lines (`gevent.joinall([\n …])`) has its stats at its first line.
  const ys = stats?.yields.get(line) ?? pts.map((p) => stats?.yields.get(p.line)).find((y) => y !== undefined);
  const onContent = ch >= (/\S/.exec(lineText)?.index ?? Infinity);
  const sections: string[][] = [];
  const footer = stats
    ? `_Coroscope · ${stats.live ? 'run in progress' : 'last run'}_`
    : '_Coroscope · run **Coroscope: Run Current File** to see what happens here_';

  if (def) {
    let ds = stats ? [...stats.defs].find(([r]) => r === def.line || r === def.headLine)?.[1] : undefined;
    // Summaries the run could only name (gevent.spawn targets, pool calls), when this is the def of that name.
    if (stats && defByName(a, def.name) === def) for (const n of stats.named) if (n.name === def.name) ds = ds ? mergeDefs(ds, n) : n;
    if (ds) sections.push(defSection(ds, def.name));
    else if (def.kind !== 'function')
      sections.push([`**${mdEscape(def.name)}** — ${def.kind.replace('-', ' ')}: calling it creates an object that runs only when resumed.`]);
  }
  if (pts.length || (ys && onContent && !def)) {
    const head = pts.length ? `**${mdEscape([...new Set(pts.map((p) => p.label))].join(', '))}**` : '**switch point**';
    const body = pts.length ? [EXPLAIN[pts[0].kind]] : ['The runtime saw control leave a task on this line.'];
    const none = pts.some((p) => ALWAYS_SWITCH.has(p.kind))
      ? 'Not reached in this run.'
      : 'No wait recorded here in this run (it may have run without waiting).';
    sections.push([head + ' — ' + body[0], ...(ys ? yieldSection(ys, stats?.durationNs) : stats ? [none] : [])]);
  }
  const marks = stats?.marks.get(line);
  if (marks && onContent) sections.push(markSection(marks));
  if (!sections.length) return undefined;
  return [...sections.map((s) => s.join('\n\n')), footer].join('\n\n---\n\n');
}
