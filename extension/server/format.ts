// Small text helpers shared by lenses and hovers.

/** "1.0 s", "230 ms", "12 µs", "800 ns": two significant figures, never more than needed. */
export function duration(ns: number): string {
  if (!Number.isFinite(ns) || ns < 0) return '?';
  if (ns >= 60e9) {
    const m = Math.floor(ns / 60e9);
    const s = Math.round((ns - m * 60e9) / 1e9);
    return `${m} min ${s} s`;
  }
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(ns >= 10e9 ? 0 : 1)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 10e6 ? 0 : 1)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns >= 10e3 ? 0 : 1)} µs`;
  return `${Math.round(ns)} ns`;
}

/** A value repr cut to fit a lens; line breaks shown as ⏎ so a lens stays one line. */
export function short(value: string, max = 40): string {
  const one = value.replace(/\r?\n/g, '⏎').replace(/[\u0000-\u001f\u007f]/g, '·');
  return one.length <= max ? one : one.slice(0, max - 1) + '…';
}

export function plural(n: number, word: string, many = word + 's'): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Text that Markdown must show as-is (user values end up in hovers). */
export function mdEscape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`);
}

/** Inline code span that survives backticks inside the value. */
export function mdCode(s: string): string {
  const ticks = (s.match(/`+/g) ?? []).reduce((m, t) => Math.max(m, t.length), 0);
  const fence = '`'.repeat(ticks + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || s === '' ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

const BLOCKS = ' ▁▂▃▄▅▆▇█';

/**
 * A one-line timeline of when a line was suspended: `width` cells over
 * [0, totalNs], each as tall as the fraction of its time spent suspended.
 */
export function timeline(spans: readonly (readonly [number, number])[], totalNs: number | undefined, width = 32): string {
  let end = totalNs ?? 0;
  for (const [, b] of spans) if (b > end) end = b;
  if (!(end > 0) || spans.length === 0) return '';
  const cell = end / width;
  const fill = new Float64Array(width);
  for (const [a0, b0] of spans) {
    const a = Math.max(0, a0),
      b = Math.min(end, b0);
    if (b <= a) {
      fill[Math.min(width - 1, Math.floor(a / cell))] += cell / 8;
      continue;
    } // an instant still shows
    for (let i = Math.floor(a / cell); i < width && i * cell < b; i++) {
      const lo = Math.max(a, i * cell),
        hi = Math.min(b, (i + 1) * cell);
      if (hi > lo) fill[i] += hi - lo;
    }
  }
  let s = '';
  for (let i = 0; i < width; i++) {
    const f = Math.min(1, fill[i] / cell);
    s += f <= 0 ? '·' : BLOCKS[Math.max(1, Math.round(f * 8))];
  }
  return s;
}
