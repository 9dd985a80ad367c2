// Colours for the canvas, read from CSS custom properties (style.css maps them
// to VS Code's theme variables, with light/dark fallbacks for the CLI report).

export interface Theme {
  bg: string;
  fg: string;
  dim: string;
  border: string;
  laneBg: string;
  headBg: string;
  gutterBg: string;
  activation: string;
  activationEdge: string;
  nested: string;
  resume: string;
  yield: string;
  error: string;
  wait: string;
  channel: string;
  life: string;
  noteBg: string;
  noteBorder: string;
  warn: string;
  warnBg: string;
  highlight: string;
  selection: string;
  match: string;
  foldBg: string;
  focus: string;
  font: string;
  mono: string;
}

const KEYS: (keyof Theme)[] = [
  'bg',
  'fg',
  'dim',
  'border',
  'laneBg',
  'headBg',
  'gutterBg',
  'activation',
  'activationEdge',
  'nested',
  'resume',
  'yield',
  'error',
  'wait',
  'channel',
  'life',
  'noteBg',
  'noteBorder',
  'warn',
  'warnBg',
  'highlight',
  'selection',
  'match',
  'foldBg',
  'focus',
  'font',
  'mono',
];

const FALLBACK: Theme = {
  bg: '#ffffff',
  fg: '#1f2328',
  dim: '#6e7781',
  border: '#d0d7de',
  laneBg: 'rgba(127,127,127,0.05)',
  headBg: '#f6f8fa',
  gutterBg: '#f6f8fa',
  activation: 'rgba(9,105,218,0.18)',
  activationEdge: '#0969da',
  nested: 'rgba(130,80,223,0.35)',
  resume: '#0969da',
  yield: '#1a7f37',
  error: '#cf222e',
  wait: '#bc4c00',
  channel: '#8250df',
  life: '#57606a',
  noteBg: '#fff8c5',
  noteBorder: '#d4a72c',
  warn: '#9a6700',
  warnBg: 'rgba(212,167,44,0.18)',
  highlight: 'rgba(255,200,0,0.30)',
  selection: 'rgba(9,105,218,0.16)',
  match: 'rgba(255,150,0,0.16)',
  foldBg: 'rgba(130,80,223,0.10)',
  focus: '#0969da',
  font: 'system-ui, -apple-system, "Segoe UI", sans-serif',
  mono: 'ui-monospace, "SF Mono", Menlo, Consolas, monospace',
};

export function readTheme(el: Element = document.documentElement): Theme {
  const cs = getComputedStyle(el);
  const t = { ...FALLBACK };
  for (const k of KEYS) {
    const v = cs.getPropertyValue(`--cs-${k}`).trim();
    if (v) t[k] = v;
  }
  return t;
}
