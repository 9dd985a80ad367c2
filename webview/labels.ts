// How each event reads to a learner: arrow labels (`send(3)`, `yield '200 OK'`),
// notes, marks, and the plain-text details of the tooltip and table. Pure
// functions of the store: no DOM. Values are Python reprs and are shown as-is.

import { delegateReturn as delegateReturnOf } from '../trace/delegation';
import { TYPE, type TraceStore } from '../trace/store';
import { recvWords, sendWords, transferOp } from '../trace/transfer-words';

/** Longest label drawn; the tooltip and table carry the full value. */
export const LABEL_MAX = 80;

const GEN_KINDS = new Set(['generator', 'coroutine', 'async-generator']);

/**
 * A label's text shortened to `max` characters, one line, by the rule of `shorten`: the words that say what happened
 * and an exception's type stay whole; a value is cut in the middle (neighbours often share a prefix:
 * `GET: http://127.0.0.1:4434/…`, `<Greenlet at 0x7f…: f(1)>`, `gather: [None, …, RuntimeError(…)]`, and differ at
 * the end, so the tail is kept), an exception's message at its end.
 */
export function clip(s: string, max = LABEL_MAX): string {
  const one = s.replace(/\s*\n\s*/g, ' ⏎ ');
  return one.length > max ? shorten(one, (t) => t.length <= max) : one;
}

/** `text` cut to `n` characters with `…` in the middle: 40 % head, the rest tail. */
export function middle(text: string, n: number): string {
  if (text.length <= n) return text;
  if (n <= 1) return n === 1 ? '…' : '';
  const keep = n - 1;
  const head = Math.max(1, Math.ceil(keep * 0.4));
  const tail = keep - head;
  return text.slice(0, head) + '…' + (tail > 0 ? text.slice(text.length - tail) : '');
}

/**
 * A label in the parts a shortening must respect: `head` and `tail` are never cut, `body` may be (`end`: its start
 * kept, an exception's message; `middle`: a value, whose tail tells neighbours apart). `bare`: the same without the
 * verb (`RuntimeError(…)` for `raised RuntimeError('bad fetch')`), the last resort before drawing no words.
 */
export interface LabelParts {
  head: string;
  body: string;
  tail: string;
  cut: 'end' | 'middle';
  /** The last resort that still says what distinguishes the label: an exception's type and brackets without the verb. */
  bare?: string;
}

