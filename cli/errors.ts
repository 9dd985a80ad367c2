// Errors the CLI reports as one line `coroscope: error: …` and an exit code
// (docs/cli.md, "Exit codes").
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Exit codes of coroscope's own (the script's code passes through `run`). */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;

/** Control characters (C0, DEL, C1) and line/paragraph separators shown escaped: a bad file's bytes never reach the terminal raw. */
export function escapeControls(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
      const n = c.charCodeAt(0);
      return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
    })
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t');
}

/** Messages for the user go to stderr: stdout belongs to the script. One line each, control characters escaped. */
export function note(message: string): void {
  process.stderr.write(`coroscope: ${escapeControls(message)}\n`);
}
