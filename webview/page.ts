// The one HTML shell of the diagram, used by the VS Code panel (resources by
// URI) and by the CLI's self-contained report (resources inlined). Pure string
// building: no DOM, no Node. Every interpolated value is attribute-escaped.

export interface PageOptions {
  title: string;
  /** Nonce allowing our scripts (and inline styles) under the strict CSP. */
  nonce: string;
  /** VS Code panel: `webview.cspSource`, and the bundle's URIs. */
  cspSource?: string;
  scriptUri?: string;
  styleUris?: string[];
  /** Self-contained report: the bundle and styles inlined. */
  inlineScript?: string;
  inlineStyles?: string[];
  /** Report only: a script run before the bundle (defines acquireVsCodeApi and feeds the embedded trace). */
  bootScript?: string;
  /** Report only: the boot script may start a worker from a `blob:` URL (it inflates the trace off the main thread). */
  blobWorkers?: boolean;
  /** Report only: the program's source files, embedded as a data element (see `sourcesElement`). */
  sources?: { files: { file: string; text: string }[]; capped: boolean };
}

/** Id of the report's element holding the program's source files (read by webview/main.ts). */
export const SOURCES_ELEMENT_ID = 'coroscope-sources';

/**
 * The report's embedded sources: a JSON data element (`type="application/json"` is never run, so the CSP does not
 * apply; `<` is escaped so no text of the program can end the element).
 */
export function sourcesElement(files: { file: string; text: string }[], capped: boolean, nonce: string): string {
  const json = JSON.stringify({ files, capped })
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `<script type="application/json" nonce="${escapeHtml(nonce)}" id="${SOURCES_ELEMENT_ID}">${json}</script>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** `</script` inside inlined code would end the element early. */
function inlineSafe(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export function diagramPage(o: PageOptions): string {
  const src = o.cspSource ? ` ${o.cspSource}` : '';
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    `style-src${src} 'nonce-${o.nonce}'`,
    `font-src${src} data:`,
    `img-src${src} data: blob:`,
    ...(o.blobWorkers ? ['worker-src blob:'] : []),
  ].join('; ');
  const n = escapeHtml(o.nonce);
  const styles = [
    ...(o.styleUris ?? []).map((u) => `<link rel="stylesheet" nonce="${n}" href="${escapeHtml(u)}">`),
    ...(o.inlineStyles ?? []).map((s) => `<style nonce="${n}">${s.replace(/<\/(style)/gi, '<\\/$1')}</style>`),
  ].join('\n');
  const scripts = [
    o.bootScript ? `<script nonce="${n}">${inlineSafe(o.bootScript)}</script>` : '',
    o.scriptUri ? `<script nonce="${n}" src="${escapeHtml(o.scriptUri)}"></script>` : '',
    o.inlineScript ? `<script nonce="${n}">${inlineSafe(o.inlineScript)}</script>` : '',
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(o.title)}</title>
${styles}
</head>
<body>
<div id="coroscope-root" data-coroscope-state="loading" data-events="0"></div>
${o.sources ? sourcesElement(o.sources.files, o.sources.capped, o.nonce) : ''}
${scripts}
</body>
</html>
`;
}