// The verbs labels put before a value (`fullLabel`, `switchLabel`); those ending in `(` close with `)`.
const RAISE_VERB = /^(raised |raise |throw\(|killed \()/;
const VALUE_VERB =
  /^(returned |return |create |first run of |yield |send\(|switch\(|resume\(|step |start |sleep |got result |result |submit |run |await |exited |woken: |[\w.#-]+\.\w+\(\) → |[\w.#-]+\.(?:send|put|put_nowait|send_bytes)\()/;
// An exception as the runtimes write it: its repr `RuntimeError('bad fetch')` (generators; asyncio from issue 16) or
// `RuntimeError: bad fetch` (older asyncio traces). The type may be dotted (`concurrent.futures.TimeoutError`).
const EXC_REPR = /^([A-Za-z_][\w.]*)\(([\s\S]*)\)$/;
const EXC_TEXT = /^([A-Za-z_][\w.]*): ([\s\S]*)$/;
const EXC_NAME = /(Error|Exception|Warning|Exit|Interrupt|Iteration|Cancelled|Group)$/;

// `inner returned 'numbers done' to outer` (delegateReturn): who returned and to whom stay whole.
const DELEGATE_RETURN = /^((?:a delegate|[\w.<>]+) returned )([\s\S]*)( to [^'"]+)$/;

// `woken by producer: queue.put()`: who woke it stays whole, the call is cut at its end (wakeCause).
const WOKEN_BY = /^((?:woken|cancelled|killed) by [^:]+?: )([\s\S]+)$/;

// `waits on joinall(boss(<Queue object>), worker(…, 'w2'))`: the call it waits in stays whole, its arguments are cut
// (a plain middle cut kept `waits on j…'w2'))`, which names no call).
const WAITS_IN_CALL = /^(waits on [\w.#<>-]+\()([\s\S]+)(\))$/;

/** How `text` may be shortened (see LabelParts). */
export function labelParts(text: string): LabelParts {
  const dr = DELEGATE_RETURN.exec(text);
  if (dr) return { head: dr[1], body: dr[2], tail: dr[3], cut: 'middle', bare: `${dr[1]}…` };
  const wb = WOKEN_BY.exec(text);
  if (wb) return { head: wb[1], body: wb[2], tail: '', cut: 'end', bare: wb[1].slice(0, -2) };
  const wc = WAITS_IN_CALL.exec(text);
  if (wc) return { head: wc[1], body: wc[2], tail: wc[3], cut: 'middle', bare: `${wc[1]}…)` };
  const raise = RAISE_VERB.exec(text);
  const verbM = raise ?? VALUE_VERB.exec(text);
  const verb = verbM ? verbM[1] : '';
  const close = verb.endsWith('(') && text.endsWith(')') ? ')' : '';
  const value = text.slice(verb.length, text.length - close.length);
  const exc = EXC_REPR.exec(value) ?? EXC_TEXT.exec(value);
  // After `raise`/`throw(` the value is an exception whatever its name; elsewhere only a name that reads as one.
  if (exc && (raise || EXC_NAME.test(exc[1].split('.').pop() ?? ''))) {
    const type = exc[1];
    const msg = exc[2];
    if (value.startsWith(`${type}(`)) {
      // `('bad fetch')`: the quotes stay around what is left of the message.
      const q = msg.length >= 2 && (msg[0] === "'" || msg[0] === '"') && msg[msg.length - 1] === msg[0] ? msg[0] : '';
      return {
        head: `${verb}${type}(${q}`,
        body: q ? msg.slice(1, -1) : msg,
        tail: `${q})${close}`,
        cut: 'end',
        bare: msg ? `${type}(…)` : `${type}()`,
      };
    }
    return { head: `${verb}${type}: `, body: msg, tail: close, cut: 'end', bare: type };
  }
  return { head: verb, body: value, tail: close, cut: 'middle' };
}

// An exception's type inside a value (`[None, RuntimeError('x'), [0, 1…]]`, a gather's results), with its arguments
// when they are short: what a middle cut must not go through.
// (the name's length is bounded and tried shortest first: a greedy `[\w.]*` backtracked through a value of one
// 100 MB word once per try)
const EXC_IN = /\b([A-Za-z_][\w.]{0,100}?(?:Error|Exception|Warning|Exit|Interrupt|Iteration|Cancelled|Group))(?![\w.])(\([^()]{0,24}\))?/;

/**
 * The first exception type in `text` (EXC_IN), searched in its first and last 4,000 characters only: a cut keeps at
 * most that much of either end (labels are at most LABEL_MAX long), and a value may be megabytes.
 */
function excIn(text: string): { index: number; whole: string; name: string; args: string } | null {
  const W = 4000;
  const at = (part: string, off: number) => {
    const m = EXC_IN.exec(part);
    return m ? { index: m.index + off, whole: m[0], name: m[1], args: m[2] ?? '' } : null;
  };
  if (text.length <= 2 * W) return at(text, 0);
  return at(text.slice(0, W), 0) ?? at(text.slice(text.length - W), text.length - W);
}

/**
 * `text` cut to `n` characters in the middle, as `middle`, but never through the first exception type it holds
 * (`[[], RuntimeError('x'), [0, 1, 2…` keeps `RuntimeError`): when the plain cut would, the type (with its short
 * arguments, else `(…)`) is kept between a cut head and a cut tail. When `n` cannot hold the type, the type with
 * its `…` (longer than `n`: the caller's measure then says it does not fit).
 */
export function middleKeeping(text: string, n: number, exc = excIn(text)): string {
  if (text.length <= n) return text;
  if (!exc) return middleInString(text, n) ?? middle(text, n);
  const m = [exc.whole, exc.name, exc.args];
  const s = exc.index;
  const keep = n - 1;
  const head = Math.max(1, Math.ceil(keep * 0.4));
  const tail = keep - head;
  // The plain cut keeps it whole (in its head or in its tail).
  if (s + m[0].length <= head || s >= text.length - tail) return middle(text, n);
  const ks = m[2] ? [m[0], `${m[1]}(…)`, m[1]] : [m[0]];
  for (const k of ks) {
    const last = k === ks[ks.length - 1];
    const pre = text.slice(0, s);
    const post = text.slice(s + m[0].length);
    const avail = n - k.length;
    if (avail < (pre ? 1 : 0) + (post ? 1 : 0)) continue;
    // The head before the type: whole when it is short, else its start and `…`; the tail gets the rest.
    let preText = pre.length <= Math.ceil(avail * 0.4) ? pre : '';
    if (!preText && pre) {
      const h = Math.max(0, Math.ceil(avail * 0.4) - 1);
      preText = `${pre.slice(0, h)}…`;
    }
    let left = avail - preText.length;
    if (post.length > left && left < 1 && preText.length > 1) {
      // (no room for the tail's `…`: take it from the head)
      preText = `${pre.slice(0, Math.max(0, preText.length - 2))}…`;
      left = avail - preText.length;
    }
    // (the arguments go before the tail does: a few of its characters tell neighbours apart)
    if (!last && post.length > left && left - 1 < 4) continue;
    const postText = post.length <= left ? post : left >= 1 ? `…${post.slice(post.length - (left - 1))}` : '';
    if (post && !postText) continue;
    // A head cut short while the tail had room to spare: give the head the rest.
    if (preText !== pre && post.length <= left) {
      const h = Math.max(0, avail - post.length - 1);
      preText = h >= pre.length ? pre : `${pre.slice(0, h)}…`;
    }
    return preText + k + postText;
  }
  // No room for the type: its shortest form, longer than n, so that a caller measuring it finds it does not fit.
  return `${s > 0 ? '…' : ''}${m[1]}${s + m[0].length < text.length ? '…' : ''}`;
}

// Where a lane name may be cut: between its words, numbers and signs (`fetch #12`, `Thread-1 (_do_shutdown)`).
const NAME_TOKEN = /#\d+|[A-Za-z]+|\d+|[^A-Za-z\d]/g;

/**
 * A lane name in at most what `fits`, cut only between its words and only where what is left still names one lane
 * of `names` (the display names): `event loop` → `event…` or `…loop`, `fetch #12` → `fetch…#12` or `…#12` (never
 * `fe…#12`, never `fetch…` while `fetch #1`… exist). '' when no such form fits. `prefix` goes before it (`create `).
 */
export function shortenName(name: string, fits: (s: string) => boolean, names: readonly string[] = [], prefix = ''): string {
  if (fits(prefix + name)) return prefix + name;
  const cuts = [0];
  for (const t of name.matchAll(NAME_TOKEN)) cuts.push((t.index ?? 0) + t[0].length);
  // (a name of very many tokens: its cut points thinned, to bound the forms tried)
  const at = cuts.length > 24 ? cuts.filter((_, k) => k % Math.ceil(cuts.length / 24) === 0 || k === cuts.length - 1) : cuts;
  const forms: { text: string; tailLen: number }[] = [];
  for (let a = 0; a < at.length; a++)
    for (let b = a + 1; b < at.length; b++) {
      if (at[a] === 0 && at[b] === name.length) continue;
      const head = name.slice(0, at[a]);
      const tail = name.slice(at[b]);
      if (!head.trim() && !tail.trim()) continue;
      forms.push({ text: `${head.trimEnd()}…${tail.trimStart()}`, tailLen: tail.length });
    }
  // Longest first; of equal length, the one keeping more of the tail (where numbered names differ).
  forms.sort((x, y) => y.text.length - x.text.length || y.tailLen - x.tailLen);
  for (const f of forms) {
    if (!fits(prefix + f.text)) continue;
    const k = f.text.indexOf('…');
    const h = f.text.slice(0, k);
    const t = f.text.slice(k + 1);
    let matches = 0;
    for (const other of names) if (other.length > h.length + t.length - 1 && other.startsWith(h) && other.endsWith(t) && ++matches > 1) break;
    if (matches <= 1) return prefix + f.text;
  }
  return '';
}

// A string literal as Python's repr writes it (either quote, escapes kept).
const STRING_LIT = /'(?:[^'\\\n]|\\.){16,}'|"(?:[^"\\\n]|\\.){16,}"/g;

/**
 * `text` cut to `n` characters inside its longest string literal, when the rest of it fits whole around at least
 * 8 characters of that string: `('http://…page/1', 2500)`, not `('htt… 2500)` — a tuple's or list's other items
 * and brackets stay, and the string keeps its head and its tail (where URLs and names sharing a prefix differ).
 * Undefined when there is no such string (searched in the first 4,000 characters: a value may be megabytes).
 */
function middleInString(text: string, n: number): string | undefined {
  if (text.length > 4000) return undefined;
  let best: RegExpExecArray | undefined;
  for (const m of text.matchAll(STRING_LIT)) if (!best || m[0].length > best[0].length) best = m;
  if (!best) return undefined;
  const inner = best[0].slice(1, -1);
  const pre = text.slice(0, best.index + 1);
  const post = text.slice(best.index + best[0].length - 1);
  const room = n - pre.length - post.length;
  if (room < 8) return undefined;
  return pre + middle(inner, room) + post;
}

const NAME_VERB = /^(create |first run of )/;

/**
 * The longest form of `text` that `fits`, shortened only as far as needed and never through the part that tells it
 * from its neighbours: the verb and an exception's type are kept whole (`raised RuntimeError('bad f…')`, never
 * `raised Run…rror: bad fetch`), also inside a value (`step [[], RuntimeError('x'), …, 29]]`); if even the verb and
 * type with `…` do not fit, the type alone (`RuntimeError(…)`), else nothing. A cause's `(line N)` is left out first,
 * then its call cut at its end (`woken by producer: queue.p…`). A creation's lane name is cut between
 * its words only, where the rest still names one of `names` (`shortenName`). A label with no such parts is cut in
 * the middle. '' when nothing fits.
 */
export function shorten(text: string, fits: (s: string) => boolean, names?: readonly string[]): string {
  if (fits(text)) return text;
  // A cause's `(line 10)` goes first (the tooltip, table and details pane keep it): who and what stay.
  const at = / \(line \d+\)$/.exec(text);
  if (at) return shorten(text.slice(0, at.index), fits, names);
  // `killed by main`, `cancelled by main`: the name cut between its words (as a lane's name is), else the verb alone.
  const by = /^(killed|cancelled) by (?=\S)/.exec(text);
  if (by) return shortenName(text.slice(by[0].length), fits, names, by[0]) || (fits(by[1]) ? by[1] : '');
  const nv = NAME_VERB.exec(text);
  if (nv) return shortenName(text.slice(nv[1].length), fits, names, nv[1]);
  // `unfinished: paused at line 12 (waiting for …)`: what it waits for is cut at its end, then left out, then the
  // line; `unfinished` stays whole (it read `unfinished…used at line 12`).
  const un = /^unfinished: paused at line \d+/.exec(text);
  if (un) {
    const w = /^ \(waiting for ([\s\S]*)\)$/.exec(text.slice(un[0].length));
    if (w) {
      const make = (n: number) => `${un[0]} (waiting for ${w[1].slice(0, n).trimEnd()}…)`;
      if (fits(make(0))) {
        let lo = 0,
          hi = w[1].length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (fits(make(mid))) lo = mid;
          else hi = mid - 1;
        }
        return make(lo);
      }
    }
    if (fits(un[0])) return un[0];
    return fits('unfinished') ? 'unfinished' : '';
  }
  const p = labelParts(text);
  const bodyExc = p.cut === 'middle' ? excIn(p.body) : null;
  const make = (n: number) => p.head + (p.cut === 'end' ? `${p.body.slice(0, n).trimEnd()}…` : middleKeeping(p.body, n + 1, bodyExc)) + p.tail;
  if (p.head || p.tail) {
    // The longest body (n of its characters kept) that fits; n = 0 is the bare `…`.
    if (p.body && fits(make(0))) {
      let lo = 0,
        hi = p.body.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (fits(make(mid))) lo = mid;
        else hi = mid - 1;
      }
      return make(lo);
    }
    if (p.bare !== undefined) return fits(p.bare) ? p.bare : '';
    // A value holding an exception, too long even for its type after the verb: the type alone, else nothing (a
    // cut through the verb would teach another verb).
    const e = bodyExc ?? excIn(p.body);
    if (e) return fits(`…${e.name}…`) ? `…${e.name}…` : '';
  }
  const textExc = excIn(text);
  let lo = 0,
    hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fits(middleKeeping(text, mid, textExc))) lo = mid;
    else hi = mid - 1;
  }
  return lo <= 1 ? '' : middleKeeping(text, lo, textExc);
}

/** `(2, 3)` as the arguments of a call: `switch(2, 3)`; a one-tuple `(2,)` → `switch(2)`. */
function argsCall(name: string, tuple: string): string {
  const inner = tuple.startsWith('(') && tuple.endsWith(')') ? tuple.slice(1, -1).replace(/,\s*$/, '') : tuple;
  return `${name}(${inner})`;
}

/**
 * The label of a switch arrow, from its reason, the value that crossed and the kind of task resumed. `args`: the
 * value is the tuple of a call's positional arguments (`g.switch(2, 3)` → value `(2, 3)`).
 */
export function switchLabel(reason: string, value: string | undefined, toKind = '', fromKind = '', args = false): string {
  const v = value;
  const has = v !== undefined && v !== '';
  // Resuming with None is the plain case for a greenlet or a loop step: say nothing about the value.
  const some = has && v !== 'None';
  const call = (name: string) => (args && has ? argsCall(name, v) : `${name}(${some ? v : ''})`);
  // A generator resumed with no value was resumed by next() (or a for loop); `send(None)` sends None, as written.
  const sendish = () => (has ? `send(${v})` : 'next()');
  switch (reason) {
    case 'start':
      if (GEN_KINDS.has(toKind)) return sendish();
      if (toKind === 'greenlet') return call('switch');
      return some ? `start ${v}` : 'start';
    case 'resume':
      if (GEN_KINDS.has(toKind)) return sendish();
      if (toKind === 'greenlet') return call('switch');
      return some ? `resume(${v})` : 'resume';
    case 'yield':
      return has ? `yield ${v}` : 'yield';
    case 'return':
      return has ? `return ${v}` : 'return';
    case 'raise':
      return has ? `raise ${v}` : 'raise';
    case 'throw':
      return has ? `throw(${v})` : 'throw()';
    case 'close':
      return 'close()';
    case 'switch':
      return call('switch');
    case 'schedule':
      return 'schedule()';
    case 'kill':
      return 'kill()';
    case 'channel':
      return has ? `channel.send(${v})` : 'channel.receive()';
    case 'io-wait': {
      if (!has) return 'wait io';
      const m = /^fd=(\d+)\s+(read|write)\b/.exec(v);
      if (m) return `${m[2] === 'read' ? 'recv' : 'send'} fd=${m[1]}`;
      return /^(recv|send|read|write|accept|connect|select|poll)\b/.test(v) ? v : `wait ${v}`;
    }
    case 'sleep':
      return has ? `sleep ${v}` : 'sleep';
    case 'await':
      return has ? `await ${v}` : 'await';
    case 'step':
      return some ? `step ${v}` : 'step';
    default:
      void fromKind;
      return has ? `${reason} ${v}` : reason || 'switch';
  }
}

function laneKind(store: TraceStore, lane: number): string {
  return lane >= 0 ? (store.tasks[lane]?.kind ?? '') : '';
}
/**
 * Display names of the lanes: a name shared by several tasks (ten tasklets all called `output`, greenlets spawned
 * from one function) gets its rank among them, in order of appearance: `output #1` … `output #10`. A name used
 * once stays as it is. Cached per store; recomputed when lanes are added or renamed.
 */
interface NameCache {
  len: number;
  src: string[];
  names: string[];
}
const nameCache = new WeakMap<TraceStore, NameCache>();
export function displayNames(store: TraceStore): string[] {
  const tasks = store.tasks;
  let c = nameCache.get(store);
  if (c && c.len === tasks.length) {
    let same = true;
    for (let l = 0; l < tasks.length && same; l++) same = tasks[l].name === c.src[l];
    if (same) return c.names;
  }
  // A name shared by tasks of different kinds says what each is: the `main` thread and the `main()` task are
  // `main thread` and `task main()`; tasks of one kind sharing a name are numbered.
  const kinds = new Map<string, Set<string>>();
  for (const t of tasks) {
    let k = kinds.get(t.name);
    if (!k) kinds.set(t.name, (k = new Set()));
    k.add(t.kind);
  }
  const base = tasks.map((t) => ((kinds.get(t.name)?.size ?? 0) > 1 ? kindQualified(t.name, t.kind) : t.name));
  const count = new Map<string, number>();
  for (const b of base) count.set(b, (count.get(b) ?? 0) + 1);
  const seen = new Map<string, number>();
  const names = base.map((b) => {
    if ((count.get(b) ?? 0) < 2) return b;
    const k = (seen.get(b) ?? 0) + 1;
    seen.set(b, k);
    return `${b} #${k}`;
  });
  c = { len: tasks.length, src: tasks.map((t) => t.name), names };
  nameCache.set(store, c);
  return names;
}
/** A name with what its task is, for names shared across kinds. */
function kindQualified(name: string, kind: string): string {
  switch (kind) {
    case 'main':
      return `${name} thread`;
    case 'thread':
      return `thread ${name}`;
    case 'process':
      return `process ${name}`;
    case 'asyncio-task':
      return `task ${name}()`;
    case 'generator':
    case 'coroutine':
    case 'async-generator':
      return `${name}()`;
    case 'greenlet':
      return `greenlet ${name}`;
    case 'tasklet':
      return `tasklet ${name}`;
    default:
      return `${name} (${kind})`;
  }
}

/** The lane's display name (disambiguated, see displayNames). */
export function laneName(store: TraceStore, lane: number): string {
  if (lane < 0) return '';
  const t = store.tasks[lane];
  if (!t) return `task ${lane}`;
  const c = nameCache.get(store);
  // Fast path: the cache is current for this lane.
  if (c && c.len === store.tasks.length && c.src[lane] === t.name) return c.names[lane];
  return displayNames(store)[lane] ?? t.name;
}

const POOL = /^(ThreadPoolExecutor|ProcessPoolExecutor|Pool|ThreadPool)#/;
// A call as the runtime writes it: `square(3)`, `map square(…)`, and `<lambda>(4)` (a lambda's name is `<lambda>`).
const CALL = /^(?:map |starmap |imap |imap_unordered )?(?:[A-Za-z_][\w.]*|<lambda>)\(/;
// An exception as the runtime writes it (`KeyError(3)`, `ValueError('no 3')`): a worker's result that raised, which
// reads like a call; it is a result, not a job (it read `submit KeyError(3)` / `run KeyError(3)`).
const EXC = /^[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning|Timeout|Cancelled)\(/;
/** A pool channel's value is a job (a call to run), not a result. */
const isJob = (v: string | undefined): v is string => v !== undefined && CALL.test(v) && !EXC.test(v);

/** A waker's object for `x.set()`: the wait's detail when it is a plain name (`ready`), else nothing. */
function objectOf(detail: string | undefined): string {
  if (detail === undefined || !/^[A-Za-z_][\w.]*(\(\))?$/.test(detail)) return '';
  // The waiter's own call (`queue.get`, `ready.wait()`) names the object; the waker called another method on it.
  const own = /^(.+?)\.(get|get_nowait|put|wait|wait_for|acquire|join|receive|recv|result)(\(\))?$/.exec(detail);
  return `${own ? own[1] : detail}.`;
}

/**
 * Why a wake happened, in words, from its `cause`/`by`/`byLine` (docs/protocol.md): `woken by main: ready.set()
 * (line 10)`, `cancelled by main (line 19)`, `timed out during sleep 0.01 s (line 23)`. Tasks are named by their display
 * names, never by raw ids. Undefined when the trace does not say.
 */
export function wakeCause(store: TraceStore, i: number): string | undefined {
  const x = store.extra(i);
  if (!x) return undefined;
  const cause = typeof x.cause === 'string' ? x.cause : undefined;
  const byLane = typeof x.by === 'string' ? store.laneOf(x.by) : undefined;
  if (cause === undefined && byLane === undefined) return undefined;
  const by = byLane !== undefined ? laneName(store, byLane) : 'another task';
  const line = typeof x.byLine === 'number' && x.byLine > 0 ? x.byLine : 0;
  const at = line ? ` (line ${line})` : '';
  const detail = store.value(i);
  const obj = objectOf(detail);
  switch (cause) {
    case 'cancel':
      return `cancelled by ${by}${at}`;
    case 'timeout': {
      // The detail is what the task was waiting on when the timeout fired, not the timeout's length: a duration is
      // the sleep it cut short (`timed out after 10 s` read as if the sleep had ended). A timeout another task set
      // (3.11's wait_for, whose inner task it cancels) names that task.
      const during = detail ? (/^[\d.]+\s*m?s$/.test(detail) ? ` during sleep ${detail}` : ` in ${detail}`) : '';
      const other = byLane !== undefined && byLane !== store.a(i);
      // (its length when the trace has it: `wait_for(…, 0.02)`, `asyncio.timeout(0.02)`)
      const after = typeof x.after === 'number' && Number.isFinite(x.after) ? `${+x.after.toPrecision(4)} s` : '';
      if (other) return `cancelled by ${by}'s ${after ? `${after} ` : ''}timeout${during}${at}`;
      return `timed out${after ? ` after ${after}` : ''}${during}${at}`;
    }
    case 'timer':
      return `timer elapsed${detail ? ` (${detail})` : ''}`;
    case 'fd':
      return `${detail ?? 'socket'} ready`;
    case 'set':
      return `woken by ${by}: ${obj}set()${at}`;
    case 'release':
      return `woken by ${by}: ${obj}release()${at}`;
    case 'notify':
      return `woken by ${by}: ${obj}notify()${at}`;
    case 'put':
      return `woken by ${by}: ${obj}put()${at}`;
    case 'get':
      return `woken by ${by}: ${obj}get()${at}`;
    // (a channel's waiter is woken by the other side's call on it: `chan.send()` as the program wrote it)
    case 'send':
      return `woken by ${by}: ${obj ? `${obj}send()` : 'send'}${at}`;
    case 'receive':
      return `woken by ${by}: ${obj ? `${obj}receive()` : 'receive'}${at}`;
    case 'done': {
      // `q.join()` / `await q.join()`: the task_done() that finished the queue's last item woke it.
      if (detail !== undefined && /^[A-Za-z_][\w.]*\.join(\(\))?$/.test(detail)) return `woken by ${by}: ${obj}task_done()${at}`;
      // A pool's worker (a process or thread) finished the call, not itself: `task(1) done in ForkProcess-1`. A
      // joined thread or process finished itself (`join worker-0`: `worker-0 finished`).
      const worker = byLane !== undefined && store.reason(i) === 'future' && /^(process|thread)$/.test(laneKind(store, byLane));
      if (worker) {
        const call = detail?.includes(': ') ? detail.slice(detail.lastIndexOf(': ') + 2) : '';
        return `${call || 'call'} done in ${by}${at}`;
      }
      return byLane !== undefined ? `${by} finished${at}` : `done${at}`;
    }
    case 'kill':
      return `killed by ${by}${at}`;
    case 'signal':
      // (the wake's `signal` names it, e.g. Ctrl+C's SIGINT; the wait's own detail is not a signal)
      return typeof x.signal === 'string' && x.signal ? `woken by ${x.signal}${at}` : `woken by a signal${at}`;
    case undefined:
      return `woken by ${by}${at}`;
    default:
      return `${cause}${byLane !== undefined ? ` by ${by}` : ''}${at}`;
  }
}

/** Whether lane `lane`'s declared site is its first run, not the call that created it (`site: "first-run"`). */
export function firstRun(store: TraceStore, lane: number): boolean {
  return lane >= 0 && store.tasks[lane]?.site === 'first-run';
}

/**
 * A delegate's `return` within its lane in names (trace/delegation.ts): `inner` returned to `outer` (the delegating
 * frame, else the lane's display name). Undefined for any other event.
 */
export function delegateReturn(store: TraceStore, i: number): { returner: string; delegator: string } | undefined {
  const r = delegateReturnOf(store, i);
  if (!r) return undefined;
  return { returner: r.returner ?? 'a delegate', delegator: r.delegator ?? laneName(store, store.a(i)) };
}

/** Full label of event i (unclipped). */
export function fullLabel(store: TraceStore, i: number): string {
  const v = store.value(i);
  const r = store.reason(i);
  switch (store.type(i)) {
    case 'switch': {
      const dr = delegateReturn(store, i);
      if (dr) return `${dr.returner} returned ${v ?? 'None'} to ${dr.delegator}`;
      // `close` on the way back (docs/protocol.md) is the generator going back to its closer, ended by the
      // GeneratorExit: it read `close()` in both directions, as if the generator had closed its caller.
      if (r === 'close' && lastSwitchReason(store, i, 'to') === 'close') return 'closed';
      // A stackless channel's hand-over names the channel as the program wrote it: `chan.send('…')`.
      if (r === 'channel') {
        const ch = channelOf(store, i);
        if (ch) return v !== undefined && v !== '' ? `${ch}.send(${v})` : `${ch}.receive()`;
      }
      return switchLabel(r, v, laneKind(store, store.b(i)), laneKind(store, store.a(i)), store.extra(i)?.args === true);
    }
    case 'task':
      // A `first-run` site is where the runtime first saw the task run, not the call that made it (docs/protocol.md
      // `site`): calling that row "create" would teach a creation that happened elsewhere.
      return `${firstRun(store, store.a(i)) ? 'first run of' : 'create'} ${laneName(store, store.a(i))}`;
    case 'end':
      switch (r) {
        case 'return':
          return `returned ${v ?? 'None'}`;
        case 'exception':
          return `raised ${v ?? 'an exception'}`;
        case 'cancelled': {
          const by = endCause(store, i);
          return by ? `cancelled by ${laneName(store, by.lane)}${by.line ? ` (line ${by.line})` : ''}` : 'cancelled';
        }
        // `close()` ends a generator by raising GeneratorExit in it: the program wrote "close", so it reads "closed".
        case 'killed': {
          if (v === 'GeneratorExit' || (v === undefined && lastSwitchReason(store, i) === 'close')) return 'closed';
          // Who killed it says more than the GreenletExit() it died of (the tooltip's value line keeps that).
          const by = endCause(store, i);
          if (by) return `killed by ${laneName(store, by.lane)}${by.line ? ` (line ${by.line})` : ''}`;
          return v ? `killed (${v})` : 'killed';
        }
        case 'exit':
          return v !== undefined ? `exited ${v}` : 'exited';
        case 'unfinished': {
          const line = store.line(i);
          const waits = store.extra(i)?.waits;
          return `unfinished${line ? `: paused at line ${line}` : ''}${typeof waits === 'string' && waits ? ` (waiting for ${waits})` : ''}`;
        }
        default:
          return v !== undefined ? `${r} ${v}` : r;
      }
    case 'block':
      return `waits on ${v ?? r}`;
    case 'wake':
      return wakeCause(store, i) ?? `woken: ${v ?? r}`;
    case 'send':
      if (POOL.test(r)) return isJob(v) ? `submit ${v}` : `result ${v ?? ''}`;
      return sendWords(r, transferOp(store, i), v);
    case 'recv':
      if (POOL.test(r)) return isJob(v) ? `run ${v}` : `got result ${v ?? ''}`;
      return recvWords(r, transferOp(store, i), v);
    case 'output':
      return (v ?? '').replace(/\n$/, '');
    case 'mark':
      return `⚠ ${v ?? r}`;
    case 'finish': {
      const c = store.num(i);
      return Number.isNaN(c) ? 'program ended' : `exit code ${c}`;
    }
    case 'rename':
      return `renamed ${laneName(store, store.a(i))}`;
  }
  return r;
}

/**
 * Who ended the lane of end event i (`killed`/`cancelled`), and at which line of theirs: the end's own
 * `by`/`byLine` (a gevent kill, an asyncio cancel: docs/protocol.md), else — older traces of a cancelled asyncio task —
 * the `cancel`/`kill` wake of that lane just before it. `wake`: that wake, when it names the same killer (the wake
 * already draws the cause's connector), else -1. Undefined when the trace does not say, or the lane ended itself.
 */
export function endCause(store: TraceStore, i: number): { lane: number; line: number; file?: string; wake: number } | undefined {
  const lane = store.a(i);
  const x = store.extra(i);
  const own = x && typeof x.by === 'string' ? store.laneOf(x.by) : undefined;
  if (own === lane) return undefined;
  // The lane's last wake, when a cancel or a kill by another lane (bounded: a lane's wake and its end are a few
  // events apart, though the loop's or hub's other tasks may run between them).
  let wake = -1,
    wakeBy: number | undefined;
  for (let k = i - 1; k >= 0 && k >= i - 256; k--) {
    if (store.a(k) !== lane || store.typeCode(k) !== TYPE.wake) continue;
    const w = store.extra(k);
    if (w && (w.cause === 'cancel' || w.cause === 'kill') && typeof w.by === 'string') {
      wakeBy = store.laneOf(w.by);
      if (wakeBy !== undefined && wakeBy !== lane) wake = k;
    }
    break;
  }
  const num = (v: unknown) => (typeof v === 'number' && v > 0 ? v : 0);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (own !== undefined) return { lane: own, line: num(x?.byLine), file: str(x?.byFile), wake: wakeBy === own ? wake : -1 };
  if (wake < 0 || wakeBy === undefined) return undefined;
  const w = store.extra(wake);
  return { lane: wakeBy, line: num(w?.byLine), file: str(w?.byFile), wake };
}

/**
 * The channel a stackless `channel` switch i passed through (the switch itself does not name it): the detail of the
 * wait on a channel (`chan`) of its receiver, else of its sender, just before it (bounded: they are a few events
 * apart). Undefined when there is none (an older trace, or a name the runtime did not find).
 */
function channelOf(store: TraceStore, i: number): string | undefined {
  const to = store.b(i),
    from = store.a(i);
  for (let k = i - 1; k >= 0 && k >= i - 256; k--) {
    if (store.typeCode(k) !== TYPE.block || store.reason(k) !== 'channel') continue;
    const lane = store.a(k);
    if (lane !== to && lane !== from) continue;
    const d = store.value(k);
    return d && /^[A-Za-z_][\w.]*$/.test(d) ? d : undefined;
  }
  return undefined;
}

/** The reason of the last switch out of the lane that event i ends (a closed generator's is `close`), searched back a little. */
/** The reason of the last switch before i that left (`from`) or entered (`to`) the lane of event i, or ''. */
function lastSwitchReason(store: TraceStore, i: number, side: 'from' | 'to' = 'from'): string {
  const lane = store.a(i);
  for (let k = i - 1; k >= 0 && k >= i - 64; k--)
    if (store.type(k) === 'switch' && (side === 'from' ? store.a(k) : store.b(k)) === lane) return store.reason(k);
  return '';
}

/** The label as drawn (clipped to LABEL_MAX, one line). */
export function label(store: TraceStore, i: number): string {
  return clip(fullLabel(store, i));
}

export type Category = 'resume' | 'yield' | 'error' | 'wait' | 'channel' | 'note' | 'warn' | 'life' | 'other';

/** Colour family of an event. */
export function category(store: TraceStore, i: number): Category {
  const r = store.reason(i);
  switch (store.type(i)) {
    case 'switch':
      switch (r) {
        case 'start':
        case 'resume':
        case 'switch':
        case 'schedule':
          return 'resume';
        case 'yield':
        case 'return':
          return 'yield';
        case 'raise':
        case 'throw':
        case 'kill':
        case 'close':
          return 'error';
        case 'channel':
        case 'queue':
          return 'channel';
        default:
          return 'wait';
      }
    case 'send':
    case 'recv':
      return 'channel';
    case 'block':
    case 'wake':
      return 'wait';
    case 'output':
      return 'note';
    case 'mark':
      return 'warn';
    case 'end':
      return r === 'return' || (r === 'exit' && (store.value(i) ?? '0') === '0') ? 'life' : 'error';
    default:
      return 'life';
  }
}

/** ns → "12.345 ms" / "1.234 s" / "850 µs". */
export function formatDuration(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${(ns / 1e9).toFixed(a >= 1e10 ? 1 : 3)} s`;
  if (a >= 1e6) return `${(ns / 1e6).toFixed(a >= 1e7 ? 1 : 3)} ms`;
  if (a >= 1e3) return `${(ns / 1e3).toFixed(a >= 1e4 ? 0 : 1)} µs`;
  return `${Math.round(ns)} ns`;
}

export function basename(file: string): string {
  const k = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return k >= 0 ? file.slice(k + 1) : file;
}

/** file:line of event i, or '' (short form: basename). */
export function siteText(store: TraceStore, i: number, short = true): string {
  const f = store.file(i);
  if (f === undefined) return '';
  const l = store.line(i);
  return `${short ? basename(f) : f}${l ? `:${l}` : ''}`;
}

/** Multi-line plain text for the tooltip; `full`: the whole value (the details pane), not its first 2,000 characters. */
export function details(store: TraceStore, i: number, full = false): string {
  const type = store.type(i);
  const lines: string[] = [fullLabel(store, i)];
  const a = store.a(i),
    b = store.b(i);
  const dr = delegateReturn(store, i);
  // A delegate's return stays in its lane, which goes on running: not "outer → outer (return)".
  if (dr) lines.push(`${dr.returner} → ${dr.delegator}  (yield from / await returned, in lane ${laneName(store, a)}, which goes on running)`);
  else if (type === 'switch') lines.push(`${laneName(store, a)} → ${laneName(store, b)}  (${store.reason(i)})`);
  else if (a >= 0) lines.push(`${type} · ${laneName(store, a)}`);
  else lines.push(type);
  lines.push(`at +${formatDuration(store.rel(i))} (ts ${store.ts(i)} ns) · event #${i}`);
  if (type === 'wake') {
    const c = wakeCause(store, i);
    if (c) lines.push(`cause: ${c}`);
  }
  if (type === 'task' && a >= 0) {
    const t = store.tasks[a];
    const parent = t?.parent ? store.laneOf(t.parent) : undefined;
    if (parent !== undefined) lines.push(`${firstRun(store, a) ? 'first run by' : 'created by'} ${laneName(store, parent)}`);
    if (t?.args) lines.push(`arguments: ${t.args}`);
    if (t?.codeFile) lines.push(`code at ${t.codeFile}${t.codeLine ? `:${t.codeLine}` : ''}`);
  }
  const site = siteText(store, i, false);
  // A generator's first resume is where the runtime first saw it, not where it was made (docs/protocol.md `site`).
  if (site) lines.push(`${type === 'task' && firstRun(store, a) ? 'first run at' : 'site'}: ${site}`);
  if (type === 'switch') {
    const tf = store.toFile(i);
    if (tf !== undefined) lines.push(`resumes at: ${tf}${store.toLine(i) ? `:${store.toLine(i)}` : ''}`);
    const d = store.num(i);
    if (!Number.isNaN(d) && d > 0) lines.push(`nesting depth ${d}${store.frame(i) ? ` in ${store.frame(i)}` : ''}`);
  }
  if ((type === 'send' || type === 'recv') && !Number.isNaN(store.num(i))) lines.push(`message #${store.num(i)}`);
  if (type === 'mark' && !Number.isNaN(store.num(i))) lines.push(store.reason(i) === 'events-dropped' ? `${store.num(i)} events` : `${store.num(i)} ms`);
  const v = store.value(i);
  if (v !== undefined && type !== 'output' && type !== 'mark') lines.push(`value: ${!full && v.length > 2000 ? v.slice(0, 2000) + '…' : v}`);
  if (type === 'output') lines.push(`${store.reason(i)}: ${v ?? ''}`);
  return lines.join('\n');
}

/** Codicon code points by task kind (from @vscode/codicons). */
export const KIND_ICON: Record<string, number> = {
  main: 0xeb2c, // play
  generator: 0xeb16, // list-ordered
  coroutine: 0xea8c, // symbol-method
  'async-generator': 0xea8c, // symbol-method
  'asyncio-task': 0xea86, // symbol-event
  greenlet: 0xebcb, // arrow-swap
  tasklet: 0xeb31, // pulse
  thread: 0xeafe, // git-merge
  process: 0xeba2, // server-process
  'event-loop': 0xea77, // sync
  hub: 0xeb50, // server
};
export const ICON_WARNING = 0xea6c;
export const ICON_ERROR = 0xea87;
export const ICON_PASS = 0xeba4;
export const ICON_OUTPUT = 0xeb9d;
export const ICON_FOLD = 0xeb73;
