// What survives a reload of the panel (vscode.setState / getState): the view,
// the scale, the filters and the table's visibility. Validated on the way in.

export interface SavedState {
  scale: 'steps' | 'time';
  top: number;
  rowH: number;
  nsPx: number;
  left: number;
  query: string;
  filterOn: boolean;
  foldingOn: boolean;
  /** Time scale: long gaps compressed (off: proportional time). */
  compressGaps: boolean;
  /** asyncio.run's own shutdown shown as rows (off: folded into one row). */
  showShutdown: boolean;
  /** The events table: shown, hidden, or null (automatic: by the panel's width). */
  tableOn: boolean | null;
  follow: boolean;
  collapsed: number[];
  expanded: number[];
  selected: number;
}

export const DEFAULT_STATE: SavedState = {
  scale: 'steps',
  top: 0,
  rowH: 26,
  nsPx: 26 / 1e5,
  left: 0,
  query: '',
  filterOn: false,
  foldingOn: true,
  compressGaps: false,
  showShutdown: false,
  tableOn: null,
  follow: true,
  collapsed: [],
  expanded: [],
  selected: -1,
};

export function restoreState(raw: unknown): SavedState {
  const s: SavedState = { ...DEFAULT_STATE, collapsed: [], expanded: [] };
  if (typeof raw !== 'object' || raw === null) return s;
  const o = raw as Record<string, unknown>;
  const num = (k: keyof SavedState, min: number, max: number) => {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) (s as unknown as Record<string, unknown>)[k] = Math.min(max, Math.max(min, v));
  };
  const bool = (k: keyof SavedState) => {
    if (typeof o[k] === 'boolean') (s as unknown as Record<string, unknown>)[k] = o[k];
  };
  if (o.scale === 'steps' || o.scale === 'time') s.scale = o.scale;
  num('top', 0, 1e18);
  num('rowH', 0.0001, 80);
  num('nsPx', 1e-15, 1e3);
  num('left', 0, 1e9);
  num('selected', -1, 1e12);
  if (typeof o.query === 'string') s.query = o.query.slice(0, 500);
  bool('filterOn');
  bool('foldingOn');
  bool('compressGaps');
  bool('showShutdown');
  bool('tableOn');
  bool('follow');
  const ints = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x) && x >= 0).slice(0, 10000) : []);
  s.collapsed = ints(o.collapsed);
  s.expanded = ints(o.expanded);
  return s;
}
