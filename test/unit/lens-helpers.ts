// Shared helpers for the lens unit tests: parse fixtures with the real parser.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyze, type Analysis } from '../../extension/server/analysis';
import { loadParser, PythonSource, type ParserBundle } from '../../extension/server/parse';
import { TraceStore } from '../../trace/store';

export const ROOT = resolve(__dirname, '../../..');
export const fixture = (name: string) => join(ROOT, 'test/fixtures/lens', name);
export const readFixture = (name: string) => readFileSync(fixture(name), 'utf8');

let bundle: ParserBundle | undefined;
export async function parser(): Promise<ParserBundle> {
  return (bundle ??= await loadParser());
}

export async function analyzeText(text: string): Promise<{ a: Analysis; src: PythonSource; b: ParserBundle }> {
  const b = await parser();
  const src = new PythonSource(b, text);
  return { a: analyze(src.tree.rootNode, b.language), src, b };
}

/** 1-based line → labels of the points on it. */
export function labelsByLine(a: Analysis): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const p of a.points) m.set(p.line + 1, [...(m.get(p.line + 1) ?? []), p.label]);
  return m;
}

/** 1-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line with ${needle}`);
  return i + 1;
}

export function loadTrace(name: string): TraceStore {
  const s = new TraceStore();
  s.appendText(readFileSync(join(ROOT, 'test/fixtures/traces', name), 'utf8'));
  s.end();
  return s;
}
