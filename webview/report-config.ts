// What the CLI's HTML report (cli/report-html.ts) tells its boot script
// (webview/report-boot.ts) in the page's `#coroscope-report` JSON block.
// Types only: shared by a Node module and a browser entry.
import type { OverviewData } from '../trace/overview';

/** The id of the report's JSON block; its presence also tells the bundle it runs in the report (no editor to open). */
export const REPORT_ELEMENT_ID = 'coroscope-report';

export interface ReportConfig {
  title: string;
  exitCode: number | null;
  /** When the page holds only part of the trace: what it says about it (shown above the diagram). */
  windowNote?: string;
  /** With a window: the event ranges [from, to) the page holds and the overview of the whole run (trace/overview.ts). */
  window?: { ranges: [number, number][]; total: number; overview: OverviewData };
}
