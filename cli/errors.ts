// Errors the CLI reports as one line `coroscope: error: …` and an exit code.
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) { super(message); }
}

/** Messages for the user go to stderr: stdout belongs to the script. */
export function note(message: string): void {
  process.stderr.write(`coroscope: ${message}\n`);
}
