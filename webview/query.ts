// Search and filter: `task:producer kind:greenlet reason:yield type:switch 200 OK`.
// Qualified terms narrow by lane name, task kind, reason and event type; the rest
// is free text matched (case-insensitively) against the value, the reason, the
// event type and the lane names. Pure: no DOM.

import type { TraceStore } from '../trace/store';
import { displayNames } from './labels';

export interface Query {
  task: string[];
  kind: string[];
  reason: string[];
  type: string[];
  text: string;
}

export function parseQuery(q: string): Query {
  const out: Query = { task: [], kind: [], reason: [], type: [], text: '' };
  const free: string[] = [];
  for (const tok of q.trim().split(/\s+/)) {
    if (!tok) continue;
    const m = /^(task|kind|reason|type):(.+)$/i.exec(tok);
    if (m) out[m[1].toLowerCase() as 'task' | 'kind' | 'reason' | 'type'].push(m[2].toLowerCase());
    else free.push(tok);
  }
  out.text = free.join(' ').toLowerCase();
  return out;
}

export function isEmptyQuery(q: Query): boolean {
  return !q.text && !q.task.length && !q.kind.length && !q.reason.length && !q.type.length;
}

/** A predicate over event indices, with per-lane and per-reason work done once. */
export function compileQuery(store: TraceStore, q: Query): (i: number) => boolean {
  const lanes = store.tasks.length;
  const laneOk = new Uint8Array(lanes);
  const laneText = new Uint8Array(lanes);
  const shown = displayNames(store);
  for (let l = 0; l < lanes; l++) {
    const t = store.tasks[l];
    // The display name (`output #3`) matches, also written without the space (`task:output#3`), and so does the id.
    const name = (shown[l] ?? t.name).toLowerCase();
    const tight = name.replace(/ #(\d+)$/, '#$1');
    const byTask = q.task.length === 0 || q.task.some((x) => (/#\d+$/.test(x) ? tight.endsWith(x) : name.includes(x)) || t.id === x);
    const byKind = q.kind.length === 0 || q.kind.some((x) => t.kind.toLowerCase().includes(x));
    laneOk[l] = byTask && byKind ? 1 : 0;
    laneText[l] = q.text && name.includes(q.text) ? 1 : 0;
  }
  const reasonCache = new Map<number, boolean>();
  const reasonTextCache = new Map<number, boolean>();
  const laneFilter = q.task.length > 0 || q.kind.length > 0;
  return (i: number): boolean => {
    const a = store.a(i),
      b = store.b(i);
    if (laneFilter && !((a >= 0 && laneOk[a]) || (b >= 0 && laneOk[b]))) return false;
    const type = store.type(i);
    if (q.type.length && !q.type.some((x) => type.startsWith(x))) return false;
    const rid = store.reasonId(i);
    if (q.reason.length) {
      let ok = reasonCache.get(rid);
      if (ok === undefined) {
        const r = store.reason(i).toLowerCase();
        ok = q.reason.some((x) => r.includes(x));
        reasonCache.set(rid, ok);
      }
      if (!ok) return false;
    }
    if (!q.text) return true;
    if ((a >= 0 && laneText[a]) || (b >= 0 && laneText[b])) return true;
    if (type.includes(q.text)) return true;
    let rt = reasonTextCache.get(rid);
    if (rt === undefined) {
      rt = store.reason(i).toLowerCase().includes(q.text);
      reasonTextCache.set(rid, rt);
    }
    if (rt) return true;
    const v = store.value(i);
    return v?.toLowerCase().includes(q.text) === true;
  };
}
