// Export Trace…: the JSON Lines file as received, or the shared exporters
// (trace/perfetto.ts, trace/mermaid.ts — the same code the CLI uses). Pure Node.
import * as fs from 'node:fs';
import { once } from 'node:events';
import type { TraceStore } from '../../trace/store';
import { perfettoChunks } from '../../trace/perfetto';
import { toMermaid } from '../../trace/mermaid';

export type ExportFormat = 'jsonl' | 'perfetto' | 'mermaid';

export const exportFormats: readonly { id: ExportFormat; label: string; description: string; ext: string }[] = [
  { id: 'jsonl', label: 'JSON Lines', description: 'the Coroscope trace, reopens with Open Trace…', ext: '.jsonl' },
  { id: 'perfetto', label: 'Perfetto JSON', description: 'ui.perfetto.dev, chrome://tracing', ext: '.json' },
  { id: 'mermaid', label: 'Mermaid', description: 'a sequenceDiagram for Markdown', ext: '.mmd' },
];

/** Writes `format` to `target`; returns a note for the user (what was folded or cut), if any. */
export async function exportTrace(format: ExportFormat, traceFile: string, store: TraceStore | undefined, target: string): Promise<string | undefined> {
  switch (format) {
    case 'jsonl':
      await fs.promises.copyFile(traceFile, target);
      return undefined;
    case 'perfetto': {
      if (!store) throw new Error('no trace loaded');
      const out = fs.createWriteStream(target);
      const failed = once(out, 'error').then(([e]) => {
        throw e as Error;
      });
      for (const chunk of perfettoChunks(store)) {
        if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
      }
      out.end();
      await Promise.race([once(out, 'finish'), failed]);
      return undefined;
    }
    case 'mermaid': {
      if (!store) throw new Error('no trace loaded');
      const r = toMermaid(store);
      await fs.promises.writeFile(target, r.text);
      if (r.cut) return `cut to stay within Mermaid's limits: shows ${r.shown} of ${r.switches} switches`;
      if (r.loops > 0) return `${r.loops} repeated pattern(s) folded into loop blocks`;
      return undefined;
    }
  }
}
